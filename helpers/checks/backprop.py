"""Checkers for notebook 09, backpropagation: the chain rule by hand, a dense layer's
backward pass, and the gradient of softmax cross-entropy.

Shapes: N examples in a batch, D inputs of a layer, M outputs of a layer, C classes.

Every verdict carries a diagnosis, a stable id listed in :data:`DIAGNOSES`.
"""

from __future__ import annotations

import numpy as np

from ..layers import Dense, softmax
from ..losses import softmax_cross_entropy
from .core import (
    Feedback,
    Mistake,
    answer_checker,
    as_array,
    as_number,
    check_implementation,
    is_blank,
    judge_array,
    not_a_number,
    precision_of,
    right,
    wrong,
)

__all__ = [
    "check_chain_rule",
    "check_dense_backward",
    "check_input_gradient",
    "check_softmax_cross_entropy_grad",
]

# id -> what to re-teach (merged into helpers.checks.DIAGNOSES for the grade report).
DIAGNOSES: dict[str, str] = {
    "stopped-one-step-short": "The chain rule stopped one link early: the answer is dl/dz "
    "(= dl/db), not yet multiplied by the last local derivative.",
    "missing-factor-two": "The derivative of z² was taken as z: the factor 2 is missing.",
    "sign-flipped": "A sign is flipped: z taken as y − (w·x + b), or one_hot − p instead of "
    "p − one_hot.",
    "loss-not-slope": "The answer is the loss itself, not its derivative.",
    "no-bias-in-z": "Chain rule by hand: the bias was left out of z = w·x + b − y.",
    "dl-dx-not-dl-dw": "dp/dw is x, but the answer multiplied by w: that is dl/dx.",
    "dl-dw-not-dl-dx": "dp/dx is w, but the answer multiplied by x: that is dl/dw.",
    "no-bias-gradient": "dense_backward gave no bias gradient (missing, or zero): the bias "
    "was added to every row, so its gradient is dout summed over the batch.",
    "bias-not-summed": "The bias gradient was dout itself, (N, M), not summed over the batch.",
    "averaged-not-summed": "The bias gradient averaged dout over the batch; dout already "
    "carries the 1/N of the mean loss, so it is the sum.",
    "wrong-axis": "A sum or softmax ran over the wrong axis (over the classes instead of the "
    "batch, or over the batch instead of each row).",
    "divided-by-n-twice": "The kernel gradient was divided by N again; dout already "
    "carries the 1/N of the mean loss.",
    "transposed-kernel-gradient": "The kernel gradient was transposed (dout.T @ x is (M, D), "
    "the kernel is (D, M)).",
    "missing-transpose": "dx used the kernel without its transpose (it only fits a square kernel).",
    "swapped-outputs": "dense_backward returned dkernel and dx in each other's place.",
    "summed-not-averaged": "The softmax gradient of the summed loss: the 1/N of the batch "
    "mean is missing.",
    "divided-by-classes": "The gradient was divided by the number of classes C, not by the "
    "batch size N.",
    "logits-not-probabilities": "The logits were used as if they were probabilities: no softmax.",
    "no-keepdims": "softmax divided by the row sums without keepdims, so each column was "
    "divided by the wrong row's sum.",
}


# --------------------------------------------------------- the tiny graph ----


def _by_hand(
    value, expected: float, candidates, right_message: str, what: str, other_hint: str
) -> Feedback:
    """Judge one number against ``expected`` and the named wrong ``candidates``
    (id, value, message, hint), at the answer's precision."""
    if judge_array(value, expected) is None:
        return right(right_message, precision=precision_of(value))
    for diagnosis, candidate, message, hint in candidates:
        if judge_array(value, candidate) is None:
            return wrong(message, hint, diagnosis=diagnosis)
    return wrong(f"{as_number(value):g} is not {what}.", other_hint, diagnosis="other")


def _one_number(answer):
    """The answer as one number of its own dtype (float32 stays float32), or None."""
    if as_number(answer) is None:
        return None
    array = np.asarray(answer).reshape(())
    return array if array.dtype.kind == "f" else array.astype(np.float64)


@answer_checker("dl/dw (one number)")
def check_chain_rule(dl_dw, w: float, x: float, b: float, y: float) -> Feedback:
    """dl/dw for l = (w·x + b − y)²: 2·(w·x + b − y)·x by the chain rule.

    w, x, b, y: the question's numbers, passed by the check cell as literals.
    """
    value = _one_number(dl_dw)
    if value is None:
        return not_a_number("dl/dw", dl_dw)
    z = w * x + b - y
    expected = 2 * z * x
    candidates = [
        (
            "stopped-one-step-short",
            2 * z,
            f"{as_number(value):g} is dl/dz (and dl/db), one link short of dl/dw.",
            "w reaches the loss through p = w·x: one more local derivative.",
        ),
        (
            "dl-dx-not-dl-dw",
            2 * z * w,
            f"{as_number(value):g} is dl/dx, not dl/dw.",
            "Which number does p = w·x change by when w grows by 1?",
        ),
        (
            "missing-factor-two",
            z * x,
            f"{as_number(value):g} forgets the 2 from the square.",
            "Differentiate z² with respect to z.",
        ),
        (
            "sign-flipped",
            -expected,
            f"{as_number(value):g} has the wrong sign.",
            "Work out z = w·x + b − y with the question's numbers first, signs included.",
        ),
        (
            "no-bias-in-z",
            2 * (w * x - y) * x,
            f"{as_number(value):g} leaves the bias b out of z.",
            "z = w·x + b − y: put b in when you evaluate z.",
        ),
        (
            "loss-not-slope",
            z**2,
            f"{as_number(value):g} is the loss itself, not its slope.",
            "The question asks how fast l changes with w.",
        ),
    ]
    return _by_hand(
        value,
        expected,
        candidates,
        f"dl/dw = dl/dz · dz/dw = 2·({z:g}) · {x:g} = {expected:g}, with z = w·x + b − y.",
        "dl/dw",
        "Break l into the small steps of the tiny graph (p, s, z, l) and go back from l "
        "to w one step at a time.",
    )


@answer_checker("dl/dx (one number)")
def check_input_gradient(dl_dx, w: float, x: float, b: float, y: float) -> Feedback:
    """dl/dx for l = (w·x + b − y)²: 2·(w·x + b − y)·w, the gradient for the *input*.

    w, x, b, y: the question's numbers, passed by the check cell as literals.
    """
    value = _one_number(dl_dx)
    if value is None:
        return not_a_number("dl/dx", dl_dx)
    z = w * x + b - y
    expected = 2 * z * w
    candidates = [
        (
            "dl-dw-not-dl-dx",
            2 * z * x,
            f"{as_number(value):g} is dl/dw, not dl/dx.",
            "Which number does p = w·x change by when x grows by 1?",
        ),
        (
            "stopped-one-step-short",
            2 * z,
            f"{as_number(value):g} is dl/dp (and dl/db), one link short of dl/dx.",
            "x reaches the loss through p = w·x: one more local derivative.",
        ),
        (
            "missing-factor-two",
            z * w,
            f"{as_number(value):g} forgets the 2 from the square.",
            "Differentiate z² with respect to z.",
        ),
        (
            "sign-flipped",
            -expected,
            f"{as_number(value):g} has the wrong sign.",
            "Work out z = w·x + b − y with the question's numbers first, signs included.",
        ),
        (
            "no-bias-in-z",
            2 * (w * x - y) * w,
            f"{as_number(value):g} leaves the bias b out of z.",
            "z = w·x + b − y: put b in when you evaluate z.",
        ),
        (
            "loss-not-slope",
            z**2,
            f"{as_number(value):g} is the loss itself, not its slope.",
            "The question asks how fast l changes with x.",
        ),
    ]
    return _by_hand(
        value,
        expected,
        candidates,
        f"dl/dx = dl/dp · dp/dx = 2·({z:g}) · {w:g} = {expected:g}: "
        "the same dl/dp as for dl/dw, times w instead of x.",
        "dl/dx",
        "Follow the tiny graph back from l to x; the path shares all but its last step "
        "with the path to w.",
    )


# ------------------------------------------------------- implement it ----


def _dense_backward_reference(dout, x, kernel):
    """The package's Dense(D → M) without activation, in float64: forward, then backward."""
    layer = Dense(kernel.shape[0], kernel.shape[1], dtype=np.float64)
    layer.kernel[...] = kernel
    layer.forward(x)
    dx = layer.backward(dout)
    return dx, layer.grads["kernel"].copy(), layer.grads["bias"].copy()


def _dense(dx=None, dkernel=None, dbias=None, order=(0, 1, 2)):
    """A dense backward pass with some parts done the mistaken way given."""

    def compute(dout, x, k):
        parts = (
            dout @ k.T if dx is None else dx(dout, x, k),
            x.T @ dout if dkernel is None else dkernel(dout, x, k),
            dout.sum(axis=0) if dbias is None else dbias(dout, x, k),
        )
        return tuple(parts[i] for i in order)

    return compute


DENSE_MISTAKES = [
    Mistake(
        _dense(dbias=lambda dout, x, k: np.zeros(k.shape[1])),
        "dx and dkernel are right, but your bias gradient is zero.",
        "The bias was added to every row of the output: what does each row's dout say about it?",
        "no-bias-gradient",
    ),
    Mistake(
        _dense(dbias=lambda dout, x, k: 0.0),
        "dx and dkernel are right, but your bias gradient is the number 0.",
        "The bias was added to every row of the output: what does each row's dout say about it?",
        "no-bias-gradient",
    ),
    Mistake(
        _dense(dbias=lambda dout, x, k: dout),
        "dx and dkernel are right, but your bias gradient is dout itself, (N, M); the bias "
        "is (M,).",
        "One bias serves every row of the batch: collect its gradient over the rows.",
        "bias-not-summed",
    ),
    Mistake(
        _dense(dbias=lambda dout, x, k: dout.sum(axis=1)),
        "your bias gradient sums over the wrong axis: it has one number per example, the "
        "bias has one per output unit.",
        "Sum over the axis of the batch, so one number per unit is left.",
        "wrong-axis",
    ),
    Mistake(
        _dense(dbias=lambda dout, x, k: dout.mean(axis=0)),
        "your bias gradient is the average of dout over the batch, not the sum.",
        "dout already carries the 1/N of the mean loss.",
        "averaged-not-summed",
    ),
    Mistake(
        _dense(dkernel=lambda dout, x, k: x.T @ dout / len(x)),
        "your kernel gradient is divided by the batch size.",
        "dout already carries the 1/N of the mean loss.",
        "divided-by-n-twice",
    ),
    Mistake(
        _dense(
            dkernel=lambda dout, x, k: x.T @ dout / len(x),
            dbias=lambda dout, x, k: dout.mean(axis=0),
        ),
        "your kernel and bias gradients are divided by the batch size.",
        "dout already carries the 1/N of the mean loss.",
        "divided-by-n-twice",
    ),
    Mistake(
        _dense(dkernel=lambda dout, x, k: dout.T @ x),
        "your kernel gradient is transposed: it is (M, D), the kernel is (D, M).",
        "Each gradient has the shape of what it is the gradient of.",
        "transposed-kernel-gradient",
    ),
    Mistake(
        _dense(dx=lambda dout, x, k: dout @ k),
        "dx uses the kernel without its transpose.",
        "dx must have the shape of x, (N, D): check the shapes of your product.",
        "missing-transpose",
    ),
    Mistake(
        _dense(order=(1, 0, 2)),
        "you returned dkernel first and dx second.",
        "Return (dx, dkernel, dbias), in that order.",
        "swapped-outputs",
    ),
]


def _dense_backward_two_results(result) -> Feedback | None:
    """(dx, dkernel) without the bias gradient, or with None in its place: name it."""
    if isinstance(result, (tuple, list)) and len(result) in (2, 3):
        if len(result) == 3 and not is_blank(result[2]):
            return None
        if all(as_array(item) is not None for item in result[:2]):
            return wrong(
                "your function returns two results; the third, the bias gradient dbias, is "
                "missing.",
                "The layer is x @ kernel + bias: the bias has a gradient too. Return (dx, "
                "dkernel, dbias).",
                diagnosis="no-bias-gradient",
            )
    return None


def check_dense_backward(dense_backward, seed: int = 0) -> Feedback:
    """Your ``dense_backward(dout, x, kernel)`` against the package's ``Dense.backward``.

    It is called on fresh random float64 inputs dout: (N, M), x: (N, D), kernel: (D, M)
    and must return (dx, dkernel, dbias): (N, D), (D, M), (M,) for a dense layer
    ``x @ kernel + bias`` without activation. The first case has a square kernel, so a
    transposed product has the right shape and is named as the mistake it is; the others
    are not square and N never equals D or M. ``Dense.backward`` may not be called from it.
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
        mistakes=DENSE_MISTAKES,
        forbid=("Dense.backward",),
        wrong_count=_dense_backward_two_results,
        hint="Each gradient has the shape of what it is the gradient of: dx (N, D), "
        "dkernel (D, M), dbias (M,).",
    )


def _softmax_ce_reference(logits, labels):
    return softmax_cross_entropy(logits, labels)[1]


def _one_hot(labels, classes):
    return np.eye(classes)[labels]


SOFTMAX_MISTAKES = [
    Mistake(
        lambda z, y: softmax(z) - _one_hot(y, z.shape[1]),
        "your gradient is N times too large: it is the gradient of the summed loss.",
        "The loss is the mean over the batch.",
        "summed-not-averaged",
    ),
    Mistake(
        lambda z, y: (_one_hot(y, z.shape[1]) - softmax(z)) / len(y),
        "your gradient has the wrong sign.",
        "Raising the true class's logit should lower the loss.",
        "sign-flipped",
    ),
    Mistake(
        lambda z, y: (softmax(z) - _one_hot(y, z.shape[1])) / z.shape[1],
        "your gradient is divided by the number of classes; the loss is a mean over the examples.",
        "Which length is the mean of the batch taken over?",
        "divided-by-classes",
    ),
    Mistake(
        lambda z, y: (z - _one_hot(y, z.shape[1])) / len(y),
        "you used the logits as if they were probabilities.",
        "Turn the logits into probabilities first.",
        "logits-not-probabilities",
    ),
    Mistake(
        lambda z, y: (softmax(z.T).T - _one_hot(y, z.shape[1])) / len(y),
        "your softmax runs down the columns (over the batch), not along each row.",
        "Each example's probabilities should sum to 1.",
        "wrong-axis",
    ),
    Mistake(
        lambda z, y: (np.exp(z) / np.exp(z).sum(axis=1) - _one_hot(y, z.shape[1])) / len(y),
        "your softmax divides by the row sums without keepdims, so each column is divided "
        "by the wrong row's sum.",
        "The sums of shape (N,) broadcast along the last axis; keep them as (N, 1).",
        "no-keepdims",
    ),
]


def check_softmax_cross_entropy_grad(softmax_cross_entropy_grad, seed: int = 0) -> Feedback:
    """Your ``softmax_cross_entropy_grad(logits, labels)`` against the package's
    ``softmax_cross_entropy``: dloss/dlogits = (softmax(logits) − one_hot(labels)) / N.

    It is called on fresh random float64 logits: (N, C) and int labels: (N,) and must
    return dlogits: (N, C). The first case is square (N = C), so that a softmax without
    keepdims gives numbers to name instead of an error. ``softmax_cross_entropy`` may not
    be called from it (``softmax`` may).
    """
    rng = np.random.default_rng(seed)
    cases = [
        (3 * rng.normal(size=(n, c)), rng.integers(0, c, size=n))
        for n, c in [(5, 5), (4, 3), (7, 10), (1, 5), (6, 4)]
    ]
    return check_implementation(
        softmax_cross_entropy_grad,
        name="softmax_cross_entropy_grad",
        cases=cases,
        reference=_softmax_ce_reference,
        outputs=("dlogits",),
        mistakes=SOFTMAX_MISTAKES,
        forbid=("softmax_cross_entropy",),
        hint="Three parts: probabilities row by row, the one-hot rows of the labels, and "
        "the mean over the batch.",
    )
