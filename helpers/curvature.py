"""Curvature: how fast the gradient turns, and the largest learning rate it allows.

On a parabola a·x² the curvature is λ = 2a and gradient descent converges exactly when
η < 2/λ (notebook 6). A network's loss has one curvature per direction of its parameter
space: the eigenvalues of its **Hessian** H, the (P, P) matrix of second derivatives. The
largest, λ_max, is the network's **sharpness**; the steepest direction sets the limit.

P is far too large to form H (101,770 parameters give a 41 GB matrix), but one product
H·v is cheap: it is how the gradient changes along the direction v, and Pearlmutter's
R-operator (1994) computes it exactly with one forward and one backward pass that carry
the direction along. Power iteration needs nothing else.

Shapes use these letters:
    N  examples,  D  inputs,  C  classes,  P  parameters of the model (all of them)

Directions are lists of arrays shaped like ``model.parameters()`` (a kernel (D, M), a
bias (M,), … layer by layer) or, for ``hessian_operator``, one flat (P,) vector in that
order. Everything here is float64, whatever the model's dtype: curvatures are differences
of gradients, which float32 rounding would blur.

The loss is the course's softmax cross-entropy, averaged over the N examples. A relu is
treated as what it is almost everywhere, a line with slope 0 or 1: its kink has no second
derivative, so H is the Hessian of the loss with every relu's on/off pattern held fixed,
the same matrix a finite difference gives when its step crosses no kink.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .data import batch_inputs
from .exercises import rebuilt
from .layers import softmax
from .validation import check_inputs, check_labels, check_model

__all__ = [
    "PowerIteration",
    "SharpnessRun",
    "hessian_operator",
    "hessian_vector_product",
    "gradient_difference",
    "largest_eigenvalue",
    "power_iteration",
    "sharpness",
    "track_sharpness",
]


# --------------------------------------------------------- Hessian-vector products ----


class _Pass:
    """One forward pass of ``model`` on (x, y) in float64, kept for many products H·v.

    Holds each layer's input a (N, D_l), relu mask (N, M_l) and the softmax p (N, C).
    """

    def __init__(self, model, x, y):
        check_model(model)
        x = check_inputs(x, model.in_features, np.float64, "hessian_vector_product: x")
        if len(x) == 0:
            raise ValueError("hessian_vector_product: x is empty; pass at least one example.")
        self.labels = check_labels(
            y, model.out_features, n=len(x), where="hessian_vector_product: labels y"
        )
        a = batch_inputs(x, np.float64)  # (N, D): raw uint8 pixels become p / 255
        self.kernels = [np.asarray(layer.kernel, np.float64) for layer in model.layers]
        self.biases = [np.asarray(layer.bias, np.float64) for layer in model.layers]
        self.shapes = [p.shape for p in model.parameters()]
        self.inputs, self.masks = [], []
        for layer, kernel, bias in zip(model.layers, self.kernels, self.biases, strict=True):
            self.inputs.append(a)
            z = a @ kernel + bias  # (N, M)
            mask = z > 0 if layer.activation == "relu" else None  # relu'(z), (N, M)
            self.masks.append(mask)
            a = z * mask if mask is not None else z
        self.p = softmax(a)  # (N, C)
        self.n = len(a)

    def product(self, v: list[np.ndarray]) -> list[np.ndarray]:
        """H·v for v = [V_0, vb_0, V_1, vb_1, …] (float64, shaped like the parameters)."""
        directions = list(zip(v[0::2], v[1::2], strict=True))  # (V_l (D, M), vb_l (M,))
        # R-forward: how each pre-activation moves along v, R(z) = R(a)·W + a·V + vb.
        r_a = None  # R(input of the first layer) = 0: the data does not move
        r_zs = []
        for a, kernel, mask, (dk, db) in zip(
            self.inputs, self.kernels, self.masks, directions, strict=True
        ):
            r_z = a @ dk + db  # (N, M)
            if r_a is not None:
                r_z += r_a @ kernel
            r_zs.append(r_z)
            r_a = r_z * mask if mask is not None else r_z
        # The loss's own curvature in the logits: R(dloss/dz) = (diag(p) − p pᵀ)·R(z) / N.
        p, r_z = self.p, r_zs[-1]
        g = p.copy()  # dloss/dz of the last layer, (N, C)
        g[np.arange(self.n), self.labels] -= 1
        g /= self.n
        r_g = (p * r_z - p * np.sum(p * r_z, axis=1, keepdims=True)) / self.n  # (N, C)
        # R-backward: the backward pass, differentiated along v.
        out: list[np.ndarray] = [None] * len(v)
        for i in range(len(self.kernels) - 1, -1, -1):
            a, kernel, (dk, _) = self.inputs[i], self.kernels[i], directions[i]
            r_a_in = None if i == 0 else r_zs[i - 1] * self.masks[i - 1]  # R(a) (N, D)
            r_dw = a.T @ r_g  # (D, M)
            if r_a_in is not None:
                r_dw += r_a_in.T @ g
            out[2 * i], out[2 * i + 1] = r_dw, r_g.sum(axis=0)
            if i == 0:
                break
            mask = self.masks[i - 1]
            r_g = (r_g @ kernel.T + g @ dk.T) * mask  # R(dloss/dz) of the layer below
            g = (g @ kernel.T) * mask  # dloss/dz of the layer below
        return out


def _as_direction(v, shapes, where: str) -> list[np.ndarray]:
    if isinstance(v, np.ndarray) or not isinstance(v, (list, tuple)) or len(v) != len(shapes):
        raise TypeError(
            f"{where}: v must be a list of {len(shapes)} arrays shaped like "
            "model.parameters() (kernel, bias, … layer by layer), e.g. "
            "[rng.normal(size=p.shape) for p in model.parameters()]."
        )
    out = []
    for k, (part, shape) in enumerate(zip(v, shapes, strict=True)):
        part = np.asarray(part, dtype=np.float64)
        if part.shape != shape:
            raise ValueError(
                f"{where}: v[{k}] has shape {part.shape}, but parameter {k} has shape {shape}."
            )
        out.append(part)
    return out


def hessian_vector_product(model, x, y, v) -> list[np.ndarray]:
    """H·v: the Hessian of the mean softmax cross-entropy times a direction, exactly.

    model: a ``Sequential`` of ``Dense`` layers (relu or none), any float dtype
    x: (N, D) float inputs, or raw uint8 images (N, 28, 28) / (N, D); y: (N,) int labels
    v: a list of arrays shaped like ``model.parameters()``
    returns: H·v, a list of float64 arrays of the same shapes

    Pearlmutter's R-operator: a forward pass, then the forward and backward passes once
    more, differentiated along v. Cost: about two backpropagations (a gradient's worth
    for the pass, another for the product); no step size, no rounding from differences.
    The model is not changed. For many products on the same data use
    ``hessian_operator``, which does the first forward pass once.
    """
    state = _Pass(model, x, y)
    return state.product(_as_direction(v, state.shapes, "hessian_vector_product"))


def hessian_operator(model, x, y) -> Callable[[np.ndarray], np.ndarray]:
    """The function v ↦ H·v on flat vectors, v: (P,) → (P,) float64, for power iteration.

    The forward pass on (x, y) is done once, here, with the model's parameters as they
    are now; each call then costs about one backpropagation's worth of matrix products
    (about two forward passes). Retrain the model, and build a new operator.
    """
    state = _Pass(model, x, y)
    sizes = [int(np.prod(shape)) for shape in state.shapes]
    size = sum(sizes)

    def hvp(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64)
        if v.shape != (size,):
            raise ValueError(
                f"this Hessian's directions are flat vectors of all {size} parameters, "
                f"shape ({size},); got shape {v.shape}."
            )
        parts = np.split(v, np.cumsum(sizes)[:-1])
        hv = state.product([p.reshape(s) for p, s in zip(parts, state.shapes, strict=True)])
        return np.concatenate([h.ravel() for h in hv])  # (P,)

    hvp.size = size
    return hvp


def gradient_difference(model, x, y, v, h: float) -> list[np.ndarray]:
    """H·v the slow way: (∇loss(θ + h·v) − ∇loss(θ − h·v)) / 2h, two backpropagations.

    model, x, y, v: as ``hessian_vector_product``; h: the step along v. Computed on a
    float64 copy of the model (the model itself is not changed). Right only while the
    step crosses no relu kink: every unit whose input changes sign between θ − h·v and
    θ + h·v adds a jump of its gradient, divided by 2h. Shown beside the exact product
    to see which steps are safe.
    """
    from .layers import Dense, Sequential  # noqa: PLC0415 - only this function builds models
    from .losses import softmax_cross_entropy  # noqa: PLC0415

    check_model(model)
    x = check_inputs(x, model.in_features, np.float64, "gradient_difference: x")
    x = batch_inputs(x, np.float64)
    direction = _as_direction(v, [p.shape for p in model.parameters()], "gradient_difference")
    copy = Sequential(
        [
            Dense(layer.in_features, layer.out_features, layer.activation, dtype=np.float64)
            for layer in model.layers
        ]
    )

    def gradient(sign: float) -> list[np.ndarray]:
        for p, p0, d in zip(copy.parameters(), model.parameters(), direction, strict=True):
            p[...] = np.asarray(p0, np.float64) + sign * h * d
        _, dlogits = softmax_cross_entropy(copy.forward(x), y)
        copy.backward(dlogits)
        return [g.copy() for g in copy.gradients()]

    plus, minus = gradient(1.0), gradient(-1.0)
    return [(a - b) / (2 * h) for a, b in zip(plus, minus, strict=True)]


# ----------------------------------------------------------------- power iteration ----


@dataclass
class PowerIteration:
    """What power iteration found.

    eigenvalue: the last estimate (the Rayleigh quotient vᵀHv of the last unit vector v)
    vector:     the last unit vector, (P,)
    estimates:  the estimate after every iteration, to watch it converge
    converged:  True if it stopped because the estimate changed by less than ``tol``
    """

    eigenvalue: float
    vector: np.ndarray
    estimates: list[float] = field(default_factory=list)
    converged: bool = False


@rebuilt("power_iteration")
def power_iteration(hvp, start, iterations: int = 100, *, tol: float = 0.0) -> PowerIteration:
    """The eigenvalue of largest *magnitude* of a symmetric H, given only v ↦ H·v.

    hvp: function (P,) → (P,); start: (P,) a nonzero starting direction.
    Each iteration: w = H·v, the estimate vᵀw (v is a unit vector), then v = w / |w|.
    Repeated multiplication by H stretches v most along the eigenvector whose eigenvalue
    is largest in size, so v turns towards it; the estimate converges to that eigenvalue,
    the faster the larger the gap to the next one. Stops after ``iterations`` products,
    or sooner once an estimate differs from the one before by at most ``tol`` times its
    size (tol=0 always runs them all). Cost: one H·v per iteration.
    """
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)):
        raise TypeError(f"iterations must be a whole number >= 1, got {iterations!r}.")
    if iterations < 1:
        raise ValueError(f"iterations must be >= 1, got {iterations}.")
    v = np.array(start, dtype=np.float64)
    norm = np.linalg.norm(v)
    if v.ndim != 1 or not np.isfinite(norm) or norm == 0:
        raise ValueError("start must be a nonzero (P,) vector of finite numbers.")
    v /= norm
    estimates: list[float] = []
    converged = False
    for _ in range(iterations):
        w = np.asarray(hvp(v), dtype=np.float64)  # (P,)
        estimates.append(float(v @ w))  # the Rayleigh quotient of the unit vector v
        norm = np.linalg.norm(w)
        if norm == 0:  # v is in H's null space: its eigenvalue is 0
            break
        v = w / norm
        if len(estimates) > 1 and abs(estimates[-1] - estimates[-2]) <= tol * abs(estimates[-1]):
            converged = True
            break
    return PowerIteration(estimates[-1], v, estimates, converged)


@rebuilt("largest_eigenvalue")
def largest_eigenvalue(hvp, start, iterations: int = 100, *, tol: float = 0.0) -> float:
    """The largest eigenvalue λ_max of a symmetric H (the most positive, not the largest
    in size), given only v ↦ H·v.

    hvp: function (P,) → (P,); start: (P,) nonzero. Power iteration finds the eigenvalue μ
    largest in size. If μ ≥ 0 it is λ_max. If μ < 0, it is the most negative one, so
    power iteration runs again on H − μI, whose eigenvalues λ − μ are all ≥ 0: its largest
    is λ_max − μ, and μ is added back. Cost: ``iterations`` products H·v, twice when
    μ < 0 (``tol`` as in ``power_iteration``).
    """
    return _largest(hvp, start, iterations, tol)[0]


def _largest(hvp, start, iterations: int, tol: float) -> tuple[float, np.ndarray]:
    """``largest_eigenvalue`` and its unit eigenvector (P,)."""
    first = power_iteration(hvp, start, iterations, tol=tol)
    mu = first.eigenvalue
    if mu >= 0:
        return mu, first.vector
    shifted = power_iteration(lambda v: hvp(v) - mu * v, start, iterations, tol=tol)
    return shifted.eigenvalue + mu, shifted.vector


@rebuilt("sharpness")
def sharpness(model, x, y, iterations: int = 100, seed=0, *, tol: float = 1e-6) -> float:
    """λ_max, the largest eigenvalue of the loss's Hessian in all the model's parameters.

    model, x (N, D), y (N,): as ``hessian_vector_product``; the mean softmax
    cross-entropy over these N examples is the loss. Power iteration with the shift of
    ``largest_eigenvalue``, from a random start (``seed``), until an estimate changes by
    at most ``tol`` times its size or after ``iterations`` products (twice that when the
    largest in size is negative). Cost: one forward pass, then about one backpropagation
    per iteration. Gradient descent on the quadratic this Hessian describes converges for
    η < 2 / λ_max.
    """
    hvp = hessian_operator(model, x, y)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return largest_eigenvalue(hvp, rng.normal(size=hvp.size), iterations, tol=tol)


# ----------------------------------------------------------------- during training ----


@dataclass
class SharpnessRun:
    """The sharpness measured along a training run.

    steps:         the training steps at which it was measured (0 = before the first)
    sharpness:     λ_max at each of those steps
    loss:          the training loss of every step (the trainer's history)
    learning_rate: the optimizer's learning rate when the run ended
    """

    steps: list[int]
    sharpness: list[float]
    loss: list[float]
    learning_rate: float

    @property
    def limit(self) -> float:
        """2 / η: the sharpness above which a quadratic with that curvature diverges."""
        return 2.0 / self.learning_rate


def track_sharpness(
    trainer, steps: int, every: int, x, y, *, iterations: int = 30, tol: float = 1e-4, seed=0
) -> SharpnessRun:
    """Train ``steps`` steps with ``trainer`` (a ``helpers.train.Trainer``), measuring the
    sharpness on (x, y) before the first step and after every ``every`` steps.

    x: (N, D) or raw images, y: (N,): a fixed set (e.g. 2,000 training images), so that
    every measurement is of the same loss. Each measurement starts power iteration from
    the eigenvector of the one before (the top direction turns slowly while training), so
    a few products usually suffice; at most ``iterations``, stopping at ``tol``. Stops
    early if training diverges. Cost per measurement: one forward pass and up to
    ``iterations`` backpropagations' worth of products on the N examples.
    """
    for name, value in (("steps", steps), ("every", every)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"track_sharpness: {name} must be a whole number >= 1, got {value!r}.")
    model = trainer.model
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    vector = rng.normal(size=model.count_params())
    done, measured_at, values = 0, [], []
    while True:
        hvp = hessian_operator(model, x, y)
        value, vector = _largest(hvp, vector, iterations, tol)
        measured_at.append(trainer.history.steps)
        values.append(value)
        if done >= steps or trainer.history.diverged:
            break
        trainer.run(min(every, steps - done), verbose=False)
        done += min(every, steps - done)
        if trainer.history.diverged:
            break
    lr = float(trainer.optimizer.learning_rate)
    return SharpnessRun(measured_at, values, list(trainer.history.loss), lr)
