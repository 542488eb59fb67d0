"""Losses: values by hand, stability for large logits, gradients against finite differences."""

import numpy as np
import pytest

from helpers.gradients import numerical_gradient, rel_error
from helpers.losses import cross_entropy, mean_squared_error, softmax_cross_entropy


def test_softmax_cross_entropy_value_by_hand():
    logits = np.array([[0.0, np.log(3.0)], [np.log(4.0), 0.0]])
    labels = np.array([1, 1])
    loss, _ = softmax_cross_entropy(logits, labels)
    # p(true) = 3/4 for the first row and 1/5 for the second
    assert loss == pytest.approx(-(np.log(0.75) + np.log(0.2)) / 2)


def test_uniform_logits_cost_log_of_the_number_of_classes():
    loss, _ = softmax_cross_entropy(np.zeros((4, 10)), np.arange(4))
    assert loss == pytest.approx(np.log(10))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_softmax_cross_entropy_gradient(seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(5, 4)) * 3
    labels = rng.integers(0, 4, size=5)
    _, dlogits = softmax_cross_entropy(logits, labels)
    numeric = numerical_gradient(lambda z: softmax_cross_entropy(z, labels)[0], logits)
    err = rel_error(dlogits, numeric)
    assert err <= 1e-7, f"relative error {err:.2e}\nanalytic:\n{dlogits}\nnumeric:\n{numeric}"


def test_large_logits_do_not_overflow():
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dlogits = softmax_cross_entropy(logits, np.array([0, 2]))
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert loss == pytest.approx((0 + np.log1p(np.exp(-1.0)) + 1.0) / 2, rel=1e-5)


def test_gradient_rows_sum_to_zero_and_keep_dtype():
    logits = np.random.default_rng(0).normal(size=(8, 10)).astype(np.float32)
    _, d = softmax_cross_entropy(logits, np.arange(8))
    assert d.dtype == np.float32
    np.testing.assert_allclose(d.sum(axis=1), 0, atol=1e-7)


def test_memory_layout_and_inputs_are_left_alone():
    """Row-major or column-major logits give the same numbers; the logits are not changed."""
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(6, 10)).astype(np.float32) * 4
    labels = rng.integers(0, 10, size=6).astype(np.uint8)
    before = logits.copy()
    loss_c, d_c = softmax_cross_entropy(logits, labels)
    loss_f, d_f = softmax_cross_entropy(np.asfortranarray(logits), labels)
    np.testing.assert_array_equal(logits, before)
    assert loss_c == loss_f
    np.testing.assert_array_equal(d_c, d_f)
    # the same as the textbook formula, in float64
    z = logits.astype(np.float64)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert loss_c == pytest.approx(-np.mean(np.log(p[np.arange(6), labels])), rel=1e-6)
    np.testing.assert_allclose(d_c, (p - np.eye(10)[labels]) / 6, atol=1e-7)


@pytest.mark.parametrize(
    "loss, args",
    [
        (softmax_cross_entropy, (np.zeros((0, 3)), np.zeros(0, int))),
        (cross_entropy, (np.zeros((0, 3)), np.zeros(0, int))),
        (mean_squared_error, (np.zeros((0, 3)), np.zeros((0, 3)))),
    ],
)
def test_empty_batch_gets_a_clear_message(loss, args):
    with pytest.raises(ValueError, match=f"{loss.__name__}: the batch is empty"):
        loss(*args)


def test_cross_entropy_of_confident_answers():
    probs = np.array([[0.99, 0.01], [0.01, 0.99]])
    assert cross_entropy(probs[:1], np.array([0])) == pytest.approx(0.01005, abs=1e-4)
    assert cross_entropy(probs[:1], np.array([1])) == pytest.approx(4.605, abs=1e-3)


@pytest.mark.parametrize("seed", [0, 1])
def test_mean_squared_error(seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    loss, dpred = mean_squared_error(pred, target)
    assert loss == pytest.approx(np.mean((pred - target) ** 2))
    numeric = numerical_gradient(lambda p: mean_squared_error(p, target)[0], pred)
    assert rel_error(dpred, numeric) <= 1e-7


@pytest.mark.parametrize(
    "labels, match",
    [
        (np.array([0, 10]), r"must be in 0 … 9 for 10 classes, found 10"),
        (np.array([0, -1]), r"found -1"),
        (np.array([0.0, 1.0]), r"whole-number class indices"),
        (np.eye(10)[:2], r"one-hot\?.*argmax"),
        (np.array([0, 1, 2]), r"3 entries but there are 2 examples"),
    ],
)
def test_bad_labels_get_one_clear_message(labels, match):
    with pytest.raises((ValueError, TypeError), match=match):
        softmax_cross_entropy(np.zeros((2, 10)), labels)


def test_logits_must_be_2d():
    with pytest.raises(ValueError, match=r"logits must have shape \(N, C\)"):
        softmax_cross_entropy(np.zeros(10), np.array([1]))


def test_mse_shape_mismatch():
    with pytest.raises(ValueError, match="must have the same shape"):
        mean_squared_error(np.zeros((2, 3)), np.zeros((3, 2)))
