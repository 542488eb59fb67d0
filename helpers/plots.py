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
    "PALETTE",
    "RUN_COLORS",
    "RUN_LINESTYLES",
    "RUN_MARKERS",
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
    "run_style",
    "show",
    "show_digits",
    "show_kernel",
    "smooth",
    "use_notebook_style",
    "describe",
    "describe_figures",
]

PALETTE = {
    "orange": "#E69F00",
    "blue": "#0072B2",
    "bluish green": "#009E73",
    "reddish purple": "#CC79A7",
    "vermillion": "#D55E00",
    "sky blue": "#56B4E9",
    "black": "#000000",
}
"""Okabe and Ito's colours for colour-blind readers (their yellow left out: it is barely
visible on white). Simulated with colorspacious at full deuteranopia, protanopia and
tritanopia, any two stay at least ΔE 10 apart in CAM02-UCS (tests/test_plots.py)."""
WRONG = PALETTE["vermillion"]
PATH = PALETTE["orange"]
MINIMUM = PALETTE["bluish green"]
LANDSCAPE = "#5A5A5A"
"""The loss landscape's curve and contour lines (and a training loss): a neutral grey, no
run's colour, ΔE ≥ 19 from each under the three simulated colour-vision deficiencies
(tests/test_plots.py), 6.9:1 against white (WCAG asks 3:1 of a graph's lines)."""
RUN_COLORS = tuple(PALETTE.values())
"""One colour per run, in order: ``plot_losses`` uses them, so pass ``color=RUN_COLORS[k]``
to ``plot_trajectory`` to draw run k's path in the colour of its loss curve. (Grey lines
are the landscape, a green star its minimum, vermillion a warning.)"""
RUN_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")
RUN_LINESTYLES = ("-", "--", "-.", ":")
"""Colour is never the only cue: run k also gets ``RUN_MARKERS[k]`` and
``RUN_LINESTYLES[k % 4]`` (see ``run_style``), so curves differ in print and to every eye."""
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
    """``ax`` itself, or the Axes of a new pyplot figure (shown by the notebook, with its
    description: see ``describe_figures``)."""
    describe_figures()
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _new_figure(nrows, ncols, figsize, **kwargs):
    import matplotlib.pyplot as plt

    describe_figures()
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
    k = np.arange(len(values))
    out = _window_means(np.nan_to_num(values, nan=0.0), np.maximum(k + 1 - window, 0), k + 1)
    out[np.isnan(values)] = np.nan
    return out


def _window_means(values, lo, hi) -> np.ndarray:
    """Mean of ``values[lo[k]:hi[k]]`` for every k, from one running sum. values: (T,)
    finite; lo, hi: (K,) indices with lo < hi."""
    csum = np.concatenate([[0.0], np.cumsum(values)])
    return (csum[hi] - csum[lo]) / (hi - lo)


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
    _summarize(fig, _digits_summary(n, labels, predictions))
    fig._engine_described_axes = tuple(axes.flat)
    return fig


def _digits_summary(n, labels, predictions) -> str:
    words = f"{n} MNIST digits, 28 × 28 pixel images, dark strokes on white"
    if labels is not None:
        words += ", labels " + " ".join(str(int(v)) for v in labels[:n])
    if predictions is not None and labels is not None:
        wrong = [
            f"{int(t)} taken for {int(p)}"
            for t, p in zip(labels[:n], predictions[:n], strict=True)
            if int(t) != int(p)
        ]
        words += f"; {n - len(wrong)} of {n} predicted right"
        if wrong:
            words += " (wrong, titled label → prediction: " + ", ".join(wrong) + ")"
    elif predictions is not None:
        words += ", predictions " + " ".join(str(int(v)) for v in predictions[:n])
    return words


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
    strongest = np.abs(columns).max(axis=0)  # (n,)
    _summarize(
        fig,
        f"the first {n} columns of a {kernel.shape[0]} × {kernel.shape[1]} kernel, each drawn "
        f"as a 28 × 28 image (unit 0 to unit {n - 1}); colour scale 'weight' from "
        f"{_num(-limit)} (blue) through 0 (white) to {_num(limit)} (red); the largest weight "
        f"in size is {_num(strongest.max())} (unit {int(strongest.argmax())})",
    )
    fig._engine_described_axes = tuple(fig.axes)
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
        self.line._engine_path = landscape.dim == 2  # described as positions, not a curve

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
    (curve,) = ax.plot(xs, losses, color=LANDSCAPE, lw=1.5, label=f"loss = {landscape.formula}")
    curve._engine_skip = True  # the landscape's summary says what the curve is
    _mark_minima(ax, landscape)
    ax.set_xlim(*landscape.bounds[0])
    margin = 0.05 * (losses.max() - losses.min())
    ax.set_ylim(losses.min() - margin, losses.max() + margin)
    ax.set_xlabel("x")
    ax.set_ylabel("loss")
    ax.set_title(f"{landscape.name}: {landscape.formula}")
    _summarize(ax, _landscape_summary(landscape))
    if trajectory is not None:
        TrajectoryArtists(ax, landscape, color).set(trajectory)
    return ax


def _landscape_summary(landscape) -> str:
    """The landscape in words: its formula, where it is drawn, where its minima are."""
    where = " and ".join(
        f"{name} from {_num(lo)} to {_num(hi)}"
        for name, (lo, hi) in zip(
            ("x₁", "x₂") if landscape.dim == 2 else ("x",), landscape.bounds, strict=True
        )
    )
    minima = ", ".join(
        ("(" + ", ".join(_num(v) for v in np.ravel(m)) + ")")
        if landscape.dim == 2
        else f"x = {_num(np.ravel(m)[0])}"
        for m in landscape.minima
    )
    shape = "contour lines of" if landscape.dim == 2 else "the curve of"
    return (
        f"{shape} the loss landscape {landscape.name}, loss = {landscape.formula}, "
        f"over {where}; {'minima' if len(landscape.minima) > 1 else 'minimum'} at {minima}"
    )


def plot_landscape_2d(landscape, trajectory=None, ax=None, arrows: bool = False, color=PATH):
    """Contour lines of loss(x₁, x₂) (log-spaced levels), minima, and the trajectory.

    trajectory: a ``Trajectory`` whose points are (T+1, 2), or None.
    arrows: draw the direction of −gradient (downhill) on a coarse grid; color: the path's.
    Returns the Axes.
    """
    ax = _new_axes(ax)
    xx, yy, losses = landscape_grid(landscape)
    levels = _log_levels(losses)
    ax.contourf(xx, yy, losses, levels=levels, cmap="Greys_r", alpha=0.15)
    ax.contour(xx, yy, losses, levels=levels, colors=LANDSCAPE, linewidths=0.6, alpha=0.7)
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
    _summarize(ax, _landscape_summary(landscape))
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

    Colours: ``colors`` (one per entry), else ``RUN_COLORS`` in order; curve k also has
    its own marker and line style (``run_style``), so colour is never the only cue.
    Non-finite losses (a diverged run) are left out, so the curve stops where it blew up.
    On a log axis a loss of 0 (exactly, e.g. after one perfect step) cannot be drawn: it
    is drawn at a floor (10⁻¹² of the largest loss, or the smallest one if that is lower)
    instead, and the y label says so.
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
        style = run_style(k) | {"color": colors[k % len(colors)]}
        ax.plot(
            np.arange(len(values)),
            values,
            label=label,
            lw=1.3,
            ms=4,
            markevery=max(1, len(values) // 8),
            **style,
        )
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
    ax_loss.plot(steps, losses, color=LANDSCAPE, alpha=0.25, lw=0.8, label="each step")
    ax_loss.plot(
        steps, smooth(losses, window), color=LANDSCAPE, lw=1.6, label=f"average of {window} steps"
    )
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss")
    ax_loss.legend(fontsize=8)
    if history.message:
        ax_loss.set_title(history.message, color=WRONG, fontsize=8, wrap=True)
    epochs = np.arange(1, len(history.accuracy) + 1)
    ax_acc.plot(epochs, history.accuracy, "o-", color=RUN_COLORS[0], label="training")
    if len(history.val_accuracy):
        ax_acc.plot(
            np.arange(1, len(history.val_accuracy) + 1),
            history.val_accuracy,
            "s--",
            color=RUN_COLORS[1],
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
    _summarize(ax, _confusion_summary(counts))
    return ax


def _confusion_summary(counts) -> str:
    """The matrix in words: how many are right, and the most frequent mistakes."""
    mistakes = counts.copy()
    np.fill_diagonal(mistakes, 0)
    order = np.argsort(mistakes, axis=None)[::-1][:3]
    worst = [
        f"{i} taken for {j} " + ("once" if mistakes[i, j] == 1 else f"{mistakes[i, j]} times")
        for i, j in zip(*np.unravel_index(order, counts.shape), strict=True)
        if mistakes[i, j]
    ]
    words = (
        f"confusion matrix, rows the true class 0 to {len(counts) - 1}, columns the predicted "
        f"class, each cell the count written in it; {np.trace(counts)} of {counts.sum()} "
        "predictions right"
    )
    return words + ("; most frequent mistakes: " + ", ".join(worst) if worst else "")


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
        (marks,) = ax.plot(
            rates[~ok], np.full((~ok).sum(), top), "x", color=WRONG, ms=9, mew=2, label="diverged"
        )
        marks._engine_skip = True  # drawn at the top edge: its height is no loss
        _summarize(
            ax,
            "diverged (no finite loss, marked × at the top) at learning rate "
            + ", ".join(_num(r) for r in rates[~ok]),
        )
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss after training")
    ax.legend(fontsize=8)
    return ax


# -------------------------------------------------------------- descriptions ----
#
# Every figure says what it shows, in words made from the data on its artists when it is
# shown (so the words follow the numbers): the alt text of its image in JupyterLab and on
# the course site, and its text/plain output. Helpers add a sentence of their own to an
# Axes or Figure (``_summarize``) where the artists alone do not say it (a confusion
# matrix's mistakes, the digits' labels); the axes, their ranges and every line's numbers
# are read from the artists.

_SUMMARY = "_engine_summary"
_MAX_LINES = 10


def _summarize(owner, summary) -> None:
    """Attach ``summary`` (a string, or a function of ``owner`` returning one) to an Axes
    or a Figure: ``describe`` puts it first."""
    setattr(owner, _SUMMARY, summary)


def _summary_of(owner) -> str:
    summary = getattr(owner, _SUMMARY, None)
    if callable(summary):
        summary = summary(owner)
    return summary or ""


def _num(value) -> str:
    """A number as a reader says it: 3 significant digits (whole below 10⁵), 1.2e-5 for
    very small or large ones."""
    value = float(value)
    if value == 0:
        return "0"  # also -0.0
    if not np.isfinite(value):
        return "infinity" if value > 0 else ("minus infinity" if value < 0 else "undefined")
    if abs(value) >= 1e5 or abs(value) < 1e-3:
        mantissa, exponent = f"{value:.2e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.3g}"


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def _axis_words(ax, which: str) -> str:
    """The axis's label and the range it shows: its data's, cut to its view."""
    label = _clean((ax.get_xlabel if which == "x" else ax.get_ylabel)())
    low, high = sorted(ax.get_xlim() if which == "x" else ax.get_ylim())
    data = ax.dataLim.intervalx if which == "x" else ax.dataLim.intervaly
    if np.all(np.isfinite(data)) and data[0] <= data[1]:
        low, high = max(low, data[0]), min(high, data[1])
    scale = (ax.get_xscale if which == "x" else ax.get_yscale)()
    name = f"{which} axis" + (f" '{label}'" if label else "")
    words = f"{name} from {_num(min(low, high))} to {_num(max(low, high))}"
    return words + (" (log scale)" if scale == "log" else "")


def _log_axis(line) -> bool:
    axes = line.axes
    return axes is not None and axes.get_yscale() == "log"


TURN = 0.25
"""An interior lowest (highest) value is a turn of the curve, said as "falls … then rises",
when the curve, smoothed over a tenth of its points, lies there below (above) both its
ends by at least this share of its range (in log units on a log axis): a U or a ∩. A
smaller dip, such as a noisy loss's best step, is said as "lowest … at" after the fall."""


def _centred_mean(values, half: int) -> np.ndarray:
    """Mean over ``values[k − half : k + half + 1]`` (fewer at the ends), same length."""
    if half < 1:
        return values
    k = np.arange(len(values))
    return _window_means(values, np.maximum(k - half, 0), np.minimum(k + half + 1, len(values)))


def _turns(scaled, least: float) -> list[int]:
    """Indices of the interior lowest and highest values that are turns (see ``TURN``),
    in order along the curve. scaled: (T,) finite, in the axis's units (log10 on a log
    axis); least: the smallest difference that counts (2%)."""
    half = len(scaled) // 20  # a window of a tenth of the points
    trend = _centred_mean(scaled, half)
    height = float(trend.max() - trend.min())
    turns = []
    for pick, sign in ((np.argmin, -1), (np.argmax, 1)):
        k = int(pick(trend))
        depth = min(sign * (trend[k] - trend[0]), sign * (trend[k] - trend[-1]))
        if 0 < k < len(scaled) - 1 and depth >= max(TURN * height, least):
            window = slice(max(k - half, 1), min(k + half + 1, len(scaled) - 1))
            turns.append(window.start + int(pick(scaled[window])))  # the data's own extreme
    return sorted(turns)


def _curve_words(xs, ys, xname: str, log: bool = False) -> str:
    """A curve's course from its data: where it starts and ends, through its lowest and
    highest values where they are turns (a U: "falls from 144 at x −12 to 0 at x 0, then
    rises to 144 at x 12"), else falls / rises / stays at about, with a notable dip or
    peak named. xs, ys: finite (T,), T ≥ 2; log: drawn on a log y axis."""
    if log and np.all(ys > 0):  # differences as the eye sees them: ratios
        scaled, least = np.log10(ys), float(np.log10(1.02))
    else:  # "about": within 2% of the curve's largest size
        scaled, least = ys, 0.02 * max(float(np.max(np.abs(ys))), 1e-300)

    def at(k):
        return f"{_num(ys[k])} at {xname} {_num(xs[k])}"

    turns = _turns(scaled, least)
    if turns:
        points = [0, *turns, len(ys) - 1]
        legs = [
            ("falls" if ys[b] < ys[a] else "rises")
            + (f" from {at(a)}" if a == 0 else "")
            + f" to {at(b)}"
            for a, b in zip(points, points[1:], strict=False)
        ]
        return ", ".join(legs[:-1]) + ", then " + legs[-1]
    end = len(ys) - 1
    if abs(scaled[end] - scaled[0]) <= least:
        words = f"stays at about {_num(ys[0])} from {xname} {_num(xs[0])} to {_num(xs[end])}"
    else:
        words = f"{'falls' if ys[end] < ys[0] else 'rises'} from {at(0)} to {at(end)}"
    low, high = int(np.argmin(scaled)), int(np.argmax(scaled))
    if 0 < low < end and scaled[low] < min(scaled[0], scaled[end]) - least:
        words += f", lowest {at(low)}"
    if 0 < high < end and scaled[high] > max(scaled[0], scaled[end]) + least:
        words += f", highest {at(high)}"
    return words


def _line_words(line, name: str, xname: str, path: bool) -> str:
    x = np.asarray(line.get_xdata(), dtype=np.float64).ravel()
    y = np.asarray(line.get_ydata(), dtype=np.float64).ravel()
    n = min(len(x), len(y))
    x, y = x[:n], y[:n]
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return f"{name}: nothing drawn" if n == 0 else f"{name}: no finite value"
    xs, ys = x[ok], y[ok]
    if path:  # a path over a 2-D landscape: both coordinates are positions
        words = (
            f"{name}: {len(xs)} points from ({_num(xs[0])}, {_num(ys[0])}) "
            f"to ({_num(xs[-1])}, {_num(ys[-1])})"
        )
    elif len(xs) == 1 or (line.get_linestyle() in ("None", "none", "") and len(xs) <= 5):
        points = ", ".join(f"({_num(a)}, {_num(b)})" for a, b in zip(xs, ys, strict=True))
        words = f"{name}: {'point' if len(xs) == 1 else 'points'} at {points}"
    else:
        words = f"{name}: " + _curve_words(xs, ys, xname, _log_axis(line))
    if not ok[-1] and not path:  # the curve stops: a run that diverged
        words += f"; no finite value after {xname} {_num(xs[-1])} (it diverged)"
    return words


def _describe_axes(ax) -> str:
    """Sentences for one Axes: its title, summary, axes with ranges, lines, bars, images."""
    parts = []
    summary = _summary_of(ax)
    title = _clean(
        " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t)
    )
    if title:
        parts.append(f"'{title}'")
    if summary:
        parts.append(summary)
    if getattr(ax, "_colorbar", None) is not None:
        which = "y" if ax.get_ylim() != (0.0, 1.0) else "x"
        return f"colour scale, {_axis_words(ax, which)}"
    if ax.axison and (ax.lines or ax.collections or ax.patches or ax.images):
        parts.append(_axis_words(ax, "x") + ", " + _axis_words(ax, "y"))
    xname = _clean(ax.get_xlabel()) or "x"
    lines = [
        line
        for line in ax.get_lines()
        if line.get_visible() and not getattr(line, "_engine_skip", False)
    ]
    words, unnamed = [], 0
    for line in lines[:_MAX_LINES]:
        label = str(line.get_label())
        if label.startswith("_"):
            unnamed += 1
            label = f"line {unnamed}"
        words.append(_line_words(line, label, xname, getattr(line, "_engine_path", False)))
    if len(lines) > _MAX_LINES:
        words.append(f"and {len(lines) - _MAX_LINES} more lines")
    parts += words
    bars = [c for c in ax.containers if hasattr(c, "patches")]
    for container in bars:
        ticks = [t.get_text() for t in ax.get_xticklabels()]
        heights = [p.get_height() for p in container.patches]
        names = (
            ticks if len(ticks) == len(heights) and all(ticks) else map(str, range(len(heights)))
        )
        parts.append(
            "bars: " + ", ".join(f"{n} {_num(h)}" for n, h in zip(names, heights, strict=True))
        )
    contours = [c for c in ax.collections if type(c).__name__ in ("QuadContourSet", "ContourSet")]
    if contours and not summary:
        parts.append("contour lines")
    if ax.images and not summary:
        image = ax.images[0].get_array()
        parts.append(f"an image of {image.shape[0]} × {image.shape[1]} values")
    if not lines and not ax.images and not bars and ax.texts and not summary:
        texts = [_clean(t.get_text()) for t in ax.texts if _clean(t.get_text())]
        parts.append("a diagram with the texts: " + "; ".join(texts))
    return ". ".join(parts)


def describe(figure) -> str:
    """What ``figure`` shows, in words made from the data drawn on it (alt text).

    A helper's own summary comes first (e.g. "10 digits with labels …"), then for each
    panel its title, its axes with their ranges, and each line's first, last and lowest
    values (where a diverged run stops). figure: a matplotlib Figure (or an Axes).
    """
    if hasattr(figure, "get_xlim"):  # an Axes: describe its whole figure
        figure = figure.figure
    parts = []
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and _clean(suptitle.get_text()):
        parts.append(f"'{_clean(suptitle.get_text())}'")
    summary = _summary_of(figure)
    if summary:
        parts.append(summary)
    skip = getattr(figure, "_engine_described_axes", ())
    panels = [
        ax
        for ax in figure.get_axes()
        if ax.get_visible() and ax not in skip and (ax.axison or ax.lines or ax.texts or ax.images)
    ]
    texts = [_describe_axes(ax) for ax in panels]
    texts = [t for t in texts if t]
    if len(texts) == 1:
        parts.append(texts[0])
    elif texts:
        parts.append(f"{len(texts)} panels")
        parts += [f"panel {k}: {text}" for k, text in enumerate(texts, start=1)]
    text = ". ".join(parts)
    return ("Figure: " + text + ".") if text else "Figure: an empty figure."


def _html_image(png_base64: str, description: str) -> str:
    import html

    return (
        f'<img class="engine-figure" alt="{html.escape(description, quote=True)}" '
        f'src="data:image/png;base64,{png_base64}">'
    )


def figure_bundle(png, description: str) -> dict:
    """The display data of a figure: its PNG (bytes or base64 text), the same PNG as an
    ``<img>`` whose alt text is ``description`` (what JupyterLab and the site show), and
    ``description`` as the text/plain alternative."""
    import base64

    if isinstance(png, bytes | bytearray):
        png = base64.b64encode(png).decode("ascii")
    return {"image/png": png, "text/html": _html_image(png, description), "text/plain": description}


def _display_described(figure) -> None:
    """IPython's display hook for a Figure: the inline backend's PNG, with its description."""
    from IPython import get_ipython
    from IPython.display import display
    from matplotlib.figure import Figure

    shell = get_ipython()
    png = None
    try:
        printer = shell.display_formatter.formatters["image/png"].lookup_by_type(Figure)
    except (KeyError, AttributeError):
        printer = None
    if printer is not None:
        png = printer(figure)
    else:  # no inline PNG (e.g. another format chosen): the same PNG matplotlib would save
        import io

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        png = buffer.getvalue()
    if not png:
        return
    display(figure_bundle(png, describe(figure)), raw=True)


def describe_figures() -> bool:
    """In a notebook, show every matplotlib figure with its description (alt text and a
    text alternative); True if it is on. Every plotting helper calls it, and ``show``;
    it changes nothing outside IPython and nothing in matplotlib."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    from matplotlib.figure import Figure

    shell.display_formatter.ipython_display_formatter.for_type(Figure, _display_described)
    return True


def show(figure=None) -> None:
    """Show ``figure`` (default: the current pyplot figure) now, with its description,
    and close it. Outside a notebook it prints the description."""
    import matplotlib.pyplot as plt

    figure = plt.gcf() if figure is None else getattr(figure, "figure", figure)
    if describe_figures():
        from IPython.display import display

        display(figure)
    else:
        print(describe(figure))
    plt.close(figure)


def run_style(k: int) -> dict:
    """Colour, marker and line style of run k: ``ax.plot(x, y, **run_style(k))``."""
    return {
        "color": RUN_COLORS[k % len(RUN_COLORS)],
        "marker": RUN_MARKERS[k % len(RUN_MARKERS)],
        "linestyle": RUN_LINESTYLES[k % len(RUN_LINESTYLES)],
    }
