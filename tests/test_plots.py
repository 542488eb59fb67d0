"""The plotting functions draw what they are given: data on the artists, titles, colors."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from helpers import plots  # noqa: E402
from helpers.landscapes import LANDSCAPES, descend, parabola, two_wells_2d  # noqa: E402
from helpers.optim import SGD  # noqa: E402
from helpers.train import History  # noqa: E402


@pytest.mark.parametrize("shape, dtype", [((12, 28, 28), np.uint8), ((12, 784), np.float32)])
def test_show_digits_titles_and_wrong_predictions_in_red(shape, dtype):
    images = np.zeros(shape, dtype=dtype)
    labels = np.arange(12) % 10
    predictions = labels.copy()
    predictions[3] = 7
    fig = plots.show_digits(images, labels, predictions, n=12, ncols=6)
    axes = fig.axes
    assert len(axes) == 12
    assert axes[0].get_title() == "0"
    assert axes[3].get_title() == "3 → 7"
    assert matplotlib.colors.same_color(axes[3].title.get_color(), plots.WRONG)
    assert axes[0].images[0].get_array().shape == (28, 28)


def test_show_digits_explains_a_wrong_shape():
    with pytest.raises(ValueError, match=r"images\[None\]"):
        plots.show_digits(np.zeros((28, 28)))


def test_show_kernel_is_centered_at_zero():
    kernel = np.random.default_rng(0).normal(size=(784, 16))
    fig = plots.show_kernel(kernel, n=5)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 5
    low, high = images[0].get_clim()
    assert low == -high == -np.abs(kernel[:, :5]).max()
    np.testing.assert_array_equal(images[2].get_array(), kernel[:, 2].reshape(28, 28))


@pytest.mark.parametrize("name", list(LANDSCAPES))
def test_plot_trajectory_draws_the_points(name):
    landscape = LANDSCAPES[name]
    trajectory = descend(landscape, None, SGD(0.01), 15)
    ax = plots.plot_trajectory(landscape, trajectory)
    path = next(line for line in ax.lines if line.get_label() == "path")
    np.testing.assert_array_equal(path.get_xdata(), trajectory.points[:, 0])
    y = trajectory.losses if landscape.dim == 1 else trajectory.points[:, 1]
    np.testing.assert_array_equal(path.get_ydata(), y)
    assert trajectory.message() in ax.get_title()
    labels = [line.get_label() for line in ax.lines]
    assert ("minimum" in labels) == (len(landscape.minima) == 1)
    assert ("global minimum" in labels) == (len(landscape.minima) > 1)


def test_plot_landscape_2d_arrows_point_downhill():
    ax = plots.plot_landscape_2d(two_wells_2d, arrows=True)
    (quiver,) = [c for c in ax.collections if isinstance(c, matplotlib.quiver.Quiver)]
    x, y = quiver.X[0], quiver.Y[0]
    gradient = two_wells_2d.gradient(np.array([x, y]))
    arrow = np.array([quiver.U[0], quiver.V[0]])
    assert np.dot(arrow, gradient) < 0
    assert np.linalg.norm(arrow) == pytest.approx(1.0)


def test_diverged_trajectory_draws_without_inf():
    trajectory = descend(parabola, None, SGD(5.0), 50)
    ax = plots.plot_landscape_1d(parabola, trajectory)
    path = next(line for line in ax.lines if line.get_label() == "path")
    assert not np.isinf(path.get_ydata()).any()


def test_plot_losses_log_scale_and_labels():
    ax = plots.plot_losses({"a": [4.0, 2.0, 1.0], "b": [1.0, np.inf, np.nan]})
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [4.0, 2.0, 1.0])
    assert np.isnan(ax.lines[1].get_ydata()[1:]).all()


def test_smooth_is_a_moving_average():
    np.testing.assert_allclose(plots.smooth([1, 3, 5, 7], window=2), [1, 2, 4, 6])


def test_plot_history():
    history = History(loss=[2.0, 1.5, 1.0, 0.8], accuracy=[0.6, 0.8], val_accuracy=[0.65, 0.7])
    fig = plots.plot_history(history, window=2)
    ax_loss, ax_acc = fig.axes
    np.testing.assert_array_equal(ax_loss.lines[0].get_ydata(), history.loss)
    np.testing.assert_allclose(ax_loss.lines[1].get_ydata(), [2.0, 1.75, 1.25, 0.9])
    np.testing.assert_array_equal(ax_acc.lines[1].get_ydata(), history.val_accuracy)
    assert "80.0%" in ax_acc.get_title()


def test_confusion_matrix_counts():
    labels = np.array([0, 0, 1, 2, 2, 2])
    predictions = np.array([0, 1, 1, 2, 2, 0])
    ax = plots.plot_confusion_matrix(labels, predictions)
    counts = ax.images[0].get_array()
    assert counts[0, 0] == 1 and counts[0, 1] == 1 and counts[2, 2] == 2 and counts.sum() == 6
    assert ax.get_title() == "4 of 6 right"
    assert sorted(t.get_text() for t in ax.texts) == ["1", "1", "1", "1", "2"]


def test_plot_lr_sweep_marks_diverged_runs():
    ax = plots.plot_lr_sweep([0.01, 0.1, 1.0, 10.0], [2.0, 0.5, 0.3, np.inf])
    assert ax.get_xscale() == "log"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [0.01, 0.1, 1.0])
    assert ax.lines[1].get_label() == "diverged"
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [10.0])


def test_importing_plots_changes_no_rcparams():
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import sys, matplotlib as mpl\n"
        "def params(): return {k: mpl.rcParams[k] for k in mpl.rcParams.keys() if k != 'backend'}\n"
        "before = params()\n"
        "import helpers.plots, helpers.widgets\n"
        "assert params() == before\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
        "print('ok')"
    )
    root = str(Path(__file__).resolve().parents[1])
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"},
    )
    assert done.stdout.strip() == "ok", done.stderr


@pytest.mark.parametrize("name", ["two wells", "two wells 2-D"])
def test_global_and_local_minimum_are_marked_differently(name):
    ax = plots.plot_landscape_1d if LANDSCAPES[name].dim == 1 else plots.plot_landscape_2d
    ax = ax(LANDSCAPES[name])
    marks = {line.get_label(): line for line in ax.lines if "minimum" in line.get_label()}
    assert set(marks) == {"global minimum", "local minimum"}
    best, local = marks["global minimum"], marks["local minimum"]
    assert best.get_marker() != local.get_marker()
    assert best.get_xdata()[0] == LANDSCAPES[name].minima[0][0]  # the lowest one
    legend = ax.legend().get_texts()
    assert {t.get_text() for t in legend} >= {"global minimum", "local minimum"}


def test_plot_losses_draws_an_exact_zero_on_a_log_axis_and_says_so():
    ax = plots.plot_losses({"η = 0.5": [100.0, 0.0, 0.0], "η = 0.1": [100.0, 64.0, 41.0]})
    y = ax.lines[0].get_ydata()
    assert np.isfinite(y).all() and (y > 0).all() and y[1] <= 1e-10
    assert "0 drawn at" in ax.get_ylabel()
    ax = plots.plot_losses({"a": [4.0, 2.0, 1.0]})
    assert ax.get_ylabel() == "loss"


def test_plot_trajectory_takes_the_colour_of_a_loss_curve():
    trajectory = descend(parabola, None, SGD(0.1), 5)
    ax = plots.plot_trajectory(parabola, trajectory, color=plots.RUN_COLORS[2])
    path = next(line for line in ax.lines if line.get_label() == "path")
    curves = plots.plot_losses({"a": [1, 0.5], "b": [1, 0.4], "c": [1, 0.3]})
    assert matplotlib.colors.same_color(path.get_color(), curves.lines[2].get_color())


@pytest.mark.parametrize(
    "make",
    [
        lambda: plots.show_digits(np.zeros((20, 28, 28), np.uint8), np.arange(20) % 10, n=20),
        lambda: plots.show_kernel(np.random.default_rng(0).normal(size=(784, 16)), n=10),
        lambda: plots.plot_history(History(loss=[2.0, 1.0], accuracy=[0.6], val_accuracy=[0.7])),
    ],
    ids=["digits", "kernel", "history"],
)
def test_wide_figures_fit_a_notebook_column(make):
    """≤ 9.5 in at 100 dpi: shown at full size in a ~950 px JupyterLab column."""
    fig = make()
    assert fig.get_figwidth() <= 9.5


def test_up_to_ten_loss_curves_get_ten_different_colours():
    curves = {f"run {k}": np.geomspace(1.0, 0.1, 5) * (k + 1) for k in range(10)}
    ax = plots.plot_losses(curves)
    colors = [matplotlib.colors.to_hex(line.get_color()) for line in ax.lines]
    assert len(set(colors)) == 10
