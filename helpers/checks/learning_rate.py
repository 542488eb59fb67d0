"""Checkers for notebook 06, the learning rate: a step on a parabola, a sweep's best,
one gradient-descent step, which runs of a few loss histories have converged, and the
largest learning rate that still converges (also used by notebook 07, with momentum).

Values are judged at the answer's precision (float64, or float32 at float32 precision).

Shapes: the parameters w and their gradient have one shape, any shape (P stands for it);
a sweep has K learning rates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

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
    checker,
    guarded,
    judge_array,
    not_a_number,
    precision_of,
    right,
    wrong,
)

__all__ = [
    "check_best_learning_rate",
    "check_converged_runs",
    "check_gradient_descent_step",
    "check_largest_stable_learning_rate",
    "check_parabola_step",
]

# Stable ids of the usual mistakes in this lesson, with what to re-teach (issue 19/20).
DIAGNOSES = {
    "missing-factor-two": "The gradient of x² is 2x (of a·x² it is 2a·x): the factor 2 was "
    "left out, here or in the curvature.",
    "sign-flipped": "The step went along the gradient (uphill): gradient descent subtracts it.",
    "change-only": "Only the change of x (or w) was given, not the new value.",
    "new-x-not-factor": "The new x after one step from the start was given, not the number "
    "every step multiplies x by.",
    "picked-diverged": "A learning rate whose run diverged was picked: its loss is infinite.",
    "picked-too-small": "A learning rate left of the sweep's lowest loss was picked.",
    "picked-too-large": "A learning rate right of the sweep's lowest loss was picked.",
    "index-not-rate": "The position of the best learning rate in the sweep was given, not the "
    "learning rate itself.",
    "loss-not-rate": "A loss of the sweep was given, not the learning rate that reached it.",
    "not-in-sweep": "The answer is not one of the learning rates the sweep tried.",
    "no-learning-rate": "The whole gradient was subtracted: the learning rate scales the step.",
    "divided-by-learning-rate": "The gradient was divided by the learning rate instead of "
    "multiplied by it.",
    "not-moved": "The function gave w back unchanged.",
    "no-return": "w was updated in place but not returned: the function returned None.",
    "best-not-largest": "The learning rate that lands on the minimum in one step (1 − η·λ = 0) "
    "was given; larger ones still converge while 1 − η·λ > −1.",
    "momentum-ignored": "The limit without momentum, 2/λ, was given: momentum raises it to "
    "2(1 + β)/λ.",
    "momentum-sign": "2(1 − β)/λ was given: momentum raises the limit, 2(1 + β)/λ.",
    "not-positive": "A learning rate is a positive number.",
    "converges-not-largest": "A learning rate that converges, but not the largest one.",
    "diverges": "A learning rate above the limit: gradient descent diverges there.",
    "converged-means-low": "A run whose loss settled high (at the loss of guessing) was left "
    "out: converged means the loss stopped going down, not that it is low.",
    "still-falling-counted": "A run whose loss is still going down (it crawls) was counted as "
    "converged.",
    "diverged-counted": "A run whose loss grows or jumps about (it diverges) was counted as "
    "converged.",
    "converged-left-out": "A run whose loss had settled low was left out of the converged ones.",
    "unknown-run": "A letter that names none of the runs was given.",
}


def _near(answer, target) -> bool:
    """The answer equals ``target`` to the answer's own precision (the course's policy)."""
    return judge_array(answer, target) is None


@answer_checker("the factor (one number)")
def check_parabola_step(factor, learning_rate: float) -> Feedback:
    """What one gradient step on loss = x² multiplies x by: 1 − 2·learning_rate."""
    expected = 1 - 2 * learning_rate
    value = as_number(factor)
    if value is None:
        return not_a_number("the factor", factor)
    if _near(factor, expected):
        verdict = "shrinks" if abs(expected) < 1 else "does not shrink"
        return right(
            f"x ← x − {learning_rate:g}·2x = {expected:g}·x, so |x| {verdict} at every step.",
            precision=precision_of(factor),
        )
    mistakes = [
        (
            1 - learning_rate,
            f"{value:g} forgets a factor 2.",
            "What is the gradient of x²?",
            "missing-factor-two",
        ),
        (
            1 + 2 * learning_rate,
            f"{value:g} steps uphill.",
            "Does gradient descent add or subtract the gradient?",
            "sign-flipped",
        ),
        (
            -2 * learning_rate,
            f"{value:g} is only the change, as a multiple of x, not the new x.",
            "The new x is the old x plus the change.",
            "change-only",
        ),
        (
            2 * learning_rate,
            f"{value:g} is only the size of the change, as a multiple of x, not the new x.",
            "The new x is the old x plus the change.",
            "change-only",
        ),
        (
            10 * expected,
            f"{value:g} is where x = 10 lands after one step, not the number every step "
            "multiplies x by.",
            "Write the new x as (a number) · x: which number?",
            "new-x-not-factor",
        ),
    ]
    for guess, message, hint, diagnosis in mistakes:
        if _near(factor, guess):
            return wrong(message, hint, diagnosis=diagnosis)
    return wrong(
        f"{value:g} is not what one step multiplies x by.",
        "Write one step with the gradient of x², then factor out x.",
    )


# A typed-in rate counts as the sweep's rate it is within 2% of (the sweep prints three
# digits, e.g. 0.464 for 0.46416); sweep rates are much further apart than that.
SAME_RATE = 0.02


@answer_checker("the learning rate you pick (one of the sweep)")
def check_best_learning_rate(choice, learning_rates, losses) -> Feedback:
    """The learning rate of a sweep whose loss is lowest (diverged runs are inf or nan).

    learning_rates, losses: (K,) the sweep, as copied before the exercise (a notebook
    passes copies its answer cell cannot change); choice: the student's pick among them.
    """
    rates = np.array(learning_rates, dtype=np.float64)
    losses = np.array(losses, dtype=np.float64)
    if rates.shape != losses.shape or rates.ndim != 1 or rates.size == 0:
        raise UsageError(
            f"learning_rates {rates.shape} and losses {losses.shape} must be two lists of "
            "the same length."
        )
    if np.any(rates <= 0):
        raise UsageError("learning_rates must be positive numbers.")
    finite_losses = np.where(np.isfinite(losses), losses, np.inf)
    best = int(np.argmin(finite_losses))
    value = as_number(choice)
    if value is None:
        return not_a_number("the learning rate", choice)
    k = None
    if value > 0:
        distance = np.abs(np.log(rates / value))
        k = int(np.argmin(distance))
        if distance[k] > SAME_RATE:
            k = None
    if k is None:
        if float(value).is_integer() and 0 <= value < rates.size:
            return wrong(
                f"{value:g} looks like a position in sweep_rates, not a learning rate.",
                "Give the learning rate at that position.",
                diagnosis="index-not-rate",
            )
        if np.any(np.isclose(losses[np.isfinite(losses)], value, rtol=1e-6, atol=0)):
            return wrong(
                f"{value:.3g} is a loss of the sweep, not a learning rate.",
                "Which learning rate reached it?",
                diagnosis="loss-not-rate",
            )
        return wrong(
            f"{value:g} is not one of the learning rates of the sweep.",
            "Pick one of the values in sweep_rates.",
            diagnosis="not-in-sweep",
        )
    if k == best:
        return right(
            f"learning rate {rates[best]:.3g} has the lowest loss, {losses[best]:.3g}; "
            "the ones around it are worth a try too."
        )
    if not np.isfinite(losses[k]):
        return wrong(
            f"learning rate {rates[k]:.3g} diverged: its loss is {losses[k]}.",
            "Look left of the red crosses.",
            diagnosis="picked-diverged",
        )
    smaller = rates[k] < rates[best]
    return wrong(
        f"learning rate {rates[k]:.3g} ends at loss {losses[k]:.3g}; another one ends lower.",
        f"Look for the lowest point of the curve: try a {'larger' if smaller else 'smaller'} "
        "learning rate.",
        diagnosis="picked-too-small" if smaller else "picked-too-large",
    )


# ------------------------------------------------------ which runs converged ----

# The check's rule for "converged" (notebook 06's definition: the loss has stopped going
# down and stays where it is, up to the noise of batches): over the last CONVERGED_LAST
# steps the loss is finite and moves within a band CONVERGED_TOLERANCE times the run's
# first loss wide. Measured against the first loss, the scale of the whole run, so a run
# that settles low (0.08) and one that settles at the loss of guessing (2.3) are judged
# alike, and a run still falling by a few percent of its start per step is not settled.
CONVERGED_LAST = 4
CONVERGED_TOLERANCE = 0.02

# What separates the letters of an answer typed as a string: "A, B", "{A B}", "A/B" (and
# the word "and").
_SEPARATORS = r"[\s,;/&+{}\[\]()'\"]+"


def _histories(histories, last: int) -> dict[str, np.ndarray]:
    """The loss histories by upper-case letter, each a (T,) float64 array (T >= last)."""
    if not isinstance(histories, Mapping) or not histories:
        raise UsageError("histories must be a dict of run letter -> list of losses.")
    runs: dict[str, np.ndarray] = {}
    for name, losses in histories.items():
        if not (isinstance(name, str) and len(name) == 1 and name.isalpha()):
            raise UsageError(f"each run is named by one letter, got {name!r}.")
        key = name.upper()
        if key in runs:
            raise UsageError(f"two runs are named {key}.")
        values = np.asarray(losses, dtype=np.float64)
        if values.ndim != 1 or values.size < last or not np.isfinite(values[0]):
            raise UsageError(
                f"run {key}: a list of at least {last} losses, the first one finite, is needed."
            )
        runs[key] = values
    return runs


def _has_converged(losses: np.ndarray, last: int, tolerance: float) -> bool:
    """The check's rule: the last ``last`` losses are finite and within a band
    ``tolerance × |first loss|`` wide."""
    window = losses[-last:]
    if not np.all(np.isfinite(window)):
        return False
    return float(window.max() - window.min()) <= tolerance * abs(float(losses[0]))


def _still_falling(losses: np.ndarray, last: int, tolerance: float) -> bool:
    """A run that has not converged is still going down when its last ``last`` losses are
    finite, end lower than they start, and never rise by more than the band
    ``tolerance × |first loss|`` from one step to the next; otherwise it grows, blows up
    or jumps about."""
    window = losses[-last:]
    if not np.all(np.isfinite(window)):
        return False
    rise = float(np.max(np.diff(window)))
    return bool(window[-1] < window[0] and rise <= tolerance * abs(float(losses[0])))


def _unsettled(losses: np.ndarray, last: int) -> str:
    """How a run that has not converged and is not going down behaves at its end."""
    window = losses[-last:]
    if not np.all(np.isfinite(window)):
        return "blows up"
    return "grows" if np.all(np.diff(window) > 0) else "jumps about"


def _pieces(answer) -> list[str] | None:
    """The pieces of an answer that should each be run letters ("A", "ab"); None when the
    answer is not letters (a string, or a set, list or tuple of strings)."""
    if isinstance(answer, (str, np.str_)):
        items = [answer]
    elif isinstance(answer, np.ndarray):
        items = answer.ravel().tolist()
    elif isinstance(answer, (set, frozenset, list, tuple)):
        items = list(answer)
    else:
        return None
    if not all(isinstance(item, (str, np.str_)) for item in items):
        return None
    tokens = [token for item in items for token in re.split(_SEPARATORS, str(item))]
    return [token for token in tokens if token and token.lower() != "and"]  # "A and B"


def _join(names) -> str:
    names = sorted(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@answer_checker('the letters of the runs that converged, e.g. {"A"}')
def check_converged_runs(
    answer,
    histories,
    last: int = CONVERGED_LAST,
    tolerance: float = CONVERGED_TOLERANCE,
) -> Feedback:
    """Which of the runs ``histories`` (run letter -> list of losses, one per step) have
    converged: their loss has stopped going down and stays where it is, however high.

    The truth comes from the histories by one rule (not a stored key): a run has converged
    when its last ``last`` losses are finite and lie within ``tolerance`` × its first loss
    of each other. ``answer``: the letters, as a set, list or tuple of letters or as one
    string ("A, B" or "AB"), in either case; an empty set says that none has converged.
    """
    if not (isinstance(last, int) and last >= 2):
        raise UsageError(f"last must be a whole number >= 2, got {last!r}.")
    if not (isinstance(tolerance, (int, float)) and tolerance > 0):
        raise UsageError(f"tolerance must be a number > 0, got {tolerance!r}.")
    runs = _histories(histories, last)
    converged = {k for k, losses in runs.items() if _has_converged(losses, last, tolerance)}
    pieces = _pieces(answer)
    if pieces is None:
        return wrong(
            f'expected the letters of the runs, such as {{"A", "B"}}, got {answer!r}.',
            'Give a set of letters, e.g. {"A", "C"} (or set() if none has converged).',
            diagnosis="wrong-type",
        )
    chosen: set[str] = set()
    for piece in pieces:
        letters = set(piece.upper())
        if piece.isalpha() and letters <= set(runs):
            chosen |= letters
        else:
            return wrong(
                f"{piece!r} names none of the runs {_join(runs)}.",
                'Answer with the letters of the runs that converged, e.g. {"A"}.',
                diagnosis="unknown-run",
            )

    def level(k: str) -> str:
        return f"{runs[k][-1]:.3g}"

    falling = {k for k in set(runs) - converged if _still_falling(runs[k], last, tolerance)}
    growing = set(runs) - converged - falling
    if chosen == converged:
        settled = (
            f"{_join(converged)} {'has' if len(converged) == 1 else 'have'} converged: "
            "the loss stopped going down and stays where it is ("
            + ", ".join(f"{k} at {level(k)}" for k in sorted(converged))
            + ", however high that is)."
            if converged
            else "none of the runs has converged."
        )
        others = [f"{k} is still going down" for k in sorted(falling)]
        others += [f"{k} {_unsettled(runs[k], last)}" for k in sorted(growing)]
        return right(settled + (" " + "; ".join(others) + "." if others else ""))
    window = f"over the last {last} steps"
    counted_growing = sorted(chosen & growing)
    if counted_growing:
        k = counted_growing[0]
        losses = runs[k]
        return wrong(
            f"{k} has not converged: its loss {_unsettled(losses, last)} {window} "
            f"({', '.join(f'{x:.3g}' for x in losses[-last:])}).",
            "A loss that grows or jumps about has not settled: that run diverges.",
            diagnosis="diverged-counted",
        )
    counted_falling = sorted(chosen & falling)
    if counted_falling:
        k = counted_falling[0]
        losses = runs[k]
        return wrong(
            f"{k} has not converged yet: its loss is still going down {window} "
            f"({losses[-last]:.3g} → {losses[-1]:.3g}).",
            "A run that crawls is still going down, however slowly: converged means the loss "
            "has stopped going down.",
            diagnosis="still-falling-counted",
        )
    left_out = sorted(converged - chosen, key=lambda k: runs[k][-1])
    lowest_chosen = min((runs[k][-1] for k in chosen & converged), default=math.inf)
    k = left_out[0]
    if runs[k][-1] > lowest_chosen:
        return wrong(
            f"{k} has converged too: its loss stopped going down and stays at {level(k)}.",
            "Converging says nothing about how low the loss is: a run can settle at the "
            "loss of guessing.",
            diagnosis="converged-means-low",
        )
    return wrong(
        f"{k} has converged: its loss stopped going down and stays at {level(k)}.",
        "Look at the last few losses of each run: which ones stay where they are?",
        diagnosis="converged-left-out",
    )


@answer_checker("the largest learning rate (one number)")
def check_largest_stable_learning_rate(
    learning_rate, curvature: float, momentum: float = 0.0
) -> Feedback:
    """The largest learning rate for which (momentum) gradient descent still converges on a
    quadratic loss ½·curvature·x², i.e. a·x² with curvature = 2a (the second derivative).

    One step of plain gradient descent multiplies x by 1 − η·curvature, so it converges
    iff |1 − η·curvature| < 1, i.e. η < 2 / curvature. With momentum β the bound is
    η < 2(1 + β) / curvature. The boundary itself counts as the answer (the supremum),
    judged at the answer's precision.
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

    rule = "η·λ < 2" if beta == 0 else f"η·λ < 2(1 + β) = {2 * (1 + beta):g}"
    if _near(learning_rate, limit):
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
        return right(
            f"{limit:g}, from {rule} with curvature λ = {curvature:g}: {boundary}",
            precision=precision_of(learning_rate),
        )
    bound = (
        "Where does the factor 1 − η·λ reach −1?"
        if beta == 0
        else "What does momentum do to the bound η·λ < 2?"
    )
    if beta > 0 and _near(learning_rate, 2 / curvature):
        return wrong(
            f"{value:g} is the limit without momentum.",
            "Momentum lets the learning rate go higher: by how much?",
            diagnosis="momentum-ignored",
        )
    if beta > 0 and _near(learning_rate, 2 * (1 - beta) / curvature):
        return wrong(
            f"{value:g} shrinks the limit with momentum; momentum raises it.",
            "Check the sign in front of β.",
            diagnosis="momentum-sign",
        )
    if beta == 0 and _near(learning_rate, limit / 2):
        return wrong(
            f"{value:g} is the learning rate that lands on the minimum in one step "
            "(1 − η·λ = 0): the best one, not the largest.",
            f"Larger steps overshoot the minimum but still converge. {bound}",
            diagnosis="best-not-largest",
        )
    if _near(learning_rate, 2 * limit):
        return wrong(
            f"{value:g} forgets a factor 2: that η diverges.",
            "For loss = a·x², what is the gradient, and so the curvature λ?",
            diagnosis="missing-factor-two",
        )
    if value <= 0:
        return wrong(
            f"{value:g} is not a learning rate.",
            "A learning rate is a positive number: how far one step goes.",
            diagnosis="not-positive",
        )
    if value < limit:
        return wrong(
            f"η = {value:g} converges, but larger learning rates converge too.",
            f"{bound} (λ = {curvature:g})",
            diagnosis="converges-not-largest",
        )
    return wrong(
        f"η = {value:g} diverges on this quadratic.",
        f"{bound} (λ = {curvature:g})",
        diagnosis="diverges",
    )


# ------------------------------------------------------- implement it ----

# The package's implementation this exercise rebuilds (helpers.exercises.rebuilt).
STEP_FORBID = ("gradient_descent_step",)


def _sgd_reference(w, gradient, learning_rate):
    """The package's SGD (no momentum) taking one step on a copy of ``w``."""
    new_w = np.array(w, dtype=np.float64)  # a copy: the caller's w stays as it was
    SGD(learning_rate).step([new_w], [np.asarray(gradient, dtype=np.float64)])
    return new_w


def _step_cases(seed: int) -> list[tuple]:
    """(w, gradient, learning_rate): fresh float64 arrays of several shapes, non-square."""
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(size=shape), rng.normal(size=shape), float(rng.uniform(0.01, 1.0)))
        for shape in [(3,), (4, 5), (2,), (2, 3, 2)]
    ]


@checker
def check_gradient_descent_step(gradient_descent_step, seed: int = 0) -> Feedback:
    """Your ``gradient_descent_step(w, gradient, learning_rate)`` against the package's
    ``SGD(learning_rate)``.

    It is called on fresh random float64 inputs w: (P,), gradient: (P,) of several shapes
    and a learning rate, and must return the new w: (P,), w − learning_rate · gradient
    (float64, or float32 judged at float32 precision); updating w in place and returning
    it is right too. It may not call the package's optimizers.
    """
    cases = _step_cases(seed)
    verdict = check_implementation(
        gradient_descent_step,
        name="gradient_descent_step",
        cases=cases,
        reference=_sgd_reference,
        outputs=("the new w",),
        forbid=STEP_FORBID,
        mistakes=[
            Mistake(
                lambda w, g, lr: w + lr * g,
                "your step goes uphill: you added the gradient.",
                "Which way does the gradient point?",
                "sign-flipped",
            ),
            Mistake(
                lambda w, g, lr: w - g,
                "your step ignores the learning rate: it moves by the whole gradient.",
                "What does the learning rate do to the step?",
                "no-learning-rate",
            ),
            Mistake(
                lambda w, g, lr: -lr * g,
                "you returned only the change, not the new w.",
                "Where does w end up after that change?",
                "change-only",
            ),
            Mistake(
                lambda w, g, lr: w - g / lr,
                "you divided the gradient by the learning rate.",
                "The learning rate scales the step down: multiply.",
                "divided-by-learning-rate",
            ),
            Mistake(
                lambda w, g, lr: w,
                "your function returns w unchanged.",
                "Return the new w, after the step.",
                "not-moved",
            ),
        ],
        hint="Work one step out by hand for w = [1.0], gradient = [2.0] and compare.",
    )
    if verdict.diagnosis == "blank" and callable(gradient_descent_step):
        # A function that returns None may still have done the step, in place.
        w, gradient = (a.copy() for a in cases[0][:2])
        learning_rate = cases[0][2]
        expected = _sgd_reference(w, gradient, learning_rate)
        _, refused = guarded(
            gradient_descent_step,
            w,
            gradient,
            learning_rate,
            name="gradient_descent_step",
            forbid=STEP_FORBID,
        )
        if refused is None and _near(w, expected):
            return wrong(
                "your function updated w in place but returned nothing (None).",
                "What does the function give back to its caller?",
                diagnosis="no-return",
            )
    return verdict
