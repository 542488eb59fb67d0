"""Checkers for notebook 05, stochastic gradient descent: steps per epoch."""

from __future__ import annotations

import math

from .core import Feedback, answer_checker, as_number, close, not_a_number, right, wrong

__all__ = ["check_steps_per_epoch"]


@answer_checker("the number of steps")
def check_steps_per_epoch(steps, num_examples: int = 60000, batch_size: int = 128) -> Feedback:
    """Steps (iterations) in one epoch: ceil(num_examples / batch_size)."""
    expected = math.ceil(num_examples / batch_size)
    value = as_number(steps)
    if value is None:
        return not_a_number("the number of steps", steps)
    if value == expected:
        last = num_examples - (expected - 1) * batch_size
        return right(
            f"{expected} steps: {expected - 1} full batches of {batch_size} and a last one "
            f"of {last}."
        )
    if value == num_examples // batch_size:
        return wrong(
            f"{value:.0f} full batches leave {num_examples % batch_size} examples unseen.",
            "An epoch visits every example once; the leftovers make one more, smaller batch "
            "(round up: math.ceil).",
        )
    if close(value, num_examples / batch_size, rtol=1e-9):
        return wrong(
            f"{value:g} is not a whole number of steps.",
            "Each step takes one batch; round up to count the last, smaller batch.",
        )
    if value == num_examples * batch_size:
        return wrong(
            f"{value:,.0f} multiplies where it should divide.",
            "How many batches of batch_size fit into num_examples?",
        )
    return wrong(
        f"{value:g} is not the number of steps in one epoch.",
        "One step uses one batch; an epoch uses every example once.",
    )
