"""Checkers of notebook 03 (helpers.checks.naive_update): counting parameters and forward
passes, when both nudges climb, and the central difference of one coefficient.

One table-driven battery per exercise: each row is an answer a student could give, the
verdict it must get (right or not), its diagnosis, and — from the same result — the
hidden test's verdict (helpers.checks.confirm), which must agree with the visible one.
"""

import numpy as np
import pytest
from battery import verdict

from helpers import checks
from helpers.checks import core
from helpers.checks import naive_update as lesson
from helpers.gradients import numerical_gradient, numerical_partial
from helpers.layers import mlp

SMALL = (784, 128, 10)  # the network of exercises 1 and 2
N = 784 * 128 + 128 + 128 * 10 + 10  # its parameters: 101,770
LESSON = 784 * 512 + 512 + 512 * 10 + 10  # the lesson's MNIST model: 407,050


def test_the_counts_are_the_package_s():
    assert mlp(list(SMALL), seed=0).count_params() == N
    assert mlp([784, 512, 10], seed=0).count_params() == LESSON


# --------------------------------------------------------- parameters ----


NUM_PARAMS_ANSWERS = [
    (N, True, ""),
    (784 * 128 + 128 + 128 * 10 + 10, True, ""),
    (np.int64(N), True, ""),
    (float(N), True, ""),
    (784 * 128 + 128 * 10, False, "kernels-only"),
    (N + 784, False, "input-bias"),
    (784 * 128 + 128, False, "first-layer-only"),
    (LESSON, False, "other-network"),
    (N + 1, False, "other"),
    ("101770", False, "wrong-type"),
    (..., False, "blank"),
    (None, False, "blank"),
]


@pytest.mark.parametrize(("answer", "passed", "diagnosis"), NUM_PARAMS_ANSWERS)
def test_num_params(answer, passed, diagnosis):
    verdict(checks.check_num_params(answer, sizes=SMALL), passed, diagnosis)


def test_num_params_of_the_lesson_s_model():
    verdict(checks.check_num_params(LESSON), True, "")


def test_num_params_needs_two_sizes():
    with pytest.raises(checks.UsageError):
        checks.check_num_params(10, sizes=(784,))


# ----------------------------------------------------- forward passes ----


NAIVE_COST_ANSWERS = [
    (N + 1, "forward", True, ""),
    (784 * 128 + 128 + 128 * 10 + 10 + 1, "forward", True, ""),
    (np.int64(N + 1), "forward", True, ""),
    (2 * N, "forward", False, "two-passes-per-parameter"),
    (N, "forward", False, "no-base-pass"),
    (N + 4, "forward", False, "base-pass-per-array"),
    (LESSON + 1, "forward", False, "other-network"),
    (N + 2, "forward", False, "other"),
    (2 * N, "central", True, ""),
    (N + 1, "central", False, "one-pass-per-parameter"),
    (N, "central", False, "one-pass-per-parameter"),
    (2 * LESSON, "central", False, "other-network"),
    ("many", "forward", False, "wrong-type"),
    (..., "forward", False, "blank"),
]


@pytest.mark.parametrize(("answer", "method", "passed", "diagnosis"), NAIVE_COST_ANSWERS)
def test_naive_cost(answer, method, passed, diagnosis):
    verdict(checks.check_naive_cost(answer, sizes=SMALL, method=method), passed, diagnosis)


def test_naive_cost_does_not_show_the_parameter_count_on_a_wrong_answer():
    """Exercise 2's check must not answer exercise 1 (unless the answer was that count)."""
    for answer in (N + 2, 2 * N, N + 4, LESSON + 1, "many"):
        result = checks.check_naive_cost(answer, sizes=SMALL, method="forward")
        assert f"{N:,}" not in str(result) and str(N) not in str(result)


def test_naive_cost_with_a_parameter_count():
    verdict(checks.check_naive_cost(11, num_params=10, method="forward"), True, "")
    verdict(checks.check_naive_cost(20, num_params=10, method="central"), True, "")


def test_naive_cost_rejects_an_unknown_method():
    with pytest.raises(checks.UsageError, match="central"):
        checks.check_naive_cost(10, method="backward")


# -------------------------------------------------- both nudges climb ----


BOTH_CLIMB_ANSWERS = [
    (0.05, True, ""),
    (0.1 / 2, True, ""),
    (np.float32(0.05), True, ""),
    (-0.05, False, "negative-distance"),
    (0.1, False, "epsilon-not-half"),
    (0.01, False, "epsilon-squared"),
    (0.3, False, "other"),
    ("0.05", False, "wrong-type"),
    (..., False, "blank"),
]


@pytest.mark.parametrize(("answer", "passed", "diagnosis"), BOTH_CLIMB_ANSWERS)
def test_both_nudges_climb(answer, passed, diagnosis):
    verdict(checks.check_both_nudges_climb(answer, epsilon=0.1), passed, diagnosis)


def test_both_nudges_climb_needs_a_positive_epsilon():
    with pytest.raises(checks.UsageError):
        checks.check_both_nudges_climb(0.05, epsilon=0)


# ---------------------------------------------------------- partial ----


def _in_place(loss_fn, w, index, epsilon):
    old = w[index]
    w[index] = old + epsilon
    up = loss_fn(w)
    w[index] = old - epsilon
    down = loss_fn(w)
    w[index] = old
    return (up - down) / (2 * epsilon)


def _on_copies(loss_fn, w, index, epsilon):
    up, down = w.copy(), w.copy()
    up[index] += epsilon
    down[index] -= epsilon
    return (loss_fn(up) - loss_fn(down)) / (2 * epsilon)


def _arithmetic_restore(loss_fn, w, index, epsilon):
    """w[index] += ε; -= 2ε; += ε: back to w to within one rounding."""
    w[index] += epsilon
    up = loss_fn(w)
    w[index] -= 2 * epsilon
    down = loss_fn(w)
    w[index] += epsilon
    return (up - down) / (2 * epsilon)


def _basis_vector(loss_fn, w, index, epsilon):
    e = np.zeros_like(w)
    e[index] = 1.0
    return (loss_fn(w + epsilon * e) - loss_fn(w - epsilon * e)) / (2 * epsilon)


def _float32(loss_fn, w, index, epsilon):
    return np.float32(_on_copies(loss_fn, w, index, epsilon))


def _formula(formula, left_at=0.0):
    """A partial from (l(w + ε), l(w), l(w − ε), ε) that leaves w[index] at w + left_at · ε."""

    def partial(loss_fn, w, index, epsilon):
        old = w[index]
        losses = []
        for shift in (epsilon, 0.0, -epsilon):
            w[index] = old + shift
            losses.append(loss_fn(w))
        w[index] = old + left_at * epsilon
        return formula(*losses, epsilon)

    return partial


def _every_coefficient(loss_fn, w, index, epsilon):
    return (loss_fn(w + epsilon) - loss_fn(w - epsilon)) / (2 * epsilon)


def _aliased(loss_fn, w, index, epsilon):
    w_plus = w
    w_plus[index] += epsilon
    up = loss_fn(w_plus)
    w_minus = w
    w_minus[index] -= epsilon
    down = loss_fn(w_minus)
    return (up - down) / (2 * epsilon)


def _stub(loss_fn, w, index, epsilon):
    """The student edition's stub: nothing written yet."""


def _endless(loss_fn, w, index, epsilon):
    while True:
        pass


PARTIAL_ANSWERS = [
    # (description, answer, passed, diagnosis, precision)
    ("in place, put back", _in_place, True, "", ""),
    ("on copies", _on_copies, True, "", ""),
    ("+= ε, -= 2ε, += ε", _arithmetic_restore, True, "", ""),
    ("basis vector", _basis_vector, True, "", ""),
    ("float32", _float32, True, "", "float32"),
    (
        "forward difference",
        _formula(lambda up, now, down, e: (up - now) / e),
        False,
        "forward-difference",
        "",
    ),
    (
        "backward difference",
        _formula(lambda up, now, down, e: (now - down) / e),
        False,
        "backward-difference",
        "",
    ),
    ("÷ ε", _formula(lambda up, now, down, e: (up - down) / e), False, "divided-by-epsilon", ""),
    ("no ÷", _formula(lambda up, now, down, e: up - down), False, "no-divide-by-epsilon", ""),
    ("sign", _formula(lambda up, now, down, e: (down - up) / (2 * e)), False, "sign-flipped", ""),
    (
        "left at w − ε",
        _formula(lambda up, now, down, e: (up - down) / (2 * e), left_at=-1.0),
        False,
        "not-restored",
        "",
    ),
    (
        "left at w + ε",
        _formula(lambda up, now, down, e: (up - down) / (2 * e), left_at=1.0),
        False,
        "not-restored",
        "",
    ),
    ("every coefficient", _every_coefficient, False, "nudged-every-coefficient", ""),
    ("v = w", _aliased, False, "aliased-copy", ""),
    ("zero", lambda loss_fn, w, index, epsilon: 0.0, False, "other", ""),
    ("returns a string", lambda loss_fn, w, index, epsilon: "6.0", False, "wrong-type", ""),
    ("not a function", 6.0, False, "wrong-type", ""),
    ("blank", ..., False, "blank", ""),
    ("None", None, False, "blank", ""),
    ("the stub", _stub, False, "blank", ""),
    ("raises", lambda loss_fn, w, index, epsilon: loss_fn(w)[index], False, "raised", ""),
    ("endless loop", _endless, False, "timeout", ""),
    (
        "huge allocation",
        lambda loss_fn, w, index, epsilon: np.ones(2**34),
        False,
        "out-of-memory",
        "",
    ),
    (
        "calls numerical_partial",
        lambda loss_fn, w, index, epsilon: numerical_partial(loss_fn, w, index, h=epsilon),
        False,
        "package-shortcut",
        "",
    ),
    (
        "calls numerical_gradient",
        lambda loss_fn, w, index, epsilon: numerical_gradient(loss_fn, w, h=epsilon)[index],
        False,
        "package-shortcut",
        "",
    ),
]


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis", "precision"),
    [row[1:] for row in PARTIAL_ANSWERS],
    ids=[row[0] for row in PARTIAL_ANSWERS],
)
def test_partial(monkeypatch, answer, passed, diagnosis, precision):
    monkeypatch.setattr(core, "TIME_LIMIT", 0.5)
    result = checks.check_partial(answer)
    verdict(result, passed, diagnosis)
    assert result.precision == precision


def test_partial_s_reference_is_numerical_partial():
    """The checker computes the central difference itself (it never calls what it forbids);
    it is the same number as the package's numerical_partial, which leaves w unchanged."""
    for w, index, epsilon, a, c in lesson._partial_cases(0):
        before = w.copy()
        mine, w_after = lesson._partial_reference(w, index, epsilon, a, c)
        package = numerical_partial(lesson._smooth_loss(a, c), w, index, h=epsilon)
        assert checks.rel_error(mine, package) < 1e-12
        assert np.array_equal(w, before) and w_after is w


def test_partial_cases_make_every_term_matter():
    """Matrices and vectors, tuple and flat indices, several ε; every mistake differs."""
    cases = lesson._partial_cases(0)
    assert {w.ndim for w, *_ in cases} == {1, 2}
    assert {type(index) for _, index, *_ in cases} == {tuple, int}
    assert len({epsilon for _, _, epsilon, *_ in cases}) == len(cases)
    for case in cases:
        right, _ = lesson._partial_reference(*case)
        for mistake in lesson._PARTIAL_MISTAKES:
            value, w_after = mistake.compute(*case)
            assert (
                checks.rel_error(value, right) > 1e-5  # RIGHT_FLOAT32: a float32 answer's bar
                or checks.rel_error(w_after, case[0]) > 1e-5
            ), mistake.message


def test_a_replaced_numpy_function_is_tampering(monkeypatch):
    monkeypatch.setattr(np, "sum", lambda *args, **kwargs: 0.0)
    for result in (
        checks.check_partial(_on_copies),
        checks.check_num_params(N, sizes=SMALL),
        checks.check_naive_cost(N + 1, sizes=SMALL, method="forward"),
        checks.check_both_nudges_climb(0.05),
    ):
        verdict(result, False, "tampered")


def test_a_replaced_checker_fails_the_hidden_test():
    right = checks.check_both_nudges_climb(0.05)
    namespace = {"check_partial": lambda f: right, "result_partial": right}
    hidden = "import helpers.checks\n\nhelpers.checks.confirm(result_partial)\n"
    with pytest.raises(AssertionError, match="the check was changed: check_partial"):
        exec(hidden, namespace)  # noqa: S102 - the notebook's hidden test, as nbgrader runs it


def test_every_named_mistake_has_an_answer_in_a_battery():
    """No diagnosis of the lesson is dead: each is what some answer above gets."""
    named = {row[2] for table in (NUM_PARAMS_ANSWERS, BOTH_CLIMB_ANSWERS) for row in table}
    named |= {row[3] for row in NAIVE_COST_ANSWERS} | {row[3] for row in PARTIAL_ANSWERS}
    assert set(lesson.DIAGNOSES) <= named, set(lesson.DIAGNOSES) - named
