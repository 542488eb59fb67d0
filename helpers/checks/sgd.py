"""Checkers for notebook 05, stochastic gradient descent: steps per epoch, the weight of a
chunk in a gradient summed chunk by chunk, and one SGD epoch over shuffled mini-batches
written by the student.

Shapes: N examples, D inputs, B examples in a batch (the last batch may be smaller).
"""

from __future__ import annotations

import math

import numpy as np

from ..data import batches
from ..losses import mean_squared_error
from ..optim import SGD
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

__all__ = ["check_chunk_weight", "check_sgd_epoch", "check_steps_per_epoch"]


@answer_checker("the number of steps")
def check_steps_per_epoch(steps, num_examples: int = 60000, batch_size: int = 128) -> Feedback:
    """Steps (iterations) in one epoch: ceil(num_examples / batch_size)."""
    expected = math.ceil(num_examples / batch_size)
    value = as_number(steps)
    if value is None:
        return not_a_number("the number of steps", steps)
    if value == expected:
        last = num_examples - (expected - 1) * batch_size
        return right(
            f"{expected} steps: {expected - 1} full batches of {batch_size} and a last one "
            f"of {last}."
        )
    if value == num_examples // batch_size:
        return wrong(
            f"{value:.0f} full batches leave {num_examples % batch_size} examples unseen.",
            "An epoch visits every example once; the leftovers make one more, smaller batch "
            "(round up: math.ceil).",
        )
    if close(value, num_examples / batch_size, rtol=1e-9):
        return wrong(
            f"{value:g} is not a whole number of steps.",
            "Each step takes one batch; round up to count the last, smaller batch.",
        )
    if value == num_examples * batch_size:
        return wrong(
            f"{value:,.0f} multiplies where it should divide.",
            "How many batches of batch_size fit into num_examples?",
        )
    return wrong(
        f"{value:g} is not the number of steps in one epoch.",
        "One step uses one batch; an epoch uses every example once.",
    )


@answer_checker("the weight (a fraction between 0 and 1)")
def check_chunk_weight(
    weight, chunk_size: int = 96, num_examples: int = 60000, batch_size: int = 128
) -> Feedback:
    """The weight of one chunk's mean gradient in the mean over all examples: size / N.

    The mean over N examples is Σ over chunks of (chunk size / N) · (mean over the chunk),
    so the last, smaller chunk of ``chunk_size`` examples counts ``chunk_size / N``; the
    others hold ``batch_size`` examples each.
    """
    expected = chunk_size / num_examples
    value = as_number(weight)
    if value is None:
        return not_a_number("the weight", weight)
    if close(value, expected, rtol=1e-3):
        return right(
            f"{expected:.4g} = {chunk_size} / {num_examples:,}: each chunk counts by its "
            "share of the examples, so the sum is the mean over all of them."
        )
    if close(value, batch_size / num_examples, rtol=1e-4):
        return wrong(
            f"{value:.4g} is the weight of a full chunk of {batch_size}.",
            f"This last chunk holds only {chunk_size} examples.",
        )
    if close(value, 1 / math.ceil(num_examples / batch_size), rtol=1e-4):
        return wrong(
            f"{value:.4g} gives every chunk the same weight, but this chunk is smaller.",
            "Its mean gradient averages fewer examples; weigh it by its share of all "
            "the examples: size / N.",
        )
    if close(value, float(chunk_size), rtol=1e-3):
        return wrong(
            f"{value:g} is the size of the chunk, not its weight.",
            "Divide by the number of examples, so the weights of all chunks add up to 1.",
        )
    return wrong(
        f"{value:.4g} is not the weight of a chunk of {chunk_size} in a mean over "
        f"{num_examples:,}.",
        "The chunk's mean gradient times its weight should add up, over all chunks, to "
        "the mean gradient over every example.",
    )


# ------------------------------------------------------- implement it ----


def _reference_epoch(w, x, y, learning_rate, batch_size, seed):
    """One epoch of the package's pieces on the linear model x @ w with squared error.

    helpers.data.batches draws the order rng.permutation(N) and keeps the last, smaller
    batch; mean_squared_error gives dloss/dpredictions; the package's SGD steps.
    """
    w = w.copy()  # (D,)
    optimizer = SGD(learning_rate)
    for xb, yb in batches(x, y, batch_size, seed=np.random.default_rng(seed)):
        _, dpredictions = mean_squared_error(xb @ w, yb)  # (B,)
        optimizer.step([w], [xb.T @ dpredictions])  # dloss/dw: (D,)
    return w


def _epoch(w, x, y, learning_rate, batch_size, seed, *, shuffle=True, drop_last=False, scale=1.0):
    """A hand-written epoch with one of the usual mistakes switched on."""
    w = w.copy()
    n = len(x)
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        index = order[start : start + batch_size]
        xb, yb = x[index], y[index]
        w -= learning_rate * scale * 2 * xb.T @ (xb @ w - yb) / len(xb)
    return w


def _summed(w, x, y, learning_rate, batch_size, seed):
    """The gradient of the batch's summed squared error: len(xb) times too large."""
    w = w.copy()
    for xb, yb in batches(x, y, batch_size, seed=np.random.default_rng(seed)):
        w -= learning_rate * 2 * xb.T @ (xb @ w - yb)
    return w


def _sgd_cases(seed: int) -> list[tuple]:
    """(w, x, y, learning_rate, batch_size, rng seed); N is never a multiple of B."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d, batch_size in [(10, 3, 4), (13, 2, 5), (7, 4, 3)]:
        x = rng.normal(size=(n, d))
        y = x @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
        rng_seed = int(rng.integers(2**31))
        cases.append((rng.normal(size=d), x, y, 0.05, batch_size, rng_seed))
    return cases


def check_sgd_epoch(sgd_epoch, seed: int = 0) -> Feedback:
    """Your ``sgd_epoch(w, x, y, learning_rate, batch_size, rng)``, one epoch of SGD.

    The model is linear, predictions = x @ w, with the mean squared error of each batch
    as its loss. Called on fresh random w: (D,), x: (N, D), y: (N,), and a fresh
    ``np.random.default_rng(s)`` for rng; the reference gets a generator with the same
    seed s, so both draw the same order rng.permutation(N). It must return w after one
    step per batch, the last, smaller batch included.
    """

    def with_fresh_rng(w, x, y, learning_rate, batch_size, rng_seed):
        rng = np.random.default_rng(rng_seed)
        return sgd_epoch(w, x, y, learning_rate, batch_size, rng)

    return check_implementation(
        with_fresh_rng if callable(sgd_epoch) else sgd_epoch,
        name="sgd_epoch",
        cases=_sgd_cases(seed),
        reference=_reference_epoch,
        outputs=("w after the epoch",),
        mistakes=[
            Mistake(
                _summed,
                "your steps are too large: you summed the gradient over the batch instead "
                "of averaging it.",
                "The loss of a batch is the mean of its squared errors: divide the summed "
                "gradient by len(x_batch).",
            ),
            Mistake(
                lambda *args: _epoch(*args, shuffle=False),
                "you visited the examples in their stored order, without shuffling.",
                "Draw order = rng.permutation(len(x)) once, then take batch k from "
                "order[k * batch_size : (k + 1) * batch_size].",
            ),
            Mistake(
                lambda *args: _epoch(*args, drop_last=True),
                "you dropped the last, smaller batch: some examples were never used.",
                "Let the loop run to len(x): range(0, len(x), batch_size); the last slice "
                "is simply shorter.",
            ),
            Mistake(
                lambda *args: _epoch(*args, scale=0.5),
                "your steps are half the right size: the gradient of a square has a 2.",
                "d/dw mean((x_b @ w - y_b)²) = 2 · x_bᵀ (x_b @ w - y_b) / len(x_b).",
            ),
        ],
        hint="order = rng.permutation(len(x)); for each slice of order: predictions = "
        "x_b @ w, gradient = 2 · x_bᵀ (predictions - y_b) / len(x_b), w = w - learning_rate "
        "· gradient.",
    )
