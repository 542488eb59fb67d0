"""Checkers for notebook 07, momentum: one step of the lecture's momentum rule."""

from __future__ import annotations

import numpy as np

from .core import Feedback, answer_checker, as_array, is_blank, not_answered, right, wrong

__all__ = ["check_momentum_step"]


@answer_checker("the new velocity and the new w")
def check_momentum_step(
    new_velocity, new_w, *, velocity, w, gradient, learning_rate: float, momentum: float
) -> Feedback:
    """One step of the lecture's momentum rule:
    ``velocity = momentum * velocity - learning_rate * gradient; w = w + velocity``.

    velocity, w, gradient: arrays of one shape (or numbers); new_velocity, new_w: the answer.
    """
    velocity, w, gradient = (np.asarray(a, dtype=np.float64) for a in (velocity, w, gradient))
    expected_v = momentum * velocity - learning_rate * gradient
    expected_w = w + expected_v
    if is_blank(new_w):
        return not_answered("the new w")
    answer_v, answer_w = as_array(new_velocity), as_array(new_w)
    if answer_v is None or answer_w is None:
        return wrong(
            "expected numbers for the new velocity and the new w.",
            "Give arrays (or numbers) like velocity and w.",
        )
    if answer_v.shape != expected_v.shape or answer_w.shape != expected_w.shape:
        return wrong(
            f"shapes differ: your velocity {answer_v.shape} and w {answer_w.shape}, "
            f"expected {expected_v.shape} for both.",
            "Every coefficient has its own velocity, of the same shape as w.",
        )

    def same(a, b):
        return np.allclose(a, b, rtol=1e-6, atol=1e-9)

    if same(answer_v, expected_v) and same(answer_w, expected_w):
        return right("the velocity remembers the last step, and w moves by the new velocity.")
    if not same(answer_v, expected_v):
        if same(answer_v, -learning_rate * gradient):
            return wrong(
                "your velocity forgets the previous velocity: that is plain gradient descent.",
                "Start from momentum * velocity, then subtract learning_rate * gradient.",
            )
        if same(answer_v, momentum * velocity + learning_rate * gradient):
            return wrong(
                "your velocity points uphill.",
                "Subtract the gradient term: momentum * velocity - learning_rate * gradient.",
            )
        return wrong(
            "the new velocity is not right yet.",
            "velocity = momentum * velocity - learning_rate * gradient.",
        )
    if same(answer_w, w + velocity):
        return wrong(
            "the velocity is right, but w moved by the old velocity.",
            "Update the velocity first, then add the new one: w = w + velocity.",
        )
    if same(answer_w, w - expected_v):
        return wrong(
            "the velocity is right, but w moved the wrong way.",
            "The minus sign is already inside the velocity: w = w + velocity.",
        )
    return wrong(
        "the velocity is right, the new w is not.",
        "w = w + velocity, with the velocity you just computed.",
    )
