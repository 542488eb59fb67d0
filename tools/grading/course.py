"""The nbgrader course built from the instructor edition, and the submissions of a class.

A lesson is one instructor notebook ``notebooks/NN_name.ipynb``; its nbgrader assignment is
``lessonNN``. An exercise is an answer cell (nbgrader ``solution``) and the graded check
cell after it; the exercise is named by the answer cell's ``grade_id``.

Submissions come in either layout:

    DIR/<student>/NN_name.ipynb                       (the student edition's file names)
    DIR/[submitted/]<student>/lessonNN/NN_name.ipynb  (nbgrader's own layout)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
CONFIG_FILE = ROOT / "nbgrader_config.py"
LESSON_FILE = re.compile(r"^(\d\d)_\w+\.ipynb$")
ASSIGNMENT = re.compile(r"^lesson(\d\d)$")
STUDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")


class SubmissionError(ValueError):
    """The submissions folder is not laid out as ``make grade`` expects."""


@dataclass(frozen=True)
class Exercise:
    name: str  # the answer cell's grade_id
    check: str  # the graded check cell's grade_id
    max_points: float
    checker: str = ""  # the helpers.checks function the check cell calls, e.g. check_sgd_epoch


@dataclass(frozen=True)
class Lesson:
    number: str  # "01"
    path: Path  # the instructor notebook
    exercises: tuple[Exercise, ...]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def assignment(self) -> str:
        return f"lesson{self.number}"


# The checker a check cell calls: "result_x = check_sgd_epoch(sgd_epoch)".
CHECKER_CALL = re.compile(r"\b(check_\w+)\(")


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def read_lesson(path: Path) -> Lesson:
    """The exercises of one instructor notebook, in order."""
    number = LESSON_FILE.match(path.name).group(1)
    exercises, answer = [], None
    # Plain JSON (the cells' metadata is all this needs; nbformat's validation is slow).
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and not meta.get("grade"):
            answer = meta["grade_id"]
        elif meta.get("grade") and answer is not None:
            called = CHECKER_CALL.search("".join(cell.get("source", "")))
            checker = called.group(1) if called else ""
            exercises.append(Exercise(answer, meta["grade_id"], float(meta["points"]), checker))
            answer = None
    return Lesson(number, path, tuple(exercises))


def lessons(only: list[str] | None = None) -> list[Lesson]:
    """The lessons with exercises (every one, or those numbered in ``only``)."""
    found = [read_lesson(p) for p in sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))]
    found = [lesson for lesson in found if lesson.exercises]
    if only:
        wanted = {n.zfill(2) for n in only}
        unknown = wanted - {lesson.number for lesson in found}
        if unknown:
            raise SubmissionError(
                f"no lesson numbered {', '.join(sorted(unknown))}; the lessons are "
                + ", ".join(lesson.number for lesson in found)
            )
        found = [lesson for lesson in found if lesson.number in wanted]
    return found


@dataclass
class Submissions:
    """Each student's notebook per lesson number, and what could not be used."""

    notebooks: dict[str, dict[str, Path]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    @property
    def students(self) -> list[str]:
        return sorted(self.notebooks)


def find_submissions(directory: Path, known: list[Lesson]) -> Submissions:
    """Read DIR in either layout; refuse with one message what cannot be a class."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SubmissionError(
            f"{directory} is not a folder: give the folder that holds one folder per student "
            "(make grade SUBMISSIONS=path/to/folder)"
        )
    if (directory / "submitted").is_dir():
        directory = directory / "submitted"
    by_number = {lesson.number: lesson for lesson in known}
    result = Submissions()
    for student_dir in sorted(p for p in directory.iterdir() if p.is_dir()):
        student = student_dir.name
        if student.startswith("."):
            continue
        if not STUDENT.match(student):
            result.ignored.append(f"{student_dir.name}/: not a usable student name")
            continue
        found: dict[str, Path] = {}
        candidates = list(student_dir.glob("*.ipynb"))
        for sub in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            if ASSIGNMENT.match(sub.name):
                candidates += [p for p in sub.glob("*.ipynb") if LESSON_FILE.match(p.name)]
        for path in sorted(candidates):
            match = LESSON_FILE.match(path.name)
            if not match:
                result.ignored.append(f"{student}/{path.name}: not a lesson's file name")
                continue
            number = match.group(1)
            lesson = by_number.get(number)
            if lesson is None:
                continue  # a lesson not being graded (or 00 without exercises)
            if path.name != lesson.path.name:
                result.ignored.append(
                    f"{student}/{path.name}: lesson {number} is {lesson.path.name}"
                )
                continue
            if number in found:
                result.ignored.append(f"{student}/{path.name}: handed in twice, first one used")
                continue
            found[number] = path
        result.notebooks[student] = found
    if not result.notebooks:
        raise SubmissionError(
            f"{directory} holds no student folders: expected {directory}/<student>/NN_*.ipynb "
            f"or {directory}/submitted/<student>/lessonNN/NN_*.ipynb"
        )
    return result


def nbgrader(args: list[str], cwd: Path, env: dict | None = None, timeout: float | None = None):
    """Run nbgrader's command line with this interpreter; return the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def build_course(course: Path, chosen: list[Lesson], env: dict) -> None:
    """source/lessonNN from the instructor edition, then one ``nbgrader generate_assignment``
    for every lesson at once.

    The gradebook then holds every check cell as the instructor wrote it (with its hidden
    tests); release/ holds what students get (the student edition's cells). One process for
    all lessons: most of a ``generate_assignment`` is its start (importing nbformat's
    validator, and ``alembic heads`` in a subprocess for a new gradebook), seconds that
    one process per lesson paid again for every lesson.
    """
    if course.exists():
        shutil.rmtree(course)
    course.mkdir(parents=True, mode=0o700)
    shutil.copy(CONFIG_FILE, course / "nbgrader_config.py")
    for lesson in chosen:
        folder = course / "source" / lesson.assignment
        folder.mkdir(parents=True)
        shutil.copy(lesson.path, folder / lesson.path.name)
    if not chosen:
        return
    # nbgrader reads the assignment id as a glob (source/./lesson*), as autograde does.
    assignments = "lesson*" if len(chosen) > 1 else chosen[0].assignment
    done = nbgrader(["generate_assignment", assignments, "--force"], course, env)
    missing = [
        lesson.assignment
        for lesson in chosen
        if not (course / "release" / lesson.assignment / lesson.path.name).is_file()
    ]
    if done.returncode != 0 or missing:
        raise RuntimeError(
            f"nbgrader generate_assignment {assignments} failed"
            + (f" (no release of {', '.join(missing)})" if missing else "")
            + f":\n{done.stderr[-2000:]}"
        )


def restore_check_cells(submitted: Path, lesson: Lesson, course: Path, target: Path) -> list[str]:
    """Copy a submission to ``target`` with its locked check cells as the gradebook has them.

    A check cell the student left unchanged is the released cell: its hidden tests were
    taken out, so its checksum differs from the instructor's and nbgrader would warn
    "Attribute 'checksum' … has changed" for every check cell of every notebook (nbgrader
    issue 1961) before putting the instructor's cell back. Putting it back here, after
    comparing with the release, keeps nbgrader's log for real changes. Returns the check
    cells the student *did* change (they are restored all the same, as nbgrader would).
    """
    released = nbformat.read(
        course / "release" / lesson.assignment / lesson.path.name, as_version=4
    )
    source = nbformat.read(lesson.path, as_version=4)
    released_cells = {
        _nbgrader(c)["grade_id"]: c for c in released.cells if _nbgrader(c).get("locked")
    }
    source_cells = {_nbgrader(c)["grade_id"]: c for c in source.cells if _nbgrader(c)}
    nb = nbformat.read(submitted, as_version=4)
    changed = []
    for cell in nb.cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id not in released_cells:
            continue
        if cell.source != released_cells[grade_id].source:
            changed.append(grade_id)
        cell.source = source_cells[grade_id].source
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return changed
