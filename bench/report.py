"""The report: every measurement of ``run`` as a readable table, each beside its target."""

from __future__ import annotations

import math

from .common import BATCH_SIZE, LEARNING_RATE, TARGETS
from .speed import step_flops

# -------------------------------------------------------------------- report ----


def _verdict(value: float, target: float, at_most: bool, fmt: str = "g") -> str:
    met = value <= target if at_most else value >= target
    return ("met" if met else "NOT met") + f" (target {'≤' if at_most else '≥'} {target:{fmt}})"


def format_report(r: dict) -> str:
    """The measurements of ``run`` as a readable table."""
    m = r["machine"]
    blas = m["blas"]
    e = r.get("epoch", {"steps": "?", "rounds": "?"})
    lines = [
        f"bench{' --quick (a smoke run: numbers not meaningful)' if r['quick'] else ''}",
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
    ]
    if "epoch" in r:
        lines += _speed(r)
    if "widgets" in r:
        lines += _widgets(r)
    if "memory" in r:
        lines += _memory(r)
    if "classroom" in r:
        lines += _classroom(r)
    return "\n".join(lines)


def _speed(r: dict) -> list[str]:
    e = r["epoch"]
    lines = [
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
    lm = r["load_mnist"]
    lines += ["", "load_mnist() (bundled file)"]
    if "error" in lm:
        lines.append(f"  not measured: {lm['error']}")
    else:
        lines.append(
            f"  first call in a fresh process {lm['first']:.3f} s, cached "
            f"{lm['cached'] * 1e6:.0f} µs"
        )
    return lines


def _widgets(r: dict) -> list[str]:
    lines = ["", "Widgets: seconds from a slider move to a new figure"]
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
    return lines


def _memory(r: dict) -> list[str]:
    lines = [
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
    nb = r["notebooks"]
    t = nb["targets"]
    lines += [
        "",
        f"Memory of a notebook kernel (MiB): Run All, Run All again in the same kernel, and the "
        f"growth per further Run All (after gc), over {nb['reruns']} re-run(s)",
        f"  {'notebook':<28} {'run all':>9} {'twice':>9} {'growth':>9} {'seconds':>9}",
        f"  {'target':<28} {'≤ ' + str(t['run_all']):>9} {'≤ ' + str(t['run_all_twice']):>9} "
        f"{'≤ ' + str(t['growth']):>9}",
    ]
    misses = []
    for name, row in nb["rows"].items():
        if "error" in row:
            lines.append(f"  {name:<28} failed: {row['error']}")
            continue
        for key in ("run_all", "run_all_twice", "growth"):
            if row[key] > t[key]:
                misses.append(f"{name} {key.replace('_', ' ')}")
        lines.append(
            f"  {name:<28} {row['run_all']:9.0f} {row['run_all_twice']:9.0f} "
            f"{row['growth']:9.1f} {row['seconds']:9.1f}"
        )
    lines.append("  targets " + ("all met" if not misses else "NOT met: " + ", ".join(misses)))
    return lines


def _classroom(r: dict) -> list[str]:
    c = r["classroom"]
    lines = [
        "",
        f"A class on this machine: the series ({c['notebooks']}) in fresh kernels, per student",
        f"  {'students at once':<18} {'median s':>9} {'max s':>9} {'wall s':>9}   failures",
    ]
    for row in c["rows"]:
        failures = "; ".join(row["failures"]) or "none"
        lines.append(
            f"  {row['students']:<18} {row['median']:9.1f} {row['max']:9.1f} "
            f"{row['wall']:9.1f}   {failures}"
        )
    return lines
