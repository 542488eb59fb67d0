"""The exercise checkers: a right answer passes, a wrong one fails with a useful hint."""

import math

import numpy as np
import pytest

from helpers import checks
from helpers.checks import Feedback
from helpers.layers import Dense

# ------------------------------------------------------------------ core ----


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


# ----------------------------------------------------- 00 · contents ----


@pytest.mark.parametrize(
    ("answer", "passed", "hint"),
    [
        (["draw a batch", "forward pass", "loss", "update"], True, ""),
        (("Draw a batch ", "forward pass", "LOSS", "update"), True, ""),
        (["forward pass", "draw a batch", "loss", "update"], False, "starts with data"),
        (["draw a batch", "loss", "forward pass", "update"], False, "predictions"),
        (["draw a batch", "forward pass", "update", "loss"], False, "how wrong"),
        (["draw a batch", "forward pass", "loss"], False, "missing"),
        (["draw a batch", "backprop", "loss", "update"], False, "'forward pass'"),
        (42, False, "list"),
    ],
)
def test_check_training_loop_order(answer, passed, hint):
    result = checks.check_training_loop_order(answer)
    assert result.passed is passed
    assert hint in result.hint


# ------------------------------------------------ 02 · training loop ----


@pytest.mark.parametrize(
    ("answer", "passed", "hint"),
    [
        (-math.log(0.01), True, ""),
        (np.float32(-np.log(0.01)), True, ""),
        (math.log(0.01), False, "minus the log"),
        (-math.log10(0.01), False, "np.log10"),
        (-math.log(0.99), False, "true class"),
        (0.5, False, "-np.log"),
    ],
)
def test_check_cross_entropy(answer, passed, hint):
    result = checks.check_cross_entropy(answer, probability=0.01)
    assert result.passed is passed
    assert hint in result.hint


def test_check_cross_entropy_rejects_an_impossible_probability():
    with pytest.raises(ValueError, match="probability"):
        checks.check_cross_entropy(1.0, probability=1.5)


# ----------------------------------------------- 03 · naive update ----


@pytest.mark.parametrize(
    ("answer", "sizes", "passed", "hint"),
    [
        (407_050, (784, 512, 10), True, ""),
        (8, (3, 2), True, ""),
        (406_528, (784, 512, 10), False, "bias"),
        (400_000, (784, 512, 10), False, "(D, M) kernel"),
    ],
)
def test_check_num_params(answer, sizes, passed, hint):
    result = checks.check_num_params(answer, sizes)
    assert result.passed is passed
    assert hint in result.hint


@pytest.mark.parametrize(
    ("answer", "method", "passed", "hint"),
    [
        (814_100, "central", True, ""),
        (407_051, "forward", True, ""),
        (407_051, "central", False, "l(w − ε)"),
        (814_100, "forward", False, "l(w) once"),
        (407_050, "forward", False, "l(w) itself"),
        (2, "central", False, "multiply"),
    ],
)
def test_check_naive_cost(answer, method, passed, hint):
    result = checks.check_naive_cost(answer, 407_050, method=method)
    assert result.passed is passed
    assert hint in result.hint


def test_check_naive_cost_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="central"):
        checks.check_naive_cost(10, 5, method="backward")


# ------------------------------------------------------- 04 · gradient ----


def square(x):
    return x**2


@pytest.mark.parametrize(
    ("answer", "passed", "hint"),
    [
        (6.0, True, ""),
        ((square(3 + 1e-6) - square(3)) / 1e-6, True, ""),
        (-6.0, False, "numerator"),
        (9.0, False, "how fast f changes"),
        ((square(4) - square(3)) / 1, False, "smaller ε"),
    ],
)
def test_check_slope(answer, passed, hint):
    result = checks.check_slope(square, 3.0, answer)
    assert result.passed is passed
    assert hint in result.hint


def test_check_slope_needs_a_function():
    with pytest.raises(TypeError, match="function"):
        checks.check_slope(9.0, 3.0, 6.0)


@pytest.mark.parametrize(
    ("answer", "passed", "hint"),
    [
        ([-8.82, 0.9], True, ""),
        ([-9.18, 2.1], False, "Subtract"),
        ([-7.2, -4.5], False, "learning rate"),
        ([-9.0, 1.5], False, "coordinate by coordinate"),
        ([-8.82], False, "as many numbers"),
    ],
)
def test_check_descent_step(answer, passed, hint):
    point, gradient = np.array([-9.0, 1.5]), np.array([-1.8, 6.0])
    result = checks.check_descent_step(point, gradient, 0.1, answer)
    assert result.passed is passed
    assert hint in result.hint


# ------------------------------------------------------- blank answers ----

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
