"""The checker of 02's random-initialization exercise: Glorot's limit, each usual mistake
named, and the hidden test (confirm) agreeing with the visible verdict on every answer."""

import math

import numpy as np
import pytest

from helpers import checks
from helpers.checks import check_glorot_limit

RIGHT_LIMIT = math.sqrt(6 / (784 + 128))

# (answer, passed, diagnosis)
ANSWERS = {
    "the formula": (math.sqrt(6 / (784 + 128)), True, ""),
    "numpy float32": (np.float32(np.sqrt(6 / 912)), True, ""),
    "rounded to 3 digits": (0.0811, True, ""),
    "a one-element array": (np.array([RIGHT_LIMIT]), True, ""),
    "no square root": (6 / 912, False, "no-square-root"),
    "inputs only": (math.sqrt(6 / 784), False, "fan-in-only"),
    "He's std": (math.sqrt(2 / 784), False, "he-std-instead"),
    "product": (math.sqrt(6 / (784 * 128)), False, "product-not-sum"),
    "something else": (0.5, False, "other"),
    "blank": (..., False, "blank"),
    "a word": ("0.08", False, "wrong-type"),
    "a list of two": ([0.08, 0.09], False, "wrong-type"),
}


@pytest.mark.parametrize("label", list(ANSWERS))
def test_every_answer_gets_its_verdict(label):
    answer, passed, diagnosis = ANSWERS[label]
    result = check_glorot_limit(answer, fan_in=784, fan_out=128)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), result
    assert result.diagnosis in {"", *checks.DIAGNOSES}
    if passed:
        checks.confirm(result)
    else:
        with pytest.raises(AssertionError):
            checks.confirm(result)


def test_a_replaced_numpy_function_is_tampering(monkeypatch):
    monkeypatch.setattr(np, "sqrt", lambda x: 0.0811)
    assert check_glorot_limit(RIGHT_LIMIT).diagnosis == "tampered"


def test_the_notebook_calling_it_wrong_is_told():
    with pytest.raises(checks.UsageError, match="fan_in"):
        check_glorot_limit(0.08, fan_in=0)
