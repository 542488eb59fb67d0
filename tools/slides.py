"""Set the slide type of every cell of the lesson notebooks, for presenting them as slides.

    python tools/slides.py            # write the slide metadata into notebooks/NN_*.ipynb
    python tools/slides.py --check    # exit 1 if a notebook's slide metadata is not what
                                      # this tool would set (run it again after an edit)
    python tools/slides.py PATH ...   # only these notebooks

The slide types follow from the cells themselves, so the tool can be re-run after any
edit of a notebook and gives the same result. It owns each cell's ``slideshow`` metadata:
a slide type set by hand is overwritten. The first rule that matches wins:

Markdown cells
    - only links (the navigation line ``← previous | contents | next →``), or one line
      that links to Colab or Binder (the launch line)                     -> skip
    - starts with a ``# `` or ``## `` heading (title, each section)        -> slide
    - starts with a ``### `` heading                                      -> subslide
    - starts with ``**What to notice**`` or an exercise number (``**2.**``) -> subslide
    - any other paragraph                                                 -> (none) on the
      slide of the cell above

Code cells
    - the Colab cell (it does nothing outside Colab)                      -> skip
    - the setup cell (the first code cell that imports, before the first section)
                                                                          -> subslide, so
      the teacher can run it with Shift+Enter without crowding the title slide
    - an nbgrader answer cell (``solution``)                               -> fragment: the
      question shows first, the worked answer on the next key press
    - an nbgrader check cell (``grade``; its hidden tests give the answer away)
                                                                          -> notes (not
      projected)
    - a cell of only assertions and assignments (the notebook checking its own prose)
                                                                          -> skip
    - a cell that draws: calls ``plt``, or a function named ``plot_*``, ``show_*``,
      ``*_figure``, ``*_explorer`` or ``*_panel`` (the helpers' plots and widgets)
                                                                          -> fragment
    - any other code cell                                                 -> (none)

A cell is only hidden (skip, notes) when no later cell reads a name it defines, so the
slideshow can be run cell by cell with Shift+Enter from a fresh kernel; otherwise it stays
on its slide.

The metadata is the standard one (``cell.metadata.slideshow.slide_type``), read by
JupyterLab's presentation mode (jupyterlab-slideshow, in the ``lab`` extra), RISE and
``jupyter nbconvert --to slides``.

nbgrader keeps cell and notebook metadata, so ``make student`` carries the slides into the
student edition (there the answer cells are the blank stubs).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = ROOT / "notebooks"

# A Markdown link or image, also a badge (an image inside a link): [text](url), ![alt](src).
LINK = re.compile(r"!?\[(?:[^\[\]]|!?\[[^\]]*\]\([^)]*\))*\]\([^)]*\)")
SUBSLIDE_OPENERS = re.compile(r"^(\*\*What to notice\*\*|\*\*\d+\.)")
DRAWING_CALL = re.compile(r"^(plot_|show_)|(_figure|_explorer|_panel)$")
COLAB_MARK = "google.colab"


LAUNCH = re.compile(r"\]\(https?://(colab\.research\.google\.com|mybinder\.org)/")


def _only_links(text: str) -> bool:
    """Navigation or launch links, nothing to present."""
    rest = LINK.sub("", text)
    if rest != text and not rest.replace("|", "").replace("·", "").strip():
        return True
    return "\n" not in text.strip() and not text.startswith("#") and bool(LAUNCH.search(text))


def _python(source: str) -> ast.Module | None:
    """The cell's code as a Python syntax tree (IPython magics translated), or None."""
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def _bound_and_free(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names a cell defines, and names it reads without defining them itself."""
    bound, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound, loaded - bound


def _draws(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and DRAWING_CALL.search(function.id):
                return True
            if isinstance(function, ast.Attribute):
                base = function.value
                if isinstance(base, ast.Name) and base.id == "plt":
                    return True
    return False


def _only_checks(tree: ast.Module) -> bool:
    """Only assert statements and assignments: nothing shown, the notebook checks itself."""
    statements = tree.body
    return (
        bool(statements)
        and all(
            isinstance(s, ast.Assert | ast.Assign | ast.AnnAssign | ast.AugAssign)
            for s in statements
        )
        and any(isinstance(s, ast.Assert) for s in statements)
    )


def _read_later(trees: list[ast.Module | None], index: int) -> set[str]:
    """Names defined by cell ``index`` that a later cell reads before redefining them."""
    if trees[index] is None:
        return set()
    pending, used = _bound_and_free(trees[index])[0], set()
    for tree in trees[index + 1 :]:
        if tree is None or not pending:
            continue
        bound, free = _bound_and_free(tree)
        used |= pending & free
        pending -= bound
    return used


def slide_types(nb) -> list[str]:
    """The slide type of each cell of ``nb`` ("-" for none), by the rules above."""
    cells = nb.cells
    trees = [_python(c.source) if c.cell_type == "code" else None for c in cells]
    first_section = next(
        (
            i
            for i, c in enumerate(cells)
            if c.cell_type == "markdown" and c.source.lstrip().startswith("## ")
        ),
        len(cells),
    )
    setup = next(
        (
            i
            for i, tree in enumerate(trees[:first_section])
            if tree is not None
            and COLAB_MARK not in cells[i].source
            and any(isinstance(s, ast.Import | ast.ImportFrom) for s in tree.body)
        ),
        None,
    )
    types = []
    for index, cell in enumerate(cells):
        text = cell.source.lstrip()
        if cell.cell_type == "markdown":
            if _only_links(text):
                kind = "skip"
            elif text.startswith(("# ", "## ")):
                kind = "slide"
            elif text.startswith("### ") or SUBSLIDE_OPENERS.match(text):
                kind = "subslide"
            else:
                kind = "-"
        elif cell.cell_type == "code":
            tree = trees[index]
            grading = cell.metadata.get("nbgrader", {})
            hideable = not _read_later(trees, index)
            if COLAB_MARK in cell.source and hideable:
                kind = "skip"
            elif index == setup:
                kind = "subslide"
            elif grading.get("solution"):
                kind = "fragment"
            elif grading.get("grade") and hideable:
                kind = "notes"
            elif tree is not None and _only_checks(tree) and hideable:
                kind = "skip"
            elif tree is not None and _draws(tree):
                kind = "fragment"
            else:
                kind = "-"
        else:
            kind = "-"
        types.append(kind)
    return types


def apply(nb) -> bool:
    """Set the slide metadata of ``nb`` in place; True if anything changed."""
    changed = False
    for cell, kind in zip(nb.cells, slide_types(nb), strict=True):
        if kind == "-":
            if "slideshow" in cell.metadata:
                del cell.metadata["slideshow"]
                changed = True
        elif cell.metadata.get("slideshow") != {"slide_type": kind}:
            cell.metadata["slideshow"] = {"slide_type": kind}
            changed = True
    return changed


def _shown(path: Path) -> str:
    """``path`` as the message names it: from the repository root when it is inside."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def lessons() -> list[Path]:
    """The instructor notebooks, in series order."""
    return sorted(SOURCE_DIR.glob("[0-9][0-9]_*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report notebooks whose slides are stale"
    )
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: the lessons)")
    args = parser.parse_args(argv)
    paths = args.paths or lessons()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    stale = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if not apply(nb):
            continue
        if args.check:
            stale.append(_shown(path))
        else:
            # Written as nbformat (and JupyterLab) write it, with the final newline.
            path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
            print(f"wrote slide metadata: {_shown(path)}")
    if stale:
        print(
            "Slide metadata out of date in: "
            + ", ".join(stale)
            + ". Run `python tools/slides.py` (then `make student`) and commit both.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
