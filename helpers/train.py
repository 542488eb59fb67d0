"""The training loop: draw a batch → forward pass → loss → backward pass → update.

Shapes use these letters:
    N  examples in the training set,  B  examples in a batch,  D  inputs,  C  classes

``Trainer`` takes one step at a time (the live widget drives it a few steps per tick);
``fit`` runs whole epochs with a progress bar and returns a ``History``.

Everything a run needs is checked before its first step, once (never inside the step):
the model and optimizer, the training and validation data (shapes, lengths, NaN or inf),
and the model's own parameters (NaN or inf left by an earlier run that diverged).
"""

from __future__ import annotations

import math
import signal
import textwrap
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from .data import batch_inputs
from .exercises import rebuilt
from .losses import softmax_cross_entropy
from .validation import (
    check_batch_size,
    check_finite,
    check_inputs,
    check_labels,
    check_model,
    check_optimizer,
    describe,
)

__all__ = ["BLOW_UP", "History", "Trainer", "evaluate", "fit", "loss_rose_message", "say"]

BLOW_UP = 100.0  # training stops when the loss exceeds this many times its first value
# fit measures the loss of this many training examples before its first step and after its
# last: the same examples both times, so whether a run left the model worse is exact.
REFERENCE_EXAMPLES = 1024
# Printed messages are wrapped between words at this width: JupyterLab breaks a longer
# output line wherever the output area ends, even inside a word ("t oo large" at 1280 px).
PRINT_WIDTH = 88


@dataclass
class History:
    """What happened during training.

    loss:          the loss of every step (one float per batch)
    accuracy:      training accuracy of each epoch (over the batches as they were seen)
    val_accuracy:  accuracy on ``validation_data`` after each epoch (empty without it)
    seconds:       wall-clock seconds of each epoch
    diverged:      True if the loss became inf or nan, or grew over BLOW_UP × its first value
    interrupted:   True if fit, or the last ``Trainer.run``, was stopped (KeyboardInterrupt:
                   Ctrl-C, the Stop button)
    message:       why training stopped early, or a warning about how it went, e.g. that
                   the loss ended higher than it started ("" when all went well)
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    diverged: bool = False
    message: str = ""
    interrupted: bool = False

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
        if self.interrupted:
            parts.append("interrupted")
        return "History(" + ", ".join(parts) + ")"


class Trainer:
    """Trains ``model`` on (x, y) one batch at a time.

    x: (N, D) float, or the raw images (N, 28, 28) or (N, D) uint8 as ``load_mnist`` gives
    them, each batch of which is prepared as it is drawn (exactly as ``prepare`` would, at a
    quarter of the memory of a prepared copy); y: (N,) int. Each epoch visits every example
    once, in an order shuffled with ``seed`` (each batch is gathered by index; the data is
    never copied whole). The optimizer's ``learning_rate`` and ``momentum`` may change
    between steps.

    Checks everything up front, once: model, optimizer (not one that already trained
    another model), loss, the data (shapes, one label per example, no NaN or inf), and
    the model's parameters (no NaN or inf left from a run that diverged).
    """

    def __init__(
        self, model, x, y, optimizer, batch_size: int = 128, *, seed=0, loss=softmax_cross_entropy
    ):
        self.batch_size = check_batch_size(batch_size)
        check_model(model)
        check_optimizer(optimizer)
        _check_loss(loss)
        self.x = check_inputs(x, model.in_features, _dtype(model), "training data x")
        if len(self.x) == 0:
            raise ValueError(
                f"the training data is empty (x has shape {self.x.shape}); "
                "pass at least one example."
            )
        self.y = check_labels(y, model.out_features, n=len(self.x), where="training labels y")
        check_finite(self.x, "training data x")
        _check_parameters_finite(model)
        params = model.parameters()
        if hasattr(optimizer, "check_parameters"):
            optimizer.check_parameters(params)  # refuses an optimizer of another model
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss
        self.rng = _rng(seed)
        self.history = History()
        self.epoch = 0  # epochs completed
        self._order = self.rng.permutation(len(self.x))
        self._pos = 0  # where the next batch starts in _order
        # (check_inputs gave float data the model's dtype already)
        self._xb = np.empty((self.batch_size, self.x.shape[1]), dtype=_dtype(model))  # (B, D)
        # raw pixels are gathered here, then prepared into _xb
        self._pixels = np.empty_like(self._xb, np.uint8) if self.x.dtype == np.uint8 else None
        self._yb = np.empty(self.batch_size, dtype=self.y.dtype)  # (B,)
        self._correct = 0  # right answers seen so far this epoch
        self._seen = 0
        self._rose_said = False  # the last run warned that the loss ended above its start

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def _next_batch(self):
        idx = self._order[self._pos : self._pos + self.batch_size]
        k = len(idx)
        xb, yb = self._xb[:k], self._yb[:k]
        if self._pixels is None:
            np.take(self.x, idx, axis=0, out=xb, mode="clip")  # "clip" avoids a hidden buffer
        else:
            np.take(self.x, idx, axis=0, out=self._pixels[:k], mode="clip")
            batch_inputs(self._pixels[:k], xb.dtype, out=xb)
        np.take(self.y, idx, out=yb, mode="clip")
        self._pos += k
        return xb, yb

    @rebuilt("fit")  # notebook 10 asks students to write fit: no Trainer in its place
    @rebuilt("training_step")  # notebook 02 asks students to write one step
    def step(self) -> float:
        """One training step; returns its loss (a float, maybe inf or nan if it diverged)."""
        if self._pos >= len(self._order):  # a step interrupted at the end of an epoch
            self._end_epoch()
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

    def run(self, steps: int, *, verbose: bool = True) -> list[float]:
        """Take up to ``steps`` steps (fewer if the loss diverges); return their losses.

        An interrupt (Ctrl-C, or the notebook's Stop button, also while a widget's
        callback runs this) ends the run cleanly after the current step, as in ``fit``:
        one line says how far it got, ``history.interrupted`` is True and the losses so
        far are returned. The model keeps what it learned; ``run`` again goes on from there.
        (A second interrupt stops at once, maybe within a step.)

        ``history.message`` says why a run stopped early (divergence, an interrupt) or
        warns that the loss, over the whole training so far, ended higher than it started
        (``loss_rose_message``). With ``verbose`` such a message is printed once, when it
        first appears; the interrupt's line is always printed.
        """
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ValueError(f"steps must be a whole number >= 0, got {steps!r}.")
        history = self.history
        was_diverged = history.diverged
        if not was_diverged:  # the last run's interrupt or warning no longer applies
            history.message, history.interrupted = "", False
        losses: list[float] = []
        before = history.steps  # steps trained before this run
        in_step = False
        try:
            with (
                _StopRequest() as stop,
                np.errstate(over="ignore", invalid="ignore", divide="ignore"),
            ):
                for _ in range(steps):
                    if history.diverged or stop.requested:
                        break
                    in_step = True
                    losses.append(self.step())
                    in_step = False
                if stop.requested:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            history.interrupted = True
            history.message = _run_interrupted_message(len(losses), steps, before, in_step)
            say(history.message)
        if history.diverged:
            if verbose and not was_diverged:
                say(history.message)
            return losses
        rose = loss_rose_message(history.loss, self.optimizer)
        if rose:
            history.message = "\n".join(filter(None, [history.message, rose]))
            if verbose and not self._rose_said:
                say(rose)
        self._rose_said = bool(rose)
        return losses


def _dtype(model):
    """The dtype the model computes in (its first layer's), float32 if it does not say."""
    layers = getattr(model, "layers", None)
    return getattr(layers[0], "dtype", np.float32) if layers else np.float32


def _rng(seed) -> np.random.Generator:
    """The generator that shuffles the batches; a clear word if ``seed`` is no seed."""
    try:
        if isinstance(seed, (bool, float, str)):
            raise TypeError
        return np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise TypeError(
            "seed must be a whole number >= 0 such as 0 (the same seed, the same order of "
            f"batches), or None for a different order each time; got {describe(seed)}."
        ) from None


def _check_loss(loss) -> None:
    if not callable(loss):
        raise TypeError(
            "loss must be a function (logits, labels) -> (loss, dlogits) such as "
            f"softmax_cross_entropy, got {describe(loss)}."
        )


def _check_parameters_finite(model) -> None:
    """Refuse a model whose parameters hold NaN or inf: it diverged in an earlier run."""
    named = getattr(model, "named_parameters", None)
    pairs = named() if callable(named) else enumerate(model.parameters())
    with np.errstate(over="ignore", invalid="ignore"):
        for name, p in pairs:
            if p.dtype.kind == "f" and not math.isfinite(float(np.add.reduce(p, axis=None))):
                bad = int(np.count_nonzero(~np.isfinite(p)))
                if bad == 0:
                    continue  # only the sum overflowed
                raise ValueError(
                    f"the model's parameter {name} holds {bad:,} NaN or infinite "
                    f"value{'s' if bad > 1 else ''} of {p.size:,}: it diverged in an earlier "
                    "run, and no training can bring it back. Build a new model (run the cell "
                    "that makes it again, e.g. model = mlp([784, 512, 10], seed=0)) and a new "
                    "optimizer, then train with a smaller learning rate."
                )


def _check_data(model, x, y, x_name: str, y_name: str, what: str):
    """x, y as the model needs them (shapes, one label each, finite, not empty)."""
    x = check_inputs(x, model.in_features, _dtype(model), x_name)
    if len(x) == 0:
        raise ValueError(
            f"{what} got 0 examples ({x_name} has shape {x.shape}): a mean over no examples "
            "is undefined; pass at least one example, e.g. (x_test, y_test)."
        )
    y = check_labels(y, model.out_features, n=len(x), where=y_name)
    check_finite(x, x_name)
    return x, y


def evaluate(model, x, y, batch_size: int = 2048, loss=softmax_cross_entropy):
    """Mean loss and accuracy of ``model`` on (x, y), batch by batch → (loss, accuracy).

    x: (N, D) float, or raw uint8 images (N, 28, 28) or (N, D), prepared a batch at a time;
    y: (N,) int, N >= 1 (zero examples have no mean: a ValueError).
    """
    check_model(model)
    batch_size = check_batch_size(batch_size)
    _check_loss(loss)
    x, y = _check_data(model, x, y, "x", "y", "evaluate")
    return _evaluate(model, x, y, batch_size, loss)


def _evaluate(model, x, y, batch_size, loss):
    """``evaluate`` without the checks, for data checked already (fit's validation data)."""
    total, correct = 0.0, 0
    dtype = _dtype(model)
    for start in range(0, len(x), batch_size):
        logits = model.forward(batch_inputs(x[start : start + batch_size], dtype))
        yb = y[start : start + batch_size]
        total += loss(logits, yb)[0] * len(yb)
        correct += int(np.count_nonzero(logits.argmax(axis=1) == yb))
    return total / len(x), correct / len(x)


@rebuilt("fit")  # notebook 10 asks students to write it
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

    x: (N, D) float32, or the raw images (N, 28, 28) uint8 from ``load_mnist``, prepared one
    batch at a time as it is drawn (see ``Trainer``); y: (N,) int labels;
    validation_data: (x_val, y_val) in the same forms, or None.
    callback(trainer) runs after every step; returning False stops training.

    Before the first step everything is checked once: model, optimizer, training and
    validation data (shapes, lengths, NaN or inf). Then:
    - a loss that becomes inf or nan, or grows over BLOW_UP (100) times its first value,
      stops training and says why in ``History.message``;
    - a loss that ends higher than it started is reported in ``History.message``: the steps
      are too large. Two measures, so one epoch says so as well as many: the mean of the
      last steps' losses against the mean of the first (``loss_rose_message``), and the
      loss of the first REFERENCE_EXAMPLES (1,024) training examples before the first step
      against theirs after the last (the same examples, so no batch noise: it catches a
      run whose first steps already jumped far up, as with too much momentum). So the
      loss function is called once on those examples before the first step;
    - an interrupt (Ctrl-C, or the notebook's Stop button) ends the run cleanly after the
      current step: the progress bar closes, one line says how far it got, and fit
      *returns* the History so far (``History.interrupted`` is True) instead of raising.
      The model keeps what it learned; calling fit again goes on from there. (A second
      interrupt, or one raised by a callback, stops at once, maybe within a step.)
    Messages are printed when ``progress`` is True; an interrupt's line always is.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}.")
    if callback is not None and not callable(callback):
        raise TypeError(
            "callback must be a function of the trainer, e.g. def callback(trainer): ..., "
            f"got {describe(callback)}."
        )
    trainer = Trainer(model, x, y, optimizer, batch_size, seed=seed, loss=loss)
    if validation_data is not None:
        validation_data = _check_validation_data(model, validation_data)
    history = trainer.history
    steps_per_epoch = trainer.steps_per_epoch
    reference = trainer.x[:REFERENCE_EXAMPLES], trainer.y[:REFERENCE_EXAMPLES]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        loss_before = _evaluate(model, *reference, REFERENCE_EXAMPLES, loss)[0]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs * steps_per_epoch, unit="step", leave=True)
    stopped = in_step = False
    epoch = i = start = 0
    try:
        with _StopRequest() as stop, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(epochs):
                start = time.perf_counter()
                for i in range(steps_per_epoch):  # noqa: B007 (the interrupt message reads i)
                    in_step = True
                    step_loss = trainer.step()
                    in_step = False
                    if bar is not None:
                        bar.update(1)
                        if bar.n % 50 == 0:
                            bar.set_postfix(epoch=epoch + 1, loss=f"{step_loss:.4f}", refresh=False)
                    if (
                        history.diverged
                        or stop.requested
                        or (callback is not None and callback(trainer) is False)
                    ):
                        stopped = True
                        break
                history.seconds.append(time.perf_counter() - start)
                start = 0
                if stopped:
                    break
                if validation_data is not None:
                    history.val_accuracy.append(_evaluate(model, *validation_data, 2048, loss)[1])
                if stop.requested:
                    break
            if stop.requested:
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        if start:
            history.seconds.append(time.perf_counter() - start)
        history.interrupted = True
        current = (epoch, i) if in_step else None
        history.message = _interrupted_message(history, steps_per_epoch, epochs, current)
    finally:
        if bar is not None:
            bar.close()
    if not history.diverged and history.steps:
        rose = loss_rose_message(history.loss, optimizer)
        if not rose:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss_after = _evaluate(model, *reference, REFERENCE_EXAMPLES, loss)[0]
            if loss_after > loss_before:  # False when nan
                where = (
                    f"{loss_before:.4g} on the first {len(reference[0]):,} training examples "
                    f"before the first step, {loss_after:.4g} after the last"
                )
                rose = _rose_message(where, optimizer)
        if rose:
            history.message = "\n".join(filter(None, [history.message, rose]))
    if history.message and (progress or history.interrupted):
        say(history.message)
    return history


def say(message: str) -> None:
    """Print ``message`` (one line, or lines joined by "\n") with each line wrapped between
    words at PRINT_WIDTH, so that no output area breaks it inside a word. ``History.message``
    keeps the unwrapped lines."""
    print(
        "\n".join(
            textwrap.fill(line, PRINT_WIDTH, break_long_words=False, break_on_hyphens=False)
            for line in message.split("\n")
        )
    )


def _check_validation_data(model, validation_data):
    """(x_val, y_val) checked like the training data, before the first step."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise TypeError(
            "validation_data must be a pair (x_val, y_val), e.g. validation_data=(x_test, "
            f"y_test), got {describe(validation_data)}."
        )
    return _check_data(
        model, *validation_data, "validation data x_val", "validation labels y_val", "fit"
    )


_KEPT = "{returned} returned and the model keeps what it learned; call {call} again to go on."


def _run_interrupted_message(done: int, steps: int, before: int, in_step: bool) -> str:
    """One line: how far an interrupted ``Trainer.run(steps)`` got: ``done`` of its steps
    finished (and the next begun if ``in_step``), after ``before`` steps of earlier runs."""
    where = f"during step {done + 1} of {steps}" if in_step else f"after step {done} of {steps}"
    return (
        f"Trainer.run interrupted {where} ({before + done:,} steps trained in all): "
        + _KEPT.format(returned="the losses so far are", call="run")
    )


def _interrupted_message(history: History, steps_per_epoch: int, epochs: int, current) -> str:
    """One line: how far an interrupted fit got. ``current`` is (epoch, step) counted from
    0 if the interrupt came in the middle of that step, else None."""
    if current is not None:
        epoch, step = current
        done = epoch * steps_per_epoch + step
        where = f"during step {step + 1} of {steps_per_epoch} in epoch {epoch + 1} of {epochs}"
        return f"fit interrupted {where} ({done:,} steps done before it): " + _KEPT.format(
            returned="the History so far is", call="fit"
        )
    done = history.steps
    epoch, step = divmod(done, steps_per_epoch)
    if step == 0 and done:
        where = f"at the end of epoch {epoch} of {epochs}"
    else:
        where = f"after step {step} of {steps_per_epoch} in epoch {epoch + 1} of {epochs}"
    return f"fit interrupted {where} ({done:,} steps in all): " + _KEPT.format(
        returned="the History so far is", call="fit"
    )


def loss_rose_message(losses, optimizer, window: int | None = None) -> str:
    """A warning if the loss ended higher than it started ("" if not, or if too short).

    losses: the loss of each step, in order (a sequence of floats). Compares the mean of
    the first ``window`` and of the last ``window`` losses; by default window = steps / 10
    (5 … 50, and at least 4 windows of steps), so one noisy batch does not decide it. Pass
    window=1 for exact losses (a toy landscape, as ``landscapes.descend`` does). A run
    where it happens undid what it learned: its steps are too large (learning rate, or
    momentum, too high). ``optimizer`` supplies the settings named in the advice.
    """
    n = len(losses)
    k = max(5, min(50, n // 10)) if window is None else int(window)
    if k < 1 or n < (4 * k if window is None else k + 1):
        return ""
    first = math.fsum(losses[:k]) / k
    last = math.fsum(losses[-k:]) / k
    if not last > first:  # also False when last is nan
        return ""
    if k == 1:
        where = f"{first:.4g} at the start, {last:.4g} at the end"
    else:
        where = f"mean of the first {k} steps {first:.4g}, of the last {k} {last:.4g}"
    return _rose_message(where, optimizer)


def _rose_message(where: str, optimizer) -> str:
    """The warning that the loss ended higher than it started (``where``: the two numbers),
    with advice from the ``optimizer``'s settings."""
    lr = getattr(optimizer, "learning_rate", None)
    momentum = getattr(optimizer, "momentum", 0.0) or 0.0
    settings = f"learning_rate={lr:g}" if lr is not None else "these settings"
    advice = f"a learning rate ten times smaller ({lr / 10:g})" if lr else "a smaller learning rate"
    if momentum:
        settings += f", momentum={momentum:g}"
        if momentum > 0.9:
            advice += " or less momentum (e.g. 0.9)"
    return (
        f"the loss ended higher than it started ({where}) with {settings}: the steps are "
        f"too large, so training undoes what it learns. Try {advice}."
    )


class _StopRequest:
    """Turns the first Ctrl-C (the notebook's Stop button) into a request that fit honours
    after the current step; a second one raises KeyboardInterrupt at once.

    Only in the main thread, and only if SIGINT has Python's default handler (as in a
    terminal, and in Jupyter while a cell runs); otherwise interrupts are left alone.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        return False
