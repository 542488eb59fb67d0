"""Grade a class: one ``nbgrader autograde`` process per student and lesson, each with its
own copy of the gradebook and a sandboxed kernel, read back into one row per exercise.

A row's ``status`` says whether the exercise was judged:

- ``graded``        the check judged an answer (``points`` from nbgrader's hidden test,
                    ``diagnosis`` from the checker: "" when right, else the mistake's id);
- ``blank``         the answer is still the student edition's stub;
- ``timeout``       the answer cell, the check or the whole notebook ran out of time;
- ``out_of_memory`` the answer or the check hit the memory limit;
- ``error``         no verdict: the answer cell or the check raised, the kernel died, or
                    nbgrader failed (``reason`` says which);
- ``missing``       the student handed in no notebook for the lesson.

Only ``graded`` and ``blank`` rows are judgements; every other row has a reason, and rows
without a score from nbgrader have no points (never a silent 0).
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import course as course_mod
from .course import ROOT, Exercise, Lesson, Submissions
from .hook import FEEDBACK_MIME, RECORD
from .sandbox import KERNEL_NAME, write_kernelspec

STATUSES = ("graded", "blank", "timeout", "out_of_memory", "error", "missing")
TIMEOUT_ERRORS = {"CellTimeoutError", "TimeoutError", "KeyboardInterrupt"}
MEMORY_ERRORS = {"MemoryError", "_ArrayMemoryError"}
UID_RANGE = range(62000, 63000)  # ids with no account, one per parallel grading slot
# Set (by tools/grade.py on Ctrl+C or SIGTERM) to stop grading: every watch then ends its
# nbgrader process and kernels (they run in sessions of their own, out of the terminal's
# reach) and no new student is started.
STOP = threading.Event()


@dataclass(frozen=True)
class Limits:
    """The limits of one graded notebook (one kernel)."""

    cell_seconds: int = 60  # wall clock per cell (nbgrader interrupts the kernel)
    notebook_seconds: int = 300  # wall clock for the whole notebook
    cpu_seconds: int = 300  # CPU time of the kernel for the whole notebook
    memory_mib: int = 4096  # address space of the kernel (RLIMIT_AS)
    file_mib: int = 64  # largest file the kernel may write
    tmp_mib: int = 256  # its private /tmp (working directory and HOME), as root
    processes: int = 64  # processes and threads of the grading user, as root


@dataclass
class Row:
    student: str
    lesson: str
    exercise: str
    points: float | None
    max_points: float
    status: str
    diagnosis: str = ""
    reason: str = ""  # why a row is not graded/blank (report and terminal only)
    passed: bool | None = None  # the checker's verdict, when it gave one


@dataclass
class Outcome:
    """What grading one student's lesson gave."""

    rows: list[Row]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # changed check cells, disagreements
    log: str = ""
    kernel_mib: float = 0.0  # the peak resident memory of the lesson's kernel (VmHWM)
    grader_mib: float = 0.0  # ... of the student's nbgrader process (all lessons)


# ------------------------------------------------------------------ the sandbox user --


LOCK_DIR = Path("/run/lock") if Path("/run/lock").is_dir() else Path(tempfile.gettempdir())
_HELD: list = []  # the lock files of the uids this process uses (kept open until exit)


def sandbox_uids(count: int) -> list[int | None]:
    """``count`` user ids with no account, no process and no other grader holding them
    (a lock file each, held while this process lives), or Nones when not root."""
    if os.geteuid() != 0:
        return [None] * count
    busy = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                busy.add(entry.stat().st_uid)
            except OSError:
                pass
    free = []
    for uid in UID_RANGE:
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        if uid in busy:
            continue
        lock = open(LOCK_DIR / f"engine-grading-uid-{uid}.lock", "a")  # noqa: SIM115
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        _HELD.append(lock)
        free.append(uid)
        if len(free) == count:
            return free
    raise RuntimeError(f"no free user id in {UID_RANGE.start}-{UID_RANGE.stop - 1}")


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc), deepest last."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _peak_kib(pid: int) -> int:
    """VmHWM (peak resident set) of a process in KiB, 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def processes_of(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _kill(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def end_sandbox(uid: int | None, deadline: float = 5.0) -> None:
    """Kill what the grading user ``uid`` still runs, and wait until it is gone."""
    if uid is None:
        return
    end = time.monotonic() + deadline
    while (left := processes_of(uid)) and time.monotonic() < end:
        _kill(left)
        time.sleep(0.05)


class _Watch:
    """Reads an nbgrader process's log as it comes; ends a notebook's kernel (only the
    kernel: nbgrader records the lesson as failed and goes on) when the notebook has run
    longer than ``limit`` seconds, and the whole process when it outlives every limit."""

    START = re.compile(r"Autograding .*/autograded/[^/]+/(lesson\d\d)/")

    def __init__(self, process, lessons: dict, uid: int | None, limit: float):
        self.process, self.lessons, self.uid, self.limit = process, lessons, uid, limit
        self.lines: list[str] = []
        self.starts: dict[str, int] = {}  # assignment -> index of its first log line
        self.seconds: dict[str, float] = {}
        self.killed: set[str] = set()
        self.current: str | None = None
        self.since = time.monotonic()
        self.lock = threading.Lock()
        self.kernel_kib: dict[str, int] = {}  # assignment -> peak VmHWM of its kernel
        self.grader_kib = 0

    def _reader(self) -> None:
        for line in self.process.stdout:
            with self.lock:
                match = self.START.search(line)
                if match:
                    self._finish(time.monotonic())
                    self.current, self.since = match.group(1), time.monotonic()
                    self.starts[self.current] = len(self.lines)
                self.lines.append(line)

    def _finish(self, now: float) -> None:
        if self.current is not None:
            self.seconds[self.current] = now - self.since

    def run(self) -> None:
        reader = threading.Thread(target=self._reader, daemon=True)
        reader.start()
        overall = time.monotonic() + self.limit * (len(self.lessons) + 1) + 120
        while self.process.poll() is None:
            if STOP.wait(0.5):
                _kill(_children(self.process.pid) + [self.process.pid])
                if self.uid is not None:
                    _kill(processes_of(self.uid))
                continue
            now = time.monotonic()
            self._sample()
            with self.lock:
                late = self.current is not None and now - self.since > self.limit
                if late and self.current not in self.killed:
                    self.killed.add(self.current)
                    self._end_kernel()
            if now > overall:
                _kill(_children(self.process.pid) + [self.process.pid])
        reader.join(timeout=10)
        with self.lock:
            self._finish(time.monotonic())

    def _sample(self) -> None:
        """The peak resident memory so far of nbgrader and of the running kernel."""
        self.grader_kib = max(self.grader_kib, _peak_kib(self.process.pid))
        kernels = _children(self.process.pid)
        if self.current is not None and kernels:
            peak = max(_peak_kib(pid) for pid in kernels)
            self.kernel_kib[self.current] = max(self.kernel_kib.get(self.current, 0), peak)

    def _end_kernel(self) -> None:
        kernels = _children(self.process.pid)
        _kill(kernels)
        if self.uid is not None:
            _kill(processes_of(self.uid))

    def log_of(self, assignment: str) -> str:
        if assignment not in self.starts:
            return ""
        begin = self.starts[assignment]
        later = [i for i in self.starts.values() if i > begin]
        return "".join(self.lines[begin : min(later) if later else len(self.lines)])


# ------------------------------------------------------------------------ the course --


@dataclass
class Grader:
    """A class's grading: the course built once, then one job per student and lesson."""

    state: Path  # grading state (course, jobs); made private to the teacher
    chosen: list[Lesson]
    limits: Limits = field(default_factory=Limits)
    jobs: int = 1
    hide: list[str] = field(default_factory=list)  # more folders the kernels must not see

    def __post_init__(self):
        self.state = Path(self.state).resolve()
        self.course = self.state / "course"
        self.uids = sandbox_uids(self.jobs)

    def env(self) -> dict:
        """The environment of the nbgrader processes (not of the kernels)."""
        bindir = str(Path(sys.executable).parent)
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
        env.update(
            PATH=bindir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
            JUPYTER_PATH=str(self.state / "jupyter"),
            JUPYTER_CONFIG_DIR=str(self.state / "jupyter-config"),
            JUPYTER_RUNTIME_DIR=str(self.state / "runtime"),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONWARNINGS="ignore::DeprecationWarning",
        )
        return env

    def prepare(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state, 0o700)
        for sub in ("jupyter-config", "runtime", "jobs", "sandboxes"):
            (self.state / sub).mkdir(exist_ok=True, mode=0o700)
        course_mod.build_course(self.course, self.chosen, self.env())
        # From here on the course's own copies are the lessons: an instructor notebook
        # edited while the class is graded changes nothing in this grading.
        self.chosen = [
            course_mod.read_lesson(self.course / "source" / lesson.assignment / lesson.path.name)
            for lesson in self.chosen
        ]

    def settings(self, uid: int | None, host_dir: Path, sockets: Path, hide: list[str]) -> dict:
        limits = self.limits
        venv = Path(sys.prefix)
        return {
            "uid": uid,
            "python": sys.executable,
            "memory_bytes": limits.memory_mib * 2**20,
            "cpu_seconds": limits.cpu_seconds,
            "file_bytes": limits.file_mib * 2**20,
            "processes": limits.processes,
            "tmp_size": f"{limits.tmp_mib}m",
            "hide": sorted({str(ROOT), str(self.state), *hide, *self.hide}),
            # the virtual environment, the Python it was made from, the package and data
            "keep": [
                str(venv),
                str(Path(sys.base_prefix).resolve()),
                str(ROOT / "helpers"),
                str(ROOT / "data"),
            ],
            "host_dir": str(host_dir),
            "sockets": [str(sockets)],
            "network": False,
            "matplotlib_cache": str(Path.home() / ".cache" / "matplotlib"),
            "blas_threads": 1,
        }

    def grade(self, submissions: Submissions, hide: list[str], progress=None) -> list[Outcome]:
        """Grade every student (``jobs`` students at once); one outcome per student and
        lesson, in a stable order (students, then lessons)."""
        slots = list(self.uids)

        def run(student):
            if STOP.is_set():
                return []
            handed_in = submissions.notebooks[student]
            uid = slots.pop()
            try:
                outcomes = self.grade_student(student, handed_in, uid, hide)
            finally:
                slots.append(uid)
            if progress:
                for lesson, outcome in zip(self.chosen, outcomes, strict=True):
                    progress(student, lesson, outcome)
            return outcomes

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            return [o for outcomes in pool.map(run, submissions.students) for o in outcomes]

    def grade_student(
        self, student: str, handed_in: dict[str, Path], uid: int | None, hide: list[str]
    ) -> list[Outcome]:
        """``nbgrader autograde`` of all of one student's lessons in one process, with the
        student's own copy of the gradebook; a watchdog ends a notebook's kernel when the
        notebook runs longer than ``notebook_seconds`` (nbgrader then goes on with the
        next lesson)."""
        job = self.state / "jobs" / student
        if job.exists():
            shutil.rmtree(job)
        job.mkdir(parents=True)
        shutil.copytree(self.course / "source", job / "source")
        shutil.copy(self.course / "gradebook.db", job / "gradebook.db")
        outcomes: dict[str, Outcome] = {}
        to_grade = []
        for lesson in self.chosen:
            path = handed_in.get(lesson.number)
            if path is None:
                rows = self._lesson_rows(student, lesson, "missing", "no notebook handed in")
                outcomes[lesson.number] = Outcome(rows)
                continue
            target = job / "submitted" / student / lesson.assignment / lesson.path.name
            try:
                changed = course_mod.restore_check_cells(path, lesson, self.course, target)
            except Exception as error:  # noqa: BLE001 - an unreadable notebook is a row
                reason = f"the notebook could not be read ({type(error).__name__}: {error})"
                outcomes[lesson.number] = Outcome(
                    self._lesson_rows(student, lesson, "error", reason), 0.0, [reason]
                )
                continue
            notes = [
                f"{student} {lesson.name}: changed the locked check cell {c} "
                "(graded with the original)"
                for c in changed
            ]
            outcomes[lesson.number] = Outcome([], 0.0, notes)
            to_grade.append(lesson)
        if to_grade:
            self._autograde(student, to_grade, job, uid, hide, outcomes)
        return [outcomes[lesson.number] for lesson in self.chosen]

    def _autograde(self, student, to_grade, job, uid, hide, outcomes) -> None:
        sandboxes = self.state / "sandboxes" / student
        sandboxes.mkdir(parents=True, exist_ok=True)
        if uid is not None:
            os.chown(sandboxes, uid, uid)
        # The kernel talks to nbgrader over Unix sockets in a folder of its own: no TCP port
        # (none to race for between parallel kernels, jupyter_client issue 487), so the
        # kernel can live in a network namespace with no network at all.
        sockets = sandboxes / "ipc"
        if len(str(sockets)) > 80:  # a socket's path is at most 107 bytes
            sockets = Path(tempfile.mkdtemp(prefix="grading-ipc-"))
        sockets.mkdir(mode=0o700, exist_ok=True)
        if uid is not None:
            os.chown(sockets, uid, uid)
        self.write_config(job, sockets / "kernel")
        spec_root = job / "jupyter"
        write_kernelspec(spec_root, self.settings(uid, sandboxes, sockets, hide))
        env = self.env()
        env["JUPYTER_PATH"] = str(spec_root)
        assignments = "lesson*" if len(to_grade) > 1 else to_grade[0].assignment
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nbgrader",
                "autograde",
                assignments,
                "--student",
                student,
                "--force",
            ],
            cwd=job,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        watch = _Watch(
            process,
            {lesson.assignment: lesson for lesson in to_grade},
            uid,
            self.limits.notebook_seconds,
        )
        watch.run()
        end_sandbox(uid)
        shutil.rmtree(sandboxes, ignore_errors=True)
        shutil.rmtree(sockets, ignore_errors=True)
        (job / "autograde.log").write_text("".join(watch.lines), encoding="utf-8")
        scores_cache: dict[str, dict[str, float]] = {}
        for lesson in to_grade:
            outcome = outcomes[lesson.number]
            outcome.seconds = watch.seconds.get(lesson.assignment, 0.0)
            outcome.log = watch.log_of(lesson.assignment)
            outcome.kernel_mib = watch.kernel_kib.get(lesson.assignment, 0) / 1024
            outcome.grader_mib = watch.grader_kib / 1024
            graded = job / "autograded" / student / lesson.assignment / lesson.path.name
            if lesson.assignment in watch.killed:
                reason = f"the notebook did not finish within {self.limits.notebook_seconds} s"
                outcome.rows = self._lesson_rows(student, lesson, "timeout", reason, "timeout")
            elif not graded.exists():
                reason = failure_reason(outcome.log or "".join(watch.lines[-40:]))
                outcome.rows = self._lesson_rows(student, lesson, "error", reason)
            else:
                scores = scores_cache.setdefault(
                    lesson.assignment, read_scores(job, student, lesson)
                )
                nb = nbformat.read(graded, as_version=4)
                outcome.rows = [
                    exercise_row(student, lesson, e, nb, scores.get(e.check))
                    for e in lesson.exercises
                ]
                outcome.notes += [n for n in map(disagreement, outcome.rows) if n]

    def write_config(self, job: Path, sockets: Path) -> None:
        limits = self.limits
        text = course_mod.CONFIG_FILE.read_text(encoding="utf-8")
        text += f"""

# --- written by tools/grading for this grading job ---
c.CourseDirectory.root = {str(job)!r}
c.Execute.kernel_name = {KERNEL_NAME!r}
c.Execute.timeout = {limits.cell_seconds}
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 120
c.OverwriteCells.add_missing_cells = True
c.KernelManager.transport = "ipc"
c.KernelManager.ip = {str(sockets)!r}
"""
        (job / "nbgrader_config.py").write_text(text, encoding="utf-8")

    @staticmethod
    def _lesson_rows(student, lesson, status, reason, diagnosis="") -> list[Row]:
        return [
            Row(student, lesson.name, e.name, None, e.max_points, status, diagnosis, reason)
            for e in lesson.exercises
        ]


# ---------------------------------------------------------------------- the results --


def failure_reason(log: str) -> str:
    """One line on why nbgrader gave no graded notebook."""
    text = log or ""
    if "Kernel died before replying to kernel_info" in text:
        sandbox = [
            ln.strip() for ln in text.splitlines() if "grading sandbox" in ln or "Error:" in ln
        ]
        detail = f" ({sandbox[-1][:200]})" if sandbox else ""
        return (
            "the graded kernel could not start" + detail + "; see the student's "
            "autograde.log in the grading state"
        )
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
        return (
            "the kernel died while the notebook ran (CPU-time limit, or the code ended "
            "Python); the lesson's exercises were not graded"
        )
    lines = [
        line.strip()
        for line in text.splitlines()
        if "ERROR" in line or "Error" in line or "error" in line
    ]
    last = lines[-1] if lines else (text.strip().splitlines() or ["no output"])[-1]
    return f"nbgrader could not grade the notebook: {last[:300]}"


def read_scores(job: Path, student: str, lesson: Lesson) -> dict[str, float]:
    """nbgrader's score of each graded cell of the student's lesson."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{job / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(
            lesson.path.stem, lesson.assignment, student
        )
        return {grade.name: float(grade.score) for grade in submission.grades}


def _cells_by_id(nb) -> dict:
    return {
        c.metadata.get("nbgrader", {}).get("grade_id"): c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id")
    }


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def record_of(cell) -> dict | None:
    """The verdict the grading hook recorded in a check cell (the last one), or None."""
    found = None
    for output in cell.get("outputs", []):
        if output.get("output_type") != "display_data":
            continue
        if output.get("metadata", {}).get("engine_grading") != RECORD["engine_grading"]:
            continue
        data = output.get("data", {}).get(FEEDBACK_MIME)
        if isinstance(data, str):
            data = json.loads(data)
        if isinstance(data, dict):
            found = data
    return found


def _one_line(error) -> str:
    value = str(error.get("evalue", "")).strip().splitlines()
    return f"{error.get('ename', 'Error')}: {value[0] if value else ''}".strip()[:300]


def exercise_row(student: str, lesson: Lesson, exercise: Exercise, nb, score) -> Row:
    """The row of one exercise from the autograded notebook and nbgrader's score."""
    cells = _cells_by_id(nb)
    answer, check = cells.get(exercise.name), cells.get(exercise.check)
    row = Row(student, lesson.name, exercise.name, score, exercise.max_points, "graded")
    if check is None:
        row.status, row.reason = "error", "the check cell is missing from the notebook"
        return row
    answer_errors = _errors(answer) if answer is not None else []
    check_errors = _errors(check)
    names = {e.get("ename") for e in answer_errors + check_errors}
    record = record_of(check)
    diagnosis = (record or {}).get("diagnosis", "") or ""
    if names & TIMEOUT_ERRORS or diagnosis == "timeout":
        row.status, row.diagnosis = "timeout", "timeout"
        row.reason = "the answer did not finish within the time limit"
    elif names & MEMORY_ERRORS or diagnosis == "out-of-memory":
        row.status, row.diagnosis = "out_of_memory", "out-of-memory"
        row.reason = "the answer went beyond the memory limit"
    elif record is not None:
        row.diagnosis = diagnosis
        row.passed = bool(record.get("passed"))
        row.status = "graded" if record.get("answered", True) else "blank"
        if row.status == "blank":
            row.diagnosis = diagnosis or "blank"
    else:
        row.status = "error"
        if answer_errors:
            row.reason = f"the answer cell raised {_one_line(answer_errors[0])}"
        elif check_errors:
            row.reason = f"the check raised {_one_line(check_errors[0])}"
        else:
            row.reason = "the check gave no verdict"
    return row


def disagreement(row: Row) -> str:
    """A note when nbgrader's points and the checker's verdict disagree (should not)."""
    if row.status != "graded" or row.points is None or row.passed is None:
        return ""
    right = row.passed
    full = row.points >= row.max_points
    if right and not full:
        return (
            f"{row.student} {row.lesson} {row.exercise}: the check said right but nbgrader "
            f"gave {row.points:g}/{row.max_points:g}"
        )
    if full and not right:
        return (
            f"{row.student} {row.lesson} {row.exercise}: nbgrader gave full points but the "
            f"check said {row.diagnosis}"
        )
    return ""
