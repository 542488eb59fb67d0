"""Checkers for notebook 04, the gradient: a slope, one step of gradient descent."""

from __future__ import annotations

import numpy as np

from .core import (
    Feedback,
    UsageError,
    as_number,
    close,
    is_blank,
    not_a_number,
    not_answered,
    right,
    wrong,
)

__all__ = ["check_descent_step", "check_slope"]


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
