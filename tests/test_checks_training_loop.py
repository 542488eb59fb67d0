"""The training-loop checkers of notebook 02: the loop's five steps in order, and one
training step written from the pieces (forward, loss, backward, update)."""

import math

import numpy as np
import pytest

from helpers.checks import (
    TRAINING_LOOP_WITH_BACKWARD,
    UsageError,
    check_cross_entropy,
    check_training_loop_order,
    check_training_step,
)
from helpers.losses import softmax_cross_entropy
from helpers.optim import SGD

# ---------------------------------------------------- the five steps ----


@pytest.mark.parametrize(
    ("answer", "passed", "hint"),
    [
        (list(TRAINING_LOOP_WITH_BACKWARD), True, ""),
        (["Draw a batch", "forward pass", "loss", "backward pass ", "UPDATE"], True, ""),
        (["draw a batch", "forward pass", "loss", "update", "backward pass"], False, "which way"),
        (["draw a batch", "forward pass", "backward pass", "loss", "update"], False, "how wrong"),
        (["draw a batch", "forward pass", "loss", "update"], False, "missing"),
        (["draw a batch", "forward pass", "loss", "backprop", "update"], False, "'backward pass'"),
        ("draw a batch", False, "list"),
    ],
)
def test_the_five_steps_in_order(answer, passed, hint):
    result = check_training_loop_order(answer, backward=True)
    assert result.passed is passed
    assert hint in result.hint


@pytest.mark.parametrize("blank", [..., None])
def test_the_five_steps_blank(blank):
    assert check_training_loop_order(blank, backward=True).answered is False


def test_the_four_steps_stay_the_default():
    assert check_training_loop_order(["draw a batch", "forward pass", "loss", "update"]).passed


def test_the_steps_checker_rejects_a_wrong_option():
    with pytest.raises(UsageError):
        check_training_loop_order(list(TRAINING_LOOP_WITH_BACKWARD), backward="yes")


# ---------------------------------------------------- a training step ----


def _forward_loss_backward(model, x, labels):
    loss, dlogits = softmax_cross_entropy(model.forward(x), labels)
    model.backward(dlogits)
    return loss


def step_right(model, x, labels, learning_rate):
    loss = _forward_loss_backward(model, x, labels)
    SGD(learning_rate=learning_rate).step(model.parameters(), model.gradients())
    return loss


def step_by_hand(model, x, labels, learning_rate):
    loss = _forward_loss_backward(model, x, labels)
    for p, g in zip(model.parameters(), model.gradients(), strict=True):
        p -= learning_rate * g
    return loss


def step_uphill(model, x, labels, learning_rate):
    loss = _forward_loss_backward(model, x, labels)
    for p, g in zip(model.parameters(), model.gradients(), strict=True):
        p += learning_rate * g
    return loss


def step_without_learning_rate(model, x, labels, learning_rate):
    loss = _forward_loss_backward(model, x, labels)
    for p, g in zip(model.parameters(), model.gradients(), strict=True):
        p -= g
    return loss


def step_update_before_backward(model, x, labels, learning_rate):
    loss, dlogits = softmax_cross_entropy(model.forward(x), labels)
    SGD(learning_rate=learning_rate).step(model.parameters(), model.gradients())
    model.backward(dlogits)
    return loss


def step_without_update(model, x, labels, learning_rate):
    return _forward_loss_backward(model, x, labels)


def step_without_return(model, x, labels, learning_rate):
    step_right(model, x, labels, learning_rate)


def step_returning_a_tuple(model, x, labels, learning_rate):
    loss, dlogits = softmax_cross_entropy(model.forward(x), labels)
    model.backward(dlogits)
    SGD(learning_rate=learning_rate).step(model.parameters(), model.gradients())
    return loss, dlogits


def step_blank(model, x, labels, learning_rate):
    pass


def step_raising(model, x, labels, learning_rate):
    raise RuntimeError("not written yet")


@pytest.mark.parametrize("step", [step_right, step_by_hand])
@pytest.mark.parametrize("seed", [0, 1])
def test_training_step_right(step, seed):
    result = check_training_step(step, seed=seed)
    assert result.passed, result


@pytest.mark.parametrize(
    ("step", "hint"),
    [
        (step_uphill, "minus, not plus"),
        (step_without_learning_rate, "Multiply the gradient by learning_rate"),
        (step_update_before_backward, "only then the update"),
        (step_without_update, "Finish with the update"),
        (step_without_return, "return it"),
        (step_returning_a_tuple, "return it"),
    ],
)
def test_training_step_wrong(step, hint):
    result = check_training_step(step)
    assert not result.passed and result.answered
    assert hint in result.hint


@pytest.mark.parametrize("blank", [..., None, step_blank])
def test_training_step_blank(blank):
    assert check_training_step(blank).answered is False


def test_training_step_that_raises_is_not_yet():
    result = check_training_step(step_raising)
    assert not result.passed and result.answered
    assert "RuntimeError" in result.message


def test_training_step_is_checked_on_copies():
    models = []

    def spy(model, x, labels, learning_rate):
        models.append(model)
        return step_right(model, x, labels, learning_rate)

    assert check_training_step(spy).passed
    assert len({id(m) for m in models}) == len(models) >= 3
    assert all(m.layers[0].dtype == np.float64 for m in models)


# ---------------------------------------------------------- the four steps (notebook 00) ----


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
def test_the_four_steps_in_order(answer, passed, hint):
    result = check_training_loop_order(answer)
    assert result.passed is passed
    assert hint in result.hint


# ----------------------------------------------------------------- cross-entropy by hand ----


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
    result = check_cross_entropy(answer, probability=0.01)
    assert result.passed is passed
    assert hint in result.hint


def test_check_cross_entropy_rejects_an_impossible_probability():
    with pytest.raises(ValueError, match="probability"):
        check_cross_entropy(1.0, probability=1.5)
