"""Checkers for the training loop (00, 02): its four steps in order, one cross-entropy."""

from __future__ import annotations

import math

from .core import Feedback, UsageError, answer_checker, as_number, close, not_a_number, right, wrong

__all__ = ["TRAINING_LOOP", "check_cross_entropy", "check_training_loop_order"]


TRAINING_LOOP = ("draw a batch", "forward pass", "loss", "update")


@answer_checker("the list of steps, in order")
def check_training_loop_order(steps) -> Feedback:
    """The four steps of the training loop, in order (names as in ``TRAINING_LOOP``)."""
    try:
        answer = [str(step).strip().lower() for step in steps]
    except TypeError:
        return wrong(
            f"expected a list of steps, got {steps!r}.",
            'Give a list such as ["draw a batch", …].',
        )
    unknown = [step for step in answer if step not in TRAINING_LOOP]
    if unknown:
        return wrong(
            f"{unknown[0]!r} is not one of the four steps.",
            "Use the names " + ", ".join(repr(step) for step in TRAINING_LOOP) + ".",
        )
    if sorted(answer) != sorted(TRAINING_LOOP):
        return wrong(
            "each of the four steps appears exactly once in the loop.",
            "Check for a step that is missing or listed twice.",
        )
    if tuple(answer) == TRAINING_LOOP:
        return right("draw a batch → forward pass → loss → update, then again.")
    first_wrong = next(i for i, step in enumerate(answer) if step != TRAINING_LOOP[i])
    needs = {
        "draw a batch": "Everything starts with data: which step gives the model its inputs?",
        "forward pass": "The loss compares predictions with the targets; where do predictions "
        "come from?",
        "loss": "To know how to change the weights, first measure how wrong the model is.",
        "update": "Changing the weights comes last, once the loss says how wrong they are.",
    }
    return wrong(
        f"step {first_wrong + 1} should not be {answer[first_wrong]!r}.",
        needs[TRAINING_LOOP[first_wrong]],
    )


@answer_checker("the loss (one number)")
def check_cross_entropy(loss_value, probability: float) -> Feedback:
    """The cross-entropy of one example whose true class got ``probability``: -ln(p)."""
    if not 0 < probability <= 1:
        raise UsageError(f"probability must be in (0, 1], got {probability!r}.")
    expected = -math.log(probability)
    value = as_number(loss_value)
    if value is None:
        return not_a_number("the loss", loss_value)
    if close(value, expected, rtol=1e-3, atol=1e-6):
        return right(f"-ln({probability:g}) = {expected:.4g}.")
    if close(value, -expected, rtol=1e-3, atol=1e-6):
        return wrong(
            f"{value:.4g} is negative, but a loss is never below 0.",
            "Cross-entropy is minus the log of the probability: -np.log(p).",
        )
    if close(value, -math.log10(probability), rtol=1e-3, atol=1e-6):
        return wrong(
            f"{value:.4g} uses the base-10 logarithm.",
            "Use the natural logarithm, np.log (not np.log10).",
        )
    if probability < 1 and close(value, -math.log(1 - probability), rtol=1e-3, atol=1e-6):
        return wrong(
            f"{value:.4g} is the loss of the probability of the *other* answer.",
            f"Use the probability given to the true class, {probability:g}.",
        )
    return wrong(
        f"{value:.4g} is not the cross-entropy for p = {probability:g}.",
        "The loss of one example is -np.log(probability given to the true class).",
    )
