"""Sample submissions built from the course's own answers (tests and the benchmark).

``worked_answers`` are the instructor edition's solutions as a student would type them
(without nbgrader's markers); ``hand_in`` writes the student edition of a lesson with some
answers typed in; ``sample_class`` writes a class of worked, half-right and blank students.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import nbformat

from .course import ROOT, Lesson

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def worked_answers(lesson: Lesson) -> dict[str, str]:
    """grade_id -> the worked answer cell of each exercise."""
    found = {}
    for cell in nbformat.read(lesson.path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [ln for ln in cell.source.splitlines() if ln.strip() not in MARKERS]
            found[meta["grade_id"]] = "\n".join(lines)
    return found


@functools.cache
def _student_edition_text(path: Path) -> str:
    spec = importlib.util.spec_from_file_location(
        "student_edition", ROOT / "tools" / "student_edition.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.convert(path)


def hand_in(lesson: Lesson, answers: dict[str, str], path: Path) -> None:
    """The student edition of ``lesson`` (as `make student` makes it) with ``answers``
    (grade_id -> cell source) typed in, written to ``path``."""
    nb = nbformat.reads(_student_edition_text(lesson.path), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def half_answers(lesson: Lesson) -> dict[str, str]:
    """Every other exercise worked (the first, third, …), the rest left blank."""
    worked = worked_answers(lesson)
    return {e.name: worked[e.name] for i, e in enumerate(lesson.exercises) if i % 2 == 0}


def sample_class(directory: Path, lessons: list[Lesson], students: int) -> dict[str, str]:
    """``students`` students in turn worked, half right and blank; {student: kind}."""
    kinds = {}
    for n in range(students):
        kind = ("worked", "half", "blank")[n % 3]
        student = f"student{n + 1:02d}"
        kinds[student] = kind
        for lesson in lessons:
            answers = {
                "worked": worked_answers,
                "half": half_answers,
                "blank": lambda _: {},
            }[kind](lesson)
            hand_in(lesson, answers, Path(directory) / student / lesson.path.name)
    return kinds
