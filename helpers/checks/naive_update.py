"""Checkers for notebook 03, the naive update: counting parameters and forward passes,
when both nudges climb, and the finite-difference partial of one coefficient."""

from __future__ import annotations

import numpy as np

from ..gradients import numerical_partial
from .core import (
    Feedback,
    Mistake,
    UsageError,
    answer_checker,
    as_number,
    check_implementation,
    close,
    is_blank,
    not_a_number,
    not_answered,
    right,
    wrong,
)

__all__ = ["check_both_nudges_climb", "check_naive_cost", "check_num_params", "check_partial"]


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


@answer_checker("the distance (one number)")
def check_both_nudges_climb(distance, epsilon: float = 0.1) -> Feedback:
    """On l(w) = w², both nudges w ± ε raise the loss exactly when |w| < ε / 2.

    ``distance`` is the student's largest |w| (distance from the minimum at 0) for which
    both l(w + ε) and l(w − ε) are above l(w).
    """
    if not epsilon > 0:
        raise UsageError(f"epsilon must be > 0, got {epsilon!r}.")
    expected = epsilon / 2
    value = as_number(distance)
    if value is None:
        return not_a_number("the distance", distance)

    def near(x):
        return close(value, x, rtol=1e-3, atol=1e-12)

    if near(expected):
        return right(
            f"|w| < ε/2 = {expected:g}: closer than that to the bottom, one nudge overshoots "
            "it and the other climbs away from it."
        )
    if near(epsilon):
        return wrong(
            f"{value:g} is ε itself; at w = {0.75 * epsilon:g}, w − ε lowers the loss.",
            "Write out l(w − ε) − l(w) = ε² − 2wε for l(w) = w²: when is it positive?",
        )
    if near(epsilon**2):
        return wrong(
            f"{value:g} is ε², not a distance along w.",
            "l(w + ε) − l(w) = 2wε + ε². Solve 2wε + ε² > 0 for w.",
        )
    return wrong(
        f"{value:g} is not the distance within which both nudges climb for ε = {epsilon:g}.",
        "For l(w) = w²: l(w + ε) > l(w) when 2wε + ε² > 0, and l(w − ε) > l(w) when "
        "ε² − 2wε > 0. Both hold for which w?",
    )


# ------------------------------------------------------- implement it ----


def _smooth_loss(a, c):
    """A smooth loss of an array v: sum(sin(a · v) + c · v²), a float."""

    def loss_fn(v):
        return float(np.sum(np.sin(a * v) + c * v**2))

    return loss_fn


def _partial_cases(seed) -> list[tuple]:
    """Fresh random float64 cases (w, index, epsilon, a, c): w of several shapes."""
    rng = np.random.default_rng(seed)
    cases = []
    for shape, index, epsilon in [((3, 4), (1, 2), 1e-2), ((5,), 3, 1e-3), ((2, 3), (0, 0), 0.05)]:
        a = rng.uniform(0.5, 2.0, size=shape)
        c = rng.uniform(-1.0, 1.0, size=shape)
        cases.append((rng.normal(size=shape), index, epsilon, a, c))
    return cases


def _partial_reference(w, index, epsilon, a, c):
    """helpers.gradients.numerical_partial (central), and w after the call (unchanged)."""
    value = numerical_partial(_smooth_loss(a, c), w, index, h=epsilon, method="central")
    return value, w


def _nudged(w, index, shift):
    v = w.copy()
    v[index] += shift
    return v


def _loss_at(w, index, epsilon, a, c, shift):
    return _smooth_loss(a, c)(_nudged(w, index, shift))


def _partial_mistake(formula, left_at=0.0):
    """A mistaken partial from (l(w + ε), l(w), l(w − ε), ε); w left at w[index] + left_at · ε."""

    def compute(w, index, epsilon, a, c):
        up, now, down = (_loss_at(w, index, epsilon, a, c, s * epsilon) for s in (1, 0, -1))
        return formula(up, now, down, epsilon), _nudged(w, index, left_at * epsilon)

    return compute


_PARTIAL_MISTAKES = [
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (up - now) / eps),
        "that is the forward difference (l(w + ε) − l(w)) / ε.",
        "Nudge both ways: (l(w + ε) − l(w − ε)) / (2ε) is more accurate for the same ε.",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (now - down) / eps),
        "that is the backward difference (l(w) − l(w − ε)) / ε.",
        "Nudge both ways: (l(w + ε) − l(w − ε)) / (2ε).",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (up - down) / eps),
        "your partial is twice too large: you divided by ε.",
        "w + ε and w − ε are 2ε apart: divide by 2 * epsilon.",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: up - down),
        "you forgot to divide by 2ε: that is the change of the loss, not its rate.",
        "Divide the difference by the distance between the two points, 2 * epsilon.",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (up - down) / (2 * eps), left_at=-1.0),
        "the partial is right, but w[index] is left at w − ε.",
        "Keep the old value (old = w[index]) and put it back at the end: w[index] = old.",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (up - down) / (2 * eps), left_at=1.0),
        "the partial is right, but w[index] is left at w + ε.",
        "Keep the old value (old = w[index]) and put it back at the end: w[index] = old.",
    ),
]


def check_partial(partial, seed: int = 0) -> Feedback:
    """Your ``partial(loss_fn, w, index, epsilon)`` against ``numerical_partial``.

    It is called on fresh random float64 arrays w (a matrix with a tuple index such as
    (1, 2), a vector with a whole-number index) and smooth losses ``loss_fn(w) -> float``;
    it must return the central difference (l(w + ε e_i) − l(w − ε e_i)) / (2ε) for the
    coefficient w[index] and leave w as it was.
    """
    if is_blank(partial):
        return not_answered("the function partial")

    def run(w, index, epsilon, a, c):
        value = partial(_smooth_loss(a, c), w, index, epsilon)
        if is_blank(value):
            return None
        return value, w

    return check_implementation(
        run if callable(partial) else partial,
        name="partial",
        cases=_partial_cases(seed),
        reference=_partial_reference,
        outputs=("the partial", "w after the call"),
        mistakes=_PARTIAL_MISTAKES,
        hint="(loss_fn(w with w[index] + ε) − loss_fn(w with w[index] − ε)) / (2ε), then put "
        "w[index] back.",
    )
