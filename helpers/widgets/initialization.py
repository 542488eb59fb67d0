"""The initialization explorer: how big a random start, through many layers (notebook 2)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..initialization import Signal, signal_through_layers
from ..plots import describe_figures, run_style
from .explorer import (
    ExactLogSlider,
    Explorer,
    _light_axes,
    _new_figure,
    _plain_log_axis,
    _set_title,
    detect_backend,
)

# Small enough that a slider move redraws in a fraction of a second.
WIDTH, BATCH = 128, 128


def scale_slider(value: float = 1.0) -> ExactLogSlider:
    """A log-scale slider for the start's size, 1/4 … 4 times He's."""
    return ExactLogSlider(
        value=value,
        base=2,
        min=-2,
        max=2,
        step=0.05,
        description="scale × He",
        readout_format=".3g",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )


class InitializationExplorer(Explorer):
    """A batch through ``layers`` relu layers started at ``scale`` × He's size.

    Left: the standard deviation of each layer's output; right: of each layer's kernel
    gradient; both on log axes, with He's own start (scale 1) drawn dashed for reference.
    The numbers come from :func:`helpers.initialization.signal_through_layers`.
    """

    def __init__(self, scale: float = 1.0, layers: int = 10, backend: str | None = None):
        controls = {
            "scale": scale_slider(scale),
            "layers": widgets.IntSlider(
                value=layers,
                min=2,
                max=30,
                description="layers",
                style={"description_width": "initial"},
                layout=widgets.Layout(width="420px"),
            ),
        }
        backend = backend or detect_backend()
        fig = _new_figure(backend, (9, 3.6))
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.16, top=0.74, wspace=0.3)
        self.ax_out, self.ax_grad = fig.subplots(1, 2)
        reference, chosen = run_style(1), run_style(0)
        self.lines = {}
        for ax, what in ((self.ax_out, "activation"), (self.ax_grad, "gradient")):
            (self.lines[what, "He"],) = ax.plot([], [], **reference, alpha=0.6, label="1 × He")
            (self.lines[what],) = ax.plot([], [], **chosen, label="your scale")
            ax.set_yscale("log")
            ax.set_xlabel("layer")
            _plain_log_axis(ax.yaxis)
        self.ax_out.set_ylabel("std of the layer's output")
        self.ax_grad.set_ylabel("std of the kernel's gradient")
        self.ax_out.set_title("forward: the signal", fontsize=10)
        self.ax_grad.set_title("backward: the gradients", fontsize=10)
        handles = [self.lines["activation", "He"], self.lines["activation"]]
        fig.legend(handles=handles, fontsize=8, loc="upper center", ncol=2,
                   bbox_to_anchor=(0.5, 0.9), frameon=False)  # fmt: skip
        _light_axes(self.ax_out, self.ax_grad)
        self.title = fig.suptitle("")
        self.signal = None
        self._he: dict[int, object] = {}  # He's own start, per number of layers
        rows = [controls["scale"], controls["layers"]]
        super().__init__(controls, fig, rows, backend)
        self._observe("scale", "layers")
        self.update()

    def _redraw(self) -> None:
        scale = self.controls["scale"].value
        depth = self.controls["layers"].value
        if depth not in self._he:
            self._he[depth] = signal_through_layers(1.0, depth=depth, width=WIDTH, batch=BATCH)
        he = self._he[depth]
        self.signal = signal_through_layers(scale, depth=depth, width=WIDTH, batch=BATCH)
        layers = np.arange(1, depth + 1)
        for what, key in (("activation", "activation_std"), ("gradient", "gradient_std")):
            self.lines[what].set_data(layers, getattr(self.signal, key))
            self.lines[what, "He"].set_data(layers, getattr(he, key))
        for ax in (self.ax_out, self.ax_grad):
            ax.relim()
            ax.autoscale_view()
        self._invalidate()  # the limits follow the data: a full draw
        growth = self.signal.growth()
        first, last = self.signal.activation_std[0], self.signal.activation_std[-1]
        verdict = _verdict(last / first if first > 0 else float("inf"))
        _set_title(
            self.title,
            f"scale {scale:.3g} × He: the signal × {growth:.3g} per layer ({verdict}), "
            f"std {first:.3g} in layer 1, {last:.3g} in layer {depth}",
            verdict != "about level",
        )


def _verdict(change: float) -> str:
    """In words, what the layers did to the signal: ``change`` = last std / first std."""
    if not change < 10:
        return "exploding"
    if change < 0.1:
        return "vanishing"
    if change < 0.5:
        return "shrinking"
    if change > 2:
        return "growing"
    return "about level"


def initialization_explorer(
    scale: float = 1.0, layers: int = 10, *, backend: str | None = None
) -> InitializationExplorer:
    """Drag the start's size (``scale`` × He's sqrt(2 / D)) and the number of relu layers;
    watch the size of the signal and of the gradients, layer by layer.

    Controls: scale (1/4 … 4, log), layers (2 … 30). Each move sends one batch of 128
    through 128-unit layers and back (2 × layers small matrix products, twice: yours and
    He's for reference).
    """
    return InitializationExplorer(scale, layers, backend)


def initialization_figure(signals=(0.5, 1.0, 2.0), layers: int = 10):
    """Static twin: the signal and the gradients through the layers, one line per start
    (colour, marker and dashes differ). ``signals``: Signals from
    ``signal_through_layers``, or scales to compute them for (``layers`` relu layers of
    256 units). Returns the Figure."""
    import matplotlib.pyplot as plt

    describe_figures()
    signals = [
        s if isinstance(s, Signal) else signal_through_layers(float(s), depth=layers)
        for s in signals
    ]
    fig, (ax_out, ax_grad) = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
    for k, signal in enumerate(signals):
        depth = np.arange(1, signal.depth + 1)
        style = dict(**run_style(k), label=f"scale {signal.scale:g} × He")
        ax_out.plot(depth, signal.activation_std, **style)
        ax_grad.plot(depth, signal.gradient_std, **style)
    ax_out.set(yscale="log", xlabel="layer", ylabel="std of the layer's output")
    ax_grad.set(yscale="log", xlabel="layer", ylabel="std of the kernel's gradient")
    ax_out.set_title("forward: the signal", fontsize=10)
    ax_grad.set_title("backward: the gradients", fontsize=10)
    ax_out.legend(fontsize=8)
    return fig
