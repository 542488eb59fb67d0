"""helpers.debugging: the clinic's loop is a correct training loop when healthy, each
setting does what its name says, and the tools (overfit, gradient_check, dead units,
overlap) measure what they claim."""

import numpy as np
import pytest

from helpers.debugging import (
    PATIENTS,
    Loop,
    clinic_data,
    gradient_check,
    loop_loss,
    overfit,
    train,
)
from helpers.losses import softmax_cross_entropy


@pytest.fixture(scope="module")
def data():
    return clinic_data()


def test_the_healthy_loss_is_the_package_cross_entropy():
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(6, 10)), rng.integers(0, 10, size=6)
    loss, dlogits = loop_loss(logits, labels, Loop())
    want_loss, want_dlogits = softmax_cross_entropy(logits, labels)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    assert np.allclose(dlogits, want_dlogits, rtol=1e-12, atol=1e-15)


def test_a_summed_loss_is_batch_size_times_the_mean():
    rng = np.random.default_rng(1)
    logits, labels = rng.normal(size=(6, 10)), rng.integers(0, 10, size=6)
    mean, dmean = loop_loss(logits, labels, Loop())
    total, dtotal = loop_loss(logits, labels, Loop(loss="sum"))
    assert total == pytest.approx(6 * mean) and np.allclose(dtotal, 6 * dmean)


@pytest.mark.parametrize(
    ("loop", "bad"),
    [(Loop(), False), (Loop(loss="sum"), False), (Loop(softmax_axis=0), True)],
    ids=["healthy", "summed", "softmax over the batch"],
)
def test_gradient_check(loop, bad):
    error = gradient_check(loop)
    assert (error > 1e-2) if bad else (error < 1e-7), error


def test_the_healthy_loop_trains_and_is_reproducible(data):
    first, again = train(Loop(), data=data), train(Loop(), data=data)
    assert first.val_accuracy > 0.9 and first.loss == again.loss
    assert 2.0 < first.loss[0] < 3.0 and first.loss[-1] < 0.6
    assert first.overlap == 0 and first.dead_units < 10 and not first.diverged
    assert first.val_predictions.shape == first.val_labels.shape == (2000,)


def test_overfit_tells_a_loop_that_can_learn_from_one_that_cannot(data):
    assert overfit(Loop(), data=data) == 1.0
    assert overfit(PATIENTS[2], data=data) < 0.5  # labels shuffled apart from their images


@pytest.mark.parametrize(
    ("patient", "measure", "value"),
    [
        (7, "overlap", 2000),
        (8, "dead_units", 64),
        (5, "dead_units", 64),
    ],
    ids=["validation from training", "zero init", "learning rate too large"],
)
def test_what_the_bugs_do(data, patient, measure, value):
    assert getattr(train(PATIENTS[patient], data=data), measure) == value


def test_raw_pixels_and_a_summed_loss_start_far_from_ln_10(data):
    assert train(PATIENTS[1], 5, data=data).loss[0] > 50
    assert train(PATIENTS[4], 5, data=data).loss[0] > 20


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        ({"loss": "average"}, ValueError, "loss must be one of"),
        ({"softmax_axis": -1}, ValueError, "softmax_axis"),
        ({"reset_gradients": 1}, ValueError, "reset_gradients"),
        ({"learning_rate": 0}, ValueError, "learning_rate must be a number > 0"),
        ({"learning_rate": "0.1"}, ValueError, "learning_rate"),
        ({"momentum": 0.9}, TypeError, "no setting momentum"),
    ],
)
def test_a_setting_that_does_not_exist_says_so(changes, error, words):
    with pytest.raises(error, match=words):
        Loop().fixed(**changes)


def test_differences():
    assert Loop().differences(PATIENTS[3]) == ["softmax_axis"]
    assert Loop().differences(Loop()) == []
