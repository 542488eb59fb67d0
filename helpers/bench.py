"""How fast does this machine run the engine?  ``python -m helpers.bench``

Trains one epoch of the lecture's network (784-512-10, relu, softmax cross-entropy, SGD with
learning_rate 0.1, batch_size 128, float32) with

    engine    ``helpers.train.fit(..., progress=False)``, the path the notebooks take
    PyTorch   eager mode on the CPU (nn.Linear, torch.optim.SGD, CrossEntropyLoss), if installed
    JAX       one ``jit``-compiled epoch (``lax.scan`` over the batches), if installed
    lean      the engine's step as one flat numpy loop: no layer objects, no input checks
    GEMMs     the five matrix products of each step alone: the floor for any numpy engine

from the same initial weights, over the same shuffled batches, taking turns in one process
(A B C D E, A B C D E, … after a warm-up) so that a busy machine slows all of them alike. Then it
measures the pieces around training: matrix-product speed, loading MNIST, the naive
finite-difference gradient against backpropagation, the widgets' redraw time, the peak memory
of a training run, and what BLAS numpy uses.

    python -m helpers.bench              the full report (about two minutes)
    python -m helpers.bench --rounds 9   more rounds, steadier medians
    python -m helpers.bench --quick      a few steps of everything: checks that it all runs

Shapes: B examples in a batch, D inputs (784), H hidden units (512), C classes (10).
Every number is measured when it is printed; nothing here is a stored result.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .data import load_mnist, prepare
from .gradients import numerical_partial
from .layers import mlp
from .losses import softmax_cross_entropy
from .optim import SGD
from .train import Trainer, fit

__all__ = [
    "SIZES",
    "epoch_flops",
    "format_report",
    "gemm_shapes",
    "main",
    "run",
    "step_flops",
]

SIZES = (784, 512, 10)  # D, H, C
BATCH_SIZE = 128
LEARNING_RATE = 0.1
N_TRAIN = 60_000
SEED = 0
FD_COEFFICIENTS = 200  # coefficients the finite-difference timing nudges
REPO_ROOT = Path(__file__).resolve().parent.parent
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


# ------------------------------------------------------------------- arithmetic ----


def gemm_shapes(batch_size: int = BATCH_SIZE, sizes=SIZES) -> list[tuple[str, int, int, int]]:
    """The matrix products of one training step as (name, m, k, n): an (m, k) @ (k, n).

    Forward: one per layer. Backward: dW for every layer, dx for every layer but the first
    (its input is data). For 784-512-10 that is five products.
    """
    shapes = []
    pairs = list(zip(sizes, sizes[1:], strict=False))
    for i, (d, m) in enumerate(pairs):
        shapes.append((f"forward x{i} @ kernel{i}", batch_size, d, m))
    for i in range(len(pairs) - 1, -1, -1):
        d, m = pairs[i]
        shapes.append((f"dW{i} = x{i}.T @ dz{i}", d, batch_size, m))
        if i > 0:
            shapes.append((f"dx{i} = dz{i} @ kernel{i}.T", batch_size, m, d))
    return shapes


def step_flops(batch_size: int = BATCH_SIZE, sizes=SIZES) -> int:
    """Floating-point operations of the GEMMs of one step: 2·m·k·n per product."""
    return sum(2 * m * k * n for _, m, k, n in gemm_shapes(batch_size, sizes))


def epoch_flops(n: int = N_TRAIN, batch_size: int = BATCH_SIZE, sizes=SIZES) -> int:
    """GEMM FLOPs of one epoch of n examples (the last batch may be smaller)."""
    full, rest = divmod(n, batch_size)
    return full * step_flops(batch_size, sizes) + (step_flops(rest, sizes) if rest else 0)


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


# ------------------------------------------------------- one epoch, four ways ----


def engine_epoch(x, y, init, progress: bool = False) -> tuple[float, float]:
    """One epoch with ``fit``, as the notebooks call it → (seconds, mean loss of the epoch)."""

    model = mlp(SIZES, seed=SEED)
    for p, p0 in zip(model.parameters(), init, strict=True):
        p[...] = p0
    optimizer = SGD(learning_rate=LEARNING_RATE)
    start = time.perf_counter()
    history = fit(
        model, x, y, optimizer, epochs=1, batch_size=BATCH_SIZE, progress=progress, seed=SEED
    )
    return time.perf_counter() - start, float(np.mean(history.loss))


def trainer_loop_epoch(x, y, init) -> tuple[float, float]:
    """One epoch of bare ``Trainer.step()`` calls: fit without its bar and bookkeeping."""

    model = mlp(SIZES, seed=SEED)
    for p, p0 in zip(model.parameters(), init, strict=True):
        p[...] = p0
    start = time.perf_counter()
    trainer = Trainer(model, x, y, SGD(learning_rate=LEARNING_RATE), BATCH_SIZE, seed=SEED)
    losses = [trainer.step() for _ in range(trainer.steps_per_epoch)]
    return time.perf_counter() - start, float(np.mean(losses))


def lean_numpy_epoch(x, y, init) -> tuple[float, float]:
    """The engine's step written as one flat numpy loop: the same arithmetic, buffers,
    batches and bookkeeping (loss and right answers per step), without layer objects,
    input checks or ``History``. ``engine / lean`` is what the readable interface costs;
    ``lean / pytorch`` is as close as a numpy engine of this design gets to PyTorch here.
    """
    params = [p.copy() for p in init]  # kernel0 (D, H), bias0 (H,), kernel1 (H, C), bias1 (C,)
    kernel0, bias0, kernel1, bias1 = params
    grads = [np.empty_like(p) for p in params]
    dkernel0, dbias0, dkernel1, dbias1 = grads
    scratch = [np.empty_like(p) for p in params]
    order = epoch_order(len(x))
    xb = np.empty((BATCH_SIZE, SIZES[0]), np.float32)  # (B, D)
    yb = np.empty(BATCH_SIZE, y.dtype)  # (B,)
    hidden = np.empty((BATCH_SIZE, SIZES[1]), np.float32)  # (B, H)
    mask, dz = np.empty(hidden.shape, bool), np.empty_like(hidden)
    losses, correct = [], 0
    start = time.perf_counter()
    for s in range(0, len(x), BATCH_SIZE):
        idx = order[s : s + BATCH_SIZE]
        k = len(idx)
        xk, yk, hk, mk, dzk = xb[:k], yb[:k], hidden[:k], mask[:k], dz[:k]
        np.take(x, idx, axis=0, out=xk, mode="clip")
        np.take(y, idx, out=yk, mode="clip")
        np.matmul(xk, kernel0, out=hk)  # forward
        hk += bias0
        np.maximum(hk, 0, out=hk)
        logits = hk @ kernel1
        logits += bias1
        rows = np.arange(k)  # loss, as helpers.losses.softmax_cross_entropy computes it
        z = np.array(logits, order="F")
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        total = e.sum(axis=1, keepdims=True)
        losses.append(float(np.log(total).sum() - z[rows, yk].sum()) / k)
        correct += int(np.count_nonzero(logits.argmax(axis=1) == yk))
        e *= 1 / (k * total)  # dlogits
        e[rows, yk] -= 1 / k
        np.matmul(hk.T, e, out=dkernel1)  # backward
        np.sum(e, axis=0, out=dbias1)
        dh = e @ kernel1.T
        np.greater(hk, 0, out=mk)
        np.multiply(dh, mk, out=dzk)
        np.matmul(xk.T, dzk, out=dkernel0)
        np.sum(dzk, axis=0, out=dbias0)
        for p, g, buf in zip(params, grads, scratch, strict=True):  # SGD update
            np.multiply(g, LEARNING_RATE, out=buf)
            p -= buf
    return time.perf_counter() - start, float(np.mean(losses))


def gemm_epoch(x, y, init) -> tuple[float, float]:
    """Only the five matrix products of every step, into preallocated buffers."""
    kernel0, _, kernel1, _ = init
    n = len(x)
    xb = np.ascontiguousarray(x[:BATCH_SIZE])  # (B, D)
    h = np.empty((BATCH_SIZE, SIZES[1]), np.float32)  # (B, H)
    logits = np.empty((BATCH_SIZE, SIZES[2]), np.float32)  # (B, C)
    dh = np.empty_like(h)
    dkernel0, dkernel1 = np.empty_like(kernel0), np.empty_like(kernel1)
    start = time.perf_counter()
    for s in range(0, n, BATCH_SIZE):
        k = min(BATCH_SIZE, n - s)
        np.matmul(xb[:k], kernel0, out=h[:k])
        np.matmul(h[:k], kernel1, out=logits[:k])
        np.matmul(h[:k].T, logits[:k], out=dkernel1)
        np.matmul(logits[:k], kernel1.T, out=dh[:k])
        np.matmul(xb[:k].T, dh[:k], out=dkernel0)
    return time.perf_counter() - start, float("nan")


class TorchEpoch:
    """PyTorch eager on the CPU: the loop a PyTorch user writes, same weights and batches."""

    def __init__(self, x, y, init, threads: int):
        import torch

        torch.set_num_threads(threads)
        self.torch = torch
        self.x = torch.from_numpy(x)
        self.y = torch.from_numpy(np.asarray(y, dtype=np.int64))
        self.order = torch.from_numpy(epoch_order(len(x)))
        self.init = init
        self.threads = threads

    def __call__(self) -> tuple[float, float]:
        torch, nn = self.torch, self.torch.nn
        net = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2]))
        with torch.no_grad():  # nn.Linear keeps weight as (out, in): the kernel transposed
            for layer, kernel, bias in ((net[0], *self.init[:2]), (net[2], *self.init[2:])):
                layer.weight.copy_(torch.from_numpy(kernel.T.copy()))
                layer.bias.copy_(torch.from_numpy(bias))
        optimizer = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE)
        loss_fn = nn.CrossEntropyLoss()
        losses = []
        start = time.perf_counter()
        for s in range(0, len(self.order), BATCH_SIZE):
            idx = self.order[s : s + BATCH_SIZE]
            xb, yb = self.x.index_select(0, idx), self.y.index_select(0, idx)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return time.perf_counter() - start, float(np.mean(losses))


class JaxEpoch:
    """JAX: the whole epoch is one ``jit``-compiled function, ``lax.scan`` over the batches."""

    def __init__(self, x, y, init):
        import jax
        import jax.numpy as jnp

        self.jax = jax
        self.x = jnp.asarray(x)
        self.y = jnp.asarray(np.asarray(y, dtype=np.int32))
        order = epoch_order(len(x))
        full = len(order) // BATCH_SIZE * BATCH_SIZE
        self.order_full = jnp.asarray(order[:full].reshape(-1, BATCH_SIZE))  # (steps, B)
        self.order_rest = jnp.asarray(order[full:])  # the last, smaller batch
        self.init = [jnp.asarray(p) for p in init]

        def loss_of(params, xb, yb):
            kernel0, bias0, kernel1, bias1 = params
            h = jnp.maximum(xb @ kernel0 + bias0, 0)  # (B, H)
            logits = h @ kernel1 + bias1  # (B, C)
            log_p = logits - jax.scipy.special.logsumexp(logits, axis=1, keepdims=True)
            return -jnp.mean(jnp.take_along_axis(log_p, yb[:, None], axis=1))

        def step(params, x, y, idx):
            loss, grads = jax.value_and_grad(loss_of)(params, x[idx], y[idx])
            return [p - LEARNING_RATE * g for p, g in zip(params, grads, strict=True)], loss

        def epoch(params, x, y, order_full, order_rest):
            params, losses = jax.lax.scan(lambda p, idx: step(p, x, y, idx), params, order_full)
            if order_rest.shape[0]:
                params, last = step(params, x, y, order_rest)
                losses = jnp.append(losses, last)
            return params, losses

        self.epoch = jax.jit(epoch)

    def __call__(self) -> tuple[float, float]:
        start = time.perf_counter()
        params, losses = self.epoch(self.init, self.x, self.y, self.order_full, self.order_rest)
        self.jax.block_until_ready((params, losses))
        return time.perf_counter() - start, float(np.mean(np.asarray(losses)))


def _optional(name: str, make):
    """(runner, "") if the library is installed and works, else (None, reason)."""
    try:
        return make(), ""
    except ImportError as err:
        return None, f"{name} not installed ({err.name or err})"
    except Exception as err:  # noqa: BLE001 - report, don't crash the whole bench
        return None, f"{name} failed: {type(err).__name__}: {err}"


def round_robin(runners: dict, rounds: int, warmup: int = 1) -> dict[str, list[tuple]]:
    """Run each runner once per round, in turn: {name: [(seconds, loss), …]} after warm-up."""
    results = {name: [] for name in runners}
    for r in range(warmup + rounds):
        for name, runner in runners.items():
            time.sleep(SETTLE)
            seconds, loss = runner()
            if r >= warmup:
                results[name].append((seconds, loss))
    return results


def compare_epochs(x, y, rounds: int, threads: int) -> dict:
    """Engine vs PyTorch vs JAX vs the lean loop vs GEMMs alone, one epoch each per round."""
    init = initial_weights()
    runners = {
        "engine": lambda: engine_epoch(x, y, init),
        "lean": lambda: lean_numpy_epoch(x, y, init),
        "gemm": lambda: gemm_epoch(x, y, init),
    }
    skipped = {}
    for name, make in (
        ("pytorch", lambda: TorchEpoch(x, y, init, threads)),
        ("jax", lambda: JaxEpoch(x, y, init)),
    ):
        runner, reason = _optional(name, make)
        if runner is None:
            skipped[name] = reason
        else:
            runners[name] = runner
    runs = round_robin(runners, rounds)
    seconds = {name: [s for s, _ in r] for name, r in runs.items()}
    out = {
        "rounds": rounds,
        "seconds": seconds,
        "median": {name: _median(s) for name, s in seconds.items()},
        "loss": {name: _median([loss for _, loss in r]) for name, r in runs.items()},
        "skipped": skipped,
        "ratio": {},
        "flops": epoch_flops(len(x)),
        "steps": math.ceil(len(x) / BATCH_SIZE),
    }
    pairs = [(a, "pytorch") for a in ("engine", "lean", "gemm") if "pytorch" in seconds]
    pairs.append(("engine", "lean"))
    pairs += [(a, "jax") for a in ("engine", "lean", "gemm") if "jax" in seconds]
    for a, b in pairs:
        out["ratio"][f"{a} / {b}"] = _median(
            [sa / sb for sa, sb in zip(seconds[a], seconds[b], strict=True)]
        )
    out["outside_gemm"] = _median(
        [1 - g / e for g, e in zip(seconds["gemm"], seconds["engine"], strict=True)]
    )
    out["gflops"] = out["flops"] / out["median"]["engine"] / 1e9
    return out


def compare_fit_overhead(x, y, rounds: int) -> dict:
    """fit(progress=True) and fit(progress=False) against a bare loop of Trainer.step()."""
    init = initial_weights()

    def fit_with_bar():
        with contextlib.redirect_stderr(io.StringIO()):  # tqdm's bar, away from the report
            return engine_epoch(x, y, init, progress=True)

    runs = round_robin(
        {
            "trainer loop": lambda: trainer_loop_epoch(x, y, init),
            "fit(progress=False)": lambda: engine_epoch(x, y, init),
            "fit(progress=True)": fit_with_bar,
        },
        rounds,
    )
    seconds = {name: [s for s, _ in r] for name, r in runs.items()}
    base = seconds["trainer loop"]
    return {
        "median": {name: _median(s) for name, s in seconds.items()},
        "overhead": {
            name: _median([a / b - 1 for a, b in zip(s, base, strict=True)])
            for name, s in seconds.items()
            if name != "trainer loop"
        },
    }


# ---------------------------------------------------------------- GEMM speed ----


def _best_seconds(fn, repeats: int, batches: int = 5) -> float:
    """Median over ``batches`` of the mean time of ``repeats`` calls."""
    fn()
    times = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        times.append((time.perf_counter() - start) / repeats)
    return _median(times)


def gemm_peak(size: int = 2048, repeats: int = 3) -> dict:
    """float32 GFLOP/s of a (size, size) @ (size, size) product on numpy's BLAS threads."""
    rng = np.random.default_rng(SEED)
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    c = np.empty_like(a)
    seconds = _best_seconds(lambda: np.matmul(a, b, out=c), repeats)
    return {"size": size, "seconds": seconds, "gflops": 2 * size**3 / seconds / 1e9}


def gemm_at_training_shapes(repeats: int = 100) -> list[dict]:
    """GFLOP/s of each product of a step, computed as the engine does (``out=``, ``.T``)."""
    rng = np.random.default_rng(SEED)
    rows = []
    for name, m, k, n in gemm_shapes():
        if ".T @" in name:  # x.T @ dz: the transposed view of a (k, m) array
            a = rng.random((k, m), dtype=np.float32).T
        else:
            a = rng.random((m, k), dtype=np.float32)
        if name.endswith(".T"):  # dz @ kernel.T: the transposed view of the (n, k) kernel
            b = rng.random((n, k), dtype=np.float32).T
        else:
            b = rng.random((k, n), dtype=np.float32)
        c = np.empty((m, n), np.float32)
        seconds = _best_seconds(lambda a=a, b=b, c=c: np.matmul(a, b, out=c), repeats)
        rows.append(
            {
                "name": name,
                "shape": f"({m}×{k}) @ ({k}×{n})",
                "seconds": seconds,
                "gflops": 2 * m * k * n / seconds / 1e9,
            }
        )
    return rows


# ------------------------------------------------------- a step, piece by piece ----


def step_anatomy(x, y, repeats: int = 200) -> dict:
    """Microseconds of each part of an engine training step (batch, forward, loss, …)."""

    model = mlp(SIZES, seed=SEED)
    optimizer = SGD(learning_rate=LEARNING_RATE)
    trainer = Trainer(model, x, y, optimizer, BATCH_SIZE, seed=SEED)
    whole = _best_seconds(trainer.step, repeats) * 1e6  # real training, before the parts
    xb, yb = (a.copy() for a in trainer._next_batch())
    logits = model.forward(xb)
    _, dlogits = softmax_cross_entropy(logits, yb)
    model.backward(dlogits)
    # The update is timed on copies: applying the same gradient hundreds of times would
    # blow up the weights the other parts use.
    params, grads = [p.copy() for p in model.parameters()], model.gradients()

    def batch():
        trainer._pos = 0
        trainer._next_batch()

    parts = {
        "draw the batch": batch,
        "forward": lambda: model.forward(xb),
        "loss": lambda: softmax_cross_entropy(logits, yb),
        "backward": lambda: model.backward(dlogits),
        "update (SGD.step)": lambda: optimizer.step(params, grads),
    }
    times = {name: _best_seconds(fn, repeats) * 1e6 for name, fn in parts.items()}
    times["whole Trainer.step"] = whole
    return times


# -------------------------------------------------- finite differences vs backprop ----


def finite_difference_cost(x, y, coefficients: int = FD_COEFFICIENTS, repeats: int = 20) -> dict:
    """Time central differences on ``coefficients`` kernel entries of the training network
    (float32, one batch of 128) and one backprop gradient; extrapolate to all parameters."""

    model = mlp(SIZES, seed=SEED)
    xb, yb = x[:BATCH_SIZE], y[:BATCH_SIZE]
    kernel = model.layers[0].kernel
    flat = np.linspace(0, kernel.size - 1, coefficients).astype(np.int64)

    def loss_of(_w):
        return softmax_cross_entropy(model.forward(xb), yb)[0]

    def backprop():
        _, dlogits = softmax_cross_entropy(model.forward(xb), yb)
        model.backward(dlogits)

    start = time.perf_counter()
    for index in flat:
        numerical_partial(loss_of, kernel, int(index), h=1e-3, method="central")
    per_coefficient = (time.perf_counter() - start) / coefficients
    params = model.count_params()
    backprop_seconds = _best_seconds(backprop, repeats)
    total = per_coefficient * params
    return {
        "coefficients": coefficients,
        "params": params,
        "per_coefficient": per_coefficient,
        "all_params": total,
        "backprop": backprop_seconds,
        "ratio": total / backprop_seconds,
    }


# --------------------------------------------------------------------- widgets ----


def widget_redraws(
    x, y, moves: int = 20, backend: str = "inline", browser_attached: bool = False
) -> dict:
    """Median and max seconds of a redraw after a slider move, for each widget builder.

    backend "inline" renders PNGs with Agg; "ipympl" needs matplotlib's backend set to
    ipympl first (``widget_redraws_ipympl`` does that in a fresh process). With no browser,
    ipympl also encodes every frame as a PNG for the notebook file; ``browser_attached``
    puts each canvas in the state a browser's "initialized" message leaves it in, where
    ipympl sends only the changed pixels.
    """
    try:
        from . import widgets
    except ImportError as err:
        return {"missing": f"helpers.widgets could not be imported ({err})"}
    if not hasattr(widgets, "time_redraws"):
        return {"missing": "helpers.widgets.time_redraws missing"}
    n_test = min(2000, len(x))
    cases = [
        (
            "naive_update_explorer",
            "epsilon",
            lambda: widgets.naive_update_explorer(backend=backend),
            np.geomspace(1e-3, 0.5, moves),
        ),
        (
            "learning_rate_explorer",
            "learning_rate",
            lambda: widgets.learning_rate_explorer(backend=backend),
            np.geomspace(0.01, 1.2, moves),
        ),
        (
            "momentum_explorer",
            "momentum",
            lambda: widgets.momentum_explorer(backend=backend),
            np.linspace(0.0, 0.95, moves),
        ),
        (
            "training_panel",
            "learning_rate",
            lambda: widgets.training_panel(x, y, x[:n_test], y[:n_test], backend=backend),
            np.geomspace(0.01, 1.0, moves),
        ),
        (
            "training_panel",
            "step",
            lambda: widgets.training_panel(x, y, x[:n_test], y[:n_test], backend=backend),
            [None] * moves,
        ),
    ]
    rows = []
    for builder, control, make, values in cases:
        try:
            widget = make()
            if browser_attached:
                widget.figure.canvas.syncing_data_url = False  # what "initialized" does
            times = widgets.time_redraws(widget, control, list(values))
            rows.append(
                {
                    "builder": builder,
                    "control": control,
                    "moves": len(times),
                    "median": _median(times),
                    "max": max(times),
                }
            )
        except Exception as err:  # noqa: BLE001 - one broken widget should not stop the rest
            rows.append(
                {"builder": builder, "control": control, "error": f"{type(err).__name__}: {err}"}
            )
    if backend == "inline":
        label = "inline (PNG rendered by Agg)"
    elif browser_attached:
        label = "ipympl, as with a browser attached (only the changed pixels are sent)"
    else:
        label = (
            "ipympl, headless (no browser attached, so ipympl also encodes a PNG of each "
            "frame for the notebook file)"
        )
    return {"rows": rows, "backend": label}


_IPYMPL_CHILD = """
import json, sys
import matplotlib
matplotlib.use("module://ipympl.backend_nbagg")
import numpy as np
from helpers import bench
rng = np.random.default_rng(0)
x = rng.random((4096, 784), dtype=np.float32)  # MNIST-shaped; redraw cost is what is timed
y = rng.integers(0, 10, size=4096)
attached = sys.argv[2] == "attached"
print(json.dumps(bench.widget_redraws(x, y, int(sys.argv[1]), "ipympl", attached)))
"""


def widget_redraws_ipympl(moves: int = 20, browser_attached: bool = False) -> dict:
    """``widget_redraws`` with ipympl's backend (``%matplotlib widget``), in a fresh process."""
    try:
        import ipympl  # noqa: F401
    except ImportError:
        return {"missing": "ipympl is not installed (pip install -e '.[lab]')"}
    try:
        mode = "attached" if browser_attached else "headless"
        out = _run(_python(_IPYMPL_CHILD, str(moves), mode))
        return json.loads(out.strip().splitlines()[-1])
    except Exception as err:  # noqa: BLE001
        return {"missing": f"{type(err).__name__}: {err}"}


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


def load_mnist_time() -> dict:
    """Seconds of load_mnist() in a fresh process (first call) and again (cached)."""
    code = (
        "import json, time\n"
        "from helpers.data import load_mnist\n"
        "t = time.perf_counter(); load_mnist(source='bundled', verbose=False)\n"
        "first = time.perf_counter() - t\n"
        "t = time.perf_counter(); load_mnist(source='bundled', verbose=False)\n"
        "print(json.dumps({'first': first, 'cached': time.perf_counter() - t}))\n"
    )
    try:
        return json.loads(_run(_python(code)).strip().splitlines()[-1])
    except Exception as err:  # noqa: BLE001
        return {"error": f"{type(err).__name__}: {err}"}


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
        child = f"from helpers.bench import memory_child; memory_child({implementation!r}, {steps})"
        try:
            kib = int(_run(_python(_CHILD_RSS, *_python(child))).strip().splitlines()[-1])
            out[implementation] = {"mib": kib / 1024}
        except Exception as err:  # noqa: BLE001
            out[implementation] = {"error": f"{type(err).__name__}: {err}"}
    return out


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


# ----------------------------------------------------------------------- run ----


def run(quick: bool = False, rounds: int = 7) -> dict:
    """Measure everything; returns the numbers as a dict (``format_report`` prints it).

    quick: a handful of steps and one round everywhere, to check that every part runs.
    """
    steps = 5 if quick else None
    rounds = 1 if quick else rounds
    info = machine()  # before PyTorch or JAX load their own thread pools
    threads = _numpy_threads()
    x, y, data = training_data(N_TRAIN if steps is None else steps * BATCH_SIZE)
    results = {"quick": quick, "data": data, "n": len(x), "machine": info, "threads": threads}
    results["epoch"] = compare_epochs(x, y, rounds, threads)
    results["fit_overhead"] = compare_fit_overhead(x, y, rounds)
    results["peak"] = gemm_peak(512 if quick else 2048)
    results["peak"]["engine_share"] = results["epoch"]["gflops"] / results["peak"]["gflops"]
    results["gemm_shapes"] = gemm_at_training_shapes(5 if quick else 100)
    results["anatomy"] = step_anatomy(x, y, 5 if quick else 200)
    results["finite_differences"] = finite_difference_cost(
        x, y, 5 if quick else FD_COEFFICIENTS, 3 if quick else 20
    )
    results["widgets"] = widget_redraws(x, y, 2 if quick else 20)
    results["widgets_ipympl"] = widget_redraws_ipympl(2 if quick else 20)
    results["widgets_ipympl_attached"] = widget_redraws_ipympl(
        2 if quick else 20, browser_attached=True
    )
    results["load_mnist"] = load_mnist_time()
    results["memory"] = peak_memory(steps, with_torch="pytorch" in results["epoch"]["median"])
    return results


# -------------------------------------------------------------------- report ----


def _verdict(value: float, target: float, at_most: bool, fmt: str = "g") -> str:
    met = value <= target if at_most else value >= target
    return ("met" if met else "NOT met") + f" (target {'≤' if at_most else '≥'} {target:{fmt}})"


def format_report(r: dict) -> str:
    """The measurements of ``run`` as a readable table."""
    e, m = r["epoch"], r["machine"]
    blas = m["blas"]
    lines = [
        f"helpers.bench{' --quick (a smoke run: numbers not meaningful)' if r['quick'] else ''}",
        f"  network   784-512-10 relu MLP, softmax cross-entropy, SGD(learning_rate="
        f"{LEARNING_RATE}), batch {BATCH_SIZE}, float32, {e['steps']} steps per epoch",
        f"  data      {r['data']}, {r['n']:,} examples",
        f"  machine   {m['cpus']} CPUs, numpy {m['numpy']}, BLAS {blas.get('internal_api', '?')} "
        f"{blas.get('version', '')} (kernel {blas.get('architecture', '?')}, "
        f"{blas.get('num_threads', '?')} threads, {blas.get('threading_layer', '?')})",
        "  env       " + ", ".join(f"{k}={v}" for k, v in m["env"].items()),
        f"  timing    {e['rounds']} rounds after 1 warm-up, implementations take turns in one "
        "process",
        "",
        "One epoch                             median s    GFLOP/s   mean loss   seconds per round",
    ]
    labels = {
        "engine": "engine  fit(progress=False)",
        "pytorch": f"PyTorch eager ({r['threads']} threads)",
        "jax": "JAX jit + lax.scan",
        "lean": "lean numpy (no objects, no checks)",
        "gemm": "the 5 GEMMs alone (floor)",
    }
    for name in ("engine", "pytorch", "jax", "lean", "gemm"):
        if name in e["median"]:
            sec = e["median"][name]
            rounds = " ".join(f"{s:.3f}" for s in e["seconds"][name])
            loss = e["loss"][name]
            loss_text = f"{loss:9.4f}" if math.isfinite(loss) else "        -"
            lines.append(
                f"  {labels[name]:<34} {sec:8.3f} {e['flops'] / sec / 1e9:10.1f}"
                f"   {loss_text}   {rounds}"
            )
        else:
            lines.append(f"  {labels[name]:<34} skipped: {e['skipped'][name]}")
    lines.append(
        f"  (an epoch is {e['flops'] / 1e9:.1f} GFLOP of GEMM; "
        f"{step_flops() / 1e6:.1f} MFLOP per step of {BATCH_SIZE})"
    )
    lines += ["", "Ratios (median of the per-round ratios)"]
    for key, value in e["ratio"].items():
        note = ""
        if key == "engine / pytorch":
            note = _verdict(value, TARGETS["engine / PyTorch"], at_most=True)
        lines.append(f"  {key:<36} {value:6.2f}   {note}")
    peak = r["peak"]
    lines.append(
        f"  {'engine GFLOP/s / float32 GEMM peak':<36} {peak['engine_share']:6.0%}   "
        + _verdict(peak["engine_share"], TARGETS["share of GEMM peak"], at_most=False, fmt=".0%")
    )
    lines.append(
        f"  {'share of a step outside GEMM':<36} {e['outside_gemm']:6.0%}   "
        "(1 − GEMMs alone / engine)"
    )
    lines += ["", f"GEMM speed, float32, {r['threads']} threads"]
    lines.append(
        f"  peak: ({peak['size']}×{peak['size']}) @ ({peak['size']}×{peak['size']})"
        f"{'':13}{peak['gflops']:8.1f} GFLOP/s"
    )
    for g in r["gemm_shapes"]:
        lines.append(
            f"  {g['name']:<24} {g['shape']:<22} {g['seconds'] * 1e6:8.1f} µs "
            f"{g['gflops']:8.1f} GFLOP/s"
        )
    lines += ["", "An engine step, piece by piece (µs, median)"]
    for name, us in r["anatomy"].items():
        lines.append(f"  {name:<24} {us:8.1f}")
    f = r["fit_overhead"]
    lines += ["", "fit against a bare loop of Trainer.step() (median s per epoch, overhead)"]
    for name, sec in f["median"].items():
        extra = f"   {f['overhead'][name]:+.1%}" if name in f["overhead"] else ""
        lines.append(f"  {name:<24} {sec:8.3f}{extra}")
    lines.append("  (the progress bar writes to a string buffer here, not to a terminal)")
    fd = r["finite_differences"]
    lines += [
        "",
        "Gradient by finite differences vs backpropagation (float32 network, batch of 128)",
        f"  central differences: {fd['per_coefficient'] * 1e3:.2f} ms per coefficient "
        f"(timed on {fd['coefficients']})",
        f"  all {fd['params']:,} parameters: {fd['all_params']:,.0f} s "
        f"({fd['all_params'] / 3600:.1f} h), extrapolated",
        f"  one backprop gradient: {fd['backprop'] * 1e3:.2f} ms  →  finite differences cost "
        f"{fd['ratio']:,.0f}× more",
    ]
    lines += ["", "Widgets: seconds from a slider move to a new figure"]
    for w in (r["widgets"], r["widgets_ipympl"], r["widgets_ipympl_attached"]):
        if "missing" in w:
            lines.append(f"  widgets: not measured ({w['missing']})")
            continue
        lines.append(f"  backend: {w['backend']}")
        for row in w["rows"]:
            what = f"{row['builder']}.{row['control']}"
            if "error" in row:
                lines.append(f"  {what:<36} failed: {row['error']}")
            else:
                lines.append(
                    f"  {what:<36} median {row['median']:.3f}   max {row['max']:.3f}"
                    f"   ({row['moves']} moves)"
                )
    lm = r["load_mnist"]
    lines += ["", "load_mnist() (bundled file)"]
    if "error" in lm:
        lines.append(f"  not measured: {lm['error']}")
    else:
        lines.append(
            f"  first call in a fresh process {lm['first']:.3f} s, cached "
            f"{lm['cached'] * 1e6:.0f} µs"
        )
    lines += [
        "",
        "Peak memory of a fresh process: load + prepare MNIST, train one epoch"
        + (" (quick: a few steps)" if r["quick"] else ""),
    ]
    for name, mem in r["memory"].items():
        if "mib" in mem:
            note = ""
            if name == "engine":
                note = "   " + _verdict(mem["mib"], TARGETS["peak memory MiB"], at_most=True)
            lines.append(f"  {name:<10} {mem['mib']:8.1f} MiB{note}")
        else:
            lines.append(f"  {name:<10} not measured: {mem.get('skipped') or mem.get('error')}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="a few steps of everything")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (default 7)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    print(format_report(run(quick=args.quick, rounds=args.rounds)))


if __name__ == "__main__":
    main()
