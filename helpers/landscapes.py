"""Toy loss landscapes with exact gradients, and gradient descent over them.

A landscape is a loss of one or two numbers, small enough to draw: the curve of a 1-D
loss, the contour lines of a 2-D one. ``descend`` moves a point over it with the same
optimizer classes that train MNIST, and records where it went.

Shapes: P is the number of coordinates (1 or 2), T the number of steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .train import loss_rose_message
from .validation import check_optimizer, describe

__all__ = [
    "Landscape",
    "Trajectory",
    "banana",
    "bowl",
    "descend",
    "LANDSCAPES",
    "parabola",
    "two_wells",
    "two_wells_2d",
]

BLOW_UP = 1e12  # a loss beyond this counts as diverged (and stops the run)


@dataclass(frozen=True)
class Landscape:
    """A loss over P coordinates with its gradient.

    loss(p) -> float and gradient(p) -> (P,) for p: (P,) float64.
    minima: the bottom(s) as (P,) points, the global minimum first;
    start: a good default starting point; bounds: ((lo, hi),) * P, the region to draw.
    """

    name: str
    formula: str
    loss: Callable[[np.ndarray], float]
    gradient: Callable[[np.ndarray], np.ndarray]
    minima: tuple
    start: tuple
    bounds: tuple

    @property
    def dim(self) -> int:
        return len(self.start)

    def __repr__(self) -> str:
        return f"Landscape({self.name!r}: {self.formula})"

    def grid(self, resolution: int = 200):
        """Values on a grid for drawing: (xs, losses) in 1-D, (xs, ys, losses) in 2-D."""
        axes = [np.linspace(lo, hi, resolution) for lo, hi in self.bounds]
        if self.dim == 1:
            return axes[0], self.loss(axes[0][None, :])  # a (1, resolution) stack of points
        xx, yy = np.meshgrid(*axes)
        points = np.stack([xx.ravel(), yy.ravel()])  # (2, resolution²)
        return xx, yy, self.loss(points).reshape(xx.shape)


# The losses are written so they also accept a (P, K) stack of K points (for drawing).

parabola = Landscape(
    name="parabola",
    formula="x²",
    loss=lambda p: p[0] ** 2,
    gradient=lambda p: np.array([2 * p[0]]),
    minima=((0.0,),),
    start=(10.0,),
    bounds=((-12.0, 12.0),),
)

bowl = Landscape(
    name="bowl",
    formula="0.1·x₁² + 2·x₂²",
    loss=lambda p: 0.1 * p[0] ** 2 + 2 * p[1] ** 2,
    gradient=lambda p: np.array([0.2 * p[0], 4 * p[1]]),
    minima=((0.0, 0.0),),
    start=(-9.0, 1.5),
    bounds=((-10.0, 10.0), (-3.0, 3.0)),
)

banana = Landscape(
    name="banana",
    formula="(1 − x₁)² + 10·(x₂ − x₁²)²",
    loss=lambda p: (1 - p[0]) ** 2 + 10 * (p[1] - p[0] ** 2) ** 2,
    gradient=lambda p: np.array(
        [-2 * (1 - p[0]) - 40 * p[0] * (p[1] - p[0] ** 2), 20 * (p[1] - p[0] ** 2)]
    ),
    minima=((1.0, 1.0),),
    start=(-1.5, 2.0),
    bounds=((-2.0, 2.0), (-1.0, 3.0)),
)

two_wells = Landscape(
    name="two wells",
    formula="(x² − 1)² + 0.3·x",
    loss=lambda p: (p[0] ** 2 - 1) ** 2 + 0.3 * p[0],
    gradient=lambda p: np.array([4 * p[0] * (p[0] ** 2 - 1) + 0.3]),
    minima=((-1.0356,), (0.9601,)),
    start=(2.0,),
    bounds=((-2.0, 2.2),),
)

two_wells_2d = Landscape(
    name="two wells 2-D",
    formula="(x₁² − 1)² + 0.3·x₁ + x₂²",
    loss=lambda p: (p[0] ** 2 - 1) ** 2 + 0.3 * p[0] + p[1] ** 2,
    gradient=lambda p: np.array([4 * p[0] * (p[0] ** 2 - 1) + 0.3, 2 * p[1]]),
    minima=((-1.0356, 0.0), (0.9601, 0.0)),
    start=(2.0, 1.0),
    bounds=((-2.0, 2.2), (-1.5, 1.5)),
)

LANDSCAPES = {ls.name: ls for ls in (parabola, bowl, banana, two_wells, two_wells_2d)}


@dataclass
class Trajectory:
    """Where ``descend`` went.

    points: (T + 1, P) the start and the point after each step
    losses: (T + 1,)   the loss at each of those points
    diverged_at: the first step whose loss blew up (> 1e12 or not finite), else None;
                 the run stops there, so it may have fewer than T steps.
    warning:     if the loss ended higher than it started without blowing up, why and
                 what to do (``train.loss_rose_message``: the learning rate is too high),
                 else ""
    """

    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None
    warning: str = ""

    @property
    def diverged(self) -> bool:
        """True if the loss blew up or ended higher than it started."""
        return self.diverged_at is not None or bool(self.losses[-1] > self.losses[0])

    @property
    def final(self) -> np.ndarray:
        return self.points[-1]

    def message(self) -> str:
        """One line for a figure title: how the run ended."""
        if self.diverged_at is not None:
            return f"diverged at step {self.diverged_at}"
        if self.losses[-1] > self.losses[0]:
            return f"diverging: loss grew from {self.losses[0]:.3g} to {self.losses[-1]:.3g}"
        return f"loss {self.losses[0]:.3g} → {self.losses[-1]:.3g} in {len(self.losses) - 1} steps"


def descend(landscape: Landscape, start, optimizer, steps: int) -> Trajectory:
    """Run ``optimizer`` for ``steps`` steps on ``landscape`` from ``start``.

    start: (P,) numbers or None for ``landscape.start``. The optimizer's state is reset
    first, so the same optimizer object can be reused run after run (as a widget does).
    A run whose loss ends higher than it started says why in ``Trajectory.warning``.
    """
    _check_landscape(landscape)
    p = _check_start(landscape, start)
    _check_descent_optimizer(optimizer)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}.")
    optimizer.reset()
    points = [p.copy()]
    losses = [float(landscape.loss(p))]
    diverged_at = None
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            optimizer.step([p], [landscape.gradient(p)])
            loss = float(landscape.loss(p))
            points.append(p.copy())
            losses.append(loss)
            if not math.isfinite(loss) or abs(loss) > BLOW_UP:
                diverged_at = t
                break
    warning = "" if diverged_at is not None else loss_rose_message(losses, optimizer, window=1)
    return Trajectory(np.array(points), np.array(losses), diverged_at, warning)


# Optimizers with learning rates that suit these small landscapes, for messages.
_OPTIMIZER_EXAMPLES = {
    "sgd": "helpers.optim.SGD(learning_rate=0.1)",
    "momentum": "helpers.optim.SGD(learning_rate=0.1, momentum=0.9)",
    "rmsprop": "helpers.optim.RMSprop(learning_rate=0.1)",
    "adagrad": "helpers.optim.Adagrad(learning_rate=1.0)",
    "adam": "helpers.optim.Adam(learning_rate=0.1)",
    "adamw": "helpers.optim.AdamW(learning_rate=0.1)",
}


def _check_landscape(landscape) -> None:
    if isinstance(landscape, Landscape):
        return
    hint = ""
    if isinstance(landscape, str):
        named = {key.lower(): key for key in LANDSCAPES}
        key = named.get(landscape.strip().lower())
        if key is not None:
            variable = next(k for k, v in globals().items() if v is LANDSCAPES[key])
            hint = (
                f"; pass the landscape itself, not its name: from helpers.landscapes import "
                f"{variable} (or LANDSCAPES[{key!r}])"
            )
        else:
            hint = f"; the landscapes are in helpers.landscapes.LANDSCAPES: {', '.join(LANDSCAPES)}"
    raise TypeError(
        "landscape must be a Landscape such as helpers.landscapes.parabola or "
        f"helpers.landscapes.bowl, got {describe(landscape)}{hint}."
    )


def _check_start(landscape: Landscape, start) -> np.ndarray:
    """``start`` as a (P,) float64 array (a copy: descend moves it), or landscape.start."""
    dim = landscape.dim
    example = f"e.g. {tuple(landscape.start)}, or None for the landscape's own start"
    wrong_type = TypeError(
        f"start must be {dim} number{'s' if dim > 1 else ''}, one per coordinate of "
        f"{landscape!r} ({example}), got {describe(start)}."
    )
    if start is None:
        start = landscape.start
    elif isinstance(start, (str, bytes, dict, set)):
        raise wrong_type
    try:
        p = np.array(start, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise wrong_type from None
    if p.shape != (dim,):
        raise ValueError(
            f"start must have {dim} coordinate{'s' if dim > 1 else ''} for {landscape!r} "
            f"({example}), got {p.shape[0]}."
        )
    if not np.isfinite(p).all():
        raise ValueError(
            f"start must be finite numbers ({example}), got {p.tolist()}: from NaN or inf "
            "no step can lead anywhere."
        )
    return p


def _check_descent_optimizer(optimizer) -> None:
    check_optimizer(optimizer, examples=_OPTIMIZER_EXAMPLES)
    if not callable(getattr(optimizer, "reset", None)):
        raise TypeError(
            f"descend resets the optimizer before each run, but {describe(optimizer)} has no "
            "reset() method; pass one of helpers.optim's optimizers, e.g. "
            f"{_OPTIMIZER_EXAMPLES['adam']}."
        )
