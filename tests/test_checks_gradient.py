"""The gradient checkers of notebook 04: a numerical gradient of a vector function,
written by the student, against helpers.gradients.numerical_gradient."""

import numpy as np
import pytest

from helpers.checks import check_descent_step, check_numerical_gradient, check_slope


def in_place(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + epsilon
        plus = f(w)
        w[i] = old - epsilon
        minus = f(w)
        w[i] = old
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def on_copies(f, w, epsilon=1e-5):
    grad = np.zeros_like(w)
    for i in range(w.size):
        step = np.zeros(w.size)
        step[i] = epsilon
        step = step.reshape(w.shape)
        grad.flat[i] = (f(w + step) - f(w - step)) / (2 * epsilon)
    return grad


def nudge_and_undo(f, w, epsilon=1e-5):
    """Adds and subtracts ε instead of restoring a saved value: w is back up to rounding."""
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        w[i] += epsilon
        plus = f(w)
        w[i] -= 2 * epsilon
        minus = f(w)
        w[i] += epsilon
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def forward_difference(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    base = f(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + epsilon
        grad[i] = (f(w) - base) / epsilon
        w[i] = old
    return grad


def first_coordinate_only(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    index = (0,) * w.ndim
    old = w[index]
    w[index] = old + epsilon
    plus = f(w)
    w[index] = old - epsilon
    minus = f(w)
    w[index] = old
    grad[index] = (plus - minus) / (2 * epsilon)
    return grad


def divided_by_epsilon(f, w, epsilon=1e-5):
    return 2 * in_place(f, w, epsilon)


def fixed_epsilon(f, w, epsilon=1e-5):
    return in_place(f, w, 1e-5)


def whole_rows(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    for i in range(len(w)):
        w[i] += epsilon
        plus = f(w)
        w[i] -= 2 * epsilon
        minus = f(w)
        w[i] += epsilon
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def not_restored(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        w[i] += epsilon
        plus = f(w)
        w[i] -= 2 * epsilon
        minus = f(w)
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def stub(f, w, epsilon=1e-5):
    pass


def raises(f, w, epsilon=1e-5):
    raise IndexError("index 3 is out of bounds")


@pytest.mark.parametrize("function", [in_place, on_copies, nudge_and_undo])
@pytest.mark.parametrize("seed", [0, 1])
def test_numerical_gradient_right(function, seed):
    result = check_numerical_gradient(function, seed=seed)
    assert result.passed, result


@pytest.mark.parametrize(
    ("function", "hint"),
    [
        (forward_difference, "central difference"),
        (first_coordinate_only, "every element"),
        (divided_by_epsilon, "2 * epsilon"),
        (fixed_epsilon, "argument epsilon"),
        (whole_rows, "np.ndindex"),
        (not_restored, "put it back"),
    ],
)
def test_numerical_gradient_wrong(function, hint):
    result = check_numerical_gradient(function)
    assert not result.passed and result.answered
    assert hint in result.hint


@pytest.mark.parametrize("blank", [..., None, stub])
def test_numerical_gradient_blank(blank):
    result = check_numerical_gradient(blank)
    assert not result.passed and result.answered is False


def test_numerical_gradient_that_raises():
    result = check_numerical_gradient(raises)
    assert not result.passed and result.answered
    assert "IndexError" in result.message


def test_numerical_gradient_not_a_function():
    result = check_numerical_gradient(np.zeros(3))
    assert not result.passed and "function" in result.message


# ------------------------------------------------------------ slope and one descent step ----


def square(x):
    return x**2


@pytest.mark.parametrize(
    ("answer", "passed", "hint"),
    [
        (6.0, True, ""),
        ((square(3 + 1e-6) - square(3)) / 1e-6, True, ""),
        (-6.0, False, "numerator"),
        (9.0, False, "how fast f changes"),
        ((square(4) - square(3)) / 1, False, "smaller ε"),
    ],
)
def test_check_slope(answer, passed, hint):
    result = check_slope(square, 3.0, answer)
    assert result.passed is passed
    assert hint in result.hint


def test_check_slope_needs_a_function():
    with pytest.raises(TypeError, match="function"):
        check_slope(9.0, 3.0, 6.0)


@pytest.mark.parametrize(
    ("answer", "passed", "hint"),
    [
        ([-8.82, 0.9], True, ""),
        ([-9.18, 2.1], False, "Subtract"),
        ([-7.2, -4.5], False, "learning rate"),
        ([-9.0, 1.5], False, "coordinate by coordinate"),
        ([-8.82], False, "as many numbers"),
    ],
)
def test_check_descent_step(answer, passed, hint):
    point, gradient = np.array([-9.0, 1.5]), np.array([-1.8, 6.0])
    result = check_descent_step(point, gradient, 0.1, answer)
    assert result.passed is passed
    assert hint in result.hint
