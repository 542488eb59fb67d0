"""Sliders for learning rate, momentum and the size of a random start: five small
explorers for the notebooks.

Each builder takes its data as arguments and returns an ipywidgets container with
    .controls  {name: slider / dropdown / button / play}
    .figure    the one matplotlib Figure it redraws
    .update()  recompute from the controls' current values and redraw
The computation is the package's own (``landscapes.descend``, ``train.Trainer``,
``gradients.numerical_partial``); a widget only wires controls to it. Captions and titles
are built from the current values.

Two ways to show the figure, chosen from matplotlib's backend (or ``backend=``):
    "inline"  (default, also Colab): each redraw renders a PNG into one ``Output`` widget
    "ipympl"  (after ``%matplotlib widget``): the figure's canvas is embedded and the
              artists are moved in place (``set_data`` + ``draw_idle``)
The artists are changed by the same code in both; only the last step differs.

Sliders keep exactly the value a cell gives them (``ExactLogSlider``), refuse NaN/inf and
say when they clamp (``SliderWarning``). Re-running the cell that built a widget closes
the old one (its controls, figure, Output and the data it held).

For a notebook read on GitHub or printed, each explorer has a static twin drawing the
same picture for a few fixed values: ``naive_update_figure``, ``initialization_figure``,
``learning_rate_figure``, ``momentum_figure``, ``training_figure``.
"""

from .descent import (
    LANDSCAPE_DEFAULTS,
    learning_rate_explorer,
    learning_rate_figure,
    momentum_explorer,
    momentum_figure,
)
from .explorer import (
    OPTIMIZER_CHOICES,
    WRONG,
    ExactLogSlider,
    Explorer,
    SliderWarning,
    caption,
    detect_backend,
    get_landscape,
    make_optimizer,
    time_redraws,
)
from .initialization import initialization_explorer, initialization_figure
from .naive_update import naive_update_explorer, naive_update_figure
from .training_panel import training_figure, training_panel

__all__ = [
    "ExactLogSlider",
    "Explorer",
    "LANDSCAPE_DEFAULTS",
    "OPTIMIZER_CHOICES",
    "SliderWarning",
    "WRONG",
    "caption",
    "detect_backend",
    "get_landscape",
    "initialization_explorer",
    "initialization_figure",
    "learning_rate_explorer",
    "learning_rate_figure",
    "make_optimizer",
    "momentum_explorer",
    "momentum_figure",
    "naive_update_explorer",
    "naive_update_figure",
    "time_redraws",
    "training_figure",
    "training_panel",
]
