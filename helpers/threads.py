"""How many CPUs this kernel may use, and numpy's BLAS threads to match.

On a shared JupyterHub node each student's kernel gets a CPU limit (a cgroup quota, e.g.
half a CPU), but OpenBLAS counts the machine's cores and starts one thread per core in
every kernel. Thirty kernels then run far more BLAS threads than there are CPUs, and they
wait on each other. ``use_available_cpus()`` (called in each notebook's setup cell) limits
numpy's BLAS to the CPUs this process may really use: the CPUs it may run on, and no more
than its cgroup quota allows. An explicit ``OPENBLAS_NUM_THREADS`` (or ``OMP_NUM_THREADS``,
``MKL_NUM_THREADS``) in the environment wins: then nothing is changed.

Importing this module changes nothing.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

__all__ = ["available_cpus", "cpu_quota", "use_available_cpus"]

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _own_cgroup(proc_cgroup: Path) -> dict[str, str]:
    """{controller: path} from /proc/self/cgroup ("" is the cgroup v2 entry)."""
    paths = {}
    try:
        for line in proc_cgroup.read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                paths[name] = path
    except (OSError, ValueError):
        pass
    return paths


def cpu_quota(root="/sys/fs/cgroup", proc_cgroup="/proc/self/cgroup") -> float | None:
    """The CPUs this process's cgroup may use (quota / period), or None if unlimited.

    Reads cgroup v2 (``cpu.max``, e.g. "50000 100000" for half a CPU) or v1
    (``cpu/cpu.cfs_quota_us`` and ``cpu.cfs_period_us``), in the process's own cgroup
    first, then at the root of the hierarchy.
    """
    root = Path(root)
    own = _own_cgroup(Path(proc_cgroup))
    v2 = [root / own.get("", "/").lstrip("/"), root]
    v1 = [root / "cpu" / own.get("cpu", "/").lstrip("/"), root / "cpu"]
    for folder in v2:
        try:
            quota, period = (folder / "cpu.max").read_text().split()[:2]
        except (OSError, ValueError):
            continue
        return None if quota == "max" else int(quota) / int(period)
    for folder in v1:
        try:
            quota = int((folder / "cpu.cfs_quota_us").read_text())
            period = int((folder / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            continue
        return None if quota <= 0 or period <= 0 else quota / period
    return None


def available_cpus(quota: float | None = None) -> int:
    """The whole CPUs this process may use: those it may run on, capped by its quota
    (rounded up: half a CPU still gets one thread). ``quota``: default ``cpu_quota()``."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    quota = cpu_quota() if quota is None else quota
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return cpus


def use_available_cpus() -> int:
    """Limit numpy's BLAS threads to ``available_cpus()``; returns the number in use.

    Leaves the threads alone when one of ``THREAD_VARIABLES`` is set (the environment
    knows best) or when threadpoolctl is not installed.
    """
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return available_cpus()
    if not any(os.environ.get(name) for name in THREAD_VARIABLES):
        threadpool_limits(limits=available_cpus(), user_api="blas")
    blas = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
    return max(blas) if blas else available_cpus()
