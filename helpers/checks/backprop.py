"""Checkers for notebook 09, backpropagation: the chain rule by hand, a dense layer's
backward pass, the gradient of softmax cross-entropy, and a log-sum-exp that does not
overflow.

Shapes: N examples in a batch, D inputs of a layer, M outputs of a layer, C classes.

Every verdict carries a diagnosis, a stable id listed in :data:`DIAGNOSES`.
"""

from __future__ import annotations

import sys

import numpy as np

from ..layers import Dense, softmax
from ..losses import softmax_cross_entropy
from .core import (
    RIGHT,
    RIGHT_FLOAT32,
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
    "check_log_sum_exp",
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
    "wrong-axis": "A sum, softmax or log-sum-exp ran over the wrong axis (over the classes "
    "instead of the batch, over the batch instead of each row, or over all elements).",
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
    "no-keepdims": "A row's sum (softmax) or maximum (log-sum-exp) was taken without "
    "keepdims, so each column was combined with the wrong row's value.",
    "overflow": "log-sum-exp gave inf or nan for logits like ±1000: exp overflowed (or "
    "underflowed to log 0) because the row maximum was not subtracted first.",
    "max-not-added-back": "log-sum-exp subtracted the row maximum m but did not add it back: "
    "log Σ exp(z − m) without the m.",
    "shifted-by-min": "log-sum-exp shifted each row by its minimum, not its maximum: exp still "
    "overflows when a row spans a wide range.",
    "global-max": "log-sum-exp shifted by the largest logit of the whole batch, not of each "
    "row: a row far below it underflows to log 0 = −inf.",
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


# ------------------------------------------------------------ log-sum-exp ----


def _log_sum_exp_reference(logits):
    """log Σ_c exp(logits[b, c]) per row, in float64, shifted by each row's maximum."""
    z = np.asarray(logits, dtype=np.float64)
    m = z.max(axis=-1, keepdims=True)  # (B, 1)
    return m[:, 0] + np.log(np.exp(z - m).sum(axis=-1))  # (B,)


def _quietly(compute):
    """``compute`` with numpy's overflow, underflow and invalid-value warnings silenced."""

    def quiet(*args):
        with np.errstate(all="ignore"):
            return compute(*args)

    return quiet


def _no_keepdims(z):
    """The row max without keepdims: (B, C) − (B,) lines up only when B == C, and then
    shifts column j by row j's maximum."""
    if z.shape[0] != z.shape[1]:
        return np.full(0, np.nan)  # the student's version raises: nothing to compare
    m = z.max(axis=-1)
    return m + np.log(np.exp(z - m).sum(axis=-1))


LOG_SUM_EXP_MISTAKES = [
    Mistake(
        _quietly(lambda z: np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1))),
        "you subtracted each row's maximum m but did not add it back.",
        "log Σ exp(z) = m + log Σ exp(z − m): the shift has to come back out.",
        "max-not-added-back",
    ),
    Mistake(
        _quietly(lambda z: z.max(0) + np.log(np.exp(z - z.max(0)).sum(0))),
        "your log-sum-exp runs down the columns (over the batch), not along each row.",
        "One number per row: reduce over the last axis, the classes.",
        "wrong-axis",
    ),
    Mistake(
        _quietly(lambda z: z.max() + np.log(np.exp(z - z.max()).sum())),
        "your log-sum-exp reduces over all the logits at once: one number for the batch.",
        "One number per row: reduce over the last axis, the classes.",
        "wrong-axis",
    ),
    Mistake(
        _quietly(_no_keepdims),
        "your row maximum lost its axis (no keepdims), so each column was shifted by "
        "another row's maximum.",
        "Keep the maximum as a (B, 1) column so that it lines up with its own row.",
        "no-keepdims",
    ),
]

# Mistakes that are right on moderate logits and give inf or -inf on the huge ones: named
# by where the infinities fall (the core cannot compare inf with inf).
LOG_SUM_EXP_OVERFLOWS = [
    (
        _quietly(lambda z: z.min(-1) + np.log(np.exp(z - z.min(-1, keepdims=True)).sum(-1))),
        "your log-sum-exp gives inf for a row that spans −1000 to 1000: you shifted by each "
        "row's minimum, so exp still sees exponents up to 2000.",
        "Shift by the row's maximum: then every exponent is at most 0.",
        "shifted-by-min",
    ),
    (
        _quietly(lambda z: z.max() + np.log(np.exp(z - z.max()).sum(-1))),
        "your log-sum-exp gives −inf for a row of logits near −1000: you shifted by the "
        "largest logit of the whole batch, so that row's exp underflows to 0.",
        "Shift each row by its own maximum (axis=-1, keepdims=True).",
        "global-max",
    ),
    (
        _quietly(lambda z: np.log(np.exp(z).sum(-1))),
        "your log-sum-exp gives inf or −inf for logits like ±1000: exp(1000) overflows and "
        "exp(−1000) underflows to 0.",
        "Subtract each row's maximum m before exp, and add m back after the log.",
        "overflow",
    ),
]

SHORTCUTS = {"logsumexp", "reduce_logsumexp"}  # scipy.special's, tf.math's


def _same_values(got, guess, tolerance: float) -> bool:
    """The same shape, the same inf, -inf and nan in the same places, and the finite
    values within ``tolerance`` of each other (relative to the largest of them)."""
    if got.shape != guess.shape:
        return False
    finite = np.isfinite(got)
    if not np.array_equal(finite, np.isfinite(guess)):
        return False
    if not np.array_equal(got[~finite], guess[~finite], equal_nan=True):
        return False
    if not finite.any():
        return True
    scale = max(1.0, float(np.max(np.abs(guess[finite]))))
    return float(np.max(np.abs(got[finite] - guess[finite]))) <= tolerance * scale


def _watched(function, calls: list, shortcuts: list):
    """The student's function, called with numpy's overflow warnings silenced (the
    verdict says what went wrong); each call's (args, result) is kept in ``calls``, and a
    call into a library's logsumexp is noted in ``shortcuts``. A (B, 1) column is
    accepted as the (B,) result."""

    def spy(frame, event, arg):
        if event == "call" and frame.f_code.co_name in SHORTCUTS:
            package = frame.f_globals.get("__name__", "").split(".")[0]
            if package in {"scipy", "tensorflow", "torch", "jax"}:
                shortcuts.append(f"{package}'s {frame.f_code.co_name}")

    def call(logits):
        given = np.array(logits, dtype=np.float64)  # before the function can change it
        previous = sys.getprofile()
        sys.setprofile(spy)
        try:
            with np.errstate(all="ignore"):
                result = function(logits)
        finally:
            sys.setprofile(previous)
        column = as_array(result)
        if column is not None and column.shape == (len(given), 1):
            result = np.asarray(result).reshape(len(given))
        calls.append((given, result))
        return result

    return call


def _log_sum_exp_cases(rng) -> list[tuple]:
    """Moderate random logits first (the first square, so a missing keepdims gives numbers
    to name), then huge ones: a row near +1000, one near −1000, one spanning both,
    [1000, 1001, 1002, …], and one far below the rest (−1000 among zeros: a shift by the
    minimum overflows there, one by the mean does not); then a single row."""
    wide = np.stack(
        [
            1000 + rng.normal(size=6),
            -1000 + rng.normal(size=6),
            rng.permutation(np.linspace(-1000.0, 1000.0, 6)),
            1000.0 + np.arange(6),
            np.r_[-1000.0, rng.normal(size=5)],
        ]
    )
    return [
        (3 * rng.normal(size=(4, 4)),),
        (3 * rng.normal(size=(5, 7)),),
        (wide,),
        (3 * rng.normal(size=(1, 5)),),
    ]


def check_log_sum_exp(log_sum_exp, seed: int = 0) -> Feedback:
    """Your ``log_sum_exp(logits)``: for logits (B, C), log Σ_c exp(logits[b, c]) per row,
    shape (B,) (a (B, 1) column is accepted), finite for logits like ±1000.

    It is compared with a float64 reference shifted by each row's maximum, on fresh random
    logits, on huge ones and on a single row. A library's logsumexp (scipy.special's)
    may not be called from it.
    """
    if is_blank(log_sum_exp) or not callable(log_sum_exp):
        return check_implementation(
            log_sum_exp, name="log_sum_exp", cases=[], reference=_log_sum_exp_reference
        )
    calls: list = []
    shortcuts: list = []
    with np.errstate(all="ignore"):  # comparing an inf answer warns; the verdict says it
        verdict = check_implementation(
            _watched(log_sum_exp, calls, shortcuts),
            name="log_sum_exp",
            cases=_log_sum_exp_cases(np.random.default_rng(seed)),
            reference=_log_sum_exp_reference,
            outputs=("log-sum-exp",),
            mistakes=LOG_SUM_EXP_MISTAKES,
            hint="Per row: m = the row's maximum, then m + log Σ exp(z − m).",
        )
    if verdict.diagnosis == "tampered":
        return verdict
    if shortcuts:
        return wrong(
            f"this exercise asks you to write log_sum_exp yourself; {shortcuts[0]} is what you "
            "are rebuilding.",
            "Write it from the formula in the text with numpy operations.",
            diagnosis="package-shortcut",
        )
    if verdict.passed or verdict.diagnosis != "other" or not calls:
        return verdict
    logits, result = calls[-1]
    got = as_array(result)
    if got is None or np.isfinite(got).all():
        return verdict
    tolerance = RIGHT_FLOAT32 if precision_of(result) else RIGHT
    for compute, message, hint, diagnosis in LOG_SUM_EXP_OVERFLOWS:
        if _same_values(got, compute(logits), tolerance):
            return wrong(message, hint, diagnosis=diagnosis)
    if np.abs(logits).max() > 100:
        return wrong(
            "your log-sum-exp gives inf or nan for logits like ±1000 (it is right on small "
            "ones): exp overflowed somewhere.",
            "Subtract each row's maximum before exp, and add it back after the log.",
            diagnosis="overflow",
        )
    return verdict
