"""The shared part of every widget: controls, one figure, fast redraws, and timing them."""

from __future__ import annotations

import html
import io
import math
import time

import ipywidgets as widgets
import numpy as np
from traitlets import validate

from .. import landscapes as _landscapes
from ..landscapes import LANDSCAPES, Landscape
from ..optim import SGD, Adagrad, Adam, AdamW, RMSprop
from ..plots import (
    WRONG,
    describe,
    figure_bundle,
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


class SliderWarning(UserWarning):
    """A slider was given a value it cannot take (not a number, or outside its range)."""


def _say(message: str) -> None:
    """Warn at the notebook line that set the value (not inside traitlets), every time."""
    import sys
    import warnings

    frame = sys._getframe(1)
    inside = ("traitlets", "ipywidgets", "helpers" + __import__("os").sep + "widgets")
    while frame is not None and any(part in frame.f_code.co_filename for part in inside):
        frame = frame.f_back
    filename, lineno = (
        ("slider", 0) if frame is None else (frame.f_code.co_filename, frame.f_lineno)
    )
    # a fresh registry: the same kind of mistake is reported each time it happens
    warnings.warn_explicit(message, SliderWarning, filename, lineno, registry={})


class _CheckedSlider:
    """Sliders that refuse NaN/inf (keeping the last good value) and say when they clamp.

    The value is set after the range (``min``, ``max``): given together, traitlets
    validates them in an order that depends on the interpreter's hash seed, and a value
    clamped through ``max`` was clamped silently in about half of all kernels (issue 25).
    """

    def __init__(self, *args, **kwargs):
        value = kwargs.pop("value", None)
        super().__init__(*args, **kwargs)
        if value is not None:
            self.value = value

    def _bounds(self) -> tuple[float, float]:
        return float(self.min), float(self.max)

    def _check(self, value, kind):
        name = self.description or "slider"
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{name} takes a number, got {value!r}.") from None
        if not math.isfinite(value):
            _say(
                f"{name} cannot be set to {value}; it keeps {self.value:.3g}. Give a finite number."
            )
            return self.value
        low, high = self._bounds()
        if value > high or value < low:
            clamped = min(max(value, low), high)
            _say(
                f"{name} = {value:g} is outside this slider's range "
                f"({low:g} … {high:g}); it is set to {clamped:g} instead."
            )
            return kind(clamped)
        return kind(value)


class CheckedFloatSlider(_CheckedSlider, widgets.FloatSlider):
    """``ipywidgets.FloatSlider`` that says when it clamps and refuses NaN/inf."""

    @validate("value")
    def _validate_value(self, proposal):
        return self._check(proposal["value"], float)


class ExactLogSlider(_CheckedSlider, widgets.FloatLogSlider):
    """A log-scale slider that keeps exactly the number a cell gives it.

    A browser's slider can only stand on its grid (``min + k·step`` in the exponent), so
    a plain ``FloatLogSlider`` set to 0.6 shows, and sends back, 0.631. This one moves its
    grid so that the value set from Python lies on it (``step`` changes by less than 3 %),
    and ignores what a browser sends back for the position it already holds, so
    ``slider.value == 0.6`` stays true (and the readout says 0.6). Dragging or the arrow
    keys move a whole step and change the value as usual.
    """

    def __init__(self, *args, **kwargs):
        self._nominal_step = float(kwargs.get("step", 0.1))
        self._from_browser = False
        super().__init__(*args, **kwargs)
        self.step = self._grid_step(self.value)

    def _bounds(self) -> tuple[float, float]:
        return float(self.base**self.min), float(self.base**self.max)

    @validate("value")
    def _validate_value(self, proposal):
        return self._check(proposal["value"], float)

    def _exponent(self, value: float) -> float:
        return math.log(value) / math.log(self.base)

    def _grid_step(self, value: float) -> float:
        """A step close to the nominal one that puts ``value`` on the grid from ``min``."""
        nominal = getattr(self, "_nominal_step", 0.1)
        if not (value > 0 and math.isfinite(value)):
            return nominal
        offset = self._exponent(value) - self.min
        k = round(offset / nominal)
        return offset / k if k >= 1 else nominal

    def _same_position(self, value) -> bool:
        """True if ``value`` is where the browser's grid puts the current value."""
        try:
            value = float(value)
        except (TypeError, ValueError):
            return False
        if not (value > 0 and self.value > 0 and math.isfinite(value)):
            return False
        distance = abs(self._exponent(value) - self._exponent(self.value))
        return distance < 0.5 * self.step

    def set_state(self, sync_data):
        """From the browser: drop a value that is only the current one put on the grid."""
        if "value" in sync_data and self._same_position(sync_data["value"]):
            sync_data = {k: v for k, v in sync_data.items() if k != "value"}
            if not sync_data:
                return
        self._from_browser = True
        try:
            super().set_state(sync_data)
        finally:
            self._from_browser = False

    def notify_change(self, change):
        """A value set from Python: send it together with a grid that holds it."""
        if change.get("name") != "value" or self._from_browser:
            return super().notify_change(change)
        with self.hold_sync():
            self.step = self._grid_step(change["new"])
            super().notify_change(change)


def learning_rate_slider(value: float = 0.1, description: str = "learning rate"):
    """A log-scale slider from 1e-4 to 10 that keeps exactly the value it is given."""
    return ExactLogSlider(
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
    """0 … 0.99 in steps of 0.01 (a value set from code is kept as given)."""
    return CheckedFloatSlider(
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


BACKENDS = ("inline", "ipympl")


def _new_figure(backend: str, figsize):
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r}: use 'inline', 'ipympl' or leave it out (None).")
    if backend == "ipympl":
        import matplotlib.pyplot as plt

        with plt.ioff():  # embedded in the widget below, not shown on its own
            fig = plt.figure(figsize=figsize)
        if not isinstance(fig.canvas, widgets.DOMWidget):
            plt.close(fig)
            raise RuntimeError(
                "backend='ipympl' needs matplotlib's interactive widget backend: run "
                "`%matplotlib widget` in a cell first (ipympl must be installed), or leave "
                "out backend= to get the inline pictures."
            )
        fig.canvas.header_visible = False
        fig.canvas.toolbar_position = "right"
        return fig
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=90)
    FigureCanvasAgg(fig)
    return fig


# The widgets each notebook cell built, so re-running the cell can close the old ones.
_LIVE: dict = {}


def _cell_key():
    """(cell, execution) of the cell running now in IPython, or None (plain Python)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    shell = get_ipython()
    if shell is None:
        return None
    parent = {}
    if hasattr(shell, "get_parent"):  # the request being executed (ipykernel ≥ 6.?)
        parent = shell.get_parent() or {}
    if not parent:
        parent = getattr(shell, "parent_header", None) or {}
    if not parent:
        kernel = getattr(shell, "kernel", None)
        try:
            parent = kernel.get_parent() if kernel is not None else {}
        except TypeError:  # older ipykernel: get_parent(channel)
            parent = kernel.get_parent("shell")
    if not parent:
        return None
    cell = (parent.get("metadata") or {}).get("cellId") or hash(
        (parent.get("content") or {}).get("code", "")
    )
    return cell, (parent.get("header") or {}).get("msg_id")


def _replace_previous(widget) -> None:
    """Close the widget this cell built last time in the same place (a re-run cell)."""
    key = _cell_key()
    if key is None:
        return
    cell, run = key
    counts = _LIVE.setdefault("_counts", {})
    if counts.get("run") != run:
        counts.clear()
        counts["run"] = run
    kind = type(widget).__name__
    counts[kind] = counts.get(kind, 0) + 1
    slot = (cell, kind, counts[kind])
    old = _LIVE.get(slot)
    if old is not None and old is not widget:
        old.close()
    _LIVE[slot] = widget


def _close_all(widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_all(child)
    widget.close()


class Explorer(widgets.VBox):
    """The shared part: controls above, one figure below, ``update()`` redraws it.

    Subclasses build their artists once, list the ones that move on every update in
    ``_animate(...)`` and implement ``_redraw()``, which only changes artists (data,
    titles) and calls ``_invalidate()`` when anything else changed (limits, a new
    landscape). Then only the moving artists are drawn over a saved background
    (blitting); a full draw happens only after ``_invalidate()``.

    Re-running the notebook cell that built a widget closes the old one (``close()``:
    its controls, figure and Output, and the data it held), so a second Run All does
    not keep every old widget alive.
    """

    def __init__(self, controls: dict, figure, rows, backend: str):
        self.controls = controls
        self.figure = figure
        self.backend = backend
        self.closed = False
        self.png = b""  # the last image sent to the notebook (inline backend)
        self.description = ""  # what that image shows, in words (its alt text)
        self.full_draws = 0  # how many updates needed a full draw (the rest were blits)
        self._dynamic: list = []
        self._background = None
        self._stale = True
        figure.canvas.mpl_connect("draw_event", self._on_draw)
        if backend == "ipympl":
            self.output = None
            view = figure.canvas
            # ipympl's canvas (0.10) is a focusable <div> around two <canvas>, with no
            # role, name or description and no trait for one: the figure's words go in an
            # Output just above it, hidden from the eye, redone with every redraw, with
            # the script that names the sliders (see _show).
            self.words = widgets.Output(layout=widgets.Layout(height="0px", overflow="hidden"))
            rows = [*rows, self.words]
        else:
            self.output = widgets.Output(layout=widgets.Layout(min_height="100px"))
            view = self.output
        super().__init__([*rows, view])
        _replace_previous(self)

    def _release(self) -> None:
        """Subclasses: stop timers and drop the data they hold (called by ``close``)."""

    def close(self) -> None:
        """Close the controls, the Output and the figure, and let go of the data."""
        if getattr(self, "closed", True):
            return super().close()
        self.closed = True
        self._release()
        for control in self.controls.values():
            control.unobserve_all()
        for child in self.children:
            _close_all(child)
        if self.backend == "ipympl":
            import matplotlib.pyplot as plt

            plt.close(self.figure)
        self._background = None
        self._dynamic = []
        self.png = b""
        super().close()

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
        if self.closed:
            return
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
            self.description = describe(self.figure)
            words = FIGURE_WORDS.format(html.escape(self.description)) + SLIDER_NAMES
            data = {"text/html": words, "text/plain": self.description}
            self.words.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)
            return
        self.png = _encode_png(self.figure.canvas)
        self.description = describe(self.figure)
        # The image goes straight into the Output widget's state (one comm message), not
        # through ``with output: clear_output(); display(...)``: that route sends display
        # messages a client has to route back into the widget; nbclient does it by sending
        # comm messages to the kernel, and under CPU load the next cell then sometimes
        # waited out the whole cell timeout (issue 12).
        # With the PNG go its description: the alt text of the image a browser shows
        # (text/html) and the text alternative (text/plain); and the script that names
        # the sliders for a screen reader.
        data = figure_bundle(self.png, self.description)
        data["text/html"] += SLIDER_NAMES
        self.output.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)


FIGURE_WORDS = (
    '<p class="engine-figure-words" style="position: absolute; width: 1px; height: 1px; '
    "margin: -1px; padding: 0; border: 0; overflow: hidden; clip: rect(0 0 0 0); "
    'white-space: nowrap">{}</p>'
)
"""A live (ipympl) figure's description as a screen reader reads it and the eye does not
see (the usual visually hidden text): the text alternative its canvas cannot carry."""

SLIDER_NAMES = """<script>
(function (script, tries) {
  /* ipywidgets' slider handles (role="slider") have no accessible name, and a log
     slider's value reads as its exponent (-1 for 0.1). Name each handle by its label and
     its readout ("learning rate 0.1"), its value by the readout, and keep both in step. */
  function name(slider) {
    var handle = slider.querySelector(".noUi-handle");
    var label = slider.querySelector(".widget-label");
    var readout = slider.querySelector(".widget-readout");
    if (!handle) return;
    var text = label ? label.textContent.trim() : "";
    var value = readout ? readout.textContent.trim() : "";
    handle.setAttribute("aria-label", value ? text + " " + value : text);
    if (value) handle.setAttribute("aria-valuetext", value);
  }
  function start() {
    var root = script.closest(".widget-vbox");
    if (!root) {
      if (tries-- > 0) requestAnimationFrame(start);
      return;
    }
    var all = function () { root.querySelectorAll(".widget-slider").forEach(name); };
    all();
    if (root.dataset.sliderNames) return;
    root.dataset.sliderNames = "on";
    new MutationObserver(all).observe(root, {
      subtree: true, childList: true, characterData: true,
      attributes: true, attributeFilter: ["aria-valuenow"]
    });
  }
  start();
})(document.currentScript, 200);
</script>"""
"""Sent with every picture of an explorer: JupyterLab runs a script in a widget's output
(trusted), and this one gives each slider handle an accessible name with its value. Without
it a screen reader hears "slider, -1"; with it, "learning rate 0.1, slider, 0.1"."""


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
    """Log-scale tick labels as plain text (1e-08, 0.1, 0.6, 2): much faster than mathtext.

    Within less than a decade (a training loss from 2.2 to 2.5) the minor ticks get
    labels too, so the axis is never left without numbers.
    """
    from matplotlib.ticker import LogLocator

    axis.set_major_locator(LogLocator(numticks=6))
    axis.set_minor_locator(LogLocator(subs="auto", numticks=6))
    axis.set_major_formatter(_plain_log_formatter(labelOnlyBase=True))
    axis.set_minor_formatter(_plain_log_formatter(labelOnlyBase=False, minor_thresholds=(1, 0.5)))


def _plain_log_formatter(**kwargs):
    """matplotlib's LogFormatter, which decides which ticks get a label, writing each label
    in its shortest plain form: 0.6, 2, 0.001, 1e-08 (its own writes 6e-01 below 1)."""
    from matplotlib.ticker import LogFormatter

    class PlainLogFormatter(LogFormatter):
        def __call__(self, x, pos=None):
            return f"{x:g}" if super().__call__(x, pos) else ""

    return PlainLogFormatter(**kwargs)


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
