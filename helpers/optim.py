"""Optimizers: how a gradient becomes an update of the parameters.

All share one interface:
    ``optimizer.step(params, grads)``  updates every array of ``params`` in place;
    the state each keeps per parameter (velocity, moments, step count) is an attribute
    you can read, e.g. ``SGD.velocity[i]`` for ``params[i]``.

Each rule is the one documented for the PyTorch optimizer of the same name (defaults
included), written for arrays. ``learning_rate`` and ``momentum`` may be changed between
steps, e.g. from a slider while training runs.
"""

from __future__ import annotations

import math

import numpy as np

from .validation import check_learning_rate, check_momentum, check_probability

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "OPTIMIZERS"]


def _check_non_negative(name: str, value) -> float:
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}.")
    return value


class Optimizer:
    """The shared part: the learning rate, the step count and per-parameter state.

    Subclasses name their state arrays in ``state_names`` and implement ``_update``.
    """

    state_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float):
        self.learning_rate = learning_rate
        self.iterations = 0  # how many steps were taken
        self._shapes: list[tuple] | None = None
        self._scratch: list[np.ndarray] = []
        for name in self.state_names:
            setattr(self, name, [])

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._learning_rate = check_learning_rate(value)

    def _settings(self) -> dict:
        return {"learning_rate": self.learning_rate}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._settings().items())
        return f"{type(self).__name__}({args})"

    def reset(self) -> None:
        """Forget the state (velocities, moments, step count), keep the settings."""
        self.iterations = 0
        self._shapes = None
        self._scratch = []
        for name in self.state_names:
            setattr(self, name, [])

    def _start(self, params) -> None:
        self._shapes = [p.shape for p in params]
        self._scratch = [np.zeros_like(p) for p in params]
        for name in self.state_names:
            setattr(self, name, [np.zeros_like(p) for p in params])

    def step(self, params, grads) -> None:
        """Update each ``params[i]`` in place from ``grads[i]`` (same shape)."""
        if len(params) != len(grads):
            raise ValueError(
                f"step got {len(params)} parameter arrays but {len(grads)} gradients; "
                "pass model.parameters() and model.gradients()."
            )
        if self._shapes is None:
            self._start(params)
        elif [p.shape for p in params] != self._shapes:
            raise ValueError(
                f"{self!r} was used with parameters of shapes {self._shapes}, now "
                f"{[p.shape for p in params]}; use a new optimizer (or call reset()) "
                "for a new model."
            )
        for p, g in zip(params, grads, strict=True):
            if p.shape != g.shape:
                raise ValueError(f"a gradient of shape {g.shape} for a parameter of {p.shape}.")
        self.iterations += 1
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            self._update(i, p, g)

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def _apply(self, i: int, p: np.ndarray, direction: np.ndarray, scale: float) -> None:
        """p -= scale · direction, through a reused buffer instead of a new temporary."""
        step = np.multiply(direction, scale, out=self._scratch[i])
        p -= step


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum and weight decay.

    PyTorch's rule (dampening 0), for each parameter w with gradient g:
        g ← g + weight_decay · w                 (if weight_decay)
        v ← momentum · v + g                     (v starts at 0, so v₁ = g)
        d ← g + momentum · v   if nesterov,  else  d ← v
        w ← w − learning_rate · d

    The lecture writes momentum as ``velocity = momentum·velocity − lr·g; w += velocity``:
    that velocity is −learning_rate · v, so at a constant learning rate both forms take
    exactly the same steps.
    """

    state_names = ("velocity",)

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ):
        self.momentum = momentum
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs a momentum > 0, e.g. momentum=0.9.")
        self.weight_decay = _check_non_negative("weight_decay", weight_decay)
        super().__init__(learning_rate)

    @property
    def momentum(self) -> float:
        return self._momentum

    @momentum.setter
    def momentum(self, value) -> None:
        self._momentum = check_momentum(value)

    def _settings(self) -> dict:
        s = {"learning_rate": self.learning_rate, "momentum": self.momentum}
        if self.nesterov:
            s["nesterov"] = True
        if self.weight_decay:
            s["weight_decay"] = self.weight_decay
        return s

    def _update(self, i, p, g):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum == 0:
            self._apply(i, p, g, self.learning_rate)
            return
        v = self.velocity[i]
        v *= self.momentum
        v += g
        direction = g + self.momentum * v if self.nesterov else v
        self._apply(i, p, direction, self.learning_rate)


class RMSprop(Optimizer):
    """RMSprop (non-centered), PyTorch's rule:
    s ← alpha · s + (1 − alpha) · g²          (s starts at 0)
    w ← w − learning_rate · g / (√s + eps)
    """

    state_names = ("square_avg",)

    def __init__(self, learning_rate: float = 0.01, alpha: float = 0.99, eps: float = 1e-8):
        self.alpha = check_probability("alpha", alpha)
        self.eps = _check_non_negative("eps", eps)
        super().__init__(learning_rate)

    def _settings(self):
        return {"learning_rate": self.learning_rate, "alpha": self.alpha, "eps": self.eps}

    def _update(self, i, p, g):
        s = self.square_avg[i]
        s *= self.alpha
        s += (1 - self.alpha) * g * g
        self._apply(i, p, g / (np.sqrt(s) + self.eps), self.learning_rate)


class Adagrad(Optimizer):
    """Adagrad, PyTorch's rule (no learning-rate decay):
        s ← s + g²                                (s starts at 0)
        w ← w − learning_rate · g / (√s + eps)
    Each coefficient's step shrinks as its squared gradients add up.
    """

    state_names = ("sum_squares",)

    def __init__(self, learning_rate: float = 0.01, eps: float = 1e-10):
        self.eps = _check_non_negative("eps", eps)
        super().__init__(learning_rate)

    def _settings(self):
        return {"learning_rate": self.learning_rate, "eps": self.eps}

    def _update(self, i, p, g):
        s = self.sum_squares[i]
        s += g * g
        self._apply(i, p, g / (np.sqrt(s) + self.eps), self.learning_rate)


class Adam(Optimizer):
    """Adam, PyTorch's rule, with bias correction and eps outside the square root:
        m ← beta1 · m + (1 − beta1) · g           (first moment: a momentum)
        v ← beta2 · v + (1 − beta2) · g²          (second moment: adaptive step size)
        m̂ = m / (1 − beta1ᵗ),  v̂ = v / (1 − beta2ᵗ)   at step t = 1, 2, …
        w ← w − learning_rate · m̂ / (√v̂ + eps)
    ``weight_decay`` (default 0) adds weight_decay · w to g first (L2, PyTorch's Adam).
    """

    state_names = ("m", "v")

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        self.beta1 = check_probability("beta1", beta1)
        self.beta2 = check_probability("beta2", beta2)
        self.eps = _check_non_negative("eps", eps)
        self.weight_decay = _check_non_negative("weight_decay", weight_decay)
        super().__init__(learning_rate)

    def _settings(self):
        s = {"learning_rate": self.learning_rate, "beta1": self.beta1, "beta2": self.beta2}
        if self.weight_decay:
            s["weight_decay"] = self.weight_decay
        return s

    def _weight_decay(self, p, g):
        """Adam's weight decay is L2: it is added to the gradient (AdamW overrides this)."""
        return g + self.weight_decay * p if self.weight_decay else g

    def _update(self, i, p, g):
        g = self._weight_decay(p, g)
        m, v, t = self.m[i], self.v[i], self.iterations
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        m_hat_scale = 1 / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        self._apply(i, p, m / (np.sqrt(v_hat) + self.eps), self.learning_rate * m_hat_scale)


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's rule:
    w ← w − learning_rate · weight_decay · w   (shrink first, outside the gradient)
    then Adam's update above with the plain gradient g.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ):
        super().__init__(learning_rate, beta1, beta2, eps, weight_decay)

    def _weight_decay(self, p, g):
        """Decoupled: shrink the weights themselves; the gradient goes to Adam unchanged."""
        if self.weight_decay:
            p *= 1 - self.learning_rate * self.weight_decay
        return g


OPTIMIZERS = {
    "SGD": SGD,
    "RMSprop": RMSprop,
    "Adagrad": Adagrad,
    "Adam": Adam,
    "AdamW": AdamW,
}
