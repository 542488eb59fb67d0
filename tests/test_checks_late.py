"""The checkers of notebooks 05–09: a right answer passes, each typical wrong answer fails
with a hint, and nothing a student might type makes them raise."""

import math

import numpy as np
import pytest

from helpers.checks import (
    GLOSSARY_QUIZ,
    Feedback,
    check_best_learning_rate,
    check_chain_rule,
    check_glossary_quiz,
    check_momentum_step,
    check_parabola_step,
    check_steps_per_epoch,
)


def _fails_with_hint(result):
    assert isinstance(result, Feedback)
    assert not result.passed
    assert result.hint
    assert "Not yet" in str(result)


# ------------------------------------------------------------ steps per epoch ----


@pytest.mark.parametrize(("num_examples", "batch_size"), [(60000, 128), (60000, 2048), (100, 10)])
def test_steps_per_epoch_right(num_examples, batch_size):
    steps = math.ceil(num_examples / batch_size)
    result = check_steps_per_epoch(steps, num_examples, batch_size)
    assert result.passed, str(result)


@pytest.mark.parametrize("answer", [468, 468.75, 60000 * 128, 7, "many", [469, 1]])
def test_steps_per_epoch_wrong(answer):
    _fails_with_hint(check_steps_per_epoch(answer))


def test_steps_per_epoch_hint_mentions_rounding_up():
    assert "ceil" in check_steps_per_epoch(468).hint


# --------------------------------------------------------------- parabola step ----


@pytest.mark.parametrize("learning_rate", [0.05, 0.3, 1.1])
def test_parabola_step_right(learning_rate):
    result = check_parabola_step(1 - 2 * learning_rate, learning_rate)
    assert result.passed, str(result)


@pytest.mark.parametrize("answer", [0.7, 1.6, -0.6, 0.6, 0.123, "x"])
def test_parabola_step_wrong(answer):
    _fails_with_hint(check_parabola_step(answer, 0.3))


# --------------------------------------------------------- best learning rate ----

RATES = [0.001, 0.01, 0.1, 1.0, 10.0]
LOSSES = [2.1, 0.9, 0.3, 0.5, float("inf")]


def test_best_learning_rate_right():
    assert check_best_learning_rate(0.1, RATES, LOSSES).passed


@pytest.mark.parametrize("choice", [0.001, 1.0, 10.0, 0.05, "best"])
def test_best_learning_rate_wrong(choice):
    _fails_with_hint(check_best_learning_rate(choice, RATES, LOSSES))


def test_best_learning_rate_says_diverged():
    assert "diverged" in check_best_learning_rate(10.0, RATES, LOSSES).message


def test_best_learning_rate_needs_matching_lists():
    with pytest.raises(ValueError, match="same length"):
        check_best_learning_rate(0.1, RATES, LOSSES[:-1])


# --------------------------------------------------------------- momentum step ----

STATE = dict(
    velocity=np.array([0.5, -1.0]),
    w=np.array([1.0, 2.0]),
    gradient=np.array([2.0, -3.0]),
    learning_rate=0.1,
    momentum=0.9,
)


def _momentum_answer():
    velocity = STATE["momentum"] * STATE["velocity"] - STATE["learning_rate"] * STATE["gradient"]
    return velocity, STATE["w"] + velocity


def test_momentum_step_right():
    velocity, w = _momentum_answer()
    assert check_momentum_step(velocity, w, **STATE).passed


def test_momentum_step_right_for_numbers():
    result = check_momentum_step(
        0.35, 1.35, velocity=0.5, w=1.0, gradient=1.0, learning_rate=0.1, momentum=0.9
    )
    assert result.passed, str(result)


@pytest.mark.parametrize(
    "mistake",
    ["no momentum", "uphill", "old velocity", "w minus velocity", "w unchanged", "shape", "text"],
)
def test_momentum_step_wrong(mistake):
    velocity, w = _momentum_answer()
    s = STATE
    answers = {
        "no momentum": (-s["learning_rate"] * s["gradient"], w),
        "uphill": (s["momentum"] * s["velocity"] + s["learning_rate"] * s["gradient"], w),
        "old velocity": (velocity, s["w"] + s["velocity"]),
        "w minus velocity": (velocity, s["w"] - velocity),
        "w unchanged": (velocity, s["w"]),
        "shape": (velocity[:1], w),
        "text": ("fast", w),
    }
    _fails_with_hint(check_momentum_step(*answers[mistake], **STATE))


# ------------------------------------------------------------------ chain rule ----


@pytest.mark.parametrize(("w", "x", "b", "y"), [(2.0, 3.0, 1.0, 4.0), (-0.5, 1.5, 0.2, 1.0)])
def test_chain_rule_right(w, x, b, y):
    assert check_chain_rule(2 * (w * x + b - y) * x, w, x, b, y).passed


@pytest.mark.parametrize("answer", [6.0, 9.0, -18.0, 9.0001, 0.0, "dl/dw"])
def test_chain_rule_wrong(answer):
    # w=2, x=3, b=1, y=4: z = 3, dl/dw = 18, dl/db = 6, z·x = 9, l = 9.
    _fails_with_hint(check_chain_rule(answer, 2.0, 3.0, 1.0, 4.0))


def test_chain_rule_names_the_bias_gradient():
    assert "dl/db" in check_chain_rule(6.0, 2.0, 3.0, 1.0, 4.0).message


# --------------------------------------------------------------- glossary quiz ----

RIGHT_ANSWERS = {q: term for q, (_, term) in GLOSSARY_QUIZ.items()}


def test_glossary_quiz_right():
    assert check_glossary_quiz(RIGHT_ANSWERS).passed


def test_glossary_quiz_accepts_case_and_synonyms():
    answers = {**RIGHT_ANSWERS, 4: "Stochastic Gradient Descent", 1: "loss", 6: "back-propagation"}
    assert check_glossary_quiz(answers).passed


@pytest.mark.parametrize(
    "answers",
    [{**RIGHT_ANSWERS, 3: "momentum"}, {1: "loss function"}, {}, ["gradient"]],
)
def test_glossary_quiz_wrong(answers):
    _fails_with_hint(check_glossary_quiz(answers))


def test_glossary_quiz_names_the_wrong_question():
    result = check_glossary_quiz({**RIGHT_ANSWERS, 7: "global minimum"})
    assert "7" in result.message and GLOSSARY_QUIZ[7][0] in result.hint
