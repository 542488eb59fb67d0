"""Checkers for notebook 11, curvature: ``largest_eigenvalue`` written by the student, power
iteration with a shift, given only a Hessian-vector product.

The checker builds its own symmetric matrices H with known eigenvalues (some with a
dominant *negative* eigenvalue, one all negative) and one real Hessian, of a tiny float64
network, and hands the student's function ``hvp`` (v ↦ H·v), a start vector and a number
of iterations large enough for power iteration to converge. So any right power iteration
agrees with the package's ``helpers.curvature.largest_eigenvalue`` to 1e-7, whatever the
order of its steps.

Shapes: P the size of a direction (the number of parameters); hvp: (P,) → (P,).
"""

from __future__ import annotations

import numpy as np

from .. import curvature
from ..layers import mlp
from .core import Feedback, Mistake, check_implementation, checker

__all__ = ["check_largest_eigenvalue"]

# Stable ids of the usual mistakes in this lesson, with what to re-teach (issue 19/20).
DIAGNOSES = {
    "largest-magnitude": "Plain power iteration was returned: it finds the eigenvalue largest "
    "in size, which is the most negative one when that dominates. The shift (run again on "
    "H − μI) turns every eigenvalue ≥ 0, so the largest one wins.",
    "lost-sign": "The estimate was a length |H·v| (or |μ|), which has no sign: the eigenvalue "
    "is the Rayleigh quotient vᵀH·v of the unit vector v.",
    "shift-not-undone": "After power iteration on H − μI the eigenvalue found is λ_max − μ: "
    "μ has to be added back.",
    "not-normalized": "v was not scaled back to length 1 each iteration, so vᵀH·v grew with "
    "|v|² instead of being an eigenvalue.",
    "returned-inside-loop": "The function returned during the first iteration (a return "
    "indented into the loop), so power iteration never iterated.",
}

# The package's implementations this exercise rebuilds (helpers.exercises.rebuilt).
EIGENVALUE_FORBID = ("sharpness", "largest_eigenvalue", "power_iteration")

# Eigenvalues of the checker's matrices: positive dominant, negative dominant, all negative.
SPECTRA = (
    (5.0, 3.0, 2.0, 1.0, -1.0, -2.0),
    (2.5, 1.5, 1.0, 0.5, 0.0, -1.0, -2.0, -6.0),
    (-1.0, -2.0, -2.5, -5.0),
)
ITERATIONS = 150  # enough for every case to converge far below 1e-7


def _operator(matrix: np.ndarray):
    """v ↦ matrix·v for a read-only copy of the symmetric ``matrix`` (P, P)."""
    matrix = np.array(matrix, dtype=np.float64)
    matrix.flags.writeable = False

    def hvp(v):
        return matrix @ v  # (P,)

    return hvp


def _symmetric(eigenvalues, rng) -> np.ndarray:
    """Q·diag(eigenvalues)·Qᵀ with a random orthogonal Q: (P, P), P = len(eigenvalues)."""
    q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    return (q * np.asarray(eigenvalues)) @ q.T


def _tiny_network_operator(rng):
    """The Hessian-vector product of a 5-4-3 float64 network's loss on 7 examples."""
    model = mlp([5, 4, 3], seed=1, dtype=np.float64)
    x, y = rng.normal(size=(7, 5)), rng.integers(0, 3, size=7)
    return curvature.hessian_operator(model, x, y), model.count_params()


def _cases(seed: int) -> list[tuple]:
    """(hvp, start, iterations) for each matrix, then for the tiny network's Hessian."""
    rng = np.random.default_rng(seed)
    cases = []
    for spectrum in SPECTRA:
        matrix = _symmetric(spectrum, rng)
        cases.append((_operator(matrix), rng.normal(size=len(spectrum)), ITERATIONS))
    hvp, size = _tiny_network_operator(rng)
    cases.append((hvp, rng.normal(size=size), ITERATIONS))
    return cases


def _reference(hvp, start, iterations):
    return curvature.largest_eigenvalue(hvp, start, iterations)


# ------------------------------------------------------------ mistakes ----


def _iterate(hvp, start, iterations, *, estimate="rayleigh", normalize=True):
    """Power iteration as a student might write it; returns the last estimate."""
    v = np.asarray(start, dtype=np.float64)
    v = v / np.linalg.norm(v)
    value = 0.0
    for _ in range(iterations):
        w = hvp(v)
        value = v @ w if estimate == "rayleigh" else np.linalg.norm(w)
        v = w / np.linalg.norm(w) if normalize else w
    return value


def _shifted(hvp, start, iterations, *, undo=True, **how):
    mu = _iterate(hvp, start, iterations, **how)
    if mu >= 0:
        return mu
    nu = _iterate(lambda v: hvp(v) - mu * v, start, iterations, **how)
    return nu + mu if undo else nu


MISTAKES = (
    Mistake(
        lambda hvp, start, iterations: _iterate(hvp, start, iterations),
        "that is the eigenvalue largest in size, and here the largest in size is negative.",
        "Power iteration alone finds the eigenvalue largest in size. What does the shift do?",
        "largest-magnitude",
    ),
    Mistake(
        lambda hvp, start, iterations: _shifted(hvp, start, iterations, estimate="norm"),
        "your estimate is never negative: a length such as |H·v| has no sign.",
        "Which number tells you whether v is stretched or flipped?",
        "lost-sign",
    ),
    Mistake(
        lambda hvp, start, iterations: _shifted(hvp, start, iterations, undo=False),
        "after the shift you returned the eigenvalue of H − μI, not of H.",
        "H − μI has the eigenvalues λ − μ. How do you get λ back?",
        "shift-not-undone",
    ),
    Mistake(
        lambda hvp, start, iterations: _shifted(hvp, start, iterations, normalize=False),
        "your estimate grows with every iteration: v keeps getting longer.",
        "The Rayleigh quotient vᵀH·v is an eigenvalue only when |v| = 1.",
        "not-normalized",
    ),
    Mistake(
        lambda hvp, start, iterations: _shifted(hvp, start, 1),
        "your function returns after one iteration.",
        "Look at the indentation of your return.",
        "returned-inside-loop",
    ),
)


@checker
def check_largest_eigenvalue(largest_eigenvalue, seed: int = 0) -> Feedback:
    """Your ``largest_eigenvalue(hvp, start, iterations)`` against the package's.

    It is called with hvp: a function (P,) → (P,) (a symmetric matrix times v, or a tiny
    network's Hessian-vector product), start: (P,) float64, and a number of iterations,
    and must return the largest eigenvalue (the most positive) as one number. It may not
    call the package's power iteration (``helpers.curvature``).
    """
    return check_implementation(
        largest_eigenvalue,
        name="largest_eigenvalue",
        cases=_cases(seed),
        reference=_reference,
        outputs=("the largest eigenvalue",),
        mistakes=MISTAKES,
        forbid=EIGENVALUE_FORBID,
        hint="Run it on H = np.diag([1.0, -3.0]): the answer is 1.",
    )
