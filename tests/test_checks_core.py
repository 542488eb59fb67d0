"""The checkers' shared core: Feedback, blank answers, and check_implementation."""

import numpy as np
import pytest

from helpers.checks import Feedback, UsageError
from helpers.checks.core import Mistake, answer_checker, check_implementation, is_blank

RNG = np.random.default_rng(0)
CASES = [(RNG.normal(size=(3, 4)), RNG.normal(size=4)) for _ in range(3)]


def reference(x, b):
    return x + b


def run(fn, **kwargs):
    return check_implementation(fn, name="add_bias", cases=CASES, reference=reference, **kwargs)


def test_feedback_labels_and_truth():
    assert str(Feedback(True, "ok.")) == "Right: ok."
    assert bool(Feedback(True, "ok.")) and not Feedback(False, "no.")
    blank = Feedback(False, "fill in x.", answered=False)
    assert str(blank) == "Not answered yet: fill in x."
    assert "**Not answered yet**" in blank._repr_markdown_()


@pytest.mark.parametrize("answer", [..., None])
def test_blank_answers(answer):
    assert is_blank(answer)
    result = run(answer)
    assert not result.passed and not result.answered


def test_a_right_function_passes_and_says_so():
    result = run(lambda x, b: x + b)
    assert result.passed, result
    assert "3 random inputs" in result.message


def test_a_function_that_returns_nothing_is_not_answered_yet():
    def add_bias(x, b):
        """Stub."""

    result = run(add_bias)
    assert not result.passed and not result.answered
    assert "returns nothing yet" in result.message


def test_a_function_that_raises_gets_the_error_in_words():
    def add_bias(x, b):
        raise ZeroDivisionError("oops")

    result = run(add_bias)
    assert not result.passed and result.answered
    assert "ZeroDivisionError: oops" in result.message


def test_a_typical_mistake_is_named_even_when_its_shape_is_off():
    mistakes = [Mistake(lambda x, b: (x + b).sum(axis=0), "you summed.", "Keep every row.")]
    result = run(lambda x, b: (x + b).sum(axis=0), mistakes=mistakes)
    assert not result.passed and result.message == "you summed." and result.hint


def test_a_wrong_shape_without_a_named_mistake_says_both_shapes():
    result = run(lambda x, b: (x + b).T)
    assert not result.passed and "(4, 3)" in result.message and "(3, 4)" in result.message


def test_a_wrong_value_reports_the_relative_error():
    result = run(lambda x, b: x + 2 * b)
    assert not result.passed and "relative error" in result.message


def test_the_student_cannot_change_the_reference_inputs():
    def add_bias(x, b):
        x += b  # in place: changes the student's copy only
        return x

    assert run(add_bias).passed


def test_not_a_function():
    result = run(42)
    assert not result.passed and "should be a function" in result.message


def test_answer_checker_turns_a_crash_into_feedback_but_not_misuse():
    @answer_checker("a number")
    def check(answer, option="a"):
        if option != "a":
            raise UsageError("option must be 'a'")
        return Feedback(1 / answer > 0, "checked.")

    assert not check(...).answered
    crashed = check(0)
    assert not crashed.passed and "ZeroDivisionError" in crashed.message
    with pytest.raises(UsageError, match="option"):
        check(1, option="b")
