"""What the checkers' answer batteries share: answers that tamper, and the assertions that
a visible verdict is the expected one and that the hidden test (``confirm``) agrees with it
(``verdict`` for 00–03, ``agrees_with_the_hidden_test`` for 04–06, ``judge`` for 07–09).
"""

from __future__ import annotations

import numpy as np
import pytest

import helpers.checks
from helpers.checks import Feedback, core


def tampering(function):
    """An answer that replaces np.allclose while it runs, then answers right."""

    def answer(*args):
        np.allclose = lambda *a, **k: True
        return function(*args)

    return answer


class Tampered:
    """An answer checked after np.allclose was replaced, as an answer cell could do."""

    def __init__(self, answer):
        self.answer = answer


class CheckerReplaced(Tampered):
    """An answer checked after an earlier answer cell replaced a checker (``name``)."""

    def __init__(self, answer, name: str):
        super().__init__(answer)
        self.name = name


def judge(
    check, description, answer, passed: bool, diagnosis: str, monkeypatch, diagnoses=None
) -> Feedback:
    """The visible verdict on ``answer`` is (passed, diagnosis), and the hidden test,
    ``confirm``, fails exactly when it is not Right, in one sentence. ``diagnoses``: the
    lesson module's DIAGNOSES (default: every checker's)."""
    monkeypatch.setattr(core, "TIME_LIMIT", 0.5)  # the endless answers stop sooner
    monkeypatch.setattr(np, "allclose", np.allclose)  # restored even if an answer replaces it
    if isinstance(answer, CheckerReplaced):
        # The checker looks for replaced names where it was called from: here, or in the
        # test module when ``check`` is a small function written there.
        namespaces = [globals()]
        own = getattr(check, "__globals__", None)
        if own is not None and not own.get("__name__", "").startswith("helpers."):
            namespaces.append(own)
        for namespace in namespaces:
            monkeypatch.setitem(namespace, answer.name, lambda *args, **kwargs: None)
        answer = answer.answer
    elif isinstance(answer, Tampered):
        monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: True)
        answer = answer.answer
    result = check(answer)
    assert isinstance(result, Feedback), result
    if passed:
        assert result.precision == ("float32" if "float32" in description else ""), str(result)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    assert result.answered == (diagnosis != "blank"), str(result)
    assert passed or diagnosis in (diagnoses if diagnoses is not None else helpers.checks.DIAGNOSES)
    if passed:
        helpers.checks.confirm(result)
    else:
        with pytest.raises(AssertionError) as caught:
            helpers.checks.confirm(result)
        assert str(caught.value) and "\n" not in str(caught.value)
    return result


def agrees_with_the_hidden_test(result: Feedback, lesson_diagnoses: dict) -> None:
    """A right verdict has no diagnosis; a wrong one is named by the lesson's checker or the
    core and listed for the teacher's report; and ``confirm`` passes exactly when Right."""
    if result.passed:
        assert result.diagnosis == ""
    else:  # named here or by the core, and listed for the teacher's report
        assert result.diagnosis in {**core.CORE_DIAGNOSES, **lesson_diagnoses}, result.diagnosis
        assert result.diagnosis in helpers.checks.DIAGNOSES
    if result.passed:
        helpers.checks.confirm(result)
    else:
        with pytest.raises(AssertionError, match=r"^Not"):
            helpers.checks.confirm(result)


def verdict(result, passed: bool, diagnosis: str) -> None:
    """The visible verdict and diagnosis are as expected, and the hidden test agrees."""
    assert isinstance(result, Feedback), result
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    assert result.answered is (diagnosis != "blank")
    if diagnosis:
        assert diagnosis in helpers.checks.DIAGNOSES
    if not result.passed:
        assert result.hint or diagnosis == "blank", "a wrong answer gets a hint"
        with pytest.raises(AssertionError, match=r"^Not"):
            helpers.checks.confirm(result)
    else:
        helpers.checks.confirm(result)
