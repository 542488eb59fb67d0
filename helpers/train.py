"""The training loop: draw a batch → forward pass → loss → backward pass → update.

Shapes use these letters:
    N  examples in the training set,  B  examples in a batch,  D  inputs,  C  classes

``Trainer`` takes one step at a time (the live widget drives it a few steps per tick);
``fit`` runs whole epochs with a progress bar and returns a ``History``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .losses import softmax_cross_entropy
from .validation import check_batch_size, check_features, check_labels

__all__ = ["BLOW_UP", "History", "Trainer", "evaluate", "fit"]

BLOW_UP = 100.0  # training stops when the loss exceeds this many times its first value


@dataclass
class History:
    """What happened during training.

    loss:          the loss of every step (one float per batch)
    accuracy:      training accuracy of each epoch (over the batches as they were seen)
    val_accuracy:  accuracy on ``validation_data`` after each epoch (empty without it)
    seconds:       wall-clock seconds of each epoch
    diverged:      True if the loss became inf or nan, or grew over BLOW_UP × its first value
    message:       why training stopped early ("" when it ran to the end)
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    diverged: bool = False
    message: str = ""

    @property
    def steps(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:
        parts = [f"steps={self.steps}", f"epochs={len(self.accuracy)}"]
        if self.loss:
            parts.append(f"last loss={self.loss[-1]:.4g}")
        if self.val_accuracy:
            parts.append(f"val_accuracy={self.val_accuracy[-1]:.4f}")
        if self.diverged:
            parts.append("diverged")
        return "History(" + ", ".join(parts) + ")"


class Trainer:
    """Trains ``model`` on (x, y) one batch at a time.

    x: (N, D) float, y: (N,) int. Each epoch visits every example once, in an order
    shuffled with ``seed`` (each batch is gathered by index; the data is never copied
    whole). The optimizer's ``learning_rate`` and ``momentum`` may change between steps.
    """

    def __init__(
        self, model, x, y, optimizer, batch_size: int = 128, *, seed=0, loss=softmax_cross_entropy
    ):
        self.batch_size = check_batch_size(batch_size)
        self.x = check_features(x, model.in_features, model.layers[0].dtype, "training data x")
        self.y = check_labels(y, model.out_features, n=len(self.x), where="training labels y")
        if len(self.x) == 0:
            raise ValueError("the training data is empty.")
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss
        self.rng = np.random.default_rng(seed)
        self.history = History()
        self.epoch = 0  # epochs completed
        self._order = self.rng.permutation(len(self.x))
        self._pos = 0  # where the next batch starts in _order
        self._xb = np.empty((self.batch_size, self.x.shape[1]), dtype=self.x.dtype)  # (B, D)
        self._yb = np.empty(self.batch_size, dtype=self.y.dtype)  # (B,)
        self._correct = 0  # right answers seen so far this epoch
        self._seen = 0

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def _next_batch(self):
        idx = self._order[self._pos : self._pos + self.batch_size]
        k = len(idx)
        xb, yb = self._xb[:k], self._yb[:k]
        np.take(self.x, idx, axis=0, out=xb, mode="clip")  # "clip" avoids a hidden buffer
        np.take(self.y, idx, out=yb, mode="clip")
        self._pos += k
        return xb, yb

    def step(self) -> float:
        """One training step; returns its loss (a float, maybe inf or nan if it diverged)."""
        xb, yb = self._next_batch()
        logits = self.model.forward(xb)  # forward,  (B, C)
        loss, dlogits = self.loss_fn(logits, yb)  # loss
        self.history.loss.append(loss)
        if not math.isfinite(loss) or loss > self._blow_up_limit():
            self._stop_diverged(loss)
            return loss
        self._correct += int(np.count_nonzero(logits.argmax(axis=1) == yb))
        self._seen += len(yb)
        self.model.backward(dlogits)  # backward
        self.optimizer.step(self.model.parameters(), self.model.gradients())  # update
        if self._pos >= len(self._order):
            self._end_epoch()
        return loss

    def _end_epoch(self):
        self.history.accuracy.append(self._correct / max(self._seen, 1))
        self._correct = self._seen = 0
        self.epoch += 1
        self._order = self.rng.permutation(len(self.x))
        self._pos = 0

    def _blow_up_limit(self) -> float:
        """A loss above BLOW_UP × the first step's loss (at least 1) counts as diverged."""
        return BLOW_UP * max(self.history.loss[0], 1.0)

    def _stop_diverged(self, loss):
        lr = getattr(self.optimizer, "learning_rate", None)
        self.history.diverged = True
        if math.isfinite(loss):
            what = f"{loss:.4g}, over {BLOW_UP:g} × the first loss {self.history.loss[0]:.4g},"
        else:
            what = str(loss)
        self.history.message = (
            f"loss became {what} at step {self.history.steps} with learning_rate={lr:g}: "
            "the learning rate is too large (or the momentum too high); "
            "try one ten times smaller."
        )

    def run(self, steps: int) -> list[float]:
        """Take up to ``steps`` steps (fewer if the loss diverges); return their losses."""
        losses = []
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for _ in range(steps):
                if self.history.diverged:
                    break
                losses.append(self.step())
        return losses


def evaluate(model, x, y, batch_size: int = 2048, loss=softmax_cross_entropy):
    """Mean loss and accuracy of ``model`` on (x, y), batch by batch → (loss, accuracy)."""
    x = check_features(x, model.in_features, model.layers[0].dtype, "x")
    y = check_labels(y, model.out_features, n=len(x), where="y")
    total, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        logits = model.forward(x[start : start + batch_size])
        yb = y[start : start + batch_size]
        total += loss(logits, yb)[0] * len(yb)
        correct += int(np.count_nonzero(logits.argmax(axis=1) == yb))
    return total / len(x), correct / len(x)


def fit(
    model,
    x,
    y,
    optimizer,
    epochs: int = 1,
    batch_size: int = 128,
    validation_data=None,
    callback=None,
    progress: bool = True,
    *,
    seed=0,
    loss=softmax_cross_entropy,
) -> History:
    """Train ``model`` for ``epochs`` passes over (x, y) and return a ``History``.

    x: (N, D) float32, y: (N,) int labels; validation_data: (x_val, y_val) or None.
    callback(trainer) runs after every step; returning False stops training.
    A loss that becomes inf or nan, or grows over BLOW_UP (100) times its first value,
    stops training and says why in ``History.message``.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}.")
    trainer = Trainer(model, x, y, optimizer, batch_size, seed=seed, loss=loss)
    history = trainer.history
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs * trainer.steps_per_epoch, unit="step", leave=True)
    stopped = False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(epochs):
            start = time.perf_counter()
            for _ in range(trainer.steps_per_epoch):
                step_loss = trainer.step()
                if bar is not None:
                    bar.update(1)
                    if bar.n % 50 == 0:
                        bar.set_postfix(epoch=epoch + 1, loss=f"{step_loss:.4f}", refresh=False)
                if history.diverged or (callback is not None and callback(trainer) is False):
                    stopped = True
                    break
            history.seconds.append(time.perf_counter() - start)
            if stopped:
                break
            if validation_data is not None:
                history.val_accuracy.append(evaluate(model, *validation_data, loss=loss)[1])
    if bar is not None:
        bar.close()
    if history.diverged and progress:
        print(history.message)
    return history
