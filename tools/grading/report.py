"""What the teacher reads: grades.csv, report.html (one offline file) and a terminal table.

The summary per lesson and exercise: how many students were judged, the share right, the
named mistakes with their counts (largest first) and the sentence for the teacher from
``helpers.checks.DIAGNOSES``, and who could not be graded and why.
"""

from __future__ import annotations

import csv
import html
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .autograde import Outcome, Row

COLUMNS = ("student", "lesson", "exercise", "points", "max_points", "status", "diagnosis")
NOT_GRADED = ("timeout", "out_of_memory", "error", "missing")


def diagnoses() -> dict[str, str]:
    """Every diagnosis id with its sentence for the teacher (helpers.checks.DIAGNOSES)."""
    try:
        import helpers.checks as checks
    except ImportError:  # the report still works without the package's sentences
        return {}
    return dict(getattr(checks, "DIAGNOSES", {}))


class Sentences:
    """What to re-teach for a mistake, as the lesson whose checker named it means it: the
    same id (say sign-flipped) is a different slip in a loss and in an SGD step."""

    def __init__(self):
        from .course import lessons

        self.merged = diagnoses()
        self.checkers = {
            (lesson.name, e.name): e.checker for lesson in lessons() for e in lesson.exercises
        }
        try:
            from helpers.checks import diagnosis_sentence
        except ImportError:
            diagnosis_sentence = None
        self._sentence = diagnosis_sentence

    def __call__(self, lesson: str, exercise: str, diagnosis: str, missing: str = "") -> str:
        checker = self.checkers.get((lesson, exercise), "")
        if self._sentence is not None and checker:
            found = self._sentence(checker, diagnosis)
            if found:
                return found
        return self.merged.get(diagnosis, missing)


@dataclass
class ExerciseSummary:
    lesson: str
    exercise: str
    students: int = 0
    right: int = 0
    judged: int = 0  # graded or blank: the check gave a verdict
    blank: int = 0
    mistakes: Counter = field(default_factory=Counter)
    not_graded: Counter = field(default_factory=Counter)  # status -> count

    @property
    def share_right(self) -> float:
        return self.right / self.students if self.students else 0.0


def summarise(rows: list[Row]) -> list[ExerciseSummary]:
    """One summary per lesson and exercise, in the order the rows came."""
    found: dict[tuple[str, str], ExerciseSummary] = {}
    for row in rows:
        key = (row.lesson, row.exercise)
        summary = found.setdefault(key, ExerciseSummary(row.lesson, row.exercise))
        summary.students += 1
        if row.status in ("graded", "blank"):
            summary.judged += 1
        if row.status == "blank":
            summary.blank += 1
        elif row.status == "graded" and row.passed is not False and not row.diagnosis:
            if row.points is not None and row.points >= row.max_points:
                summary.right += 1
        if row.status == "graded" and row.diagnosis:
            summary.mistakes[row.diagnosis] += 1
        if row.status in NOT_GRADED:
            summary.not_graded[row.status] += 1
    return list(found.values())


def _points(value) -> str:
    return "" if value is None else f"{value:g}"


def write_csv(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow(
                [
                    r.student,
                    r.lesson,
                    r.exercise,
                    _points(r.points),
                    _points(r.max_points),
                    r.status,
                    r.diagnosis,
                ]
            )


def problems(rows: list[Row]) -> list[Row]:
    """The rows that could not be graded (missing notebooks included), in order."""
    return [r for r in rows if r.status in NOT_GRADED]


def _ranked(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


# ------------------------------------------------------------------------- terminal --


def table(rows: list[Row], outcomes: list[Outcome]) -> str:
    """The class summary as plain text (the terminal's table)."""
    sentences = Sentences()
    lines = []
    header = f"{'lesson':<28} {'exercise':<24} {'right':>7} {'share':>6}  named mistakes"
    lines += [header, "-" * len(header)]
    for s in summarise(rows):
        mistakes = ", ".join(f"{d} ×{n}" for d, n in _ranked(s.mistakes)) or "-"
        extra = []
        if s.blank:
            extra.append(f"blank ×{s.blank}")
        extra += [f"{status} ×{n}" for status, n in _ranked(s.not_graded)]
        if extra:
            mistakes += "; " + ", ".join(extra)
        lines.append(
            f"{s.lesson:<28} {s.exercise:<24} {s.right:>3}/{s.students:<3} "
            f"{s.share_right:>6.0%}  {mistakes}"
        )
    used = sorted(
        {(r.lesson, r.exercise, r.diagnosis) for r in rows if r.status == "graded" and r.diagnosis}
    )
    if used:
        lines += ["", "What to re-teach:"]
        lines += [
            f"  {d} ({lesson}, {exercise}): "
            + sentences(lesson, exercise, d, "(no sentence in helpers.checks.DIAGNOSES)")
            for lesson, exercise, d in used
        ]
    trouble = [r for r in problems(rows) if r.status != "missing"]
    missing = [r for r in problems(rows) if r.status == "missing"]
    lines += ["", f"Could not be graded: {len(trouble)} exercise(s)"]
    for r in trouble:
        lines.append(f"  {r.student} {r.lesson} {r.exercise}: {r.status} - {r.reason}")
    if missing:
        lessons = sorted({(r.student, r.lesson) for r in missing})
        lines.append(f"Missing notebooks: {len(lessons)}")
        lines += [f"  {student} {lesson}" for student, lesson in lessons]
    notes = [n for o in outcomes for n in o.notes]
    if notes:
        lines += ["", "Notes:"] + [f"  {n}" for n in notes]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- html --

CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 62rem;
       color: #1a1a1a; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
th, td { border: 1px solid #bbb; padding: .35rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; white-space: nowrap; }
code { background: #f4f4f4; padding: 0 .2em; }
figure { margin: 1rem 0; } figcaption { font-size: .95rem; color: #333; }
.bar { fill: #2f5f98; } .rest { fill: #e4e4e4; } svg text { font-size: 13px; fill: #1a1a1a; }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def chart(lesson: str, summaries: list[ExerciseSummary], index: int) -> str:
    """An SVG bar chart of the share right per exercise, described in words (title/desc),
    each bar labelled with its count, so nothing is told by colour alone."""
    width, label_w, bar_w, row_h = 640, 190, 330, 30
    height = row_h * len(summaries) + 30
    words = "; ".join(
        f"{s.exercise}: {s.right} of {s.students} right ({s.share_right:.0%})" for s in summaries
    )
    title_id, desc_id = f"chart-title-{index}", f"chart-desc-{index}"
    parts = [
        f'<svg role="img" aria-labelledby="{title_id} {desc_id}" class="chart" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{_e(lesson)}: share of students right per exercise</title>',
        f'<desc id="{desc_id}">{_e(words)}</desc>',
    ]
    for i, s in enumerate(summaries):
        y = 10 + i * row_h
        w = round(bar_w * s.share_right)
        parts += [
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{_e(s.exercise)}</text>',
            f'<rect class="rest" x="{label_w}" y="{y + 3}" width="{bar_w}" height="20"/>',
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w}" height="20"/>',
            f'<text x="{label_w + bar_w + 8}" y="{y + 17}">'
            f"{s.right}/{s.students} right ({s.share_right:.0%})</text>",
        ]
    axis_y = 10 + len(summaries) * row_h
    parts += [
        f'<text x="{label_w}" y="{axis_y + 12}">0%</text>',
        f'<text x="{label_w + bar_w}" y="{axis_y + 12}" text-anchor="end">100%</text>',
        "</svg>",
    ]
    return "\n".join(parts)


def s_total(summaries: list[ExerciseSummary], lesson: str, exercise: str) -> int:
    return next(s.students for s in summaries if (s.lesson, s.exercise) == (lesson, exercise))


def write_html(rows: list[Row], outcomes: list[Outcome], path: Path, title: str) -> None:
    sentences = Sentences()
    summaries = summarise(rows)
    students = sorted({r.student for r in rows})
    by_lesson: dict[str, list[ExerciseSummary]] = {}
    for s in summaries:
        by_lesson.setdefault(s.lesson, []).append(s)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p>{len(students)} students, {len(by_lesson)} lessons. For each exercise: the "
        "share of the class right, and the named mistakes with how many students made "
        "each, largest first, with what to re-teach.</p>",
        '<nav aria-label="Lessons"><ul>',
    ]
    out += [f'<li><a href="#{_e(lesson)}">{_e(lesson)}</a></li>' for lesson in by_lesson]
    out += ['<li><a href="#not-graded">Could not be graded</a></li>', "</ul></nav>"]
    top = sorted(
        ((n, s.lesson, s.exercise, d) for s in summaries for d, n in s.mistakes.items()),
        key=lambda item: (-item[0], item[1], item[2], item[3]),
    )[:10]
    if top:
        out += ['<section id="most-common"><h2>The most common mistakes</h2><ol>']
        out += [
            f"<li><strong>{n} of {s_total(summaries, lesson, exercise)} students</strong> in "
            f"{_e(lesson)}, <em>{_e(exercise)}</em>: <code>{_e(d)}</code>. "
            f"{_e(sentences(lesson, exercise, d))}</li>"
            for n, lesson, exercise, d in top
        ]
        out.append("</ol></section>")
    for index, (lesson, items) in enumerate(by_lesson.items()):
        out += [f'<section id="{_e(lesson)}"><h2>{_e(lesson)}</h2>', "<figure>"]
        out.append(chart(lesson, items, index))
        described = "; ".join(f"{s.exercise} {s.right} of {s.students} right" for s in items)
        out.append(
            f"<figcaption>Share of students right per exercise: {_e(described)}."
            "</figcaption></figure>"
        )
        out += [
            f'<table class="exercises"><caption>{_e(lesson)}: exercises</caption>',
            '<thead><tr><th scope="col">exercise</th><th scope="col">right</th>'
            '<th scope="col">share right</th><th scope="col">blank</th>'
            '<th scope="col">not graded</th><th scope="col">named mistakes (students) and '
            "what to re-teach</th></tr></thead><tbody>",
        ]
        for s in items:
            missing = "no sentence in helpers.checks.DIAGNOSES"
            mistakes = "".join(
                f"<li><code>{_e(d)}</code> × {n}: "
                f"{_e(sentences(s.lesson, s.exercise, d, missing))}</li>"
                for d, n in _ranked(s.mistakes)
            )
            not_graded = ", ".join(f"{st} × {n}" for st, n in _ranked(s.not_graded)) or "0"
            out.append(
                f'<tr><th scope="row">{_e(s.exercise)}</th>'
                f'<td class="num">{s.right} of {s.students}</td>'
                f'<td class="num">{s.share_right:.0%}</td><td class="num">{s.blank}</td>'
                f"<td>{_e(not_graded)}</td>"
                f"<td>{'<ul>' + mistakes + '</ul>' if mistakes else 'none'}</td></tr>"
            )
        out.append("</tbody></table></section>")
    trouble = problems(rows)
    out.append('<section id="not-graded"><h2>Could not be graded</h2>')
    if trouble:
        out += [
            '<table class="not-graded"><caption>Exercises without a verdict, and why'
            '</caption><thead><tr><th scope="col">student</th><th scope="col">lesson</th>'
            '<th scope="col">exercise</th><th scope="col">status</th>'
            '<th scope="col">why</th></tr></thead><tbody>'
        ]
        out += [
            f"<tr><td>{_e(r.student)}</td><td>{_e(r.lesson)}</td><td>{_e(r.exercise)}</td>"
            f"<td>{_e(r.status)}</td><td>{_e(r.reason)}</td></tr>"
            for r in trouble
        ]
        out.append("</tbody></table>")
    else:
        out.append("<p>Every exercise of every student was graded.</p>")
    notes = [n for o in outcomes for n in o.notes]
    if notes:
        out += ["<h3>Notes</h3><ul>"] + [f"<li>{_e(n)}</li>" for n in notes] + ["</ul>"]
    out.append("</section></body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
