"""Speed: one epoch of the engine against PyTorch, JAX, a lean numpy loop and the bare GEMMs,
taking turns in one process; GEMM speed; a step piece by piece; finite differences against
backpropagation; loading MNIST."""

from __future__ import annotations

import contextlib
import io
import json
import math
import time

import numpy as np

from helpers.gradients import numerical_partial
from helpers.layers import mlp
from helpers.losses import softmax_cross_entropy
from helpers.optim import SGD
from helpers.train import Trainer, fit

from .common import (
    BATCH_SIZE,
    FD_COEFFICIENTS,
    LEARNING_RATE,
    N_TRAIN,
    SEED,
    SETTLE,
    SIZES,
    _median,
    _python,
    _run,
    epoch_order,
    initial_weights,
)

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
    # The update is timed on copies, with an optimizer of their own (an optimizer refuses a
    # second model's parameters): applying the same gradient hundreds of times would blow up
    # the weights the other parts use.
    params, grads = [p.copy() for p in model.parameters()], model.gradients()
    update = SGD(learning_rate=LEARNING_RATE)

    def batch():
        trainer._pos = 0
        trainer._next_batch()

    parts = {
        "draw the batch": batch,
        "forward": lambda: model.forward(xb),
        "loss": lambda: softmax_cross_entropy(logits, yb),
        "backward": lambda: model.backward(dlogits),
        "update (SGD.step)": lambda: update.step(params, grads),
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
