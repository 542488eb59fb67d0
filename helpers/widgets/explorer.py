"""The shared part of every widget: controls, one figure, fast redraws, and timing them."""

from __future__ import annotations

import io
import time

import ipywidgets as widgets
import numpy as np

from .. import landscapes as _landscapes
from ..landscapes import LANDSCAPES, Landscape
from ..optim import SGD, Adagrad, Adam, AdamW, RMSprop
from ..plots import (
    WRONG,
    finite,
)

OPTIMIZER_CHOICES = ("SGD", "momentum", "Nesterov", "RMSprop", "Adagrad", "Adam", "AdamW")
USES_MOMENTUM = {"momentum": "momentum", "Nesterov": "momentum", "Adam": "beta1", "AdamW": "beta1"}
_NUMPY_QUIET = dict(over="ignore", invalid="ignore", divide="ignore", under="ignore")


# --------------------------------------------------------------------- pieces ----


def get_landscape(landscape) -> Landscape:
    """A ``Landscape`` itself, or one by name: "parabola", "bowl", "banana", "two_wells",
    "two_wells_2d" (the names in ``landscapes.LANDSCAPES`` work too)."""
    if isinstance(landscape, Landscape):
        return landscape
    if isinstance(landscape, str):
        if landscape in LANDSCAPES:
            return LANDSCAPES[landscape]
        found = getattr(_landscapes, landscape.replace(" ", "_").replace("-", "").lower(), None)
        if isinstance(found, Landscape):
            return found
    names = ", ".join(
        repr(name) for name in ("parabola", "bowl", "banana", "two_wells", "two_wells_2d")
    )
    raise ValueError(f"unknown landscape {landscape!r}; use one of {names} or a Landscape.")


def make_optimizer(name: str, learning_rate: float, momentum: float = 0.0):
    """The optimizer a dropdown choice stands for.

    "SGD" plain; "momentum" SGD(momentum=momentum); "Nesterov" the same with nesterov=True
    (plain SGD when momentum is 0); "RMSprop", "Adagrad" ignore ``momentum``; "Adam",
    "AdamW" take it as beta1 (their momentum-like average of gradients).
    """
    if name == "SGD":
        return SGD(learning_rate)
    if name == "momentum":
        return SGD(learning_rate, momentum=momentum)
    if name == "Nesterov":
        return SGD(learning_rate, momentum=momentum, nesterov=momentum > 0)
    if name == "RMSprop":
        return RMSprop(learning_rate)
    if name == "Adagrad":
        return Adagrad(learning_rate)
    if name == "Adam":
        return Adam(learning_rate, beta1=momentum)
    if name == "AdamW":
        return AdamW(learning_rate, beta1=momentum)
    raise ValueError(f"unknown optimizer {name!r}; use one of {', '.join(OPTIMIZER_CHOICES)}.")


def caption(optimizer) -> str:
    """``SGD(learning_rate=0.1, momentum=0.9)`` with numbers rounded for a title."""
    parts = [f"learning_rate={optimizer.learning_rate:.3g}"]
    if isinstance(optimizer, SGD):
        if optimizer.momentum:
            parts.append(f"momentum={optimizer.momentum:.3g}")
        if optimizer.nesterov:
            parts.append("nesterov=True")
    if isinstance(optimizer, Adam):
        parts.append(f"beta1={optimizer.beta1:.3g}")
    return f"{type(optimizer).__name__}({', '.join(parts)})"


def learning_rate_slider(value: float = 0.1, description: str = "learning rate"):
    """A log-scale slider from 1e-4 to 10."""
    return widgets.FloatLogSlider(
        value=value,
        base=10,
        min=-4,
        max=1,
        step=0.05,
        description=description,
        readout_format=".3g",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )


def momentum_slider(value: float = 0.0, description: str = "momentum"):
    return widgets.FloatSlider(
        value=value,
        min=0.0,
        max=0.99,
        step=0.01,
        description=description,
        readout_format=".2f",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )


def steps_slider(value: int, maximum: int):
    return widgets.IntSlider(
        value=value,
        min=1,
        max=max(maximum, value),
        description="steps",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px"),
    )


def detect_backend() -> str:
    """ "ipympl" when matplotlib draws with ipympl (``%matplotlib widget``), else "inline"."""
    import matplotlib

    name = str(matplotlib.get_backend(auto_select=False) or "").lower()
    return "ipympl" if ("ipympl" in name or "widget" in name) else "inline"


def _new_figure(backend: str, figsize):
    if backend == "ipympl":
        import matplotlib.pyplot as plt

        with plt.ioff():  # embedded in the widget below, not shown on its own
            fig = plt.figure(figsize=figsize)
        fig.canvas.header_visible = False
        fig.canvas.toolbar_position = "right"
        return fig
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=90)
    FigureCanvasAgg(fig)
    return fig


class Explorer(widgets.VBox):
    """The shared part: controls above, one figure below, ``update()`` redraws it.

    Subclasses build their artists once, list the ones that move on every update in
    ``_animate(...)`` and implement ``_redraw()``, which only changes artists (data,
    titles) and calls ``_invalidate()`` when anything else changed (limits, a new
    landscape). Then only the moving artists are drawn over a saved background
    (blitting); a full draw happens only after ``_invalidate()``.
    """

    def __init__(self, controls: dict, figure, rows, backend: str):
        self.controls = controls
        self.figure = figure
        self.backend = backend
        self.png = b""  # the last image sent to the notebook (inline backend)
        self.full_draws = 0  # how many updates needed a full draw (the rest were blits)
        self._dynamic: list = []
        self._background = None
        self._stale = True
        figure.canvas.mpl_connect("draw_event", self._on_draw)
        if backend == "ipympl":
            self.output = None
            view = figure.canvas
        else:
            self.output = widgets.Output(layout=widgets.Layout(min_height="100px"))
            view = self.output
        super().__init__([*rows, view])

    def _observe(self, *names):
        for name in names:
            self.controls[name].observe(self.update, names="value")

    def _animate(self, *artists) -> None:
        for artist in artists:
            artist.set_animated(True)
            self._dynamic.append(artist)

    def _invalidate(self) -> None:
        """Something besides the moving artists changed: the next show draws everything."""
        self._stale = True

    def update(self, change=None) -> None:
        """Recompute from the current control values and redraw the one figure."""
        with np.errstate(**_NUMPY_QUIET):
            self._redraw()
        self._show()

    def _redraw(self) -> None:
        raise NotImplementedError

    def _on_draw(self, event) -> None:
        """After every full draw: keep it as the background, then add the moving artists."""
        canvas = self.figure.canvas
        if event.renderer is not getattr(canvas, "renderer", None):
            for artist in self._dynamic:  # e.g. savefig: just draw everything there
                artist.draw(event.renderer)
            return
        self._background = canvas.copy_from_bbox(self.figure.bbox)
        self._background_size = (event.renderer.width, event.renderer.height)
        self._draw_dynamic()

    def _draw_dynamic(self) -> None:
        for artist in self._dynamic:
            self.figure.draw_artist(artist)

    def _refresh(self) -> bool:
        """Bring the canvas up to date; True if that needs (or needed) a full draw."""
        canvas = self.figure.canvas
        renderer = canvas.get_renderer()
        full = (
            self._stale
            or self._background is None
            or self._background_size != (renderer.width, renderer.height)
        )
        if full:
            self.full_draws += 1
            if self.backend == "ipympl":
                canvas.draw_idle()  # the browser asks for the draw; _on_draw blits on top
            else:
                canvas.draw()
        else:
            canvas.restore_region(self._background)
            self._draw_dynamic()
            if self.backend == "ipympl":
                canvas.blit(self.figure.bbox)
        self._stale = False
        return full

    def _show(self) -> None:
        self._last_full = self._refresh()
        if self.backend == "ipympl":
            return
        self.png = _encode_png(self.figure.canvas)
        from IPython import get_ipython

        if get_ipython() is None:  # plain Python (tests, scripts): nothing to display into
            return
        from IPython.display import Image, clear_output, display

        with self.output:
            clear_output(wait=True)
            display(Image(data=self.png, format="png"))


def _encode_png(canvas) -> bytes:
    """The canvas's pixels as a PNG (fast settings: it is redrawn often)."""
    from PIL import Image

    image = Image.frombuffer(
        "RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
    )
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def _integer_x(*axes) -> None:
    """Whole-number ticks on x (steps, iterations, changes)."""
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))


def _light_axes(*axes) -> None:
    """Fewer ticks and no minor tick labels: text layout is most of a redraw's cost."""
    from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator

    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_locator(), FixedLocator):
                pass  # named ticks, e.g. under bars
            elif axis.get_scale() == "log":
                _plain_log_axis(axis)
            else:
                axis.set_major_locator(MaxNLocator(5))
                axis.set_minor_locator(NullLocator())


def _set_title(artist_owner, text: str, bad: bool) -> None:
    artist_owner.set_text(text)
    artist_owner.set_color(WRONG if bad else "black")


def _plain_log_axis(axis) -> None:
    """Log-scale tick labels as plain text (1e-08, 0.1, 2): much faster than mathtext.

    Within less than a decade (a training loss from 2.2 to 2.5) the minor ticks get
    labels too, so the axis is never left without numbers.
    """
    from matplotlib.ticker import LogFormatter, LogLocator

    axis.set_major_locator(LogLocator(numticks=6))
    axis.set_minor_locator(LogLocator(subs="auto", numticks=6))
    axis.set_major_formatter(LogFormatter(labelOnlyBase=True))
    axis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.5)))


def _autoscale(ax, values, log: bool) -> None:
    """Rescale ``ax`` to its data, unless there is nothing drawable (avoids log warnings)."""
    values = finite(values)
    drawable = values[np.isfinite(values)]
    if log:
        drawable = drawable[drawable > 0]
    if drawable.size:
        ax.relim()
        ax.autoscale_view()


# ------------------------------------------------------------------ timing ----


def time_redraws(widget: Explorer, control_name: str, values) -> list[float]:
    """Seconds from setting ``widget.controls[control_name]`` to an updated figure, per value.

    A button is clicked once per entry of ``values`` (the values themselves are ignored).
    The time counts all the kernel's work for one frame: inline, drawing and encoding the
    PNG; ipympl, the full draw the browser asks for after ``draw_idle`` (when one was
    needed) and the PNG that ipympl sends.
    """
    control = widget.controls[control_name]
    canvas = widget.figure.canvas
    times = []
    for value in values:
        start = time.perf_counter()
        if isinstance(control, widgets.Button):
            control.click()
        elif control.value == value:
            widget.update()
        else:
            control.value = value
        if widget.backend == "ipympl":
            if widget._last_full:
                canvas.draw()
            canvas.get_diff_image()
        times.append(time.perf_counter() - start)
    return times
