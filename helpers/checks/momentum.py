"""Checkers for notebook 07, momentum: one step of the lecture's momentum rule by hand,
``momentum_step`` and ``adam_step`` (with bias correction) written by the student.

Shapes: the parameters w, their gradient and every state array (velocity, m, v) have one
shape, any shape (P stands for it).
"""

from __future__ import annotations

import numpy as np

from ..optim import SGD, Adam
from .core import (
    Feedback,
    Mistake,
    answer_checker,
    as_array,
    check_implementation,
    is_blank,
    not_answered,
    right,
    wrong,
)

__all__ = ["check_adam_step", "check_momentum_step", "check_momentum_step_function"]


@answer_checker("the new velocity and the new w")
def check_momentum_step(
    new_velocity, new_w, *, velocity, w, gradient, learning_rate: float, momentum: float
) -> Feedback:
    """One step of the lecture's momentum rule:
    ``velocity = momentum * velocity - learning_rate * gradient; w = w + velocity``.

    velocity, w, gradient: arrays of one shape (or numbers); new_velocity, new_w: the answer.
    """
    velocity, w, gradient = (np.asarray(a, dtype=np.float64) for a in (velocity, w, gradient))
    expected_v = momentum * velocity - learning_rate * gradient
    expected_w = w + expected_v
    if is_blank(new_w):
        return not_answered("the new w")
    answer_v, answer_w = as_array(new_velocity), as_array(new_w)
    if answer_v is None or answer_w is None:
        return wrong(
            "expected numbers for the new velocity and the new w.",
            "Give arrays (or numbers) like velocity and w.",
        )
    if answer_v.shape != expected_v.shape or answer_w.shape != expected_w.shape:
        return wrong(
            f"shapes differ: your velocity {answer_v.shape} and w {answer_w.shape}, "
            f"expected {expected_v.shape} for both.",
            "Every coefficient has its own velocity, of the same shape as w.",
        )

    def same(a, b):
        return np.allclose(a, b, rtol=1e-6, atol=1e-9)

    if same(answer_v, expected_v) and same(answer_w, expected_w):
        return right("the velocity remembers the last step, and w moves by the new velocity.")
    if not same(answer_v, expected_v):
        if same(answer_v, -learning_rate * gradient):
            return wrong(
                "your velocity forgets the previous velocity: that is plain gradient descent.",
                "Start from momentum * velocity, then subtract learning_rate * gradient.",
            )
        if same(answer_v, momentum * velocity + learning_rate * gradient):
            return wrong(
                "your velocity points uphill.",
                "Subtract the gradient term: momentum * velocity - learning_rate * gradient.",
            )
        return wrong(
            "the new velocity is not right yet.",
            "velocity = momentum * velocity - learning_rate * gradient.",
        )
    if same(answer_w, w + velocity):
        return wrong(
            "the velocity is right, but w moved by the old velocity.",
            "Update the velocity first, then add the new one: w = w + velocity.",
        )
    if same(answer_w, w - expected_v):
        return wrong(
            "the velocity is right, but w moved the wrong way.",
            "The minus sign is already inside the velocity: w = w + velocity.",
        )
    return wrong(
        "the velocity is right, the new w is not.",
        "w = w + velocity, with the velocity you just computed.",
    )


# ------------------------------------------------------- implement it ----


def _momentum_reference(w, velocity, gradient, learning_rate, momentum):
    """The package's SGD(momentum) taking one step on copies, in the lecture's velocity form.

    SGD keeps PyTorch's v = −velocity / learning_rate; a first step with a zero gradient
    creates that state (and leaves w where it is), then it is set and the real step taken.
    """
    new_w = np.array(w, dtype=np.float64)
    optimizer = SGD(learning_rate, momentum=momentum)
    optimizer.step([new_w], [np.zeros_like(new_w)])
    optimizer.velocity[0][...] = -np.asarray(velocity, dtype=np.float64) / learning_rate
    optimizer.step([new_w], [np.asarray(gradient, dtype=np.float64)])
    return new_w, -learning_rate * optimizer.velocity[0]


def _velocity(velocity, gradient, learning_rate, momentum):
    return momentum * velocity - learning_rate * gradient


def check_momentum_step_function(momentum_step, seed: int = 0) -> Feedback:
    """Your ``momentum_step(w, velocity, gradient, learning_rate, momentum)`` against the
    package's ``SGD(learning_rate, momentum=momentum)``.

    Called on fresh random float64 w, velocity, gradient: (P,) of several shapes; must
    return (new_w, new_velocity) of the lecture's rule
    ``velocity = momentum * velocity - learning_rate * gradient; w = w + velocity``.
    """
    rng = np.random.default_rng(seed)
    cases = [
        (
            rng.normal(size=shape),
            rng.normal(size=shape),
            rng.normal(size=shape),
            float(rng.uniform(0.01, 0.5)),
            float(rng.uniform(0.5, 0.95)),
        )
        for shape in [(3,), (4, 2), (5,)]
    ]

    return check_implementation(
        momentum_step,
        name="momentum_step",
        cases=cases,
        reference=_momentum_reference,
        outputs=("the new w", "the new velocity"),
        mistakes=[
            Mistake(
                lambda w, vel, g, lr, m: (w - lr * g, -lr * g),
                "your velocity forgets the previous velocity: that is plain gradient descent.",
                "Start from momentum * velocity, then subtract learning_rate * gradient.",
            ),
            Mistake(
                lambda w, vel, g, lr, m: (w + m * vel + lr * g, m * vel + lr * g),
                "your velocity points uphill (the momentum sign is wrong).",
                "Subtract the gradient term: momentum * velocity - learning_rate * gradient.",
            ),
            Mistake(
                lambda w, vel, g, lr, m: (w + vel, _velocity(vel, g, lr, m)),
                "the velocity is right, but w moved by the old velocity.",
                "Update the velocity first, then add the new one: w = w + velocity.",
            ),
            Mistake(
                lambda w, vel, g, lr, m: (w - _velocity(vel, g, lr, m), _velocity(vel, g, lr, m)),
                "the velocity is right, but w moved the wrong way.",
                "The minus sign is already inside the velocity: w = w + velocity.",
            ),
            Mistake(
                lambda w, vel, g, lr, m: (w - lr * (m * vel + g), m * vel + g),
                "that is PyTorch's form (v = momentum·v + g; w = w − lr·v), whose v is not "
                "the lecture's velocity.",
                "Use the lecture's velocity: velocity = momentum * velocity - learning_rate * "
                "gradient; w = w + velocity.",
            ),
            Mistake(
                lambda w, vel, g, lr, m: (_velocity(vel, g, lr, m), w + _velocity(vel, g, lr, m)),
                "you returned the velocity first and w second.",
                "Return (new_w, new_velocity), in that order.",
            ),
        ],
        hint="velocity = momentum * velocity - learning_rate * gradient; w = w + velocity.",
    )


def _adam_reference(w, m, v, gradient, t, learning_rate, beta1, beta2, eps):
    """The package's Adam taking step number ``t`` from the state (w, m, v), on copies.

    A first step with a zero gradient creates Adam's state arrays (its ``m`` and ``v``,
    public attributes) and leaves w where it is; then the state is set to (m, v, t − 1
    steps taken) and the real step taken.
    """
    new_w = np.array(w, dtype=np.float64)
    optimizer = Adam(learning_rate, beta1=beta1, beta2=beta2, eps=eps)
    optimizer.step([new_w], [np.zeros_like(new_w)])
    new_w[...] = w
    optimizer.m[0][...] = m
    optimizer.v[0][...] = v
    optimizer.iterations = t - 1
    optimizer.step([new_w], [np.asarray(gradient, dtype=np.float64)])
    return new_w, optimizer.m[0].copy(), optimizer.v[0].copy()


def _adam_state(shape, t: int, rng, learning_rate=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """A realistic Adam state: (w, m, v) after t − 1 steps of the package's Adam on random
    gradients, driven through its public interface (step, then read m and v)."""
    w = rng.normal(size=shape)
    optimizer = Adam(learning_rate, beta1=beta1, beta2=beta2, eps=eps)
    m, v = np.zeros(shape), np.zeros(shape)
    for _ in range(t - 1):
        optimizer.step([w], [rng.normal(size=shape)])
        m, v = optimizer.m[0].copy(), optimizer.v[0].copy()
    return w, m, v


def _adam_parts(w, m, v, g, t, lr, beta1, beta2, eps):
    new_m = beta1 * m + (1 - beta1) * g
    new_v = beta2 * v + (1 - beta2) * g * g
    m_hat = new_m / (1 - beta1**t)
    v_hat = new_v / (1 - beta2**t)
    return new_m, new_v, m_hat, v_hat


def _adam_mistake(update):
    """A mistaken Adam step: ``update(w, g, new_m, new_v, m_hat, v_hat, lr, eps)`` -> new w."""

    def compute(w, m, v, g, t, lr, beta1, beta2, eps):
        new_m, new_v, m_hat, v_hat = _adam_parts(w, m, v, g, t, lr, beta1, beta2, eps)
        return update(w, g, new_m, new_v, m_hat, v_hat, lr, eps), new_m, new_v

    return compute


def check_adam_step(adam_step, seed: int = 0) -> Feedback:
    """Your ``adam_step(w, m, v, gradient, t, learning_rate, beta1, beta2, eps)`` against
    the package's ``Adam`` taking its step number t from the same state.

    Called on fresh random float64 states (w, m, v): (P,) made by running the package's
    Adam for t − 1 steps, a random gradient (P,) and t ≥ 1; must return
    (new_w, new_m, new_v) of Adam's rule with bias correction.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for shape, t, lr, beta1, beta2 in [
        ((4,), 3, 0.01, 0.9, 0.999),
        ((3, 2), 10, 0.05, 0.8, 0.99),
        ((2,), 1, 0.001, 0.9, 0.999),
        ((5,), 40, 0.1, 0.9, 0.999),
    ]:
        w, m, v = _adam_state(shape, t, rng, lr, beta1, beta2)
        cases.append((w, m, v, rng.normal(size=shape), t, lr, beta1, beta2, 1e-8))
    return check_implementation(
        adam_step,
        name="adam_step",
        cases=cases,
        reference=_adam_reference,
        outputs=("the new w", "the new m", "the new v"),
        mistakes=[
            Mistake(
                _adam_mistake(lambda w, g, m, v, mh, vh, lr, eps: w - lr * m / (np.sqrt(v) + eps)),
                "your step has no bias correction: it uses m and v as they are.",
                "Divide by (1 − beta1**t) and (1 − beta2**t) before the step: early on m and "
                "v start at 0 and are too small.",
            ),
            Mistake(
                _adam_mistake(lambda w, g, m, v, mh, vh, lr, eps: w - lr * mh / (vh + eps)),
                "you forgot the square root: you divide by v̂, not by √v̂.",
                "v averages squared gradients; its square root has the gradient's scale: "
                "m̂ / (√v̂ + eps).",
            ),
            Mistake(
                _adam_mistake(lambda w, g, m, v, mh, vh, lr, eps: w - lr * g / (np.sqrt(vh) + eps)),
                "you stepped along the gradient instead of along m̂ (Adam's momentum).",
                "The numerator of the step is the bias-corrected m̂, not the gradient.",
            ),
            Mistake(
                _adam_mistake(
                    lambda w, g, m, v, mh, vh, lr, eps: w + lr * mh / (np.sqrt(vh) + eps)
                ),
                "your step goes uphill: the sign is wrong.",
                "Subtract the step: w − learning_rate · m̂ / (√v̂ + eps).",
            ),
        ],
        hint="m = β₁m + (1 − β₁)g;  v = β₂v + (1 − β₂)g²;  m̂ = m / (1 − β₁ᵗ);  "
        "v̂ = v / (1 − β₂ᵗ);  w = w − η·m̂ / (√v̂ + eps).",
    )
