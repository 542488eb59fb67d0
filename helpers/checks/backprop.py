"""Checkers for notebook 08, backpropagation: the chain rule by hand."""

from __future__ import annotations

from .core import Feedback, answer_checker, as_number, close, not_a_number, right, wrong

__all__ = ["check_chain_rule"]


@answer_checker("dl/dw (one number)")
def check_chain_rule(dl_dw, w: float, x: float, b: float, y: float) -> Feedback:
    """dl/dw for l = (w·x + b − y)²: 2·(w·x + b − y)·x by the chain rule."""
    error = w * x + b - y
    expected = 2 * error * x
    value = as_number(dl_dw)
    if value is None:
        return not_a_number("dl/dw", dl_dw)

    def near(target):
        return close(value, target, rtol=1e-6, atol=1e-9)

    if near(expected):
        return right(
            f"dl/dw = dl/dz · dz/dw = 2·({error:g}) · {x:g} = {expected:g}, with z = w·x + b − y."
        )
    if near(2 * error) and not near(expected):
        return wrong(
            f"{value:g} is dl/db (or dl/dz), not dl/dw.",
            "Chain rule: multiply by dz/dw, which is x.",
        )
    if near(error * x):
        return wrong(
            f"{value:g} forgets the 2 from the square.",
            "The derivative of z² is 2z.",
        )
    if near(-expected):
        return wrong(f"{value:g} has the wrong sign.", "z = w·x + b − y, and dz/dw = +x.")
    if near(error**2):
        return wrong(f"{value:g} is the loss itself, not its slope.", "dl/dz = 2z, dz/dw = x.")
    return wrong(
        f"{value:g} is not dl/dw.",
        "Write z = w·x + b − y, so l = z². Then dl/dw = (dl/dz) · (dz/dw).",
    )
