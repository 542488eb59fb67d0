"""Memory: the peak RSS of a fresh process that loads MNIST and trains one epoch (engine and
PyTorch), and of a notebook kernel running each notebook of the series."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from helpers.layers import mlp
from helpers.optim import SGD
from helpers.train import fit

from .common import (
    _CHILD_RSS,
    BATCH_SIZE,
    LEARNING_RATE,
    N_TRAIN,
    REPO_ROOT,
    SEED,
    SIZES,
    _numpy_threads,
    _python,
    _run,
    initial_weights,
    training_data,
)
from .speed import TorchEpoch


def memory_child(implementation: str, steps: int | None) -> None:
    """Run in a fresh process by ``peak_memory``: load and prepare MNIST, train one epoch
    (or ``steps`` steps) with ``implementation`` ("engine" or "pytorch")."""
    n = N_TRAIN if steps is None else steps * BATCH_SIZE
    x, y, _ = training_data(n)
    if implementation == "engine":
        fit(mlp(SIZES, seed=SEED), x, y, SGD(learning_rate=LEARNING_RATE), progress=False)
    else:
        TorchEpoch(x, y, initial_weights(), threads=_numpy_threads())()


def peak_memory(steps: int | None, with_torch: bool) -> dict:
    """Peak RSS (MiB) of a fresh process that loads MNIST, prepares it and trains."""
    out = {}
    for implementation in ("engine", "pytorch"):
        if implementation == "pytorch" and not with_torch:
            out[implementation] = {"skipped": "PyTorch not installed"}
            continue
        child = f"from bench import memory_child; memory_child({implementation!r}, {steps})"
        try:
            kib = int(_run(_python(_CHILD_RSS, *_python(child))).strip().splitlines()[-1])
            out[implementation] = {"mib": kib / 1024}
        except Exception as err:  # noqa: BLE001
            out[implementation] = {"error": f"{type(err).__name__}: {err}"}
    return out


# ------------------------------------------------------------ notebook kernels ----

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
# What a class on one shared hub node needs from each kernel (issue 12), in MiB.
NOTEBOOK_TARGETS = {"run_all": 350, "run_all_twice": 400, "growth": 20}

# Run in the kernel after each Run All: its peak RSS and its RSS now, after a garbage
# collection, in KiB. Linux's VmHWM is the peak of this process's own memory since it
# started; ru_maxrss is not (it also counts the copy of the parent a fork made before exec,
# so a kernel started by a large process would seem as large). Elsewhere: ru_maxrss, -1.
_PROBE = """
import gc as _gc, resource as _resource
_gc.collect()
_peak, _now = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss, -1
try:
    with open("/proc/self/status") as _f:
        _status = dict(line.split(":", 1) for line in _f if ":" in line)
    _peak, _now = (int(_status[key].split()[0]) for key in ("VmHWM", "VmRSS"))
except (OSError, KeyError, ValueError):
    pass
print("RSS", _peak, _now)
"""


def _probe(client, nb) -> tuple[float, float]:
    """(peak MiB, current MiB) of the client's kernel."""
    cell = nbformat.v4.new_code_cell(_PROBE)
    nb.cells.append(cell)
    try:
        client.execute_cell(cell, len(nb.cells) - 1)
    finally:
        nb.cells.pop()
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    peak, now = (int(v) for v in text.split("RSS", 1)[1].split()[:2])
    return peak / 1024, now / 1024


def notebook_memory(path, reruns: int = 2, timeout: float = 300) -> dict:
    """Run All on one notebook ``1 + reruns`` times in one fresh kernel, as a student who
    presses Run All again would, and measure the kernel itself.

    Returns peak RSS after the first Run All and after the second (MiB), the growth of the
    RSS per further Run All (MiB, after garbage collection) and the seconds of the first.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    peaks, nows, seconds = [], [], []
    with client.setup_kernel():
        for _ in range(1 + reruns):
            start = time.perf_counter()
            for index, cell in enumerate(list(nb.cells)):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
            seconds.append(time.perf_counter() - start)
            peak, now = _probe(client, nb)
            peaks.append(peak)
            nows.append(now)
    growth = (nows[-1] - nows[0]) / reruns if reruns and nows[0] >= 0 else float("nan")
    return {
        "run_all": peaks[0],
        "run_all_twice": peaks[1] if reruns else float("nan"),
        "growth": growth,
        "seconds": seconds[0],
    }


def series_paths(names=None) -> list[Path]:
    """The instructor notebooks in series order, or those whose names start with ``names``."""
    paths = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if names:
        paths = [p for p in paths if any(p.stem.startswith(n) for n in names)]
    return paths


def series_memory(names=None, reruns: int = 2) -> dict:
    """``notebook_memory`` for each notebook of the instructor edition (or those named)."""
    rows = {}
    for path in series_paths(names):
        try:
            rows[path.stem] = notebook_memory(path, reruns)
        except Exception as err:  # noqa: BLE001 - one failing notebook should not stop the rest
            rows[path.stem] = {"error": f"{type(err).__name__}: {str(err)[:200]}"}
    return {"rows": rows, "targets": NOTEBOOK_TARGETS, "reruns": reruns}
