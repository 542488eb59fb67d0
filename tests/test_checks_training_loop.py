"""Checkers of notebooks 00 and 02 (helpers.checks.training_loop): the loop's steps in
order, one cross-entropy, and one training step written from the pieces.

One table-driven battery per exercise: each row is an answer a student could give, the
verdict it must get (right or not), its diagnosis, and — from the same result — the
hidden test's verdict (helpers.checks.confirm), which must agree with the visible one.
"""

import math

import numpy as np
import pytest
from battery import verdict

from helpers import checks
from helpers.checks import core
from helpers.checks import training_loop as lesson
from helpers.losses import softmax_cross_entropy
from helpers.optim import SGD
from helpers.train import Trainer

# ------------------------------------------------ the steps in order ----

B, F, L, K, U = "draw a batch", "forward pass", "loss", "backward pass", "update"


FOUR_STEPS_ANSWERS = [
    ([B, F, L, U], True, ""),
    ((B, F, L, U), True, ""),
    (["Draw a batch", " forward pass", "LOSS", "update "], True, ""),
    ([F, B, L, U], False, "batch-not-first"),
    ([B, L, F, U], False, "loss-before-forward"),
    ([B, F, U, L], False, "update-before-loss"),
    ([B, F, L], False, "missing-or-repeated-step"),
    ([B, F, L, U, U], False, "missing-or-repeated-step"),
    ([B, "predict", L, U], False, "unknown-step"),
    ("draw a batch, forward pass, loss, update", False, "wrong-type"),
    (4, False, "wrong-type"),
    (..., False, "blank"),
    (None, False, "blank"),
]


@pytest.mark.parametrize(("answer", "passed", "diagnosis"), FOUR_STEPS_ANSWERS)
def test_four_steps_in_order(answer, passed, diagnosis):
    verdict(checks.check_training_loop_order(answer), passed, diagnosis)


FIVE_STEPS_ANSWERS = [
    ([B, F, L, K, U], True, ""),
    (list(checks.TRAINING_LOOP_WITH_BACKWARD), True, ""),
    (["Draw a batch", "forward pass", "loss", "backward pass ", "UPDATE"], True, ""),
    ([B, F, L, U, K], False, "backward-after-update"),
    ([B, F, K, L, U], False, "out-of-order"),
    ([B, L, F, K, U], False, "loss-before-forward"),
    ([F, B, L, K, U], False, "batch-not-first"),
    ([B, F, L, U], False, "missing-or-repeated-step"),
    ([B, F, L, "backprop", U], False, "unknown-step"),
    (..., False, "blank"),
]


@pytest.mark.parametrize(("answer", "passed", "diagnosis"), FIVE_STEPS_ANSWERS)
def test_five_steps_in_order(answer, passed, diagnosis):
    verdict(checks.check_training_loop_order(answer, backward=True), passed, diagnosis)


def test_steps_in_order_needs_backward_true_or_false():
    with pytest.raises(checks.UsageError):
        checks.check_training_loop_order([B, F, L, U], backward="yes")


# ------------------------------------------------------ cross-entropy ----


CROSS_ENTROPY_ANSWERS = [
    (-np.log(0.25), True, ""),
    (math.log(4), True, ""),
    (1.386, True, ""),
    (np.float32(-np.log(0.25)), True, ""),
    (np.array(-np.log(0.25)), True, ""),
    (np.log(0.25), False, "sign-flipped"),
    (-np.log10(0.25), False, "base-10-log"),
    (-np.log2(0.25), False, "base-2-log"),
    (-np.log(0.75), False, "wrong-probability"),
    (0.25, False, "probability-not-loss"),
    (3.0, False, "other"),
    ("1.386", False, "wrong-type"),
    ([1.386, 1.386], False, "wrong-type"),
    (..., False, "blank"),
]


@pytest.mark.parametrize(("answer", "passed", "diagnosis"), CROSS_ENTROPY_ANSWERS)
def test_cross_entropy(answer, passed, diagnosis):
    verdict(checks.check_cross_entropy(answer, probability=0.25), passed, diagnosis)


def test_cross_entropy_rejects_an_impossible_probability():
    with pytest.raises(checks.UsageError):
        checks.check_cross_entropy(1.0, probability=0)


# ---------------------------------------------------- training_step ----


def _step_with_sgd(model, x, labels, learning_rate):
    logits = model.forward(x)
    loss, dlogits = softmax_cross_entropy(logits, labels)
    model.backward(dlogits)
    SGD(learning_rate=learning_rate).step(model.parameters(), model.gradients())
    return loss


def _step_by_hand(model, x, labels, learning_rate):
    loss, dlogits = softmax_cross_entropy(model.forward(x), labels)
    model.backward(dlogits)
    for p, g in zip(model.parameters(), model.gradients(), strict=True):
        p -= learning_rate * g
    return loss


def _step_with_out(model, x, labels, learning_rate):
    loss, dlogits = softmax_cross_entropy(model.forward(x), labels)
    model.backward(dlogits)
    for p, g in zip(model.parameters(), model.gradients(), strict=True):
        np.subtract(p, learning_rate * g, out=p)
    return float(loss)


def _step_float32_loss(model, x, labels, learning_rate):
    return np.float32(_step_with_sgd(model, x, labels, learning_rate))


def _step_updating(update):
    """A step whose update is ``update(p, g, learning_rate)``, in place."""

    def step(model, x, labels, learning_rate):
        loss, dlogits = softmax_cross_entropy(model.forward(x), labels)
        model.backward(dlogits)
        for p, g in zip(model.parameters(), model.gradients(), strict=True):
            update(p, g, learning_rate)
        return loss

    return step


def _step_before_backward(model, x, labels, learning_rate):
    loss, dlogits = softmax_cross_entropy(model.forward(x), labels)
    SGD(learning_rate=learning_rate).step(model.parameters(), model.gradients())
    model.backward(dlogits)
    return loss


def _step_rebinding(model, x, labels, learning_rate):
    loss, dlogits = softmax_cross_entropy(model.forward(x), labels)
    model.backward(dlogits)
    for p, g in zip(model.parameters(), model.gradients(), strict=True):
        p = p - learning_rate * g  # noqa: PLW2901 - the mistake under test
    return loss


def _step_loss_after(model, x, labels, learning_rate):
    _step_with_sgd(model, x, labels, learning_rate)
    return softmax_cross_entropy(model.forward(x), labels)[0]


def _step_no_return(model, x, labels, learning_rate):
    _step_with_sgd(model, x, labels, learning_rate)


def _step_stub(model, x, labels, learning_rate):
    """The student edition's stub: nothing written yet."""


def _step_endless(model, x, labels, learning_rate):
    while True:
        pass


def _step_huge(model, x, labels, learning_rate):
    return np.ones(2**34).sum()


def _step_with_trainer(model, x, labels, learning_rate):
    return Trainer(model, x, labels, SGD(learning_rate=learning_rate), batch_size=len(x)).step()


def _add(p, g, lr):
    p += lr * g


def _whole(p, g, lr):
    p -= g


def _twice(p, g, lr):
    p -= lr * g
    p -= lr * g


STEP_ANSWERS = [
    # (description, answer, passed, diagnosis, precision)
    ("SGD.step", _step_with_sgd, True, "", ""),
    ("by hand, p -= …", _step_by_hand, True, "", ""),
    ("np.subtract(out=p)", _step_with_out, True, "", ""),
    ("float32 loss", _step_float32_loss, True, "", "float32"),
    ("along the gradient", _step_updating(_add), False, "sign-flipped", ""),
    ("no learning rate", _step_updating(_whole), False, "no-learning-rate", ""),
    ("update before backward", _step_before_backward, False, "stale-gradients", ""),
    ("updated twice", _step_updating(_twice), False, "updated-twice", ""),
    ("p = p - …", _step_rebinding, False, "not-updated", ""),
    ("loss after the update", _step_loss_after, False, "loss-after-update", ""),
    ("no return", _step_no_return, False, "no-loss-returned", ""),
    ("not a function", "step", False, "wrong-type", ""),
    ("blank", ..., False, "blank", ""),
    ("None", None, False, "blank", ""),
    ("the stub", _step_stub, False, "blank", ""),
    ("raises", lambda model, x, labels, lr: model.forward(x.T), False, "raised", ""),
    ("endless loop", _step_endless, False, "timeout", ""),
    ("huge allocation", _step_huge, False, "out-of-memory", ""),
    ("calls Trainer.step", _step_with_trainer, False, "package-shortcut", ""),
]


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis", "precision"),
    [row[1:] for row in STEP_ANSWERS],
    ids=[row[0] for row in STEP_ANSWERS],
)
def test_training_step(monkeypatch, answer, passed, diagnosis, precision):
    monkeypatch.setattr(core, "TIME_LIMIT", 0.5)
    result = checks.check_training_step(answer)
    verdict(result, passed, diagnosis)
    assert result.precision == precision
    if diagnosis == "package-shortcut":
        assert "helpers.train.Trainer.step is what you are rebuilding" in result.message


def test_training_step_cases_make_every_term_matter():
    """Batches whose gradients differ from the previous batch's, non-zero biases, several
    learning rates: every named mistake gives different numbers from the right step."""
    cases = lesson._step_cases(0)
    for case in cases:
        right = lesson._reference_step(*case)
        assert np.all(case[1] != 0) and np.all(case[3] != 0)
        for mistake in lesson._STEP_MISTAKES:
            wrong = mistake.compute(*case)
            assert max(checks.rel_error(a, b) for a, b in zip(wrong, right, strict=True)) > 1e-3
    assert len({case[-1] for case in cases}) == len(cases)


def test_a_replaced_numpy_function_is_tampering(monkeypatch):
    monkeypatch.setattr(np, "array_equal", lambda *args, **kwargs: True)
    for result in (
        checks.check_training_step(_step_with_sgd),
        checks.check_cross_entropy(1.386, probability=0.25),
        checks.check_training_loop_order([B, F, L, U]),
    ):
        verdict(result, False, "tampered")


def test_a_replaced_checker_fails_the_hidden_test():
    right = checks.check_cross_entropy(1.386, probability=0.25)
    namespace = {"check_training_step": lambda f: right, "result_step": right}
    hidden = "import helpers.checks\n\nhelpers.checks.confirm(result_step)\n"
    with pytest.raises(AssertionError, match="the check was changed: check_training_step"):
        exec(hidden, namespace)  # noqa: S102 - the notebook's hidden test, as nbgrader runs it


def test_every_named_mistake_has_an_answer_in_a_battery():
    """No diagnosis of the lesson is dead: each is what some answer above gets."""
    tables = [FOUR_STEPS_ANSWERS, FIVE_STEPS_ANSWERS, CROSS_ENTROPY_ANSWERS]
    named = {row[2] for table in tables for row in table} | {row[3] for row in STEP_ANSWERS}
    assert set(lesson.DIAGNOSES) <= named, set(lesson.DIAGNOSES) - named
