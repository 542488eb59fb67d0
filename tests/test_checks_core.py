"""The checkers' shared core: Feedback, blank answers, and check_implementation."""

import math

import numpy as np
import pytest

from helpers import checks
from helpers.checks import Feedback, UsageError
from helpers.checks.core import Mistake, answer_checker, check_implementation, is_blank
from helpers.layers import Dense

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


# ------------------------------------------------------------------------------ feedback ----


def test_feedback_shows_a_pass_without_hint():
    result = Feedback(True, "well done.")
    assert str(result) == "Right: well done."
    assert "Right" in result._repr_markdown_()
    assert "Hint" not in str(result)


def test_feedback_shows_a_fail_with_its_hint():
    result = Feedback(False, "not this.", "try that.")
    assert str(result).startswith("Not yet: not this.")
    assert "Hint: try that." in str(result)
    assert "try that." in result._repr_markdown_()
    assert repr(result) == str(result)


def test_every_public_checker_is_listed():
    names = [name for name in dir(checks) if name.startswith("check_")]
    assert names
    assert set(names) <= set(checks.__all__)


# ------------------------------------------------- a blank answer to every value checker ----


BLANK_CALLS = {
    "check_training_loop_order": lambda blank: checks.check_training_loop_order(blank),
    "check_kernel_shape": lambda blank: checks.check_kernel_shape(blank),
    "check_layer_output_shape": lambda blank: checks.check_layer_output_shape(blank),
    "check_forward_pass": lambda blank: checks.check_forward_pass(
        Dense(4, 3, seed=0), np.zeros((2, 4)), blank
    ),
    "check_random_accuracy": lambda blank: checks.check_random_accuracy(blank),
    "check_cross_entropy": lambda blank: checks.check_cross_entropy(blank, probability=0.5),
    "check_num_params": lambda blank: checks.check_num_params(blank),
    "check_naive_cost": lambda blank: checks.check_naive_cost(blank, num_params=10),
    "check_slope": lambda blank: checks.check_slope(math.sin, 0.0, blank),
    "check_descent_step": lambda blank: checks.check_descent_step([1.0], [2.0], 0.1, blank),
    "check_steps_per_epoch": lambda blank: checks.check_steps_per_epoch(blank),
    "check_parabola_step": lambda blank: checks.check_parabola_step(blank, learning_rate=0.1),
    "check_best_learning_rate": lambda blank: checks.check_best_learning_rate(
        blank, [0.1, 1.0], [0.5, 0.2]
    ),
    "check_chain_rule": lambda blank: checks.check_chain_rule(blank, w=1.0, x=2.0, b=0.0, y=1.0),
    "check_glossary_quiz": lambda blank: checks.check_glossary_quiz(blank),
}


@pytest.mark.parametrize("blank", [..., None], ids=["ellipsis", "none"])
@pytest.mark.parametrize("name", sorted(BLANK_CALLS))
def test_a_blank_answer_is_not_answered_yet(name, blank):
    result = BLANK_CALLS[name](blank)
    assert isinstance(result, Feedback)
    assert not result.passed and not result.answered
    assert str(result).startswith("Not answered yet: fill in ")
