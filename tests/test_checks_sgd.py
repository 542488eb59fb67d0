"""The SGD checkers of notebook 05: the weight of a chunk in the full gradient, and one
epoch over shuffled mini-batches written by the student, against the package's batches,
mean_squared_error and SGD."""

import math

import pytest

from helpers.checks import Feedback, check_chunk_weight, check_sgd_epoch, check_steps_per_epoch
from helpers.losses import mean_squared_error


def _step(w, x_b, y_b, learning_rate, scale=1.0):
    return w - learning_rate * scale * 2 * x_b.T @ (x_b @ w - y_b) / len(x_b)


def right(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        w = _step(w, x[batch], y[batch], learning_rate)
    return w


def in_place_with_the_package(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        _, dpredictions = mean_squared_error(x[batch] @ w, y[batch])
        w -= learning_rate * x[batch].T @ dpredictions
    return w


def summed(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        w = _step(w, x[batch], y[batch], learning_rate, scale=len(batch))
    return w


def not_shuffled(w, x, y, learning_rate, batch_size, rng):
    for start in range(0, len(x), batch_size):
        w = _step(w, x[start : start + batch_size], y[start : start + batch_size], learning_rate)
    return w


def drops_the_last_batch(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for k in range(len(x) // batch_size):
        batch = order[k * batch_size : (k + 1) * batch_size]
        w = _step(w, x[batch], y[batch], learning_rate)
    return w


def without_the_two(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        w = _step(w, x[batch], y[batch], learning_rate, scale=0.5)
    return w


def new_order_every_batch(w, x, y, learning_rate, batch_size, rng):
    for _ in range(0, len(x), batch_size):
        batch = rng.permutation(len(x))[:batch_size]
        w = _step(w, x[batch], y[batch], learning_rate)
    return w


def stub(w, x, y, learning_rate, batch_size, rng):
    pass


def raises(w, x, y, learning_rate, batch_size, rng):
    raise ValueError("matmul: dimension mismatch")


@pytest.mark.parametrize("function", [right, in_place_with_the_package])
@pytest.mark.parametrize("seed", [0, 1])
def test_sgd_epoch_right(function, seed):
    result = check_sgd_epoch(function, seed=seed)
    assert result.passed, result


@pytest.mark.parametrize(
    ("function", "hint"),
    [
        (summed, "divide the summed gradient by len(x_batch)"),
        (not_shuffled, "rng.permutation(len(x))"),
        (drops_the_last_batch, "range(0, len(x), batch_size)"),
        (without_the_two, "2 · x_bᵀ"),
        (new_order_every_batch, "rng.permutation(len(x))"),
    ],
)
def test_sgd_epoch_wrong(function, hint):
    result = check_sgd_epoch(function)
    assert not result.passed and result.answered
    assert hint in result.hint


@pytest.mark.parametrize("blank", [..., None, stub])
def test_sgd_epoch_blank(blank):
    result = check_sgd_epoch(blank)
    assert not result.passed and result.answered is False


def test_sgd_epoch_that_raises():
    result = check_sgd_epoch(raises)
    assert not result.passed and result.answered
    assert "ValueError" in result.message


# ------------------------------------------------- the weight of a chunk ----


@pytest.mark.parametrize(
    ("answer", "passed", "hint"),
    [
        (96 / 60_000, True, ""),
        (0.0016, True, ""),
        (1 / 469, False, "share of all the examples"),
        (128 / 60_000, False, "only 96"),
        (96, False, "Divide by the number of examples"),
        (0.5, False, "add up"),
        ("0.0016", False, "single number"),
    ],
)
def test_chunk_weight(answer, passed, hint):
    result = check_chunk_weight(answer, chunk_size=96, num_examples=60_000)
    assert result.passed is passed
    assert hint in result.hint


@pytest.mark.parametrize("blank", [..., None])
def test_chunk_weight_blank(blank):
    assert check_chunk_weight(blank).answered is False


# ----------------------------------------------------------------------- steps per epoch ----


@pytest.mark.parametrize(("num_examples", "batch_size"), [(60000, 128), (60000, 2048), (100, 10)])
def test_steps_per_epoch_right(num_examples, batch_size):
    steps = math.ceil(num_examples / batch_size)
    result = check_steps_per_epoch(steps, num_examples, batch_size)
    assert result.passed, str(result)


@pytest.mark.parametrize("answer", [468, 468.75, 60000 * 128, 7, "many", [469, 1]])
def test_steps_per_epoch_wrong(answer):
    _not_yet(check_steps_per_epoch(answer))


def test_steps_per_epoch_hint_mentions_rounding_up():
    assert "ceil" in check_steps_per_epoch(468).hint


def _not_yet(result):
    assert isinstance(result, Feedback)
    assert not result.passed and result.answered and result.hint, result
    assert str(result).startswith("Not yet: ")
