"""Checkers of notebook 01 (helpers.checks.layers): the kernel's shape, a forward pass by
hand, the accuracy of guessing, and the implement-it dense_forward.

One table-driven battery per exercise: each row is an answer a student could give, the
verdict it must get (right or not), its diagnosis, and — from the same result — the
hidden test's verdict (helpers.checks.confirm), which must agree with the visible one.
"""

import numpy as np
import pytest
from battery import verdict

from helpers import checks
from helpers.checks import core
from helpers.checks import layers as lesson
from helpers.layers import Dense


def test_the_issue_s_mistakes_have_names():
    for name in ("no-bias", "relu-before-bias", "missing-relu", "transposed-kernel"):
        assert name in lesson.DIAGNOSES and name in checks.DIAGNOSES


# ------------------------------------------------------ kernel shape ----


KERNEL_SHAPE_ANSWERS = [
    ((512, 10), True, ""),
    ([512, 10], True, ""),
    (np.zeros((512, 10)).shape, True, ""),
    ((np.int64(512), np.int64(10)), True, ""),
    ((10, 512), False, "swapped-dimensions"),
    ((784, 512), False, "other-layer"),
    ((512, 11), False, "other"),
    ((512,), False, "wrong-type"),
    ("512x10", False, "wrong-type"),
    (5120, False, "wrong-type"),
    (..., False, "blank"),
    (None, False, "blank"),
]


@pytest.mark.parametrize(("answer", "passed", "diagnosis"), KERNEL_SHAPE_ANSWERS)
def test_kernel_shape(answer, passed, diagnosis):
    verdict(checks.check_kernel_shape(answer, in_features=512, out_features=10), passed, diagnosis)


OUTPUT_SHAPE_ANSWERS = [
    ((128, 512), True, ""),
    ((512, 128), False, "swapped-dimensions"),
    ((128, 784), False, "wrong-units"),
    ((784, 512), False, "other"),
    ("3 by 2", False, "wrong-type"),
    (..., False, "blank"),
]


@pytest.mark.parametrize(("answer", "passed", "diagnosis"), OUTPUT_SHAPE_ANSWERS)
def test_layer_output_shape(answer, passed, diagnosis):
    verdict(checks.check_layer_output_shape(answer), passed, diagnosis)


# ------------------------------------------------------ forward pass ----


@pytest.fixture(scope="module")
def setup():
    """As in the notebook: a float32 relu layer given a non-zero bias, a batch of pixels in
    [0, 1], and the copies the check compares with (taken before the answer)."""
    layer = Dense(40, 24, "relu", seed=0)
    layer.bias[...] = np.random.default_rng(1).normal(scale=0.1, size=24)
    x = np.random.default_rng(2).uniform(size=(30, 40)).astype(np.float32)
    return layer, x, (x.copy(), layer.kernel.copy(), layer.bias.copy())


def _zero_the_bias_first(layer, x):
    """An answer cell that zeroes the layer's bias, then computes without it."""
    layer = Dense(40, 24, "relu", seed=0)  # a fresh layer: the fixture's stays as it is
    layer.bias[...] = 0
    return np.maximum(x @ layer.kernel + layer.bias, 0)


def _in_place(layer, x):
    out = np.dot(x, layer.kernel)
    out += layer.bias
    np.maximum(out, 0, out=out)
    return out


def _loops(layer, x):
    out = np.zeros((x.shape[0], layer.kernel.shape[1]))
    for n in range(x.shape[0]):
        for m in range(layer.kernel.shape[1]):
            total = layer.bias[m] + sum(x[n, d] * layer.kernel[d, m] for d in range(x.shape[1]))
            out[n, m] = max(total, 0.0)
    return out


FORWARD_ANSWERS = [
    # (description, answer from (layer, x), passed, diagnosis, precision)
    (
        "np.dot, float32",
        lambda L, x: np.maximum(np.dot(x, L.kernel) + L.bias, 0),
        True,
        "",
        "float32",
    ),
    ("the layer itself", lambda L, x: L.forward(x), True, "", "float32"),
    (
        "@ and np.where",
        lambda L, x: np.where(x @ L.kernel + L.bias > 0, x @ L.kernel + L.bias, 0),
        True,
        "",
        "float32",
    ),
    ("in place", _in_place, True, "", "float32"),
    ("loops in float64", _loops, True, "", "float32"),
    (
        "float32 result cast to float64",
        lambda L, x: np.maximum(x @ L.kernel + L.bias, 0).astype(np.float64),
        True,
        "",
        "float32",
    ),
    (
        "float64 inputs",
        lambda L, x: np.maximum(x.astype(float) @ L.kernel.astype(float) + L.bias.astype(float), 0),
        True,
        "",
        "",
    ),
    ("no bias", lambda L, x: np.maximum(x @ L.kernel, 0), False, "no-bias", ""),
    ("no bias, no relu", lambda L, x: x @ L.kernel, False, "no-bias", ""),
    ("bias zeroed in the answer cell", _zero_the_bias_first, False, "no-bias", ""),
    (
        "relu before bias",
        lambda L, x: np.maximum(x @ L.kernel, 0) + L.bias,
        False,
        "relu-before-bias",
        "",
    ),
    ("no relu", lambda L, x: x @ L.kernel + L.bias, False, "missing-relu", ""),
    (
        "transposed",
        lambda L, x: np.maximum(L.kernel.T @ x.T + L.bias[:, None], 0),
        False,
        "transposed-output",
        "",
    ),
    ("one row short", lambda L, x: L.forward(x)[1:], False, "wrong-shape", ""),
    ("bias subtracted", lambda L, x: np.maximum(x @ L.kernel - L.bias, 0), False, "other", ""),
    ("a string", lambda L, x: "relu(x @ kernel + bias)", False, "wrong-type", ""),
    ("blank", lambda L, x: ..., False, "blank", ""),
    ("None", lambda L, x: None, False, "blank", ""),
]


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis", "precision"),
    [row[1:] for row in FORWARD_ANSWERS],
    ids=[row[0] for row in FORWARD_ANSWERS],
)
def test_forward_pass(setup, answer, passed, diagnosis, precision):
    layer, x, inputs = setup
    result = checks.check_forward_pass(answer(layer, x), *inputs)
    verdict(result, passed, diagnosis)
    if passed:
        assert result.precision == precision
        assert ("float32 precision" in result.message) is (precision == "float32")


def test_forward_pass_judges_the_copies_not_the_layer(setup):
    """An answer cell that changes the layer cannot change what the answer is judged by."""
    layer, x, inputs = setup
    changed = Dense(40, 24, "relu", seed=0)
    changed.kernel *= 2
    result = checks.check_forward_pass(np.maximum(x @ changed.kernel + layer.bias, 0), *inputs)
    verdict(result, False, "other")


def test_forward_pass_refuses_a_zero_bias():
    """With a zero bias a forgotten bias looks right: the notebook must give one."""
    layer = Dense(4, 3, "relu", seed=0)
    x = np.ones((2, 4))
    with pytest.raises(checks.UsageError, match="bias is not all 0"):
        checks.check_forward_pass(layer.forward(x), x, layer.kernel, layer.bias)


def test_forward_pass_needs_arrays_that_fit():
    with pytest.raises(checks.UsageError, match="do not fit"):
        checks.check_forward_pass(np.zeros((2, 3)), np.zeros((2, 5)), np.zeros((4, 3)), np.ones(3))


# --------------------------------------------------- random accuracy ----


ACCURACY_ANSWERS = [
    (0.1, True, ""),
    (1 / 10, True, ""),
    (np.float32(0.1), True, ""),
    (0.098, True, ""),
    (10, False, "percentage"),
    (0.9, False, "error-rate"),
    (0.5, False, "other"),
    ("ten percent", False, "wrong-type"),
    ([0.1, 0.1], False, "wrong-type"),
    (..., False, "blank"),
]


@pytest.mark.parametrize(("answer", "passed", "diagnosis"), ACCURACY_ANSWERS)
def test_random_accuracy(answer, passed, diagnosis):
    verdict(checks.check_random_accuracy(answer), passed, diagnosis)


# ---------------------------------------------------- dense_forward ----


def _dense_loops(x, kernel, bias):
    n, m = x.shape[0], kernel.shape[1]
    out = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            z = bias[j]
            for d in range(x.shape[1]):
                z += x[i, d] * kernel[d, j]
            out[i, j] = z if z > 0 else 0.0
    return out


def _dense_in_place(x, kernel, bias):
    out = x @ kernel
    out += bias
    np.maximum(out, 0, out=out)
    return out


def _dense_float32(x, kernel, bias):
    x, kernel, bias = (a.astype(np.float32) for a in (x, kernel, bias))
    return np.maximum(x @ kernel + bias, 0)


def _dense_with_the_layer(x, kernel, bias):
    layer = Dense(kernel.shape[0], kernel.shape[1], "relu", dtype=np.float64)
    layer.kernel[...], layer.bias[...] = kernel, bias
    return layer.forward(x)


def _dense_swallows_the_refusal(x, kernel, bias):
    try:
        return _dense_with_the_layer(x, kernel, bias)
    except Exception:  # noqa: BLE001 - what a student might write to get past the refusal
        return np.maximum(x @ kernel, 0)


def _stub(x, kernel, bias):
    """The student edition's stub: nothing written yet."""


def _endless(x, kernel, bias):
    while True:
        pass


DENSE_ANSWERS = [
    # (description, answer, passed, diagnosis, precision)
    ("vectorised", lambda x, k, b: np.maximum(np.dot(x, k) + b, 0), True, "", ""),
    ("loops", _dense_loops, True, "", ""),
    ("in place", _dense_in_place, True, "", ""),
    ("np.where", lambda x, k, b: np.where(x @ k + b > 0, x @ k + b, 0.0), True, "", ""),
    ("float32", _dense_float32, True, "", "float32"),
    ("no bias", lambda x, k, b: np.maximum(x @ k, 0), False, "no-bias", ""),
    ("relu before bias", lambda x, k, b: np.maximum(x @ k, 0) + b, False, "relu-before-bias", ""),
    ("no relu", lambda x, k, b: x @ k + b, False, "missing-relu", ""),
    (
        "transposed kernel",
        lambda x, k, b: np.maximum(x @ k.T + b, 0),
        False,
        "transposed-kernel",
        "",
    ),
    (
        "transposed output",
        lambda x, k, b: np.maximum(k.T @ x.T + b[:, None], 0),
        False,
        "transposed-output",
        "",
    ),
    ("twice the output", lambda x, k, b: 2 * np.maximum(x @ k + b, 0), False, "other", ""),
    ("returns a string", lambda x, k, b: "output", False, "wrong-type", ""),
    ("not a function", 42, False, "wrong-type", ""),
    ("blank", ..., False, "blank", ""),
    ("None", None, False, "blank", ""),
    ("the stub", _stub, False, "blank", ""),
    ("raises", lambda x, k, b: np.dot(k, x) + b, False, "raised", ""),
    ("endless loop", _endless, False, "timeout", ""),
    ("huge allocation", lambda x, k, b: np.ones(2**34), False, "out-of-memory", ""),
    ("calls Dense.forward", _dense_with_the_layer, False, "package-shortcut", ""),
    ("swallows the refusal", _dense_swallows_the_refusal, False, "package-shortcut", ""),
]


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis", "precision"),
    [row[1:] for row in DENSE_ANSWERS],
    ids=[row[0] for row in DENSE_ANSWERS],
)
def test_dense_forward(monkeypatch, answer, passed, diagnosis, precision):
    monkeypatch.setattr(core, "TIME_LIMIT", 0.5)
    result = checks.check_dense_forward(answer)
    verdict(result, passed, diagnosis)
    assert result.precision == precision
    if diagnosis == "package-shortcut":
        assert "helpers.layers.Dense.forward is what you are rebuilding" in result.message
    if diagnosis == "timeout":
        assert "0.5 s" in result.message


def test_dense_forward_cases_make_every_term_matter():
    """Non-zero biases, a square kernel first (so a transposed one is named), no output at
    relu's kink, and every case differs from each mistake."""
    cases = lesson._dense_cases(0)
    assert cases[0][1].shape[0] == cases[0][1].shape[1]
    assert all(k.shape[0] != k.shape[1] for _, k, _ in cases[1:])
    for x, kernel, bias in cases:
        assert x.shape[0] not in kernel.shape
        assert np.min(np.abs(bias)) > 0.1
        assert np.min(np.abs(x @ kernel + bias)) > lesson._KINK_MARGIN
        assert np.any(x @ kernel + bias < 0) and np.any(x @ kernel + bias > 0)


# ---------------------------------------------------------- tampering ----


def test_a_replaced_numpy_function_is_tampering(monkeypatch, setup):
    layer, x, inputs = setup
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: True)
    for result in (
        checks.check_dense_forward(lambda x, k, b: x @ k),
        checks.check_forward_pass(x @ layer.kernel, *inputs),
        checks.check_kernel_shape((1, 1)),
        checks.check_random_accuracy(0.7),
    ):
        verdict(result, False, "tampered")
        assert "the check was changed: numpy.allclose" in result.message


@pytest.mark.parametrize(
    "name", ["check_dense_forward", "check_forward_pass", "check_kernel_shape"]
)
def test_a_replaced_checker_fails_the_hidden_test(name):
    """An answer cell that replaces the checker: the hidden test fails with one sentence."""
    right = checks.check_random_accuracy(0.1)
    namespace = {name: lambda *args: right, "result": right}
    hidden = "import helpers.checks\n\nhelpers.checks.confirm(result)\n"
    with pytest.raises(AssertionError, match=f"the check was changed: {name}"):
        exec(hidden, namespace)  # noqa: S102 - the notebook's hidden test, as nbgrader runs it


def test_every_named_mistake_has_an_answer_in_a_battery():
    """No diagnosis of the lesson is dead: each is what some answer above gets."""
    tables = [KERNEL_SHAPE_ANSWERS, OUTPUT_SHAPE_ANSWERS, ACCURACY_ANSWERS]
    named = {row[2] for table in tables for row in table}
    named |= {row[3] for table in (FORWARD_ANSWERS, DENSE_ANSWERS) for row in table}
    assert set(lesson.DIAGNOSES) <= named, set(lesson.DIAGNOSES) - named
