"""The explorers, headless: set controls from Python, check the figure shows the package's
numbers (descend, Trainer, numerical_partial), captions follow the values, and extreme
settings show a divergence message without warnings."""

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import ipywidgets
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from helpers import widgets  # noqa: E402
from helpers.data import prepare  # noqa: E402
from helpers.gradients import numerical_gradient  # noqa: E402
from helpers.landscapes import bowl, descend, parabola, two_wells  # noqa: E402
from helpers.losses import mean_squared_error  # noqa: E402
from helpers.optim import SGD  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def line_xy(line):
    return np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)


def assert_shows(panels, trajectory):
    """The path and the loss curve are exactly the trajectory's numbers."""
    x, y = line_xy(panels.path.line)
    points = trajectory.points
    np.testing.assert_array_equal(x, points[:, 0])
    expected_y = trajectory.losses if points.shape[1] == 1 else points[:, 1]
    np.testing.assert_array_equal(y, expected_y)
    _, losses = line_xy(panels.loss_line)
    np.testing.assert_array_equal(losses, trajectory.losses)


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ------------------------------------------------------------ learning rate ----


@pytest.mark.parametrize("learning_rate", [0.05, 0.2, 0.9, 1.1])
def test_learning_rate_explorer_draws_descend(learning_rate, no_warnings):
    explorer = widgets.learning_rate_explorer("parabola", steps=10)
    explorer.controls["learning_rate"].value = learning_rate
    expected = descend(parabola, None, SGD(learning_rate), 10)
    assert_shows(explorer.panels, expected)
    title = explorer.panels.title.get_text()
    assert f"SGD(learning_rate={learning_rate:.3g})" in title
    assert "10 steps" in title
    assert expected.message() in title


def test_learning_rate_explorer_steps_slider_and_start():
    explorer = widgets.learning_rate_explorer(bowl, steps=5, start=(3.0, 1.0))
    explorer.controls["steps"].value = 7
    expected = descend(bowl, (3.0, 1.0), SGD(explorer.controls["learning_rate"].value), 7)
    assert_shows(explorer.panels, expected)
    assert explorer.panels.ax_loss.get_xlim() == (0, 7)
    assert "7 steps" in explorer.panels.title.get_text()


def test_learning_rate_slider_is_log_scale_from_1e_4_to_10():
    slider = widgets.learning_rate_explorer().controls["learning_rate"]
    assert isinstance(slider, ipywidgets.FloatLogSlider)
    assert (slider.base, slider.min, slider.max) == (10, -4, 1)


@pytest.mark.parametrize("landscape", ["parabola", "bowl", "banana", "two_wells_2d"])
def test_learning_rate_10_shows_divergence_without_warnings(landscape, no_warnings):
    explorer = widgets.learning_rate_explorer(landscape)
    explorer.controls["learning_rate"].value = 10
    title = explorer.panels.title.get_text()
    assert "diverged at step" in title
    assert explorer.panels.title.get_color() == widgets.WRONG


def test_inline_png_changes_with_the_slider():
    explorer = widgets.learning_rate_explorer()
    before = explorer.png
    explorer.controls["learning_rate"].value = 0.5
    assert before.startswith(b"\x89PNG") and explorer.png.startswith(b"\x89PNG")
    assert explorer.png != before


def test_a_slider_move_only_redraws_the_moving_artists():
    explorer = widgets.learning_rate_explorer()
    draws = explorer.full_draws
    explorer.controls["learning_rate"].value = 0.3
    assert explorer.full_draws == draws
    explorer.controls["steps"].value = 30  # new x limits: draw everything
    assert explorer.full_draws == draws + 1


# ----------------------------------------------------------------- momentum ----


@pytest.mark.parametrize("optimizer", widgets.OPTIMIZER_CHOICES)
def test_momentum_explorer_draws_each_optimizer(optimizer, no_warnings):
    explorer = widgets.momentum_explorer("bowl", optimizer=optimizer, steps=40)
    explorer.controls["learning_rate"].value = 0.2
    explorer.controls["momentum"].value = 0.8
    expected = descend(bowl, None, widgets.make_optimizer(optimizer, 0.2, 0.8), 40)
    assert_shows(explorer.panels, expected)
    assert widgets.caption(explorer.optimizer) in explorer.panels.title.get_text()
    slider = explorer.controls["momentum"]
    assert slider.disabled == (optimizer in ("SGD", "RMSprop", "Adagrad"))
    if optimizer in ("Adam", "AdamW"):
        assert explorer.optimizer.beta1 == 0.8
        assert slider.description == "beta1"


def test_momentum_explorer_switches_landscape():
    explorer = widgets.momentum_explorer("bowl", optimizer="momentum")
    explorer.controls["landscape"].value = widgets.get_landscape("banana")
    assert "banana" in explorer.panels.ax_land.get_title()
    expected = descend(
        widgets.get_landscape("banana"),
        None,
        widgets.make_optimizer("momentum", 0.1, 0.5),
        explorer.controls["steps"].value,
    )
    assert_shows(explorer.panels, expected)


@pytest.mark.parametrize("momentum, bottom", [(0.0, 0.9601), (0.5, -1.0356), (0.9, -1.0356)])
def test_momentum_carries_the_ball_over_the_bump(momentum, bottom):
    explorer = widgets.momentum_explorer(two_wells, optimizer="momentum", steps=200)
    explorer.controls["learning_rate"].value = 0.05
    explorer.controls["momentum"].value = momentum
    x, _ = line_xy(explorer.panels.path.line)
    assert x[-1] == pytest.approx(bottom, abs=1e-3)


def test_extreme_momentum_shows_divergence_without_warnings(no_warnings):
    explorer = widgets.momentum_explorer("bowl", optimizer="momentum")
    explorer.controls["learning_rate"].value = 10
    explorer.controls["momentum"].value = 0.99
    assert "diverged at step" in explorer.panels.title.get_text()


def test_unknown_names_say_what_exists():
    with pytest.raises(ValueError, match="two_wells_2d"):
        widgets.get_landscape("saddle")
    with pytest.raises(ValueError, match="Nesterov"):
        widgets.momentum_explorer(optimizer="Lion")


# ------------------------------------------------------------ naive update ----


def explorer_loss(explorer):
    layer = explorer.layer
    return mean_squared_error(explorer.x @ layer.kernel + layer.bias, explorer.target)[0]


def test_naive_update_layer_is_the_lecture_layer():
    explorer = widgets.naive_update_explorer()
    assert explorer.layer.kernel.shape == (3, 2)  # the lecture's W (2×3), transposed
    assert "W[j, i]" in explorer.table.value


@pytest.mark.parametrize("direction", ["nudge_up", "nudge_down"])
def test_nudge_moves_one_coefficient_by_epsilon(direction, no_warnings):
    explorer = widgets.naive_update_explorer(seed=1)
    explorer.controls["coefficient"].value = ("kernel", (2, 1))
    explorer.controls["epsilon"].value = 0.01
    kernel = explorer.layer.kernel.copy()
    explorer.controls[direction].click()
    kernel[2, 1] += 0.01 if direction == "nudge_up" else -0.01
    np.testing.assert_allclose(explorer.layer.kernel, kernel, rtol=0, atol=1e-15)
    assert explorer.history[-1] == explorer_loss(explorer)
    np.testing.assert_allclose(line_xy(explorer.history_line)[1], explorer.history)


def test_naive_bars_show_the_losses_around_w(no_warnings):
    explorer = widgets.naive_update_explorer()
    explorer.controls["coefficient"].value = ("bias", (1,))
    explorer.controls["epsilon"].value = 0.1
    bias = explorer.layer.bias
    expected = []
    for shift in (-0.1, 0.0, 0.1):
        bias[1] += shift
        expected.append(explorer_loss(explorer))
        bias[1] -= shift
    heights = [bar.get_height() for bar in explorer.bars]
    np.testing.assert_allclose(heights, expected, rtol=1e-12)
    slope = (expected[2] - expected[1]) / 0.1
    title = explorer.ax_bars.get_title()
    assert "bias[1]" in title and "ε = 0.1" in title
    assert f"{slope:.4g}" in title


def test_naive_gradient_step_uses_forward_differences(no_warnings):
    explorer = widgets.naive_update_explorer()
    explorer.controls["epsilon"].value = 1e-3
    explorer.controls["learning_rate"].value = 0.5
    kernel, bias = explorer.layer.kernel.copy(), explorer.layer.bias.copy()
    dkernel = numerical_gradient(
        lambda _: explorer_loss(explorer), explorer.layer.kernel, h=1e-3, method="forward"
    )
    dbias = numerical_gradient(
        lambda _: explorer_loss(explorer), explorer.layer.bias, h=1e-3, method="forward"
    )
    explorer.controls["step"].click()
    np.testing.assert_allclose(explorer.layer.kernel, kernel - 0.5 * dkernel, rtol=1e-12)
    np.testing.assert_allclose(explorer.layer.bias, bias - 0.5 * dbias, rtol=1e-12)
    assert explorer.history[-1] < explorer.history[0]
    assert "learning_rate=0.5" in explorer.ax_history.get_title()


def test_naive_large_learning_rate_diverges_and_reset_restores(no_warnings):
    explorer = widgets.naive_update_explorer()
    start = explorer.layer.kernel.copy()
    explorer.controls["learning_rate"].value = 10
    for _ in range(40):
        explorer.controls["step"].click()
    assert "diverged at change" in explorer.title.get_text()
    explorer.controls["reset"].click()
    np.testing.assert_array_equal(explorer.layer.kernel, start)
    assert len(explorer.history) == 1
    assert "diverged" not in explorer.title.get_text()


# ---------------------------------------------------------- training panel ----


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(0)
    x = rng.random((512, 784), dtype=np.float32)
    y = rng.integers(0, 10, 512)
    return x, y, x[:100], y[:100]


def test_training_panel_takes_raw_uint8_images_and_prepares_them():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(64, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 64)
    panel = widgets.training_panel(images, labels, images[:16], labels[:16], hidden=8)
    np.testing.assert_array_equal(panel.x_train, prepare(images))
    panel.tick()
    assert panel.trainer.history.steps == 20


def test_training_panel_ticks_train_and_draw(digits, no_warnings):
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    panel.tick()
    panel.tick()
    history = panel.trainer.history
    assert history.steps == 10
    steps, losses = line_xy(panel.raw_line)
    np.testing.assert_array_equal(steps, np.arange(1, 11))
    np.testing.assert_array_equal(losses, history.loss)
    np.testing.assert_array_equal(line_xy(panel.acc_line)[0], [5, 10])
    assert f"test accuracy {panel.test_accuracy[-1]:.1%}" in panel.title.get_text()
    assert "step 10" in panel.title.get_text()


def test_training_panel_sliders_change_the_optimizer_without_reset(digits):
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    panel.tick()
    trainer = panel.trainer
    panel.controls["learning_rate"].value = 0.02
    panel.controls["momentum"].value = 0.9
    assert panel.trainer is trainer and trainer.history.steps == 5
    assert trainer.optimizer.learning_rate == 0.02 and trainer.optimizer.momentum == 0.9
    assert "SGD(learning_rate=0.02, momentum=0.9)" in panel.title.get_text()
    panel.tick()
    assert trainer.history.steps == 10


def test_training_panel_play_step_pause_reset(digits):
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=4)
    panel.controls["play"].value = 1  # what the Play widget's tick sends
    assert panel.trainer.history.steps == 4
    panel.controls["step"].click()
    assert panel.trainer.history.steps == 8
    panel.controls["play"].playing = True
    panel.controls["pause"].click()
    assert panel.controls["play"].playing is False
    old = panel.trainer
    panel.controls["reset"].click()
    assert panel.trainer is not old and panel.trainer.history.steps == 0
    assert len(panel.raw_line.get_xdata()) == 0 and panel.test_accuracy == []


def test_training_panel_divergence_shows_the_trainers_message(digits, no_warnings):
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    panel.controls["learning_rate"].value = 10
    panel.controls["momentum"].value = 0.99
    for _ in range(20):
        panel.tick()
        if panel.trainer.history.diverged:
            break
    assert panel.trainer.history.diverged
    title = panel.title.get_text().replace("\n", " ")
    assert panel.trainer.history.message.split(":")[0] in title
    assert panel.title.get_color() == widgets.WRONG


# --------------------------------------------------------------- timing ----


@pytest.mark.parametrize(
    "build, control, values",
    [
        (lambda d: widgets.naive_update_explorer(), "epsilon", [0.01, 0.02]),
        (lambda d: widgets.naive_update_explorer(), "nudge_up", [None, None]),
        (lambda d: widgets.learning_rate_explorer(), "learning_rate", [0.01, 0.5]),
        (lambda d: widgets.momentum_explorer(), "momentum", [0.2, 0.9]),
        (
            lambda d: widgets.training_panel(*d, hidden=16, steps_per_tick=2),
            "learning_rate",
            [0.01, 0.5],
        ),
        (lambda d: widgets.training_panel(*d, hidden=16, steps_per_tick=2), "step", [None]),
    ],
)
def test_time_redraws_works_for_every_widget(build, control, values, digits):
    times = widgets.time_redraws(build(digits), control, values)
    assert len(times) == len(values) and all(t > 0 for t in times)


# ---------------------------------------------------------- static twins ----


def test_static_figures():
    fig = widgets.learning_rate_figure("parabola", learning_rates=(0.05, 1.1), steps=10)
    assert len(fig.axes) == 3
    assert "diverging: loss grew from 100" in fig.axes[1].get_title()
    fig = widgets.momentum_figure("bowl", momenta=(0.0, 0.9))
    assert "momentum=0.9" in fig.axes[1].get_title()
    fig = widgets.naive_update_figure()
    assert len(fig.axes) == 6 and "kernel[2, 1]" in fig.axes[5].get_title()


def test_training_figure(digits):
    fig = widgets.training_figure(*digits, learning_rates=(0.1, 50.0), steps=20, hidden=16)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0].startswith("learning_rate=0.1: test accuracy")
    assert labels[1] == "learning_rate=50: diverged"


# ------------------------------------------------------------------ ipympl ----


def test_ipympl_backend_embeds_the_canvas_and_moves_artists():
    script = textwrap.dedent(
        """
        import warnings
        import matplotlib
        matplotlib.use("module://ipympl.backend_nbagg")
        import numpy as np
        from helpers import widgets
        from helpers.landscapes import descend, parabola
        from helpers.optim import SGD

        assert widgets.detect_backend() == "ipympl"
        explorer = widgets.learning_rate_explorer("parabola", steps=10)
        assert explorer.backend == "ipympl" and explorer.output is None
        assert explorer.children[-1] is explorer.figure.canvas
        explorer.figure.canvas.draw()  # what the browser asks for first
        draws = explorer.full_draws
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            explorer.controls["learning_rate"].value = 0.2
            explorer.controls["learning_rate"].value = 10
        assert explorer.full_draws == draws  # slider moves were blitted
        x = explorer.panels.path.line.get_xdata()
        expected = descend(parabola, None, SGD(10.0), 10)
        np.testing.assert_array_equal(x, expected.points[:, 0])
        assert "diverged at step" in explorer.panels.title.get_text()
        times = widgets.time_redraws(explorer, "learning_rate", [0.1, 0.3])
        assert len(times) == 2
        print("ok")
        """
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
