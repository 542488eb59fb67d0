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
    with pytest.raises(ValueError, match=r"h \(the step ε\) must be a small number > 0"):
        numerical_partial(cubic, np.zeros(2), 0, h=0)


@pytest.mark.parametrize("function", [numerical_partial, numerical_gradient])
@pytest.mark.parametrize("h", [0, -1e-5, float("nan"), "1e-5", None])
def test_a_step_that_is_not_a_small_positive_number_says_so(function, h):
    args = (0,) if function is numerical_partial else ()
    with pytest.raises(ValueError) as err:
        function(cubic, np.zeros(2), *args, h=h)
    assert str(err.value).startswith("h (the step ε) must be a small number > 0, e.g. h=1e-5")


@pytest.mark.parametrize("function", [numerical_partial, numerical_gradient])
def test_f_must_be_the_loss_as_a_function(function):
    args = (0,) if function is numerical_partial else ()
    with pytest.raises(TypeError, match=r"^f must be the loss as a function of w, e\.g\. lambda"):
        function("w ** 2", np.zeros(2), *args)


@pytest.mark.parametrize("index", [6, -7, (2, 0), (0,), (0, 0, 0), "0", 1.5])
def test_an_index_outside_w_says_which_there_are(index):
    w = np.zeros((2, 3))
    with pytest.raises(IndexError) as err:
        numerical_partial(cubic, w, index)
    assert str(err.value).startswith(
        "index must pick one coefficient of w (shape (2, 3)): a tuple of 2 whole numbers "
        "such as (0, 0), or a flat position 0 … 5; got "
    )
    assert np.array_equal(w, np.zeros((2, 3)))  # untouched


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


# --- w is nudged in place, so it must be a writable float array ------------------------------


@pytest.mark.parametrize("function", [numerical_partial, numerical_gradient])
def test_an_integer_point_is_refused_not_silently_wrong(function):
    w = np.array([1])  # in int64, w + ε rounds back: the slope of w² would come out 50,000
    args = (0,) if function is numerical_partial else ()
    with pytest.raises(TypeError) as err:
        function(lambda v: float(v[0] ** 2), w, *args)
    message = str(err.value)
    assert f"{function.__name__} got w of dtype int64" in message
    assert "50,000 instead of 2" in message
    assert "np.asarray(w, dtype=float)" in message
    w = np.asarray(w, dtype=float)  # what the message says to do
    assert function(lambda v: float(v[0] ** 2), w, *args) == pytest.approx(2.0)


@pytest.mark.parametrize(
    "w, error, match",
    [
        (
            10.0,
            TypeError,
            r"numerical_partial nudges w in place, so w must be a numpy array of floats, "
            r"got 10\.0 \(a float\)",
        ),
        ([10.0], TypeError, r"got \[10\.0\] \(a list\); e\.g\. w = np\.array\(\[10\.0\]\)"),
    ],
)
def test_w_must_be_an_array(w, error, match):
    with pytest.raises(error, match=match):
        numerical_partial(lambda v: 0.0, w, 0)


def test_a_read_only_w_says_to_copy_it():
    w = np.zeros(2)
    w.flags.writeable = False
    with pytest.raises(
        ValueError, match=r"w is read-only; pass a writable copy, e\.g\. w = w\.copy\(\)"
    ):
        numerical_gradient(lambda v: 0.0, w)


def test_a_loss_returning_loss_and_gradient_says_to_return_the_loss_only():
    from helpers.losses import mean_squared_error

    w = np.zeros(2)
    with pytest.raises(
        TypeError,
        match=r"f must return the loss as one number, got a tuple of 2 \(\(loss, gradient\)\?\); "
        r"return only the loss",
    ):
        numerical_gradient(lambda v: mean_squared_error(v, np.ones(2)), w)
    assert np.array_equal(w, np.zeros(2))  # restored


def test_check_gradients_needs_a_model():
    with pytest.raises(TypeError, match="model must be a network"):
        check_gradients("model", np.zeros((1, 2)), np.zeros(1, int))
