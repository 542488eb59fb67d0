"""The checkers of notebook 09, one answer battery per exercise: right answers written
several ways, every named mistake, blank, raising, endless, huge, package-shortcut and
tampered answers. For each: the visible verdict, its diagnosis, and that the hidden test
(``helpers.checks.confirm``) fails exactly when the verdict is not Right."""

import types
import warnings

import battery
import numpy as np
import pytest
from battery import Tampered, tampering

from helpers.checks import (
    DIAGNOSES,
    Feedback,
    check_chain_rule,
    check_dense_backward,
    check_input_gradient,
    check_log_sum_exp,
    check_softmax_cross_entropy_grad,
)
from helpers.layers import Dense, softmax
from helpers.losses import softmax_cross_entropy


def CheckerReplaced(answer, name="check_chain_rule"):  # noqa: N802 - reads as the class it makes
    return battery.CheckerReplaced(answer, name)


def judge(check, description, answer, passed: bool, diagnosis: str, monkeypatch) -> Feedback:
    return battery.judge(check, description, answer, passed, diagnosis, monkeypatch, DIAGNOSES)


def _blank(*args):
    pass


def _raises(*args):
    raise RuntimeError("oops")


def _endless(*args):
    while True:
        pass


def _huge(*args):
    return np.ones(1 << 34)  # 128 GiB


f32 = np.float32

# ------------------------------------------------------------ the chain rule by hand ----
# l = (w·x + b − y)² with w = 0.5, x = −2, b = 1, y = 3 (the question's numbers):
# z = −3, dl/dw = 2·z·x = 12, dl/dx = 2·z·w = −3, dl/dz = dl/db = −6, l = 9.

QUESTION = dict(w=0.5, x=-2.0, b=1.0, y=3.0)

CHAIN_RULE = [
    ("right", 12.0, True, ""),
    ("right, whole number", 12, True, ""),
    ("right, as written", 2 * (0.5 * -2.0 + 1.0 - 3.0) * -2.0, True, ""),
    ("right, float32", f32(2) * (f32(0.5) * f32(-2.0) + f32(1.0) - f32(3.0)) * f32(-2.0), True,
     ""),
    ("right, a one-element array", np.array([12.0]), True, ""),
    ("blank", ..., False, "blank"),
    ("text", "twelve", False, "wrong-type"),
    ("two numbers", [12.0, -3.0], False, "wrong-type"),
    ("dl/dz", -6.0, False, "stopped-one-step-short"),
    ("dl/dx", -3.0, False, "dl-dx-not-dl-dw"),
    ("no 2", 6.0, False, "missing-factor-two"),
    ("sign", -12.0, False, "sign-flipped"),
    ("no bias", 16.0, False, "no-bias-in-z"),
    ("the loss", 9.0, False, "loss-not-slope"),
    ("other", 7.0, False, "other"),
    ("nearly", 12.001, False, "other"),
    ("tampered", Tampered(12.0), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced(12.0, "check_dense_backward"), False,
     "tampered"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    CHAIN_RULE,
    ids=[row[0] for row in CHAIN_RULE],
)
def test_chain_rule(description, answer, passed, diagnosis, monkeypatch):
    def check(value):
        return check_chain_rule(value, **QUESTION)

    result = judge(check, description, answer, passed, diagnosis, monkeypatch)
    assert "dl/dw = (dl/dz) · (dz/dw)" not in result.hint


INPUT_GRADIENT = [
    ("right", -3.0, True, ""),
    ("right, whole number", -3, True, ""),
    ("right, float32", f32(2) * f32(-3.0) * f32(0.5), True, ""),
    ("blank", None, False, "blank"),
    ("text", "minus three", False, "wrong-type"),
    ("dl/dw", 12.0, False, "dl-dw-not-dl-dx"),
    ("dl/dp", -6.0, False, "stopped-one-step-short"),
    ("no 2", -1.5, False, "missing-factor-two"),
    ("sign", 3.0, False, "sign-flipped"),
    ("no bias", -4.0, False, "no-bias-in-z"),
    ("the loss", 9.0, False, "loss-not-slope"),
    ("other", 5.0, False, "other"),
    ("tampered", Tampered(-3.0), False, "tampered"),
    (
        "a checker replaced earlier",
        CheckerReplaced(-3.0, "check_dense_backward"),
        False,
        "tampered",
    ),
]


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    INPUT_GRADIENT,
    ids=[row[0] for row in INPUT_GRADIENT],
)
def test_input_gradient(description, answer, passed, diagnosis, monkeypatch):
    def check(value):
        return check_input_gradient(value, **QUESTION)

    judge(check, description, answer, passed, diagnosis, monkeypatch)


@pytest.mark.parametrize(("w", "x", "b", "y"), [(2.0, 3.0, 1.0, 4.0), (-0.5, 1.5, 0.2, 1.0)])
def test_chain_rule_right_for_other_numbers(w, x, b, y):
    assert check_chain_rule(2 * (w * x + b - y) * x, w, x, b, y).passed
    assert check_input_gradient(2 * (w * x + b - y) * w, w, x, b, y).passed


# ------------------------------------------------------------------ dense_backward ----


def _dense(dout, x, kernel):
    return dout @ kernel.T, x.T @ dout, dout.sum(axis=0)


def _dense_loop(dout, x, kernel):
    n, d = x.shape
    m = kernel.shape[1]
    dx, dkernel, dbias = np.zeros((n, d)), np.zeros((d, m)), np.zeros(m)
    for i in range(n):
        dx[i] = kernel @ dout[i]
        dkernel += np.outer(x[i], dout[i])
        dbias += dout[i]
    return dx, dkernel, dbias


def _dense_einsum(dout, x, kernel):
    return (
        np.einsum("nm,dm->nd", dout, kernel),
        np.einsum("nd,nm->dm", x, dout),
        np.einsum("nm->m", dout),
    )


def _dense_float32(dout, x, kernel):
    return _dense(dout.astype(f32), x.astype(f32), kernel.astype(f32))


def _dense_via_layer(dout, x, kernel):
    layer = Dense(*kernel.shape, dtype=np.float64)
    layer.kernel[...] = kernel
    layer.forward(x)
    dx = layer.backward(dout)
    return dx, layer.grads["kernel"], layer.grads["bias"]


DENSE_BACKWARD = [
    ("right, vectorised", _dense, True, ""),
    ("right, loop over the batch", _dense_loop, True, ""),
    ("right, einsum", _dense_einsum, True, ""),
    ("right, float32", _dense_float32, True, ""),
    ("right, a list", lambda *a: list(_dense(*a)), True, ""),
    ("blank ...", ..., False, "blank"),
    ("blank None", None, False, "blank"),
    ("blank stub", _blank, False, "blank"),
    ("not a function", "dx", False, "wrong-type"),
    ("one array", lambda dout, x, k: dout @ k.T, False, "wrong-type"),
    ("no bias gradient: two results", lambda *a: _dense(*a)[:2], False, "no-bias-gradient"),
    ("no bias gradient: None", lambda *a: (*_dense(*a)[:2], None), False, "no-bias-gradient"),
    ("no bias gradient: zeros",
     lambda dout, x, k: (*_dense(dout, x, k)[:2], np.zeros(k.shape[1])), False,
     "no-bias-gradient"),
    ("no bias gradient: 0", lambda *a: (*_dense(*a)[:2], 0), False, "no-bias-gradient"),
    ("bias not summed", lambda dout, x, k: (*_dense(dout, x, k)[:2], dout), False,
     "bias-not-summed"),
    ("bias summed over the classes",
     lambda dout, x, k: (*_dense(dout, x, k)[:2], dout.sum(axis=1)), False, "wrong-axis"),
    ("bias averaged", lambda dout, x, k: (*_dense(dout, x, k)[:2], dout.mean(axis=0)), False,
     "averaged-not-summed"),
    ("kernel divided by N",
     lambda dout, x, k: (dout @ k.T, x.T @ dout / len(x), dout.sum(axis=0)), False,
     "divided-by-n-twice"),
    ("kernel and bias divided by N",
     lambda dout, x, k: (dout @ k.T, x.T @ dout / len(x), dout.mean(axis=0)), False,
     "divided-by-n-twice"),
    ("kernel transposed", lambda dout, x, k: (dout @ k.T, dout.T @ x, dout.sum(axis=0)),
     False, "transposed-kernel-gradient"),
    ("dx without transpose", lambda dout, x, k: (dout @ k, x.T @ dout, dout.sum(axis=0)),
     False, "missing-transpose"),
    ("outputs swapped", lambda dout, x, k: (x.T @ dout, dout @ k.T, dout.sum(axis=0)), False,
     "swapped-outputs"),
    ("other", lambda dout, x, k: (2 * dout @ k.T, x.T @ dout, dout.sum(axis=0)), False,
     "other"),
    ("raises", _raises, False, "raised"),
    ("endless loop", _endless, False, "timeout"),
    ("huge allocation", _huge, False, "out-of-memory"),
    ("package shortcut", _dense_via_layer, False, "package-shortcut"),
    ("tampered", Tampered(_dense), False, "tampered"),
    ("tampers while it runs", tampering(_dense), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced(_dense), False, "tampered"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    DENSE_BACKWARD,
    ids=[row[0] for row in DENSE_BACKWARD],
)
def test_dense_backward(description, answer, passed, diagnosis, monkeypatch):
    result = judge(check_dense_backward, description, answer, passed, diagnosis, monkeypatch)
    if diagnosis == "no-bias-gradient":
        assert "bias" in result.message  # the issue: it never said "bias"
    if "float32" in description:
        assert "transpose" not in result.hint  # the issue: float32 was sent to look for one


@pytest.mark.parametrize("seed", [1, 2])
def test_dense_backward_right_for_other_seeds(seed):
    assert check_dense_backward(_dense, seed=seed).passed


def test_dense_backward_shortcut_names_what_is_rebuilt():
    result = check_dense_backward(_dense_via_layer)
    assert "write Dense.backward yourself" in result.message
    assert "helpers.layers.Dense.backward" in result.message


# ------------------------------------------------------- softmax cross-entropy ----


def _one_hot(labels, classes):
    return np.eye(classes)[labels]


def _softmax_grad(logits, labels):
    return (softmax(logits) - _one_hot(labels, logits.shape[1])) / len(labels)


def _softmax_grad_own(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    return p / len(labels)


def _softmax_grad_loop(logits, labels):
    grad = np.empty_like(logits)
    for i, (row, label) in enumerate(zip(logits, labels, strict=True)):
        e = np.exp(row - row.max())
        grad[i] = e / e.sum()
        grad[i, label] -= 1
    return grad / len(labels)


def _softmax_grad_float32(logits, labels):
    return _softmax_grad(logits.astype(f32), labels).astype(f32)


SOFTMAX_GRAD = [
    ("right, with softmax", _softmax_grad, True, ""),
    ("right, own softmax, in place", _softmax_grad_own, True, ""),
    ("right, loop", _softmax_grad_loop, True, ""),
    ("right, float32", _softmax_grad_float32, True, ""),
    ("blank ...", ..., False, "blank"),
    ("blank stub", _blank, False, "blank"),
    ("a number", lambda z, y: 0.5, False, "wrong-shape"),
    ("summed", lambda z, y: softmax(z) - _one_hot(y, z.shape[1]), False,
     "summed-not-averaged"),
    ("sign", lambda z, y: (_one_hot(y, z.shape[1]) - softmax(z)) / len(y), False,
     "sign-flipped"),
    ("divided by C", lambda z, y: (softmax(z) - _one_hot(y, z.shape[1])) / z.shape[1], False,
     "divided-by-classes"),
    ("no softmax", lambda z, y: (z - _one_hot(y, z.shape[1])) / len(y), False,
     "logits-not-probabilities"),
    ("softmax over the batch",
     lambda z, y: (softmax(z.T).T - _one_hot(y, z.shape[1])) / len(y), False, "wrong-axis"),
    ("no keepdims",
     lambda z, y: (np.exp(z) / np.exp(z).sum(axis=1) - _one_hot(y, z.shape[1])) / len(y),
     False, "no-keepdims"),
    ("other", lambda z, y: softmax(z) / len(y), False, "other"),
    ("raises", _raises, False, "raised"),
    ("endless loop", _endless, False, "timeout"),
    ("huge allocation", _huge, False, "out-of-memory"),
    ("package shortcut", lambda z, y: softmax_cross_entropy(z, y)[1], False,
     "package-shortcut"),
    ("tampered", Tampered(_softmax_grad), False, "tampered"),
    ("tampers while it runs", tampering(_softmax_grad), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced(_softmax_grad), False, "tampered"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    SOFTMAX_GRAD,
    ids=[row[0] for row in SOFTMAX_GRAD],
)
def test_softmax_cross_entropy_grad(description, answer, passed, diagnosis, monkeypatch):
    check = check_softmax_cross_entropy_grad
    result = judge(check, description, answer, passed, diagnosis, monkeypatch)
    assert "(p − one_hot) / N" not in result.hint


# ------------------------------------------------------------------ log-sum-exp ----


def _lse(z):
    m = z.max(axis=-1, keepdims=True)  # (B, 1)
    return m[:, 0] + np.log(np.exp(z - m).sum(axis=-1))


def _lse_loop(z):
    out = []
    for row in z:
        m = max(row)
        out.append(m + np.log(sum(np.exp(v - m) for v in row)))
    return np.array(out)


def _lse_column(z):  # keepdims all the way: a (B, 1) column
    m = z.max(axis=1, keepdims=True)
    return m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def _lse_in_place(z):
    m = z.max(axis=-1, keepdims=True)
    z -= m
    np.exp(z, out=z)
    return m[:, 0] + np.log(z.sum(axis=-1))


def _lse_float32(z):
    return _lse(z.astype(f32))


# A stand-in for scipy.special.logsumexp (scipy is not installed here): a function named
# logsumexp in a module of the scipy package, which is how the checker recognises it.
_scipy = types.ModuleType("scipy.special._logsumexp")
exec(  # noqa: S102 - defines the stand-in inside the module
    "import numpy as np\n"
    "def logsumexp(a, axis=None):\n"
    "    m = np.max(a, axis=axis, keepdims=True)\n"
    "    return np.squeeze(m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)), axis)\n",
    _scipy.__dict__,
)


def _naive(z):
    return np.log(np.exp(z).sum(axis=-1))


LOG_SUM_EXP = [
    ("right, vectorised", _lse, True, ""),
    ("right, loop over rows", _lse_loop, True, ""),
    ("right, a (B, 1) column", _lse_column, True, ""),
    ("right, in place", _lse_in_place, True, ""),
    ("right, float32", _lse_float32, True, ""),
    ("right, a list", lambda z: list(_lse(z)), True, ""),
    ("right, np.logaddexp.reduce", lambda z: np.logaddexp.reduce(z, axis=-1), True, ""),
    ("blank ...", ..., False, "blank"),
    ("blank None", None, False, "blank"),
    ("blank stub", _blank, False, "blank"),
    ("not a function", "logsumexp", False, "wrong-type"),
    ("no shift", _naive, False, "overflow"),
    ("no shift, float32", lambda z: _naive(z.astype(f32)), False, "overflow"),
    ("shifted by the mean", lambda z: z.mean(-1) + _naive(z - z.mean(-1, keepdims=True)),
     False, "overflow"),
    ("max not added back", lambda z: _naive(z - z.max(-1, keepdims=True)), False,
     "max-not-added-back"),
    ("over the batch axis", lambda z: z.max(0) + _naive((z - z.max(0)).T), False,
     "wrong-axis"),
    ("over all elements", lambda z: z.max() + np.log(np.exp(z - z.max()).sum()), False,
     "wrong-axis"),
    ("no keepdims", lambda z: z.max(-1) + _naive(z - z.max(-1)), False, "no-keepdims"),
    ("shifted by the minimum", lambda z: z.min(-1) + _naive(z - z.min(-1, keepdims=True)),
     False, "shifted-by-min"),
    ("shifted by the batch's maximum", lambda z: z.max() + _naive(z - z.max()), False,
     "global-max"),
    ("other", lambda z: 2 * _lse(z), False, "other"),
    ("raises", _raises, False, "raised"),
    ("endless loop", _endless, False, "timeout"),
    ("huge allocation", _huge, False, "out-of-memory"),
    ("scipy's logsumexp", lambda z: _scipy.logsumexp(z, axis=-1), False, "package-shortcut"),
    ("tampered", Tampered(_lse), False, "tampered"),
    ("tampers while it runs", tampering(_lse), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced(_lse), False, "tampered"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    LOG_SUM_EXP,
    ids=[row[0] for row in LOG_SUM_EXP],
)
def test_log_sum_exp(description, answer, passed, diagnosis, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the verdict says it, numpy does not
        judge(check_log_sum_exp, description, answer, passed, diagnosis, monkeypatch)


@pytest.mark.parametrize("seed", [1, 2])
def test_log_sum_exp_right_for_other_seeds(seed):
    assert check_log_sum_exp(_lse, seed=seed).passed
    assert check_log_sum_exp(_naive, seed=seed).diagnosis == "overflow"


def test_log_sum_exp_shortcut_names_scipy():
    result = check_log_sum_exp(lambda z: _scipy.logsumexp(z, axis=-1))
    assert "write log_sum_exp yourself" in result.message and "scipy" in result.message


def test_log_sum_exp_refuses_the_real_scipy():
    special = pytest.importorskip("scipy.special", reason="scipy is not a dependency")
    result = check_log_sum_exp(lambda z: special.logsumexp(z, axis=-1))
    assert result.diagnosis == "package-shortcut", str(result)


def test_every_diagnosis_of_this_lesson_is_listed():
    from helpers.checks import backprop

    rows = CHAIN_RULE + INPUT_GRADIENT + DENSE_BACKWARD + SOFTMAX_GRAD + LOG_SUM_EXP
    for row in rows:
        assert row[3] == "" or row[3] in DIAGNOSES, row
    assert set(backprop.DIAGNOSES) <= set(DIAGNOSES)
    named = {row[3] for row in rows}
    assert set(backprop.DIAGNOSES) <= named, set(backprop.DIAGNOSES) - named  # none is dead
    assert all(text.endswith(".") for text in backprop.DIAGNOSES.values())
