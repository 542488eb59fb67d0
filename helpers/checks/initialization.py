"""Checkers for random initialization (02): how big Glorot's random start is.

Shapes: D inputs of a layer, M outputs.
"""

from __future__ import annotations

import math

from .core import Feedback, UsageError, answer_checker, as_number, close, not_a_number, right, wrong

__all__ = ["DIAGNOSES", "check_glorot_limit"]

# Every mistake this checker names: id -> what to re-teach (for the teacher's report).
DIAGNOSES: dict[str, str] = {
    "no-square-root": "Glorot's limit is the square root of 6 / (D + M): the root was left out.",
    "fan-in-only": "Glorot's limit counts the layer's inputs and its outputs, 6 / (D + M), "
    "not the inputs alone.",
    "he-std-instead": "sqrt(2 / D) is He's standard deviation (a normal start), not Glorot's "
    "uniform limit sqrt(6 / (D + M)).",
    "product-not-sum": "Glorot's limit divides by the sum D + M of inputs and outputs, not "
    "their product.",
}


@answer_checker("the limit (one number, such as 0.05)")
def check_glorot_limit(limit, fan_in: int = 784, fan_out: int = 128) -> Feedback:
    """Glorot's uniform limit for a kernel (D, M): sqrt(6 / (D + M))."""
    for name, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise UsageError(f"check_glorot_limit: {name} must be a whole number ≥ 1.")
    answer = as_number(limit)
    if answer is None:
        return not_a_number("the limit", limit)
    expected = math.sqrt(6 / (fan_in + fan_out))
    if close(answer, expected, rtol=1e-3):
        return right(
            f"sqrt(6 / ({fan_in} + {fan_out})) = {expected:.4f}: every entry of the kernel "
            f"starts uniform in ±{expected:.4f}."
        )
    named = (
        (6 / (fan_in + fan_out), "no-square-root", "that is 6 / (D + M) itself."),
        (math.sqrt(6 / fan_in), "fan-in-only", "that counts the inputs only."),
        (math.sqrt(2 / fan_in), "he-std-instead", "that is He's standard deviation."),
        (math.sqrt(6 / (fan_in * fan_out)), "product-not-sum", "that divides by D × M."),
    )
    for value, diagnosis, what in named:
        if close(answer, value, rtol=1e-3):
            return wrong(
                f"{answer:.4g}: {what}",
                "Look again at Glorot's formula in the text: which two numbers, combined how?",
                diagnosis=diagnosis,
            )
    return wrong(
        f"{answer:.4g} is not Glorot's limit for a kernel of {fan_in} inputs and {fan_out} units.",
        "The limit depends on the number of inputs and of outputs of the layer.",
    )
