"""The naive-update checkers of notebook 03: when both nudges climb, and the central
difference of one coefficient written by the student."""

import numpy as np
import pytest

from helpers.checks import (
    UsageError,
    check_both_nudges_climb,
    check_naive_cost,
    check_num_params,
    check_partial,
)

# ------------------------------------------------- both nudges climb ----


@pytest.mark.parametrize(
    ("answer", "epsilon", "passed", "hint"),
    [
        (0.05, 0.1, True, ""),
        (0.005, 0.01, True, ""),
        (0.1, 0.1, False, "ε² − 2wε"),
        (0.01, 0.1, False, "Solve"),
        (0.3, 0.1, False, "Both hold"),
        ("0.05", 0.1, False, "single number"),
    ],
)
def test_both_nudges_climb(answer, epsilon, passed, hint):
    result = check_both_nudges_climb(answer, epsilon=epsilon)
    assert result.passed is passed
    assert hint in result.hint


@pytest.mark.parametrize("blank", [..., None])
def test_both_nudges_climb_blank(blank):
    assert check_both_nudges_climb(blank).answered is False


def test_both_nudges_climb_needs_a_positive_epsilon():
    with pytest.raises(UsageError):
        check_both_nudges_climb(0.05, epsilon=0)


# ------------------------------------------------- the partial ----


def partial_in_place(loss_fn, w, index, epsilon):
    old = w[index]
    w[index] = old + epsilon
    up = loss_fn(w)
    w[index] = old - epsilon
    down = loss_fn(w)
    w[index] = old
    return (up - down) / (2 * epsilon)


def partial_on_copies(loss_fn, w, index, epsilon):
    up, down = w.copy(), w.copy()
    up[index] += epsilon
    down[index] -= epsilon
    return (loss_fn(up) - loss_fn(down)) / (2 * epsilon)


def partial_forward(loss_fn, w, index, epsilon):
    now = loss_fn(w)
    up = w.copy()
    up[index] += epsilon
    return (loss_fn(up) - now) / epsilon


def partial_over_epsilon(loss_fn, w, index, epsilon):
    return 2 * partial_on_copies(loss_fn, w, index, epsilon)


def partial_not_divided(loss_fn, w, index, epsilon):
    return 2 * epsilon * partial_on_copies(loss_fn, w, index, epsilon)


def partial_not_restored(loss_fn, w, index, epsilon):
    old = w[index]
    w[index] = old + epsilon
    up = loss_fn(w)
    w[index] = old - epsilon
    return (up - loss_fn(w)) / (2 * epsilon)


def partial_blank(loss_fn, w, index, epsilon):
    pass


def partial_raising(loss_fn, w, index, epsilon):
    raise IndexError("index out of range")


@pytest.mark.parametrize("partial", [partial_in_place, partial_on_copies])
@pytest.mark.parametrize("seed", [0, 1])
def test_partial_right(partial, seed):
    result = check_partial(partial, seed=seed)
    assert result.passed, result


@pytest.mark.parametrize(
    ("partial", "hint"),
    [
        (partial_forward, "Nudge both ways"),
        (partial_over_epsilon, "2ε apart"),
        (partial_not_divided, "distance between the two points"),
        (partial_not_restored, "put it back"),
    ],
)
def test_partial_wrong(partial, hint):
    result = check_partial(partial)
    assert not result.passed and result.answered
    assert hint in result.hint


@pytest.mark.parametrize("blank", [..., None, partial_blank])
def test_partial_blank(blank):
    assert check_partial(blank).answered is False


def test_partial_that_raises_is_not_yet():
    result = check_partial(partial_raising)
    assert not result.passed and result.answered
    assert "IndexError" in result.message


def test_partial_gets_float64_arrays():
    dtypes = []

    def spy(loss_fn, w, index, epsilon):
        dtypes.append(w.dtype)
        return partial_in_place(loss_fn, w, index, epsilon)

    assert check_partial(spy).passed
    assert dtypes and all(d == np.float64 for d in dtypes)


# ----------------------------------------------- parameters and cost of the naive update ----


@pytest.mark.parametrize(
    ("answer", "sizes", "passed", "hint"),
    [
        (407_050, (784, 512, 10), True, ""),
        (8, (3, 2), True, ""),
        (406_528, (784, 512, 10), False, "bias"),
        (400_000, (784, 512, 10), False, "(D, M) kernel"),
    ],
)
def test_check_num_params(answer, sizes, passed, hint):
    result = check_num_params(answer, sizes)
    assert result.passed is passed
    assert hint in result.hint


@pytest.mark.parametrize(
    ("answer", "method", "passed", "hint"),
    [
        (814_100, "central", True, ""),
        (407_051, "forward", True, ""),
        (407_051, "central", False, "l(w − ε)"),
        (814_100, "forward", False, "l(w) once"),
        (407_050, "forward", False, "l(w) itself"),
        (2, "central", False, "multiply"),
    ],
)
def test_check_naive_cost(answer, method, passed, hint):
    result = check_naive_cost(answer, 407_050, method=method)
    assert result.passed is passed
    assert hint in result.hint


def test_check_naive_cost_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="central"):
        check_naive_cost(10, 5, method="backward")
