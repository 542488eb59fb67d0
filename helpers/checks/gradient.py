"""Checkers for notebook 04, the gradient: a slope, one step of gradient descent, and a
numerical gradient of a vector function written by the student."""

from __future__ import annotations

import numpy as np

from .. import gradients
from .core import (
    Feedback,
    Mistake,
    UsageError,
    as_number,
    check_implementation,
    close,
    is_blank,
    not_a_number,
    not_answered,
    right,
    wrong,
)

__all__ = ["check_descent_step", "check_numerical_gradient", "check_slope"]


def check_slope(f, x: float, slope, h: float = 1e-5, rtol: float = 1e-3) -> Feedback:
    """The slope (derivative) of a 1-D function ``f`` at ``x``, against a central difference."""
    if not callable(f):
        raise UsageError(f"check_slope needs the function first, got {f!r}.")
    if is_blank(slope):
        return not_answered("the slope (one number)")
    x = float(x)
    expected = (float(f(x + h)) - float(f(x - h))) / (2 * h)
    value = as_number(slope)
    if value is None:
        return not_a_number("the slope", slope)
    if close(value, expected, rtol=rtol, atol=1e-6):
        return right(f"the slope at x = {x:g} is {expected:.4g}.")
    if close(value, -expected, rtol=rtol, atol=1e-6):
        return wrong(
            f"{value:.4g} has the wrong sign.",
            "Slope = (f(x + ε) - f(x)) / ε: the later point first in the numerator.",
        )
    if close(value, float(f(x)), rtol=rtol, atol=1e-6):
        return wrong(
            f"{value:.4g} is the value f(x), not its slope.",
            "The slope says how fast f changes: (f(x + ε) - f(x)) / ε with a small ε.",
        )
    return wrong(
        f"{value:.4g} is not the slope at x = {x:g}.",
        "Use a smaller ε: (f(x + ε) - f(x)) / ε approaches the slope as ε shrinks.",
    )


def check_descent_step(point, gradient, learning_rate: float, new_point) -> Feedback:
    """One step of gradient descent: ``new_point = point - learning_rate * gradient``."""
    point = np.asarray(point, dtype=np.float64)
    gradient = np.asarray(gradient, dtype=np.float64)
    if point.shape != gradient.shape:
        raise UsageError(
            f"point {point.shape} and gradient {gradient.shape} must have the same shape."
        )
    expected = point - learning_rate * gradient
    if is_blank(new_point):
        return not_answered("the new point (an array like point)")
    try:
        answer = np.asarray(new_point, dtype=np.float64)
    except (TypeError, ValueError):
        return wrong(f"expected numbers, got {new_point!r}.", "Return an array like point.")
    if answer.shape != expected.shape:
        return wrong(
            f"your new point has shape {answer.shape}, the point has {point.shape}.",
            "Every coordinate moves: the new point has as many numbers as the old one.",
        )
    if np.allclose(answer, expected, rtol=1e-6, atol=1e-9):
        return right(f"a step against the gradient, to {np.round(expected, 4).tolist()}.")
    if np.allclose(answer, point + learning_rate * gradient, rtol=1e-6, atol=1e-9):
        return wrong(
            "you stepped along the gradient, which goes uphill.",
            "Subtract: new_point = point - learning_rate * gradient.",
        )
    if np.allclose(answer, point - gradient, rtol=1e-6, atol=1e-9):
        return wrong(
            "you took a full gradient step.",
            "Multiply the gradient by the learning rate before subtracting it.",
        )
    return wrong(
        "that is not where one step of gradient descent lands.",
        "new_point = point - learning_rate * gradient, coordinate by coordinate.",
    )


# ------------------------------------------------------- implement it ----


def _gradient_cases(seed: int) -> list[tuple]:
    """(f, w, epsilon) with a fresh smooth f whose gradient has no entry near 0.

    f(w) = Σ c·exp(w) + (Σ w)² / (2·size), c in [1, 2] and w in [0.1, 1]: every partial
    derivative c·exp(w) + mean(w) is above 1, so a relative error reads cleanly. The
    largest epsilon tells a function that ignores its epsilon from one that uses it.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for shape, epsilon in [((5,), 1e-5), ((2, 3), 1e-2), ((3, 2, 2), 1e-4)]:
        c = rng.uniform(1.0, 2.0, size=shape)

        def f(w, c=c):
            return float(np.sum(c * np.exp(w)) + np.sum(w) ** 2 / (2 * w.size))

        cases.append((f, rng.uniform(0.1, 1.0, size=shape), epsilon))
    return cases


def _reference_gradient(f, w, epsilon=1e-5):
    """The package's central difference, helpers.gradients.numerical_gradient."""
    return gradients.numerical_gradient(f, w, h=epsilon, method="central")


def _forward_difference(f, w, epsilon=1e-5):
    return gradients.numerical_gradient(f, w, h=epsilon, method="forward")


def _first_coordinate_only(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    grad.flat[0] = gradients.numerical_partial(f, w, 0, h=epsilon)
    return grad


def _without_two(f, w, epsilon=1e-5):
    return 2 * gradients.numerical_gradient(f, w, h=epsilon)


def _whole_rows(f, w, epsilon=1e-5):
    """for i in range(len(w)) nudges a whole row at once when w has 2 or more axes."""
    grad = np.zeros(w.shape)
    for i in range(len(w)):
        old = w[i].copy()
        w[i] = old + epsilon
        plus = f(w)
        w[i] = old - epsilon
        minus = f(w)
        w[i] = old
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def _left_w_changed(function, f, w, epsilon) -> Feedback | None:
    """Call the student's function once and say so if it did not put w back."""
    before = w.copy()
    try:
        result = function(f, w, epsilon)
    except Exception:  # noqa: BLE001 - check_implementation reports the error itself
        return None
    if is_blank(result) or w.shape != before.shape:
        return None
    if not np.allclose(w, before, rtol=1e-12, atol=0.0):
        return wrong(
            "numerical_gradient left w changed: the caller's parameters moved.",
            "Save old = w[i] before each nudge and put it back (w[i] = old) after the "
            "second call of f.",
        )
    return None


def check_numerical_gradient(numerical_gradient, seed: int = 0) -> Feedback:
    """Your ``numerical_gradient(f, w, epsilon)`` against helpers.gradients.numerical_gradient.

    It is called on fresh smooth functions f of float64 arrays w of shapes (5,), (2, 3)
    and (3, 2, 2), and must return the central difference (f(w + ε) - f(w - ε)) / (2ε)
    for every element of w, in the shape of w, leaving w as it was.
    """
    cases = _gradient_cases(seed)
    if callable(numerical_gradient):
        f, w, epsilon = cases[1]
        changed = _left_w_changed(numerical_gradient, f, w.copy(), epsilon)
        if changed is not None:
            return changed
    return check_implementation(
        numerical_gradient,
        name="numerical_gradient",
        cases=cases,
        reference=_reference_gradient,
        outputs=("the gradient",),
        mistakes=[
            Mistake(
                _forward_difference,
                "your numbers are the forward difference (f(w + ε) - f(w)) / ε.",
                "Use the central difference: (f(w + ε) - f(w - ε)) / (2ε), one nudge each way.",
            ),
            Mistake(
                _first_coordinate_only,
                "only the first entry of your gradient is filled in.",
                "Loop over every element: for i in np.ndindex(w.shape): …, and store each "
                "partial in grad[i].",
            ),
            Mistake(
                _without_two,
                "your gradient is twice the right one: you divided by ε, not 2ε.",
                "w + ε and w - ε are 2ε apart: divide the difference by 2 * epsilon.",
            ),
            Mistake(
                lambda f, w, epsilon: _reference_gradient(f, w),
                "your function used ε = 1e-5 whatever epsilon it was given.",
                "Nudge by the argument epsilon, not by a number written into the function.",
            ),
            Mistake(
                _whole_rows,
                "for a w with several axes you nudged a whole row at once.",
                "Visit single elements: np.ndindex(w.shape) gives index tuples like (0, 2).",
            ),
        ],
        hint="For each element i of w: nudge w[i] by +ε and -ε, call f each time, divide the "
        "difference by 2ε, and put w[i] back.",
    )
