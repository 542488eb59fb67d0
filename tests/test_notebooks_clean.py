"""Notebooks are committed clean: no outputs, no execution counts, python3 kernel.

A class opens them fresh and runs them top to bottom; stale outputs would show
results the students have not produced yet, and they bloat diffs.
Clear them with JupyterLab's "Edit > Clear Outputs of All Cells" or
`jupyter nbconvert --clear-output --inplace notebooks/*.ipynb`.
"""

from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
# Both editions: the instructor notebooks and the generated student edition.
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb")) + sorted(NOTEBOOK_DIR.glob("student/*.ipynb"))


def _read(path):
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"


@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=[str(p.relative_to(NOTEBOOK_DIR)) for p in NOTEBOOKS]
)
def test_notebook_has_no_outputs(path):
    nb = _read(path)
    dirty = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        problems = []
        if cell.get("outputs"):
            problems.append(f"{len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            problems.append(f"execution_count={cell.execution_count}")
        if problems:
            dirty.append(f"cell {index}: {', '.join(problems)}")
    assert not dirty, f"{path.name} is not clean:\n  " + "\n  ".join(dirty)


@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=[str(p.relative_to(NOTEBOOK_DIR)) for p in NOTEBOOKS]
)
def test_notebook_is_valid_and_uses_python3_kernel(path):
    nb = _read(path)
    nbformat.validate(nb)
    kernelspec = nb.metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3", (
        f"{path.name}: kernelspec name is {kernelspec.get('name')!r}, expected 'python3'"
    )
    assert kernelspec.get("language", "python") == "python", f"{path.name}: {kernelspec}"
    language = nb.metadata.get("language_info", {}).get("name", "python")
    assert language == "python", f"{path.name}: language_info.name is {language!r}"
