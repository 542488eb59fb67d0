"""The diagrams of notebook 10 draw what they promise: the loop's five steps in order,
both loops, and one legible panel per run with whole-number epoch ticks."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from helpers.diagrams import (  # noqa: E402
    STEPS,
    integer_epoch_ticks,
    plot_loss_gallery,
    plot_training_loop,
)

RUNS = {
    "too high": {"training": [5.3, 2.2, 2.3], "validation": [2.4, 2.1, 2.2]},
    "too low": {"training": [2.35, 2.3, 2.25], "validation": [2.36, 2.31, 2.26]},
    "good": {"training": [1.2, 0.5, 0.3], "validation": [0.6, 0.4, 0.35]},
    "overfitting": {"training": [1.0, 0.3, 0.1, 0.03], "validation": [0.6, 0.5, 0.55, 0.6]},
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_the_training_loop_shows_the_five_steps_in_order():
    fig = plot_training_loop()
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.texts if t.get_text() in {n for n, _ in STEPS}]
    assert names == ["batch", "forward pass", "loss", "gradients", "update"]
    positions = [t.get_position()[0] for t in ax.texts if t.get_text() in names]
    assert positions == sorted(positions)


def test_the_training_loop_has_both_loops_and_no_axes():
    fig = plot_training_loop()
    ax = fig.axes[0]
    text = " ".join(t.get_text() for t in ax.texts)
    assert "next batch" in text and "epoch" in text
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
    assert len(arrows) == len(STEPS)  # 4 between the boxes, 1 back to the batch
    assert not ax.axison


def test_the_training_loop_draws_into_a_given_axes():
    fig, ax = plt.subplots()
    assert plot_training_loop(ax) is fig


@pytest.mark.parametrize(("ncols", "shape"), [(2, (2, 2)), (3, (2, 3)), (1, (4, 1))])
def test_the_gallery_has_one_panel_per_run(ncols, shape):
    fig = plot_loss_gallery(RUNS, ncols=ncols)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == shape[0] * shape[1]
    assert [ax.get_title() for ax in visible] == list(RUNS)


def test_the_gallery_draws_the_given_losses_and_whole_epochs():
    fig = plot_loss_gallery(RUNS, guess_loss=np.log(10))
    ax = fig.axes[3]
    training, validation = ax.lines[:2]
    assert np.allclose(training.get_ydata(), RUNS["overfitting"]["training"])
    assert np.allclose(validation.get_xdata(), [1, 2, 3, 4])
    assert ax.lines[2].get_ydata()[0] == pytest.approx(np.log(10))
    fig.canvas.draw()
    ticks = ax.get_xticks()
    assert np.all(ticks == np.round(ticks)), ticks


def test_the_gallery_names_a_loss_off_the_chart():
    fig = plot_loss_gallery(RUNS, ymax=3.0)
    ax = fig.axes[0]
    assert ax.get_ylim() == (0, 3.0)
    assert max(ax.lines[0].get_ydata()) == 3.0
    assert any("5.3" in t.get_text() for t in ax.texts)


def test_the_gallery_accepts_a_run_that_stopped_early():
    runs = {"diverged": {"training": [2.3, np.inf]}, "fine": {"training": [1.0, 0.5, 0.4]}}
    fig = plot_loss_gallery(runs)
    assert len(fig.axes[0].lines) == 1


@pytest.mark.parametrize("ncols", [0, 4])
def test_the_gallery_keeps_at_most_three_panels_a_row(ncols):
    with pytest.raises(ValueError, match="ncols"):
        plot_loss_gallery(RUNS, ncols=ncols)


def test_integer_epoch_ticks_only_touches_epoch_axes():
    fig, (ax_epoch, ax_step) = plt.subplots(1, 2)
    ax_epoch.plot([1, 2, 3], [0.9, 0.95, 0.97])
    ax_epoch.set_xlabel("epoch")
    ax_step.plot([0.5, 1.0], [1, 2])
    ax_step.set_xlabel("step")
    integer_epoch_ticks(fig)
    fig.canvas.draw()
    assert np.all(ax_epoch.get_xticks() == np.round(ax_epoch.get_xticks()))
    assert not np.all(ax_step.get_xticks() == np.round(ax_step.get_xticks()))


def test_the_gallery_draws_several_losses_per_epoch_at_fractions_of_an_epoch():
    run = {"training": [1.0, 0.6, 0.5, 0.4], "validation": [0.8, 0.6, 0.5, 0.45], "per_epoch": 2}
    fig = plot_loss_gallery({"by half epochs": run}, ncols=1)
    assert np.allclose(fig.axes[0].lines[0].get_xdata(), [0.5, 1.0, 1.5, 2.0])
    fig.canvas.draw()
    ticks = fig.axes[0].get_xticks()
    assert np.all(ticks == np.round(ticks)), ticks
