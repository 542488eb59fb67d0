"""Checkers for notebook 01, kernel and bias: shapes, a forward pass by hand, guessing."""

from __future__ import annotations

import numpy as np

from ..layers import Dense
from .core import (
    Feedback,
    Mistake,
    UsageError,
    answer_checker,
    as_number,
    as_shape,
    check_implementation,
    close,
    is_blank,
    not_a_number,
    not_answered,
    right,
    wrong,
)

__all__ = [
    "check_dense_forward",
    "check_forward_pass",
    "check_kernel_shape",
    "check_layer_output_shape",
    "check_random_accuracy",
]


@answer_checker("the kernel shape (a tuple such as (3, 2))")
def check_kernel_shape(shape, in_features: int = 784, out_features: int = 512) -> Feedback:
    """The shape of a Dense(in_features → out_features) kernel: (D, M)."""
    expected = (in_features, out_features)
    answer = as_shape(shape)
    if answer is None:
        return wrong(
            f"expected a shape such as (3, 2), got {shape!r}.",
            "Write the shape as a tuple of two whole numbers: (rows, columns).",
        )
    if answer == expected:
        return right(f"the kernel is {expected}: one row per input, one column per output unit.")
    if answer == expected[::-1]:
        return wrong(
            f"{answer} has the right numbers in the wrong order.",
            "We compute dot(input, kernel): the input (N, D) is multiplied from the left, "
            "so the kernel needs D rows.",
        )
    return wrong(
        f"{answer} is not the shape of a kernel from {in_features} inputs to {out_features} units.",
        "Every input is connected to every unit: rows = inputs, columns = units.",
    )


@answer_checker("the output shape (a tuple such as (3, 2))")
def check_layer_output_shape(shape, batch_size: int = 128, units: int = 512) -> Feedback:
    """The shape of a dense layer's output for a batch: (N, M)."""
    expected = (batch_size, units)
    answer = as_shape(shape)
    if answer is None:
        return wrong(
            f"expected a shape such as (3, 2), got {shape!r}.",
            "Write the shape as a tuple of two whole numbers: (examples, units).",
        )
    if answer == expected:
        return right(f"{expected}: one row per image of the batch, one number per unit.")
    if answer == expected[::-1]:
        return wrong(
            f"{answer} has the right numbers in the wrong order.",
            "The rows of the output are the examples of the batch, as in the input.",
        )
    if len(answer) == 2 and answer[0] == batch_size:
        return wrong(
            f"{answer}: the number of rows is right, the number of columns is not.",
            "A layer gives one output per unit, whatever the size of its input.",
        )
    return wrong(
        f"{answer} is not the output shape for a batch of {batch_size} and {units} units.",
        "dot((N, D), (D, M)) has shape (N, M); adding the bias (M,) keeps that shape.",
    )


def check_forward_pass(layer, x, out) -> Feedback:
    """A forward pass computed by hand: ``relu(dot(x, kernel) + bias)`` for ``layer``.

    layer: a Dense layer; x: (N, D); out: the student's (N, M) result.
    """
    for name in ("kernel", "bias"):
        if not hasattr(layer, name):
            raise UsageError(f"check_forward_pass needs a Dense layer first, got {layer!r}.")
    if is_blank(out):
        return not_answered("your output (an array of shape (N, M))")
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(layer.kernel, dtype=np.float64)
    bias = np.asarray(layer.bias, dtype=np.float64)
    relu = getattr(layer, "activation", "relu") == "relu"
    linear = x @ kernel + bias  # (N, M)
    expected = np.maximum(linear, 0) if relu else linear
    try:
        answer = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return wrong(f"expected an array, got {type(out).__name__}.", "Return the array.")
    if answer.shape != expected.shape:
        return wrong(
            f"your output has shape {answer.shape}, the layer's has {expected.shape}.",
            "Use np.dot(x, layer.kernel) (input first), then add layer.bias.",
        )

    def same(a):
        return np.allclose(answer, a, rtol=1e-4, atol=1e-5)

    if same(expected):
        return right("that is exactly what the layer computes.")
    if relu and same(linear):
        return wrong(
            "almost: some of your numbers are negative, the layer's never are.",
            "Apply relu at the end: np.maximum(…, 0).",
        )
    no_bias = x @ kernel
    if same(np.maximum(no_bias, 0) if relu else no_bias):
        return wrong(
            "your numbers match a layer without its bias.",
            "Add layer.bias after the dot product.",
        )
    return wrong(
        "your numbers differ from the layer's.",
        "The layer computes relu(dot(x, kernel) + bias), in that order.",
    )


@answer_checker("the accuracy (a fraction between 0 and 1)")
def check_random_accuracy(acc, num_classes: int = 10) -> Feedback:
    """The accuracy to expect from guessing among ``num_classes`` classes: 1 / num_classes."""
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
            f"Write accuracy as a fraction between 0 and 1, e.g. {expected:g} for "
            f"{100 * expected:g}%.",
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


def check_dense_forward(dense_forward, seed: int = 0) -> Feedback:
    """Your ``dense_forward(x, kernel, bias)`` against the package's ``Dense`` layer.

    It is called on fresh random inputs x: (N, D), kernel: (D, M), bias: (M,) in float64
    and must return relu(x @ kernel + bias): (N, M).
    """
    rng = np.random.default_rng(seed)
    cases = [
        (rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m))
        for n, d, m in [(4, 3, 2), (7, 5, 6), (1, 9, 4)]
    ]
    return check_implementation(
        dense_forward,
        name="dense_forward",
        cases=cases,
        reference=_dense_reference,
        outputs=("the output",),
        mistakes=[
            Mistake(
                lambda x, k, b: x @ k + b,
                "some of your outputs are negative; a relu layer's never are.",
                "Apply relu last: np.maximum(…, 0).",
            ),
            Mistake(
                lambda x, k, b: np.maximum(x @ k, 0),
                "your outputs match a layer without its bias.",
                "Add the bias after the dot product, before relu.",
            ),
            Mistake(
                lambda x, k, b: np.maximum(x @ k, 0) + b,
                "you added the bias after relu.",
                "The bias goes inside: relu(x @ kernel + bias).",
            ),
        ],
        hint="relu(x @ kernel + bias): the input (N, D) times the kernel (D, M), plus the bias.",
    )
