"""The benchmark runs end to end and reports every section (no timing thresholds here)."""

import importlib
import math

import nbformat
import numpy as np
import pytest

import bench
from bench.memory import notebook_memory


@pytest.fixture(scope="module")
def report():
    results = bench.run(quick=True)
    return results, bench.format_report(results)


def positive(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def test_gemm_flops_of_an_epoch_match_the_formula():
    forward = 2 * 128 * (784 * 512 + 512 * 10)
    backward = 2 * forward - 2 * 128 * 784 * 512  # no input gradient for the first layer
    assert bench.step_flops() == forward + backward
    assert len(bench.gemm_shapes()) == 5
    assert bench.epoch_flops() == 468 * (forward + backward) + bench.step_flops(96)
    assert round(bench.epoch_flops() / 1e9, 1) == 98.2


@pytest.mark.parametrize("name", ["engine", "lean", "gemm", "pytorch", "jax"])
def test_each_implementation_timed_or_skipped_with_a_reason(report, name):
    epoch = report[0]["epoch"]
    if name in epoch["median"]:
        assert len(epoch["seconds"][name]) == epoch["rounds"]
        assert all(positive(s) for s in epoch["seconds"][name])
    else:
        assert name in ("pytorch", "jax") and epoch["skipped"][name]


def test_implementations_start_from_the_same_weights_and_batches(report):
    losses = {k: v for k, v in report[0]["epoch"]["loss"].items() if k != "gemm"}
    engine = losses.pop("engine")
    for name, loss in losses.items():
        assert loss == pytest.approx(engine, rel=1e-3), name


def test_ratios_peak_and_shares_are_numbers(report):
    results = report[0]
    epoch = results["epoch"]
    assert positive(epoch["gflops"]) and positive(results["peak"]["gflops"])
    assert positive(results["peak"]["engine_share"])
    assert math.isfinite(epoch["outside_gemm"])
    for key in ("pytorch", "jax"):
        if key in epoch["median"]:
            assert positive(epoch["ratio"][f"engine / {key}"])
    assert set(results["fit_overhead"]["median"]) == {
        "trainer loop",
        "fit(progress=False)",
        "fit(progress=True)",
    }
    assert all(positive(s) for s in results["fit_overhead"]["median"].values())


def test_gemm_shapes_anatomy_and_finite_differences(report):
    results = report[0]
    assert [g["name"] for g in results["gemm_shapes"]] == [n for n, *_ in bench.gemm_shapes()]
    assert all(positive(g["gflops"]) for g in results["gemm_shapes"])
    assert all(positive(us) for us in results["anatomy"].values())
    fd = results["finite_differences"]
    assert fd["params"] == 407_050
    assert positive(fd["ratio"]) and positive(fd["backprop"])


def test_widgets_load_mnist_memory_and_threads(report):
    results = report[0]
    for key, backend in (
        ("widgets", "inline"),
        ("widgets_ipympl", "ipympl, headless"),
        ("widgets_ipympl_attached", "ipympl, as with a browser attached"),
    ):
        widgets = results[key]
        assert "missing" not in widgets, widgets
        assert widgets["backend"].startswith(backend)
        assert {row["builder"] for row in widgets["rows"]} == {
            "naive_update_explorer",
            "learning_rate_explorer",
            "momentum_explorer",
            "training_panel",
        }
        for row in widgets["rows"]:
            assert "error" not in row, row
            assert positive(row["median"]) and row["max"] >= row["median"]
    assert positive(results["load_mnist"]["first"]), results["load_mnist"]
    assert positive(results["memory"]["engine"]["mib"]), results["memory"]
    assert results["machine"]["blas"]["num_threads"] >= 1
    assert set(results["machine"]["env"]) >= {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}


def test_report_has_every_section(report):
    text = report[1]
    for heading in (
        "One epoch",
        "Ratios",
        "GEMM speed",
        "piece by piece",
        "fit against a bare loop",
        "finite differences",
        "Widgets",
        "load_mnist()",
        "Peak memory",
        "Memory of a notebook kernel",
        "A class on this machine",
        "OPENBLAS_CORETYPE",
    ):
        assert heading in text, heading


def test_notebook_kernels_and_the_classroom_are_measured(report):
    notebooks = report[0]["notebooks"]
    assert list(notebooks["rows"]) == ["00_index"]
    row = notebooks["rows"]["00_index"]
    assert "error" not in row, row
    assert positive(row["run_all"]) and row["run_all_twice"] >= row["run_all"]
    assert positive(row["seconds"]) and math.isfinite(row["growth"])
    classroom = report[0]["classroom"]["rows"]
    assert [c["students"] for c in classroom] == [1, 2]
    for c in classroom:
        assert c["failures"] == [], c
        assert positive(c["median"]) and c["max"] >= c["median"]


def test_the_growth_per_rerun_sees_a_leak(tmp_path):
    """A cell that keeps 40 MiB more on every Run All must show as ~40 MiB of growth."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "kept = globals().setdefault('kept', [])\n"
            "kept.append(bytearray(40 * 2**20))  # touched: counted in RSS\n"
            "kept[-1][::4096] = b'x' * len(kept[-1][::4096])"
        )
    ]
    path = tmp_path / "leak.ipynb"
    nbformat.write(nb, path)
    row = notebook_memory(path, reruns=2)
    assert 35 < row["growth"] < 45, row


def test_a_kernel_is_not_charged_for_the_process_that_started_it(tmp_path):
    """ru_maxrss would count the fork of a large parent; the probe must not."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    ballast = np.ones(300 * 2**20 // 8)  # 300 MiB, touched, in this (parent) process
    row = notebook_memory(path, reruns=1)
    assert ballast.sum() > 0
    assert row["run_all"] < 200, row  # a bare kernel is well under 200 MiB


def test_run_rejects_an_unknown_part():
    with pytest.raises(ValueError, match="unknown part"):
        bench.run(quick=True, parts=("speed", "sped"))


def test_main_rejects_zero_rounds():
    with pytest.raises(SystemExit):
        bench.main(["--rounds", "0"])


# ------------------------------------------------------- grading (bench/grading.py) --


def test_the_course_is_built_by_one_nbgrader_process(tmp_path, monkeypatch):
    """Every lesson's assignment from one ``nbgrader generate_assignment`` (most of one is
    its start): each lesson released, and in the gradebook with its graded check cells."""
    Gradebook = pytest.importorskip("nbgrader.api").Gradebook
    from bench.grading import Grader, Limits, lessons  # puts tools/ on the path

    autograde = importlib.import_module("grading.autograde")
    course = importlib.import_module("grading.course")
    monkeypatch.setattr(autograde, "sandbox_uids", lambda count: [None] * count)
    calls, run = [], course.nbgrader

    def counted(args, *rest, **options):
        calls.append(args)
        return run(args, *rest, **options)

    monkeypatch.setattr(course, "nbgrader", counted)
    chosen = lessons(["00", "01"])
    grader = Grader(tmp_path / "state", chosen, Limits(), 1)
    grader.prepare()
    assert [args[0] for args in calls] == ["generate_assignment"], calls
    with Gradebook(f"sqlite:///{grader.course / 'gradebook.db'}") as gradebook:
        assert sorted(a.name for a in gradebook.assignments) == ["lesson00", "lesson01"]
        for lesson in chosen:
            assert (grader.course / "release" / lesson.assignment / lesson.path.name).is_file()
            notebook = gradebook.find_notebook(lesson.name, lesson.assignment)
            assert {c.name for c in notebook.grade_cells} == {e.check for e in lesson.exercises}


def test_the_grading_benchmark_prints_every_figure():
    from bench.grading import format_grading

    spread = {"median": 1.5, "max": 2.5}
    text = format_grading(
        {
            "students": 30,
            "lessons": 2,
            "notebooks": 60,
            "jobs": 2,
            "build_seconds": 12.0,
            "grading_seconds": 600.0,
            "seconds_per_notebook": spread,
            "kernel_mib": spread,
            "grader_mib": spread,
            "per_lesson": {
                name: {"seconds": spread, "kernel_mib": spread}
                for name in ("01_kernel_and_bias", "04_gradient")
            },
            "unexpected": [],
        }
    )
    assert text.startswith("Grading 30 students x 2 lessons (60 notebooks, 2 students at once)")
    for line in (
        "course built (one generate_assignment, 2 lessons) in 12 s",
        "graded in 600 s (10.0 min)",
        "seconds per notebook: median 1.5, max 2.5",
        "01_kernel_and_bias",
        "04_gradient",
        "not graded as expected: none",
    ):
        assert line in text, line
