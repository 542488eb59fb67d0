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
    as_array,
    as_number,
    check_implementation,
    checker,
    guarded,
    judge_array,
    not_a_number,
    precision_of,
    right,
    wrong,
)

__all__ = ["check_chunk_weight", "check_sgd_epoch", "check_steps_per_epoch"]

# Stable ids of the usual mistakes in this lesson, with what to re-teach (issue 19/20).
DIAGNOSES = {
    "off-by-one-batches": "The count of batches is one off: an epoch visits every example "
    "once, so the last, smaller batch counts (round up), and nothing is left for an extra one.",
    "not-rounded": "The number of steps is not a whole number: a step takes one batch.",
    "multiplied-not-divided": "num_examples · batch_size where num_examples / batch_size "
    "was meant.",
    "other-batch-size": "The count for the batch size of the lesson's example (128), not the "
    "one the exercise asks about.",
    "full-chunk-weight": "The last chunk was weighed like a full one: its weight is its own "
    "size over N.",
    "equal-weights": "Every chunk got the same weight, 1 / (number of chunks), though the "
    "last one is smaller.",
    "size-not-weight": "The chunk's size was given, not its share of all the examples.",
    "inverted": "N / size instead of size / N: a weight is a share, between 0 and 1.",
    "summed-not-averaged": "The batch's gradient was summed over its examples instead of "
    "averaged: the loss of a batch is a mean.",
    "divided-by-batch-size": "The gradient was divided by batch_size instead of the batch's "
    "own length, which is smaller for the last batch.",
    "not-shuffled": "The examples were visited in their stored order: SGD draws a random "
    "order each epoch.",
    "labels-not-shuffled": "The inputs were taken in the shuffled order but the labels in "
    "the stored order, so inputs and labels no longer belong together.",
    "reshuffled-every-batch": "A new random order was drawn for every batch: some examples "
    "are then used twice in an epoch and others never.",
    "sign-flipped": "The step went along the gradient (uphill) instead of against it.",
    "missing-factor-two": "The derivative of a square has a factor 2 that was left out.",
}


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
            if last != batch_size
            else f"{expected} steps of {batch_size} examples each."
        )
    if value in (expected - 1, expected + 1):
        return wrong(
            f"{value:.0f} is one step off.",
            "An epoch visits every example exactly once: how many examples does the last "
            "batch hold?",
            diagnosis="off-by-one-batches",
        )
    if math.isclose(value, num_examples / batch_size, rel_tol=1e-6):
        return wrong(
            f"{value:g} is not a whole number of steps.",
            "Each step takes one whole batch; what happens to the examples left over?",
            diagnosis="not-rounded",
        )
    if value == num_examples * batch_size:
        return wrong(
            f"{value:,.0f} multiplies where it should divide.",
            "How many batches of batch_size fit into num_examples?",
            diagnosis="multiplied-not-divided",
        )
    if batch_size != 128 and value == math.ceil(num_examples / 128):
        return wrong(
            f"{value:.0f} is the count for batches of 128; this one asks for batches of "
            f"{batch_size}.",
            "Redo the count with this batch size.",
            diagnosis="other-batch-size",
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
    others hold ``batch_size`` examples each. Judged at the answer's precision.
    """
    expected = chunk_size / num_examples
    value = as_number(weight)
    if value is None:
        return not_a_number("the weight", weight)
    if judge_array(weight, expected) is None:
        return right(
            f"{expected:.4g} = {chunk_size} / {num_examples:,}: each chunk counts by its "
            "share of the examples, so the sum is the mean over all of them.",
            precision=precision_of(weight),
        )
    mistakes = [
        (
            batch_size / num_examples,
            f"{value:.4g} is the weight of a full chunk of {batch_size}.",
            f"This last chunk holds only {chunk_size} examples.",
            "full-chunk-weight",
        ),
        (
            1 / math.ceil(num_examples / batch_size),
            f"{value:.4g} gives every chunk the same weight, but this chunk is smaller.",
            "Its mean gradient averages fewer examples: what share of all the examples "
            "does it hold?",
            "equal-weights",
        ),
        (
            float(chunk_size),
            f"{value:g} is the size of the chunk, not its weight.",
            "The weights of all chunks add up to 1.",
            "size-not-weight",
        ),
        (
            num_examples / chunk_size,
            f"{value:.4g} is upside down: a weight is a share, between 0 and 1.",
            "Which of the two numbers is the part, which the whole?",
            "inverted",
        ),
    ]
    for guess, message, hint, diagnosis in mistakes:
        if judge_array(weight, guess) is None:
            return wrong(message, hint, diagnosis=diagnosis)
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


def _epoch(
    w,
    x,
    y,
    learning_rate,
    batch_size,
    seed,
    *,
    shuffle=True,
    shuffle_labels=True,
    count=None,
    scale=1.0,
    sign=1.0,
    divide_by=None,
):
    """A hand-written epoch with one of the usual mistakes switched on.

    count: how many batches (None: ceil(N / B), the right number); divide_by: "batch_size"
    divides every gradient by B instead of the batch's length, "nothing" sums it.
    """
    w = w.copy()
    n = len(x)
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    count = math.ceil(n / batch_size) if count is None else count
    for k in range(count):
        index = order[k * batch_size : (k + 1) * batch_size]
        label_index = index if shuffle_labels else np.arange(n)[k * batch_size :][: len(index)]
        xb, yb = x[index], y[label_index]
        size = {None: len(xb), "batch_size": batch_size, "nothing": 1}[divide_by]
        w -= sign * learning_rate * scale * 2 * xb.T @ (xb @ w - yb) / size
    return w


def _reshuffled(w, x, y, learning_rate, batch_size, seed):
    """A new order for every batch: a fresh rng.permutation(N)[:B] at each step."""
    w = w.copy()
    rng = np.random.default_rng(seed)
    for _ in range(math.ceil(len(x) / batch_size)):
        index = rng.permutation(len(x))[:batch_size]
        xb, yb = x[index], y[index]
        w -= learning_rate * 2 * xb.T @ (xb @ w - yb) / len(xb)
    return w


def _sgd_cases(seed: int) -> list[tuple]:
    """(w, x, y, learning_rate, batch_size, rng seed): N is not a multiple of B in the
    first three (a smaller last batch), and is in the fourth (no smaller last batch)."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d, batch_size in [(10, 3, 4), (13, 2, 5), (7, 4, 3), (12, 3, 4)]:
        x = rng.normal(size=(n, d))
        y = x @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
        rng_seed = int(rng.integers(2**31))
        cases.append((rng.normal(size=d), x, y, 0.05, batch_size, rng_seed))
    return cases


@checker
def check_sgd_epoch(sgd_epoch, seed: int = 0) -> Feedback:
    """Your ``sgd_epoch(w, x, y, learning_rate, batch_size, rng)``, one epoch of SGD.

    The model is linear, predictions = x @ w, with the mean squared error of each batch
    as its loss. Called on fresh random w: (D,), x: (N, D), y: (N,), and a fresh
    ``np.random.default_rng(s)`` for rng; the reference gets a generator with the same
    seed s, so both draw the same order rng.permutation(N). It must return w after one
    step per batch, the last, smaller batch included (float64, or float32 judged at
    float32 precision).
    """
    if not callable(sgd_epoch):
        function = sgd_epoch  # the core says what is wrong with it
    else:

        def function(w, x, y, learning_rate, batch_size, rng_seed):
            # A generator is used up by a call: each call gets a fresh one of the case's
            # seed. An empty batch divides 0 by 0: nan says so, the warning need not.
            rng = np.random.default_rng(rng_seed)
            with np.errstate(invalid="ignore", divide="ignore"):
                return sgd_epoch(w, x, y, learning_rate, batch_size, rng)

    cases = _sgd_cases(seed)
    verdict = check_implementation(
        function,
        name="sgd_epoch",
        cases=cases,
        reference=_reference_epoch,
        outputs=("w after the epoch",),
        mistakes=_SGD_MISTAKES,
        forbid=("batches",),  # the shuffling and slicing are the exercise
        hint="Print w after each batch for a tiny x and compare with a step you work out by hand.",
    )
    if verdict.diagnosis == "other":
        # An extra, empty batch when N is a multiple of B gives nan (0 / 0), which no
        # comparison matches: look at the answer on the case where N divides evenly.
        result, refused = guarded(function, *_copy_case(cases[-1]), name="sgd_epoch")
        values = as_array(result) if refused is None else None
        if values is not None and values.size and np.all(np.isnan(values)):
            return wrong(
                "when len(x) is a multiple of batch_size you took one batch too many: an "
                "empty one, and 0 / 0 turned w into nan.",
                "How many batches does an epoch of len(x) examples take when they divide evenly?",
                diagnosis="off-by-one-batches",
            )
    return verdict


def _copy_case(case: tuple) -> tuple:
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case)


_SGD_MISTAKES = [
    Mistake(
        lambda *args: _epoch(*args, sign=-1.0),
        "your steps go uphill: w moves along the gradient.",
        "Which way does the gradient point, and which way should w move?",
        "sign-flipped",
    ),
    Mistake(
        lambda *args: _epoch(*args, divide_by="nothing"),
        "your steps are too large: you summed the gradient over the batch instead of averaging it.",
        "The loss of a batch is the mean of its squared errors.",
        "summed-not-averaged",
    ),
    Mistake(
        lambda *args: _epoch(*args, divide_by="batch_size"),
        "your last step is too small: you divided by batch_size, but the last batch is shorter.",
        "What does the last batch's mean divide by?",
        "divided-by-batch-size",
    ),
    Mistake(
        lambda *args: _epoch(*args, shuffle=False),
        "you visited the examples in their stored order, without shuffling.",
        "Where does rng come in?",
        "not-shuffled",
    ),
    Mistake(
        lambda *args: _epoch(*args, shuffle_labels=False),
        "your labels are not the ones of your inputs: x was taken in the shuffled order, "
        "y in the stored one.",
        "Index x and y with the same positions.",
        "labels-not-shuffled",
    ),
    Mistake(
        _reshuffled,
        "you drew a new order for every batch, so some examples are used twice and others never.",
        "Draw the order once per epoch, then walk through it.",
        "reshuffled-every-batch",
    ),
    Mistake(
        lambda w, x, y, lr, b, s: _epoch(w, x, y, lr, b, s, count=len(x) // b),
        "you dropped the last, smaller batch: some examples were never used.",
        "How many batches does an epoch of len(x) examples take, the last one included?",
        "off-by-one-batches",
    ),
    Mistake(
        lambda *args: _epoch(*args, scale=0.5),
        "your steps are half the right size.",
        "What is the derivative of a square?",
        "missing-factor-two",
    ),
]
