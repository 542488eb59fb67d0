"""Learning-rate and momentum explorers: an optimizer moving over a toy landscape."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import landscapes as _landscapes
from ..landscapes import Landscape, descend
from ..optim import SGD
from ..plots import (
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
