"""The live MNIST training panel: play, pause, and change the learning rate as it runs."""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np

from ..layers import mlp
from ..optim import SGD
from ..plots import (
    LANDSCAPE,
    RUN_COLORS,
    finite,
    plot_losses,
    smooth,
)
from ..train import Trainer, evaluate
from .explorer import (
    _NUMPY_QUIET,
    Explorer,
    _autoscale,
    _integer_x,
    _light_axes,
    _new_figure,
    _set_title,
    caption,
    detect_backend,
    learning_rate_slider,
    momentum_slider,
)

# ----------------------------------------------------- 4. training panel ----


class TrainingPanel(Explorer):
    """Live MNIST training with ``train.Trainer``, a few steps per tick of a Play widget."""

    def __init__(
        self,
        x_train,
        y_train,
        x_test,
        y_test,
        hidden,
        seed,
        steps_per_tick,
        backend,
        learning_rate=0.1,
        momentum=0.0,
        test_size=2000,
        batch_size=128,
    ):
        self.x_train, self.y_train = _as_inputs(x_train), np.asarray(y_train)
        n_test = min(int(test_size), len(x_test))
        self.x_test, self.y_test = _as_inputs(x_test[:n_test]), np.asarray(y_test[:n_test])
        self.hidden, self.seed, self.batch_size = hidden, seed, batch_size
        self.steps_per_tick = int(steps_per_tick)
        controls = {
            "play": widgets.Play(
                value=0,
                min=0,
                max=10**9,
                step=1,
                interval=150,
                show_repeat=False,
                description="play",
                # its icon-only buttons have no accessible name: the text buttons below
                # start and stop it (setting ``playing`` starts its timer in the browser)
                layout=widgets.Layout(display="none"),
            ),
            "start": widgets.Button(description="play", icon="play"),
            "pause": widgets.Button(description="pause", icon="pause"),
            "step": widgets.Button(description=f"{self.steps_per_tick} steps", icon="step-forward"),
            "reset": widgets.Button(description="reset", icon="refresh"),
            "learning_rate": learning_rate_slider(learning_rate),
            "momentum": momentum_slider(momentum),
        }
        backend = backend or detect_backend()
        fig = _new_figure(backend, (9, 3.8))
        fig.subplots_adjust(left=0.08, right=0.97, bottom=0.13, top=0.7, wspace=0.25)
        self.ax_loss, self.ax_acc = fig.subplots(1, 2)
        (self.raw_line,) = self.ax_loss.plot(
            [], [], color=LANDSCAPE, alpha=0.3, lw=0.8, label="each step"
        )
        (self.smooth_line,) = self.ax_loss.plot(
            [], [], color=LANDSCAPE, lw=1.6, label="average of 20 steps"
        )
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("training loss")
        self.ax_loss.legend(fontsize=8, loc="upper right")
        (self.acc_line,) = self.ax_acc.plot(
            [], [], "o-", ms=3, color=RUN_COLORS[2], clip_on=False, label="validation accuracy"
        )
        self.ax_acc.set_ylim(0, 1.03)
        self.ax_acc.set_xlabel("step")
        self.ax_acc.set_ylabel("validation accuracy")
        self.ax_acc.set_title(f"accuracy on {len(self.y_test)} validation images")
        _light_axes(self.ax_loss, self.ax_acc)
        _integer_x(self.ax_loss, self.ax_acc)
        self.title = fig.suptitle("", fontsize=10)
        self.notice = ""  # why the last button press did nothing (after divergence)
        # The panel's state as text in a live region: a screen reader announces each change.
        self.status = widgets.HTML(layout=widgets.Layout(width="auto"))
        rows = [
            widgets.HBox(
                [
                    controls["play"],
                    controls["start"],
                    controls["pause"],
                    controls["step"],
                    controls["reset"],
                ]
            ),
            controls["learning_rate"],
            controls["momentum"],
            self.status,
        ]
        super().__init__(controls, fig, rows, backend)
        self._animate(self.title)
        controls["play"].observe(self._on_play, names="value")
        controls["play"].observe(self._say_state, names="playing")
        controls["start"].on_click(lambda _: self.play())
        controls["pause"].on_click(lambda _: self.pause())
        controls["step"].on_click(lambda _: self.tick())
        controls["reset"].on_click(lambda _: self.reset())
        controls["learning_rate"].observe(self._on_setting, names="value")
        controls["momentum"].observe(self._on_setting, names="value")
        self._last_tick_end = 0.0
        self.reset()

    def _release(self) -> None:
        """Stop playing and let go of the model and the data (the panel was closed)."""
        self.pause()
        self.trainer = None
        self.x_train = self.y_train = self.x_test = self.y_test = None

    def reset(self) -> None:
        """A fresh model (same seed) and optimizer with the current slider values."""
        self.pause()
        self.notice = ""
        self.controls["reset"].button_style = ""
        model = mlp([self.x_train.shape[1], self.hidden, 10], seed=self.seed)
        optimizer = SGD(
            self.controls["learning_rate"].value, momentum=self.controls["momentum"].value
        )
        self.trainer = Trainer(
            model, self.x_train, self.y_train, optimizer, batch_size=self.batch_size, seed=self.seed
        )
        self.test_steps: list[int] = []
        self.test_accuracy: list[float] = []
        self._drawn_steps = None
        self.update()

    def pause(self) -> None:
        self.controls["play"].playing = False

    def play(self) -> None:
        """Start ticking (what the play button does); after divergence, say to reset."""
        if self.trainer.history.diverged:
            self.notice = "pressed after divergence: nothing to train"
            self.update()
            return
        self.notice = ""
        self.controls["play"].playing = True

    def _on_setting(self, change) -> None:
        """Learning rate or momentum moved: change the optimizer in place, no reset."""
        optimizer = self.trainer.optimizer
        optimizer.learning_rate = self.controls["learning_rate"].value
        optimizer.momentum = self.controls["momentum"].value
        if self.trainer.history.diverged:
            self.notice = "new settings apply after reset: the weights of this run have blown up"
        self.update()

    def _on_play(self, change) -> None:
        play = self.controls["play"]
        if change["new"] <= change["old"] or not play.playing:
            # Paused (by pause, Stop or a divergence): a tick the browser sent before it
            # heard of the pause waited in the queue, and must not train while paused.
            return
        # A tick that arrived while the previous one was still running waited in the
        # queue; skip it so pressing pause takes effect at once.
        interval = play.interval / 1000
        if time.perf_counter() - self._last_tick_end < 0.5 * interval:
            return
        try:
            self.tick()
        finally:
            self._last_tick_end = time.perf_counter()

    @property
    def validation_accuracy(self) -> list[float]:
        """Accuracy on the held-out images after each measured tick (= ``test_accuracy``)."""
        return self.test_accuracy

    def tick(self) -> None:
        """What one Play tick does: ``steps_per_tick`` training steps, a test, a redraw.

        After divergence it trains nothing (the weights are no longer numbers) and the
        title says to press reset.

        Stop (a kernel interrupt) anywhere in the tick pauses Play and says so: the
        trainer catches one during its steps, and a second one, during the validation
        or the redraw, is caught here rather than escaping into the kernel.
        """
        history = self.trainer.history
        try:
            if history.diverged:
                self.notice = "pressed after divergence: nothing to train"
            else:
                self.notice = ""
                with np.errstate(**_NUMPY_QUIET):
                    # The title shows run's messages (a divergence, a loss that ended higher).
                    self.trainer.run(self.steps_per_tick, verbose=False)
                    if history.interrupted:  # Stop pressed during the tick: stop playing too
                        self._stopped()
                    if not history.diverged:  # measured also where Stop ended the tick
                        accuracy = evaluate(self.trainer.model, self.x_test, self.y_test)[1]
                        self.test_steps.append(history.steps)
                        self.test_accuracy.append(accuracy)
        except KeyboardInterrupt:  # a second Stop, after the trainer's steps
            self._stopped()
        if history.diverged:
            self.pause()
        for _ in range(3):  # a Stop during the redraw: draw again (each Stop is one interrupt)
            try:
                self.update()
                break
            except KeyboardInterrupt:
                self._stopped()

    def _stopped(self) -> None:
        self.pause()
        self.notice = "stopped — press play to go on"

    def _redraw(self) -> None:
        history = self.trainer.history
        if history.steps != self._drawn_steps:
            self._drawn_steps = history.steps
            self._draw_curves()
            self._invalidate()
        losses = finite(history.loss)
        parts = [
            f"step {history.steps} (epoch {self.trainer.epoch})",
            caption(self.trainer.optimizer),
        ]
        if len(losses) and np.isfinite(losses[-1]):
            parts.append(f"loss {losses[-1]:.3g}")
        if self.test_accuracy:
            parts.append(f"validation accuracy {self.test_accuracy[-1]:.1%}")
        text = " · ".join(parts)
        if history.diverged:
            self.controls["reset"].button_style = "danger"
            advice = "diverged — press reset to start again"
            if self.notice:
                advice += f" ({self.notice})"
            text = "\n".join(
                [_wrap(text, self.figure), _wrap(history.message, self.figure), advice]
            )
        elif history.message or self.notice:  # an interrupt, or a loss that ended higher
            lines = [text, history.message, self.notice]
            text = "\n".join(_wrap(line, self.figure) for line in lines if line)
        _set_title(self.title, text, history.diverged)
        self._say_state()

    def _say_state(self, change=None) -> None:
        if self.trainer is not None:
            self.status.value = _live_region(self.state_text())

    def state_text(self) -> str:
        """The panel's state in one sentence, as the live region says it: step, loss,
        accuracy, settings, and "diverged — press reset" or "stopped"."""
        history = self.trainer.history
        losses = finite(history.loss)
        words = [f"Step {history.steps}, epoch {self.trainer.epoch}"]
        if len(losses) and np.isfinite(losses[-1]):
            words.append(f"training loss {losses[-1]:.3g}")
        if self.test_accuracy:
            words.append(f"validation accuracy {self.test_accuracy[-1]:.1%}")
        optimizer = self.trainer.optimizer
        words.append(f"learning rate {optimizer.learning_rate:.3g}")
        words.append(f"momentum {optimizer.momentum:.3g}")
        text = ", ".join(words) + "."
        if history.diverged:
            text += f" Diverged — press reset. {history.message}"
        elif self.notice.startswith("stopped"):
            text += " Stopped — press play to go on."
        elif self.controls["play"].playing:
            text += " Playing."
        if self.notice and not self.notice.startswith("stopped"):
            text += f" ({self.notice})"
        return " ".join(text.split())

    def _draw_curves(self) -> None:
        history = self.trainer.history
        losses = finite(history.loss)
        steps = np.arange(1, len(losses) + 1)
        self.raw_line.set_data(steps, losses)
        self.smooth_line.set_data(steps, smooth(losses, 20))
        _autoscale(self.ax_loss, losses, log=True)
        self.acc_line.set_data(self.test_steps, self.test_accuracy)
        right = max(10, history.steps)
        self.ax_acc.set_xlim(-0.02 * right, 1.05 * right)  # the last point whole, not halved


def _live_region(text: str) -> str:
    """``text`` in an element a screen reader announces when it changes (a polite status)."""
    import html

    return (
        '<div class="engine-status" role="status" aria-live="polite" aria-atomic="true">'
        f"{html.escape(text)}</div>"
    )


def _wrap(text: str, figure, fontsize: float = 10) -> str:
    """``text`` in lines that fit across ``figure`` (average glyph ≈ 0.6 em, 90 % width)."""
    import textwrap

    width_px = figure.get_figwidth() * figure.dpi
    chars = int(0.9 * width_px / (0.6 * fontsize * figure.dpi / 72))
    return "\n".join(textwrap.wrap(text, max(20, chars)))


def _as_inputs(images) -> np.ndarray:
    """(N, 784) rows: raw uint8 images stay uint8 (a view, no copy; Trainer and evaluate
    prepare each batch as they use it), float inputs become float32."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.reshape(len(images), -1)
    return images.reshape(len(images), -1).astype(np.float32, copy=False)


def training_panel(
    x_train,
    y_train,
    x_test,
    y_test,
    hidden: int = 128,
    seed: int = 0,
    steps_per_tick: int = 20,
    *,
    learning_rate: float = 0.1,
    momentum: float = 0.0,
    test_size: int = 2000,
    backend: str | None = None,
) -> TrainingPanel:
    """Live training of a 784-hidden-10 network on MNIST.

    x_train: (N, 784) float32 (or raw (N, 28, 28) uint8), y_train: (N,) int; the same for
    ``x_test, y_test``, the held-out images the panel measures on: pass the validation
    split (as notebooks 06 and 10 do) and keep the test set for the very end. The first
    ``test_size`` of them are measured after every tick; the panel calls them validation
    images, and ``.validation_accuracy`` (also ``.test_accuracy``) holds the results.
    Controls: play (a Play widget: every tick runs ``Trainer.run(steps_per_tick)``; the
    "play" button, ``start``, starts it), pause, step (one tick), reset, learning_rate
    and momentum (applied to the optimizer at once, without a reset). Attributes:
    ``.trainer``, ``.tick()``, ``.status`` (the state as text in a live region,
    ``.state_text()``).
    """
    return TrainingPanel(
        x_train,
        y_train,
        x_test,
        y_test,
        hidden,
        seed,
        steps_per_tick,
        backend,
        learning_rate,
        momentum,
        test_size,
    )


def training_figure(
    x_train,
    y_train,
    x_test,
    y_test,
    learning_rates=(0.01, 0.1, 1.0),
    steps: int = 300,
    hidden: int = 128,
    seed: int = 0,
    test_size: int = 2000,
):
    """Static twin: training loss for a few learning rates (same start), test accuracy in
    the legend. Returns the Figure."""
    import matplotlib.pyplot as plt

    x_train, y_train = _as_inputs(x_train), np.asarray(y_train)
    x_test, y_test = _as_inputs(x_test[:test_size]), np.asarray(y_test[:test_size])
    curves = {}
    with np.errstate(**_NUMPY_QUIET):
        for lr in learning_rates:
            model = mlp([x_train.shape[1], hidden, 10], seed=seed)
            trainer = Trainer(model, x_train, y_train, SGD(lr), seed=seed)
            trainer.run(steps)
            if trainer.history.diverged:
                label = f"learning_rate={lr:g}: diverged"
            else:
                label = (
                    f"learning_rate={lr:g}: test accuracy {evaluate(model, x_test, y_test)[1]:.1%}"
                )
            curves[label] = smooth(trainer.history.loss, 20)
    fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
    plot_losses(curves, ax=ax)
    ax.set_title(f"training loss (average of 20 steps), {steps} steps of batch 128")
    return fig
