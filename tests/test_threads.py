"""BLAS threads follow the CPUs a kernel may use: cgroup v1 and v2 quotas, and the override."""

import contextlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from helpers import threads


def cgroup(tmp_path, files, own="0::/\n"):
    for name, text in files.items():
        path = tmp_path / "fs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "self").write_text(own)
    return {"root": tmp_path / "fs", "proc_cgroup": tmp_path / "self"}


@pytest.mark.parametrize(
    ("files", "own", "quota"),
    [
        ({"cpu.max": "max 100000\n"}, "0::/\n", None),
        ({"cpu.max": "50000 100000\n"}, "0::/\n", 0.5),
        ({"user/cpu.max": "250000 100000\n", "cpu.max": "max 100000"}, "0::/user\n", 2.5),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, "1:cpu:/\n", None),
        (
            {"cpu/kid/cpu.cfs_quota_us": "150000\n", "cpu/kid/cpu.cfs_period_us": "100000\n"},
            "4:cpu,cpuacct:/kid\n",
            1.5,
        ),
        ({}, "0::/\n", None),
    ],
    ids=["v2 unlimited", "v2 half", "v2 own cgroup", "v1 unlimited", "v1 own cgroup", "none"],
)
def test_cpu_quota_reads_cgroups(tmp_path, files, own, quota):
    assert threads.cpu_quota(**cgroup(tmp_path, files, own)) == quota


@pytest.mark.parametrize(("quota", "most"), [(0.5, 1), (1.0, 1), (1.2, 2), (64.0, None)])
def test_available_cpus_rounds_a_quota_up_and_never_exceeds_the_machine(quota, most):
    cpus = len(os.sched_getaffinity(0))
    assert threads.available_cpus(quota) == (cpus if most is None else min(most, cpus))


def test_use_available_cpus_sets_numpy_blas(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import numpy as np  # noqa: F401 - loads BLAS

    for name in threads.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(threads, "available_cpus", lambda: 1)
    with threadpoolctl.threadpool_limits(limits=None):  # restored afterwards
        assert threads.use_available_cpus() == 1
        blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)


def test_an_explicit_thread_setting_wins(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setattr(threads, "available_cpus", lambda: 99)
    with threadpoolctl.threadpool_limits(limits=None):
        before = [i["num_threads"] for i in threadpoolctl.threadpool_info()]
        threads.use_available_cpus()
        assert [i["num_threads"] for i in threadpoolctl.threadpool_info()] == before


# --- a real CPU limit: a cgroup with a quota, and a Python process inside it ------------------


def _cgroup_mounts():
    """[(mount point, "v1" or "v2")] of the cgroup hierarchies that can limit the CPU."""
    found = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        _, point, kind, options = line.split()[:4]
        if kind == "cgroup" and "cpu" in options.split(","):
            found.append((Path(point), "v1"))
        elif kind == "cgroup2":
            controllers = Path(point) / "cgroup.controllers"
            if controllers.exists() and "cpu" in controllers.read_text().split():
                found.append((Path(point), "v2"))
    return found


@contextlib.contextmanager
def cpu_limited_cgroup(quota: float):
    """A new cgroup, child of this process's own, allowed ``quota`` CPUs (period 100 ms);
    yields its ``cgroup.procs`` file and removes the cgroup afterwards. Skips the test where
    no cgroup can be made (not Linux, not root, no writable cgroup hierarchy with the cpu
    controller, or a cgroup v2 parent that cannot hand the cpu controller down)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("cgroups are Linux only")
    own = threads._own_cgroup(Path("/proc/self/cgroup"))
    mounts = _cgroup_mounts()
    if not mounts:
        pytest.skip("no cgroup hierarchy with the cpu controller is mounted")
    point, version = mounts[0]
    parent = point / own.get("cpu" if version == "v1" else "", "/").lstrip("/")
    folder = parent / f"helpers-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        if version == "v2" and "cpu" not in (parent / "cgroup.subtree_control").read_text():
            (parent / "cgroup.subtree_control").write_text("+cpu")
        folder.mkdir()
    except OSError as err:
        pytest.skip(f"cannot create a cgroup under {parent} ({err}); this test needs root")
    try:
        quota_us = int(quota * 100_000)
        if version == "v1":
            (folder / "cpu.cfs_period_us").write_text("100000")
            (folder / "cpu.cfs_quota_us").write_text(str(quota_us))
        else:
            (folder / "cpu.max").write_text(f"{quota_us} 100000")
        yield folder / "cgroup.procs"
    finally:
        folder.rmdir()  # empty again: its one process has exited


CHILD = """
import json, os
from helpers import threads
print(json.dumps([threads.cpu_quota(), threads.available_cpus(), threads.use_available_cpus()]))
"""


@pytest.mark.parametrize("quota", [0.5, 1.5])
def test_a_process_under_a_real_cpu_quota_sees_it(quota):
    """A Python process started inside a cgroup limited to ``quota`` CPUs (as a hub node
    limits a student's kernel) reads that quota and sets numpy's BLAS threads to match."""
    env = {k: v for k, v in os.environ.items() if k not in threads.THREAD_VARIABLES}
    with cpu_limited_cgroup(quota) as procs:
        enter_and_run = 'echo $$ > "$1" && exec "$2" -c "$3"'  # in the cgroup from the start
        done = subprocess.run(
            ["sh", "-c", enter_and_run, "sh", str(procs), sys.executable, CHILD],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=Path(__file__).resolve().parents[1],
        )
    assert done.returncode == 0, done.stderr
    seen_quota, cpus, blas_threads = json.loads(done.stdout)
    expected = min(len(os.sched_getaffinity(0)), 2 if quota > 1 else 1)
    assert (seen_quota, cpus, blas_threads) == (quota, expected, expected)
