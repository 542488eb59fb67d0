"""The pictures the notebooks draw, in plain matplotlib.

Every function takes an optional ``ax`` (draw there) and returns the Axes it drew on, or
the Figure when it needs several Axes. Importing this module changes nothing in
matplotlib; ``use_notebook_style()`` is the one function that sets rcParams.

Shapes use these letters:
    N  images,  M  units of a layer (columns of a kernel),  T  optimizer steps,
    P  coordinates of a landscape point (1 or 2)
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = [
    "RUN_COLORS",
    "TrajectoryArtists",
    "finite",
    "landscape_grid",
    "plot_confusion_matrix",
    "plot_history",
    "plot_landscape_1d",
    "plot_landscape_2d",
    "plot_losses",
    "plot_lr_sweep",
    "plot_trajectory",
    "show_digits",
    "show_kernel",
    "smooth",
    "use_notebook_style",
]

WRONG = "tab:red"
PATH = "tab:orange"
MINIMUM = "tab:green"
RUN_COLORS = (
    "tab:orange",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:olive",
    "tab:cyan",
    "tab:gray",
    "black",
    "gold",
    "navy",
)
"""One colour per run, in order: ``plot_losses`` uses them, so pass ``color=RUN_COLORS[k]``
to ``plot_trajectory`` to draw run k's path in the colour of its loss curve. (Blue is the
landscape, green its minima, red a warning.)"""
WIDTH = 9.5
"""Widest figure, in inches: a JupyterLab notebook column at a 1280 px window is about
950 px, so at 100 dpi a figure this wide is shown at full size and no label shrinks."""


def use_notebook_style() -> None:
    """Set a few rcParams for readable notebook figures (the only rcParams change here)."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "axes.titlesize": 10,
        }
    )


def _new_axes(ax, figsize=(5, 3.5)):
    """``ax`` itself, or the Axes of a new pyplot figure (shown by the notebook)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _new_figure(nrows, ncols, figsize, **kwargs):
    import matplotlib.pyplot as plt

    return plt.subplots(
        nrows, ncols, figsize=figsize, layout="constrained", squeeze=False, **kwargs
    )


def finite(values) -> np.ndarray:
    """values as float64 with inf replaced by nan, so a diverged run draws as a gap."""
    values = np.array(values, dtype=np.float64)
    values[~np.isfinite(values)] = np.nan
    return values


def smooth(values, window: int = 20) -> np.ndarray:
    """Moving average over the last ``window`` values (shorter at the start), same length."""
    values = finite(values)
    if len(values) == 0:
        return values
    window = max(1, min(int(window), len(values)))
    filled = np.nan_to_num(values, nan=0.0)
    csum = np.cumsum(np.concatenate([[0.0], filled]))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    out = (csum[1:] - csum[np.arange(len(values)) + 1 - counts]) / counts
    out[np.isnan(values)] = np.nan
    return out


# -------------------------------------------------------------------- digits ----


def _as_images(images) -> np.ndarray:
    """(N, 28, 28) or (N, 784), uint8 or float → (N, 28, 28)."""
    images = np.asarray(images)
    if images.ndim == 2 and images.shape[1] == 784:
        return images.reshape(len(images), 28, 28)
    if images.ndim == 3 and images.shape[1:] == (28, 28):
        return images
    raise ValueError(
        f"expected MNIST images of shape (N, 28, 28) or (N, 784), got {images.shape}; "
        "for a single image pass images[None]."
    )


def show_digits(images, labels=None, predictions=None, n: int = 10, ncols: int = 10):
    """A grid of the first ``n`` digits; returns the Figure.

    images: (N, 28, 28) uint8 or (N, 784) float; labels, predictions: (N,) int or None.
    Each title shows the label, or "label → prediction" in red when the prediction is wrong.
    """
    images = _as_images(images)
    n = min(int(n), len(images))
    ncols = max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    side = min(1.1, WIDTH / ncols)
    fig, axes = _new_figure(nrows, ncols, figsize=(side * ncols, (side + 0.2) * nrows))
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        title, color = "", "black"
        if labels is not None:
            title = f"{int(labels[i])}"
        if predictions is not None:
            pred = int(predictions[i])
            if labels is None:
                title = f"→ {pred}"
            elif pred != int(labels[i]):
                title, color = f"{int(labels[i])} → {pred}", WRONG
        ax.set_title(title, color=color, fontsize=9)
    return fig


def show_kernel(kernel, n: int = 10):
    """The first ``n`` columns of a (784, M) kernel as 28×28 images; returns the Figure.

    Blue is a negative weight, red a positive one, white zero (one scale for all images).
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 2 or kernel.shape[0] != 784:
        raise ValueError(
            f"show_kernel needs the kernel of the first layer, shape (784, M), got {kernel.shape}."
        )
    n = min(int(n), kernel.shape[1])
    columns = kernel[:, :n]
    limit = float(np.max(np.abs(columns))) or 1.0
    side = min(1.2, (WIDTH - 1.0) / n)  # 1 inch for the colour bar
    fig, axes = _new_figure(1, n, figsize=(side * n + 1.0, side + 0.3))
    for j, ax in enumerate(axes.flat):
        image = ax.imshow(columns[:, j].reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"unit {j}", fontsize=9)
        ax.axis("off")
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label="weight")
    return fig


# ---------------------------------------------------------------- landscapes ----


@functools.lru_cache(maxsize=32)
def landscape_grid(landscape, resolution: int = 200):
    """``landscape.grid(resolution)``, computed once per landscape (contours are reused)."""
    return landscape.grid(resolution)


def _log_levels(losses, count: int = 18) -> np.ndarray:
    """Contour levels spaced evenly in log(loss − lowest loss): dense near the bottom."""
    low, high = float(np.min(losses)), float(np.max(losses))
    span = max(high - low, 1e-12)
    return low + np.geomspace(span * 1e-3, span, count)


def _mark_minima(ax, landscape):
    """The first minimum (the lowest) as a filled star; any other as an open circle."""
    several = len(landscape.minima) > 1
    for k, minimum in enumerate(landscape.minima):
        point = np.array(minimum, dtype=np.float64)
        if k == 0:
            label = "global minimum" if several else "minimum"
            style = dict(marker="*", ms=14, color=MINIMUM, mec="white", mew=0.6)
        else:
            label = "local minimum"
            style = dict(marker="o", ms=9, mfc="white", mec=MINIMUM, mew=2.0)
        style.update(ls="none", zorder=5.5)  # above the path, below its start
        if landscape.dim == 1:
            ax.plot(point[0], landscape.loss(point), label=label, **style)
        else:
            ax.plot(point[0], point[1], label=label, **style)


class TrajectoryArtists:
    """The line, dots and start marker of a trajectory; ``set(trajectory)`` moves them.

    Widgets keep one of these and call ``set`` on every slider move (no new artists).
    """

    def __init__(self, ax, landscape, color=PATH):
        self.landscape = landscape
        (self.line,) = ax.plot([], [], "o-", color=color, ms=3.5, lw=1.2, zorder=5, label="path")
        (self.start,) = ax.plot([], [], "o", color="black", ms=6, zorder=6, label="start")

    def set(self, trajectory) -> None:
        """trajectory: a ``landscapes.Trajectory`` (points (T+1, P), losses (T+1,))."""
        points = finite(trajectory.points)
        if self.landscape.dim == 1:
            x, y = points[:, 0], finite(trajectory.losses)
        else:
            x, y = points[:, 0], points[:, 1]
        self.line.set_data(x, y)
        self.start.set_data(x[:1], y[:1])


def plot_landscape_1d(landscape, trajectory=None, ax=None, color=PATH):
    """The curve loss(x) over ``landscape.bounds``, the minima (global: a star, local: a
    circle), and the trajectory in ``color``.

    trajectory: a ``Trajectory`` whose points are (T+1, 1), or None. Returns the Axes.
    """
    ax = _new_axes(ax)
    xs, losses = landscape_grid(landscape)
    ax.plot(xs, losses, color="tab:blue", lw=1.5, label=f"loss = {landscape.formula}")
    _mark_minima(ax, landscape)
    ax.set_xlim(*landscape.bounds[0])
    margin = 0.05 * (losses.max() - losses.min())
    ax.set_ylim(losses.min() - margin, losses.max() + margin)
    ax.set_xlabel("x")
    ax.set_ylabel("loss")
    ax.set_title(f"{landscape.name}: {landscape.formula}")
    if trajectory is not None:
        TrajectoryArtists(ax, landscape, color).set(trajectory)
    return ax


def plot_landscape_2d(landscape, trajectory=None, ax=None, arrows: bool = False, color=PATH):
    """Contour lines of loss(x₁, x₂) (log-spaced levels), minima, and the trajectory.

    trajectory: a ``Trajectory`` whose points are (T+1, 2), or None.
    arrows: draw the direction of −gradient (downhill) on a coarse grid; color: the path's.
    Returns the Axes.
    """
    ax = _new_axes(ax)
    xx, yy, losses = landscape_grid(landscape)
    levels = _log_levels(losses)
    ax.contourf(xx, yy, losses, levels=levels, cmap="Blues_r", alpha=0.35)
    ax.contour(xx, yy, losses, levels=levels, colors="tab:blue", linewidths=0.6, alpha=0.7)
    if arrows:
        axes = [np.linspace(lo, hi, 15) for lo, hi in landscape.bounds]
        gx, gy = np.meshgrid(*axes)
        grad = np.stack([landscape.gradient(p) for p in np.stack([gx.ravel(), gy.ravel()], 1)])
        length = np.maximum(np.linalg.norm(grad, axis=1), 1e-12)
        down = -grad / length[:, None]  # unit arrows: the direction, not the size
        ax.quiver(
            gx.ravel(),
            gy.ravel(),
            down[:, 0],
            down[:, 1],
            color="0.4",
            alpha=0.6,
            angles="xy",
            pivot="mid",
            width=0.003,
            label="−gradient (direction)",
        )
    _mark_minima(ax, landscape)
    ax.set_xlim(*landscape.bounds[0])
    ax.set_ylim(*landscape.bounds[1])
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(f"{landscape.name}: {landscape.formula}")
    if trajectory is not None:
        TrajectoryArtists(ax, landscape, color).set(trajectory)
    return ax


def plot_trajectory(landscape, trajectory, ax=None, color=PATH):
    """The landscape (curve or contours, by ``landscape.dim``) with ``trajectory`` on it.

    The title ends with ``trajectory.message()``. ``color``: the path's, e.g.
    ``RUN_COLORS[k]`` to match the k-th curve of ``plot_losses``. Returns the Axes.
    """
    draw = plot_landscape_1d if landscape.dim == 1 else plot_landscape_2d
    ax = draw(landscape, trajectory, ax=ax, color=color)
    ax.set_title(f"{landscape.name}: {trajectory.message()}")
    return ax


# -------------------------------------------------------------------- curves ----


def plot_losses(
    losses_by_label: dict, ax=None, log: bool = True, xlabel: str = "step", colors=None
):
    """One loss curve per entry: {label: (T,) losses}. Returns the Axes.

    Colours: ``colors`` (one per entry), else ``RUN_COLORS`` in order. Non-finite losses (a
    diverged run) are left out, so the curve stops where it blew up. On a log axis a loss
    of 0 (exactly, e.g. after one perfect step) cannot be drawn: it is drawn at a floor
    (10⁻¹² of the largest loss, or the smallest one if that is lower) instead, and the y
    label says so.
    """
    ax = _new_axes(ax)
    curves = {str(label): finite(losses) for label, losses in losses_by_label.items()}
    floor = None
    if log:
        drawable = np.concatenate([[np.nan], *curves.values()])
        drawable = drawable[np.isfinite(drawable)]
        if (drawable <= 0).any():
            positive = drawable[drawable > 0]
            top = float(positive.max()) if positive.size else 1.0
            floor = min(float(positive.min()) if positive.size else top, 1e-12 * top)
    colors = list(colors) if colors is not None else list(RUN_COLORS)
    for k, (label, values) in enumerate(curves.items()):
        if floor is not None:
            values[values <= 0] = floor
        ax.plot(np.arange(len(values)), values, label=label, lw=1.3, color=colors[k % len(colors)])
    if log:
        ax.set_yscale("log")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps: no 2.5
    ax.set_xlabel(xlabel)
    if floor is not None:
        ax.set_ylabel(f"loss (0 drawn at {floor:.0e})", fontsize=8)
    else:
        ax.set_ylabel("loss")
    if losses_by_label:
        ax.legend(fontsize=8)
    return ax


def plot_history(history, window: int = 20):
    """A ``train.History``: loss per step (raw faint, moving average bold) and accuracy
    per epoch (training and, if any, validation). Returns the Figure."""
    fig, axes = _new_figure(1, 2, figsize=(WIDTH, 3.5))
    ax_loss, ax_acc = axes[0]
    losses = finite(history.loss)
    steps = np.arange(1, len(losses) + 1)
    ax_loss.plot(steps, losses, color="tab:blue", alpha=0.25, lw=0.8, label="each step")
    ax_loss.plot(
        steps, smooth(losses, window), color="tab:blue", lw=1.6, label=f"average of {window} steps"
    )
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss")
    ax_loss.legend(fontsize=8)
    if history.message:
        ax_loss.set_title(history.message, color=WRONG, fontsize=8, wrap=True)
    epochs = np.arange(1, len(history.accuracy) + 1)
    ax_acc.plot(epochs, history.accuracy, "o-", label="training")
    if len(history.val_accuracy):
        ax_acc.plot(
            np.arange(1, len(history.val_accuracy) + 1),
            history.val_accuracy,
            "s-",
            label="validation",
        )
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    if len(epochs):
        ax_acc.legend(fontsize=8)
        ax_acc.set_title(f"last training accuracy {history.accuracy[-1]:.1%}")
    return fig


def plot_confusion_matrix(labels, predictions, ax=None, num_classes: int = 10):
    """Counts of (true class, predicted class) pairs, with the numbers written in.

    labels, predictions: (N,) int in 0 … num_classes−1. Rows: true, columns: predicted.
    Returns the Axes.
    """
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    if labels.shape != predictions.shape:
        raise ValueError(
            f"labels {labels.shape} and predictions {predictions.shape} must be the same shape."
        )
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (labels, predictions), 1)
    ax = _new_axes(ax, figsize=(6, 5.5))
    ax.imshow(counts, cmap="Blues")
    threshold = counts.max() / 2
    for i in range(num_classes):
        for j in range(num_classes):
            if counts[i, j]:
                ax.text(
                    j,
                    i,
                    str(counts[i, j]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if counts[i, j] > threshold else "black",
                )
    ax.set_xticks(range(num_classes))
    ax.set_yticks(range(num_classes))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.grid(False)
    ax.set_title(f"{np.trace(counts)} of {counts.sum()} right")
    return ax


def plot_lr_sweep(learning_rates, final_losses, ax=None):
    """Final loss against learning rate (log x; log y when all losses are positive).

    learning_rates, final_losses: (K,). Diverged runs (inf/nan) are marked with a red ×
    at the top of the plot. Returns the Axes.
    """
    ax = _new_axes(ax)
    rates = np.asarray(learning_rates, dtype=np.float64)
    losses = finite(final_losses)
    ok = np.isfinite(losses)
    ax.plot(rates[ok], losses[ok], "o-", label="final loss")
    if np.all(losses[ok] > 0):
        ax.set_yscale("log")
    if np.any(~ok):
        top = np.nanmax(losses) if ok.any() else 1.0
        ax.plot(
            rates[~ok], np.full((~ok).sum(), top), "x", color=WRONG, ms=9, mew=2, label="diverged"
        )
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss after training")
    ax.legend(fontsize=8)
    return ax
