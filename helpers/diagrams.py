"""Diagrams for notebook 10: the training loop as one picture, and a gallery of loss curves.

``plot_training_loop()`` draws "training in a nutshell": draw a batch → forward pass → loss
→ gradients (backward pass) → update, looped over the batches of an epoch and then over
epochs. ``plot_loss_gallery(runs)`` draws loss curves of real runs side by side (at most
3 panels a row) so the typical shapes can be recognised by eye: learning rate too high,
too low, good, and overfitting. ``integer_epoch_ticks(fig)`` makes every epoch axis count
in whole epochs (no 1.5, 2.5).

Drawing only: the runs themselves are made with ``helpers.train.fit`` in the notebook.
"""

from __future__ import annotations

import numpy as np

from .plots import LANDSCAPE, PATH, RUN_COLORS, WRONG, describe_figures, finite

__all__ = ["STEPS", "integer_epoch_ticks", "plot_loss_gallery", "plot_training_loop"]

# The boxes of the diagram: (name, what happens there), in the order of one training step.
STEPS = (
    ("batch", "B examples, a new\nshuffled group each step"),
    ("forward pass", "logits =\nmodel.forward(x)"),
    ("loss", "one number:\nsoftmax cross-entropy"),
    ("gradients", "backward pass\n(backpropagation)"),
    ("update", "optimizer.step:\nw ← w − η · gradient"),
)

_BOX_WIDTH, _BOX_HEIGHT, _GAP = 1.9, 1.15, 0.55
_STEP_COLOR, _EPOCH_COLOR = LANDSCAPE, PATH
_CURVES = ("training", "validation")


def plot_training_loop(ax=None):
    """ "Training in a nutshell" as one diagram; returns the Figure.

    Five boxes (``STEPS``) joined by arrows; an arrow from "update" back to "batch" is
    the loop over the batches of one epoch (ceil(N / B) steps), and a larger one around
    everything is the loop over epochs (each with a new shuffled order).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    describe_figures()
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.1), layout="constrained")
    lefts = [i * (_BOX_WIDTH + _GAP) for i in range(len(STEPS))]
    right_end = lefts[-1] + _BOX_WIDTH
    for left, (name, detail) in zip(lefts, STEPS, strict=True):
        box = FancyBboxPatch(
            (left, 0),
            _BOX_WIDTH,
            _BOX_HEIGHT,
            boxstyle="round,pad=0.05",
            facecolor="#e8f0fa",
            edgecolor=_STEP_COLOR,
            linewidth=1.5,
        )
        ax.add_patch(box)
        center = left + _BOX_WIDTH / 2
        ax.text(center, 0.82, name, ha="center", va="center", fontsize=11, weight="bold")
        ax.text(center, 0.38, detail, ha="center", va="center", fontsize=8.5)
    for left in lefts[:-1]:  # one step: box → next box
        ax.add_patch(
            FancyArrowPatch(
                (left + _BOX_WIDTH + 0.06, _BOX_HEIGHT / 2),
                (left + _BOX_WIDTH + _GAP - 0.06, _BOX_HEIGHT / 2),
                arrowstyle="-|>",
                mutation_scale=16,
                color=_STEP_COLOR,
                linewidth=1.5,
            )
        )
    # The loop over batches: from "update" back to "batch", under the boxes.
    below = -0.55
    ax.add_patch(
        FancyArrowPatch(
            (right_end - _BOX_WIDTH / 2, -0.08),
            (_BOX_WIDTH / 2, -0.08),
            connectionstyle="bar,fraction=-0.08",
            arrowstyle="-|>",
            mutation_scale=16,
            color=_STEP_COLOR,
            linewidth=1.5,
        )
    )
    ax.text(
        right_end / 2,
        below + 0.12,
        "next batch: one step per batch, ceil(N / B) steps make one epoch",
        ha="center",
        va="center",
        fontsize=9.5,
        color=_STEP_COLOR,
        backgroundcolor="white",
    )
    # The loop over epochs: a frame around everything.
    frame = FancyBboxPatch(
        (-0.3, below - 0.45),
        right_end + 0.6,
        _BOX_HEIGHT - below + 0.95,
        boxstyle="round,pad=0.05",
        facecolor="none",
        edgecolor=_EPOCH_COLOR,
        linewidth=1.5,
        linestyle="--",
    )
    ax.add_patch(frame)
    ax.text(
        right_end / 2,
        _BOX_HEIGHT + 0.3,
        "repeat for each epoch, each in a new shuffled order, until the loss converges",
        ha="center",
        va="center",
        fontsize=9.5,
        color=_EPOCH_COLOR,
        weight="bold",
    )
    ax.set_xlim(-0.45, right_end + 0.45)
    ax.set_ylim(below - 0.6, _BOX_HEIGHT + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("Training in a nutshell")
    return ax.figure


def integer_epoch_ticks(fig) -> None:
    """Make every x axis of ``fig`` labelled "epoch" tick in whole numbers only."""
    from matplotlib.ticker import MaxNLocator

    for ax in fig.axes:
        if ax.get_xlabel().startswith("epoch"):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def plot_loss_gallery(runs, ncols: int = 2, guess_loss: float | None = None, ymax=None):
    """Loss curves of several runs, one panel each, on a shared loss axis; returns the Figure.

    runs: {title: {"training": losses, "validation": losses}} (the validation curve is
    optional), one loss per epoch, or ``"per_epoch": k`` losses per epoch (e.g. the mean
    of every 10 steps) drawn at epochs 1/k, 2/k, …; a curve may end early (a run that
    stopped).
    ncols: panels per row, at most 3 so every label stays legible at notebook width.
    guess_loss: draw a dotted line at the loss of a model that guesses (ln C for C classes).
    ymax: top of the loss axis (default: the largest loss, at most 3); a loss above it is
    drawn at the edge and named in the panel.
    """
    import matplotlib.pyplot as plt

    if not 1 <= ncols <= 3:
        raise ValueError(f"ncols must be 1, 2 or 3 (legible at notebook width), got {ncols}.")
    if not runs:
        raise ValueError("runs is empty; pass {title: {'training': [...]}, ...}.")
    describe_figures()
    nrows = -(-len(runs) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(4.6 * ncols, 3.3 * nrows),
        layout="constrained",
        squeeze=False,
        sharey=True,
    )
    curves = [finite(run[name]) for run in runs.values() for name in _CURVES if name in run]
    largest = max(float(np.nanmax(c)) for c in curves if np.isfinite(c).any())
    top = ymax if ymax is not None else min(largest, 3.0) * 1.08
    for ax, (title, run) in zip(axes.flat, runs.items(), strict=False):
        off_chart = []
        per_epoch = run.get("per_epoch", 1)
        for k, (name, style) in enumerate((("training", "o-"), ("validation", "s--"))):
            if name not in run:
                continue
            losses = finite(run[name])
            epochs = np.arange(1, len(losses) + 1) / per_epoch
            ax.plot(
                epochs,
                np.minimum(losses, top),
                style,
                color=RUN_COLORS[k],
                ms=4,
                label=f"{name} loss",
            )
            off_chart += [
                f"{name} {v:.3g} (epoch {e:g})"
                for e, v in zip(epochs, losses, strict=True)
                if v > top
            ]
        if guess_loss is not None:
            ax.axhline(guess_loss, color="gray", ls=":", lw=1.2, label="guessing")
        if off_chart:
            ax.text(
                0.98,
                0.97,
                "off the chart: " + ", ".join(off_chart[:2]),
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=8,
                color=WRONG,
            )
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_xlim(0 if per_epoch > 1 else 0.5, None)
        ax.set_ylim(0, top)
        ax.legend(fontsize=8, loc="center right")
    for ax in axes[:, 0]:
        ax.set_ylabel("loss")
    for ax in list(axes.flat)[len(runs) :]:
        ax.set_visible(False)
    integer_epoch_ticks(fig)
    return fig
