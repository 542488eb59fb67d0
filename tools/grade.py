"""Grade a whole class with nbgrader, each student's notebooks in a sandbox.

    python tools/grade.py SUBMISSIONS [--lessons 01 04] [--out build/grades] [--jobs 2]
    make grade SUBMISSIONS=DIR

SUBMISSIONS holds one folder per student with that student's notebooks, named as in the
student edition (``DIR/<student>/01_kernel_and_bias.ipynb``), or nbgrader's own layout
(``DIR/submitted/<student>/lesson01/01_kernel_and_bias.ipynb``). The nbgrader course is
built from the instructor edition (notebooks/), every student's lesson is autograded in
its own process and sandboxed kernel (tools/grading/sandbox.py), and OUT receives
grades.csv and report.html; the summary is printed as a table. The grading state (the
course, the gradebooks, copies of the submissions) goes to OUT/state, readable by the
teacher only. Exit status: 0 when every handed-in notebook was graded, 1 when some
exercise could not be (the table and the report say which and why), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grading import report  # noqa: E402
from grading.autograde import STOP, Grader, Limits  # noqa: E402
from grading.course import ROOT, SubmissionError, find_submissions, lessons  # noqa: E402


def parse(argv):
    limits = Limits()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, help="one folder per student")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "grades")
    parser.add_argument("--state", type=Path, help="grading state (default OUT/state)")
    parser.add_argument("--lessons", nargs="+", metavar="NN", help="only these lessons")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks graded at once")
    parser.add_argument("--cell-seconds", type=int, default=limits.cell_seconds)
    parser.add_argument("--notebook-seconds", type=int, default=limits.notebook_seconds)
    parser.add_argument("--cpu-seconds", type=int, default=limits.cpu_seconds)
    parser.add_argument("--memory-mib", type=int, default=limits.memory_mib)
    parser.add_argument(
        "--hide",
        nargs="*",
        default=[],
        metavar="DIR",
        help="more folders the graded kernels must not see (as root)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    for name in ("cell_seconds", "notebook_seconds", "cpu_seconds", "memory_mib"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


def main(argv=None) -> int:
    args = parse(argv)
    try:
        chosen = lessons(args.lessons)
        submissions = find_submissions(args.submissions, chosen)
    except SubmissionError as error:
        print(f"make grade: {error}", file=sys.stderr)
        return 2
    out = args.out.resolve()
    limits = Limits(
        cell_seconds=args.cell_seconds,
        notebook_seconds=args.notebook_seconds,
        cpu_seconds=args.cpu_seconds,
        memory_mib=args.memory_mib,
    )
    grader = Grader(
        out / "state" if args.state is None else args.state,
        chosen,
        limits,
        args.jobs,
        hide=list(args.hide),
    )
    for line in submissions.ignored:
        print(f"ignored: {line}", file=sys.stderr)
    start = time.monotonic()
    if not args.quiet:
        print(
            f"Grading {len(submissions.students)} students x {len(chosen)} lessons "
            f"({args.jobs} at once) ...",
            flush=True,
        )
    grading = False

    def stop(signum, frame):
        print("\nstopping: ending the graded kernels ...", file=sys.stderr, flush=True)
        STOP.set()
        if not grading:  # building the course: subprocess.run ends nbgrader on the way out
            raise SystemExit(130)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    grader.prepare()

    def progress(student, lesson, outcome):
        if not args.quiet:
            states = sorted({r.status for r in outcome.rows})
            print(
                f"  {student:<16} {lesson.name:<28} {outcome.seconds:6.1f} s  {', '.join(states)}",
                flush=True,
            )

    hide = [str(Path(args.submissions).resolve()), str(out)]
    grading = True
    outcomes = grader.grade(submissions, hide, progress)
    if STOP.is_set():
        print("Grading stopped: nothing was written.", file=sys.stderr)
        return 130
    rows = [row for outcome in outcomes for row in outcome.rows]
    report.write_csv(rows, out / "grades.csv")
    report.write_html(
        rows, outcomes, out / "report.html", "The Engine of Neural Networks: the class at a glance"
    )
    print()
    print(report.table(rows, outcomes))
    print(
        f"\n{len(rows)} rows in {out / 'grades.csv'}; report: {out / 'report.html'} "
        f"({time.monotonic() - start:.0f} s)"
    )
    handed_in = [r for r in report.problems(rows) if r.status != "missing"]
    return 1 if handed_in else 0


if __name__ == "__main__":
    sys.exit(main())
