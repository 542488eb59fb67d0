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


def test_up_to_ten_loss_curves_differ_in_more_than_colour():
    """Seven colours, then they repeat; every curve has its own marker, and curves of one
    colour differ in line style too, so colour is never the only cue."""
    curves = {f"run {k}": np.geomspace(1.0, 0.1, 5) * (k + 1) for k in range(10)}
    ax = plots.plot_losses(curves)
    colors = [matplotlib.colors.to_hex(line.get_color()) for line in ax.lines]
    markers = [line.get_marker() for line in ax.lines]
    styles = [(c, line.get_linestyle()) for c, line in zip(colors, ax.lines, strict=True)]
    assert len(set(colors)) == 7 and len(set(markers)) == 10 and len(set(styles)) == 10


# ------------------------------------------------------------ accessibility ----

COLOUR_BLINDNESS = ["deuteranomaly", "protanomaly", "tritanomaly"]  # at severity 100
DRAWN_TOGETHER = {
    "runs": plots.RUN_COLORS,  # up to seven curves of plot_losses, paths in their colours
    "landscape": (plots.LANDSCAPE, plots.PATH, plots.MINIMUM, plots.WRONG, "black"),
    # runs' paths on a landscape in their loss curves' colours (06, 07, 08's explorers)
    "landscape and runs": (plots.LANDSCAPE, *plots.RUN_COLORS),
}
MIN_DELTA_E = 10.0  # CAM02-UCS distance; tab10's orange/olive/brown were 4.5 apart


def _simulated(color, cvd_type):
    from colorspacious import cspace_convert

    rgb = np.array(matplotlib.colors.to_rgb(color))
    seen = cspace_convert(
        rgb, {"name": "sRGB1+CVD", "cvd_type": cvd_type, "severity": 100}, "sRGB1"
    )
    return cspace_convert(np.clip(seen, 0, 1), "sRGB1", "CAM02-UCS")


@pytest.mark.parametrize("cvd_type", COLOUR_BLINDNESS)
@pytest.mark.parametrize("group", sorted(DRAWN_TOGETHER))
def test_colours_drawn_together_stay_apart_for_colour_blind_eyes(group, cvd_type):
    pytest.importorskip("colorspacious")
    colors = DRAWN_TOGETHER[group]
    seen = [_simulated(c, cvd_type) for c in colors]
    distances = {
        (colors[i], colors[j]): float(np.linalg.norm(seen[i] - seen[j]))
        for i in range(len(colors))
        for j in range(i + 1, len(colors))
    }
    closest = min(distances, key=distances.get)
    assert distances[closest] >= MIN_DELTA_E, (
        f"{closest} are ΔE {distances[closest]:.1f} apart under {cvd_type}"
    )


def _contrast_on_white(color, alpha=1.0) -> float:
    """WCAG's contrast ratio of ``color`` (drawn with ``alpha`` over white) against white."""
    rgb = alpha * np.array(matplotlib.colors.to_rgb(color)) + (1 - alpha)
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return 1.05 / (float(linear @ [0.2126, 0.7152, 0.0722]) + 0.05)


def test_the_landscape_is_a_grey_with_the_contrast_of_a_graph_line():
    """WCAG 2.1 1.4.11 asks 3:1 of the lines a reader needs: the landscape's curve, and
    its contour lines as drawn (with their transparency), against the white page."""
    (curve,) = [
        line
        for line in plots.plot_landscape_1d(parabola).lines
        if str(line.get_label()).startswith("loss =")
    ]
    r, g, b = matplotlib.colors.to_rgb(curve.get_color())
    assert r == g == b  # neutral: no run's hue
    assert _contrast_on_white(curve.get_color()) >= 3.0
    contours = [
        c
        for c in plots.plot_landscape_2d(two_wells_2d).collections
        if type(c).__name__ in ("QuadContourSet", "ContourSet") and not c.filled
    ]
    (lines,) = contours
    color = lines.get_edgecolor()[0]
    assert _contrast_on_white(color[:3], lines.get_alpha() or color[3]) >= 3.0


def _has_number_from(text, values) -> bool:
    return any(plots._num(v) in text for v in values)


GENERIC = ("the widget's figure", "_images/", ".png", "Figure size", "with 1 Axes")


def _assert_describes(text, axes_words=(), numbers=()):
    assert text.startswith("Figure: ") and len(text) > 40, text
    assert not any(g in text for g in GENERIC), text
    for words in axes_words:
        assert words in text, (words, text)
    assert _has_number_from(text, numbers), (numbers, text)


DESCRIBED = {
    "losses": (
        lambda: plots.plot_losses({"η = 0.1": [2.3, 1.0, 0.08], "η = 1": [2.3, 9.0, np.inf]}),
        ["x axis 'step'", "y axis 'loss'", "log scale", "falls from 2.3", "diverged"],
        [0.08, 9.0],
    ),
    "history": (
        lambda: plots.plot_history(History(loss=[2.0, 1.0, 0.5], accuracy=[0.6, 0.8])),
        ["y axis 'loss'", "x axis 'epoch'", "y axis 'accuracy'", "2 panels"],
        [0.5, 0.8],
    ),
    "trajectory": (
        lambda: plots.plot_trajectory(two_wells_2d, descend(two_wells_2d, None, SGD(0.05), 9)),
        ["x axis 'x₁'", "y axis 'x₂'", "path: 10 points", "global minimum"],
        [descend(two_wells_2d, None, SGD(0.05), 9).points[-1, 0]],
    ),
    "digits": (
        lambda: plots.show_digits(np.zeros((4, 28, 28), np.uint8), [1, 2, 3, 4], [1, 2, 3, 5]),
        ["4 MNIST digits", "labels 1 2 3 4", "3 of 4 predicted right", "4 taken for 5"],
        [4],
    ),
    "kernel": (
        lambda: plots.show_kernel(np.linspace(-0.5, 0.25, 784 * 3).reshape(784, 3), n=3),
        ["784 × 3 kernel", "colour scale 'weight'", "blue", "red"],
        [0.5],
    ),
    "confusion": (
        lambda: plots.plot_confusion_matrix([0, 1, 2, 2, 2], [0, 1, 2, 1, 1]),
        [
            "x axis 'predicted'",
            "y axis 'true'",
            "3 of 5 predictions right",
            "2 taken for 1 2 times",
        ],
        [3],
    ),
    "lr_sweep": (
        lambda: plots.plot_lr_sweep([0.01, 0.1, 1.0, 10.0], [2.0, 0.5, 0.3, np.inf]),
        [
            "x axis 'learning rate'",
            "diverged (no finite loss, marked × at the top) at learning rate 10",
        ],
        [0.3, 0.01],
    ),
}


@pytest.mark.parametrize("name", sorted(DESCRIBED))
def test_every_helper_figure_says_what_it_shows_with_its_numbers(name):
    make, words, numbers = DESCRIBED[name]
    _assert_describes(plots.describe(make()), words, numbers)


def test_the_description_follows_the_data():
    first = plots.describe(plots.plot_losses({"run": [2.5, 1.25, 0.625]}))
    second = plots.describe(plots.plot_losses({"run": [3.5, 0.125]}))
    assert "falls from 2.5 at step 0 to 0.625 at step 2" in first
    assert "falls from 3.5 at step 0 to 0.125 at step 1" in second


def test_a_figure_drawn_by_hand_is_described_from_its_artists():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    p = np.linspace(0.005, 1, 200)
    ax.plot(p, -np.log(p), label="loss = −log(p)")
    ax.set(xlabel="probability p", ylabel="loss")
    text = plots.describe(fig)
    _assert_describes(text, ["x axis 'probability p'", "loss = −log(p): falls from 5.3"], [1])


def test_notebook_figures_carry_their_description_as_alt_text_and_text():
    """In IPython (as in a notebook kernel), a figure is shown as its PNG, an <img> with the
    description as alt text, and the description as text/plain."""
    import subprocess
    import sys
    from pathlib import Path

    script = """
import html, re
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
shell = InteractiveShell.instance()
from IPython.core.pylabtools import select_figure_formats
select_figure_formats(shell, {"png"})  # the inline backend's PNG, as in a notebook
from helpers import plots
ax = plots.plot_losses({"η = 0.1": [2.3, 0.5, 0.08]})
from IPython.display import display
with capture_output() as captured:
    display(ax.figure)  # what the inline backend does at the end of a cell
(output,) = captured.outputs
data = output.data
alt = html.unescape(re.search(r'alt="([^"]*)"', data["text/html"]).group(1))
assert alt == data["text/plain"] == plots.describe(ax.figure), (alt, data["text/plain"])
assert data["image/png"] and data["image/png"] in data["text/html"]
print("ok", alt)
"""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root)
    assert done.stdout.startswith("ok"), done.stderr
    assert "falls from 2.3 at step 0 to 0.08 at step 2" in done.stdout


_X = np.linspace(-12.0, 12.0, 241)
_NOISE = np.exp(0.3 * np.random.default_rng(0).normal(size=241))  # a minibatch loss's scatter
CURVES = {
    # name: (y over _X, log y axis?, the curve's whole description)
    "falling": (144 - 6 * _X, False, "falls from 216 at x -12 to 72 at x 12"),
    "rising": (3 * _X, False, "rises from -36 at x -12 to 36 at x 12"),
    "flat": (np.full_like(_X, 5.0), False, "stays at about 5 from x -12 to 12"),
    "U": (_X**2, False, "falls from 144 at x -12 to 0 at x 0, then rises to 144 at x 12"),
    "∩": (144 - _X**2, False, "rises from 0 at x -12 to 144 at x 0, then falls to 0 at x 12"),
    "noisy falling": (  # its scatter is no turn: the dip and the peak are named as such
        np.geomspace(2.3, 0.1, 241) * _NOISE,
        True,
        "falls from 2.39 at x -12 to 0.148 at x 12, lowest 0.0404 at x 11.8, "
        "highest 3.14 at x -11.4",
    ),
    "U on a log axis (a loss that falls, then diverges)": (
        np.concatenate([np.geomspace(100, 1e-3, 200), np.geomspace(1e-3, 1, 42)[1:]]),
        True,
        "falls from 100 at x -12 to 0.001 at x 7.9, then rises to 1 at x 12",
    ),
    "∩ and U (a sine)": (
        np.sin(_X / 4),
        False,
        "falls from -0.141 at x -12 to -1 at x -6.3, rises to 1 at x 6.3, then falls to "
        "0.141 at x 12",
    ),
}


@pytest.mark.parametrize("name", list(CURVES))
def test_a_curve_is_described_by_its_course(name):
    """Where a curve starts and ends, and its interior lowest or highest value as a turn
    ("falls …, then rises …") when it is one, whatever figure the curve is in."""
    import matplotlib.pyplot as plt

    y, log, says = CURVES[name]
    fig, ax = plt.subplots()
    ax.plot(_X, y, label="curve")
    if log:
        ax.set_yscale("log")
    text = plots.describe(fig)
    plt.close(fig)
    assert f"curve: {says}." in text, text
