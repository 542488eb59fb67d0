"""Checkers for notebook 01, kernel and bias: shapes, a forward pass by hand, guessing,
and ``dense_forward`` written by the student.

Shapes: N examples in a batch, D inputs of a layer, M outputs (units) of a layer.
"""

from __future__ import annotations

import math

import numpy as np

from ..layers import Dense
from .core import (
    RIGHT,
    RIGHT_FLOAT32,
    Feedback,
    Mistake,
    UsageError,
    answer_checker,
    as_array,
    as_number,
    as_shape,
    check_implementation,
    close,
    not_a_number,
    precision_of,
    right,
    wrong,
)

__all__ = [
    "DIAGNOSES",
    "check_dense_forward",
    "check_forward_pass",
    "check_kernel_shape",
    "check_layer_output_shape",
    "check_random_accuracy",
]

# Every mistake these checkers name: id -> what to re-teach (for the teacher's report).
DIAGNOSES: dict[str, str] = {
    "swapped-dimensions": "The kernel is (inputs, units) and a layer's output (examples, units): "
    "the two numbers were given in the other order.",
    "other-layer": "The shape given is the other layer's: which layer an exercise names matters.",
    "wrong-units": "A layer gives one output per unit, whatever the size of its input.",
    "no-bias": "The layer's output is relu(dot(x, kernel) + bias): the bias was left out.",
    "relu-before-bias": "relu comes last: the bias is added to dot(x, kernel) before relu, "
    "not after it.",
    "missing-relu": "A relu layer's outputs are never negative: relu was left out.",
    "transposed-kernel": "dot(x, kernel) with the kernel (D, M) as it is: the kernel was "
    "transposed.",
    "transposed-output": "The output has one row per example (N, M): it came out transposed "
    "(M, N).",
    "percentage": "Accuracy is a fraction between 0 and 1, not a percentage.",
    "error-rate": "Guessing is right 1 time in 10; the answer given is how often it is wrong.",
}

_TRANSPOSED_HINT = "Which of the two has one row per example: dot(x, kernel) or its transpose?"


@answer_checker("the kernel shape (a tuple such as (3, 2))")
def check_kernel_shape(shape, in_features: int = 784, out_features: int = 512) -> Feedback:
    """The shape of a Dense(in_features → out_features) kernel: (D, M)."""
    expected = (in_features, out_features)
    answer = as_shape(shape)
    if answer is None or len(answer) != 2:
        return wrong(
            f"expected a shape such as (3, 2), got {shape!r}.",
            "Write the shape as a tuple of two whole numbers: (rows, columns).",
            diagnosis="wrong-type",
        )
    if answer == expected:
        return right(f"the kernel is {expected}: one row per input, one column per output unit.")
    if answer == expected[::-1]:
        return wrong(
            f"{answer} has the right numbers in the wrong order.",
            "We compute dot(input, kernel) with the input (N, D) on the left: how many rows "
            "does the kernel need?",
            diagnosis="swapped-dimensions",
        )
    if (in_features, out_features) != (784, 512) and answer == (784, 512):
        return wrong(
            f"{answer} is the kernel of the first layer, 784 → 512.",
            f"This one goes from {in_features} inputs to {out_features} units.",
            diagnosis="other-layer",
        )
    return wrong(
        f"{answer} is not the shape of a kernel from {in_features} inputs to {out_features} units.",
        "How many inputs does this layer have, and how many units? Which one counts the rows?",
    )


@answer_checker("the output shape (a tuple such as (3, 2))")
def check_layer_output_shape(shape, batch_size: int = 128, units: int = 512) -> Feedback:
    """The shape of a dense layer's output for a batch: (N, M)."""
    expected = (batch_size, units)
    answer = as_shape(shape)
    if answer is None or len(answer) != 2:
        return wrong(
            f"expected a shape such as (3, 2), got {shape!r}.",
            "Write the shape as a tuple of two whole numbers: (examples, units).",
            diagnosis="wrong-type",
        )
    if answer == expected:
        return right(f"{expected}: one row per image of the batch, one number per unit.")
    if answer == expected[::-1]:
        return wrong(
            f"{answer} has the right numbers in the wrong order.",
            "The rows of the output are the examples of the batch, as in the input.",
            diagnosis="swapped-dimensions",
        )
    if answer[0] == batch_size:
        return wrong(
            f"{answer}: the number of rows is right, the number of columns is not.",
            "A layer gives one output per unit, whatever the size of its input.",
            diagnosis="wrong-units",
        )
    return wrong(
        f"{answer} is not the output shape for a batch of {batch_size} and {units} units.",
        "What does one row of the output stand for, and what does one column?",
    )


def _float_inputs(x, kernel, bias) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The notebook's copies of the forward pass's inputs, checked, in float64."""
    arrays = [as_array(a) for a in (x, kernel, bias)]
    if any(a is None for a in arrays):
        raise UsageError("check_forward_pass(out, x, kernel, bias) needs arrays x, kernel, bias.")
    x, kernel, bias = arrays
    if x.ndim != 2 or kernel.ndim != 2 or bias.shape != (kernel.shape[1],):
        raise UsageError(
            f"check_forward_pass needs x (N, D), kernel (D, M), bias (M,); got {x.shape}, "
            f"{kernel.shape}, {bias.shape}."
        )
    if x.shape[1] != kernel.shape[0]:
        raise UsageError(f"x {x.shape} and kernel {kernel.shape} do not fit: D differs.")
    if not np.any(bias):
        raise UsageError(
            "check_forward_pass needs a layer whose bias is not all 0: with a zero bias an "
            "answer without the bias would look right. Give the layer a bias first."
        )
    return x, kernel, bias


def _error(answer: np.ndarray, expected: np.ndarray, scale: np.ndarray) -> float:
    """max |answer − expected| / scale, elementwise (inf for another shape)."""
    if answer.shape != expected.shape:
        return math.inf
    error = float(np.max(np.abs(answer - expected) / np.maximum(scale, 1e-8), initial=0.0))
    return error if math.isfinite(error) else math.inf


@answer_checker("your output (an array of shape (N, M))")
def check_forward_pass(out, x, kernel, bias) -> Feedback:
    """A forward pass computed by hand: ``relu(dot(x, kernel) + bias)``.

    out: the student's (N, M) result. x: (N, D), kernel: (D, M), bias: (M,): copies of
    the layer's inputs and parameters taken *before* the exercise cell (so an answer that
    changes the layer cannot change what it is compared with). The bias must not be all
    0: the notebook gives the layer one first, so that a forgotten bias shows.
    """
    x_given, kernel_given, bias_given = x, kernel, bias
    x, kernel, bias = _float_inputs(x, kernel, bias)
    answer = as_array(out)
    if answer is None:
        return wrong(
            f"expected an array of numbers, got {type(out).__name__}.",
            "Assign the array you computed (N rows, M columns).",
            diagnosis="wrong-type",
        )
    linear = x @ kernel + bias  # (N, M)
    expected = np.maximum(linear, 0)
    # The scale of each output: what its dot product and bias add up in absolute value.
    # Rounding errors of a dot product grow with this scale, not with the result, which
    # is near 0 wherever relu's input is; so errors are measured against it.
    scale = np.abs(x) @ np.abs(kernel) + np.abs(bias)
    inputs_float32 = precision_of(x_given, kernel_given, bias_given) == "float32"
    error = _error(answer, expected, scale)
    if error <= RIGHT or (error <= RIGHT_FLOAT32 and (inputs_float32 or precision_of(out))):
        precision = "" if error <= RIGHT and not precision_of(out) else "float32"
        return right("that is what the layer computes.", precision=precision)
    mistakes = [
        (
            np.maximum(x @ kernel, 0),
            "no-bias",
            "your numbers match a layer without its bias.",
            "What else does the layer add, one number per unit?",
        ),
        (
            x @ kernel,
            "no-bias",
            "your numbers match dot(x, kernel) alone: no bias, and no relu either.",
            "Two steps are missing after the dot product: one adds, one cuts.",
        ),
        (
            np.maximum(x @ kernel, 0) + bias,
            "relu-before-bias",
            "you added the bias after relu, so some outputs are negative.",
            "relu is the last thing the layer does.",
        ),
        (
            linear,
            "missing-relu",
            "some of your numbers are negative; a relu layer's never are.",
            "What does relu do to a negative number?",
        ),
        (expected.T, "transposed-output", "your output is transposed.", _TRANSPOSED_HINT),
    ]
    for value, diagnosis, message, hint in mistakes:
        shape_scale = scale.T if value.shape != scale.shape else scale
        if _error(answer, value, shape_scale) <= RIGHT_FLOAT32:
            return wrong(message, hint, diagnosis=diagnosis)
    if answer.shape != expected.shape:
        return wrong(
            f"your output has shape {answer.shape}, the layer's has {expected.shape}.",
            "One row per example of the batch, one column per unit.",
            diagnosis="wrong-shape",
        )
    return wrong(
        "your numbers differ from the layer's.",
        "Compare yours with the layer's formula in the text, one operation at a time.",
    )


@answer_checker("the accuracy (a fraction between 0 and 1)")
def check_random_accuracy(acc, num_classes: int = 10) -> Feedback:
    """The accuracy to expect from guessing among ``num_classes`` classes: 1 / num_classes.

    A number worked out by hand: right within 0.02 (0.1 and 0.098 both are).
    """
    expected = 1 / num_classes
    value = as_number(acc)
    if value is None:
        return not_a_number("the accuracy", acc)
    if close(value, expected, atol=0.02):
        return right(
            f"{value:g}: guessing among {num_classes} classes is right about "
            f"1 time in {num_classes}."
        )
    if close(value, 100 * expected, atol=2):
        return wrong(
            f"{value:g} looks like a percentage.",
            "Write accuracy as a fraction between 0 and 1, e.g. 0.25 for 25%.",
            diagnosis="percentage",
        )
    if close(value, 1 - expected, atol=0.02):
        return wrong(
            f"{value:g} is how often guessing is wrong.",
            "Accuracy counts the examples the model gets right.",
            diagnosis="error-rate",
        )
    return wrong(
        f"{value:g} is not what guessing gives.",
        f"A random model picks one of {num_classes} digits; how often is that the right one?",
    )


# ------------------------------------------------------- implement it ----


def _dense_reference(x, kernel, bias):
    """The package's own Dense(D → M, relu) with this kernel and bias, in float64."""
    layer = Dense(kernel.shape[0], kernel.shape[1], activation="relu", dtype=np.float64)
    layer.kernel[...] = kernel
    layer.bias[...] = bias
    return layer.forward(x)


# (N, D, M) of each random case. The first kernel is square, so that x @ kernel.T can be
# computed and named; the others are not, and N differs from D and M everywhere.
_DENSE_SIZES = [(5, 3, 3), (7, 4, 6), (2, 9, 5)]
# No pre-activation x @ kernel + bias of a case lies closer to 0 than this: at relu's kink
# float32 rounding could turn a tiny positive output into 0 (a relative error of 1), and
# a float32 answer would be judged by its luck instead of its formula.
_KINK_MARGIN = 0.3


def _dense_cases(seed) -> list[tuple]:
    """Fresh random float64 cases (x, kernel, bias): no zero bias, no output near the kink."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d, m in _DENSE_SIZES:
        while True:
            x, kernel, bias = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)
            if np.min(np.abs(x @ kernel + bias)) > _KINK_MARGIN and np.min(np.abs(bias)) > 0.1:
                break
        cases.append((x, kernel, bias))
    return cases


def _safe(compute):
    """A mistake's computation that gives None where it cannot be computed (a shape mismatch)."""

    def safe(*args):
        try:
            return compute(*args)
        except ValueError:
            return None

    return safe


_DENSE_MISTAKES = [
    Mistake(
        lambda x, k, b: np.maximum(x @ k, 0),
        "your outputs match a layer without its bias.",
        "What else does a dense layer add, one number per unit?",
        "no-bias",
    ),
    Mistake(
        lambda x, k, b: np.maximum(x @ k, 0) + b,
        "you added the bias after relu.",
        "relu is the last thing the layer does.",
        "relu-before-bias",
    ),
    Mistake(
        lambda x, k, b: x @ k + b,
        "some of your outputs are negative; a relu layer's never are.",
        "What does relu do to a negative number?",
        "missing-relu",
    ),
    Mistake(
        _safe(lambda x, k, b: np.maximum(x @ k.T + b, 0)),
        "you multiplied by the transposed kernel (it only fits when the kernel is square).",
        "The kernel is (D, M): one row per input, as it is.",
        "transposed-kernel",
    ),
    Mistake(
        lambda x, k, b: np.maximum(x @ k + b, 0).T,
        "your output is transposed: (M, N) instead of (N, M).",
        _TRANSPOSED_HINT,
        "transposed-output",
    ),
]


def check_dense_forward(dense_forward, seed: int = 0) -> Feedback:
    """Your ``dense_forward(x, kernel, bias)`` against the package's ``Dense`` layer.

    It is called on fresh random float64 inputs x: (N, D), kernel: (D, M), bias: (M,)
    (never zero, never all square) and must return relu(x @ kernel + bias): (N, M). It may
    not call ``Dense.forward``: that is what the exercise rebuilds.
    """
    return check_implementation(
        dense_forward,
        name="dense_forward",
        cases=_dense_cases(seed),
        reference=_dense_reference,
        outputs=("the output",),
        mistakes=_DENSE_MISTAKES,
        hint="Compare yours with the layer's formula in the text, one operation at a time.",
        forbid=("Dense.forward",),
    )
