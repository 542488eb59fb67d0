"""The checkers of notebook 06 added with the student edition: one gradient-descent step
(implement it) and the largest stable learning rate of a quadratic (a value)."""

import pytest

from helpers.checks import (
    Feedback,
    check_best_learning_rate,
    check_gradient_descent_step,
    check_largest_stable_learning_rate,
    check_parabola_step,
)


def _right(w, gradient, learning_rate):
    return w - learning_rate * gradient


def _blank(w, gradient, learning_rate):
    pass


def _raises(w, gradient, learning_rate):
    raise ValueError("a bug")


def _in_place(w, gradient, learning_rate):
    w -= learning_rate * gradient
    return w


# ------------------------------------------------------ gradient-descent step ----


@pytest.mark.parametrize("function", [_right, _in_place], ids=["new array", "in place"])
def test_gradient_descent_step_right(function):
    result = check_gradient_descent_step(function)
    assert result.passed, str(result)
    assert str(result).startswith("Right: gradient_descent_step agrees")


@pytest.mark.parametrize(
    ("function", "hint"),
    [
        (lambda w, g, lr: w + lr * g, "step against it"),
        (lambda w, g, lr: w - g, "Multiply the gradient by learning_rate"),
        (lambda w, g, lr: -lr * g, "Add the change to the old w"),
        (lambda w, g, lr: w - g / lr, "multiply"),
        (lambda w, g, lr: w, "Return the new w"),
        (lambda w, g, lr: w - 2 * lr * g, "w − learning_rate · gradient"),
        (lambda w, g, lr: (w - lr * g)[:1], "has shape (1,)"),
        (lambda w, g, lr: "w", "Return the numbers"),
    ],
    ids=[
        "uphill",
        "no learning rate",
        "only the change",
        "divided",
        "unchanged",
        "other",
        "shape",
        "text",
    ],
)
def test_gradient_descent_step_wrong(function, hint):
    result = check_gradient_descent_step(function)
    assert isinstance(result, Feedback)
    assert not result.passed and result.answered and result.hint
    assert hint in str(result)


@pytest.mark.parametrize("answer", [..., None, _blank], ids=["ellipsis", "none", "pass"])
def test_gradient_descent_step_blank(answer):
    result = check_gradient_descent_step(answer)
    assert not result.passed and not result.answered
    assert str(result).startswith("Not answered yet: fill in ")


def test_gradient_descent_step_that_raises_is_feedback():
    result = check_gradient_descent_step(_raises)
    assert not result.passed and result.answered
    assert "ValueError: a bug" in result.message


# ------------------------------------------------- largest stable learning rate ----


@pytest.mark.parametrize(
    ("curvature", "momentum", "answer"),
    [(8, 0.0, 0.25), (2, 0.0, 1.0), (4, 0.9, 0.95), (4, 0.8, 0.9), (8, 0.0, 0.2501)],
)
def test_largest_stable_learning_rate_right(curvature, momentum, answer):
    result = check_largest_stable_learning_rate(answer, curvature=curvature, momentum=momentum)
    assert result.passed, str(result)


def test_largest_stable_learning_rate_explains_the_boundary():
    message = check_largest_stable_learning_rate(0.25, curvature=8).message
    assert "= −1" in message and "flips sign" in message


@pytest.mark.parametrize(
    ("answer", "momentum", "hint"),
    [
        (0.125, 0.0, "solve 1 − η·λ = −1"),
        (0.5, 0.0, "the curvature λ is 2a"),
        (0.2, 0.0, "reaches −1"),
        (0.4, 0.0, "must stay above −1"),
        (-0.25, 0.0, "positive number"),
        ("0.25", 0.0, "single number"),
        (0.5, 0.8, "Momentum lets the learning rate go higher"),
        (0.1, 0.8, "with a plus"),
        (1.8, 0.8, "the curvature λ is 2a"),
        (0.3, 0.8, "Use the bound η·λ < 2(1 + β)"),
        (2.5, 0.8, "Use the bound η·λ < 2(1 + β)"),
    ],
)
def test_largest_stable_learning_rate_wrong(answer, momentum, hint):
    curvature = 8 if momentum == 0 else 4
    result = check_largest_stable_learning_rate(answer, curvature=curvature, momentum=momentum)
    assert not result.passed and result.answered
    assert hint in result.hint


@pytest.mark.parametrize("blank", [..., None], ids=["ellipsis", "none"])
def test_largest_stable_learning_rate_blank(blank):
    result = check_largest_stable_learning_rate(blank, curvature=8)
    assert not result.passed and not result.answered


@pytest.mark.parametrize("kwargs", [{"curvature": 0}, {"curvature": 4, "momentum": 1.5}])
def test_largest_stable_learning_rate_needs_a_quadratic(kwargs):
    with pytest.raises(ValueError, match="curvature|momentum"):
        check_largest_stable_learning_rate(0.5, **kwargs)


# -------------------------------------- one step on the parabola, the best learning rate ----


@pytest.mark.parametrize("learning_rate", [0.05, 0.3, 1.1])
def test_parabola_step_right(learning_rate):
    result = check_parabola_step(1 - 2 * learning_rate, learning_rate)
    assert result.passed, str(result)


@pytest.mark.parametrize("answer", [0.7, 1.6, -0.6, 0.6, 0.123, "x"])
def test_parabola_step_wrong(answer):
    _not_yet(check_parabola_step(answer, 0.3))


# --------------------------------------------------------- best learning rate ----

RATES = [0.001, 0.01, 0.1, 1.0, 10.0]
LOSSES = [2.1, 0.9, 0.3, 0.5, float("inf")]


def test_best_learning_rate_right():
    assert check_best_learning_rate(0.1, RATES, LOSSES).passed


@pytest.mark.parametrize("choice", [0.001, 1.0, 10.0, 0.05, "best"])
def test_best_learning_rate_wrong(choice):
    _not_yet(check_best_learning_rate(choice, RATES, LOSSES))


def test_best_learning_rate_says_diverged():
    assert "diverged" in check_best_learning_rate(10.0, RATES, LOSSES).message


def test_best_learning_rate_needs_matching_lists():
    with pytest.raises(ValueError, match="same length"):
        check_best_learning_rate(0.1, RATES, LOSSES[:-1])


def _not_yet(result):
    assert isinstance(result, Feedback)
    assert not result.passed and result.answered and result.hint, result
    assert str(result).startswith("Not yet: ")
