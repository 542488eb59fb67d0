"""Checkers for notebook 03, the naive update: counting parameters and forward passes."""

from __future__ import annotations

from .core import Feedback, UsageError, answer_checker, as_number, not_a_number, right, wrong

__all__ = ["check_naive_cost", "check_num_params"]


@answer_checker("the number of parameters")
def check_num_params(num_params, sizes=(784, 512, 10)) -> Feedback:
    """How many parameters a dense network with layer ``sizes`` has (kernels + biases)."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise UsageError(f"sizes needs at least an input and an output size, got {sizes}.")
    kernels = sum(d * m for d, m in zip(sizes[:-1], sizes[1:], strict=True))
    biases = sum(sizes[1:])
    expected = kernels + biases
    value = as_number(num_params)
    if value is None:
        return not_a_number("the number of parameters", num_params)
    if value == expected:
        return right(f"{expected:,} parameters: {kernels:,} in kernels and {biases:,} in biases.")
    if value == kernels:
        return wrong(
            f"{value:,.0f} counts the kernels only.",
            "Each layer also has a bias: one number per output unit.",
        )
    return wrong(
        f"{value:,.0f} is not the number of parameters of a {'-'.join(map(str, sizes))} network.",
        "A layer from D inputs to M units has a (D, M) kernel and an (M,) bias; add all layers.",
    )


@answer_checker("the number of forward passes")
def check_naive_cost(num_forward_passes, num_params: int, method: str = "central") -> Feedback:
    """Forward passes for one naive update of ``num_params`` parameters.

    ``method="central"`` nudges each coefficient up and down: 2 passes per parameter.
    ``method="forward"`` nudges it up only and reuses l(w) for all: num_params + 1.
    """
    if method not in ("central", "forward"):
        raise UsageError(f"method must be 'central' or 'forward', got {method!r}.")
    central, forward = 2 * num_params, num_params + 1
    expected = central if method == "central" else forward
    value = as_number(num_forward_passes)
    if value is None:
        return not_a_number("the number of forward passes", num_forward_passes)
    if value == expected:
        return right(
            f"{expected:,} forward passes for a single update of {num_params:,} parameters."
        )
    if method == "central" and value == forward:
        return wrong(
            f"{value:,.0f} is the cost of the forward difference.",
            "The central difference evaluates l(w + ε) and l(w − ε) for every coefficient.",
        )
    if method == "forward" and value == central:
        return wrong(
            f"{value:,.0f} is the cost of the central difference.",
            "The forward difference needs l(w + ε) per coefficient, plus l(w) once for all.",
        )
    if method == "forward" and value == num_params:
        return wrong(
            f"{value:,.0f} forgets one pass.",
            "Before nudging anything you need l(w) itself, once.",
        )
    return wrong(
        f"{value:,.0f} is not the number of passes.",
        "Count the forward passes needed for one coefficient, then multiply by the number "
        "of coefficients.",
    )
