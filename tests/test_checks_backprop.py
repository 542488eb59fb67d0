"""The checkers of notebook 08: a right answer passes, each typical wrong answer fails with
its hint, a blank answer is "not answered yet", and nothing a student writes makes them raise."""

import numpy as np
import pytest

from helpers.checks import (
    Feedback,
    check_chain_rule,
    check_dense_backward,
    check_input_gradient,
    check_softmax_cross_entropy_grad,
)
from helpers.layers import softmax


def _one_hot(labels, num_classes):
    return np.eye(num_classes)[labels]


# ------------------------------------------------------------ dense backward ----


def dense_right(dout, x, kernel):
    return dout @ kernel.T, x.T @ dout, dout.sum(axis=0)


def dense_blank(dout, x, kernel):
    pass


def dense_raises(dout, x, kernel):
    raise RuntimeError("oops")


DENSE_WRONG = {
    "no bias gradient": (
        lambda dout, x, k: (dout @ k.T, x.T @ dout, np.zeros(k.shape[1])),
        "summed over the batch",
    ),
    "bias not summed": (lambda dout, x, k: (dout @ k.T, x.T @ dout, dout), "sum over the batch"),
    "bias averaged": (
        lambda dout, x, k: (dout @ k.T, x.T @ dout, dout.mean(axis=0)),
        "already carries the 1/N",
    ),
    "kernel averaged": (
        lambda dout, x, k: (dout @ k.T, x.T @ dout / len(x), dout.sum(axis=0)),
        "no further division",
    ),
    "kernel transposed": (
        lambda dout, x, k: (dout @ k.T, dout.T @ x, dout.sum(axis=0)),
        "x.T @ dout",
    ),
    "dx without transpose": (
        lambda dout, x, k: (dout @ k, x.T @ dout, dout.sum(axis=0)),
        "kernel.T",
    ),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dense_backward_right(seed):
    result = check_dense_backward(dense_right, seed=seed)
    assert result.passed, str(result)


@pytest.mark.parametrize("name", sorted(DENSE_WRONG))
def test_dense_backward_wrong(name):
    function, hint = DENSE_WRONG[name]
    result = check_dense_backward(function)
    assert not result.passed and result.answered
    assert hint in result.hint, str(result)


# ------------------------------------------------------ softmax cross-entropy ----


def softmax_right(logits, labels):
    return (softmax(logits) - _one_hot(labels, logits.shape[1])) / len(labels)


def softmax_blank(logits, labels):
    pass


def softmax_raises(logits, labels):
    return logits[labels.shape[0] + 100]  # IndexError


SOFTMAX_WRONG = {
    "not divided by N": (
        lambda z, y: softmax(z) - _one_hot(y, z.shape[1]),
        "divide by N",
    ),
    "sign flipped": (
        lambda z, y: (_one_hot(y, z.shape[1]) - softmax(z)) / len(y),
        "p − one_hot",
    ),
    "no softmax": (
        lambda z, y: (z - _one_hot(y, z.shape[1])) / len(y),
        "p = softmax(logits)",
    ),
    "softmax over the batch": (
        lambda z, y: (softmax(z.T).T - _one_hot(y, z.shape[1])) / len(y),
        "axis 1",
    ),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_softmax_cross_entropy_grad_right(seed):
    result = check_softmax_cross_entropy_grad(softmax_right, seed=seed)
    assert result.passed, str(result)


@pytest.mark.parametrize("name", sorted(SOFTMAX_WRONG))
def test_softmax_cross_entropy_grad_wrong(name):
    function, hint = SOFTMAX_WRONG[name]
    result = check_softmax_cross_entropy_grad(function)
    assert not result.passed and result.answered
    assert hint in result.hint, str(result)


# --------------------------------------------- both implement-it checkers ----

CHECKERS = {
    "dense_backward": (check_dense_backward, dense_blank, dense_raises),
    "softmax_cross_entropy_grad": (
        check_softmax_cross_entropy_grad,
        softmax_blank,
        softmax_raises,
    ),
}


@pytest.mark.parametrize("name", sorted(CHECKERS))
@pytest.mark.parametrize("blank", ["ellipsis", "none", "pass"])
def test_a_blank_function_is_not_answered_yet(name, blank):
    check, stub, _ = CHECKERS[name]
    answer = {"ellipsis": ..., "none": None, "pass": stub}[blank]
    result = check(answer)
    assert isinstance(result, Feedback)
    assert not result.passed and not result.answered
    assert str(result).startswith("Not answered yet: fill in ")


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_a_function_that_raises_is_not_yet(name):
    check, _, raises = CHECKERS[name]
    result = check(raises)
    assert not result.passed and result.answered
    assert "raised" in result.message


@pytest.mark.parametrize("name", sorted(CHECKERS))
@pytest.mark.parametrize("answer", [42, "dx"])
def test_not_a_function_is_not_yet(name, answer):
    check, _, _ = CHECKERS[name]
    result = check(answer)
    assert not result.passed and result.answered


def test_dense_backward_wrong_return_type():
    result = check_dense_backward(lambda dout, x, k: dout @ k.T)
    assert not result.passed and "expected a tuple (dx, dkernel, dbias)" in result.message


# ------------------------------------------------------------ dl/dx by hand ----

W, X, B, Y = 0.5, -2.0, 1.0, 3.0
ERROR = W * X + B - Y  # -3


def test_input_gradient_right():
    result = check_input_gradient(2 * ERROR * W, W, X, B, Y)
    assert result.passed, str(result)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (2 * ERROR * X, "dp/dx is w"),  # dl/dw
        (2 * ERROR, "multiply by dp/dx"),  # dl/dp
        (ERROR * W, "2z"),  # forgot the 2
        (-2 * ERROR * W, "+w"),  # wrong sign
        (7.0, "dl/dx = dl/dz"),
        ("three", "single number"),
    ],
)
def test_input_gradient_wrong(answer, hint):
    result = check_input_gradient(answer, W, X, B, Y)
    assert not result.passed and result.answered
    assert hint in result.hint, str(result)


@pytest.mark.parametrize("blank", [..., None])
def test_input_gradient_blank(blank):
    result = check_input_gradient(blank, W, X, B, Y)
    assert not result.passed and not result.answered


# ---------------------------------------------------------------- the chain rule by hand ----


@pytest.mark.parametrize(("w", "x", "b", "y"), [(2.0, 3.0, 1.0, 4.0), (-0.5, 1.5, 0.2, 1.0)])
def test_chain_rule_right(w, x, b, y):
    assert check_chain_rule(2 * (w * x + b - y) * x, w, x, b, y).passed


@pytest.mark.parametrize("answer", [6.0, 9.0, -18.0, 9.0001, 0.0, "dl/dw"])
def test_chain_rule_wrong(answer):
    # w=2, x=3, b=1, y=4: z = 3, dl/dw = 18, dl/db = 6, z·x = 9, l = 9.
    _not_yet(check_chain_rule(answer, 2.0, 3.0, 1.0, 4.0))


def test_chain_rule_names_the_bias_gradient():
    assert "dl/db" in check_chain_rule(6.0, 2.0, 3.0, 1.0, 4.0).message


def _not_yet(result):
    assert isinstance(result, Feedback)
    assert not result.passed and result.answered and result.hint, result
    assert str(result).startswith("Not yet: ")
