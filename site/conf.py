"""The course site: the instructor notebooks, executed, as a static web book (``make site``).

Built with ``sphinx-build -c site notebooks build/site``: the notebooks folder is the source,
this folder holds only the configuration, so the notebooks' own relative links
(``[next](02_training_loop.ipynb)``) resolve on the site as they do in Jupyter.
Nothing is fetched from the network, neither at build time (no intersphinx, no remote
images) nor by the pages (math is MathML, widgets are shown as their last picture).
"""

import json
import os
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path[:0] = [str(SITE / "_ext"), str(ROOT / "tools")]

import course  # noqa: E402  (tools/course.py: the one reader of the course's address)


def repository() -> str:
    """owner/name from pyproject.toml's [project.urls] Repository; without that key, the
    documented default, which means "not set yet"."""
    try:
        return course.read_repo(ROOT)
    except course.CourseError:
        return course.PLACEHOLDER


def theme_options(repo_slug: str) -> dict:
    """sphinx-book-theme's options: with an address set, a link to the repository and
    launch buttons that open each page's notebook on Binder or Colab; without one, none
    (links to a placeholder cannot work)."""
    options = {"show_toc_level": 1, "use_download_button": True}
    if course.is_set(repo_slug):
        options |= {
            "repository_url": course.address(repo_slug),
            "repository_branch": course.BRANCH,
            "path_to_docs": "notebooks",
            "use_repository_button": True,
            "launch_buttons": {
                "binderhub_url": "https://mybinder.org",
                "colab_url": "https://colab.research.google.com",
                "notebook_interface": "jupyterlab",
            },
        }
    return options


project = "The Engine of Neural Networks"
author = "The Engine of Neural Networks authors"
copyright = "the course authors"  # noqa: A001 (Sphinx's name)
root_doc = "00_index"
# The lessons in order; the index (the home page) lists them in a hidden table of contents.
LESSONS = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if p.stem != root_doc)
exclude_patterns = ["student", "**/.ipynb_checkpoints"]

extensions = [
    "myst_nb",
    "figure_descriptions",
    "widget_snapshots",
    "mathml_math",
    "feedback_outputs",
]
myst_enable_extensions = ["dollarmath"]
html_math_renderer = "mathml"

# Every notebook runs fresh at build time (they are committed without outputs); a cell
# that raises stops the build, and no cell may take longer than the tests allow.
nb_execution_mode = "force"
nb_execution_timeout = 120
nb_execution_raise_on_error = True
nb_execution_show_tb = True
# No widget manager from a CDN: widget_snapshots shows each widget's last picture instead.
nb_ipywidgets_js = {}

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["course.css"]
templates_path = ["_templates"]
html_sidebars = {
    "**": [
        "navbar-logo.html",
        "search-button-field.html",
        "sbt-sidebar-nav.html",
        "glossary-link.html",
    ]
}
# A static host serves index.html: it forwards to the index notebook's page.
html_additional_pages = {"index": "redirect.html"}
html_last_updated_fmt = None
html_show_sourcelink = False
REPOSITORY = repository()
html_theme_options = theme_options(REPOSITORY)
# What the caption under a widget's picture tells the reader to do to move its controls.
widget_snapshots_hint = "The controls need a running notebook: " + (
    "open this page on Binder or Colab with the launch button at the top."
    if course.is_set(REPOSITORY)
    else "open this notebook in Jupyter."
)


def prepare_notebook(app, docname, source):
    """Adjust the copy of a notebook that Sphinx reads (the file itself is not changed).

    The Colab cell (it only runs on Colab) is folded away: "Show code cell source" opens it.
    The index gets a hidden toctree of the lessons: the sidebar and the previous/next
    links follow it.
    """
    notebook = json.loads(source[0])
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and "google.colab" in "".join(cell["source"]):
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            tags.append("hide-input")
    if docname == root_doc:
        add_table_of_contents(notebook)
    source[0] = json.dumps(notebook)


def add_table_of_contents(notebook: dict) -> None:
    entries = "\n".join(LESSONS)
    notebook["cells"].append(
        {
            "cell_type": "markdown",
            "id": "site-table-of-contents",
            "metadata": {},
            "source": f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{entries}\n```\n",
        }
    )


def setup(app):
    # The kernels inherit this environment: draw with the notebook's inline backend even
    # where MPLBACKEND says otherwise (e.g. Agg in the tests), or plt.show() shows nothing.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    app.connect("source-read", prepare_notebook)
