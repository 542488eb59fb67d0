"""On the course site each ipywidgets explorer shows the figure it last drew, as a PNG.

A static page has no kernel, so sliders cannot move there. When myst-nb executes a
notebook, nbclient saves the state of every widget in the notebook's metadata; an
explorer of ``helpers.widgets`` keeps its figure as a PNG in an ``Output`` widget inside
that state. This transform runs while a notebook page is read: for each widget output it
walks the saved state from the displayed widget down, writes the PNG next to myst-nb's
other output images (so Sphinx copies it like any figure) and puts it in place of the
widget, with a caption built from the controls' values and a pointer to the launch
buttons. The widget state itself is then dropped from the page: with no widget manager
loaded (``nb_ipywidgets_js = {}``) it would only be dead weight.

A progress bar (tqdm's notebook bar, e.g. from ``fit``) becomes the text line tqdm prints
in a terminal, with the numbers it ended on. Any other widget output without a picture in
its state is a build warning (an error under ``-W``), so a widget that stops drawing into
its ``Output`` cannot silently vanish from the site. The picture's alt text is the
description the widget drew it with (what it shows, with its numbers).
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from pathlib import Path

from docutils import nodes
from docutils.transforms import Transform
from myst_nb.core.render import WIDGET_VIEW_MIMETYPE
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.util import logging

logger = logging.getLogger(__name__)

_MODEL_ID = re.compile(r'"model_id"\s*:\s*"([^"]+)"')
_STATE_KEY = "ipywidgets_state"


def widget_state(env, docname: str) -> dict:
    """{model_id: {"model_name": ..., "state": {...}}} saved for this notebook, or {}."""
    js_files = NbMetadataCollector.get_doc_data(env).get(docname, {}).get("js_files", {})
    if _STATE_KEY not in js_files:
        return {}
    _uri, kwargs = js_files[_STATE_KEY]
    return json.loads(kwargs["body"]).get("state", {})


def _children(state: dict, model_id: str):
    """The model and every model below it, depth first (``IPY_MODEL_<id>`` references)."""
    model = state.get(model_id)
    if model is None:
        return
    yield model
    for child in model.get("state", {}).get("children", []):
        yield from _children(state, child.removeprefix("IPY_MODEL_"))


def pictures(state: dict, model_id: str) -> list[tuple[bytes, str]]:
    """(PNG, description) of each image shown by the ``Output`` widgets under
    ``model_id``; the description is the image's text/plain form (helpers.widgets puts
    what the figure shows there), "" if it has none."""
    found = []
    for model in _children(state, model_id):
        if model.get("model_name") != "OutputModel":
            continue
        for output in model["state"].get("outputs", []):
            data = output.get("data", {})
            png = data.get("image/png")
            if png:
                text = data.get("text/plain", "")
                found.append((base64.b64decode(png), "".join(text).strip()))
    return found


def control_values(state: dict, model_id: str) -> list[str]:
    """``description = value`` for the sliders, dropdowns and toggles under ``model_id``."""
    values = []
    for model in _children(state, model_id):
        name, widget = model.get("model_name", ""), model.get("state", {})
        label = widget.get("description", "").strip().rstrip(":")
        if not label:
            continue
        if name.endswith("SliderModel") and "value" in widget:
            value = widget["value"]
            values.append(
                f"{label} = {value:g}" if isinstance(value, float) else f"{label} = {value}"
            )
        elif name in ("DropdownModel", "ToggleButtonsModel", "RadioButtonsModel"):
            index, labels = widget.get("index"), widget.get("_options_labels", [])
            if isinstance(index, int) and 0 <= index < len(labels):
                values.append(f"{label} = {labels[index]}")
        elif name in ("CheckboxModel", "ToggleButtonModel"):
            values.append(f"{label} = {'on' if widget.get('value') else 'off'}")
    return values


def progress_line(state: dict, model_id: str, width: int = 10) -> str:
    """tqdm's text line for a progress-bar widget (``100%|██████████| 469/469 [...]``), or ""."""
    parts, found = [], False
    for model in _children(state, model_id):
        name, widget = model.get("model_name", ""), model.get("state", {})
        if name == "HTMLModel":
            text = re.sub(r"<[^>]+>", "", html.unescape(widget.get("value", "")))
            parts.append(text.replace("\u2007", " ").strip())
        elif name in ("FloatProgressModel", "IntProgressModel"):
            found = True
            low, high = widget.get("min", 0), widget.get("max", 0) or 1
            filled = round(width * min(max((widget.get("value", 0) - low) / (high - low), 0), 1))
            parts.append("|" + "█" * filled + " " * (width - filled) + "| ")
    return "".join(part for part in parts if part).strip() if found else ""


class WidgetSnapshots(Transform):
    """Replace each widget output of a notebook page by the picture it last showed."""

    default_priority = 500

    def apply(self) -> None:
        env = self.document.settings.env
        state = widget_state(env, env.docname)
        NbMetadataCollector.get_doc_data(env).get(env.docname, {}).get("js_files", {}).pop(
            _STATE_KEY, None
        )
        views = [
            node
            for node in self.document.findall(nodes.container)
            if node.get("mime_type") == WIDGET_VIEW_MIMETYPE
        ]
        if not views:
            return
        output_folder = Path(env.mystnb_config.output_folder)
        for view in views:
            found = _MODEL_ID.search(view.astext())
            model_id = found.group(1) if found else ""
            images = pictures(state, model_id) if model_id else []
            progress = progress_line(state, model_id) if model_id and not images else ""
            if progress:
                view.children = [
                    nodes.literal_block(progress, progress, classes=["output", "text_plain"])
                ]
                continue
            if not images:
                logger.warning(
                    "a widget output has no picture in the saved widget state (model %r); "
                    "the static site cannot show it. Draw the figure into an ipywidgets "
                    "Output as helpers.widgets' explorers do, or display a static figure too",
                    model_id,
                    location=view,
                )
                view.parent.remove(view)
                continue
            view.children = []
            for number, (png, description) in enumerate(images):
                path = output_folder.joinpath(*env.docname.split("/")[:-1])
                path = path / f"{env.docname.split('/')[-1]}-widget-{model_id}-{number}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(png)
                uri = "/" + str(Path(_relative(path, env.srcdir)).as_posix())
                if not description:
                    logger.warning(
                        "a widget's picture has no description (model %r); helpers.widgets "
                        "puts one in its Output as text/plain",
                        model_id,
                        location=view,
                    )
                view += nodes.image(uri=uri, alt=description, classes=["widget-snapshot"])
            values = control_values(state, model_id)
            text = "The widget's figure as the notebook left it"
            text += f" ({', '.join(values)})." if values else "."
            text += " " + env.config.widget_snapshots_hint
            view += nodes.paragraph(text=text, classes=["widget-snapshot-caption"])


def _relative(path: Path, start) -> str:
    return os.path.relpath(path.resolve(), Path(start).resolve())


def setup(app):
    app.setup_extension("myst_nb")
    app.add_config_value(
        "widget_snapshots_hint", "The controls need a running notebook.", "env", types=[str]
    )
    app.add_transform(WidgetSnapshots)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
