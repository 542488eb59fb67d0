"""The initialization explorer (notebook 2): the start's size moves the signal, in words
and in the picture."""

import matplotlib
import pytest

matplotlib.use("Agg")

from helpers.widgets.initialization import (  # noqa: E402
    initialization_explorer,
    initialization_figure,
)


@pytest.mark.parametrize(
    ("scale", "word"), [(0.25, "vanishing"), (1.0, "about level"), (4.0, "exploding")]
)
def test_the_title_says_what_the_layers_do_to_the_signal(scale, word):
    explorer = initialization_explorer(scale=scale, backend="inline")
    try:
        title = explorer.title.get_text()
        assert f"scale {scale:.3g} × He" in title and f"({word})" in title, title
        assert explorer.signal.growth() == pytest.approx(scale, rel=0.15)
        assert title in explorer.description and explorer.png
    finally:
        explorer.close()


def test_the_sliders_redraw_with_the_new_values():
    explorer = initialization_explorer(backend="inline")
    try:
        explorer.controls["layers"].value = 20
        explorer.controls["scale"].value = 0.5
        x, y = explorer.lines["activation"].get_data()
        assert len(x) == 20 and y[-1] < 1e-4 * y[0]
        assert "layer 20" in explorer.title.get_text()
        assert len(explorer.lines["activation", "He"].get_data()[0]) == 20
    finally:
        explorer.close()


def test_the_static_twin_draws_one_line_per_scale():
    fig = initialization_figure((0.5, 1.0, 2.0), layers=6)
    for ax in fig.axes:
        assert len(ax.get_lines()) == 3 and ax.get_yscale() == "log"
    styles = {(line.get_marker(), line.get_linestyle()) for line in fig.axes[0].get_lines()}
    assert len(styles) == 3  # told apart without colour


def test_the_static_twin_draws_the_signals_it_is_given():
    from helpers.initialization import signal_through_layers

    signal = signal_through_layers(1.5, depth=4)
    fig = initialization_figure([signal])
    x, y = fig.axes[0].get_lines()[0].get_data()
    assert list(x) == [1, 2, 3, 4] and list(y) == list(signal.activation_std)
