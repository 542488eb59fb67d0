"""Checkers of notebook 01 (helpers.checks.layers): shapes, a forward pass by hand, the
accuracy of guessing, and the implement-it dense_forward."""

import numpy as np
import pytest

from helpers import checks
from helpers.layers import Dense


@pytest.mark.parametrize(
    ("answer", "passed", "hint"),
    [
        ((784, 512), True, ""),
        (np.zeros((784, 512)).shape, True, ""),
        ((512, 784), False, "D rows"),
        ((784, 10), False, "rows = inputs"),
        ("784x512", False, "tuple"),
    ],
)
def test_check_kernel_shape(answer, passed, hint):
    result = checks.check_kernel_shape(answer)
    assert result.passed is passed
    assert hint in result.hint


@pytest.mark.parametrize(
    ("answer", "passed", "hint"),
    [
        ((128, 512), True, ""),
        ((512, 128), False, "rows of the output are the examples"),
        ((128, 784), False, "one output per unit"),
        ((784, 512), False, "(N, M)"),
        ("3 by 2", False, "tuple"),
    ],
)
def test_check_layer_output_shape(answer, passed, hint):
    result = checks.check_layer_output_shape(answer)
    assert result.passed is passed
    assert hint in result.hint


@pytest.fixture
def layer_and_batch():
    rng = np.random.default_rng(0)
    layer = Dense(4, 3, "relu", seed=0)
    layer.bias[:] = [0.5, -0.5, 0.25]
    x = rng.normal(size=(5, 4)).astype(np.float32)
    return layer, x


def test_check_forward_pass_accepts_the_layer_computation(layer_and_batch):
    layer, x = layer_and_batch
    out = np.maximum(np.dot(x, layer.kernel) + layer.bias, 0)
    assert checks.check_forward_pass(layer, x, out).passed
    assert checks.check_forward_pass(layer, x, layer.forward(x)).passed


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        (lambda x, k, b: np.dot(x, k) + b, "relu"),
        (lambda x, k, b: np.maximum(np.dot(x, k), 0), "bias"),
        (lambda x, k, b: np.dot(x, k).T, "np.dot(x, layer.kernel)"),
        (lambda x, k, b: np.maximum(np.dot(x, k) - b, 0), "relu(dot(x, kernel) + bias)"),
    ],
)
def test_check_forward_pass_names_the_mistake(layer_and_batch, mistake, hint):
    layer, x = layer_and_batch
    result = checks.check_forward_pass(layer, x, mistake(x, layer.kernel, layer.bias))
    assert not result.passed
    assert hint in result.hint


def test_check_forward_pass_needs_a_layer():
    with pytest.raises(TypeError, match="Dense layer"):
        checks.check_forward_pass("layer", np.zeros((1, 4)), np.zeros((1, 3)))


@pytest.mark.parametrize(
    ("answer", "passed", "hint"),
    [
        (0.1, True, ""),
        (0.098, True, ""),
        (10, False, "fraction"),
        (0.5, False, "how often"),
        ("ten percent", False, "single number"),
    ],
)
def test_check_random_accuracy(answer, passed, hint):
    result = checks.check_random_accuracy(answer)
    assert result.passed is passed
    assert hint in result.hint


# ---------------------------------------------------- implement it ----


def dense_forward(x, kernel, bias):
    """relu(dot(x, kernel) + bias)."""
    return np.maximum(np.dot(x, kernel) + bias, 0)


def test_dense_forward_right():
    result = checks.check_dense_forward(dense_forward)
    assert result.passed, result
    assert "3 random inputs" in result.message


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        (lambda x, k, b: x @ k + b, "negative"),
        (lambda x, k, b: np.maximum(x @ k, 0), "without its bias"),
        (lambda x, k, b: np.maximum(x @ k, 0) + b, "after relu"),
    ],
    ids=["no relu", "no bias", "bias after relu"],
)
def test_dense_forward_names_the_mistake(mistake, message):
    result = checks.check_dense_forward(mistake)
    assert not result.passed and result.answered
    assert message in result.message and result.hint


def test_dense_forward_wrong_order_says_which_shape():
    result = checks.check_dense_forward(lambda x, k, b: np.maximum(k.T @ x.T + b[:, None], 0))
    assert not result.passed and "shape" in result.message


def test_dense_forward_blank():
    def blank(x, kernel, bias):
        """Stub."""
        pass

    for answer in (..., None, blank):
        result = checks.check_dense_forward(answer)
        assert not result.passed and not result.answered, answer


def test_dense_forward_that_raises_is_feedback_not_an_error():
    result = checks.check_dense_forward(lambda x, k, b: x @ b)
    assert not result.passed and "raised" in result.message
