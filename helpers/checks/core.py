"""The core every checker shares: one kind of answer (:class:`Feedback`), one way to say
"not answered yet", one relative error and its thresholds, and one way to check a function
a student wrote against the package's own implementation.

A checker never raises on what a student typed: a blank answer (``...`` or ``None``, what
the student edition's stubs leave behind) gets "Not answered yet", a wrong one "Not yet"
with a hint, a function that raises gets the error in one line. Only a call the *notebook*
got wrong (a misspelt option, a setup argument of the wrong kind) raises
:class:`UsageError`, with a message that says how to call the checker.

Shapes: N examples in a batch, D inputs of a layer, M outputs of a layer.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..gradients import rel_error

__all__ = [
    "Feedback",
    "UsageError",
    "RIGHT",
    "is_blank",
    "rel_error",
]

# rel_error (from helpers.gradients) is CS231n's max |a − b| / max(1e-8, |a| + |b|).
# CS231n's scale for a relative error between two results: below 1e-7 the two agree
# (float64, the same formula); above 1e-2 one of them is wrong. Checkers compare in
# float64, so RIGHT is the bar for "you wrote the same function".
RIGHT = 1e-7


class UsageError(TypeError, ValueError):
    """A checker was called the wrong way by the notebook (not the student's answer)."""


@dataclass(frozen=True)
class Feedback:
    """The answer of a checker: right or not, what to say, and a hint when not right.

    ``passed`` is True for a right answer. ``answered`` is False while the answer is still
    the blank the student edition starts with. A notebook cell that ends with a Feedback
    shows it as one line (two with a hint); ``print`` works too; ``bool(result)`` is
    ``result.passed``. The words come first, so the line reads the same where no emoji
    font is installed.
    """

    passed: bool
    message: str
    hint: str = ""
    answered: bool = True

    @property
    def label(self) -> str:
        if self.passed:
            return "Right"
        return "Not yet" if self.answered else "Not answered yet"

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        text = f"{self.label}: {self.message}"
        return f"{text}\n   Hint: {self.hint}" if self.hint else text

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        mark = {"Right": "✓", "Not yet": "✗", "Not answered yet": "…"}[self.label]
        text = f"**{self.label}** {mark} {self.message}"
        return f"{text}<br>**Hint:** {self.hint}" if self.hint else text


def right(message: str) -> Feedback:
    return Feedback(True, message)


def wrong(message: str, hint: str = "") -> Feedback:
    return Feedback(False, message, hint)


def not_answered(what: str, hint: str = "") -> Feedback:
    """Feedback for a blank answer: ``what`` names what the student has to fill in."""
    return Feedback(False, f"fill in {what}, then run this cell again.", hint, answered=False)


def is_blank(answer) -> bool:
    """True for what an unanswered exercise holds: ``...`` (the stub) or ``None``."""
    return answer is Ellipsis or answer is None


def answer_checker(what: str, hint: str = "") -> Callable:
    """Decorate a checker whose first argument is the student's answer.

    A blank first argument gets :func:`not_answered` (naming ``what``) before the checker
    runs; an exception from inside the checker other than :class:`UsageError` becomes a
    "Not yet" that quotes it, so no answer a student types makes a check cell fail.
    """

    def decorate(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
        @functools.wraps(check)
        def wrapper(answer, *args, **kwargs) -> Feedback:
            if is_blank(answer):
                return not_answered(what, hint)
            try:
                return check(answer, *args, **kwargs)
            except UsageError:
                raise
            except Exception as error:  # noqa: BLE001 - a student's answer never crashes a check
                return wrong(
                    f"this answer could not be checked ({type(error).__name__}: {error}).",
                    f"Give {what} in the form the exercise asks for.",
                )

        return wrapper

    return decorate


# ------------------------------------------------------------ numbers ----


def as_number(answer) -> float | None:
    """The answer as a float, or None if it is not one number."""
    if isinstance(answer, (bool, str, bytes)):
        return None
    try:
        value = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if value.size != 1:
        return None
    return float(value.reshape(()))


def as_array(answer) -> np.ndarray | None:
    """The answer as a float64 array, or None if it is not numbers."""
    if isinstance(answer, (str, bytes)) or is_blank(answer):
        return None
    try:
        return np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def as_shape(answer) -> tuple[int, ...] | None:
    """The answer as a tuple of whole numbers, or None if it is not a shape."""
    try:
        shape = tuple(answer)
    except TypeError:
        return None
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape):
        return None
    return tuple(int(n) for n in shape)


def close(answer: float, expected: float, rtol: float = 1e-2, atol: float = 0.0) -> bool:
    """|answer - expected| <= atol + rtol * |expected| (and both finite)."""
    if not (math.isfinite(answer) and math.isfinite(expected)):
        return False
    return abs(answer - expected) <= atol + rtol * abs(expected)


def not_a_number(what: str, answer) -> Feedback:
    return wrong(
        f"expected one number for {what}, got {answer!r}.",
        "Give a single number such as 0.5 (not a list or a string).",
    )


# ------------------------------------------------------- implement-it ----


@dataclass(frozen=True)
class Mistake:
    """A typical wrong implementation: what it computes, what to say, and the hint.

    ``compute`` takes the same arguments as the function under test and returns what the
    mistaken version would; it is compared with the student's output like the reference.
    """

    compute: Callable
    message: str
    hint: str


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(item) for item in value)
    return value


def _outputs(result, count: int) -> list[np.ndarray] | None:
    """The function's result as ``count`` float64 arrays, or None if it is not that."""
    if count == 1:
        array = as_array(result)
        return None if array is None else [array]
    if not isinstance(result, (tuple, list)) or len(result) != count:
        return None
    arrays = [as_array(item) for item in result]
    return None if any(a is None for a in arrays) else arrays


def _worst(outputs, expected) -> tuple[float, int]:
    """The largest relative error over the outputs, and which output has it."""
    errors = []
    for got, want in zip(outputs, expected, strict=True):
        error = np.inf if got.shape != want.shape or got.size == 0 else rel_error(got, want)
        errors.append(error if math.isfinite(error) else np.inf)
    k = int(np.argmax(errors))
    return errors[k], k


def _named_mistake(got, args, mistakes, count: int, tolerance: float) -> Feedback | None:
    """The first typical mistake whose outputs match the student's (shapes included)."""
    for mistake in mistakes:
        guess = _outputs(mistake.compute(*_copy(args)), count)
        if guess is not None and _worst(got, guess)[0] <= tolerance:
            return wrong(mistake.message, mistake.hint)
    return None


def check_implementation(
    function,
    *,
    name: str,
    cases: Sequence[tuple],
    reference: Callable,
    outputs: Sequence[str] = ("the result",),
    mistakes: Sequence[Mistake] = (),
    tolerance: float = RIGHT,
    hint: str = "",
) -> Feedback:
    """Call the student's ``function`` on each case and compare with ``reference``.

    cases: argument tuples (fresh random inputs made by the checker); each call gets its
    own copy, so a function that changes its inputs in place cannot change the reference.
    outputs: names of what the function returns (one name: it returns one array; several:
    a tuple in that order). The answer is right when every output of every case is within
    ``tolerance`` relative error of the reference (a blank answer gets "Not answered
    yet" without the hint: the hint is for an attempt); otherwise the first matching
    ``Mistake`` names the error, or the message says which output is off and by how much.
    """
    if is_blank(function):
        return not_answered(f"the function {name}")
    if not callable(function):
        return wrong(
            f"{name} should be a function, got {type(function).__name__}.",
            f"Define it with def {name}(…): and return the result.",
        )
    count = len(outputs)
    largest = 0.0
    for case_number, args in enumerate(cases, start=1):
        try:
            result = function(*_copy(args))
        except Exception as error:  # noqa: BLE001 - the student's code may raise anything
            return wrong(
                f"{name} raised {type(error).__name__}: {error}",
                hint or "Run it on a small input and print the shapes of what you compute.",
            )
        if is_blank(result) and case_number == 1:
            return not_answered(f"the body of {name} (it returns nothing yet)")
        got = _outputs(result, count)
        expected = _outputs(reference(*_copy(args)), count)
        if got is None:
            form = "one array" if count == 1 else f"a tuple ({', '.join(outputs)})"
            return wrong(
                f"{name} returned {type(result).__name__}, expected {form}.",
                "Return the numbers: " + (outputs[0] if count == 1 else ", ".join(outputs)) + ".",
            )
        for out, got_k, want_k in zip(outputs, got, expected, strict=True):
            if got_k.shape != want_k.shape:
                named = _named_mistake(got, args, mistakes, count, tolerance)
                if named is not None:
                    return named
                return wrong(
                    f"{out} has shape {got_k.shape}, expected {want_k.shape}.",
                    hint or "Check which axis you sum or average over.",
                )
        error, k = _worst(got, expected)
        if error <= tolerance:
            largest = max(largest, error)
            continue
        named = _named_mistake(got, args, mistakes, count, tolerance)
        if named is not None:
            return named
        return wrong(
            f"{outputs[k]} differs from the reference by a relative error of {error:.1e} "
            f"(right is below {tolerance:.0e}).",
            hint or f"Compare your {name} with the formula in the text, line by line.",
        )
    return right(
        f"{name} agrees with the reference on {len(cases)} random inputs "
        f"(largest relative error {largest:.1e})."
    )
