"""The checkers of notebooks 07 and 08, one answer battery per exercise: right answers
written several ways, every named mistake, blank, raising, endless, huge, package-shortcut
and tampered answers. For each: the visible verdict, its diagnosis, and that the hidden test
(``helpers.checks.confirm``) fails exactly when the verdict is not Right."""

import math
from pathlib import Path

import battery
import nbformat
import numpy as np
import pytest
from battery import Tampered, tampering

import helpers.checks
from helpers.checks import (
    DIAGNOSES,
    Feedback,
    UsageError,
    check_adam_step,
    check_effective_step,
    check_momentum_step,
    check_momentum_step_function,
    check_saddle_steps,
    core,
)
from helpers.optim import SGD, Adam

ROOT = Path(__file__).resolve().parents[1]


def CheckerReplaced(answer, name="check_momentum_step"):  # noqa: N802 - reads as the class it makes
    return battery.CheckerReplaced(answer, name)


def judge(check, description, answer, passed: bool, diagnosis: str, monkeypatch) -> Feedback:
    return battery.judge(check, description, answer, passed, diagnosis, monkeypatch, DIAGNOSES)


# ------------------------------------------------------ a momentum step by hand ----

QUESTION = dict(velocity=0.5, w=1.0, gradient=2.0, learning_rate=0.1, momentum=0.9)
V, W = 0.25, 1.25  # the new velocity and w: 0.9·0.5 − 0.1·2 = 0.25, 1 + 0.25


def _by_hand(velocity, w):
    return lambda: check_momentum_step(velocity, w, **QUESTION)


f32 = np.float32
BY_HAND = [
    ("right, numbers", (V, W), True, ""),
    ("right, as written", (0.9 * 0.5 - 0.1 * 2.0, 1.0 + (0.9 * 0.5 - 0.1 * 2.0)), True, ""),
    ("right, one-element lists", ([V], [W]), True, ""),
    ("right, float32", (f32(0.9) * f32(0.5) - f32(0.1) * f32(2.0), f32(1.25)), True, ""),
    ("blank velocity", (..., W), False, "blank"),
    ("blank w", (V, ...), False, "blank"),
    ("text", ("fast", W), False, "wrong-type"),
    ("two numbers for one", ([V, V], W), False, "wrong-shape"),
    ("swapped", (W, V), False, "swapped-outputs"),
    ("ran twice", (0.9 * V - 0.2, W + 0.9 * V - 0.2), False, "ran-twice"),
    ("no momentum", (-0.2, 0.8), False, "no-momentum"),
    ("uphill", (0.65, 1.65), False, "sign-flipped"),
    ("no learning rate", (0.45 - 2.0, 1.0 + 0.45 - 2.0), False, "no-learning-rate"),
    ("pytorch form", (0.45 + 2.0, 1.0 - 0.1 * 2.45), False, "pytorch-form"),
    ("w by the old velocity", (V, 1.5), False, "old-velocity"),
    ("w minus velocity", (V, 0.75), False, "w-moved-backwards"),
    ("w unchanged", (V, 1.0), False, "w-not-updated"),
    ("velocity right, w other", (V, 2.0), False, "other"),
    ("both other", (0.3, 1.3), False, "other"),
    ("tampered", Tampered((V, W)), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced((V, W), "check_adam_step"), False, "tampered"),
]


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    BY_HAND,
    ids=[row[0] for row in BY_HAND],
)
def test_momentum_by_hand(description, answer, passed, diagnosis, monkeypatch):
    def check(pair):
        return check_momentum_step(*pair, **QUESTION)

    result = judge(check, description, answer, passed, diagnosis, monkeypatch)
    assert "momentum * velocity - learning_rate" not in result.hint


def test_momentum_by_hand_float32_says_so():
    result = check_momentum_step(f32(0.9) * f32(0.5) - f32(0.1) * f32(2.0), f32(1.25), **QUESTION)
    assert result.passed and result.precision == "float32"
    assert "float32 precision" in result.message


def _answer_cell(notebook: str, grade_id: str) -> str:
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    (cell,) = (c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return cell.source


def test_the_lecture_rule_in_the_answer_cell_is_right_however_often_it_runs():
    """The issue's case: the lesson's two lines overwrite w and velocity; the answer cell
    sets the question's numbers itself, and the check cell passes them as literals."""
    namespace: dict = {}
    source = _answer_cell("07_momentum.ipynb", "momentum-by-hand")
    for _ in range(3):  # run the answer cell again and again
        exec(source, namespace)
        result = check_momentum_step(namespace["my_velocity"], namespace["my_w"], **QUESTION)
        assert result.passed, str(result)
        helpers.checks.confirm(result)


def test_the_checker_does_not_change_its_inputs():
    velocity, w, gradient = np.array([0.5, -1.0]), np.array([1.0, 2.0]), np.array([2.0, -3.0])
    state = dict(velocity=velocity, w=w, gradient=gradient, learning_rate=0.1, momentum=0.9)
    new_v = 0.9 * velocity - 0.1 * gradient
    assert check_momentum_step(new_v, w + new_v, **state).passed
    assert velocity.tolist() == [0.5, -1.0] and w.tolist() == [1.0, 2.0]


# ------------------------------------------------------ the step on a long slope ----

SLOPE = dict(learning_rate=0.05, momentum=0.9, gradient=2.0)  # the question's numbers


def _velocity_after(steps: int, learning_rate=0.05, momentum=0.9, gradient=2.0) -> float:
    """The lecture's velocity after ``steps`` steps on a constant slope, from 0."""
    velocity = 0.0
    for _ in range(steps):
        velocity = momentum * velocity - learning_rate * gradient
    return velocity


EFFECTIVE_STEP = [
    ("right, 1.0", 1.0, True, ""),
    ("right, int", 1, True, ""),
    ("right, as written", 0.05 * 2.0 / (1 - 0.9), True, ""),
    ("right, numpy scalar", np.float64(1.0), True, ""),
    ("right, float32", f32(0.05) * f32(2.0) / (f32(1) - f32(0.9)), True, ""),
    ("right, one-element list", [1.0], True, ""),
    ("right, measured over 300 steps", -_velocity_after(300), True, ""),
    ("blank ...", ..., False, "blank"),
    ("blank None", None, False, "blank"),
    ("text", "1.0", False, "wrong-type"),
    ("a bool", True, False, "wrong-type"),
    ("two numbers", [1.0, 1.0], False, "wrong-type"),
    ("the velocity, negative", -1.0, False, "negative-length"),
    ("the velocity, measured", _velocity_after(300), False, "negative-length"),
    ("another negative", -0.5, False, "negative-length"),
    ("no amplification", 0.05 * 2.0, False, "no-amplification"),
    ("divided by beta", 0.05 * 2.0 / 0.9, False, "divided-by-momentum"),
    ("times 1 + beta", 0.05 * 2.0 * 1.9, False, "one-plus-momentum"),
    ("over 1 + beta", 0.05 * 2.0 / 1.9, False, "one-plus-momentum"),
    ("times 1 - beta", 0.05 * 2.0 * (1 - 0.9), False, "multiplied-not-divided"),
    ("no gradient", 0.05 / (1 - 0.9), False, "no-gradient"),
    ("no learning rate", 2.0 / (1 - 0.9), False, "no-learning-rate"),
    ("the factor only", 1 / (1 - 0.9), False, "factor-not-step"),
    ("after 10 steps", -_velocity_after(10), False, "finite-steps"),
    ("after 50 steps", -_velocity_after(50), False, "finite-steps"),
    ("other", 0.9, False, "other"),
    ("infinite", math.inf, False, "other"),
    ("nan", math.nan, False, "other"),
    ("tampered", Tampered(1.0), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced(1.0, "check_momentum_step"), False,
     "tampered"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    EFFECTIVE_STEP,
    ids=[row[0] for row in EFFECTIVE_STEP],
)
def test_effective_step(description, answer, passed, diagnosis, monkeypatch):
    def check(length):
        return check_effective_step(length, **SLOPE)

    judge(check, description, answer, passed, diagnosis, monkeypatch)


def test_effective_step_is_where_the_package_momentum_settles():
    """The answer, 1.0, is the step the package's SGD(momentum) takes after many steps on
    a constant slope: the notebook's claim, measured."""
    w, optimizer = np.zeros(1), SGD(0.05, momentum=0.9)
    for _ in range(300):
        before = w.copy()
        optimizer.step([w], [np.full(1, 2.0)])
    assert check_effective_step(float(abs(w - before)[0]), **SLOPE).passed


def test_effective_step_refuses_a_question_it_cannot_judge():
    with pytest.raises(UsageError):
        check_effective_step(1.0, learning_rate=0.05, momentum=1.0, gradient=2.0)
    with pytest.raises(UsageError):
        check_effective_step(1.0, learning_rate=0.0, momentum=0.9, gradient=2.0)


# ------------------------------------------------------------ momentum_step ----


def _momentum_step(w, velocity, gradient, learning_rate, momentum):
    velocity = momentum * velocity - learning_rate * gradient
    return w + velocity, velocity


def _momentum_step_loop(w, velocity, gradient, learning_rate, momentum):
    new_w, new_v = np.empty_like(w), np.empty_like(velocity)
    for i in np.ndindex(w.shape):
        new_v[i] = momentum * velocity[i] - learning_rate * gradient[i]
        new_w[i] = w[i] + new_v[i]
    return new_w, new_v


def _momentum_step_in_place(w, velocity, gradient, learning_rate, momentum):
    velocity *= momentum
    velocity -= learning_rate * gradient
    w += velocity
    return w, velocity


def _momentum_step_float32(w, velocity, gradient, learning_rate, momentum):
    w, velocity, gradient = (a.astype(np.float32) for a in (w, velocity, gradient))
    velocity = np.float32(momentum) * velocity - np.float32(learning_rate) * gradient
    return w + velocity, velocity


def _momentum_via_sgd(w, velocity, gradient, learning_rate, momentum):
    optimizer, w = SGD(learning_rate, momentum=momentum), w.copy()
    optimizer.step([w], [np.zeros_like(w)])
    optimizer.velocity[0][...] = -velocity / learning_rate
    optimizer.step([w], [gradient])
    return w, -learning_rate * optimizer.velocity[0]


def _blank(*args):
    pass


def _raises(*args):
    raise ValueError("a bug")


def _endless(*args):
    while True:
        pass


def _huge(*args):
    return np.ones(1 << 34), None  # 128 GiB


MOMENTUM_STEP = [
    ("right, vectorised", _momentum_step, True, ""),
    ("right, loop", _momentum_step_loop, True, ""),
    ("right, in place", _momentum_step_in_place, True, ""),
    ("right, float32", _momentum_step_float32, True, ""),
    ("blank ...", ..., False, "blank"),
    ("blank None", None, False, "blank"),
    ("blank stub", _blank, False, "blank"),
    ("not a function", 3, False, "wrong-type"),
    ("one output", lambda *a: _momentum_step(*a)[0], False, "wrong-type"),
    ("wrong shape", lambda *a: tuple(r.ravel()[:1] for r in _momentum_step(*a)), False,
     "wrong-shape"),
    ("no momentum", lambda w, v, g, lr, m: (w - lr * g, -lr * g), False, "no-momentum"),
    ("uphill", lambda w, v, g, lr, m: (w + m * v + lr * g, m * v + lr * g), False,
     "sign-flipped"),
    ("no learning rate", lambda w, v, g, lr, m: (w + m * v - g, m * v - g), False,
     "no-learning-rate"),
    ("w by the old velocity", lambda w, v, g, lr, m: (w + v, m * v - lr * g), False,
     "old-velocity"),
    ("w minus velocity", lambda w, v, g, lr, m: (w - m * v + lr * g, m * v - lr * g), False,
     "w-moved-backwards"),
    ("w unchanged", lambda w, v, g, lr, m: (w, m * v - lr * g), False, "w-not-updated"),
    ("pytorch form", lambda w, v, g, lr, m: (w - lr * (m * v + g), m * v + g), False,
     "pytorch-form"),
    ("outputs swapped", lambda *a: _momentum_step(*a)[::-1], False, "swapped-outputs"),
    ("rate and momentum swapped", lambda w, v, g, lr, m: _momentum_step(w, v, g, m, lr), False,
     "swapped-arguments"),
    ("velocity and gradient swapped", lambda w, v, g, lr, m: _momentum_step(w, g, v, lr, m),
     False, "swapped-arguments"),
    ("other", lambda w, v, g, lr, m: (w - 2 * lr * g, -2 * lr * g), False, "other"),
    ("raises", _raises, False, "raised"),
    ("endless loop", _endless, False, "timeout"),
    ("huge allocation", _huge, False, "out-of-memory"),
    ("package shortcut", _momentum_via_sgd, False, "package-shortcut"),
    ("tampered", Tampered(_momentum_step), False, "tampered"),
    ("tampers while it runs", tampering(_momentum_step), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced(_momentum_step), False, "tampered"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    MOMENTUM_STEP,
    ids=[row[0] for row in MOMENTUM_STEP],
)
def test_momentum_step(description, answer, passed, diagnosis, monkeypatch):
    result = judge(
        check_momentum_step_function, description, answer, passed, diagnosis, monkeypatch
    )
    assert "momentum * velocity - learning_rate" not in result.hint


def test_momentum_step_shortcut_names_what_is_rebuilt(monkeypatch):
    result = check_momentum_step_function(_momentum_via_sgd)
    assert "write momentum_step yourself" in result.message
    assert "helpers.optim.SGD._update" in result.message


# ----------------------------------------------------------------- adam_step ----


def _adam_step(w, m, v, gradient, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * gradient
    v = beta2 * v + (1 - beta2) * gradient**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_step_in_place(w, m, v, gradient, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1
    m += (1 - beta1) * gradient
    v *= beta2
    v += (1 - beta2) * gradient * gradient
    w -= learning_rate * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return w, m, v


def _adam_step_loop(w, m, v, gradient, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    new_w, new_m, new_v = np.empty_like(w), np.empty_like(m), np.empty_like(v)
    for i in np.ndindex(w.shape):
        new_m[i] = beta1 * m[i] + (1 - beta1) * gradient[i]
        new_v[i] = beta2 * v[i] + (1 - beta2) * gradient[i] ** 2
        m_hat = new_m[i] / (1 - beta1**t)
        v_hat = new_v[i] / (1 - beta2**t)
        new_w[i] = w[i] - learning_rate * m_hat / (math.sqrt(v_hat) + eps)
    return new_w, new_m, new_v


def _adam_step_float32(w, m, v, gradient, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    args = (a.astype(np.float32) for a in (w, m, v, gradient))
    return _adam_step(*args, t, np.float32(learning_rate), beta1, beta2, eps)


def _adam_via_package(w, m, v, gradient, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    optimizer, w = Adam(learning_rate, beta1, beta2, eps), w.copy()
    optimizer.step([w], [gradient])
    return w, optimizer.m[0], optimizer.v[0]


def _adam(update=None, moments=None, state=None):
    """A student's Adam step with one part done another way.

    moments(m, v, g, b1, b2) -> (m, v); update(w, g, m, v, m_hat, v_hat, t, lr, b1, b2, eps)
    -> new w; state(m, v, m_hat, v_hat) -> the (m, v) returned.
    """

    def step(w, m, v, g, t, lr, b1=0.9, b2=0.999, eps=1e-8):
        if moments is None:
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        else:
            m, v = moments(m, v, g, b1, b2)
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        if update is None:
            new_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        else:
            new_w = update(w, g, m, v, m_hat, v_hat, t, lr, b1, b2, eps)
        if state is not None:
            m, v = state(m, v, m_hat, v_hat)
        return new_w, m, v

    return step


ADAM_STEP = [
    ("right, vectorised", _adam_step, True, ""),
    ("right, in place", _adam_step_in_place, True, ""),
    ("right, loop", _adam_step_loop, True, ""),
    ("right, float32", _adam_step_float32, True, ""),
    ("blank ...", ..., False, "blank"),
    ("blank stub", _blank, False, "blank"),
    ("two outputs", lambda *a: _adam_step(*a)[:2], False, "wrong-type"),
    ("no bias correction",
     _adam(lambda w, g, m, v, mh, vh, t, lr, b1, b2, e: w - lr * m / (np.sqrt(v) + e)),
     False, "no-bias-correction"),
    ("bias-corrected m only",
     _adam(lambda w, g, m, v, mh, vh, t, lr, b1, b2, e: w - lr * mh / (np.sqrt(v) + e)),
     False, "bias-correction-m-only"),
    ("bias-corrected v only",
     _adam(lambda w, g, m, v, mh, vh, t, lr, b1, b2, e: w - lr * m / (np.sqrt(vh) + e)),
     False, "bias-correction-v-only"),
    ("no square root",
     _adam(lambda w, g, m, v, mh, vh, t, lr, b1, b2, e: w - lr * mh / (vh + e)),
     False, "no-square-root"),
    ("eps inside the root",
     _adam(lambda w, g, m, v, mh, vh, t, lr, b1, b2, e: w - lr * mh / np.sqrt(vh + e)),
     False, "eps-inside-square-root"),
    ("no eps",
     _adam(lambda w, g, m, v, mh, vh, t, lr, b1, b2, e: w - lr * mh / np.sqrt(vh)),
     False, "no-eps"),
    ("gradient instead of m",
     _adam(lambda w, g, m, v, mh, vh, t, lr, b1, b2, e: w - lr * g / (np.sqrt(vh) + e)),
     False, "stepped-along-gradient"),
    ("uphill",
     _adam(lambda w, g, m, v, mh, vh, t, lr, b1, b2, e: w + lr * mh / (np.sqrt(vh) + e)),
     False, "sign-flipped"),
    ("summed, not averaged",
     _adam(
         lambda w, g, m, v, mh, vh, t, lr, b1, b2, e: w - lr * mh / (np.sqrt(vh) + e),
         moments=lambda m, v, g, b1, b2: (b1 * m + g, b2 * v + g * g),
     ),
     False, "summed-not-averaged"),
    ("step t + 1",
     _adam(lambda w, g, m, v, mh, vh, t, lr, b1, b2, e:
           w - lr * (m / (1 - b1 ** (t + 1))) / (np.sqrt(v / (1 - b2 ** (t + 1))) + e)),
     False, "off-by-one-step"),
    ("betas swapped", lambda w, m, v, g, t, lr, b1=0.9, b2=0.999, e=1e-8:
     _adam_step(w, m, v, g, t, lr, b2, b1, e), False, "swapped-arguments"),
    ("returned m̂ and v̂", _adam(state=lambda m, v, mh, vh: (mh, vh)), False,
     "returned-corrected-moments"),
    ("other", lambda w, m, v, g, t, lr, *rest: (w - lr * g, m, v), False, "other"),
    ("raises", _raises, False, "raised"),
    ("endless loop", _endless, False, "timeout"),
    ("huge allocation", _huge, False, "out-of-memory"),
    ("package shortcut", _adam_via_package, False, "package-shortcut"),
    ("tampered", Tampered(_adam_step), False, "tampered"),
    ("tampers while it runs", tampering(_adam_step), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced(_adam_step), False, "tampered"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    ADAM_STEP,
    ids=[row[0] for row in ADAM_STEP],
)
def test_adam_step(description, answer, passed, diagnosis, monkeypatch):
    result = judge(check_adam_step, description, answer, passed, diagnosis, monkeypatch)
    assert "(1 − β₁ᵗ)" not in result.hint and "√v̂ + eps)" not in result.hint


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


def test_every_diagnosis_of_this_lesson_is_listed():
    from helpers.checks import momentum

    batteries = BY_HAND + MOMENTUM_STEP + ADAM_STEP + EFFECTIVE_STEP + SADDLE_STEPS
    for row in batteries:
        assert row[3] == "" or row[3] in DIAGNOSES, row
    assert set(momentum.DIAGNOSES) <= set(DIAGNOSES)
    named = {row[3] for row in batteries}
    assert set(momentum.DIAGNOSES) <= named, set(momentum.DIAGNOSES) - named  # none is dead
    assert all(isinstance(text, str) and text.endswith(".") for text in momentum.DIAGNOSES.values())


def test_feedback_is_a_feedback():
    assert isinstance(check_momentum_step_function(_momentum_step), Feedback)
    assert core.TIME_LIMIT == 5.0  # the limit the messages promise, outside the batteries


# ------------------------------------------------------------- a saddle point ----

SADDLE = dict(start=(1.0, 1e-6), learning_rate=0.1, bound=1.0)  # the question's numbers


def _steps_to_leave(learning_rate=0.1, y=1e-6, bound=1.0) -> int:
    """Gradient descent on x² − y² from (1, y), run until |y| > bound: the step count."""
    point, k = np.array([1.0, y]), 0
    while abs(point[1]) <= bound:
        point = point - learning_rate * np.array([2 * point[0], -2 * point[1]])
        k += 1
    return k


SADDLE_STEPS = [
    ("right, int", 76, True, ""),
    ("right, float", 76.0, True, ""),
    ("right, numpy int", np.int64(76), True, ""),
    ("right, numpy float", np.float64(76.0), True, ""),
    ("right, one-element list", [76], True, ""),
    ("right, by running it", _steps_to_leave(), True, ""),
    ("right, from logarithms", math.ceil(math.log(1e6) / math.log(1.2)), True, ""),
    ("blank ...", ..., False, "blank"),
    ("blank None", None, False, "blank"),
    ("text", "76", False, "wrong-type"),
    ("a bool", True, False, "wrong-type"),
    ("two numbers", [75, 76], False, "wrong-type"),
    ("nan", math.nan, False, "wrong-type"),
    ("rounded down", 75, False, "off-by-one-count"),
    ("one too many", 77, False, "off-by-one-count"),
    ("unrounded", math.log(1e6) / math.log(1.2), False, "not-a-count"),
    ("a fraction", 75.5, False, "not-a-count"),
    ("negative", -76, False, "not-a-count"),
    ("grew by 1 + eta", _steps_to_leave(0.05), False, "growth-factor-eta"),
    ("linearised, down", math.floor(math.log(1e6) / 0.2), False, "linearised-growth"),
    ("linearised, up", math.ceil(math.log(1e6) / 0.2), False, "linearised-growth"),
    ("never, infinity", math.inf, False, "never-leaves"),
    ("never, 0", 0, False, "never-leaves"),
    ("never, -1", -1, False, "never-leaves"),
    ("other", 38, False, "other"),
    ("tampered", Tampered(76), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced(76, "check_adam_step"), False,
     "tampered"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    SADDLE_STEPS,
    ids=[row[0] for row in SADDLE_STEPS],
)
def test_saddle_steps(description, answer, passed, diagnosis, monkeypatch):
    def check(steps):
        return check_saddle_steps(steps, **SADDLE)

    judge(check, description, answer, passed, diagnosis, monkeypatch)


def test_saddle_steps_is_what_the_package_sgd_takes():
    """Run it: the package's SGD on x² − y² from (1, 1e-6) at η = 0.1 first has |y| > 1
    after 76 steps, the answer the checker accepts."""
    point, optimizer = np.array([1.0, 1e-6]), SGD(0.1)
    ys = [abs(point[1])]
    while ys[-1] <= 1.0:
        optimizer.step([point], [np.array([2 * point[0], -2 * point[1]])])
        ys.append(abs(point[1]))
    assert len(ys) - 1 == 76 and ys[-2] < 0.9 < 1.04 < ys[-1]
    assert check_saddle_steps(len(ys) - 1, **SADDLE).passed


def test_saddle_steps_refuses_a_question_it_cannot_judge():
    for question in [
        dict(start=(1.0, 0.0), learning_rate=0.1),  # y = 0: gradient descent never leaves
        dict(start=(1.0, 1e-6), learning_rate=0.0),
        dict(start=1e-6, learning_rate=0.1),
    ]:
        with pytest.raises(UsageError):
            check_saddle_steps(76, **question)
