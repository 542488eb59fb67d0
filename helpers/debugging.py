"""Debugging a training loop: a small loop with the places where real loops go wrong, the
planted bugs of notebook 12's clinic, and the tools that find them.

A :class:`Loop` is the settings of one training loop: how the loss is averaged, how the
data is shuffled, which axis the softmax normalises, how pixels become inputs, the
learning rate, whether gradients are reset between steps, where the validation images
come from, and how the weights start. ``Loop()`` is a healthy loop; each of ``PATIENTS``
differs from it in one setting, a mistake people really make. :func:`train` runs a loop,
written out step by step (draw a batch, forward pass, loss, backward pass, update), on
MNIST and returns what a practitioner sees: the loss of every step and the accuracies.

The tools of the course that tell the bugs apart:
    ``overfit``          can the loop learn 100 examples by heart? (notebook 10's recipe)
    ``gradient_check``   is the loss's gradient the derivative of the loss? (notebooks 4, 9)
    ``Run.dead_units``   hidden units that never fire on the validation images
    ``Run.overlap``      validation images that were also trained on
    ``Run.val_predictions`` for a confusion matrix (``plots.plot_confusion_matrix``)

Shapes: N examples, B a batch, D = 784 inputs, H hidden units, C = 10 classes.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from .data import batch_inputs, load_mnist
from .gradients import numerical_gradient, rel_error
from .layers import mlp

__all__ = [
    "BATCH_SIZE",
    "CHOICES",
    "HIDDEN",
    "PATIENTS",
    "Loop",
    "Run",
    "clinic_data",
    "gradient_check",
    "loop_loss",
    "overfit",
    "train",
]

HIDDEN = 64  # hidden units of the clinic's network 784 → 64 → 10
BATCH_SIZE = 64
TRAIN_IMAGES = 10_000  # the first 10,000 training images are trained on
VALIDATION = slice(55_000, 57_000)  # 2,000 images never trained on ("held out")

# Every setting of a Loop and the values it may take (a learning rate is any number > 0).
CHOICES = {
    "loss": ("mean", "sum"),
    "shuffle": ("together", "separately"),
    "softmax_axis": (1, 0),
    "pixels": ("scaled", "raw"),
    "reset_gradients": (True, False),
    "validation": ("held out", "from training"),
    "init": ("glorot", "zeros"),
}


@dataclass(frozen=True)
class Loop:
    """The settings of a training loop; the defaults are a healthy loop.

    loss:            "mean" the batch's losses averaged (÷ B), "sum" added up (no ÷ B)
    shuffle:         "together" images and labels drawn with one order, "separately"
                     the labels with an order of their own
    softmax_axis:    1 over the 10 classes of each image, 0 over the images of the batch
    pixels:          "scaled" p / 255 in [0, 1], "raw" 0 … 255
    learning_rate:   the SGD step size, a number > 0
    reset_gradients: True each step uses its own gradient, False each step adds its
                     gradient to all the earlier ones and steps along the sum
    validation:      "held out" 2,000 images never trained on, "from training" the first
                     2,000 training images
    init:            "glorot" random kernels (Keras' default), "zeros" every weight 0
    """

    loss: str = "mean"
    shuffle: str = "together"
    softmax_axis: int = 1
    pixels: str = "scaled"
    learning_rate: float = 0.1
    reset_gradients: bool = True
    validation: str = "held out"
    init: str = "glorot"

    def __post_init__(self):
        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if not any(value == a and type(value) is type(a) for a in allowed):
                options = ", ".join(map(repr, allowed))
                raise ValueError(f"Loop: {name} must be one of {options}, got {value!r}.")
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < math.inf:
            raise ValueError(f"Loop: learning_rate must be a number > 0, got {lr!r}.")

    def fixed(self, **changes) -> Loop:
        """This loop with some settings changed, e.g. ``loop.fixed(loss="mean")``."""
        unknown = sorted(set(changes) - set(CHOICES) - {"learning_rate"})
        if unknown:
            raise TypeError(
                f"Loop has no setting {', '.join(unknown)}; its settings are "
                f"{', '.join(f.name for f in dataclasses.fields(self))}."
            )
        return dataclasses.replace(self, **changes)

    def differences(self, other: Loop) -> list[str]:
        """The names of the settings in which ``other`` differs from this loop."""
        return [
            f.name
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        ]


# The clinic's patients: each is the healthy loop with one mistake people really make.
PATIENTS = {
    1: Loop(loss="sum"),
    2: Loop(shuffle="separately"),
    3: Loop(softmax_axis=0),
    4: Loop(pixels="raw"),
    5: Loop(learning_rate=5.0),
    6: Loop(reset_gradients=False),
    7: Loop(validation="from training"),
    8: Loop(init="zeros"),
}


@dataclass
class Run:
    """What a training run shows.

    loss:            the loss of every step, as the loop computed it
    train_accuracy:  accuracy on the last 2,000 training images drawn, after training
    val_accuracy:    accuracy on the validation images
    val_predictions: (2000,) the predicted digit of each validation image
    val_labels:      (2000,) their true digits
    dead_units:      hidden units whose relu is 0 on every validation image
    hidden:          hidden units in all
    overlap:         validation images that were also training images
    diverged:        True if the loss became inf or nan (training stopped there)
    model:           the trained network
    """

    loop: Loop
    loss: list[float]
    train_accuracy: float
    val_accuracy: float
    val_predictions: np.ndarray
    val_labels: np.ndarray
    dead_units: int
    hidden: int
    overlap: int
    diverged: bool
    model: object = dataclasses.field(repr=False, default=None)


def clinic_data():
    """MNIST as the clinic uses it: (x (60000, 28, 28) uint8, labels (60000,))."""
    return load_mnist(verbose=False)[0]


def _inputs(pixels: np.ndarray, loop: Loop) -> np.ndarray:
    """(B, 28, 28) uint8 → (B, 784) float32, scaled to [0, 1] or left as 0 … 255."""
    rows = pixels.reshape(len(pixels), -1)
    if loop.pixels == "raw":
        return rows.astype(np.float32)
    return batch_inputs(rows, np.float32)


def loop_loss(logits: np.ndarray, labels: np.ndarray, loop: Loop) -> tuple[float, np.ndarray]:
    """The loop's cross-entropy and the gradient it uses, as such a loop would write them.

    logits: (B, C), labels: (B,) → loss (float), dlogits (B, C). Softmax over
    ``loop.softmax_axis``; the losses of the batch averaged or added up (``loop.loss``);
    the gradient is notebook 9's formula (softmax − one_hot), ÷ B when averaged, which is
    the loss's derivative only for a softmax over the classes.
    """
    axis = loop.softmax_axis
    shifted = logits - logits.max(axis=axis, keepdims=True)
    probabilities = np.exp(shifted)
    probabilities /= probabilities.sum(axis=axis, keepdims=True)  # (B, C)
    rows = np.arange(len(labels))
    losses = -np.log(np.maximum(probabilities[rows, labels], 1e-30))  # (B,)
    dlogits = probabilities.copy()
    dlogits[rows, labels] -= 1
    if loop.loss == "mean":
        return float(losses.mean()), dlogits / len(labels)
    return float(losses.sum()), dlogits


def train(
    loop: Loop, steps: int = 300, *, examples: int = TRAIN_IMAGES, seed: int = 0, data=None
) -> Run:
    """Run ``loop``: SGD on a 784 → 64 → 10 network, ``steps`` batches of 64 drawn from
    the first ``examples`` training images, then measure it. Stops early if the loss
    becomes inf or nan. ``data``: (x, labels) as ``clinic_data()`` gives them (loaded if
    None). About 0.2 s for 300 steps.
    """
    x, labels = clinic_data() if data is None else data
    n = min(examples, TRAIN_IMAGES)
    model = mlp([784, HIDDEN, 10], seed=seed)
    if loop.init == "zeros":
        for p in model.parameters():
            p[...] = 0
    params = model.parameters()
    summed = [np.zeros_like(p) for p in params]  # the gradients added up (reset_gradients=False)
    rng = np.random.default_rng(seed)
    losses, diverged = [], False
    position, order, label_order = n, None, None
    seen = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(steps):
            if position >= n:  # a new epoch: a new order
                order = rng.permutation(n)
                label_order = order if loop.shuffle == "together" else rng.permutation(n)
                position = 0
            batch = order[position : position + BATCH_SIZE]  # draw a batch
            batch_labels = labels[label_order[position : position + BATCH_SIZE]]
            position += BATCH_SIZE
            seen.append(batch)
            logits = model.forward(_inputs(x[batch], loop))  # forward pass, (B, C)
            loss, dlogits = loop_loss(logits, batch_labels, loop)  # loss
            losses.append(loss)
            if not math.isfinite(loss):
                diverged = True
                break
            model.backward(dlogits.astype(np.float32))  # backward pass
            grads = model.gradients()
            if not loop.reset_gradients:
                for total, g in zip(summed, grads, strict=True):
                    total += g
                grads = summed
            for p, g in zip(params, grads, strict=True):  # update
                p -= loop.learning_rate * g
    if loop.validation == "held out":
        val_index = np.arange(VALIDATION.start, VALIDATION.stop)
    else:
        val_index = np.arange(2000)
    val_labels = labels[val_index]
    with np.errstate(over="ignore", invalid="ignore"):
        val_inputs = _inputs(x[val_index], loop)
        hidden = model.layers[0].forward(val_inputs)  # (2000, H) after relu
        predictions = model.layers[1].forward(hidden).argmax(axis=1)
        recent = np.concatenate(seen)[-2000:]
        train_predictions = model.forward(_inputs(x[recent], loop)).argmax(axis=1)
    trained_on = np.unique(np.concatenate(seen)) if seen else np.array([], dtype=int)
    return Run(
        loop=loop,
        loss=losses,
        train_accuracy=float(np.mean(train_predictions == labels[recent])),
        val_accuracy=float(np.mean(predictions == val_labels)),
        val_predictions=predictions,
        val_labels=val_labels,
        dead_units=int(np.sum(~np.any(hidden > 0, axis=0))),
        hidden=HIDDEN,
        overlap=int(np.isin(val_index, trained_on).sum()),
        diverged=diverged,
        model=model,
    )


def overfit(
    loop: Loop, *, examples: int = 100, steps: int = 200, seed: int = 0, data=None
) -> float:
    """Notebook 10's first test of any loop: train it on ``examples`` images only, for
    ``steps`` steps, and return its accuracy on those same images (a healthy loop learns
    100 images by heart: 1.0). A loop that cannot has a bug that more data will not fix.
    """
    x, labels = clinic_data() if data is None else data
    run = train(loop, steps, examples=examples, seed=seed, data=(x, labels))
    with np.errstate(over="ignore", invalid="ignore"):
        predictions = run.model.forward(_inputs(x[:examples], loop)).argmax(axis=1)
    return float(np.mean(predictions == labels[:examples]))


def gradient_check(loop: Loop, seed: int = 0) -> float:
    """The loop's loss gradient against a finite difference of its loss (notebook 4): the
    largest relative error, on random logits (8, 10) in float64. Below 1e-7 the gradient
    is the loss's derivative; 1e-2 or more is a bug.
    """
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(8, 10))
    labels = rng.integers(0, 10, size=8)
    _, analytic = loop_loss(logits, labels, loop)
    numeric = numerical_gradient(lambda z: loop_loss(z, labels, loop)[0], logits.copy())
    return rel_error(analytic, numeric)
