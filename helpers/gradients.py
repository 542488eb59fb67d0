"""Gradients by finite differences, and checking backpropagation against them.

The naive method of the lecture: nudge one coefficient w by a small ε, run the forward
pass again, and see how much the loss moved:

    forward difference   (l(w + ε) - l(w)) / ε              error shrinks like ε
    central difference   (l(w + ε) - l(w - ε)) / (2ε)       error shrinks like ε²

One partial derivative costs one or two forward passes, so a whole gradient costs one or
two passes *per parameter*; backpropagation gets all of them for about the price of one.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

from .exercises import rebuilt
from .losses import softmax_cross_entropy
from .validation import check_model, describe

__all__ = ["check_gradients", "numerical_gradient", "numerical_partial", "rel_error"]

METHODS = ("central", "forward")


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be 'central' or 'forward', got {method!r}.")


def _check_f_and_h(f, h) -> None:
    if not callable(f):
        raise TypeError(
            "f must be the loss as a function of w, e.g. lambda w: float(np.sum(w ** 2)), "
            f"got {describe(f)}."
        )
    if isinstance(h, bool) or not isinstance(h, numbers.Real) or not (math.isfinite(h) and h > 0):
        raise ValueError(
            f"h (the step ε) must be a small number > 0, e.g. h=1e-5, got {describe(h)}."
        )


def _check_index(w: np.ndarray, index) -> tuple:
    """``index`` as a tuple into ``w``: a tuple of w.ndim whole numbers, or a flat position."""
    try:
        if not isinstance(index, tuple):
            index = np.unravel_index(index, w.shape)
        w[index].item()  # one coefficient, inside w
        return index
    except (IndexError, TypeError, ValueError):
        raise IndexError(
            f"index must pick one coefficient of w (shape {w.shape}): a tuple of {w.ndim} "
            f"whole number{'s' if w.ndim != 1 else ''} such as {(0,) * w.ndim}, or a flat "
            f"position 0 … {w.size - 1}; got {describe(index)}."
        ) from None


def _check_w(w, where: str) -> None:
    """``w`` is nudged in place, so it must be a writable float array.

    An integer array would silently round w + ε back to a whole number: at w = 1 the
    central difference of w² becomes (1² − 0²) / 2ε = 50,000 instead of 2.
    """
    if not isinstance(w, np.ndarray):
        raise TypeError(
            f"{where} nudges w in place, so w must be a numpy array of floats, got "
            f"{describe(w)}; e.g. w = np.array([10.0]), and let f read it."
        )
    if w.dtype.kind != "f":
        raise TypeError(
            f"{where} got w of dtype {w.dtype}: w + ε would be rounded back to a whole "
            "number and the slope would be wrong (50,000 instead of 2 for w² at w = 1). "
            "Use a float array, e.g. w = np.asarray(w, dtype=float), and let f read that "
            "array (its values are nudged in place)."
        )
    if not w.flags.writeable:
        raise ValueError(
            f"{where} nudges w in place, but w is read-only; pass a writable copy, "
            "e.g. w = w.copy(), and let f read that copy."
        )


def _value(f, w) -> float:
    """f(w) as a float, with a clear word when f returns something else."""
    value = f(w)
    try:
        return float(value)
    except TypeError:
        got = describe(value)
        if isinstance(value, tuple):
            got = (
                f"a tuple of {len(value)} ((loss, gradient)?); return only the loss, "
                "e.g. lambda w: softmax_cross_entropy(model.forward(x), y)[0]"
            )
        raise TypeError(f"f must return the loss as one number, got {got}.") from None


@rebuilt("numerical_partial")  # notebook 03 asks students to write it (partial)
def numerical_partial(
    f: Callable[[np.ndarray], float],
    w: np.ndarray,
    index,
    h: float = 1e-5,
    method: str = "central",
) -> float:
    """dl/dw[index] by finite differences.

    f:     the loss as a function of ``w``: ``f(w) -> float``. It may ignore its argument
           and read ``w`` through a model, because ``w`` is changed in place.
    w:     the parameter array (any shape, float: an integer array would round w + ε
           back to a whole number, so it is refused); restored exactly afterwards.
    index: which coefficient, e.g. ``(0, 0)`` or a flat position.
    """
    _check_method(method)
    _check_f_and_h(f, h)
    _check_w(w, "numerical_partial")
    index = _check_index(w, index)
    old = w[index].copy()
    try:
        w[index] = old + h
        plus = _value(f, w)
        if method == "central":
            w[index] = old - h
            minus = _value(f, w)
            return (plus - minus) / (2 * h)
        w[index] = old
        return (plus - _value(f, w)) / h
    finally:
        w[index] = old


@rebuilt("numerical_gradient")  # notebook 04 asks students to write it
def numerical_gradient(
    f: Callable[[np.ndarray], float],
    w: np.ndarray,
    h: float = 1e-5,
    method: str = "central",
) -> np.ndarray:
    """The whole gradient dl/dw (the shape of ``w``) by finite differences.

    ``method="forward"`` is the lecture's ``(l(w + ε) - l(w)) / ε``; ``"central"`` is
    more accurate for the same ε. Use float64 for ``w``: in float32 a step of 1e-5 is
    lost in rounding.
    """
    _check_method(method)
    _check_f_and_h(f, h)
    _check_w(w, "numerical_gradient")
    grad = np.zeros(w.shape, dtype=np.float64)
    if method == "forward":
        base = _value(f, w)  # l(w) is the same for every coefficient: compute it once
    for index in np.ndindex(w.shape):
        if method == "central":
            grad[index] = numerical_partial(f, w, index, h, "central")
        else:
            old = w[index].copy()
            try:
                w[index] = old + h
                grad[index] = (_value(f, w) - base) / h
            finally:
                w[index] = old
    return grad


def rel_error(a, b) -> float:
    """Largest relative difference max |a - b| / max(|a| + |b|, 1e-8), elementwise.

    On the CS231n scale: below 1e-7 the gradients agree; 1e-2 or more means a bug.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} and {b.shape}.")
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def check_gradients(model, x, y, loss=softmax_cross_entropy, h: float = 1e-5) -> dict[str, float]:
    """Backpropagation against central differences, parameter by parameter.

    model: a ``Sequential`` built with ``dtype=np.float64`` (float32 rounding would swamp
           the differences); x: (N, D); y: labels (N,) or targets for ``loss``.
    returns: {"0.kernel": max relative error, "0.bias": …, …}
    """
    check_model(model)
    for layer in model.layers:
        if layer.dtype != np.float64:
            raise TypeError(
                f"check_gradients needs a float64 model, but {layer!r} is {layer.dtype}; "
                "build it with dtype=np.float64."
            )

    def loss_of(_w):
        return loss(model.forward(x), y)[0]

    _, dout = loss(model.forward(x), y)
    model.backward(dout)
    analytic = [g.copy() for g in model.gradients()]
    errors = {}
    for (name, w), grad in zip(model.named_parameters(), analytic, strict=True):
        errors[name] = rel_error(grad, numerical_gradient(loss_of, w, h=h))
    return errors
