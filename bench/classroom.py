"""A classroom on one machine: the whole series run by 1 student, then by several at once,
each in fresh kernels (one per notebook, top to bottom), as a class on one hub node would.

Each student is a separate process (``_main``; alone: ``python -m bench.classroom``)
that runs the instructor edition notebook by notebook and prints its seconds per notebook;
the parent starts N of them together and reports wall time per student and any failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from .common import REPO_ROOT, _median
from .memory import series_paths

SERIES_TIMEOUT = 1800  # seconds one student may take for the whole series, at most


def run_series(names=None, timeout: float = 300) -> dict:
    """Run each notebook once in a fresh kernel; {notebook: seconds or error}.

    The kernel talks to this process over Unix sockets in a folder of its own, not TCP
    ports: with several students starting kernels at once, a TCP port picked for one kernel
    can be taken by another before it binds it (jupyter_client issue 487; seen here as
    "ZMQError: Address already in use" with 4 students), which the hub avoids the same way.
    """
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    out = {}
    for path in series_paths(names):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="classroom-") as sockets:
                km = KernelManager(
                    kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel")
                )
                NotebookClient(
                    nb,
                    km=km,
                    timeout=timeout,
                    kernel_name="python3",
                    resources={"metadata": {"path": str(path.parent)}},
                ).execute()
            out[path.stem] = time.perf_counter() - start
        except Exception as err:  # noqa: BLE001 - report, do not stop the class
            out[path.stem] = f"{type(err).__name__}: {str(err)[:200]}"
    return out


def students_at_once(count: int, names=None) -> dict:
    """``count`` students run the series at the same time; wall seconds and failures."""
    # (-c rather than -m bench.classroom: the package has imported this module
    # already, and runpy would warn about running it a second time)
    child = "import sys; from bench.classroom import _main; _main(sys.argv[1:])"
    cmd = [sys.executable, "-c", child, *(names or [])]
    start = time.perf_counter()
    procs = [
        subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    walls, failures = [], []
    for proc in procs:
        try:
            stdout, _ = proc.communicate(timeout=SERIES_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            failures.append(f"a student did not finish within {SERIES_TIMEOUT} s")
            continue
        result = json.loads(stdout.strip().splitlines()[-1])
        failures += [f"{k}: {v}" for k, v in result["notebooks"].items() if isinstance(v, str)]
        walls.append(result["seconds"])
    return {
        "students": count,
        "wall": time.perf_counter() - start,
        "median": _median(walls) if walls else float("nan"),
        "max": max(walls) if walls else float("nan"),
        "failures": failures,
    }


def classroom(counts=(1, 4), names=None) -> dict:
    """The series' wall time per student with each number of students at once."""
    return {"rows": [students_at_once(n, names) for n in counts], "notebooks": names or "all"}


def _main(argv=None) -> None:
    names = list(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()
    notebooks = run_series(names or None)
    print(json.dumps({"notebooks": notebooks, "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    _main()
