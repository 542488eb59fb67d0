"""How fast does this machine run the engine?  ``python -m bench``

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
of a training run, and what BLAS numpy uses. Last, the classroom: the memory of a notebook
kernel running each notebook of the series (once, twice, and the growth per re-run), and the
series' wall time with 1 and with 4 students running it at once.

    python -m bench                  the full report (about 15 minutes)
    python -m bench --only speed     one part: speed, widgets, memory or classroom
    python -m bench --rounds 9       more rounds, steadier medians
    python -m bench --quick          a few steps of everything: checks that it all runs

One module per part: speed, widgets, memory, classroom, report (and common, what they share).

Shapes: B examples in a batch, D inputs (784), H hidden units (512), C classes (10).
Every number is measured when it is printed; nothing here is a stored result.
"""

from __future__ import annotations

import argparse

from .classroom import classroom
from .common import BATCH_SIZE, N_TRAIN, SIZES, _numpy_threads, machine, training_data
from .memory import memory_child, peak_memory, series_memory
from .report import format_report
from .speed import (
    FD_COEFFICIENTS,
    compare_epochs,
    compare_fit_overhead,
    epoch_flops,
    finite_difference_cost,
    gemm_at_training_shapes,
    gemm_peak,
    gemm_shapes,
    load_mnist_time,
    step_anatomy,
    step_flops,
)
from .widgets import widget_redraws, widget_redraws_ipympl

__all__ = [
    "PARTS",
    "SIZES",
    "epoch_flops",
    "format_report",
    "gemm_shapes",
    "main",
    "memory_child",
    "run",
    "step_flops",
    "widget_redraws",
]

PARTS = ("speed", "widgets", "memory", "classroom")


def run(quick: bool = False, rounds: int = 7, parts=PARTS) -> dict:
    """Measure ``parts``; returns the numbers as a dict (``format_report`` prints it).

    quick: a handful of steps and one round everywhere, and only the index notebook for
    the kernel parts, to check that every part runs.
    """
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown part(s) {sorted(unknown)}; choose from {PARTS}")
    steps = 5 if quick else None
    rounds = 1 if quick else rounds
    info = machine()  # before PyTorch or JAX load their own thread pools
    threads = _numpy_threads()
    x, y, data = training_data(N_TRAIN if steps is None else steps * BATCH_SIZE)
    results = {
        "quick": quick,
        "parts": tuple(parts),
        "data": data,
        "n": len(x),
        "machine": info,
        "threads": threads,
    }
    if "speed" in parts:
        results["epoch"] = compare_epochs(x, y, rounds, threads)
        results["fit_overhead"] = compare_fit_overhead(x, y, rounds)
        results["peak"] = gemm_peak(512 if quick else 2048)
        results["peak"]["engine_share"] = results["epoch"]["gflops"] / results["peak"]["gflops"]
        results["gemm_shapes"] = gemm_at_training_shapes(5 if quick else 100)
        results["anatomy"] = step_anatomy(x, y, 5 if quick else 200)
        results["finite_differences"] = finite_difference_cost(
            x, y, 5 if quick else FD_COEFFICIENTS, 3 if quick else 20
        )
        results["load_mnist"] = load_mnist_time()
    if "widgets" in parts:
        results["widgets"] = widget_redraws(x, y, 2 if quick else 20)
        results["widgets_ipympl"] = widget_redraws_ipympl(2 if quick else 20)
        results["widgets_ipympl_attached"] = widget_redraws_ipympl(
            2 if quick else 20, browser_attached=True
        )
    if "memory" in parts:
        with_torch = "pytorch" in results.get("epoch", {}).get("median", {})
        results["memory"] = peak_memory(steps, with_torch=with_torch)
        results["notebooks"] = series_memory(["00"] if quick else None, reruns=1 if quick else 2)
    if "classroom" in parts:
        results["classroom"] = classroom((1, 2) if quick else (1, 4), ["00"] if quick else None)
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="a few steps of everything")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (default 7)")
    parser.add_argument(
        "--only",
        action="append",
        choices=PARTS,
        help="measure only this part (repeat for several); default: all",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    print(format_report(run(quick=args.quick, rounds=args.rounds, parts=args.only or PARTS)))
