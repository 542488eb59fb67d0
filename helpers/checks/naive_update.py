"""Checkers for notebook 03, the naive update: counting parameters and forward passes,
when both nudges climb, and the finite-difference partial of one coefficient."""

from __future__ import annotations

import numpy as np

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

__all__ = [
    "DIAGNOSES",
    "check_both_nudges_climb",
    "check_naive_cost",
    "check_num_params",
    "check_partial",
]

# Every mistake these checkers name: id -> what to re-teach (for the teacher's report).
DIAGNOSES: dict[str, str] = {
    "kernels-only": "Every layer has a bias too: one parameter per output unit.",
    "input-bias": "Biases belong to the layers' units, not to the inputs: the input layer has "
    "none.",
    "first-layer-only": "A network's parameters are those of all its layers.",
    "other-network": "The count given is that of another network (the lesson's "
    "784-512-10 model, not the one asked about).",
    "two-passes-per-parameter": "The forward difference needs one pass per parameter, plus "
    "l(w) once; two per parameter is the central difference's cost.",
    "one-pass-per-parameter": "Two nudges per parameter (up and down) cost two passes each.",
    "no-base-pass": "The forward difference also needs l(w) itself, once, before any nudge.",
    "base-pass-per-array": "l(w) is the same for every coefficient of every array: one naive "
    "update needs it once, not once per array.",
    "epsilon-not-half": "Both nudges climb only within ε/2 of the lowest point: at a "
    "distance ε one nudge lands on the other side, lower.",
    "epsilon-squared": "A distance along w is compared with ε, not with the change of the loss ε².",
    "negative-distance": "A distance is |w|, never negative.",
    "forward-difference": "The exercise asks for the central difference, nudging both ways.",
    "backward-difference": "The exercise asks for the central difference, nudging both ways.",
    "divided-by-epsilon": "w + ε and w − ε are 2ε apart: the difference is divided by 2ε.",
    "no-divide-by-epsilon": "A rate of change divides the change of the loss by the change of "
    "w (2ε): that division was left out.",
    "sign-flipped": "A sign is flipped: the result points the wrong way (a negative loss, a "
    "step uphill, or a difference taken in the wrong order).",
    "not-restored": "A nudged coefficient must be put back to its old value before returning.",
    "nudged-every-coefficient": "The partial nudges one coefficient, w[index], not the "
    "whole array.",
    "aliased-copy": "v = w does not copy an array: both names point to the same numbers, "
    "so both losses were taken near the same point.",
}


def _count(sizes) -> tuple[int, int]:
    """(kernel parameters, bias parameters) of a dense network with layer ``sizes``."""
    kernels = sum(d * m for d, m in zip(sizes[:-1], sizes[1:], strict=True))
    return kernels, sum(sizes[1:])


def _sizes(sizes) -> list[int]:
    try:
        sizes = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise UsageError(
            f"sizes must be whole numbers such as (784, 128, 10), got {sizes!r}."
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise UsageError(f"sizes needs at least an input and an output size, got {sizes}.")
    return sizes


_LESSON_SIZES = (784, 512, 10)  # the MNIST model the lesson counts and times


@answer_checker("the number of parameters")
def check_num_params(num_params, sizes=_LESSON_SIZES) -> Feedback:
    """How many parameters a dense network with layer ``sizes`` has (kernels + biases)."""
    sizes = _sizes(sizes)
    kernels, biases = _count(sizes)
    expected = kernels + biases
    value = as_number(num_params)
    if value is None:
        return not_a_number("the number of parameters", num_params)
    if value == expected:
        return right(f"{expected:,} parameters: {kernels:,} in kernels and {biases:,} in biases.")
    named = [
        (
            kernels,
            "kernels-only",
            f"{value:,.0f} counts the kernels only.",
            "What else does each layer have, besides its kernel?",
        ),
        (
            expected + sizes[0],
            "input-bias",
            f"{value:,.0f} gives the inputs a bias too.",
            "Which layers have a bias: count one number per unit of each layer.",
        ),
    ]
    if len(sizes) > 2:
        named.append(
            (
                sizes[0] * sizes[1] + sizes[1],
                "first-layer-only",
                f"{value:,.0f} counts the first layer only.",
                "Add the parameters of every layer.",
            )
        )
    if tuple(sizes) != _LESSON_SIZES:
        named.append(
            (
                sum(_count(_LESSON_SIZES)),
                "other-network",
                f"{value:,.0f} is the number of parameters of the lesson's "
                f"{'-'.join(map(str, _LESSON_SIZES))} model.",
                f"This exercise asks about {'-'.join(map(str, sizes))}.",
            )
        )
    for count, diagnosis, message, hint in named:
        if value == count:
            return wrong(message, hint, diagnosis=diagnosis)
    return wrong(
        f"{value:,.0f} is not the number of parameters of a {'-'.join(map(str, sizes))} network.",
        "Count each layer's kernel and bias, then add the layers.",
    )


@answer_checker("the number of forward passes")
def check_naive_cost(
    num_forward_passes, sizes=_LESSON_SIZES, method: str = "central", *, num_params=None
) -> Feedback:
    """Forward passes for one naive update of a dense network with layer ``sizes``.

    ``method="central"`` nudges each coefficient up and down: 2 passes per parameter.
    ``method="forward"`` nudges it up only and computes l(w) once for the whole update
    (step 1 of the naive update): num_params + 1. Counting l(w) once per array, as a
    loop of ``numerical_gradient`` calls does, is named but not right: it is the same
    loss for every array. ``num_params`` may be given instead of ``sizes`` (then the
    per-array count cannot be named).
    """
    if method not in ("central", "forward"):
        raise UsageError(f"method must be 'central' or 'forward', got {method!r}.")
    if num_params is None:
        sizes = _sizes(sizes)
        num_params = sum(_count(sizes))
        arrays = 2 * (len(sizes) - 1)
    else:
        arrays = None
    central, forward = 2 * num_params, num_params + 1
    expected = central if method == "central" else forward
    value = as_number(num_forward_passes)
    if value is None:
        return not_a_number("the number of forward passes", num_forward_passes)
    if value == expected:
        per = "two per parameter" if method == "central" else "one per parameter, plus l(w) once"
        return right(f"{expected:,} forward passes for a single update: {per}.")
    lesson = sum(_count(_LESSON_SIZES))
    named = []
    if method == "central":
        named += [
            (
                forward,
                "one-pass-per-parameter",
                "that is the cost of the forward difference.",
                "How many nudges does the central difference make per coefficient?",
            ),
            (
                num_params,
                "one-pass-per-parameter",
                "that is one pass per parameter.",
                "How many nudges does the central difference make per coefficient?",
            ),
        ]
        other = 2 * lesson
    else:
        named += [
            (
                central,
                "two-passes-per-parameter",
                "that is two passes per parameter (the central difference's cost, or l(w) again "
                "for every coefficient).",
                "Which of the forward difference's two losses changes from coefficient to "
                "coefficient?",
            ),
            (
                num_params,
                "no-base-pass",
                "that forgets one pass.",
                "Before nudging anything, what do you compare the nudged losses with?",
            ),
        ]
        if arrays is not None:
            named.append(
                (
                    num_params + arrays,
                    "base-pass-per-array",
                    "that computes l(w) once per array, as the loop of numerical_gradient calls "
                    "above does.",
                    "Does l(w) change between one array and the next? Count it once.",
                )
            )
        other = lesson + 1
    if num_params != lesson:
        named.append(
            (
                other,
                "other-network",
                "that is the count for the lesson's 784-512-10 model.",
                "This exercise asks about a different network: count its parameters first.",
            )
        )
    for count, diagnosis, message, hint in named:
        if value == count:
            return wrong(f"{value:,.0f}: {message}", hint, diagnosis=diagnosis)
    return wrong(
        f"{value:,.0f} is not the number of passes.",
        "Count the forward passes needed for one coefficient, then for all of them.",
    )


@answer_checker("the distance (one number)")
def check_both_nudges_climb(distance, epsilon: float = 0.1) -> Feedback:
    """On l(w) = w², both nudges w ± ε raise the loss exactly when |w| < ε / 2.

    ``distance`` is the student's largest |w| (distance from the minimum at 0) for which
    both l(w + ε) and l(w − ε) are above l(w). A number worked out by hand: right within
    a relative 1e-3.
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
    if near(-expected):
        return wrong(
            f"{value:g} is negative; a distance never is.",
            "Give |w|, the distance from 0.",
            diagnosis="negative-distance",
        )
    if near(epsilon):
        return wrong(
            f"{value:g} is ε itself; at w = {0.75 * epsilon:g}, w − ε lowers the loss.",
            "Write out l(w − ε) − l(w) for l(w) = w²: when is it positive?",
            diagnosis="epsilon-not-half",
        )
    if near(epsilon**2):
        return wrong(
            f"{value:g} is ε², not a distance along w.",
            "Write out l(w + ε) − l(w) and l(w − ε) − l(w), and ask when both are positive.",
            diagnosis="epsilon-squared",
        )
    return wrong(
        f"{value:g} is not the distance within which both nudges climb for ε = {epsilon:g}.",
        "Write out l(w + ε) − l(w) and l(w − ε) − l(w) for l(w) = w²: for which w are both "
        "positive?",
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


def _nudged(w, index, shift):
    v = w.copy()
    v[index] += shift
    return v


def _loss_at(w, index, epsilon, a, c, shift):
    return _smooth_loss(a, c)(_nudged(w, index, shift))


def _partial_reference(w, index, epsilon, a, c):
    """The central difference (l(w + ε e_i) − l(w − ε e_i)) / (2ε), and w unchanged.

    What helpers.gradients.numerical_partial(..., method="central") returns, computed
    here on copies of w (the checker never calls the implementation it forbids).
    """
    up, down = (_loss_at(w, index, epsilon, a, c, s * epsilon) for s in (1, -1))
    return (up - down) / (2 * epsilon), w


def _partial_mistake(formula, left_at=0.0):
    """A mistaken partial from (l(w + ε), l(w), l(w − ε), ε); w left at w[index] + left_at · ε."""

    def compute(w, index, epsilon, a, c):
        up, now, down = (_loss_at(w, index, epsilon, a, c, s * epsilon) for s in (1, 0, -1))
        return formula(up, now, down, epsilon), _nudged(w, index, left_at * epsilon)

    return compute


def _nudged_everywhere(w, index, epsilon, a, c):
    """Every coefficient nudged at once: the slope along (1, 1, …), not one partial."""
    loss_fn = _smooth_loss(a, c)
    return (loss_fn(w + epsilon) - loss_fn(w - epsilon)) / (2 * epsilon), w


_RESTORE_HINT = "What is w[index] when your function returns? Keep the old value and put it back."

_PARTIAL_MISTAKES = [
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (up - now) / eps),
        "that is the forward difference (l(w + ε) − l(w)) / ε.",
        "The exercise asks for the central difference: nudge both ways.",
        "forward-difference",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (now - down) / eps),
        "that is the backward difference (l(w) − l(w − ε)) / ε.",
        "The exercise asks for the central difference: nudge both ways.",
        "backward-difference",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (up - down) / eps),
        "your partial is twice too large.",
        "How far apart are w + ε and w − ε?",
        "divided-by-epsilon",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: up - down),
        "that is the change of the loss, not its rate of change.",
        "A rate divides the change of the loss by the change of w.",
        "no-divide-by-epsilon",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (down - up) / (2 * eps)),
        "your partial has the wrong sign.",
        "Which of the two losses comes first in the difference?",
        "sign-flipped",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (up - down) / (2 * eps), left_at=-1.0),
        "the partial is right, but w[index] is left at w − ε.",
        _RESTORE_HINT,
        "not-restored",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (up - down) / (2 * eps), left_at=1.0),
        "the partial is right, but w[index] is left at w + ε.",
        _RESTORE_HINT,
        "not-restored",
    ),
    Mistake(
        _nudged_everywhere,
        "you nudged every coefficient of w at once.",
        "Only w[index] moves; all other coefficients stay as they are.",
        "nudged-every-coefficient",
    ),
    Mistake(
        _partial_mistake(lambda up, now, down, eps: (up - now) / (2 * eps)),
        "your second loss was taken at w itself, not at w − ε: v = w does not copy w.",
        "Nudge a copy (w.copy()), or change w[index] itself and put it back.",
        "aliased-copy",
    ),
]


def check_partial(partial, seed: int = 0) -> Feedback:
    """Your ``partial(loss_fn, w, index, epsilon)`` against the central difference.

    It is called on fresh random float64 arrays w (a matrix with a tuple index such as
    (1, 2), a vector with a whole-number index) and smooth losses ``loss_fn(w) -> float``;
    it must return the central difference (l(w + ε e_i) − l(w − ε e_i)) / (2ε) for the
    coefficient w[index] and leave w as it was (to rounding: w[index] += ε … -= ε is
    fine). It may not call ``numerical_partial`` or ``numerical_gradient``: that is what
    the exercise rebuilds.
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
        hint="Compare your partial with the central difference in the text, term by term.",
        forbid=("numerical_partial", "numerical_gradient"),
    )
