"""Checkers for notebook 08, backpropagation: the chain rule by hand, a dense layer's
backward pass, and the gradient of softmax cross-entropy.

Shapes: N examples in a batch, D inputs of a layer, M outputs of a layer, C classes.
"""

from __future__ import annotations

import numpy as np

from ..layers import Dense, softmax
from ..losses import softmax_cross_entropy
from .core import (
    Feedback,
    Mistake,
    answer_checker,
    as_number,
    check_implementation,
    close,
    not_a_number,
    right,
    wrong,
)

__all__ = [
    "check_chain_rule",
    "check_dense_backward",
    "check_input_gradient",
    "check_softmax_cross_entropy_grad",
]


@answer_checker("dl/dw (one number)")
def check_chain_rule(dl_dw, w: float, x: float, b: float, y: float) -> Feedback:
    """dl/dw for l = (w·x + b − y)²: 2·(w·x + b − y)·x by the chain rule."""
    error = w * x + b - y
    expected = 2 * error * x
    value = as_number(dl_dw)
    if value is None:
        return not_a_number("dl/dw", dl_dw)

    def near(target):
        return close(value, target, rtol=1e-6, atol=1e-9)

    if near(expected):
        return right(
            f"dl/dw = dl/dz · dz/dw = 2·({error:g}) · {x:g} = {expected:g}, with z = w·x + b − y."
        )
    if near(2 * error) and not near(expected):
        return wrong(
            f"{value:g} is dl/db (or dl/dz), not dl/dw.",
            "Chain rule: multiply by dz/dw, which is x.",
        )
    if near(error * x):
        return wrong(
            f"{value:g} forgets the 2 from the square.",
            "The derivative of z² is 2z.",
        )
    if near(-expected):
        return wrong(f"{value:g} has the wrong sign.", "z = w·x + b − y, and dz/dw = +x.")
    if near(error**2):
        return wrong(f"{value:g} is the loss itself, not its slope.", "dl/dz = 2z, dz/dw = x.")
    return wrong(
        f"{value:g} is not dl/dw.",
        "Write z = w·x + b − y, so l = z². Then dl/dw = (dl/dz) · (dz/dw).",
    )


@answer_checker("dl/dx (one number)")
def check_input_gradient(dl_dx, w: float, x: float, b: float, y: float) -> Feedback:
    """dl/dx for l = (w·x + b − y)²: 2·(w·x + b − y)·w, the gradient for the *input*."""
    error = w * x + b - y
    expected = 2 * error * w
    value = as_number(dl_dx)
    if value is None:
        return not_a_number("dl/dx", dl_dx)

    def near(target):
        return close(value, target, rtol=1e-6, atol=1e-9)

    if near(expected):
        return right(
            f"dl/dx = dl/dp · dp/dx = 2·({error:g}) · {w:g} = {expected:g}: "
            "the same dl/dp as for dl/dw, times w instead of x."
        )
    if near(2 * error * x):
        return wrong(f"{value:g} is dl/dw, not dl/dx.", "p = w·x, so dp/dx is w (not x).")
    if near(2 * error):
        return wrong(
            f"{value:g} is dl/dp (and dl/db), one step short of dl/dx.",
            "Chain rule: multiply by dp/dx, which is w.",
        )
    if near(error * w):
        return wrong(f"{value:g} forgets the 2 from the square.", "The derivative of z² is 2z.")
    if near(-expected):
        return wrong(f"{value:g} has the wrong sign.", "z = w·x + b − y, and dz/dx = +w.")
    return wrong(
        f"{value:g} is not dl/dx.",
        "Follow the tiny graph back: dl/dx = dl/dz · dz/ds · ds/dp · dp/dx.",
    )


# ------------------------------------------------------- implement it ----


def _dense_backward_reference(dout, x, kernel):
    """The package's Dense(D → M) without activation, in float64: forward, then backward."""
    layer = Dense(kernel.shape[0], kernel.shape[1], dtype=np.float64)
    layer.kernel[...] = kernel
    layer.forward(x)
    dx = layer.backward(dout)
    return dx, layer.grads["kernel"].copy(), layer.grads["bias"].copy()


def check_dense_backward(dense_backward, seed: int = 0) -> Feedback:
    """Your ``dense_backward(dout, x, kernel)`` against the package's ``Dense.backward``.

    It is called on fresh random float64 inputs dout: (N, M), x: (N, D), kernel: (D, M)
    and must return (dx, dkernel, dbias): (N, D), (D, M), (M,) for a dense layer
    ``x @ kernel + bias`` without activation. The first case has a square kernel, so a
    transposed product has the right shape and is named as the mistake it is.
    """
    rng = np.random.default_rng(seed)
    cases = [
        (rng.normal(size=(n, m)), rng.normal(size=(n, d)), rng.normal(size=(d, m)))
        for n, d, m in [(5, 3, 3), (4, 6, 2), (7, 3, 5), (1, 4, 3)]
    ]
    return check_implementation(
        dense_backward,
        name="dense_backward",
        cases=cases,
        reference=_dense_backward_reference,
        outputs=("dx", "dkernel", "dbias"),
        mistakes=[
            Mistake(
                lambda dout, x, k: (dout @ k.T, x.T @ dout, np.zeros(k.shape[1])),
                "dx and dkernel are right, but your bias gradient is zero.",
                "The bias is added to every row, so dbias is dout summed over the batch: "
                "dout.sum(axis=0).",
            ),
            Mistake(
                lambda dout, x, k: (dout @ k.T, x.T @ dout, dout.mean(axis=0)),
                "your bias gradient is the average of dout over the batch, not the sum.",
                "dout already carries the 1/N of the mean loss: dbias = dout.sum(axis=0).",
            ),
            Mistake(
                lambda dout, x, k: (dout @ k.T, x.T @ dout / len(x), dout.sum(axis=0)),
                "your kernel gradient is divided by the batch size.",
                "dout already carries the 1/N of the mean loss: dkernel = x.T @ dout, "
                "with no further division.",
            ),
            Mistake(
                lambda dout, x, k: (dout @ k.T, dout.T @ x, dout.sum(axis=0)),
                "your kernel gradient is transposed: dout.T @ x is (M, D), the kernel is (D, M).",
                "dkernel = x.T @ dout: (D, N) @ (N, M) → (D, M), the shape of the kernel.",
            ),
            Mistake(
                lambda dout, x, k: (dout @ k, x.T @ dout, dout.sum(axis=0)),
                "dx uses the kernel without its transpose.",
                "dx = dout @ kernel.T: (N, M) @ (M, D) → (N, D), the shape of x.",
            ),
        ],
        hint="Each gradient has the shape of what it is the gradient of: dx (N, D), "
        "dkernel (D, M), dbias (M,). Match the shapes with a transpose, and sum over the "
        "batch where a value was added to every row.",
    )


def _softmax_ce_reference(logits, labels):
    return softmax_cross_entropy(logits, labels)[1]


def check_softmax_cross_entropy_grad(softmax_cross_entropy_grad, seed: int = 0) -> Feedback:
    """Your ``softmax_cross_entropy_grad(logits, labels)`` against the package's
    ``softmax_cross_entropy``: dloss/dlogits = (softmax(logits) − one_hot(labels)) / N.

    It is called on fresh random float64 logits: (N, C) and int labels: (N,) and must
    return dlogits: (N, C).
    """
    rng = np.random.default_rng(seed)
    cases = [
        (3 * rng.normal(size=(n, c)), rng.integers(0, c, size=n))
        for n, c in [(4, 3), (7, 10), (1, 5), (6, 4)]
    ]

    def one_hot(labels, c):
        return np.eye(c)[labels]

    return check_implementation(
        softmax_cross_entropy_grad,
        name="softmax_cross_entropy_grad",
        cases=cases,
        reference=_softmax_ce_reference,
        outputs=("dlogits",),
        mistakes=[
            Mistake(
                lambda z, y: softmax(z) - one_hot(y, z.shape[1]),
                "your gradient is N times too large.",
                "The loss is the mean over the N examples, so divide by N = len(labels).",
            ),
            Mistake(
                lambda z, y: (one_hot(y, z.shape[1]) - softmax(z)) / len(y),
                "your gradient has the wrong sign.",
                "It is p − one_hot: raising the true class's logit lowers the loss.",
            ),
            Mistake(
                lambda z, y: (z - one_hot(y, z.shape[1])) / len(y),
                "you used the logits as if they were probabilities.",
                "Turn the logits into probabilities first: p = softmax(logits).",
            ),
            Mistake(
                lambda z, y: (softmax(z.T).T - one_hot(y, z.shape[1])) / len(y),
                "your softmax runs down the columns (over the batch), not along each row.",
                "Each example's probabilities sum to 1: normalise over axis 1, the classes.",
            ),
        ],
        hint="Turn the logits into probabilities row by row, compare them with the "
        "one-hot rows of the labels, and remember that the loss is a mean over the batch.",
    )
