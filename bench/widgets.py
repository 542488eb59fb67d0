"""Widgets: seconds from a slider move to a new figure, inline and with ipympl (headless, and
in the state a connected browser leaves the canvas in)."""

from __future__ import annotations

import json

import numpy as np

from .common import _median, _python, _run

# --------------------------------------------------------------------- widgets ----


def widget_redraws(
    x, y, moves: int = 20, backend: str = "inline", browser_attached: bool = False
) -> dict:
    """Median and max seconds of a redraw after a slider move, for each widget builder.

    backend "inline" renders PNGs with Agg; "ipympl" needs matplotlib's backend set to
    ipympl first (``widget_redraws_ipympl`` does that in a fresh process). With no browser,
    ipympl also encodes every frame as a PNG for the notebook file; ``browser_attached``
    puts each canvas in the state a browser's "initialized" message leaves it in, where
    ipympl sends only the changed pixels.
    """
    try:
        from helpers import widgets
    except ImportError as err:
        return {"missing": f"helpers.widgets could not be imported ({err})"}
    if not hasattr(widgets, "time_redraws"):
        return {"missing": "helpers.widgets.time_redraws missing"}
    n_test = min(2000, len(x))
    cases = [
        (
            "naive_update_explorer",
            "epsilon",
            lambda: widgets.naive_update_explorer(backend=backend),
            np.geomspace(1e-3, 0.5, moves),
        ),
        (
            "learning_rate_explorer",
            "learning_rate",
            lambda: widgets.learning_rate_explorer(backend=backend),
            np.geomspace(0.01, 1.2, moves),
        ),
        (
            "momentum_explorer",
            "momentum",
            lambda: widgets.momentum_explorer(backend=backend),
            np.linspace(0.0, 0.95, moves),
        ),
        (
            "training_panel",
            "learning_rate",
            lambda: widgets.training_panel(x, y, x[:n_test], y[:n_test], backend=backend),
            np.geomspace(0.01, 1.0, moves),
        ),
        (
            "training_panel",
            "step",
            lambda: widgets.training_panel(x, y, x[:n_test], y[:n_test], backend=backend),
            [None] * moves,
        ),
    ]
    rows = []
    for builder, control, make, values in cases:
        try:
            widget = make()
            if browser_attached:
                widget.figure.canvas.syncing_data_url = False  # what "initialized" does
            times = widgets.time_redraws(widget, control, list(values))
            rows.append(
                {
                    "builder": builder,
                    "control": control,
                    "moves": len(times),
                    "median": _median(times),
                    "max": max(times),
                }
            )
        except Exception as err:  # noqa: BLE001 - one broken widget should not stop the rest
            rows.append(
                {"builder": builder, "control": control, "error": f"{type(err).__name__}: {err}"}
            )
    if backend == "inline":
        label = "inline (PNG rendered by Agg)"
    elif browser_attached:
        label = "ipympl, as with a browser attached (only the changed pixels are sent)"
    else:
        label = (
            "ipympl, headless (no browser attached, so ipympl also encodes a PNG of each "
            "frame for the notebook file)"
        )
    return {"rows": rows, "backend": label}


_IPYMPL_CHILD = """
import json, sys
import matplotlib
matplotlib.use("module://ipympl.backend_nbagg")
import numpy as np
import bench
rng = np.random.default_rng(0)
x = rng.random((4096, 784), dtype=np.float32)  # MNIST-shaped; redraw cost is what is timed
y = rng.integers(0, 10, size=4096)
attached = sys.argv[2] == "attached"
print(json.dumps(bench.widget_redraws(x, y, int(sys.argv[1]), "ipympl", attached)))
"""


def widget_redraws_ipympl(moves: int = 20, browser_attached: bool = False) -> dict:
    """``widget_redraws`` with ipympl's backend (``%matplotlib widget``), in a fresh process."""
    try:
        import ipympl  # noqa: F401
    except ImportError:
        return {"missing": "ipympl is not installed (pip install -e '.[lab]')"}
    try:
        mode = "attached" if browser_attached else "headless"
        out = _run(_python(_IPYMPL_CHILD, str(moves), mode))
        return json.loads(out.strip().splitlines()[-1])
    except Exception as err:  # noqa: BLE001
        return {"missing": f"{type(err).__name__}: {err}"}
