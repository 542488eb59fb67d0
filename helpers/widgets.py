"""Sliders for learning rate and momentum: four small explorers for the notebooks.

Each builder takes its data as arguments and returns an ipywidgets container with
    .controls  {name: slider / dropdown / button / play}
    .figure    the one matplotlib Figure it redraws
    .update()  recompute from the controls' current values and redraw
The computation is the package's own (``landscapes.descend``, ``train.Trainer``,
``gradients.numerical_partial``); a widget only wires controls to it. Captions and titles
are built from the current values.

Two ways to show the figure, chosen from matplotlib's backend (or ``backend=``):
    "inline"  (default, also Colab): each redraw renders a PNG into one ``Output`` widget
    "ipympl"  (after ``%matplotlib widget``): the figure's canvas is embedded and the
              artists are moved in place (``set_data`` + ``draw_idle``)
The artists are changed by the same code in both; only the last step differs.

For a notebook read on GitHub or printed, each explorer has a static twin drawing the
same picture for a few fixed values: ``naive_update_figure``, ``learning_rate_figure``,
``momentum_figure``, ``training_figure``.
"""

from __future__ import annotations

import io
import time

import ipywidgets as widgets
import numpy as np

from . import landscapes as _landscapes
from .gradients import numerical_partial
from .landscapes import LANDSCAPES, Landscape, descend
from .layers import Dense, mlp
from .losses import mean_squared_error
from .optim import SGD, Adagrad, Adam, AdamW, RMSprop
from .plots import (
    WRONG,
    TrajectoryArtists,
    finite,
    plot_landscape_1d,
    plot_landscape_2d,
    plot_losses,
    smooth,
)
from .train import Trainer, evaluate

__all__ = [
    "Explorer",
    "OPTIMIZER_CHOICES",
    "caption",
    "get_landscape",
    "learning_rate_explorer",
    "learning_rate_figure",
    "make_optimizer",
    "momentum_explorer",
    "momentum_figure",
    "naive_update_explorer",
    "naive_update_figure",
    "time_redraws",
    "training_figure",
    "training_panel",
]

OPTIMIZER_CHOICES = ("SGD", "momentum", "Nesterov", "RMSprop", "Adagrad", "Adam", "AdamW")
USES_MOMENTUM = {"momentum": "momentum", "Nesterov": "momentum", "Adam": "beta1", "AdamW": "beta1"}
_NUMPY_QUIET = dict(over="ignore", invalid="ignore", divide="ignore", under="ignore")


# --------------------------------------------------------------------- pieces ----


def get_landscape(landscape) -> Landscape:
    """A ``Landscape`` itself, or one by name: "parabola", "bowl", "banana", "two_wells",
    "two_wells_2d" (the names in ``landscapes.LANDSCAPES`` work too)."""
    if isinstance(landscape, Landscape):
        return landscape
    if isinstance(landscape, str):
        if landscape in LANDSCAPES:
            return LANDSCAPES[landscape]
        found = getattr(_landscapes, landscape.replace(" ", "_").replace("-", "").lower(), None)
        if isinstance(found, Landscape):
            return found
    names = ", ".join(
        repr(name) for name in ("parabola", "bowl", "banana", "two_wells", "two_wells_2d")
    )
    raise ValueError(f"unknown landscape {landscape!r}; use one of {names} or a Landscape.")


def make_optimizer(name: str, learning_rate: float, momentum: float = 0.0):
    """The optimizer a dropdown choice stands for.

    "SGD" plain; "momentum" SGD(momentum=momentum); "Nesterov" the same with nesterov=True
    (plain SGD when momentum is 0); "RMSprop", "Adagrad" ignore ``momentum``; "Adam",
    "AdamW" take it as beta1 (their momentum-like average of gradients).
    """
    if name == "SGD":
        return SGD(learning_rate)
    if name == "momentum":
        return SGD(learning_rate, momentum=momentum)
    if name == "Nesterov":
        return SGD(learning_rate, momentum=momentum, nesterov=momentum > 0)
    if name == "RMSprop":
        return RMSprop(learning_rate)
    if name == "Adagrad":
        return Adagrad(learning_rate)
    if name == "Adam":
        return Adam(learning_rate, beta1=momentum)
    if name == "AdamW":
        return AdamW(learning_rate, beta1=momentum)
    raise ValueError(f"unknown optimizer {name!r}; use one of {', '.join(OPTIMIZER_CHOICES)}.")


def caption(optimizer) -> str:
    """``SGD(learning_rate=0.1, momentum=0.9)`` with numbers rounded for a title."""
    parts = [f"learning_rate={optimizer.learning_rate:.3g}"]
    if isinstance(optimizer, SGD):
        if optimizer.momentum:
            parts.append(f"momentum={optimizer.momentum:.3g}")
        if optimizer.nesterov:
            parts.append("nesterov=True")
    if isinstance(optimizer, Adam):
        parts.append(f"beta1={optimizer.beta1:.3g}")
    return f"{type(optimizer).__name__}({', '.join(parts)})"


def learning_rate_slider(value: float = 0.1, description: str = "learning rate"):
    """A log-scale slider from 1e-4 to 10."""
    return widgets.FloatLogSlider(
        value=value,
        base=10,
        min=-4,
        max=1,
        step=0.05,
        description=description,
        readout_format=".3g",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )


def momentum_slider(value: float = 0.0, description: str = "momentum"):
    return widgets.FloatSlider(
        value=value,
        min=0.0,
        max=0.99,
        step=0.01,
        description=description,
        readout_format=".2f",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )


def steps_slider(value: int, maximum: int):
    return widgets.IntSlider(
        value=value,
        min=1,
        max=max(maximum, value),
        description="steps",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )


def detect_backend() -> str:
    """ "ipympl" when matplotlib draws with ipympl (``%matplotlib widget``), else "inline"."""
    import matplotlib

    name = str(matplotlib.get_backend(auto_select=False) or "").lower()
    return "ipympl" if ("ipympl" in name or "widget" in name) else "inline"


def _new_figure(backend: str, figsize):
    if backend == "ipympl":
        import matplotlib.pyplot as plt

        with plt.ioff():  # embedded in the widget below, not shown on its own
            fig = plt.figure(figsize=figsize)
        fig.canvas.header_visible = False
        fig.canvas.toolbar_position = "right"
        return fig
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=90)
    FigureCanvasAgg(fig)
    return fig


class Explorer(widgets.VBox):
    """The shared part: controls above, one figure below, ``update()`` redraws it.

    Subclasses build their artists once, list the ones that move on every update in
    ``_animate(...)`` and implement ``_redraw()``, which only changes artists (data,
    titles) and calls ``_invalidate()`` when anything else changed (limits, a new
    landscape). Then only the moving artists are drawn over a saved background
    (blitting); a full draw happens only after ``_invalidate()``.
    """

    def __init__(self, controls: dict, figure, rows, backend: str):
        self.controls = controls
        self.figure = figure
        self.backend = backend
        self.png = b""  # the last image sent to the notebook (inline backend)
        self.full_draws = 0  # how many updates needed a full draw (the rest were blits)
        self._dynamic: list = []
        self._background = None
        self._stale = True
        figure.canvas.mpl_connect("draw_event", self._on_draw)
        if backend == "ipympl":
            self.output = None
            view = figure.canvas
        else:
            self.output = widgets.Output(layout=widgets.Layout(min_height="100px"))
            view = self.output
        super().__init__([*rows, view])

    def _observe(self, *names):
        for name in names:
            self.controls[name].observe(self.update, names="value")

    def _animate(self, *artists) -> None:
        for artist in artists:
            artist.set_animated(True)
            self._dynamic.append(artist)

    def _invalidate(self) -> None:
        """Something besides the moving artists changed: the next show draws everything."""
        self._stale = True

    def update(self, change=None) -> None:
        """Recompute from the current control values and redraw the one figure."""
        with np.errstate(**_NUMPY_QUIET):
            self._redraw()
        self._show()

    def _redraw(self) -> None:
        raise NotImplementedError

    def _on_draw(self, event) -> None:
        """After every full draw: keep it as the background, then add the moving artists."""
        canvas = self.figure.canvas
        if event.renderer is not getattr(canvas, "renderer", None):
            for artist in self._dynamic:  # e.g. savefig: just draw everything there
                artist.draw(event.renderer)
            return
        self._background = canvas.copy_from_bbox(self.figure.bbox)
        self._background_size = (event.renderer.width, event.renderer.height)
        self._draw_dynamic()

    def _draw_dynamic(self) -> None:
        for artist in self._dynamic:
            self.figure.draw_artist(artist)

    def _refresh(self) -> bool:
        """Bring the canvas up to date; True if that needs (or needed) a full draw."""
        canvas = self.figure.canvas
        renderer = canvas.get_renderer()
        full = (
            self._stale
            or self._background is None
            or self._background_size != (renderer.width, renderer.height)
        )
        if full:
            self.full_draws += 1
            if self.backend == "ipympl":
                canvas.draw_idle()  # the browser asks for the draw; _on_draw blits on top
            else:
                canvas.draw()
        else:
            canvas.restore_region(self._background)
            self._draw_dynamic()
            if self.backend == "ipympl":
                canvas.blit(self.figure.bbox)
        self._stale = False
        return full

    def _show(self) -> None:
        self._last_full = self._refresh()
        if self.backend == "ipympl":
            return
        self.png = _encode_png(self.figure.canvas)
        from IPython import get_ipython

        if get_ipython() is None:  # plain Python (tests, scripts): nothing to display into
            return
        from IPython.display import Image, clear_output, display

        with self.output:
            clear_output(wait=True)
            display(Image(data=self.png, format="png"))


def _encode_png(canvas) -> bytes:
    """The canvas's pixels as a PNG (fast settings: it is redrawn often)."""
    from PIL import Image

    image = Image.frombuffer(
        "RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
    )
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def _integer_x(*axes) -> None:
    """Whole-number ticks on x (steps, iterations, changes)."""
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))


def _light_axes(*axes) -> None:
    """Fewer ticks and no minor tick labels: text layout is most of a redraw's cost."""
    from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator

    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_locator(), FixedLocator):
                pass  # named ticks, e.g. under bars
            elif axis.get_scale() == "log":
                _plain_log_axis(axis)
            else:
                axis.set_major_locator(MaxNLocator(5))
                axis.set_minor_locator(NullLocator())


def _set_title(artist_owner, text: str, bad: bool) -> None:
    artist_owner.set_text(text)
    artist_owner.set_color(WRONG if bad else "black")


def _plain_log_axis(axis) -> None:
    """Log-scale tick labels as plain text (1e-08, 0.1, 2): much faster than mathtext.

    Within less than a decade (a training loss from 2.2 to 2.5) the minor ticks get
    labels too, so the axis is never left without numbers.
    """
    from matplotlib.ticker import LogFormatter, LogLocator

    axis.set_major_locator(LogLocator(numticks=6))
    axis.set_minor_locator(LogLocator(subs="auto", numticks=6))
    axis.set_major_formatter(LogFormatter(labelOnlyBase=True))
    axis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.5)))


def _autoscale(ax, values, log: bool) -> None:
    """Rescale ``ax`` to its data, unless there is nothing drawable (avoids log warnings)."""
    values = finite(values)
    drawable = values[np.isfinite(values)]
    if log:
        drawable = drawable[drawable > 0]
    if drawable.size:
        ax.relim()
        ax.autoscale_view()


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
        fig = _new_figure(backend, (9, 3.4))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.8, wspace=0.3)
        self.ax_bars, self.ax_history = fig.subplots(1, 2)
        self.bars = self.ax_bars.bar(
            [0, 1, 2], [0, 0, 0], color="0.6", tick_label=["w − ε", "w", "w + ε"]
        )
        self.ax_bars.set_ylabel("loss")
        (self.history_line,) = self.ax_history.plot([], [], "o-", ms=3)
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
        heights = finite([low, now, high])
        for bar, height in zip(self.bars, heights, strict=True):
            bar.set_height(height if np.isfinite(height) else 0.0)
            bar.set_color("0.6")
        self.bars[0].set_color("tab:green" if low < now else "tab:red")
        self.bars[2].set_color("tab:green" if high < now else "tab:red")
        top = 1.15 * np.nanmax(heights) if np.isfinite(heights).any() else 1.0
        current = self.ax_bars.get_ylim()[1]
        if top > current or top < current / 4:  # rescale only when the bars need it
            self.ax_bars.set_ylim(0, top if top > 0 else 1.0)
            self._invalidate()
        slope = (high - now) / eps
        self.ax_bars.set_title(
            f"{name} = {w[index]:.4g},  ε = {eps:.2g}\n(l(w+ε) − l(w)) / ε = {slope:.4g}"
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


def naive_update_explorer(seed: int = 0, *, backend: str | None = None) -> NaiveUpdateExplorer:
    """Nudge one coefficient of a 3-input, 2-output Dense layer by ±ε and watch the loss.

    Controls: coefficient (dropdown), nudge_down / nudge_up (buttons, w ∓ ε), epsilon,
    learning_rate and step (one gradient step from forward differences
    ``(l(w+ε) − l(w)) / ε``, 8 coefficients → 16 forward passes), reset.
    """
    return NaiveUpdateExplorer(seed, backend)


def naive_update_figure(seed: int = 0, epsilon: float = 0.1):
    """Static twin: for each kernel coefficient, the loss at w − ε, w, w + ε."""
    import matplotlib.pyplot as plt

    explorer = NaiveUpdateExplorer(seed, backend="inline")
    explorer.controls["epsilon"].value = epsilon
    fig, axes = plt.subplots(2, 3, figsize=(10, 5), layout="constrained", sharey=True)
    for ax, (label, value) in zip(
        axes.flat, explorer.controls["coefficient"].options[:6], strict=True
    ):
        explorer.controls["coefficient"].value = value
        low, now, high = explorer.losses_around()
        colors = [
            "tab:green" if low < now else "tab:red",
            "0.6",
            "tab:green" if high < now else "tab:red",
        ]
        ax.bar(["w − ε", "w", "w + ε"], [low, now, high], color=colors)
        ax.set_title(f"{label}: (l(w+ε) − l(w))/ε = {(high - now) / epsilon:.3g}", fontsize=9)
    fig.suptitle(f"Nudging one coefficient by ε = {epsilon:g}: green lowers the loss")
    return fig


# ------------------------------------------ 2. and 3. landscapes explorers ----


class _LandscapePanels:
    """Left: the landscape with the trajectory; right: loss per iteration.

    The loss axis keeps fixed limits for a landscape (log: 10⁻¹⁰ … 10⁴ times the starting
    loss), so curves of different settings can be compared, and so a slider move only
    redraws the path, the loss curve and the title.
    """

    def __init__(self, explorer_figure):
        fig = explorer_figure
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.8, wspace=0.25)
        self.ax_land, self.ax_loss = fig.subplots(1, 2)
        self.title = fig.suptitle("")
        self.landscape = None
        self.steps = None

    def draw_landscape(self, landscape: Landscape, start=None) -> bool:
        """Draw the static part; False if ``landscape`` is already drawn."""
        if landscape is self.landscape:
            return False
        self.landscape = landscape
        self.ax_land.clear()
        self.ax_loss.clear()
        draw = plot_landscape_1d if landscape.dim == 1 else plot_landscape_2d
        draw(landscape, ax=self.ax_land)
        self.path = TrajectoryArtists(self.ax_land, landscape)
        self.ax_land.legend(fontsize=7, loc="upper right")
        lowest = float(landscape.loss(np.array(landscape.minima[0], dtype=np.float64)))
        first = float(
            landscape.loss(
                np.array(landscape.start if start is None else start, dtype=np.float64).reshape(-1)
            )
        )
        self.log = lowest >= 0 and first > 0
        (self.loss_line,) = self.ax_loss.plot([], [], "o-", ms=2.5, color="tab:orange")
        if self.log:
            self.ax_loss.set_yscale("log")
            self.ax_loss.set_ylim(first * 1e-10, first * 1e4)
        else:
            span = max(first - lowest, 1e-12)
            self.ax_loss.set_ylim(lowest - 0.1 * span, first + 0.5 * span)
        self.ax_loss.set_xlabel("iteration")
        self.ax_loss.set_ylabel("loss")
        self.ax_loss.set_title("loss per iteration" + (" (log scale)" if self.log else ""))
        _light_axes(self.ax_land, self.ax_loss)
        _integer_x(self.ax_loss)
        self.steps = None
        return True

    @property
    def moving(self) -> list:
        return [self.path.line, self.path.start, self.loss_line, self.title]

    def show(self, trajectory, steps: int, headline: str) -> bool:
        """Move the artists to ``trajectory``; True if the loss axis limits changed."""
        self.path.set(trajectory)
        losses = finite(trajectory.losses)
        if self.log:
            losses[losses <= 0] = np.nan
        self.loss_line.set_data(np.arange(len(losses)), losses)
        _set_title(self.title, f"{headline}\n{trajectory.message()}", trajectory.diverged)
        if steps != self.steps:
            self.steps = steps
            self.ax_loss.set_xlim(0, steps)
            return True
        return False


class LearningRateExplorer(Explorer):
    """Plain gradient descent (SGD) on a landscape; learning_rate and steps sliders."""

    def __init__(self, landscape, steps, start, backend, learning_rate=0.1):
        self.landscape = get_landscape(landscape)
        self.start = start
        controls = {
            "learning_rate": learning_rate_slider(learning_rate),
            "steps": steps_slider(steps, 100),
        }
        backend = backend or detect_backend()
        fig = _new_figure(backend, (9, 3.6))
        self.panels = _LandscapePanels(fig)
        self.panels.draw_landscape(self.landscape, start)
        self.optimizer = SGD(learning_rate)
        super().__init__(controls, fig, [controls["learning_rate"], controls["steps"]], backend)
        self._animate(*self.panels.moving)
        self._observe("learning_rate", "steps")
        self.update()

    def compute(self):
        """The trajectory for the current slider values (``landscapes.descend``)."""
        self.optimizer.learning_rate = self.controls["learning_rate"].value
        return descend(self.landscape, self.start, self.optimizer, self.controls["steps"].value)

    def _redraw(self) -> None:
        self.trajectory = self.compute()
        steps = self.controls["steps"].value
        headline = f"{caption(self.optimizer)} on {self.landscape.name}, {steps} steps"
        if self.panels.show(self.trajectory, steps, headline):
            self._invalidate()


def learning_rate_explorer(
    landscape="parabola",
    steps: int = 20,
    start=None,
    *,
    learning_rate: float = 0.1,
    backend: str | None = None,
):
    """Gradient descent on ``landscape`` (a name or a Landscape) with a learning-rate slider.

    Controls: learning_rate (log scale, 1e-4 … 10), steps. Left: the 1-D curve or 2-D
    contours with the path; right: the loss per iteration (log y).
    """
    return LearningRateExplorer(landscape, steps, start, backend, learning_rate)


def learning_rate_figure(
    landscape="parabola", learning_rates=(0.05, 0.2, 0.9, 1.1), steps: int = 10, start=None
):
    """Static twin: the path for each learning rate side by side, then all loss curves."""
    import matplotlib.pyplot as plt

    landscape = get_landscape(landscape)
    n = len(learning_rates)
    fig, axes = plt.subplots(1, n + 1, figsize=(3.2 * (n + 1), 3.2), layout="constrained")
    curves = {}
    with np.errstate(**_NUMPY_QUIET):
        for ax, lr in zip(axes[:n], learning_rates, strict=True):
            trajectory = descend(landscape, start, SGD(lr), steps)
            draw = plot_landscape_1d if landscape.dim == 1 else plot_landscape_2d
            draw(landscape, trajectory, ax=ax)
            ax.set_title(
                f"learning_rate={lr:g}\n{trajectory.message()}",
                fontsize=9,
                color=WRONG if trajectory.diverged else "black",
            )
            curves[f"learning_rate={lr:g}"] = trajectory.losses
    plot_losses(curves, ax=axes[-1], xlabel="iteration")
    axes[-1].set_title("loss per iteration", fontsize=9)
    return fig


class MomentumExplorer(Explorer):
    """Any optimizer on a landscape; learning_rate, momentum (β₁ for Adam) and steps."""

    def __init__(self, landscape, optimizer, steps, backend, learning_rate=0.1, momentum=0.5):
        chosen = get_landscape(landscape)
        options = [
            (ls.name, ls) for ls in (_landscapes.bowl, _landscapes.banana, _landscapes.two_wells_2d)
        ]
        if all(ls is not chosen for _, ls in options):
            options.append((chosen.name, chosen))
        if optimizer not in OPTIMIZER_CHOICES:
            make_optimizer(optimizer, learning_rate)  # raises a helpful error
        controls = {
            "landscape": widgets.Dropdown(options=options, value=chosen, description="landscape"),
            "optimizer": widgets.Dropdown(
                options=OPTIMIZER_CHOICES, value=optimizer, description="optimizer"
            ),
            "learning_rate": learning_rate_slider(learning_rate),
            "momentum": momentum_slider(momentum),
            "steps": steps_slider(steps, 300),
        }
        backend = backend or detect_backend()
        fig = _new_figure(backend, (9, 3.6))
        self.panels = _LandscapePanels(fig)
        rows = [
            widgets.HBox([controls["landscape"], controls["optimizer"]]),
            controls["learning_rate"],
            controls["momentum"],
            controls["steps"],
        ]
        super().__init__(controls, fig, rows, backend)
        self._observe(*controls)
        self.update()

    def compute(self):
        """The optimizer and trajectory for the current control values."""
        c = {name: control.value for name, control in self.controls.items()}
        self.optimizer = make_optimizer(c["optimizer"], c["learning_rate"], c["momentum"])
        return descend(c["landscape"], None, self.optimizer, c["steps"])

    def _redraw(self) -> None:
        name = self.controls["optimizer"].value
        slider = self.controls["momentum"]
        slider.disabled = name not in USES_MOMENTUM
        slider.description = USES_MOMENTUM.get(name, "momentum") + (
            " (unused)" if slider.disabled else ""
        )
        landscape = self.controls["landscape"].value
        if self.panels.draw_landscape(landscape):
            for artist in self._dynamic:
                artist.set_animated(False)
            self._dynamic = []
            self._animate(*self.panels.moving)
            self._invalidate()
        self.trajectory = self.compute()
        steps = self.controls["steps"].value
        headline = f"{caption(self.optimizer)} on {landscape.name}, {steps} steps"
        if self.panels.show(self.trajectory, steps, headline):
            self._invalidate()


def momentum_explorer(
    landscape="bowl",
    optimizer: str = "momentum",
    steps: int = 60,
    *,
    learning_rate: float = 0.1,
    momentum: float = 0.5,
    backend: str | None = None,
):
    """Optimizers on a landscape, in the spirit of Distill's "Why Momentum Really Works".

    Controls: landscape (bowl, banana, two wells 2-D, or the one given), optimizer (one of
    ``OPTIMIZER_CHOICES``), learning_rate (log scale), momentum (0 … 0.99; beta1 for
    Adam/AdamW, disabled for SGD, RMSprop and Adagrad), steps.
    """
    return MomentumExplorer(landscape, optimizer, steps, backend, learning_rate, momentum)


def momentum_figure(
    landscape="bowl",
    momenta=(0.0, 0.5, 0.9),
    learning_rate: float = 0.1,
    optimizer: str = "momentum",
    steps: int = 60,
):
    """Static twin: the same learning rate with several momenta, then the loss curves."""
    import matplotlib.pyplot as plt

    landscape = get_landscape(landscape)
    n = len(momenta)
    fig, axes = plt.subplots(1, n + 1, figsize=(3.3 * (n + 1), 3.2), layout="constrained")
    curves = {}
    draw = plot_landscape_1d if landscape.dim == 1 else plot_landscape_2d
    with np.errstate(**_NUMPY_QUIET):
        for ax, momentum in zip(axes[:n], momenta, strict=True):
            opt = make_optimizer(optimizer, learning_rate, momentum)
            trajectory = descend(landscape, None, opt, steps)
            draw(landscape, trajectory, ax=ax)
            ax.set_title(
                f"{caption(opt)}\n{trajectory.message()}",
                fontsize=8,
                color=WRONG if trajectory.diverged else "black",
            )
            curves[f"{USES_MOMENTUM.get(optimizer, 'momentum')}={momentum:g}"] = trajectory.losses
    lowest = float(landscape.loss(np.array(landscape.minima[0], dtype=np.float64)))
    plot_losses(curves, ax=axes[-1], log=lowest >= 0, xlabel="iteration")
    axes[-1].set_title("loss per iteration", fontsize=9)
    return fig


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
            ),
            "pause": widgets.Button(description="pause", icon="pause"),
            "step": widgets.Button(description=f"{self.steps_per_tick} steps", icon="step-forward"),
            "reset": widgets.Button(description="reset", icon="refresh"),
            "learning_rate": learning_rate_slider(learning_rate),
            "momentum": momentum_slider(momentum),
        }
        backend = backend or detect_backend()
        fig = _new_figure(backend, (9, 3.4))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.8, wspace=0.25)
        self.ax_loss, self.ax_acc = fig.subplots(1, 2)
        (self.raw_line,) = self.ax_loss.plot(
            [], [], color="tab:blue", alpha=0.3, lw=0.8, label="each step"
        )
        (self.smooth_line,) = self.ax_loss.plot(
            [], [], color="tab:blue", lw=1.6, label="average of 20 steps"
        )
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("training loss")
        self.ax_loss.legend(fontsize=7, loc="upper right")
        (self.acc_line,) = self.ax_acc.plot([], [], "o-", ms=3, color="tab:green")
        self.ax_acc.set_ylim(0, 1)
        self.ax_acc.set_xlabel("step")
        self.ax_acc.set_ylabel("test accuracy")
        self.ax_acc.set_title(f"accuracy on {len(self.y_test)} test images")
        _light_axes(self.ax_loss, self.ax_acc)
        _integer_x(self.ax_loss, self.ax_acc)
        self.title = fig.suptitle("")
        rows = [
            widgets.HBox(
                [controls["play"], controls["pause"], controls["step"], controls["reset"]]
            ),
            controls["learning_rate"],
            controls["momentum"],
        ]
        super().__init__(controls, fig, rows, backend)
        self._animate(self.title)
        controls["play"].observe(self._on_play, names="value")
        controls["pause"].on_click(lambda _: self.pause())
        controls["step"].on_click(lambda _: self.tick())
        controls["reset"].on_click(lambda _: self.reset())
        controls["learning_rate"].observe(self._on_setting, names="value")
        controls["momentum"].observe(self._on_setting, names="value")
        self._last_tick_end = 0.0
        self.reset()

    def reset(self) -> None:
        """A fresh model (same seed) and optimizer with the current slider values."""
        self.pause()
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

    def _on_setting(self, change) -> None:
        """Learning rate or momentum moved: change the optimizer in place, no reset."""
        optimizer = self.trainer.optimizer
        optimizer.learning_rate = self.controls["learning_rate"].value
        optimizer.momentum = self.controls["momentum"].value
        self.update()

    def _on_play(self, change) -> None:
        if change["new"] <= change["old"]:
            return
        # A tick that arrived while the previous one was still running waited in the
        # queue; skip it so pressing pause takes effect at once.
        interval = self.controls["play"].interval / 1000
        if time.perf_counter() - self._last_tick_end < 0.5 * interval:
            return
        self.tick()
        self._last_tick_end = time.perf_counter()

    def tick(self) -> None:
        """What one Play tick does: ``steps_per_tick`` training steps, a test, a redraw."""
        history = self.trainer.history
        if not history.diverged:
            with np.errstate(**_NUMPY_QUIET):
                self.trainer.run(self.steps_per_tick)
                if not history.diverged:
                    accuracy = evaluate(self.trainer.model, self.x_test, self.y_test)[1]
                    self.test_steps.append(history.steps)
                    self.test_accuracy.append(accuracy)
        if history.diverged:
            self.pause()
        self.update()

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
            parts.append(f"test accuracy {self.test_accuracy[-1]:.1%}")
        text = " · ".join(parts)
        if history.diverged:
            text += "\n" + _wrap(history.message)
        _set_title(self.title, text, history.diverged)

    def _draw_curves(self) -> None:
        history = self.trainer.history
        losses = finite(history.loss)
        steps = np.arange(1, len(losses) + 1)
        self.raw_line.set_data(steps, losses)
        self.smooth_line.set_data(steps, smooth(losses, 20))
        _autoscale(self.ax_loss, losses, log=True)
        self.acc_line.set_data(self.test_steps, self.test_accuracy)
        self.ax_acc.set_xlim(0, max(10, history.steps))


def _wrap(text: str, width: int = 110) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _as_inputs(images) -> np.ndarray:
    """Raw uint8 images → prepared float32 (N, 784) (``data.prepare``); floats pass through."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        from .data import prepare

        return prepare(images)
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
    the test set, of which the first ``test_size`` images are tested after every tick.
    Controls: play (a Play widget: every tick runs ``Trainer.run(steps_per_tick)``),
    pause, step (one tick), reset, learning_rate and momentum (applied to the optimizer
    at once, without a reset). Attributes: ``.trainer``, ``.tick()``.
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


# ------------------------------------------------------------------ timing ----


def time_redraws(widget: Explorer, control_name: str, values) -> list[float]:
    """Seconds from setting ``widget.controls[control_name]`` to an updated figure, per value.

    A button is clicked once per entry of ``values`` (the values themselves are ignored).
    The time counts all the kernel's work for one frame: inline, drawing and encoding the
    PNG; ipympl, the full draw the browser asks for after ``draw_idle`` (when one was
    needed) and the PNG that ipympl sends.
    """
    control = widget.controls[control_name]
    canvas = widget.figure.canvas
    times = []
    for value in values:
        start = time.perf_counter()
        if isinstance(control, widgets.Button):
            control.click()
        elif control.value == value:
            widget.update()
        else:
            control.value = value
        if widget.backend == "ipympl":
            if widget._last_full:
                canvas.draw()
            canvas.get_diff_image()
        times.append(time.perf_counter() - start)
    return times
