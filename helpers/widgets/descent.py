"""Learning-rate and momentum explorers: an optimizer moving over a toy landscape."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import landscapes as _landscapes
from ..landscapes import Landscape, descend
from ..optim import SGD
from ..plots import (
    RUN_COLORS,
    WRONG,
    TrajectoryArtists,
    finite,
    plot_landscape_1d,
    plot_landscape_2d,
    plot_losses,
)
from .explorer import (
    _NUMPY_QUIET,
    OPTIMIZER_CHOICES,
    USES_MOMENTUM,
    Explorer,
    _integer_x,
    _light_axes,
    _new_figure,
    _set_title,
    caption,
    detect_backend,
    get_landscape,
    learning_rate_slider,
    make_optimizer,
    momentum_slider,
    steps_slider,
)

# ------------------------------------------ 2. and 3. landscapes explorers ----


class _LandscapePanels:
    """Left: the landscape with the trajectory; right: loss per iteration.

    The loss axis keeps its limits for a landscape (log: 10⁻¹⁰ … 10⁴ times the starting
    loss, its bottom lowered by powers of ten when a loss falls below it), so
    curves of different settings can be compared, and so a slider move mostly redraws
    only the path, the loss curve and the title. On a log axis a loss of exactly 0 is
    drawn at ``floor``, the bottom edge, and the title says so. 2-D
    landscapes are drawn with equal scales on both axes, so a narrow valley looks narrow.
    """

    def __init__(self, explorer_figure):
        fig = explorer_figure
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.24, top=0.78, wspace=0.28)
        self.ax_land, self.ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
        self.title = fig.suptitle("", fontsize=11)
        self.landscape = None
        self.steps = None
        self.clipped = None
        self.legend = None

    def draw_landscape(self, landscape: Landscape, start=None) -> bool:
        """Draw the static part; False if ``landscape`` is already drawn."""
        if landscape is self.landscape:
            return False
        self.landscape = landscape
        self.ax_land.clear()
        self.ax_loss.clear()
        draw = plot_landscape_1d if landscape.dim == 1 else plot_landscape_2d
        draw(landscape, ax=self.ax_land)
        if landscape.dim == 2:
            self.ax_land.set_aspect("equal", adjustable="box")
            self.ax_land.set_anchor("S")  # down to the x label and the legend below it
        else:
            self.ax_land.set_aspect("auto")
        self.path = TrajectoryArtists(self.ax_land, landscape)
        # at the figure's foot, under the landscape: never on the path
        if self.legend is not None:
            self.legend.remove()
        handles, labels = self.ax_land.get_legend_handles_labels()
        box = self.ax_land.get_position()
        self.legend = self.ax_land.figure.legend(
            handles,
            labels,
            fontsize=8,
            loc="lower center",
            bbox_to_anchor=((box.x0 + box.x1) / 2, 0.0),
            ncol=len(labels),
            frameon=False,
            handlelength=1.5,
            columnspacing=1.0,
        )
        lowest = float(landscape.loss(np.array(landscape.minima[0], dtype=np.float64)))
        first = float(
            landscape.loss(
                np.array(landscape.start if start is None else start, dtype=np.float64).reshape(-1)
            )
        )
        self.log = lowest >= 0 and first > 0
        (self.loss_line,) = self.ax_loss.plot(
            [], [], "o-", ms=2.5, color=RUN_COLORS[0], label="loss"
        )
        if self.log:
            self.ax_loss.set_yscale("log")
            self.ax_loss.set_ylim(first * 1e-10, first * 1e4)
            self.floor = first * 1e-10  # the bottom edge, where a loss of exactly 0 is drawn
        else:
            span = max(first - lowest, 1e-12)
            self.ax_loss.set_ylim(lowest - 0.1 * span, first + 0.5 * span)
            self.floor = None
        self.ax_loss.set_xlabel("iteration")
        self.ax_loss.set_ylabel("loss")
        self.ax_loss.set_title("loss per iteration" + (" (log scale)" if self.log else ""))
        self.clipped = None
        _light_axes(self.ax_land, self.ax_loss)
        _integer_x(self.ax_loss)
        self.steps = None
        return True

    @property
    def moving(self) -> list:
        return [self.path.line, self.path.start, self.loss_line, self.title]

    def show(self, trajectory, steps: int, headline: str) -> bool:
        """Move the artists to ``trajectory``; True if anything else changed (limits, labels)."""
        self.path.set(trajectory)
        losses = finite(trajectory.losses)
        changed = False
        clipped = False
        if self.log:
            positive = losses[np.isfinite(losses) & (losses > 0)]
            if positive.size and positive.min() < self.floor:
                # a loss below the axis: lower its bottom to a power of ten under it, with
                # a decade to spare, so the curve never runs off the axis (a full redraw)
                self.floor = 10.0 ** (np.floor(np.log10(positive.min())) - 1)
                self.ax_loss.set_ylim(self.floor, self.ax_loss.get_ylim()[1])
                changed = True
            low = losses <= 0
            clipped = bool(low.any())
            losses[low] = self.floor
        self.clipped = clipped
        self.loss_line.set_data(np.arange(len(losses)), losses)
        message = trajectory.message()
        if clipped:  # in the (moving) title: saying so costs no full redraw
            message += " · log axis: a loss of exactly 0 is drawn on the bottom edge"
        _set_title(self.title, f"{headline}\n{message}", trajectory.diverged)
        if steps != self.steps:
            self.steps = steps
            self.ax_loss.set_xlim(-0.02 * steps, 1.02 * steps)  # no dot cut in half
            changed = True
        return changed


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


def _grid(panels: int, landscape, ncols: int = 3):
    """A figure for ``panels`` landscape panels, at most ``ncols`` a row, ≤ 9.5 in wide.

    Sized for a notebook column (about 950 px at 100 dpi): nothing is shrunk, so every
    label keeps its point size. Unused cells of the grid are switched off.
    """
    import matplotlib.pyplot as plt

    ncols = min(ncols, panels)
    nrows = -(-panels // ncols)
    width = 9.5 if ncols > 1 else 5.0
    panel = width / ncols - 0.7
    if landscape.dim == 2:
        (x0, x1), (y0, y1) = landscape.bounds
        height = max(2.1, panel * (y1 - y0) / (x1 - x0) + 1.2)
    else:
        height = 2.9
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, height * nrows), layout="constrained", squeeze=False
    )
    axes = axes.ravel()
    for ax in axes[panels:]:
        ax.set_axis_off()
    return fig, axes[:panels]


def _draw_run(landscape, trajectory, ax, color, title):
    draw = plot_landscape_1d if landscape.dim == 1 else plot_landscape_2d
    draw(landscape, trajectory, ax=ax, color=color)
    if landscape.dim == 2:
        ax.set_aspect("equal", adjustable="box")
    ax.set_title(title, fontsize=9, color=WRONG if trajectory.diverged else "black")


def learning_rate_figure(
    landscape="parabola", learning_rates=(0.05, 0.2, 0.9, 1.1), steps: int = 10, start=None
):
    """Static twin: the path for each learning rate, then all loss curves (at most three
    panels a row; each path in the colour of its loss curve)."""
    landscape = get_landscape(landscape)
    n = len(learning_rates)
    fig, axes = _grid(n + 1, landscape)
    curves = {}
    colors = [RUN_COLORS[k % len(RUN_COLORS)] for k in range(n)]
    with np.errstate(**_NUMPY_QUIET):
        for ax, lr, color in zip(axes[:n], learning_rates, colors, strict=True):
            trajectory = descend(landscape, start, SGD(lr), steps)
            _draw_run(
                landscape, trajectory, ax, color, f"learning_rate={lr:g}\n{trajectory.message()}"
            )
            curves[f"learning_rate={lr:g}"] = trajectory.losses
    plot_losses(curves, ax=axes[-1], xlabel="iteration", colors=colors)
    axes[-1].set_title("loss per iteration", fontsize=9)
    return fig


LANDSCAPE_DEFAULTS = {
    "bowl": dict(learning_rate=0.1, adaptive_learning_rate=0.3, momentum=0.5, steps=60),
    "banana": dict(learning_rate=0.01, adaptive_learning_rate=0.2, momentum=0.9, steps=200),
    "two wells 2-D": dict(learning_rate=0.05, adaptive_learning_rate=0.3, momentum=0.5, steps=100),
}
"""What the momentum explorer switches to with each landscape (per landscape name):
``learning_rate`` for SGD, momentum and Nesterov; ``adaptive_learning_rate`` for RMSprop,
Adagrad, Adam and AdamW; ``momentum`` (β₁ for Adam); ``steps``. Each converges on its
landscape (the banana's curved valley needs a small step and many of them)."""

ADAPTIVE = ("RMSprop", "Adagrad", "Adam", "AdamW")


class MomentumExplorer(Explorer):
    """Any optimizer on a landscape; learning_rate, momentum (β₁ for Adam) and steps.

    Switching the landscape sets the sliders to that landscape's defaults
    (``LANDSCAPE_DEFAULTS``; the landscape the explorer was built with gets the values
    it was built with), so no landscape starts from a learning rate that only suits another.
    """

    def __init__(self, landscape, optimizer, steps, backend, learning_rate=0.1, momentum=0.5):
        chosen = get_landscape(landscape)
        options = [
            (ls.name, ls) for ls in (_landscapes.bowl, _landscapes.banana, _landscapes.two_wells_2d)
        ]
        if all(ls is not chosen for _, ls in options):
            options.append((chosen.name, chosen))
        if optimizer not in OPTIMIZER_CHOICES:
            make_optimizer(optimizer, learning_rate)  # raises a helpful error
        self.built_with = dict(
            landscape=chosen,
            optimizer=optimizer,
            learning_rate=learning_rate,
            momentum=momentum,
            steps=steps,
        )
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
        fig = _new_figure(backend, (9, 3.9))
        self.panels = _LandscapePanels(fig)
        rows = [
            widgets.HBox([controls["landscape"], controls["optimizer"]]),
            controls["learning_rate"],
            controls["momentum"],
            controls["steps"],
        ]
        self._holding = False
        super().__init__(controls, fig, rows, backend)
        controls["landscape"].observe(self._on_landscape, names="value")
        self._observe("optimizer", "learning_rate", "momentum", "steps")
        self.update()

    def defaults(self, landscape, optimizer: str) -> dict:
        """learning_rate, momentum and steps the explorer uses for ``landscape``."""
        if landscape is self.built_with["landscape"]:
            return {k: self.built_with[k] for k in ("learning_rate", "momentum", "steps")}
        found = LANDSCAPE_DEFAULTS.get(landscape.name)
        if found is None:
            return {}
        rate = found["adaptive_learning_rate" if optimizer in ADAPTIVE else "learning_rate"]
        return dict(learning_rate=rate, momentum=found["momentum"], steps=found["steps"])

    def _on_landscape(self, change) -> None:
        values = self.defaults(change["new"], self.controls["optimizer"].value)
        self._holding = True  # one redraw for the new landscape, not one per slider
        try:
            for name, value in values.items():
                slider = self.controls[name]
                if name == "steps":
                    slider.max = max(slider.max, value)
                slider.value = value
        finally:
            self._holding = False
        self.update()

    def update(self, change=None) -> None:
        if not self._holding:
            super().update(change)

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
    """Static twin: the same learning rate with several momenta, then the loss curves
    (at most three panels a row; each path in the colour of its loss curve)."""
    landscape = get_landscape(landscape)
    n = len(momenta)
    fig, axes = _grid(n + 1, landscape, ncols=2 if n + 1 == 4 else 3)
    curves = {}
    colors = [RUN_COLORS[k % len(RUN_COLORS)] for k in range(n)]
    with np.errstate(**_NUMPY_QUIET):
        for ax, momentum, color in zip(axes[:n], momenta, colors, strict=True):
            opt = make_optimizer(optimizer, learning_rate, momentum)
            trajectory = descend(landscape, None, opt, steps)
            _draw_run(landscape, trajectory, ax, color, f"{caption(opt)}\n{trajectory.message()}")
            curves[f"{USES_MOMENTUM.get(optimizer, 'momentum')}={momentum:g}"] = trajectory.losses
    lowest = float(landscape.loss(np.array(landscape.minima[0], dtype=np.float64)))
    plot_losses(curves, ax=axes[-1], log=lowest >= 0, xlabel="iteration", colors=colors)
    axes[-1].set_title("loss per iteration", fontsize=9)
    return fig
