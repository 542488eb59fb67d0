"""The explorers, headless: set controls from Python, check the figure shows the package's
numbers (descend, Trainer, numerical_partial), captions follow the values, and extreme
settings show a divergence message without warnings."""

import base64
import io
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
from helpers.widgets import naive_update  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def line_xy(line):
    return np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)


def assert_shows(panels, trajectory):
    """The path and the loss curve are exactly the trajectory's numbers (on a log axis,
    a loss of exactly 0 is drawn at the panel's floor, its bottom edge)."""

    x, y = line_xy(panels.path.line)
    points = trajectory.points
    np.testing.assert_array_equal(x, points[:, 0])
    expected_y = trajectory.losses if points.shape[1] == 1 else points[:, 1]
    np.testing.assert_array_equal(y, expected_y)
    _, losses = line_xy(panels.loss_line)
    expected = np.array(trajectory.losses, dtype=float)
    if panels.log:  # only a loss of exactly 0 is moved (to the bottom edge)
        expected = np.where(expected <= 0, panels.floor, expected)
    np.testing.assert_array_equal(losses, expected)


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
    left, right = explorer.panels.ax_loss.get_xlim()
    assert left < 0 and 7 < right < 7.5  # a little room: the end points are drawn whole
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
    explorer.controls["learning_rate"].value = 0.2
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
    defaults = widgets.LANDSCAPE_DEFAULTS["banana"]
    expected = descend(
        widgets.get_landscape("banana"),
        None,
        widgets.make_optimizer("momentum", defaults["learning_rate"], defaults["momentum"]),
        defaults["steps"],
    )
    assert_shows(explorer.panels, expected)


@pytest.mark.parametrize("optimizer", widgets.OPTIMIZER_CHOICES)
@pytest.mark.parametrize("landscape", ["banana", "two_wells_2d", "bowl"])
def test_each_landscape_gets_its_own_defaults(optimizer, landscape, no_warnings):
    """Issue 11: η = 0.6 from the bowl diverged on the banana at step 2."""
    explorer = widgets.momentum_explorer(
        "bowl", optimizer=optimizer, learning_rate=0.6, momentum=0.5
    )
    explorer.controls["landscape"].value = widgets.get_landscape(landscape)
    if landscape == "bowl":  # back where it was built: the cell's own values again
        explorer.controls["landscape"].value = widgets.get_landscape("banana")
        explorer.controls["landscape"].value = widgets.get_landscape("bowl")
        assert explorer.controls["learning_rate"].value == 0.6
        assert explorer.controls["momentum"].value == 0.5
    else:
        assert not explorer.trajectory.diverged, explorer.panels.title.get_text()
        assert explorer.controls["learning_rate"].value < 0.6
        losses = explorer.trajectory.losses
        assert losses[-1] < losses[0] - 0.5 * (losses[0] - losses.min())  # well on its way


def test_2d_landscape_has_equal_scales_and_the_legend_off_the_paths():
    explorer = widgets.momentum_explorer("bowl", learning_rate=0.6)
    ax = explorer.panels.ax_land
    assert ax.get_aspect() == 1.0  # 1 unit of x₁ as long as 1 unit of x₂: the ravine shows
    explorer.figure.canvas.draw()
    legend = explorer.panels.legend.get_window_extent()
    assert not legend.overlaps(ax.get_window_extent())
    assert explorer.figure.bbox.contains(legend.x0, legend.y0)
    assert explorer.figure.bbox.contains(legend.x1, legend.y1)


# ---------------------------------------------------- the numbers a cell sets ----


def browser_position(slider, value, step=0.05):
    """What a browser's slider sends back for ``value``: the nearest point of its grid."""
    exponent = slider.min + round((np.log10(value) - slider.min) / step) * step
    return 10**exponent


def test_log_slider_keeps_exactly_the_value_a_cell_gives():
    explorer = widgets.momentum_explorer("bowl", learning_rate=0.6, momentum=0.5)
    slider = explorer.controls["learning_rate"]
    assert slider.value == 0.6 and explorer.optimizer.learning_rate == 0.6
    assert "learning_rate=0.6," in explorer.panels.title.get_text()
    # the browser's grid holds 0.6, so its readout says 0.6 ...
    k = (np.log10(0.6) - slider.min) / slider.step
    assert abs(k - round(k)) < 1e-9 and abs(slider.step - 0.05) < 0.05 * 0.03
    # ... and what it sends back for that position (with float noise, or snapped to the
    # grid of an older front end: 0.631) does not change the value
    for echo in (0.6 * (1 + 1e-15), browser_position(slider, 0.6)):
        slider.set_state({"value": echo})
        assert slider.value == 0.6 and explorer.optimizer.learning_rate == 0.6
    # a real move (one step of the arrow keys) does
    one_step = 10 ** (np.log10(0.6) + slider.step)
    slider.set_state({"value": one_step})
    assert slider.value == pytest.approx(one_step) and explorer.optimizer.learning_rate > 0.6


def test_a_value_set_after_display_survives_the_browsers_echo(digits):
    """Issue 11: re-running a cell that asserts learning_rate == 0.05 after the panel
    rendered failed, because the slider sent back 0.0501."""
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    slider = panel.controls["learning_rate"]
    slider.value = 0.05
    slider.set_state({"value": browser_position(slider, 0.05)})  # 0.0501
    assert slider.value == 0.05 and panel.trainer.optimizer.learning_rate == 0.05
    assert "SGD(learning_rate=0.05)" in panel.title.get_text()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_sliders_refuse_non_finite_values_and_say_so(bad):
    explorer = widgets.momentum_explorer("bowl", learning_rate=0.3, momentum=0.5)
    for name, kept in (("learning_rate", 0.3), ("momentum", 0.5)):
        with pytest.warns(widgets.SliderWarning, match="finite number"):
            explorer.controls[name].value = bad
        assert explorer.controls[name].value == kept
    assert np.isfinite(explorer.trajectory.losses[-1])


@pytest.mark.parametrize(
    "name, value, clamped", [("learning_rate", 50.0, 10.0), ("momentum", 1.2, 0.99)]
)
def test_sliders_say_when_they_clamp(name, value, clamped):
    explorer = widgets.momentum_explorer("bowl")
    with pytest.warns(widgets.SliderWarning, match=f"set to {clamped:g} instead"):
        explorer.controls[name].value = value
    assert explorer.controls[name].value == clamped


def test_a_builder_asked_for_ipympl_without_it_says_what_to_do():
    with pytest.raises(RuntimeError, match="%matplotlib widget"):
        widgets.learning_rate_explorer(backend="ipympl")
    with pytest.raises(ValueError, match="'inline', 'ipympl'"):
        widgets.learning_rate_explorer(backend="qt")


def test_log_loss_panel_draws_an_exact_zero_and_says_so(no_warnings):
    """Issue 11: parabola at η = 0.5 reaches exactly 0; the log panel went blank."""
    explorer = widgets.learning_rate_explorer("parabola", learning_rate=0.5)
    assert explorer.trajectory.losses[-1] == 0.0
    _, shown = line_xy(explorer.panels.loss_line)
    assert np.isfinite(shown).all() and (shown > 0).all()
    low, high = explorer.panels.ax_loss.get_ylim()
    assert low <= shown.min() < high
    title = explorer.panels.title.get_text()
    assert "loss 100 → 0" in title and "exactly 0 is drawn on the bottom edge" in title
    explorer.controls["learning_rate"].value = 0.01  # nothing clipped: no note
    assert "drawn on" not in explorer.panels.title.get_text()


def test_a_tiny_positive_loss_is_drawn_as_it_is_not_lifted(no_warnings):
    """A loss of 1e-17 must not be shown at a floor as if training had stalled there."""
    explorer = widgets.momentum_explorer("bowl", optimizer="momentum", learning_rate=0.6)
    explorer.controls["momentum"].value = 0.5
    losses = explorer.trajectory.losses
    _, shown = line_xy(explorer.panels.loss_line)
    positive = losses > 0
    np.testing.assert_array_equal(shown[positive], losses[positive])
    assert "drawn on" not in explorer.panels.title.get_text() or (losses == 0).any()


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
    heights = [bar.get_height() for bar in explorer.bars]  # Δloss per nudge
    np.testing.assert_allclose(heights, [expected[0] - expected[1], expected[2] - expected[1]])
    slope = (expected[2] - expected[1]) / 0.1
    title = explorer.ax_bars.get_title()
    assert "bias[1]" in title and "ε = 0.1" in title
    assert f"{slope:.4g}" in title


def test_naive_bars_are_the_change_of_the_loss_with_a_zero_line():
    """Issue 11: bars from 0 made 0.1–1.7 % differences one pixel; show Δloss instead."""
    explorer = widgets.naive_update_explorer(seed=2)
    low, now, high = explorer.losses_around()
    heights = [bar.get_height() for bar in explorer.bars]
    assert heights == [low - now, high - now]
    for bar, change in zip(explorer.bars, heights, strict=True):
        expected = naive_update.LOWER if change < 0 else naive_update.HIGHER
        assert matplotlib.colors.same_color(bar.get_facecolor(), expected)
    bottom, top = explorer.ax_bars.get_ylim()
    assert bottom < 0 < top and max(abs(h) for h in heights) > 0.3 * top  # fills the axis
    explorer.controls["epsilon"].value = 0.001  # 100 × smaller changes: rescaled to them
    heights = [bar.get_height() for bar in explorer.bars]
    assert max(abs(h) for h in heights) > 0.1 * explorer.ax_bars.get_ylim()[1]
    assert any(line.get_ydata()[0] == 0 for line in explorer.ax_bars.lines)  # zero line
    labels = [t.get_text() for t in explorer.figure.legends[0].get_texts()]
    assert any("lower" in t for t in labels) and any("higher" in t for t in labels)


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


def test_training_panel_takes_raw_uint8_images_and_prepares_each_batch():
    """The panel keeps the images it was given (no float copy) and trains exactly as on
    the prepared inputs."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(64, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 64)
    raw = widgets.training_panel(images, labels, images[:16], labels[:16], hidden=8)
    assert raw.x_train.shape == (64, 784) and np.shares_memory(raw.x_train, images)
    inputs = prepare(images)
    prepared = widgets.training_panel(inputs, labels, inputs[:16], labels[:16], hidden=8)
    for panel in (raw, prepared):
        panel.tick()
    assert raw.trainer.history.steps == 20
    assert raw.trainer.history.loss == prepared.trainer.history.loss
    assert raw.validation_accuracy == prepared.validation_accuracy


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
    assert f"validation accuracy {panel.test_accuracy[-1]:.1%}" in panel.title.get_text()
    assert panel.validation_accuracy is panel.test_accuracy
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
    panel.controls["start"].click()  # the play button starts the Play widget's timer
    assert panel.controls["play"].playing is True
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


def test_training_panel_stop_during_a_tick_pauses_and_says_so(digits, monkeypatch):
    """Issue 12: Stop while Play ran a tick ended that tick, but Play went on ticking."""
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    trainer = panel.trainer
    real_step, calls = trainer.step, []

    def step_then_stop():
        calls.append(1)
        loss = real_step()
        if len(calls) == 2:
            raise KeyboardInterrupt  # the Stop button, during the second step
        return loss

    monkeypatch.setattr(trainer, "step", step_then_stop)
    panel.controls["play"].playing = True
    panel.controls["play"].value = 1
    assert panel.controls["play"].playing is False
    assert trainer.history.interrupted and trainer.history.steps == 2
    title = panel.title.get_text()
    assert "interrupted" in title and "press play to go on" in title, title
    monkeypatch.setattr(trainer, "step", real_step)
    panel.controls["step"].click()  # going on trains again, and the notice goes
    assert trainer.history.steps == 7 and not trainer.history.interrupted
    assert "press play to go on" not in panel.title.get_text()


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


def diverge(panel):
    panel.controls["learning_rate"].value = 10
    panel.controls["momentum"].value = 0.99
    for _ in range(20):
        panel.tick()
        if panel.trainer.history.diverged:
            return
    raise AssertionError("did not diverge")


def inside(figure, artist) -> bool:
    figure.canvas.draw()
    box = artist.get_window_extent(figure.canvas.get_renderer())
    return box.x0 >= 0 and box.y0 >= 0 and box.x1 <= figure.bbox.x1 and box.y1 <= figure.bbox.y1


def test_training_panel_divergence_message_fits_in_the_figure(digits):
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    diverge(panel)
    assert inside(panel.figure, panel.title)
    title = panel.title.get_window_extent()
    for ax in (panel.ax_loss, panel.ax_acc):
        assert title.y0 > ax.title.get_window_extent().y1  # above the panels' own titles


@pytest.mark.parametrize("control", ["step", "play", "learning_rate"])
def test_training_panel_after_divergence_says_press_reset(digits, control):
    """Issue 12: lowering the learning rate and pressing step/play did nothing, silently."""
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    diverge(panel)
    panel.controls["learning_rate"].value = 0.01
    steps = panel.trainer.history.steps
    if control == "step":
        panel.controls["step"].click()
    elif control == "play":
        panel.controls["play"].playing = True
        panel.controls["play"].value += 1
        assert panel.controls["play"].playing is False
    assert panel.trainer.history.steps == steps
    assert "diverged — press reset" in panel.title.get_text()
    assert panel.controls["reset"].button_style == "danger"
    panel.controls["reset"].click()
    panel.controls["step"].click()
    assert panel.trainer.history.steps == 5 and "press reset" not in panel.title.get_text()
    assert panel.trainer.optimizer.learning_rate == 0.01


def test_training_panel_first_accuracy_point_is_whole(digits):
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=20)
    panel.tick()
    (x,), (y,) = line_xy(panel.acc_line)
    left, right = panel.ax_acc.get_xlim()
    bottom, top = panel.ax_acc.get_ylim()
    marker = 0.5 * panel.acc_line.get_markersize() / 72 * panel.figure.dpi  # pixels
    to_pixels = panel.ax_acc.transData.transform
    (px, py), (px1, py1) = to_pixels([(x, y), (right, top)])
    assert px + marker <= px1 and left < x < right and bottom < y < top


# ------------------------------------------------------ closing old widgets ----


def test_rerunning_a_cell_closes_the_widget_it_built_before(digits, monkeypatch):
    """Issue 12: each re-run kept the old panel, its model and data alive."""
    from helpers.widgets import explorer as shared

    key = {"value": ("cell-a", "run-1")}
    monkeypatch.setattr(shared, "_cell_key", lambda: key["value"])
    monkeypatch.setattr(shared, "_LIVE", {})
    first = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    same_cell_second = widgets.learning_rate_explorer()
    key["value"] = ("cell-b", "run-2")
    other_cell = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    key["value"] = ("cell-a", "run-3")  # cell a again
    again = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    assert first.closed and first.trainer is None and first.x_train is None
    assert first.controls["learning_rate"].comm is None and first.output.comm is None
    assert not again.closed and not other_cell.closed
    assert not same_cell_second.closed  # a different widget in the same cell stays
    again.tick()
    assert again.trainer.history.steps == 5


def test_training_panel_shares_the_data_it_is_given(digits):
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    assert np.shares_memory(panel.x_train, digits[0])
    assert np.shares_memory(panel.x_test, digits[2])


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


NOTEBOOK_DPI = 100  # what use_notebook_style sets; a column is ~950 px at 1280 px


def assert_fits_a_notebook_column(fig, max_per_row=3):
    """≤ 9.5 in wide (shown unshrunk in a ~950 px column), ≤ 3 panels a row, text ≥ 8 pt."""
    assert fig.get_figwidth() <= 9.5
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    rows = {}
    for ax in visible:
        rows.setdefault(round(ax.get_subplotspec().rowspan.start), []).append(ax)
    assert max(len(row) for row in rows.values()) <= max_per_row
    fig.savefig(io.BytesIO(), dpi=NOTEBOOK_DPI)
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # inches, all that is drawn
    assert drawn.x0 >= -0.01 and drawn.x1 <= fig.get_figwidth() + 0.01
    for text in fig.findobj(matplotlib.text.Text):
        on = text.axes is None or text.axes.axison
        if on and text.get_visible() and text.get_text().strip():
            assert text.get_fontsize() >= 8, text.get_text()


@pytest.mark.parametrize(
    "make",
    [
        lambda: widgets.learning_rate_figure(
            "bowl", learning_rates=(0.05, 0.3, 0.45, 0.55), steps=40
        ),
        lambda: widgets.learning_rate_figure("parabola"),
        lambda: widgets.momentum_figure("bowl", momenta=(0.0, 0.5, 0.9), learning_rate=0.6),
        lambda: widgets.momentum_figure("two_wells", learning_rate=0.05, steps=200),
        lambda: widgets.naive_update_figure(seed=2),
    ],
    ids=["lr-bowl", "lr-parabola", "momentum-bowl", "momentum-two-wells", "naive"],
)
def test_static_figures_fit_a_notebook_column(make):
    """Issue 11: the 5-panel rows shrank to the column and labels were 5–7 px tall."""
    assert_fits_a_notebook_column(make())


@pytest.mark.parametrize("figure", [widgets.learning_rate_figure, widgets.momentum_figure])
def test_each_path_has_the_colour_of_its_loss_curve(figure):
    fig = figure()
    loss_ax = [ax for ax in fig.axes if ax.get_title() == "loss per iteration"][0]
    curves = [line.get_color() for line in loss_ax.lines]
    paths = [line.get_color() for ax in fig.axes for line in ax.lines if line.get_label() == "path"]
    assert len(paths) == len(curves) >= 3 and len(set(paths)) == len(paths)
    for path, curve in zip(paths, curves, strict=True):
        assert matplotlib.colors.same_color(path, curve)


def test_training_figure(digits):
    fig = widgets.training_figure(*digits, learning_rates=(0.1, 50.0), steps=20, hidden=16)
    assert_fits_a_notebook_column(fig)
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


# ------------------------------------------------------- in a real kernel ----


def test_inline_figure_is_the_output_widgets_state():
    """The PNG is put into the Output widget's state (one comm message) instead of being
    displayed into it, which needs a client to route display messages back (issue 12)."""
    explorer = widgets.momentum_explorer("bowl", learning_rate=0.6)
    (output,) = explorer.output.outputs
    assert output["output_type"] == "display_data"
    assert base64.b64decode(output["data"]["image/png"]) == explorer.png
    explorer.controls["momentum"].value = 0.9
    assert base64.b64decode(explorer.output.outputs[0]["data"]["image/png"]) == explorer.png


def _burn(stop):
    while not stop.is_set():
        sum(range(10_000))


def test_widget_cells_under_load_in_nbclient_do_not_stall_and_rerun_closes_the_old():
    """Issue 12: under CPU load, the cell after notebook 07's momentum_explorer cell waited
    out the whole cell timeout in 3–5 of 8 nbclient runs. Here: 4 runs beside 2 busy
    processes, each bounded well below the timeout; re-running the widget cell closes the
    widget it built before."""
    import multiprocessing
    import time

    import nbformat
    from nbclient import NotebookClient

    cells = [
        "from helpers.widgets import momentum_explorer",
        'explorer = momentum_explorer("bowl", learning_rate=0.6, momentum=0.5)\nexplorer',
        "first = explorer",
        'explorer = momentum_explorer("bowl", learning_rate=0.6, momentum=0.5)\nexplorer',
        "assert first.closed and not explorer.closed\n"
        "assert explorer.optimizer.learning_rate == 0.6",
    ]
    stop = multiprocessing.Event()
    load = [multiprocessing.Process(target=_burn, args=(stop,)) for _ in range(2)]
    for process in load:
        process.start()
    try:
        for _ in range(4):
            notebook = nbformat.v4.new_notebook(
                cells=[nbformat.v4.new_code_cell(code) for code in cells]
            )
            client = NotebookClient(
                notebook,
                timeout=60,
                kernel_name="python3",
                resources={"metadata": {"path": str(ROOT)}},
            )
            start = time.perf_counter()
            client.execute()  # raises if a cell fails
            assert time.perf_counter() - start < 30
    finally:
        stop.set()
        for process in load:
            process.join()


def test_log_axes_label_their_ticks_as_plain_numbers():
    """0.6 and 0.001, not matplotlib's 6e-01 and 1e-03 (read on a projector)."""
    import matplotlib.pyplot as plt

    from helpers.widgets.explorer import _plain_log_axis

    fig, ax = plt.subplots()
    try:
        ax.set_yscale("log")
        _plain_log_axis(ax.yaxis)
        for low, high, expected in ((0.2, 2.5, {"0.3", "0.6", "1", "2"}), (1e-3, 1, {"0.001"})):
            ax.set_ylim(low, high)
            fig.canvas.draw()
            labels = {t.get_text() for t in ax.get_yticklabels(which="both") if t.get_visible()}
            labels.discard("")
            assert expected <= labels, labels
            assert not [label for label in labels if "e-0" in label or "e\u22120" in label]
    finally:
        plt.close(fig)


# ------------------------------------------------- issue 25: seams 2 and 4 ----

CLAMP_SCRIPT = """
import warnings
from helpers import widgets
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    explorer = widgets.{builder}
said = [str(w.message) for w in caught if issubclass(w.category, widgets.SliderWarning)]
print(explorer.controls["learning_rate"].value, len(said), said[0] if said else "")
"""


@pytest.mark.parametrize(
    "builder",
    [
        "learning_rate_explorer('parabola', learning_rate=100, backend='inline')",
        "momentum_explorer('bowl', learning_rate=100, momentum=5, backend='inline')",
    ],
    ids=["learning_rate_explorer", "momentum_explorer"],
)
def test_a_widget_built_out_of_range_says_so_under_every_hash_seed(builder):
    """Issue 25: learning_rate=100 became 10 silently under half of all hash seeds (the
    order in which traitlets validated value, min and max)."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    env["OPENBLAS_NUM_THREADS"] = "1"
    for seed in range(8):
        done = subprocess.run(
            [sys.executable, "-c", CLAMP_SCRIPT.format(builder=builder)],
            capture_output=True,
            text=True,
            env=env | {"PYTHONHASHSEED": str(seed)},
        )
        value, count, message = done.stdout.strip().split(" ", 2)
        assert (float(value), int(count) >= 1) == (10.0, True), (seed, done.stdout, done.stderr)
        assert "learning rate = 100 is outside this slider's range" in done.stdout, seed


def test_a_training_panel_built_out_of_range_says_so(digits):
    with pytest.warns(widgets.SliderWarning, match="learning rate = 100 is outside"):
        panel = widgets.training_panel(*digits, hidden=16, learning_rate=100)
    assert panel.trainer.optimizer.learning_rate == 10.0


def test_two_quick_stops_during_play_pause_the_panel_and_a_queued_tick_waits(digits, monkeypatch):
    """Issue 25: the second Stop escaped the tick, and a Play tick queued before the pause
    then ran a whole tick while the panel was paused."""
    module = sys.modules["helpers.widgets.training_panel"]  # (the name is also a function)

    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    trainer = panel.trainer
    real_step, real_evaluate, calls = trainer.step, module.evaluate, []

    def step_then_stop():
        calls.append(1)
        loss = real_step()
        if len(calls) == 2:
            raise KeyboardInterrupt  # the first Stop, during the trainer's steps
        return loss

    def evaluate_then_stop(*args, **kwargs):
        raise KeyboardInterrupt  # the second Stop, while the tick measures accuracy

    monkeypatch.setattr(trainer, "step", step_then_stop)
    monkeypatch.setattr(module, "evaluate", evaluate_then_stop)
    panel.controls["start"].click()
    panel.controls["play"].value = 1  # a tick of Play: no KeyboardInterrupt escapes it
    assert panel.controls["play"].playing is False
    assert trainer.history.steps == 2
    assert "stopped — press play to go on" in panel.title.get_text()
    assert "Stopped — press play to go on." in panel.status.value
    monkeypatch.setattr(trainer, "step", real_step)
    monkeypatch.setattr(module, "evaluate", real_evaluate)
    panel.controls["play"].value = 2  # queued in the browser before it heard of the pause
    assert trainer.history.steps == 2  # paused: no training
    panel.controls["start"].click()  # play again: ticks train
    panel._last_tick_end = 0.0
    panel.controls["play"].value = 3
    assert trainer.history.steps == 7


def test_a_stop_during_the_redraw_is_caught_and_drawn_again(digits, monkeypatch):
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    real_show, calls = panel._show, []

    def show_once_interrupted():
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        real_show()

    monkeypatch.setattr(panel, "_show", show_once_interrupted)
    panel.tick()
    assert len(calls) == 2 and panel.trainer.history.steps == 5
    assert "stopped" in panel.status.value.lower()


# ------------------------------------------------------------ accessibility ----


def _live_text(panel) -> str:
    import html
    import re

    found = re.fullmatch(
        r'<div class="engine-status" role="status" aria-live="polite" aria-atomic="true">'
        r"(.*)</div>",
        panel.status.value,
    )
    assert found, panel.status.value
    return html.unescape(found.group(1))


def test_the_training_panel_says_its_state_in_a_live_region(digits):
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    assert _live_text(panel).startswith("Step 0, epoch 0")
    panel.controls["step"].click()
    text = _live_text(panel)
    loss = panel.trainer.history.loss[-1]
    accuracy = panel.validation_accuracy[-1]
    epoch = panel.trainer.epoch
    assert (
        f"Step 5, epoch {epoch}, training loss {loss:.3g}, validation accuracy {accuracy:.1%}"
        in text
    )
    assert "learning rate 0.1, momentum 0." in text
    panel.controls["start"].click()
    assert _live_text(panel).endswith("Playing.")
    panel.controls["pause"].click()
    assert not _live_text(panel).endswith("Playing.")
    diverge(panel)
    assert "Diverged — press reset." in _live_text(panel)
    panel.controls["start"].click()  # play after divergence: it says why nothing happens
    assert panel.controls["play"].playing is False
    assert "nothing to train" in _live_text(panel)


def test_the_play_widget_is_driven_by_buttons_with_names(digits):
    """The Play widget's own buttons are icons without a name: it is hidden, and text
    buttons (play, pause, N steps, reset) drive it."""
    panel = widgets.training_panel(*digits, hidden=16, steps_per_tick=5)
    assert panel.controls["play"].layout.display == "none"
    names = [panel.controls[k].description for k in ("start", "pause", "step", "reset")]
    assert names == ["play", "pause", "5 steps", "reset"]


@pytest.mark.parametrize(
    "make, control, value, words",
    [
        (
            lambda: widgets.learning_rate_explorer("parabola", steps=10, backend="inline"),
            "learning_rate",
            1.1,
            ["SGD(learning_rate=1.1)", "x axis 'iteration'", "diverging", "rises from 100"],
        ),
        (
            lambda: widgets.momentum_explorer("bowl", steps=30, backend="inline"),
            "momentum",
            0.9,
            ["momentum=0.9", "path: 31 points", "x axis 'x₁'"],
        ),
        (
            lambda: widgets.naive_update_explorer(seed=2, backend="inline"),
            "epsilon",
            0.01,
            ["ε = 0.01", "bars: w − ε"],
        ),
    ],
    ids=["learning_rate", "momentum", "naive_update"],
)
def test_a_widgets_picture_carries_its_description_as_alt_text(make, control, value, words):
    import html
    import re

    explorer = make()
    before = explorer.description
    explorer.controls[control].value = value
    (output,) = explorer.output.outputs
    data = output["data"]
    alt = html.unescape(re.search(r'alt="([^"]*)"', data["text/html"]).group(1))
    assert alt == data["text/plain"] == explorer.description != before
    for word in words:
        assert word in alt, (word, alt)


def test_the_loss_axis_follows_a_loss_that_falls_below_it():
    """07 seam: momentum 0.5 on the bowl at η = 0.6 ends near 1e-17, below the log axis's
    starting floor (1e-10 × the first loss); the axis extends down instead of losing it."""
    explorer = widgets.momentum_explorer(
        "bowl", optimizer="momentum", learning_rate=0.6, momentum=0.75, backend="inline"
    )
    try:
        explorer.controls["momentum"].value = 0.5
        ax = explorer.figure.axes[1]
        losses = ax.get_lines()[0].get_ydata()
        assert ax.get_ylim()[0] < np.min(losses[losses > 0]) < 1e-15
    finally:
        explorer.close()
