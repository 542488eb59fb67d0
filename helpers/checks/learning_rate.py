"""Checkers for notebook 06, the learning rate: a step on a parabola, a sweep's best,
one gradient-descent step, and the largest learning rate that still converges.

Shapes: the parameters w and their gradient have one shape, any shape (P stands for it).
"""

from __future__ import annotations

import math

import numpy as np

from ..optim import SGD
from ..validation import check_momentum
from .core import (
    Feedback,
    Mistake,
    UsageError,
    answer_checker,
    as_number,
    check_implementation,
    close,
    not_a_number,
    right,
    wrong,
)

__all__ = [
    "check_best_learning_rate",
    "check_gradient_descent_step",
    "check_largest_stable_learning_rate",
    "check_parabola_step",
]


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


@answer_checker("the largest learning rate (one number)")
def check_largest_stable_learning_rate(
    learning_rate, curvature: float, momentum: float = 0.0
) -> Feedback:
    """The largest learning rate for which (momentum) gradient descent still converges on a
    quadratic loss ½·curvature·x², i.e. a·x² with curvature = 2a (the second derivative).

    One step of plain gradient descent multiplies x by 1 − η·curvature, so it converges
    iff |1 − η·curvature| < 1, i.e. η < 2 / curvature. With momentum β the bound is
    η < 2(1 + β) / curvature. The boundary itself counts as the answer (the supremum).
    """
    curvature = float(curvature)
    if not (math.isfinite(curvature) and curvature > 0):
        raise UsageError(f"curvature must be a number > 0, got {curvature!r}.")
    try:
        beta = check_momentum(momentum)
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None
    limit = 2 * (1 + beta) / curvature
    value = as_number(learning_rate)
    if value is None:
        return not_a_number("the learning rate", learning_rate)

    def near(target):
        return close(value, target, rtol=1e-3)

    rule = "η·λ < 2" if beta == 0 else f"η·λ < 2(1 + β) = {2 * (1 + beta):g}"
    if near(limit):
        if beta == 0:
            boundary = (
                f"exactly at η = {limit:g} one step multiplies x by 1 − {limit:g}·{curvature:g} "
                "= −1: x flips sign forever, neither closer nor further, so it converges for "
                "every η below that and diverges above it."
            )
        else:
            boundary = (
                f"at η = {limit:g} the path swings back and forth forever without getting "
                "closer; every η below that converges, every η above it diverges."
            )
        return right(f"{limit:g}, from {rule} with curvature λ = {curvature:g}: {boundary}")
    if beta > 0 and near(2 / curvature):
        return wrong(
            f"{value:g} is the limit without momentum.",
            "Momentum lets the learning rate go higher: the bound is η·λ < 2(1 + β).",
        )
    if beta > 0 and near(2 * (1 - beta) / curvature):
        return wrong(
            f"{value:g} shrinks the limit with momentum; momentum raises it.",
            "The bound is η·λ < 2(1 + β), with a plus.",
        )
    if beta == 0 and near(limit / 2):
        return wrong(
            f"{value:g} is the learning rate that lands on the minimum in one step "
            "(1 − η·λ = 0): the best one, not the largest.",
            f"Larger steps overshoot the minimum but still converge while |1 − η·λ| < 1: "
            f"solve 1 − η·λ = −1 for η, with λ = {curvature:g}.",
        )
    if near(2 * limit):
        return wrong(
            f"{value:g} forgets a factor 2: that η diverges.",
            "For loss = a·x² the gradient is 2a·x, so the curvature λ is 2a, not a; "
            "one step multiplies x by 1 − η·λ.",
        )
    if value <= 0:
        return wrong(
            f"{value:g} is not a learning rate.",
            "A learning rate is a positive number: how far one step goes.",
        )
    if value < limit:
        return wrong(
            f"η = {value:g} converges, but larger learning rates converge too.",
            f"Find where the factor 1 − η·λ reaches −1 (λ = {curvature:g})."
            if beta == 0
            else f"Use the bound η·λ < 2(1 + β) with λ = {curvature:g} and β = {beta:g}.",
        )
    return wrong(
        f"η = {value:g} diverges on this quadratic.",
        f"Each step multiplies x by 1 − η·λ (λ = {curvature:g}); it must stay above −1."
        if beta == 0
        else f"Use the bound η·λ < 2(1 + β) with λ = {curvature:g} and β = {beta:g}.",
    )


# ------------------------------------------------------- implement it ----


def _sgd_reference(w, gradient, learning_rate):
    """The package's SGD (no momentum) taking one step on a copy of ``w``."""
    new_w = np.array(w, dtype=np.float64)  # a copy: the caller's w stays as it was
    SGD(learning_rate).step([new_w], [np.asarray(gradient, dtype=np.float64)])
    return new_w


def check_gradient_descent_step(gradient_descent_step, seed: int = 0) -> Feedback:
    """Your ``gradient_descent_step(w, gradient, learning_rate)`` against the package's
    ``SGD(learning_rate)``.

    It is called on fresh random float64 inputs w: (P,), gradient: (P,) of several shapes
    and a learning rate, and must return the new w: (P,), w − learning_rate · gradient.
    """
    rng = np.random.default_rng(seed)
    cases = [
        (rng.normal(size=shape), rng.normal(size=shape), float(rng.uniform(0.01, 1.0)))
        for shape in [(3,), (4, 5), (2,), (2, 3, 2)]
    ]
    return check_implementation(
        gradient_descent_step,
        name="gradient_descent_step",
        cases=cases,
        reference=_sgd_reference,
        outputs=("the new w",),
        mistakes=[
            Mistake(
                lambda w, g, lr: w + lr * g,
                "your step goes uphill: you added the gradient.",
                "The gradient points uphill; step against it: w − learning_rate · gradient.",
            ),
            Mistake(
                lambda w, g, lr: w - g,
                "your step ignores the learning rate: it moves by the whole gradient.",
                "Multiply the gradient by learning_rate before you subtract it.",
            ),
            Mistake(
                lambda w, g, lr: -lr * g,
                "you returned only the change, not the new w.",
                "Add the change to the old w: w − learning_rate · gradient.",
            ),
            Mistake(
                lambda w, g, lr: w - g / lr,
                "you divided the gradient by the learning rate.",
                "The learning rate scales the step: multiply, w − learning_rate · gradient.",
            ),
            Mistake(
                lambda w, g, lr: w,
                "your function returns w unchanged.",
                "Return the new w: w − learning_rate · gradient.",
            ),
        ],
        hint="One step of gradient descent: w − learning_rate · gradient.",
    )
