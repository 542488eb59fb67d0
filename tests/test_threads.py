"""BLAS threads follow the CPUs a kernel may use: cgroup v1 and v2 quotas, and the override."""

import os

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
