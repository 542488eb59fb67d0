"""Finite differences, rel_error and check_gradients."""

import numpy as np
import pytest

from helpers.gradients import check_gradients, numerical_gradient, numerical_partial, rel_error
from helpers.layers import mlp


def cubic(w):
    return float(np.sum(w**3))


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 2, 2)])
def test_central_difference_of_a_cubic(shape):
    w = np.random.default_rng(0).normal(size=shape)
    before = w.copy()
    grad = numerical_gradient(cubic, w)
    np.testing.assert_allclose(grad, 3 * w**2, rtol=1e-8)
    np.testing.assert_array_equal(w, before)  # w is restored exactly


def test_forward_difference_is_the_lectures_formula():
    w = np.array([2.0])
    eps = 1e-3
    expected = ((2.0 + eps) ** 3 - 2.0**3) / eps  # (l(w + ε) − l(w)) / ε
    assert numerical_partial(cubic, w, 0, h=eps, method="forward") == pytest.approx(expected)
    grad = numerical_gradient(cubic, w, h=eps, method="forward")
    assert grad[0] == pytest.approx(expected)


def test_central_is_more_accurate_than_forward():
    w = np.array([1.5])
    exact = 3 * 1.5**2
    fwd = numerical_partial(cubic, w, 0, h=1e-3, method="forward")
    ctr = numerical_partial(cubic, w, 0, h=1e-3, method="central")
    assert abs(ctr - exact) < abs(fwd - exact) / 100


def test_partial_takes_tuple_and_flat_index():
    w = np.arange(6, dtype=np.float64).reshape(2, 3)
    assert numerical_partial(cubic, w, (1, 2)) == pytest.approx(numerical_partial(cubic, w, 5))


def test_rel_error():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [1.1]) == pytest.approx(0.1 / 2.1)
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error(np.zeros(2), np.zeros(3))


def test_bad_method_and_step():
    with pytest.raises(ValueError, match="'central' or 'forward'"):
        numerical_gradient(cubic, np.zeros(2), method="backward")
    with pytest.raises(ValueError, match="must be > 0"):
        numerical_partial(cubic, np.zeros(2), 0, h=0)


def test_check_gradients_of_a_float64_model():
    rng = np.random.default_rng(0)
    model = mlp([5, 4, 3], seed=0, dtype=np.float64)
    errors = check_gradients(model, rng.normal(size=(6, 5)), rng.integers(0, 3, 6))
    assert set(errors) == {"0.kernel", "0.bias", "1.kernel", "1.bias"}
    assert max(errors.values()) <= 1e-7, errors


def test_check_gradients_finds_a_wrong_backward():
    rng = np.random.default_rng(0)
    model = mlp([5, 4, 3], seed=0, dtype=np.float64)
    layer = model.layers[1]
    right_backward = layer.backward

    def buggy_backward(dout, **kwargs):
        dx = right_backward(dout, **kwargs)
        layer.grads["kernel"] *= 1.5
        return dx

    layer.backward = buggy_backward
    errors = check_gradients(model, rng.normal(size=(6, 5)), rng.integers(0, 3, 6))
    assert errors["1.kernel"] > 1e-2


def test_check_gradients_needs_float64():
    with pytest.raises(TypeError, match="float64 model"):
        check_gradients(mlp([3, 2], seed=0), np.zeros((1, 3)), np.array([0]))
