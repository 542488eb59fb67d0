"""Checkers for notebook 04, the gradient: a slope, one step of gradient descent, and a
numerical gradient of a vector function written by the student.

Every checker judges what the student computed against inputs the student cannot have
changed: the slope against the function and point the check cell passes, the descent
step against a start point and learning rate fixed here (an in-place update of the
notebook's ``point`` is judged by the value it produced), the numerical gradient on
fresh functions and arrays made by the checker.

Shapes: w is an array of any shape (P stands for it); its gradient has the same shape.
"""

from __future__ import annotations

import numpy as np

from .. import gradients, landscapes
from .core import (
    Feedback,
    Mistake,
    UsageError,
    answer_checker,
    as_array,
    as_number,
    check_implementation,
    checker,
    close,
    guarded,
    is_blank,
    judge_array,
    not_a_number,
    not_answered,
    precision_of,
    right,
    wrong,
)

__all__ = ["check_descent_step", "check_numerical_gradient", "check_slope"]

# Stable ids of the usual mistakes in this lesson, with what to re-teach (issue 19/20).
DIAGNOSES = {
    "sign-flipped": "The sign is the wrong way round: the slope's numerator is f(later) − "
    "f(earlier), and a descent step subtracts the gradient (the gradient points uphill).",
    "value-not-slope": "The answer is the function's value f(x), not how fast it changes.",
    "epsilon-too-large": "A secant slope with a large ε: the secant only approaches the "
    "tangent as ε shrinks.",
    "no-divide-by-epsilon": "The difference f(w + ε) − f(w) was not divided by the step ε "
    "(or 2ε): a rate of change is a difference per unit of w.",
    "no-learning-rate": "The whole gradient was subtracted: the learning rate scales the step.",
    "change-only": "Only the change −learning_rate · gradient was given, not the new point.",
    "returned-gradient": "The gradient (or the scaled gradient) was given instead of the new "
    "point.",
    "divided-by-learning-rate": "The gradient was divided by the learning rate instead of "
    "multiplied by it.",
    "not-moved": "The start point was given back unchanged: the step was computed but not "
    "kept, or kept in another variable.",
    "stepped-twice": "Two steps were taken instead of one (an in-place update run twice).",
    "forward-difference": "The forward difference (f(w + ε) − f(w)) / ε was used where the "
    "exercise asks for the central difference.",
    "first-element-only": "Only the first partial derivative was computed: the loop must "
    "visit every element of w.",
    "divided-by-epsilon-only": "The central difference was divided by ε instead of 2ε: "
    "w + ε and w − ε are 2ε apart.",
    "ignored-epsilon": "The function used a fixed step instead of its epsilon argument.",
    "nudged-whole-rows": "Indexing a 2-D w with one number nudged a whole row at once; "
    "np.ndindex visits single elements.",
    "not-restored": "A nudged weight was not put back, so later partial derivatives were "
    "taken at a moved point and the caller's w was changed.",
    "aliased-copy": "w_plus = w makes no copy: both nudges changed the same array, so the "
    "two losses were equal and the gradient came out zero.",
}


# ------------------------------------------------------------ the slope ----


def _matches_some_epsilon(difference, value: float, epsilons: np.ndarray) -> float | None:
    """An ε among (or between) ``epsilons`` for which ``difference(ε)`` equals ``value``.

    ``difference`` is continuous in ε, so a sign change of difference(ε) − value between
    two neighbouring ε of the grid means some ε in between gives exactly the value.
    """
    gaps = np.array([difference(float(e)) - value for e in epsilons])
    hits = np.flatnonzero(np.sign(gaps[:-1]) * np.sign(gaps[1:]) <= 0)
    return float(epsilons[hits[0]]) if hits.size else None


@checker
def check_slope(f, x: float, slope, h: float = 1e-5, rtol: float = 1e-3) -> Feedback:
    """The slope (derivative) of a 1-D function ``f`` at ``x``, estimated by the student.

    The answer is an estimate (a secant slope with a small ε), so it is right within
    ``rtol`` (relative) of the central difference with step ``h``, at any precision.
    """
    if not callable(f):
        raise UsageError(f"check_slope needs the function first, got {f!r}.")
    if is_blank(slope):
        return not_answered("the slope (one number)")
    x = float(x)

    def value_at(w: float) -> float:
        return float(np.asarray(f(w), dtype=np.float64).reshape(()))

    expected = (value_at(x + h) - value_at(x - h)) / (2 * h)
    value = as_number(slope)
    if value is None:
        return not_a_number("the slope", slope)
    scale = max(abs(expected), 1e-12)
    if close(value, expected, rtol=rtol, atol=1e-9):
        return right(f"the slope at x = {x:g} is {expected:.4g}.", precision=precision_of(slope))
    if close(value, -expected, rtol=rtol, atol=1e-9):
        return wrong(
            f"{value:.4g} has the wrong sign.",
            "Which point comes first in the numerator?",
            diagnosis="sign-flipped",
        )
    if close(value, value_at(x), rtol=rtol, atol=1e-9):
        return wrong(
            f"{value:.4g} is the value f(x), not its slope.",
            "The slope says how fast f changes near x, per unit of x.",
            diagnosis="value-not-slope",
        )
    if 0 < value / scale * np.sign(expected) < 1:
        tiny = np.geomspace(1e-12, 0.1, 400)
        for difference in (
            lambda e: value_at(x + e) - value_at(x),
            lambda e: value_at(x + e) - value_at(x - e),
        ):
            epsilon = _matches_some_epsilon(difference, value, tiny)
            if epsilon is not None:
                return wrong(
                    f"{value:.4g} is how much f changes over a step of about {epsilon:.1g}, "
                    "not the change per unit of x.",
                    "A slope is a difference divided by something: by what?",
                    diagnosis="no-divide-by-epsilon",
                )
    coarse = np.geomspace(1e-4, 0.5, 400)
    for sign in (1.0, -1.0):
        epsilon = _matches_some_epsilon(
            lambda e, s=sign: (value_at(x + s * e) - value_at(x)) / (s * e), value, coarse
        )
        if epsilon is not None:
            return wrong(
                f"{value:.4g} is the secant slope for an ε of about {sign * epsilon:.2g}: "
                "too far from the tangent.",
                "Use a smaller ε.",
                diagnosis="epsilon-too-large",
            )
    return wrong(
        f"{value:.4g} is not the slope at x = {x:g}.",
        "Print f(x) and f(x + ε) for your ε: does the slope between them match your answer?",
    )


# ------------------------------------------------------ one descent step ----

# Exercise 2 starts here; the student's cell cannot change these.
DESCENT_START = (2.0, -1.0)
DESCENT_LEARNING_RATE = 0.2


@answer_checker("the new point (an array like point)")
def check_descent_step(
    new_point, start=DESCENT_START, learning_rate: float = DESCENT_LEARNING_RATE
) -> Feedback:
    """One step of gradient descent on ``bowl`` from ``start``: start − learning_rate · gradient.

    new_point: (2,) the student's answer, float64 or float32 (judged at its precision).
    ``start`` and ``learning_rate`` are the exercise's, fixed here: however the student
    updated the notebook's ``point`` (in place, a copy, twice), the answer is judged by
    its value.
    """
    start = np.array(start, dtype=np.float64)  # (2,) a copy
    if start.shape != (2,):
        raise UsageError(f"start must be a point of bowl, two numbers; got {start.shape}.")
    gradient = landscapes.bowl.gradient(start.copy())  # (2,)
    expected = start - learning_rate * gradient
    answer = as_array(new_point)
    if answer is None:
        return wrong(
            f"expected numbers, got {type(new_point).__name__}.",
            "Give the new point as an array like point.",
            diagnosis="wrong-type",
        )
    if answer.shape != expected.shape:
        return wrong(
            f"your new point has shape {answer.shape}, the point has {start.shape}.",
            "Every coordinate moves: the new point has as many numbers as the old one.",
            diagnosis="wrong-shape",
        )
    if judge_array(new_point, expected) is None:
        return right(
            f"a step against the gradient, from {start.tolist()} to "
            f"{np.round(expected, 4).tolist()}.",
            precision=precision_of(new_point),
        )
    after_one = expected
    mistakes = [
        (
            start + learning_rate * gradient,
            "you stepped along the gradient, which goes uphill.",
            "Which way does a descent step go, with or against the gradient?",
            "sign-flipped",
        ),
        (
            start - gradient,
            "you took a step of the whole gradient.",
            "What does the learning rate do to the step?",
            "no-learning-rate",
        ),
        (
            -learning_rate * gradient,
            "that is the change of the point, not the new point.",
            "Where does the point end up after that change?",
            "change-only",
        ),
        (
            start - gradient / learning_rate,
            "you divided the gradient by the learning rate.",
            "The learning rate scales the gradient down: multiply.",
            "divided-by-learning-rate",
        ),
        (
            gradient,
            "that is the gradient at the start, not the new point.",
            "The gradient says which way is uphill; the step goes from the point.",
            "returned-gradient",
        ),
        (
            learning_rate * gradient,
            "that is the scaled gradient, not the new point.",
            "The step goes from the point: where does it land?",
            "returned-gradient",
        ),
        (
            start,
            "your new point is the start point: it has not moved.",
            "Did the step end up in my_new_point? An update kept in another variable, or "
            "a copy taken before the update, leaves it where it was.",
            "not-moved",
        ),
        (
            after_one - learning_rate * landscapes.bowl.gradient(after_one.copy()),
            "that is where two steps land, not one.",
            "An in-place update run twice moves twice: run the whole answer cell once.",
            "stepped-twice",
        ),
    ]
    for guess, message, hint, diagnosis in mistakes:
        if judge_array(new_point, guess) is None:
            return wrong(message, hint, diagnosis=diagnosis)
    return wrong(
        "that is not where one step of gradient descent lands.",
        "Start from the point and move against its gradient, scaled by the learning rate.",
    )


# ------------------------------------------------------- implement it ----

# The package's implementations this exercise rebuilds (helpers.exercises.rebuilt).
NUMERICAL_GRADIENT_FORBID = ("numerical_gradient", "numerical_partial")


def _gradient_cases(seed: int) -> list[tuple]:
    """(f, w, epsilon) with a fresh smooth f whose gradient has no entry near 0.

    f(w) = Σ c·exp(w) + (Σ w)² / (2·size), c in [1, 2] and w in [0.1, 1]: every partial
    derivative c·exp(w) + mean(w) is above 1, so a relative error reads cleanly; the
    asymmetric c makes every element's partial different. The largest epsilon tells a
    function that ignores its epsilon from one that uses it.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for shape, epsilon in [((5,), 1e-5), ((2, 3), 1e-2), ((3, 2, 2), 1e-4)]:
        c = rng.uniform(1.0, 2.0, size=shape)

        def f(w, c=c):
            return float(np.sum(c * np.exp(w)) + np.sum(w) ** 2 / (2 * w.size))

        cases.append((f, rng.uniform(0.1, 1.0, size=shape), epsilon))
    return cases


def _reference_gradient(f, w, epsilon=1e-5):
    """The package's central difference, helpers.gradients.numerical_gradient."""
    return gradients.numerical_gradient(f, w, h=epsilon, method="central")


def _forward_difference(f, w, epsilon=1e-5):
    return gradients.numerical_gradient(f, w, h=epsilon, method="forward")


def _first_element_only(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    grad.flat[0] = gradients.numerical_partial(f, w, 0, h=epsilon)
    return grad


def _not_divided(f, w, epsilon=1e-5):
    """f(w + ε) − f(w − ε) for each element: the central difference times 2ε."""
    return 2 * epsilon * _reference_gradient(f, w, epsilon)


def _halved_only(f, w, epsilon=1e-5):
    """(f(w + ε) − f(w − ε)) / 2: the central difference times ε."""
    return epsilon * _reference_gradient(f, w, epsilon)


def _forward_not_divided(f, w, epsilon=1e-5):
    return epsilon * _forward_difference(f, w, epsilon)


def _whole_rows(f, w, epsilon=1e-5):
    """for i in range(len(w)) nudges a whole row at once when w has 2 or more axes."""
    grad = np.zeros(w.shape)
    for i in range(len(w)):
        old = w[i].copy()
        w[i] = old + epsilon
        plus = f(w)
        w[i] = old - epsilon
        minus = f(w)
        w[i] = old
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def _not_restored(f, w, epsilon=1e-5):
    """Each element left at w[i] − ε after its two nudges."""
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + epsilon
        plus = f(w)
        w[i] = old - epsilon
        minus = f(w)
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def _left_at_plus(f, w, epsilon=1e-5):
    """Each element left at w[i] + ε: the minus side computed first."""
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old - epsilon
        minus = f(w)
        w[i] = old + epsilon
        plus = f(w)
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def _moved(w_before: np.ndarray, w_after: np.ndarray, epsilon: float) -> bool:
    """Whether w was not put back: an element is off by more than a thousandth of a nudge.

    ``w[i] += ε; …; w[i] -= 2ε; …; w[i] += ε`` puts w back up to rounding (an ulp of w,
    about 1e-16 here); a forgotten restore leaves it a whole ε (1e-5 or more) away.
    """
    if w_after.shape != w_before.shape:
        return True
    return bool(np.any(np.abs(w_after - w_before) > 1e-3 * epsilon))


@checker
def check_numerical_gradient(numerical_gradient, seed: int = 0) -> Feedback:
    """Your ``numerical_gradient(f, w, epsilon)`` against helpers.gradients.numerical_gradient.

    It is called on fresh smooth functions f of float64 arrays w: (P,) of shapes (5,),
    (2, 3) and (3, 2, 2), and must return the central difference (f(w + ε) − f(w − ε)) /
    (2ε) for every element of w, in the shape of w (float64, or float32 judged at float32
    precision), and leave w as it was (to within rounding). It may not call the
    package's numerical_gradient or numerical_partial.
    """
    cases = _gradient_cases(seed)
    verdict = check_implementation(
        numerical_gradient,
        name="numerical_gradient",
        cases=cases,
        reference=_reference_gradient,
        outputs=("the gradient",),
        forbid=NUMERICAL_GRADIENT_FORBID,
        mistakes=[
            Mistake(
                _not_restored,
                "a nudged element of w was not put back, so the next partial derivatives "
                "were taken at a moved point.",
                "What is w[i] after your second call of f?",
                "not-restored",
            ),
            Mistake(
                _left_at_plus,
                "a nudged element of w was not put back, so the next partial derivatives "
                "were taken at a moved point.",
                "What is w[i] after your second call of f?",
                "not-restored",
            ),
            Mistake(
                _forward_difference,
                "your numbers are the forward difference (f(w + ε) − f(w)) / ε.",
                "This exercise asks for the central difference: one nudge each way.",
                "forward-difference",
            ),
            Mistake(
                _first_element_only,
                "only the first entry of your gradient is filled in.",
                "Does your loop visit every element of w?",
                "first-element-only",
            ),
            Mistake(
                lambda f, w, epsilon: 2 * _reference_gradient(f, w, epsilon),
                "your gradient is twice the right one: w + ε and w − ε are 2ε apart.",
                "Look at what you divide the difference by.",
                "divided-by-epsilon-only",
            ),
            Mistake(
                _not_divided,
                "your numbers are differences of f, not rates of change: they shrink with ε.",
                "A rate of change is a difference divided by something: by what?",
                "no-divide-by-epsilon",
            ),
            Mistake(
                _halved_only,
                "your numbers are differences of f, not rates of change: they shrink with ε.",
                "A rate of change is a difference divided by something: by what?",
                "no-divide-by-epsilon",
            ),
            Mistake(
                _forward_not_divided,
                "your numbers are differences of f, not rates of change: they shrink with ε.",
                "A rate of change is a difference divided by something: by what?",
                "no-divide-by-epsilon",
            ),
            Mistake(
                lambda f, w, epsilon: _reference_gradient(f, w),
                "your function used ε = 1e-5 whatever epsilon it was given.",
                "Nudge by the argument epsilon, not by a number written into the function.",
                "ignored-epsilon",
            ),
            Mistake(
                _whole_rows,
                "for a w with several axes you nudged a whole row at once.",
                "w[i] with one number i is a row when w has two axes: which elements does "
                "np.ndindex(w.shape) give?",
                "nudged-whole-rows",
            ),
            Mistake(
                lambda f, w, epsilon: np.zeros(w.shape),
                "your gradient is all zeros: f gave the same value at both nudges.",
                "Does w_plus = w make a copy of w?",
                "aliased-copy",
            ),
        ],
        hint="Print your gradient and the package's for a small w side by side.",
    )
    if not verdict.answered or verdict.diagnosis in _REFUSALS:
        return verdict
    # Right or wrong, the caller's w must come back as it was (to within rounding).
    f, w, epsilon = cases[1]
    w_before, w_passed = w.copy(), w.copy()
    result, refused = guarded(
        numerical_gradient,
        f,
        w_passed,
        epsilon,
        name="numerical_gradient",
        forbid=NUMERICAL_GRADIENT_FORBID,
    )
    if refused is None and not is_blank(result) and _moved(w_before, w_passed, epsilon):
        return wrong(
            "numerical_gradient left w changed: the caller's parameters moved.",
            "What is w[i] after your second call of f?",
            diagnosis="not-restored",
        )
    return verdict


# Verdicts of the core that say the function could not be judged: nothing to add.
_REFUSALS = frozenset(
    {"blank", "timeout", "out-of-memory", "raised", "wrong-type", "package-shortcut", "tampered"}
)
