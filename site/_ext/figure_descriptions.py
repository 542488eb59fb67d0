"""Every figure on the course site has its description as alt text.

In a notebook, ``helpers.plots`` shows each figure as display data with three forms: the
PNG, an ``<img class="engine-figure" alt="…">`` holding the same PNG, and the description
as text. myst-nb picks the HTML form for a web page; this transform turns that ``<img>``
into an ordinary image node, its PNG written next to myst-nb's other output images (so
Sphinx copies it like any figure, and the page holds no inline data), and its alt text
kept. tests/test_site.py checks that every image on the site has a description (a figure
drawn by code that bypasses ``helpers.plots`` has none: show it with
``helpers.plots.show(fig)``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
from pathlib import Path

from docutils import nodes
from docutils.transforms import Transform

DESCRIBED = re.compile(
    r'^\s*<img class="engine-figure" alt="(?P<alt>[^"]*)" '
    r'src="data:image/png;base64,(?P<png>[A-Za-z0-9+/=\s]+)">\s*$'
)


class FigureDescriptions(Transform):
    """Replace each described figure's inline <img> by an image node with its alt text."""

    default_priority = 490  # before widget_snapshots (500), after myst-nb made the nodes

    def apply(self) -> None:
        env = self.document.settings.env
        output_folder = Path(env.mystnb_config.output_folder)
        for raw in list(self.document.findall(nodes.raw)):
            found = DESCRIBED.match(raw.astext())
            if not found:
                continue
            png = base64.b64decode(found.group("png"))
            name = hashlib.sha256(png).hexdigest() + ".png"
            path = output_folder.joinpath(*env.docname.split("/")[:-1], name)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                path.write_bytes(png)
            uri = "/" + Path(os.path.relpath(path.resolve(), Path(env.srcdir).resolve())).as_posix()
            alt = html.unescape(found.group("alt"))
            raw.replace_self(nodes.image(uri=uri, alt=alt, classes=["engine-figure"]))


def setup(app):
    app.setup_extension("myst_nb")
    app.add_transform(FigureDescriptions)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
