"""`make grade`: a class of six students, built from real answers, graded end to end.

One run of ``make grade`` (fixture ``graded``) grades lessons 01 and 04 of:

- ada:  the worked answers (the instructor edition's);
- ben:  half right: planted named mistakes (no bias, sign flipped, not restored), every
        other exercise right and the rest blank;
- cleo: the student edition handed in blank;
- dev:  a function that never returns, an answer cell that loops forever, one planted
        mistake, the rest right;
- eve:  a function and an answer cell that allocate far too much, one planted mistake,
        the rest right;
- finn: lesson 01 only, in nbgrader's submitted/<student>/lesson01/ layout: tries to read
        the instructor notebook and the gradebook, to write into the repository, the
        grading state, the submissions, /tmp, /var/tmp and /dev/shm, to reach a server on
        this machine, forges a checker and replaces numpy.allclose.

Every row of grades.csv is asserted (points, status, diagnosis); so are the report (the
planted mistakes with their counts), a clean nbgrader log, nothing written outside the
sandbox, no network, no process left, git status unchanged, and the report in Chromium.
Two lessons keep that run to 11 notebooks (about 5 minutes on 2 busy cores).

Issue 19's check (fixture ``every_lesson``): ada, ben and cleo hand in every lesson, graded
by the plain-Python entry point; every row and each lesson's points are asserted, and ben's
planted mistakes of 05 and 08 (divided by batch_size, no bias correction) too. A third run
shows that a notebook running past its wall limit is ended and the next lesson graded.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import machine_to_itself

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from grading import autograde, course  # noqa: E402
from grading.sample import hand_in as _hand_in  # noqa: E402
from grading.sample import worked_answers as _solutions  # noqa: E402

import helpers.checks  # noqa: E402

LESSONS = course.lessons()
BY_NUMBER = {lesson.number: lesson for lesson in LESSONS}
# The class test grades two lessons (11 notebooks: about 5 minutes on 2 busy cores); the
# worked / half-right / blank check of issue 19 grades every lesson (3 notebooks each).
CLASS_LESSONS = [BY_NUMBER["01"], BY_NUMBER["04"]]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
HUGE = "np.ones(6 * 2**30 // 8)"  # 6 GiB: more than the kernel's 4 GiB address space

# ----------------------------------------------------------------- the answers ----

NO_BIAS = """def dense_forward(x, kernel, bias):
    return np.maximum(np.dot(x, kernel), 0)
"""
ENDLESS_FUNCTION = """def dense_forward(x, kernel, bias):
    while True:
        pass
"""
HUGE_FUNCTION = f"""def dense_forward(x, kernel, bias):
    waste = {HUGE}
    return np.maximum(np.dot(x, kernel) + bias, 0) + waste[0]
"""
SIGN_FLIPPED = """point = np.array([2.0, -1.0])
my_new_point = point + 0.2 * bowl.gradient(point)
"""
ENDLESS_CELL = """my_slope = ...
while True:
    pass
"""
HUGE_CELL = f"""point = np.array([2.0, -1.0])
my_new_point = ...
waste = {HUGE}
"""
NOT_RESTORED = """def numerical_gradient(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + epsilon
        plus = f(w)
        w[i] = old - epsilon
        minus = f(w)
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad
"""
BY_BATCH_SIZE = """def sgd_epoch(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        x_b, y_b = x[batch], y[batch]
        gradient = 2 * x_b.T @ (x_b @ w - y_b) / batch_size
        w = w - learning_rate * gradient
    return w
"""
NO_BIAS_CORRECTION = """def adam_step(w, m, v, gradient, t, learning_rate,
              beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * gradient
    v = beta2 * v + (1 - beta2) * gradient**2
    return w - learning_rate * m / (np.sqrt(v) + eps), m, v
"""
FORGED_CHECKER = """my_out = np.maximum(np.dot(batch_1, layer.kernel) + layer.bias, 0)
from helpers.checks.core import Feedback

check_forward_pass = lambda *args, **kwargs: Feedback(True, "forged")
"""
REPLACED_NUMPY = """np.allclose = lambda *args, **kwargs: True
my_accuracy = 0.5
"""

# ben's planted mistakes: (lesson, exercise) -> (answer cell, diagnosis)
PLANTED = {
    ("01", "dense-forward"): (NO_BIAS, "no-bias"),
    ("04", "descent-step"): (SIGN_FLIPPED, "sign-flipped"),
    ("04", "numerical-gradient"): (NOT_RESTORED, "not-restored"),
    ("05", "sgd-epoch"): (BY_BATCH_SIZE, "divided-by-batch-size"),
    ("08", "adam-step"): (NO_BIAS_CORRECTION, "no-bias-correction"),
}


@pytest.fixture(scope="module", autouse=True)
def _machine_to_itself():
    """Grading runs kernels as other users; the real hub test closes the repository to
    them while it runs: the two take turns (tests/conftest.py)."""
    with machine_to_itself():
        yield


def _snoop(token: str, out: Path, submissions: Path, port: int) -> str:
    """finn's first answer: read the answer key, write outside the sandbox, and send the
    token to a server on this machine."""
    reads = [
        ROOT / "notebooks" / BY_NUMBER["01"].path.name,
        out / "state" / "course" / "gradebook.db",
    ]
    writes = [
        ROOT / f"{token}.txt",
        ROOT / "notebooks" / f"{token}.txt",
        out / "state" / f"{token}.txt",
        submissions / f"{token}.txt",
        Path("/tmp") / f"{token}.txt",
        Path("/var/tmp") / f"{token}.txt",
        Path("/dev/shm") / f"{token}.txt",
    ]
    return f"""my_kernel_shape = ...
import pathlib

for target in {[str(p) for p in writes]!r}:
    try:
        pathlib.Path(target).write_text("written by a graded notebook")
    except OSError:
        pass
for key in {[str(p) for p in reads]!r}:
    try:
        if b"(512, 10)" in pathlib.Path(key).read_bytes():
            my_kernel_shape = (512, 10)
    except OSError:
        pass
import socket

try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"{token}")
except OSError:
    pass
"""


def written_outside(token: str, out: Path, submissions: Path) -> list[Path]:
    places = [ROOT, ROOT / "notebooks", out / "state", out, submissions, Path("/tmp")]
    places += [Path("/var/tmp"), Path("/dev/shm")]
    return [p / f"{token}.txt" for p in places if (p / f"{token}.txt").exists()]


def build_three(submissions: Path, lessons, expected: dict) -> None:
    """ada (worked), ben (half right, with planted mistakes) and cleo (blank) hand in
    ``lessons``; their expected rows go into ``expected``."""

    def expect(student, lesson, exercise, kind, diagnosis=""):
        _expect(expected, student, lesson, exercise, kind, diagnosis)

    for lesson in lessons:
        worked = _solutions(lesson)
        _hand_in(lesson, worked, submissions / "ada" / lesson.path.name)
        _hand_in(lesson, {}, submissions / "cleo" / lesson.path.name)
        half = {}
        for index, exercise in enumerate(lesson.exercises):
            expect("ada", lesson, exercise, "right")
            expect("cleo", lesson, exercise, "blank")
            planted = PLANTED.get((lesson.number, exercise.name))
            if planted:
                half[exercise.name] = planted[0]
                expect("ben", lesson, exercise, "mistake", planted[1])
            elif index % 2 == 0:
                half[exercise.name] = worked[exercise.name]
                expect("ben", lesson, exercise, "right")
            else:
                expect("ben", lesson, exercise, "blank")
        _hand_in(lesson, half, submissions / "ben" / lesson.path.name)


def _expect(expected, student, lesson, exercise, kind, diagnosis=""):
    points = {"right": exercise.max_points, "missing": None}.get(kind, 0.0)
    status = {"right": "graded", "mistake": "graded"}.get(kind, kind)
    if kind == "blank":
        diagnosis = "blank"
    expected[(student, lesson.name, exercise.name)] = (points, status, diagnosis)


def build_class(submissions: Path, out: Path, token: str, port: int) -> dict:
    """Write the class's notebooks of CLASS_LESSONS; return the expected row of every
    student x exercise: (student, lesson, exercise) -> (points, status, diagnosis)."""
    expected = {}
    build_three(submissions, CLASS_LESSONS, expected)

    def expect(student, lesson, exercise, kind, diagnosis=""):
        _expect(expected, student, lesson, exercise, kind, diagnosis)

    one, four = BY_NUMBER["01"], BY_NUMBER["04"]
    plans = {
        "dev": {
            one: {"dense-forward": (ENDLESS_FUNCTION, "timeout", "timeout")},
            four: {
                "slope": (ENDLESS_CELL, "timeout", "timeout"),
                "descent-step": (SIGN_FLIPPED, "mistake", "sign-flipped"),
            },
        },
        "eve": {
            one: {"dense-forward": (HUGE_FUNCTION, "out_of_memory", "out-of-memory")},
            four: {
                "descent-step": (HUGE_CELL, "out_of_memory", "out-of-memory"),
                "numerical-gradient": (NOT_RESTORED, "mistake", "not-restored"),
            },
        },
        "finn": {
            one: {
                "kernel-shape": (_snoop(token, out, submissions, port), "blank", "blank"),
                "forward-pass": (FORGED_CHECKER, "mistake", "tampered"),
                "random-accuracy": (REPLACED_NUMPY, "mistake", "tampered"),
                # numpy.allclose stays replaced: the next check refuses too
                "dense-forward": (None, "mistake", "tampered"),
            },
        },
    }
    for student, lessons in plans.items():
        for lesson in CLASS_LESSONS:
            if lesson not in lessons:
                for exercise in lesson.exercises:
                    expect(student, lesson, exercise, "missing")
                continue
            special = lessons[lesson]
            answers = _solutions(lesson)
            for exercise in lesson.exercises:
                source, kind, diagnosis = special.get(exercise.name, (None, "right", ""))
                if source is not None:
                    answers[exercise.name] = source
                expect(student, lesson, exercise, kind, diagnosis)
            if student == "finn":  # nbgrader's own layout
                path = submissions / student / lesson.assignment / lesson.path.name
            else:
                path = submissions / student / lesson.path.name
            _hand_in(lesson, answers, path)
    return expected


# --------------------------------------------------------------------- the run ----


def _git_status() -> set[str]:
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.splitlines())


def _processes_started_under(pid: int) -> list[int]:
    return autograde._children(pid)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """``make grade`` over the class; everything the tests below look at."""
    tmp = tmp_path_factory.mktemp("class")
    submissions = tmp / "submissions"
    out = ROOT / "build" / "test-grades" / secrets.token_hex(4)
    token = "graded-" + secrets.token_hex(8)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    expected = build_class(submissions, out, token, listener.getsockname()[1])
    before = _git_status()
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [  # -o: grade with the environment as installed (the test installs nothing)
            "make",
            "-o",
            ".venv/.stamp-student",
            "grade",
            f"SUBMISSIONS={submissions}",
            f"GRADE_ARGS=--out {out} --jobs 2 --lessons 01 04",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    listener.setblocking(False)
    try:
        listener.accept()
        reached = True
    except BlockingIOError:
        reached = False
    listener.close()
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    yield {
        "network_reached": reached,
        "done": done,
        "rows": rows,
        "expected": expected,
        "out": out,
        "submissions": submissions,
        "token": token,
        "before": before,
        "after": _git_status(),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(out / "report.html", ARTIFACTS / "grade-report.html")
    shutil.rmtree(out)  # the students' work: not left in build/ after the test


def test_make_grade_runs_and_says_what_could_not_be_graded(graded):
    done = graded["done"]
    assert done.returncode != 0, "timeouts and out-of-memory answers must fail the run"
    assert "Could not be graded" in done.stdout, done.stdout[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    for student in ("dev", "eve"):
        assert re.search(
            rf"{student} 01_kernel_and_bias dense-forward: (timeout|out_of_memory)", done.stdout
        ), done.stdout[-3000:]


def test_every_row_of_grades_csv(graded):
    _assert_rows(graded["rows"], graded["expected"])


def _assert_rows(rows, expected):
    assert list(rows[0]) == list(
        ("student", "lesson", "exercise", "points", "max_points", "status", "diagnosis")
    )
    found = {
        (r["student"], r["lesson"], r["exercise"]): (
            None if r["points"] == "" else float(r["points"]),
            r["status"],
            r["diagnosis"],
        )
        for r in rows
    }
    assert len(found) == len(rows), "a row appears twice"
    wrong = {
        key: (found.get(key), want) for key, want in expected.items() if found.get(key) != want
    }
    assert not wrong, "rows that differ (found, expected):\n" + "\n".join(
        f"  {key}: {pair}" for key, pair in sorted(wrong.items())
    )
    assert set(found) == set(expected), "rows nobody expected"
    for r in rows:
        assert float(r["max_points"]) == next(
            e.max_points
            for lesson in LESSONS
            if lesson.name == r["lesson"]
            for e in lesson.exercises
            if e.name == r["exercise"]
        )


@pytest.fixture(scope="module")
def every_lesson(tmp_path_factory):
    """ada, ben and cleo hand in every lesson; graded by the plain-Python entry point."""
    tmp = tmp_path_factory.mktemp("every-lesson")
    expected = {}
    build_three(tmp / "submissions", LESSONS, expected)
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "grade.py"),
            str(tmp / "submissions"),
            "--out",
            str(tmp / "out"),
            "--jobs",
            "2",
            "--quiet",
        ],
        cwd=ROOT,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    with open(tmp / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    report = (tmp / "out" / "report.html").read_text(encoding="utf-8")
    return {"done": done, "rows": rows, "expected": expected, "report": report}


def test_issue_19_worked_half_and_blank_get_their_points_in_every_lesson(every_lesson):
    """nbgrader generate_assignment + autograde (through make grade's machinery) on a
    worked, a half-right and a blank submission of every lesson."""
    done = every_lesson["done"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    _assert_rows(every_lesson["rows"], every_lesson["expected"])
    totals = {}
    for r in every_lesson["rows"]:
        got, most = totals.get((r["student"], r["lesson"]), (0.0, 0.0))
        totals[(r["student"], r["lesson"])] = (
            got + float(r["points"]),
            most + float(r["max_points"]),
        )
    for lesson in LESSONS:
        got, most = totals[("ada", lesson.name)]
        assert got == most > 0, f"worked {lesson.name}: {got}/{most}"
        assert totals[("cleo", lesson.name)][0] == 0, f"blank {lesson.name}"
        half = totals[("ben", lesson.name)][0]
        want = sum(
            e.max_points
            for i, e in enumerate(lesson.exercises)
            if (lesson.number, e.name) not in PLANTED and i % 2 == 0
        )
        assert half == want, f"half-right {lesson.name}: {half}, expected {want}"
    mistakes = _report_mistakes(every_lesson["report"])
    for (number, exercise), (_, diagnosis) in PLANTED.items():
        assert mistakes[(BY_NUMBER[number].name, exercise)] == {diagnosis: 1}


def test_nothing_was_written_outside_the_sandbox(graded):
    token = graded["token"]
    assert not written_outside(token, graded["out"], graded["submissions"])
    hits = subprocess.run(
        ["grep", "-rl", token, str(graded["out"] / "state" / "jobs" / "finn")],
        capture_output=True,
        text=True,
    ).stdout.split()
    # The token appears only in finn's notebook (its source), never as a file of its own.
    assert all(path.endswith(".ipynb") for path in hits), hits


def test_a_graded_kernel_has_no_network(graded):
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root; without it the kernel has the network")
    assert not graded["network_reached"], "a graded notebook connected to this machine"


# What grading could leave in the work tree if its output were not ignored or a kernel
# escaped: git status must show none of it after `make grade`.
GRADING_TRACES = re.compile(
    r"(^|/)(build|course|submitted|autograded|release|feedback|source)/|gradebook\.db|"
    r"grades\.csv|report\.html|autograde\.log|nbgrader_config|graded-[0-9a-f]{16}"
)


def test_git_status_is_unchanged_and_the_state_is_private(graded):
    # Other work may change the tree while the class is graded (a shared work tree, a
    # developer's editor); what grading itself could write is named by GRADING_TRACES.
    new = sorted(graded["after"] - graded["before"])
    traces = [line for line in new if GRADING_TRACES.search(line[3:])]
    assert not traces, f"make grade left these in git status: {traces}"
    state = graded["out"] / "state"
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(graded["out"] / "grades.csv")], cwd=ROOT
    )
    assert ignored.returncode == 0, "build/ output must be ignored by git"


def test_no_grading_process_is_left(graded):
    for uid in autograde.UID_RANGE:
        assert not autograde.processes_of(uid), f"processes of the grading user {uid} left"
    assert not _processes_started_under(os.getpid()), "a child of the test is left"


def test_the_nbgrader_log_is_clean(graded):
    logs = sorted((graded["out"] / "state" / "jobs").glob("*/autograde.log"))
    assert len(logs) == 6, [str(p) for p in logs]  # one nbgrader process per student
    for log in logs:
        text = log.read_text(encoding="utf-8")
        assert "checksum" not in text, f"{log}: a checksum warning"
        assert "cannot be converted to" not in text, f"{log}: a partial-credit warning"


def _report_mistakes(text: str) -> dict[tuple[str, str], dict[str, int]]:
    """(lesson, exercise) -> {diagnosis: count} as report.html lists them."""
    found = {}
    for section in re.findall(r'<section id="([^"]+)">(.*?)</section>', text, re.DOTALL):
        lesson, body = section
        for exercise, cell in re.findall(
            r'<th scope="row">([^<]+)</th>(.*?)</tr>', body, re.DOTALL
        ):
            found[(lesson, exercise)] = {
                d: int(n) for d, n in re.findall(r"<code>([^<]+)</code> × (\d+)", cell)
            }
    return found


def test_the_report_lists_the_planted_mistakes_with_their_counts(graded):
    text = (graded["out"] / "report.html").read_text(encoding="utf-8")
    mistakes = _report_mistakes(text)
    one, four = BY_NUMBER["01"].name, BY_NUMBER["04"].name
    assert mistakes[(one, "dense-forward")] == {"no-bias": 1, "tampered": 1}
    assert mistakes[(four, "descent-step")] == {"sign-flipped": 2}
    assert mistakes[(four, "numerical-gradient")] == {"not-restored": 2}
    assert list(mistakes[(one, "forward-pass")]) == ["tampered"]
    # each mistake with the sentence of the lesson whose checker named it
    for checker, diagnosis in (
        ("check_dense_forward", "no-bias"),
        ("check_descent_step", "sign-flipped"),
        ("check_numerical_gradient", "not-restored"),
        ("check_dense_forward", "tampered"),
    ):
        own = helpers.checks.diagnosis_sentence(checker, diagnosis)
        assert own and html.escape(own, quote=True) in text, f"the sentence for {diagnosis}"
    # Largest first, in every exercise's list.
    for key, counts in mistakes.items():
        assert list(counts.values()) == sorted(counts.values(), reverse=True), key
    # The class at a glance: the most common mistakes first.
    glance = text.split('id="most-common"')[1].split("</section>")[0]
    assert glance.index("not-restored") < glance.index("no-bias")
    assert "2 of 6 students</strong> in 04_gradient" in glance
    # Who could not be graded, and why.
    not_graded = text.split('id="not-graded"')[1]
    for who in ("dev", "eve"):
        assert f"<td>{who}</td>" in not_graded
    assert "did not finish within" in not_graded and "memory limit" in not_graded


def test_the_report_in_chromium_has_a_chart_per_lesson_and_the_tables(graded, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found; install with: apt-get install chromium")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    report = graded["out"] / "report.html"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_page()
        elsewhere = []
        page.on("request", lambda r: r.url.startswith("file://") or elsewhere.append(r.url))
        page.goto(report.as_uri())
        charts = page.get_by_role("img")
        expect(charts).to_have_count(len(CLASS_LESSONS))
        one = page.locator(f'section[id="{BY_NUMBER["01"].name}"]')
        chart = one.get_by_role("img")
        expect(chart).to_be_visible()
        # The chart says in words what its bars show.
        name = chart.get_attribute("aria-labelledby").split()
        words = " ".join(page.locator(f"#{n}").text_content() for n in name)
        assert "dense-forward: 1 of 6 right" in words, words
        assert one.locator("svg rect.bar").count() == len(BY_NUMBER["01"].exercises)
        table = one.get_by_role("table")
        expect(table.get_by_role("row")).to_have_count(1 + len(BY_NUMBER["01"].exercises))
        expect(table.get_by_role("rowheader", name="dense-forward")).to_be_visible()
        expect(page.locator("table.not-graded")).to_be_visible()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert not elsewhere, f"the report asked for other files: {elsewhere}"


def test_a_notebook_that_runs_too_long_is_ended_and_the_next_lesson_graded(tmp_path):
    """The plain-Python entry point, with a notebook wall limit shorter than a cell's
    (120 s against 300 s, so that 01 finishes on a busy machine):
    the watchdog ends the kernel of 00 (status timeout), nbgrader goes on with 01."""
    index, one = BY_NUMBER["00"], BY_NUMBER["01"]
    sleeper = {e.name: "import time\n\ntime.sleep(600)" for e in index.exercises}
    _hand_in(index, sleeper, tmp_path / "subs" / "gus" / index.path.name)
    _hand_in(one, _solutions(one), tmp_path / "subs" / "gus" / one.path.name)
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "grade.py"),
            str(tmp_path / "subs"),
            "--out",
            str(tmp_path / "out"),
            "--lessons",
            "00",
            "01",
            "--jobs",
            "1",
            "--notebook-seconds",
            "120",
            "--cell-seconds",
            "300",
            "--quiet",
        ],
        cwd=ROOT,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["exercise"]: r for r in csv.DictReader(f) if r["student"] == "gus"}
    for exercise in index.exercises:
        row = rows[exercise.name]
        assert (row["points"], row["status"], row["diagnosis"]) == ("", "timeout", "timeout")
    for exercise in one.exercises:
        row = rows[exercise.name]
        assert (row["status"], row["diagnosis"]) == ("graded", ""), row
        assert float(row["points"]) == exercise.max_points
    assert "did not finish within 120 s" in done.stdout
    for uid in autograde.UID_RANGE:
        assert not autograde.processes_of(uid), f"processes of the grading user {uid} left"


# ------------------------------------------------------------ fast, no grading ----


def _tool():
    spec = importlib.util.spec_from_file_location("grade_tool", ROOT / "tools" / "grade.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "layout, message",
    [
        ("nothing", "is not a folder"),
        ("empty", "holds no student folders"),
        ("lesson 42", "no lesson numbered 42"),
    ],
)
def test_a_wrong_submissions_folder_gets_one_message(tmp_path, capsys, layout, message):
    folder = tmp_path / "subs"
    args = [str(folder)]
    if layout != "nothing":
        folder.mkdir()
    if layout == "lesson 42":
        (folder / "ada").mkdir()
        args += ["--lessons", "42"]
    assert _tool().main(args + ["--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def _cell(grade_id, outputs=(), **meta):
    cell = nbformat.v4.new_code_cell("pass")
    cell.metadata["nbgrader"] = {"grade_id": grade_id, **meta}
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def _record(**fields):
    data = {"passed": False, "answered": True, "diagnosis": "", **fields}
    return {
        "output_type": "display_data",
        "metadata": {"engine_grading": "record"},
        "data": {helpers.checks.FEEDBACK_MIME: data},
    }


def _error(ename):
    return {"output_type": "error", "ename": ename, "evalue": "x", "traceback": []}


@pytest.mark.parametrize(
    "answer_outputs, check_outputs, score, want",
    [
        ([], [_record(passed=True)], 1.0, ("graded", "")),
        ([], [_error("AssertionError"), _record(diagnosis="no-bias")], 0.0, ("graded", "no-bias")),
        (
            [],
            [_error("AssertionError"), _record(answered=False, diagnosis="blank")],
            0.0,
            ("blank", "blank"),
        ),
        ([], [_error("AssertionError"), _record(diagnosis="timeout")], 0.0, ("timeout", "timeout")),
        ([_error("CellTimeoutError")], [_record(answered=False)], 0.0, ("timeout", "timeout")),
        (
            [_error("_ArrayMemoryError")],
            [_record(answered=False)],
            0.0,
            ("out_of_memory", "out-of-memory"),
        ),
        ([_error("SyntaxError")], [_error("NameError")], 0.0, ("error", "")),
        ([], [], 1.0, ("error", "")),
    ],
    ids=[
        "right",
        "named",
        "blank",
        "guarded-timeout",
        "cell-timeout",
        "memory",
        "no-verdict",
        "no-output",
    ],
)
def test_a_row_says_what_the_outputs_say(answer_outputs, check_outputs, score, want):
    exercise = course.Exercise("x", "x-check", 1.0)
    lesson = course.Lesson("01", BY_NUMBER["01"].path, (exercise,))
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _cell("x", answer_outputs, solution=True),
        _cell("x-check", check_outputs, grade=True, points=1),
    ]
    row = autograde.exercise_row("ada", lesson, exercise, nb, score)
    assert (row.status, row.diagnosis) == want
    assert row.points == score
    assert (row.status in ("graded", "blank")) or row.reason, "a row not judged says why"
