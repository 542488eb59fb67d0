"""The core every checker shares: one kind of answer (:class:`Feedback`) with a stable
diagnosis, one way to say "not answered yet", one precision policy, one guard around the
student's code, and one way to check a function a student wrote against the package's own.

A checker never raises on what a student typed: a blank answer (``...`` or ``None``, what
the student edition's stubs leave behind) gets "Not answered yet", a wrong one "Not yet"
with a hint and a diagnosis (a stable mistake id such as ``"no-bias"``), a function that
raises, runs too long or allocates too much gets that in one line, and the kernel lives
on. Only a call the *notebook* got wrong (a misspelt option, a setup argument of the
wrong kind) raises :class:`UsageError`, with a message that says how to call the checker.

The hidden test of every exercise is :func:`confirm` on the checker's result, so the
visible verdict and the grade are the same verdict; it also fails when a checker, a
reference implementation or a numpy function was replaced in the kernel.

Shapes: N examples in a batch, D inputs of a layer, M outputs of a layer.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import signal
import sys
import threading
import types
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..exercises import PackageShortcut, forbidden, where
from ..gradients import rel_error

__all__ = [
    "CORE_DIAGNOSES",
    "FEEDBACK_MIME",
    "MEMORY_HEADROOM",
    "RIGHT",
    "RIGHT_FLOAT32",
    "TIME_LIMIT",
    "Feedback",
    "UsageError",
    "answer_error",
    "confirm",
    "guarded",
    "is_blank",
    "rel_error",
]

# rel_error (from helpers.gradients) is CS231n's max |a − b| / max(1e-8, |a| + |b|).
# CS231n's scale for a relative error between two results: below 1e-7 the two agree
# (float64, the same formula); above 1e-2 one of them is wrong. Checkers compare in
# float64, so RIGHT is the bar for "you wrote the same function" when the student's
# answer is float64. An answer in float32 carries about 7 significant digits, and a sum
# of a few hundred float32 products drifts to a relative error of about 1e-6, so a
# float32 answer is right below RIGHT_FLOAT32 (and the verdict says "float32 precision").
RIGHT = 1e-7
RIGHT_FLOAT32 = 1e-5

# How long one call of a student's function may take (wall clock, seconds), and how much
# more address space it may take than the kernel already has (bytes). Checkers call
# student code on small inputs: a right answer needs milliseconds and a few MiB.
TIME_LIMIT = 5.0
MEMORY_HEADROOM = 1 << 30

# The mime type of a verdict in a notebook's outputs: what `make grade` reads.
FEEDBACK_MIME = "application/vnd.engine-of-neural-networks.feedback+json"

# The diagnoses the core itself gives (a lesson module lists its own in DIAGNOSES).
CORE_DIAGNOSES = {
    "blank": "The exercise was left blank.",
    "timeout": "The function did not return within the time limit: usually an endless loop "
    "(a while whose condition never changes, or an index that is never advanced).",
    "out-of-memory": "The function asked for far more memory than the inputs need: usually an "
    "array of the wrong shape, such as an outer product where a sum was meant.",
    "raised": "The function raised an error on the checker's inputs: often a shape mismatch.",
    "wrong-type": "The answer was not of the kind the exercise asks for (a number, a tuple, "
    "a function, or a tuple of arrays).",
    "wrong-shape": "The result had the wrong shape, and no usual mistake explains it.",
    "package-shortcut": "The answer called the package's own implementation of what the "
    "exercise asks the student to write.",
    "tampered": "A checker, a reference implementation or a numpy function was replaced in the "
    "kernel, so the check could not be trusted.",
    "other": "Wrong in a way the checker has no name for: worth reading the answer.",
}


class UsageError(TypeError, ValueError):
    """A checker was called the wrong way by the notebook (not the student's answer)."""


# The last verdicts the course's checkers made, so that confirm() can tell them from a
# Feedback a student built by hand.
_ISSUED: deque = deque(maxlen=512)


@dataclass(frozen=True, eq=False)
class Feedback:
    """The answer of a checker: right or not, what to say, a hint, and the diagnosis.

    ``passed`` is True for a right answer. ``answered`` is False while the answer is still
    the blank the student edition starts with. ``diagnosis`` is a stable id of the mistake
    ("" when right, "blank" when not answered, e.g. "no-bias" when the bias was left out):
    the grade report counts them. ``precision`` is "float32" when a float32 answer was
    judged at float32 precision. A notebook cell that ends with a Feedback shows it as one
    line (two with a hint); ``print`` works too; ``bool(result)`` is ``result.passed``.
    The words come first, so the line reads the same where no emoji font is installed.
    """

    passed: bool
    message: str
    hint: str = ""
    answered: bool = True
    diagnosis: str = ""
    precision: str = ""

    @property
    def label(self) -> str:
        if self.passed:
            return "Right"
        return "Not yet" if self.answered else "Not answered yet"

    @property
    def sentence(self) -> str:
        """The verdict in one line, without the hint."""
        return f"{self.label}: {self.message}"

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{self.sentence}\n   Hint: {self.hint}" if self.hint else self.sentence

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        mark = {"Right": "✓", "Not yet": "✗", "Not answered yet": "…"}[self.label]
        text = f"**{self.label}** {mark} {self.message}"
        return f"{text}<br>**Hint:** {self.hint}" if self.hint else text

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        record = {k: v for k, v in asdict(self).items() if k != "hint"}
        return {
            "text/plain": str(self),
            "text/markdown": self._repr_markdown_(),
            FEEDBACK_MIME: record,
        }


def _issue(feedback: Feedback) -> Feedback:
    _ISSUED.append(feedback)
    return feedback


def right(message: str, *, precision: str = "") -> Feedback:
    if precision == "float32":
        message = f"{message.rstrip('.')}, right in float32 precision."
    return _issue(Feedback(True, message, precision=precision))


def wrong(message: str, hint: str = "", *, diagnosis: str = "other") -> Feedback:
    return _issue(Feedback(False, message, hint, diagnosis=diagnosis or "other"))


def not_answered(what: str, hint: str = "") -> Feedback:
    """Feedback for a blank answer: ``what`` names what the student has to fill in."""
    return _issue(
        Feedback(
            False, f"fill in {what}, then run this cell again.", hint, False, diagnosis="blank"
        )
    )


def is_blank(answer) -> bool:
    """True for what an unanswered exercise holds: ``...`` (the stub) or ``None``."""
    return answer is Ellipsis or answer is None


# ------------------------------------------------------------ tampering ----
# What the checks rely on, as it was when helpers.checks was imported: every public
# function of numpy (and numpy.linalg, numpy.random), every function and method of the
# engine's modules, and every checker. seal() takes the picture; tampering() compares.

_ORIGINALS: dict[str, tuple[object, str, object]] = {}
_CHECKERS: dict[str, object] = {}
# Each class's own callable names: a new one (SGD.step = …, shadowing Optimizer.step) is
# as much a replacement as a changed one.
_CLASS_NAMES: dict[str, tuple[type, frozenset[str]]] = {}


def _public_callables(owner) -> Iterator[tuple[str, object]]:
    for name, value in vars(owner).items():
        if not name.startswith("__") and (callable(value) or isinstance(value, property)):
            yield name, value


def seal(checkers: dict[str, object], modules: Sequence[types.ModuleType]) -> None:
    """Remember the checkers and what they rely on (helpers.checks calls this once)."""
    _CHECKERS.clear()
    _CHECKERS.update(checkers)
    _ORIGINALS.clear()
    _CLASS_NAMES.clear()
    for module in (np, np.linalg, np.random, *modules):
        for name, value in _public_callables(module):
            if isinstance(value, types.ModuleType):
                continue
            _ORIGINALS[f"{module.__name__}.{name}"] = (module, name, value)
            if isinstance(value, type) and value.__module__ == module.__name__:
                own = dict(_public_callables(value))
                for attr, member in own.items():
                    _ORIGINALS[f"{module.__name__}.{name}.{attr}"] = (value, attr, member)
                _CLASS_NAMES[f"{module.__name__}.{name}"] = (value, frozenset(own))


def tampering(namespace: dict | None = None) -> list[str]:
    """What was replaced since seal(): numpy's, the engine's or a checker's functions.

    ``namespace`` (a notebook's globals) is searched for checker names bound to something
    other than the course's checker.
    """
    changed = [
        label
        for label, (owner, name, value) in _ORIGINALS.items()
        if vars(owner).get(name, value) is not value
    ]
    for label, (cls, names) in _CLASS_NAMES.items():
        added = {name for name, _ in _public_callables(cls)} - names
        changed.extend(f"{label}.{name}" for name in sorted(added))
    for name, checker in _CHECKERS.items():
        if namespace is not None and name in namespace and namespace[name] is not checker:
            changed.append(name)
    return changed


def _caller_namespace() -> dict | None:
    """The globals of the code that called into helpers.checks (a notebook, a test): the
    first frame outside this package, where a replaced ``check_…`` name would be."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("helpers.checks"):
        frame = frame.f_back
    return None if frame is None else frame.f_globals


def _tampered_now(namespace: dict | None) -> Feedback | None:
    """A "tampered" verdict if anything the checks rely on was replaced, else None."""
    changed = tampering(namespace)
    return _tampered(changed) if changed else None


def _tampered(changed: list[str]) -> Feedback:
    names = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
    return wrong(
        f"the check was changed: {names} is not the course's own, so this answer cannot be judged.",
        "Restart the kernel (Kernel → Restart Kernel and Run All Cells) and leave the checks "
        "and numpy as they are.",
        diagnosis="tampered",
    )


def confirm(result) -> None:
    """The hidden test of every exercise: pass exactly when the visible check said Right.

    Raises AssertionError with one sentence when ``result`` is not a verdict of the
    course's checkers, when a checker (also a ``check_…`` name in the calling notebook),
    a reference implementation or a numpy function was replaced, or when the verdict is
    not Right.
    """
    refused = _tampered_now(_caller_namespace())
    if refused is not None:
        raise AssertionError(refused.sentence)
    if not isinstance(result, Feedback) or not any(result is issued for issued in _ISSUED):
        raise AssertionError(
            "Not yet: this result was not made by the course's checker; run the check cell "
            "as it is, after your answer."
        )
    if not result.passed:
        raise AssertionError(result.sentence)


# --------------------------------------------------- the student's code ----


class _TimeUp(BaseException):  # noqa: N818 - BaseException: `except Exception` cannot eat it
    """Raised into the student's code when its time is up."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (again every 0.1 s until it stops).

    Only in the main thread of a POSIX process (where Jupyter runs a cell); elsewhere
    the block runs without a limit.
    """
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def time_up(signum, frame):
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, time_up)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)


def _address_space() -> int | None:
    """This process's address space in bytes (Linux), or None."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _cgroup_room() -> int | None:
    """Bytes this process's memory cgroup still allows, or None if it sets no limit."""
    pairs = (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    )
    for limit_file, usage_file in pairs:
        try:
            with open(limit_file) as f:
                limit = f.read().strip()
            with open(usage_file) as f:
                usage = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or int(limit) >= 1 << 60:
            return None
        return max(0, int(limit) - usage)
    return None


@contextlib.contextmanager
def _memory_limit(headroom: int) -> Iterator[None]:
    """Let the block grow the address space by at most ``headroom`` bytes (Linux).

    A larger allocation raises MemoryError inside the block instead of waking the
    out-of-memory killer, which would take the whole kernel. Inside a memory cgroup the
    headroom is also kept below what the cgroup still allows.
    """
    try:
        import resource
    except ImportError:  # Windows: no limit
        yield
        return
    size = _address_space()
    if size is None:
        yield
        return
    room = _cgroup_room()
    if room is not None:
        headroom = max(64 << 20, min(headroom, room - (64 << 20)))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size + headroom
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY and soft <= limit:
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def guarded(
    call: Callable,
    *args,
    name: str,
    time_limit: float | None = None,
    forbid: Sequence[str] = (),
) -> tuple[object, Feedback | None]:
    """Run the student's ``call(*args)`` under the checks' guards.

    Returns ``(result, None)``, or ``(None, feedback)`` when the call ran past
    ``time_limit`` seconds (default :data:`TIME_LIMIT`; "timeout"), asked for more than
    :data:`MEMORY_HEADROOM` of new memory ("out-of-memory"), called a package
    implementation named in ``forbid`` ("package-shortcut", see helpers.exercises) or
    raised ("raised"). The kernel survives all of these. ``name`` is how the message
    calls the student's function.
    """
    seconds = TIME_LIMIT if time_limit is None else time_limit
    try:
        with _time_limit(seconds), _memory_limit(MEMORY_HEADROOM), forbidden(*forbid) as calls:
            result = call(*args)
    except _TimeUp:
        return None, wrong(
            f"{name} did not return within {seconds:g} s (an endless loop?).",
            "Check that every loop ends: a while loop needs a condition that becomes false.",
            diagnosis="timeout",
        )
    except MemoryError:
        return None, wrong(
            f"{name} asked for more memory than a check allows "
            f"({MEMORY_HEADROOM / 2**30:g} GiB more than the kernel has).",
            "Print the shapes of the arrays you make: one of them is far larger than the inputs.",
            diagnosis="out-of-memory",
        )
    except PackageShortcut as shortcut:
        return None, _shortcut(shortcut.name)
    except Exception as error:  # noqa: BLE001 - the student's code may raise anything
        return None, wrong(
            f"{name} raised {type(error).__name__}: {error}",
            "Run it on a small input and print the shapes of what you compute.",
            diagnosis="raised",
        )
    if calls:  # it called a forbidden implementation and swallowed the refusal
        return None, _shortcut(calls[0])
    return result, None


def _shortcut(name: str) -> Feedback:
    return wrong(
        f"this exercise asks you to write {name} yourself; {where(name)} is what you are "
        "rebuilding.",
        "Write it from the formula in the text with numpy operations.",
        diagnosis="package-shortcut",
    )


def checker(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """Decorate a checker: it refuses to judge in a tampered kernel and never raises.

    It looks for replaced functions (numpy's, the engine's, a checker, also a ``check_…``
    name in the calling notebook) before judging and again after, since the student's
    code it ran may have replaced one: so its verdict is the one :func:`confirm` gives.
    An exception from inside the checker other than :class:`UsageError` becomes a
    "Not yet" that quotes it ("wrong-type"), so no answer a student types makes a check
    cell fail.
    """

    @functools.wraps(check)
    def wrapper(*args, **kwargs) -> Feedback:
        namespace = _caller_namespace()
        refused = _tampered_now(namespace)
        if refused is not None:
            return refused
        try:
            result = check(*args, **kwargs)
        except UsageError:
            raise
        except Exception as error:  # noqa: BLE001 - a student's answer never crashes a check
            result = wrong(
                f"this answer could not be checked ({type(error).__name__}: {error}).",
                "Give the answer in the form the exercise asks for.",
                diagnosis="wrong-type",
            )
        refused = _tampered_now(namespace)
        return result if refused is None else refused

    return wrapper


def answer_checker(what: str, hint: str = "") -> Callable:
    """Decorate a checker whose first argument is the student's answer.

    A blank first argument gets :func:`not_answered` (naming ``what``) before the checker
    runs; otherwise as :func:`checker`.
    """

    def decorate(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
        guarded_check = checker(check)

        @functools.wraps(check)
        def wrapper(answer, *args, **kwargs) -> Feedback:
            if is_blank(answer):
                return not_answered(what, hint)
            return guarded_check(answer, *args, **kwargs)

        return wrapper

    return decorate


# ------------------------------------------------------------ precision ----


def precision_of(*values) -> str:
    """ "float32" when any of the values holds float32 (or float16) numbers, else ""."""
    for value in values:
        if isinstance(value, (tuple, list)):
            if precision_of(*value):
                return "float32"
            continue
        dtype = getattr(value, "dtype", None)
        if (
            dtype is not None
            and dtype.kind in "fc"
            and dtype.itemsize <= (4 if dtype.kind == "f" else 8)
        ):
            return "float32"
    return ""


def tolerance_for(*values) -> float:
    """The relative error below which the answer ``values`` is right (RIGHT or RIGHT_FLOAT32)."""
    return RIGHT_FLOAT32 if precision_of(*values) else RIGHT


def answer_error(got: np.ndarray, want: np.ndarray, precision: str = "") -> float:
    """How far ``got`` is from ``want``: CS231n's element-wise relative error in float64;
    for a float32 answer, the largest difference relative to the largest expected value
    (float32 rounding of a sum that nearly cancels makes a small element's own relative
    error large, though the answer is as right as float32 can be)."""
    if got.shape != want.shape:
        return math.inf
    if got.size == 0:
        return 0.0
    if precision == "float32":
        error = float(np.max(np.abs(got - want)) / max(1e-8, float(np.max(np.abs(want)))))
    else:
        error = rel_error(got, want)
    return error if math.isfinite(error) else math.inf


def judge_array(answer, expected) -> float | None:
    """None when ``answer`` equals ``expected`` to the answer's own precision, else the
    relative error (inf for a wrong shape or something that is not numbers)."""
    got = as_array(answer)
    if got is None:
        return math.inf
    precision = precision_of(answer)
    error = answer_error(got, np.asarray(expected, dtype=np.float64), precision)
    return None if error <= tolerance_for(answer) else error


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
        diagnosis="wrong-type",
    )


# ------------------------------------------------------- implement-it ----


@dataclass(frozen=True)
class Mistake:
    """A typical wrong implementation: what it computes, what to say, the hint, its id.

    ``compute`` takes the same arguments as the function under test and returns what the
    mistaken version would; it is compared with the student's output like the reference.
    ``diagnosis`` is the mistake's stable id (listed in the lesson module's DIAGNOSES).
    """

    compute: Callable
    message: str
    hint: str
    diagnosis: str = "other"


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


def _worst(outputs, expected, precision: str = "") -> tuple[float, int]:
    """The largest error (:func:`answer_error`) over the outputs, and which output has it."""
    errors = [
        answer_error(got, want, precision) for got, want in zip(outputs, expected, strict=True)
    ]
    k = int(np.argmax(errors))
    return errors[k], k


def _named_mistake(got, args, mistakes, count: int, precision: str) -> Feedback | None:
    """The first typical mistake whose outputs match the student's (shapes included)."""
    tolerance = RIGHT_FLOAT32 if precision else RIGHT
    for mistake in mistakes:
        guess = _outputs(mistake.compute(*_copy(args)), count)
        if guess is not None and _worst(got, guess, precision)[0] <= tolerance:
            return wrong(mistake.message, mistake.hint, diagnosis=mistake.diagnosis)
    return None


def check_implementation(
    function,
    *,
    name: str,
    cases: Sequence[tuple],
    reference: Callable,
    outputs: Sequence[str] = ("the result",),
    mistakes: Sequence[Mistake] = (),
    hint: str = "",
    forbid: Sequence[str] = (),
    time_limit: float | None = None,
    wrong_count: Callable[[object], Feedback | None] | None = None,
) -> Feedback:
    """Call the student's ``function`` on each case and compare with ``reference``.

    cases: argument tuples (fresh random inputs made by the checker); each call gets its
    own copy, so a function that changes its inputs in place cannot change the reference.
    outputs: names of what the function returns (one name: it returns one array; several:
    a tuple in that order). Each call runs under :func:`guarded` (``time_limit``, memory,
    and ``forbid``: the package implementations it may not call). The answer is right
    when every output of every case is within the answer's tolerance of the reference
    (RIGHT, or RIGHT_FLOAT32 when it returns float32); otherwise the first matching
    ``Mistake`` names the error, or the message says which output is off and by how
    much. ``wrong_count``, given a result that is not a tuple of ``len(outputs)`` arrays,
    may return a Feedback that names the mistake (e.g. a missing bias gradient).
    """
    if is_blank(function):
        return not_answered(f"the function {name}")
    namespace = _caller_namespace()
    refused = _tampered_now(namespace)
    if refused is not None:
        return refused
    if not callable(function):
        return wrong(
            f"{name} should be a function, got {type(function).__name__}.",
            f"Define it with def {name}(…): and return the result.",
            diagnosis="wrong-type",
        )
    count = len(outputs)
    largest = 0.0
    precision = ""
    for case_number, args in enumerate(cases, start=1):
        result, refused = guarded(
            function, *_copy(args), name=name, time_limit=time_limit, forbid=forbid
        )
        if refused is not None:
            return refused
        if is_blank(result) and case_number == 1:
            return not_answered(f"the body of {name} (it returns nothing yet)")
        got = _outputs(result, count)
        expected = _outputs(reference(*_copy(args)), count)
        if got is None:
            named = wrong_count(result) if wrong_count is not None else None
            if named is not None:
                return named
            form = "one array" if count == 1 else f"a tuple ({', '.join(outputs)})"
            return wrong(
                f"{name} returned {type(result).__name__}, expected {form}.",
                "Return the numbers: " + (outputs[0] if count == 1 else ", ".join(outputs)) + ".",
                diagnosis="wrong-type",
            )
        this_precision = precision_of(result)
        precision = precision or this_precision
        tolerance = tolerance_for(result)
        for out, got_k, want_k in zip(outputs, got, expected, strict=True):
            if got_k.shape != want_k.shape:
                named = _named_mistake(got, args, mistakes, count, this_precision)
                if named is not None:
                    return named
                return wrong(
                    f"{out} has shape {got_k.shape}, expected {want_k.shape}.",
                    hint or "Check which axis you sum or average over.",
                    diagnosis="wrong-shape",
                )
        error, k = _worst(got, expected, this_precision)
        if error <= tolerance:
            largest = max(largest, error)
            continue
        named = _named_mistake(got, args, mistakes, count, this_precision)
        if named is not None:
            return named
        return wrong(
            f"{outputs[k]} differs from the reference by a relative error of {error:.1e} "
            f"(right is below {tolerance:.0e}{' for float32' if this_precision else ''}).",
            hint or f"Compare your {name} with the text, one line at a time.",
        )
    refused = _tampered_now(namespace)  # the student's code may have replaced something
    if refused is not None:
        return refused
    return right(
        f"{name} agrees with the reference on {len(cases)} random inputs "
        f"(largest relative error {largest:.1e}).",
        precision=precision,
    )
