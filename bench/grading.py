"""Grading a class with ``make grade``'s machinery: how long, and how much memory.

    python -m bench.grading                        30 students x every lesson
    python -m bench.grading --students 6 --lessons 01 04 --jobs 2

The class is built from the course's own answers (tools/grading/sample.py): students in
turn hand in the worked answers, every other exercise worked, and the blank student
edition. It is graded exactly as ``make grade`` grades (tools/grading: one nbgrader
generate_assignment for every lesson, one autograde process per student, each kernel
sandboxed), into a temporary folder. Printed: the wall time of the course build and of the
grading, seconds per notebook (median and max: the kernel's start, the notebook's run and
nbgrader's work on it; not the start of the nbgrader process, paid once per student), the
peak resident memory of each kernel and of each student's nbgrader process (VmHWM, sampled
every 0.5 s), and any exercise that was not graded as expected. Every number is measured
when it is printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tools"))

from grading.autograde import Grader, Limits  # noqa: E402
from grading.course import find_submissions, lessons  # noqa: E402
from grading.sample import sample_class  # noqa: E402


def _spread(values) -> dict:
    values = sorted(values)
    if not values:
        return {"median": float("nan"), "max": float("nan")}
    return {"median": statistics.median(values), "max": values[-1]}


def grade_a_class(students: int = 30, only=None, jobs: int = 2) -> dict:
    """Build and grade a sample class; the measurements as a dict."""
    chosen = lessons(only)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        kinds = sample_class(tmp / "submissions", chosen, students)
        submissions = find_submissions(tmp / "submissions", chosen)
        grader = Grader(tmp / "state", chosen, Limits(), jobs)
        start = time.perf_counter()
        grader.prepare()
        built = time.perf_counter() - start
        start = time.perf_counter()
        outcomes = grader.grade(submissions, [str(tmp)])
        graded = time.perf_counter() - start
    rows = [row for outcome in outcomes for row in outcome.rows]
    unexpected = []
    for row in rows:
        kind = kinds[row.student]
        want = {"worked": {"graded"}, "blank": {"blank"}, "half": {"graded", "blank"}}[kind]
        if row.status not in want or (kind == "worked" and row.diagnosis):
            unexpected.append(
                f"{row.student} ({kind}) {row.lesson} {row.exercise}: "
                f"{row.status} {row.diagnosis} {row.reason}".strip()
            )
    ran = [o for o in outcomes if o.seconds > 0]
    per_lesson = {}
    for lesson in chosen:
        mine = [o for o in ran if o.rows and o.rows[0].lesson == lesson.name]
        per_lesson[lesson.name] = {
            "seconds": _spread(o.seconds for o in mine),
            "kernel_mib": _spread(o.kernel_mib for o in mine if o.kernel_mib),
        }
    return {
        "students": students,
        "lessons": len(chosen),
        "notebooks": len(ran),
        "jobs": jobs,
        "build_seconds": built,
        "grading_seconds": graded,
        "seconds_per_notebook": _spread(o.seconds for o in ran),
        "kernel_mib": _spread(o.kernel_mib for o in ran if o.kernel_mib),
        "grader_mib": _spread(
            {o.rows[0].student: o.grader_mib for o in ran if o.grader_mib}.values()
        ),
        "per_lesson": per_lesson,
        "unexpected": unexpected,
    }


def format_grading(result: dict) -> str:
    s, k, g = result["seconds_per_notebook"], result["kernel_mib"], result["grader_mib"]
    lines = [
        f"Grading {result['students']} students x {result['lessons']} lessons "
        f"({result['notebooks']} notebooks, {result['jobs']} students at once)",
        f"  course built (one generate_assignment, {result['lessons']} lessons) "
        f"in {result['build_seconds']:.0f} s",
        f"  graded in {result['grading_seconds']:.0f} s ({result['grading_seconds'] / 60:.1f} min)",
        f"  seconds per notebook: median {s['median']:.1f}, max {s['max']:.1f}",
        f"  kernel peak memory (MiB): median {k['median']:.0f}, max {k['max']:.0f}",
        f"  nbgrader process peak memory (MiB): median {g['median']:.0f}, max {g['max']:.0f}",
        "  per lesson: median s / max s, kernel MiB median / max",
    ]
    width = max(map(len, result["per_lesson"]), default=0)
    for name, item in result["per_lesson"].items():
        sec, mem = item["seconds"], item["kernel_mib"]
        lines.append(
            f"    {name:<{width}} {sec['median']:6.1f} / {sec['max']:6.1f}   "
            f"{mem['median']:5.0f} / {mem['max']:5.0f}"
        )
    lines.append(
        "  not graded as expected: "
        + ("none" if not result["unexpected"] else "\n    " + "\n    ".join(result["unexpected"]))
    )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--lessons", nargs="+", metavar="NN")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    args = parser.parse_args(argv)
    result = grade_a_class(args.students, args.lessons, args.jobs)
    print(format_grading(result))
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
