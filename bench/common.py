"""What every part of the benchmark shares: the lecture's network and its settings, the data,
the same initial weights and batch order for every implementation, fresh subprocesses, and
what BLAS numpy runs on."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

from helpers.data import load_mnist, prepare
from helpers.layers import mlp

SIZES = (784, 512, 10)  # D, H, C
BATCH_SIZE = 128
LEARNING_RATE = 0.1
N_TRAIN = 60_000
SEED = 0
FD_COEFFICIENTS = 200  # coefficients the finite-difference timing nudges
REPO_ROOT = Path(__file__).resolve().parents[1]
BLAS_ENV = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)
TARGETS = {  # issue 5
    "engine / PyTorch": 0.85,  # at most
    "share of GEMM peak": 0.50,  # at least
    "peak memory MiB": 400,  # at most
}
SETTLE = 0.2  # seconds of pause between timed runs, so BLAS/OpenMP threads go idle


def _median(values) -> float:
    return float(statistics.median(values))


# ------------------------------------------------------------------------ data ----


def training_data(n: int = N_TRAIN):
    """(x (n, D) float32, y (n,) labels, description): real MNIST if it loads, else random."""
    try:
        (images, labels), _ = load_mnist(source="bundled", verbose=False)
        return prepare(images[:n]), labels[:n], "real MNIST (bundled data/mnist.npz)"
    except Exception as err:  # noqa: BLE001 - any failure means: use stand-in data
        rng = np.random.default_rng(SEED)
        x = rng.random((n, SIZES[0]), dtype=np.float32)
        y = rng.integers(0, SIZES[-1], n).astype(np.uint8)
        return x, y, f"random MNIST-shaped data (MNIST not loaded: {type(err).__name__}: {err})"


def epoch_order(n: int) -> np.ndarray:
    """The order in which fit(..., seed=0) visits the examples in its first epoch."""
    return np.random.default_rng(SEED).permutation(n)


def initial_weights() -> list[np.ndarray]:
    """[kernel0 (D, H), bias0 (H,), kernel1 (H, C), bias1 (C,)] of ``mlp(SIZES, seed=0)``."""

    return [p.copy() for p in mlp(SIZES, seed=SEED).parameters()]


# -------------------------------------------------------- fresh subprocesses ----

_CHILD_RSS = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", code, *args]


def _run(cmd: list[str], timeout: float = 600) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    done = subprocess.run(
        cmd, capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    return done.stdout


# -------------------------------------------------------------------- threads ----


def _numpy_blas() -> dict:
    from threadpoolctl import threadpool_info

    for info in threadpool_info():
        if info.get("user_api") == "blas" and "numpy" in info.get("filepath", ""):
            return info
    blas = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    return blas[0] if blas else {}


def _numpy_threads() -> int:
    try:
        return int(_numpy_blas().get("num_threads") or os.cpu_count() or 1)
    except ImportError:
        return os.cpu_count() or 1


def machine() -> dict:
    """numpy's BLAS (library, kernel, threads), the BLAS environment variables, CPUs."""
    try:
        blas = _numpy_blas()
    except ImportError:
        blas = {"error": "threadpoolctl not installed"}
    return {
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
        "blas": {
            k: blas.get(k)
            for k in (
                "internal_api",
                "version",
                "architecture",
                "num_threads",
                "threading_layer",
                "error",
            )
            if blas.get(k) is not None
        },
        "env": {name: os.environ.get(name, "unset") for name in BLAS_ENV},
    }
