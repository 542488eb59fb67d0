"""Optimizers: how a gradient becomes an update of the parameters.

All share one interface:
    ``optimizer.step(params, grads)``  updates every array of ``params`` in place;
    the state each keeps per parameter (velocity, moments, step count) is an attribute
    you can read, e.g. ``SGD.velocity[i]`` for ``params[i]``.

Each rule is the one documented for the PyTorch optimizer of the same name (defaults
included), written for arrays. ``learning_rate`` and ``momentum`` may be changed between
steps, e.g. from a slider while training runs.

The rules, for a parameter w with gradient g at step t = 1, 2, … (per coordinate; η is
``learning_rate``, λ is ``weight_decay``; every state starts at 0; ε only avoids 0/0):

    optimizer  state after the step                  update of w
    ---------  ------------------------------------  ----------------------------------
    SGD        v ← β·v + g        (β = momentum)     w ← w − η·v     (β = 0: w ← w − η·g)
    Nesterov   v ← β·v + g                           w ← w − η·(g + β·v)
    Adagrad    s ← s + g²                            w ← w − η·g / (√s + ε)
    RMSprop    s ← α·s + (1 − α)·g²                  w ← w − η·g / (√s + ε)
    Adam       m ← β₁·m + (1 − β₁)·g                 w ← w − η·m̂ / (√v̂ + ε), with the
               v ← β₂·v + (1 − β₂)·g²                bias correction m̂ = m / (1 − β₁ᵗ),
                                                     v̂ = v / (1 − β₂ᵗ)
    AdamW      Adam's m, v from g alone              w ← w − η·λ·w, then Adam's update

Weight decay pulls every weight toward 0 at each step. SGD and Adam apply it as an L2
penalty, g ← g + λ·w before the rule (for Adam the pull is then divided by √v̂ as well);
AdamW decouples it, shrinking every weight by the same fraction η·λ. The lecture's
momentum ``velocity = β·velocity − η·g; w = w + velocity`` takes SGD's steps exactly:
its velocity is −η·v.
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from .exercises import rebuilt
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

    One optimizer belongs to one model. Its first ``step`` ties it to the parameter arrays
    it was given (and creates its state, e.g. a velocity per parameter); handed another
    model's parameters later, it refuses with a ValueError instead of carrying the old
    velocity and step count over. Use a fresh optimizer for each model, or call
    ``reset()`` first to forget the state. The state stays readable as attributes.
    """

    state_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float):
        self.learning_rate = learning_rate
        self.iterations = 0  # how many steps were taken
        self._shapes: list[tuple] | None = None
        self._scratch: list[np.ndarray] = []
        self._params: list[weakref.ref] | None = None  # the arrays the state belongs to
        self._memory: list[tuple] = []  # (ref to the array owning the memory, address)
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
        """Forget the state (velocities, moments, step count) and the model it belonged
        to; keep the settings. Afterwards the optimizer may train another model."""
        self.iterations = 0
        self._shapes = None
        self._scratch = []
        self._params = None
        self._memory = []
        for name in self.state_names:
            setattr(self, name, [])

    def _start(self, params) -> None:
        self._shapes = [p.shape for p in params]
        self._scratch = [np.zeros_like(p) for p in params]
        for name in self.state_names:
            setattr(self, name, [np.zeros_like(p) for p in params])
        self._remember(params)

    def __getstate__(self) -> dict:
        """For copy and pickle: weak references cannot be pickled, so a copy forgets
        which arrays it belonged to (its first step ties it again)."""
        state = self.__dict__.copy()
        state["_params"], state["_memory"] = None, []
        return state

    def _remember(self, params) -> None:
        """Note which arrays the state belongs to (weakly: the optimizer keeps no model alive)."""
        self._params = [weakref.ref(p) for p in params]
        self._memory = [(weakref.ref(_owner(p)), _address(p)) for p in params]

    def _is_bound_to(self, params) -> bool:
        """True if ``params`` are the very arrays of the last step (the fast, usual case)."""
        refs = self._params
        if refs is None or not isinstance(params, (list, tuple)) or len(params) != len(refs):
            return False
        for ref, p in zip(refs, params, strict=True):
            if ref() is not p:
                return False
        return True

    def check_parameters(self, params) -> None:
        """Raise a ValueError if this optimizer holds state for other parameters than
        ``params`` (another model's). A fresh or ``reset()`` optimizer accepts any."""
        _check_arrays(params, "parameters")
        if self._params is None or self._is_bound_to(params):
            return
        same = len(params) == len(self._memory) and all(
            owner() is _owner(p) and address == _address(p)
            for (owner, address), p in zip(self._memory, params, strict=True)
        )  # the same memory, seen through new views
        if not same:
            state = ", ".join((*self.state_names, "iterations"))
            raise ValueError(
                f"{self!r} already took {self.iterations} step(s) on another model's "
                f"parameters and still holds their state ({state}); carrying it over to "
                "a new model would be wrong. Use a new optimizer for each model, "
                f"e.g. optimizer = {self!r}, or call optimizer.reset() to forget the old state."
            )

    @rebuilt("gradient_descent_step")  # notebook 06 asks students to write one step
    def step(self, params, grads) -> None:
        """Update each ``params[i]`` in place from ``grads[i]`` (same shape).

        params: the model's arrays, ``model.parameters()``; grads: the same shapes, in the
        same order, ``model.gradients()``. The first step ties the optimizer to these
        arrays; another model's parameters are refused (see ``Optimizer``).
        """
        bound = self._is_bound_to(params)
        if not bound:
            self.check_parameters(params)
            _check_arrays(grads, "gradients")
        if len(params) != len(grads):
            raise ValueError(
                f"step got {len(params)} parameter arrays but {len(grads)} gradients; "
                "pass model.parameters() and model.gradients()."
            )
        for p, g in zip(params, grads, strict=True):
            if p.shape != g.shape:
                raise ValueError(f"a gradient of shape {g.shape} for a parameter of {p.shape}.")
        if not bound:
            if self._shapes is None:
                self._start(params)
            else:
                self._remember(params)  # the same memory through new views
        self.iterations += 1
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            self._update(i, p, g)

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def _apply(self, i: int, p: np.ndarray, direction: np.ndarray, scale: float) -> None:
        """p -= scale · direction, through a reused buffer instead of a new temporary."""
        step = np.multiply(direction, scale, out=self._scratch[i])
        p -= step


def _owner(p: np.ndarray) -> np.ndarray:
    """The array that owns ``p``'s memory (``p`` itself unless ``p`` is a view)."""
    while isinstance(p.base, np.ndarray):
        p = p.base
    return p


def _address(p: np.ndarray) -> tuple:
    return p.__array_interface__["data"][0], p.shape, p.strides


def _check_arrays(arrays, what: str) -> None:
    """``arrays`` must be a list of float numpy arrays, as ``model.parameters()`` gives."""
    usage = "optimizer.step(model.parameters(), model.gradients())"
    if not isinstance(arrays, (list, tuple)):
        raise TypeError(
            f"step takes the {what} as a list of arrays, got a {type(arrays).__name__}; "
            f"call {usage}."
        )
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray):
            raise TypeError(
                f"{what}[{i}] must be a numpy array, got a {type(a).__name__}; call {usage}, "
                "or wrap a number in an array, e.g. w = np.array([1.0])."
            )
        if what == "parameters" and a.dtype.kind != "f":
            raise TypeError(
                f"parameters[{i}] is an array of {a.dtype}, which cannot take a fractional "
                "step; use a float array, e.g. w = np.asarray(w, dtype=float)."
            )


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

    @rebuilt("momentum_step")  # notebook 07 asks students to write it
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

    @rebuilt("adam_step")  # notebook 08 asks students to write it
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
