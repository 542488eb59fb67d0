"""The naive update explorer: nudge one coefficient, watch the loss (notebook 3)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..gradients import numerical_partial
from ..layers import Dense
from ..losses import mean_squared_error
from ..plots import (
    PALETTE,
    describe_figures,
    finite,
)
from .explorer import (
    _NUMPY_QUIET,
    Explorer,
    _autoscale,
    _integer_x,
    _light_axes,
    _new_figure,
    _set_title,
    detect_backend,
    learning_rate_slider,
)

# ------------------------------------------------------ 1. naive update ----


class NaiveUpdateExplorer(Explorer):
    """The lecture's layer with 3 inputs and 2 outputs, nudged one coefficient at a time.

    The lecture writes its weights as W, 2×3 (outputs × inputs). ``Dense`` stores the
    transpose, ``kernel`` (3, 2) = (inputs × outputs), so kernel[i, j] is the lecture's
    W[j, i]. x: (4, 3) inputs, target: (4, 2); loss: mean squared error.
    """

    def __init__(self, seed: int = 0, backend: str | None = None):
        rng = np.random.default_rng(seed)
        self.layer = Dense(3, 2, seed=seed, dtype=np.float64)
        self.x = rng.normal(size=(4, 3))  # (N, D) = (4, 3)
        self.target = rng.normal(size=(4, 2))  # (N, M) = (4, 2)
        self._initial = (self.layer.kernel.copy(), self.layer.bias.copy())
        options = [(f"kernel[{i}, {j}]", ("kernel", (i, j))) for i in range(3) for j in range(2)]
        options += [(f"bias[{j}]", ("bias", (j,))) for j in range(2)]
        controls = {
            "coefficient": widgets.Dropdown(options=options, description="coefficient"),
            "epsilon": widgets.FloatLogSlider(
                value=0.1,
                base=10,
                min=-4,
                max=0,
                step=0.1,
                description="ε (nudge)",
                readout_format=".2g",
                layout=widgets.Layout(width="420px"),
            ),
            "learning_rate": learning_rate_slider(0.1),
            "nudge_down": widgets.Button(description="w − ε", icon="minus"),
            "nudge_up": widgets.Button(description="w + ε", icon="plus"),
            "step": widgets.Button(description="gradient step", button_style="primary"),
            "reset": widgets.Button(description="reset", icon="refresh"),
        }
        self.table = widgets.HTML()
        backend = backend or detect_backend()
        fig = _new_figure(backend, (9, 3.6))
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.22, top=0.76, wspace=0.3)
        self.ax_bars, self.ax_history = fig.subplots(1, 2)
        # Δloss per nudge: a change of 0.1 % of the loss is as visible as one of 50 %
        self.bars = self.ax_bars.bar([0, 1], [0, 0], color="0.6", tick_label=["w − ε", "w + ε"])
        self.ax_bars.axhline(0.0, color="black", lw=0.8)
        self.ax_bars.set_xlim(-0.7, 1.7)
        self.ax_bars.set_ylim(-1e-12, 1e-12)  # the first redraw sets it to the bars
        self.ax_bars.set_ylabel("l(w ± ε) − l(w)")
        box = self.ax_bars.get_position()  # the colour key under the bars, not on them
        fig.legend(
            handles=_legend_key(),
            fontsize=8,
            loc="lower center",
            bbox_to_anchor=((box.x0 + box.x1) / 2, 0.0),
            ncol=2,
            frameon=False,
        )
        (self.history_line,) = self.ax_history.plot([], [], "o-", ms=3, label="loss")
        self.ax_history.set_xlabel("change (0 = start)")
        self.ax_history.set_ylabel("loss")
        _light_axes(self.ax_bars, self.ax_history)
        _integer_x(self.ax_history)
        self.title = fig.suptitle("")
        self.history: list[float] = []
        self.action = "start"
        rows = [
            widgets.HBox([controls["coefficient"], controls["nudge_down"], controls["nudge_up"]]),
            controls["epsilon"],
            widgets.HBox([controls["learning_rate"], controls["step"], controls["reset"]]),
            self.table,
        ]
        super().__init__(controls, fig, rows, backend)
        self._animate(*self.bars, self.ax_bars.title, self.title)
        self._drawn_history = None
        self._observe("coefficient", "epsilon", "learning_rate")
        controls["nudge_up"].on_click(lambda _: self.nudge(+1))
        controls["nudge_down"].on_click(lambda _: self.nudge(-1))
        controls["step"].on_click(lambda _: self.gradient_step())
        controls["reset"].on_click(lambda _: self.reset())
        self.reset()

    # the computation: forward pass, loss, finite differences (all from the package)
    def loss(self, _w=None) -> float:
        """Mean squared error of the layer's output on the fixed batch."""
        return mean_squared_error(self.layer.forward(self.x), self.target)[0]

    def _chosen(self):
        name, index = self.controls["coefficient"].value
        return self.layer.params[name], index

    def losses_around(self):
        """(l(w − ε), l(w), l(w + ε)) for the chosen coefficient w."""
        w, index = self._chosen()
        eps = self.controls["epsilon"].value
        old = w[index]
        values = []
        for shift in (-eps, 0.0, eps):
            w[index] = old + shift
            values.append(self.loss())
        w[index] = old
        return tuple(values)

    def numerical_gradients(self) -> dict:
        """{"kernel": (3, 2), "bias": (2,)} by forward differences (l(w+ε) − l(w)) / ε."""
        eps = self.controls["epsilon"].value
        return {
            name: np.array(
                [
                    numerical_partial(self.loss, w, index, h=eps, method="forward")
                    for index in np.ndindex(w.shape)
                ]
            ).reshape(w.shape)
            for name, w in self.layer.params.items()
        }

    def nudge(self, direction: int) -> None:
        w, index = self._chosen()
        with np.errstate(**_NUMPY_QUIET):
            w[index] += direction * self.controls["epsilon"].value
            self.history.append(self.loss())
        self.action = f"{self.controls['coefficient'].label} {'+' if direction > 0 else '−'}= ε"
        self.update()

    def gradient_step(self) -> None:
        lr = self.controls["learning_rate"].value
        with np.errstate(**_NUMPY_QUIET):
            grads = self.numerical_gradients()
            for name, w in self.layer.params.items():
                w -= lr * grads[name]
            self.history.append(self.loss())
        self.action = f"gradient step with learning_rate={lr:.3g}"
        self.update()

    def reset(self) -> None:
        self.layer.kernel[...] = self._initial[0]
        self.layer.bias[...] = self._initial[1]
        self.history = [self.loss()]
        self.action = "start"
        self._drawn_history = None
        self.update()

    def _redraw(self) -> None:
        low, now, high = self.losses_around()
        eps = self.controls["epsilon"].value
        name = self.controls["coefficient"].label
        w, index = self._chosen()
        changes = finite([low - now, high - now])  # Δloss per nudge
        shown = np.where(np.isfinite(changes), changes, 0.0)
        need = 1.1 * float(np.max(np.abs(shown))) or 1e-12
        for bar, change in zip(self.bars, changes, strict=True):
            bar.set_height(change if np.isfinite(change) else 0.0)
            bar.set_color(_change_color(change))
        current = self.ax_bars.get_ylim()[1]
        # Rescale (a full draw) only when the bars leave the axis or shrink below a tenth
        # of it; then to a round limit with room to grow, so dragging ε rescales rarely.
        if need > current or need < current / 10:
            grow = 1.0 if current < 1e-11 else 2.0  # the first draw: fit the bars snugly
            self.ax_bars.set_ylim(-_round_up(grow * need), _round_up(grow * need))
            self._invalidate()
        slope = (high - now) / eps
        self.ax_bars.set_title(
            f"{name} = {w[index]:.4g},  ε = {eps:.2g}\n(l(w+ε) − l(w)) / ε = {slope:.4g}",
            fontsize=10,
        )
        history = finite(self.history)
        if self._drawn_history != self.history:  # a button changed the layer
            self._drawn_history = list(self.history)
            self.history_line.set_data(np.arange(len(history)), history)
            _autoscale(self.ax_history, history, log=False)
            self.ax_history.set_xlim(-0.5, max(5, len(history)) - 0.5)
            self.ax_history.set_title(f"last change: {self.action}")
            self._invalidate()
        blown = ~(history <= 100 * history[0])  # not finite, or 100 × the first loss
        bad = bool(blown.any()) or (len(history) > 1 and history[-1] > history[-2])
        if blown.any():
            text = (
                f"diverged at change {int(np.argmax(blown))}: loss {history[0]:.3g} → "
                f"{history[-1]:.3g}; the learning rate is too large, press reset"
            )
        elif bad:
            text = f"the loss went up: {history[-2]:.4g} → {history[-1]:.4g}"
        else:
            text = f"loss {history[-1]:.4g}"
        _set_title(self.title, text, bad)
        self.table.value = self._table_html(name)

    def _table_html(self, chosen: str) -> str:
        cells = []
        for label, (pname, index) in self.controls["coefficient"].options:
            value = self.layer.params[pname][index]
            style = "font-weight:bold;background:#ffe8b0" if label == chosen else ""
            cells.append(f"<td style='padding:2px 8px;{style}'>{label} = {value:.4g}</td>")
        rows = ["".join(cells[k : k + 2]) for k in range(0, 8, 2)]
        return (
            "<table>" + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>"
            "<small>Lecture: W is 2×3 (outputs × inputs). Here: kernel (3, 2) = "
            "(inputs × outputs), so kernel[i, j] is W[j, i].</small>"
        )


def _round_up(value: float) -> float:
    """The next of 1, 2, 5 × 10^k at or above ``value``."""
    power = 10.0 ** np.floor(np.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _change_color(change) -> str:
    """Green: the nudge lowers the loss (a bar below 0); red: it raises it (above 0); grey:
    no change. Okabe-Ito's bluish green and vermillion, which a colour-blind eye tells
    apart; the bar's side of 0 says it too."""
    if change < 0:
        return LOWER
    if change > 0:
        return HIGHER
    return "0.6"


LOWER, HIGHER = PALETTE["bluish green"], PALETTE["vermillion"]


def _legend_key():
    from matplotlib.patches import Patch

    return [
        Patch(color=LOWER, label="lower, below 0: loss goes down"),
        Patch(color=HIGHER, label="higher, above 0: loss goes up"),
    ]


def naive_update_explorer(seed: int = 0, *, backend: str | None = None) -> NaiveUpdateExplorer:
    """Nudge one coefficient of a 3-input, 2-output Dense layer by ±ε and watch the loss.

    Controls: coefficient (dropdown), nudge_down / nudge_up (buttons, w ∓ ε), epsilon,
    learning_rate and step (one gradient step from forward differences
    ``(l(w+ε) − l(w)) / ε``, 8 coefficients → 16 forward passes), reset.
    """
    return NaiveUpdateExplorer(seed, backend)


def naive_update_figure(seed: int = 0, epsilon: float = 0.1):
    """Static twin: for each kernel coefficient, how much the loss changes when it is
    nudged by −ε and +ε (green, below 0: lower; red, above 0: higher), 3 panels a row."""
    import matplotlib.pyplot as plt

    describe_figures()
    explorer = NaiveUpdateExplorer(seed, backend="inline")
    explorer.controls["epsilon"].value = epsilon
    fig, axes = plt.subplots(2, 3, figsize=(9.5, 5.2), layout="constrained")
    for ax, (label, value) in zip(
        axes.flat, explorer.controls["coefficient"].options[:6], strict=True
    ):
        explorer.controls["coefficient"].value = value
        low, now, high = explorer.losses_around()
        changes = [low - now, high - now]
        ax.bar(["w − ε", "w + ε"], changes, color=[_change_color(c) for c in changes], width=0.6)
        ax.axhline(0.0, color="black", lw=0.8)
        top = 1.5 * max(abs(c) for c in changes) or 1e-12
        ax.set_ylim(-top, top)
        for k, change in enumerate(changes):
            ax.text(
                k,
                change + (0.04 if change >= 0 else -0.04) * top,
                f"{change:+.3g}",
                ha="center",
                va="bottom" if change >= 0 else "top",
                fontsize=8,
            )
        ax.set_title(f"{label}\n(l(w+ε) − l(w)) / ε = {(high - now) / epsilon:.3g}", fontsize=9)
    for ax in axes[:, 0]:
        ax.set_ylabel("l(w ± ε) − l(w)")
    fig.suptitle(
        f"How much the loss changes when one coefficient is nudged by ε = {epsilon:g}\n"
        "green, below 0: lower (that way is downhill); red, above 0: higher"
    )
    return fig
