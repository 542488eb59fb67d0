"""Checkers for notebook 06, the learning rate: a step on a parabola, a sweep's best."""

from __future__ import annotations

import numpy as np

from .core import Feedback, UsageError, answer_checker, as_number, close, not_a_number, right, wrong

__all__ = ["check_best_learning_rate", "check_parabola_step"]


@answer_checker("the factor (one number)")
def check_parabola_step(factor, learning_rate: float) -> Feedback:
    """What one gradient step on loss = x² multiplies x by: 1 − 2·learning_rate."""
    expected = 1 - 2 * learning_rate
    value = as_number(factor)
    if value is None:
        return not_a_number("the factor", factor)

    def near(target):
        return close(value, target, rtol=1e-6, atol=1e-9)

    if near(expected):
        verdict = "shrinks" if abs(expected) < 1 else "does not shrink"
        return right(
            f"x ← x − {learning_rate:g}·2x = {expected:g}·x, so |x| {verdict} at every step."
        )
    if near(1 - learning_rate):
        return wrong(
            f"{value:g} forgets a factor 2.",
            "The gradient of x² is 2x, not x: x − learning_rate · 2x.",
        )
    if near(1 + 2 * learning_rate):
        return wrong(
            f"{value:g} steps uphill.",
            "Gradient descent subtracts the gradient: x − learning_rate · 2x.",
        )
    if near(-2 * learning_rate) or near(2 * learning_rate):
        return wrong(
            f"{value:g} is only the change, not the new x.",
            "The new x is the old x plus the change: x − learning_rate · 2x = (1 − …)·x.",
        )
    return wrong(
        f"{value:g} is not what one step multiplies x by.",
        "Write one step as x_new = x − learning_rate · gradient with gradient = 2x, then "
        "factor out x.",
    )


@answer_checker("the learning rate you pick (one of the sweep)")
def check_best_learning_rate(choice, learning_rates, losses) -> Feedback:
    """The learning rate of a sweep whose loss is lowest (diverged runs are inf or nan).

    learning_rates, losses: (K,) the sweep; choice: the student's pick among them.
    """
    rates = np.asarray(learning_rates, dtype=np.float64)
    losses = np.asarray(losses, dtype=np.float64)
    if rates.shape != losses.shape or rates.ndim != 1 or rates.size == 0:
        raise UsageError(
            f"learning_rates {rates.shape} and losses {losses.shape} must be two lists of "
            "the same length."
        )
    finite_losses = np.where(np.isfinite(losses), losses, np.inf)
    best = int(np.argmin(finite_losses))
    value = as_number(choice)
    if value is None:
        return not_a_number("the learning rate", choice)
    matches = np.flatnonzero(np.isclose(rates, value, rtol=1e-6, atol=0))
    if matches.size == 0:
        return wrong(
            f"{value:g} is not one of the learning rates of the sweep.",
            "Pick one of the values in learning_rates.",
        )
    k = int(matches[0])
    if k == best:
        return right(
            f"learning rate {rates[best]:.3g} has the lowest loss, {losses[best]:.3g}; "
            "the ones around it are worth a try too."
        )
    if not np.isfinite(losses[k]):
        return wrong(
            f"learning rate {value:.3g} diverged: its loss is {losses[k]}.",
            "Look left of the red crosses: a smaller learning rate.",
        )
    direction = "larger" if rates[k] < rates[best] else "smaller"
    return wrong(
        f"learning rate {value:.3g} ends at loss {losses[k]:.3g}; another one ends lower.",
        f"Look for the lowest point of the curve: try a {direction} learning rate.",
    )
