"""The two editions: the instructor notebooks carry nbgrader's marks, the committed student
edition is exactly what `make student` makes of them, and every hidden test can fail.

nbval (in `make test`) runs both editions top to bottom: the instructor edition with its
hidden tests passing, the student edition with every answer blank and no exception.
"""

import ast
import csv
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.preprocessors import CheckCellMetadata

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
STUDENT_DIR = NOTEBOOK_DIR / "student"
LESSONS = sorted(p for p in NOTEBOOK_DIR.glob("0[1-9]_*.ipynb"))
ALL = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
HIDDEN = "### BEGIN HIDDEN TESTS"


def _tool():
    spec = importlib.util.spec_from_file_location(
        "student_edition", ROOT / "tools" / "student_edition.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


student_edition = _tool()


def _read(path):
    return nbformat.read(path, as_version=4)


def _nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_the_committed_student_edition_is_fresh(path):
    committed = STUDENT_DIR / path.name
    assert committed.exists(), f"{committed} is missing: run `make student`"
    assert committed.read_text(encoding="utf-8") == student_edition.convert(path), (
        f"notebooks/student/{path.name} differs from a fresh generation: run `make student` "
        "and commit notebooks/student/"
    )


def test_the_student_edition_has_no_other_notebooks():
    names = {p.name for p in STUDENT_DIR.glob("*.ipynb")}
    assert names == {p.name for p in ALL}


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_nbgrader_accepts_the_cell_metadata(path):
    nb = _read(path)
    CheckCellMetadata().preprocess(nb, {})  # raises on what nbgrader would reject
    ids = [_nbgrader_meta(c)["grade_id"] for c in nb.cells if _nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), f"{path.name}: grade_id used twice: {ids}"
    for cell in nb.cells:
        meta = _nbgrader_meta(cell)
        if not meta:
            continue
        assert meta["schema_version"] == 3
        if "### BEGIN SOLUTION" in cell.source:
            assert meta["solution"] and not meta["grade"], f"{meta['grade_id']}: a solution cell"
        if HIDDEN in cell.source:
            assert meta["grade"] and not meta["solution"] and meta["locked"]
            assert meta["points"] > 0, f"{meta['grade_id']}: give the test cell points"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_each_lesson_has_answers_with_hidden_tests_and_an_implement_it(path):
    cells = _read(path).cells
    solutions = [c for c in cells if _nbgrader_meta(c).get("solution")]
    graded = [c for c in cells if _nbgrader_meta(c).get("grade") and HIDDEN in c.source]
    functions = [c for c in solutions if re.search(r"^def \w+\(", c.source, re.MULTILINE)]
    assert solutions, f"{path.name}: no solution cell"
    assert graded, f"{path.name}: no graded cell with hidden tests"
    assert functions, f"{path.name}: no implement-it exercise (a solution cell with a def)"


def test_the_series_has_at_least_25_solution_cells():
    count = sum(
        1 for path in LESSONS for c in _read(path).cells if _nbgrader_meta(c).get("solution")
    )
    assert count >= 25, f"{count} solution cells in notebooks 01-09"


def _asserts_without_message(source):
    # Hidden tests check answers and may be terse; every other assert states its claim.
    visible = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", source, flags=re.DOTALL)
    lines = [line for line in visible.splitlines() if not line.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert) and not node.msg]


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_every_visible_assert_says_what_it_claims(path):
    bare = []
    for cell in _read(path).cells:
        if cell.cell_type == "code":
            bare += [f"{cell.id}:{n}" for n in _asserts_without_message(cell.source)]
    assert not bare, f"{path.name}: asserts without a message at cell:line {bare}"


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_the_student_edition_has_blanks_and_no_answers(path):
    nb = _read(STUDENT_DIR / path.name)
    text = "\n".join(c.source for c in nb.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    solutions = [c for c in nb.cells if _nbgrader_meta(c).get("solution")]
    for cell in solutions:
        assert "YOUR CODE HERE" in cell.source or "YOUR ANSWER HERE" in cell.source


def _run_blank_with_hidden_tests(path, tmp_path):
    """Execute the notebook with blank answers but hidden tests kept; return its cells."""
    nb = nbformat.reads(student_edition.convert(path, hidden_tests=True), as_version=4)
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(STUDENT_DIR)}},
    )
    client.execute()
    return nb.cells


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_every_hidden_test_fails_on_blank_answers(path, tmp_path):
    cells = _run_blank_with_hidden_tests(path, tmp_path)
    passed_anyway, crashed = [], []
    for cell in cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if HIDDEN in cell.source and not errors:
            passed_anyway.append(_nbgrader_meta(cell).get("grade_id", cell.id))
        if HIDDEN not in cell.source and errors:
            crashed.append(f"{cell.id}: {errors[0].ename}: {errors[0].evalue}")
    assert not passed_anyway, f"{path.name}: hidden tests that pass on blank answers"
    assert not crashed, f"{path.name}: cells that raise on blank answers: {crashed}"


def _nbgrader(args, cwd):
    """Run nbgrader's command line in ``cwd`` with this interpreter's tools on PATH."""
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stderr[-3000:]}"


def test_nbgrader_grades_a_lesson_unchanged(tmp_path):
    """The teacher's path in the README: generate_assignment, then autograde two students,
    one with the worked answers and one who handed in the blank release."""
    lesson = NOTEBOOK_DIR / "01_kernel_and_bias.ipynb"
    (tmp_path / "source" / "lesson01").mkdir(parents=True)
    shutil.copy(lesson, tmp_path / "source" / "lesson01")
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    _nbgrader(["generate_assignment", "lesson01"], tmp_path)
    released = tmp_path / "release" / "lesson01" / lesson.name
    source_cells = {
        _nbgrader_meta(c)["grade_id"]: c.source
        for c in _read(lesson).cells
        if _nbgrader_meta(c).get("solution")
    }
    answered = _read(released)
    for cell in answered.cells:
        if _nbgrader_meta(cell).get("solution"):
            cell.source = source_cells[_nbgrader_meta(cell)["grade_id"]]
    for student, nb in {"alice": answered, "bob": _read(released)}.items():
        folder = tmp_path / "submitted" / student / "lesson01"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / lesson.name)
    _nbgrader(["autograde", "lesson01"], tmp_path)
    _nbgrader(["export"], tmp_path)
    with open(tmp_path / "grades.csv", newline="") as f:
        scores = {row["student_id"]: row for row in csv.DictReader(f)}
    assert float(scores["alice"]["score"]) == float(scores["alice"]["max_score"]) > 0
    assert float(scores["bob"]["score"]) == 0.0
