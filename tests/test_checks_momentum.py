"""The implement-it checkers of notebook 07: ``momentum_step`` in the lecture's velocity
form and ``adam_step`` with bias correction, each against the package's optimizer."""

import numpy as np
import pytest

from helpers.checks import (
    Feedback,
    check_adam_step,
    check_momentum_step,
    check_momentum_step_function,
)
from helpers.optim import Adam


def _momentum_step(w, velocity, gradient, learning_rate, momentum):
    velocity = momentum * velocity - learning_rate * gradient
    return w + velocity, velocity


def _adam_step(w, m, v, gradient, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * gradient
    v = beta2 * v + (1 - beta2) * gradient**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + eps), m, v


def _blank(*args):
    pass


def _raises(*args):
    raise ValueError("a bug")


def _not_yet(result, hint):
    assert isinstance(result, Feedback)
    assert not result.passed and result.answered and result.hint
    assert hint in str(result)


# ------------------------------------------------------------- momentum step ----


def test_momentum_step_right():
    result = check_momentum_step_function(_momentum_step)
    assert result.passed, str(result)


@pytest.mark.parametrize(
    ("function", "hint"),
    [
        (lambda w, vel, g, lr, m: (w - lr * g, -lr * g), "Start from momentum * velocity"),
        (lambda w, vel, g, lr, m: (w + m * vel + lr * g, m * vel + lr * g), "Subtract"),
        (lambda w, vel, g, lr, m: (w + vel, m * vel - lr * g), "then add the new one"),
        (lambda w, vel, g, lr, m: (w - m * vel + lr * g, m * vel - lr * g), "already inside"),
        (lambda w, vel, g, lr, m: (w - lr * (m * vel + g), m * vel + g), "lecture's velocity"),
        (lambda *args: _momentum_step(*args)[::-1], "in that order"),
        (lambda *args: _momentum_step(*args)[0], "Return the numbers"),
    ],
    ids=[
        "no momentum",
        "uphill",
        "old velocity",
        "w minus velocity",
        "pytorch form",
        "swapped",
        "one output",
    ],
)
def test_momentum_step_wrong(function, hint):
    _not_yet(check_momentum_step_function(function), hint)


@pytest.mark.parametrize("answer", [..., None, _blank], ids=["ellipsis", "none", "pass"])
def test_momentum_step_blank(answer):
    result = check_momentum_step_function(answer)
    assert not result.passed and not result.answered


def test_momentum_step_that_raises_is_feedback():
    result = check_momentum_step_function(_raises)
    assert not result.passed and "ValueError: a bug" in result.message


# ----------------------------------------------------------------- adam step ----


def test_adam_step_right():
    result = check_adam_step(_adam_step)
    assert result.passed, str(result)


def test_adam_step_reference_is_the_package_adam():
    """Stepping the student-style rule t times from 0 lands where the package's Adam does."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 2))
    p, optimizer = w.copy(), Adam(0.01)
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, 8):
        g = rng.normal(size=w.shape)
        optimizer.step([p], [g])
        w, m, v = _adam_step(w, m, v, g, t, 0.01)
    assert np.allclose(p, w, rtol=1e-12, atol=1e-12)


def _adam_wrong(update):
    """An Adam step whose w update is ``update(w, g, m, v, m_hat, v_hat, lr, eps)``."""

    def step(w, m, v, g, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return update(w, g, m, v, m_hat, v_hat, lr, eps), m, v

    return step


@pytest.mark.parametrize(
    ("function", "hint"),
    [
        (
            _adam_wrong(lambda w, g, m, v, mh, vh, lr, e: w - lr * m / (np.sqrt(v) + e)),
            "1 − beta1**t",
        ),
        (_adam_wrong(lambda w, g, m, v, mh, vh, lr, e: w - lr * mh / (vh + e)), "square root"),
        (
            _adam_wrong(lambda w, g, m, v, mh, vh, lr, e: w - lr * g / (np.sqrt(vh) + e)),
            "not the gradient",
        ),
        (
            _adam_wrong(lambda w, g, m, v, mh, vh, lr, e: w + lr * mh / (np.sqrt(vh) + e)),
            "Subtract",
        ),
        (
            lambda w, m, v, g, t, lr, b1=0.9, b2=0.999, e=1e-8: (w, m, v),
            "differs from the reference",
        ),
        (lambda *args: _adam_step(*args)[:2], "Return the numbers"),
    ],
    ids=["no bias correction", "no square root", "gradient for m", "uphill", "no step", "two"],
)
def test_adam_step_wrong(function, hint):
    _not_yet(check_adam_step(function), hint)


@pytest.mark.parametrize("answer", [..., None, _blank], ids=["ellipsis", "none", "pass"])
def test_adam_step_blank(answer):
    result = check_adam_step(answer)
    assert not result.passed and not result.answered
    assert str(result).startswith("Not answered yet: fill in ")


def test_adam_step_that_raises_is_feedback():
    result = check_adam_step(_raises)
    assert not result.passed and "ValueError: a bug" in result.message


# ------------------------------------------------------ a momentum step by hand (values) ----


STATE = dict(
    velocity=np.array([0.5, -1.0]),
    w=np.array([1.0, 2.0]),
    gradient=np.array([2.0, -3.0]),
    learning_rate=0.1,
    momentum=0.9,
)


def _momentum_answer():
    velocity = STATE["momentum"] * STATE["velocity"] - STATE["learning_rate"] * STATE["gradient"]
    return velocity, STATE["w"] + velocity


def test_momentum_step_values_right():
    velocity, w = _momentum_answer()
    assert check_momentum_step(velocity, w, **STATE).passed


def test_momentum_step_values_right_for_numbers():
    result = check_momentum_step(
        0.35, 1.35, velocity=0.5, w=1.0, gradient=1.0, learning_rate=0.1, momentum=0.9
    )
    assert result.passed, str(result)


@pytest.mark.parametrize(
    "mistake",
    ["no momentum", "uphill", "old velocity", "w minus velocity", "w unchanged", "shape", "text"],
)
def test_momentum_step_values_wrong(mistake):
    velocity, w = _momentum_answer()
    s = STATE
    answers = {
        "no momentum": (-s["learning_rate"] * s["gradient"], w),
        "uphill": (s["momentum"] * s["velocity"] + s["learning_rate"] * s["gradient"], w),
        "old velocity": (velocity, s["w"] + s["velocity"]),
        "w minus velocity": (velocity, s["w"] - velocity),
        "w unchanged": (velocity, s["w"]),
        "shape": (velocity[:1], w),
        "text": ("fast", w),
    }
    _not_yet(check_momentum_step(*answers[mistake], **STATE), "")
