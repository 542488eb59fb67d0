"""Make the student edition of the course from the instructor edition, with nbgrader.

    python tools/student_edition.py           # write notebooks/student/NN_*.ipynb
    python tools/student_edition.py --check   # exit 1 if the committed edition is stale

``make student`` runs the first. Each instructor notebook goes through nbgrader's own
preprocessors, run by nbconvert: ClearSolutions (answers become the stub configured in
nbgrader_config.py), ClearHiddenTests (the tests of an answer disappear) and ClearOutput.
Nothing here parses the markers itself. nbgrader is a test/dev dependency only: students
open the result with the same install as the instructor edition.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = ROOT / "notebooks"
STUDENT_DIR = SOURCE_DIR / "student"
CONFIG_FILE = ROOT / "nbgrader_config.py"


def _course():
    """tools/course.py, which writes the launch line and the Colab cell of each notebook."""
    spec = importlib.util.spec_from_file_location("course", Path(__file__).with_name("course.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course = _course()


def config():
    """The repository's nbgrader configuration (the ClearSolutions stub)."""
    return PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()


def convert(path: Path, hidden_tests: bool = False) -> str:
    """The student edition of one notebook, as the text of an .ipynb file.

    hidden_tests=True keeps the hidden tests (only solutions and outputs are cleared):
    the notebook a grader would run against blank answers, used by the tests to show
    that every hidden test can fail.
    """
    preprocessors = [ClearSolutions, ClearOutput]
    if not hidden_tests:
        preprocessors.insert(1, ClearHiddenTests)
    exporter = NotebookExporter(config=config(), preprocessors=preprocessors)
    body, _ = exporter.from_filename(str(path))
    nb = nbformat.reads(body, as_version=4)
    # The launch line opens the student edition's copy (tools/course.py, `make course`).
    target = (STUDENT_DIR / path.name).relative_to(ROOT).as_posix()
    course.apply_to_notebook(nb, target, course.read_repo(ROOT))
    # Written as nbformat writes the instructor edition, so diffs stay readable.
    return nbformat.writes(nb) + "\n"


def sources() -> list[Path]:
    """The instructor notebooks, in series order."""
    return sorted(SOURCE_DIR.glob("[0-9][0-9]_*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only compare with the committed student edition"
    )
    args = parser.parse_args(argv)
    STUDENT_DIR.mkdir(exist_ok=True)
    stale = []
    for path in sources():
        target = STUDENT_DIR / path.name
        text = convert(path)
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if text == old:
            continue
        if args.check:
            stale.append(target.relative_to(ROOT))
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
    expected = {path.name for path in sources()}
    extra = sorted(p for p in STUDENT_DIR.glob("*.ipynb") if p.name not in expected)
    for path in extra:
        if args.check:
            stale.append(path.relative_to(ROOT))
        else:
            path.unlink()
            print(f"removed {path.relative_to(ROOT)} (no instructor notebook of that name)")
    if stale:
        print(
            "The student edition is out of date: "
            + ", ".join(map(str, stale))
            + ". Run `make student` and commit notebooks/student/.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
