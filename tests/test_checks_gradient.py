"""The checkers of notebook 04, one answer battery per exercise: the slope, one descent step
and numerical_gradient. Each row is (answer, expected verdict, expected diagnosis); for
every row the hidden test, helpers.checks.confirm, fails exactly when the verdict is not
Right, so the visible check and the grade agree."""

import battery
import numpy as np
import pytest

import helpers.checks
from helpers import gradients
from helpers.checks import check_descent_step, check_numerical_gradient, check_slope, core
from helpers.checks import gradient as lesson
from helpers.landscapes import bowl, two_wells


def _agrees_with_the_hidden_test(result):
    battery.agrees_with_the_hidden_test(result, lesson.DIAGNOSES)


def _replace_allclose(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: True)


# ------------------------------------------------------------------ exercise 1: the slope ----


def two_wells_loss(w):
    return two_wells.loss(np.array([w]))


def _secant(epsilon, x=0.5):
    return (two_wells_loss(x + epsilon) - two_wells_loss(x)) / epsilon


SLOPE = [
    ("secant, small ε", _secant(1e-6), True, ""),
    (
        "central difference",
        (two_wells_loss(0.5 + 1e-5) - two_wells_loss(0.5 - 1e-5)) / 2e-5,
        True,
        "",
    ),
    ("exact derivative", float(two_wells.gradient(np.array([0.5]))[0]), True, ""),
    ("float32", np.float32(_secant(1e-4)), True, ""),
    ("a one-element array", np.array([_secant(1e-6)]), True, ""),
    ("sign flipped", -_secant(1e-6), False, "sign-flipped"),
    ("the value f(x)", two_wells_loss(0.5), False, "value-not-slope"),
    ("ε = 0.01", _secant(0.01), False, "epsilon-too-large"),
    ("ε = -0.2", _secant(-0.2), False, "epsilon-too-large"),
    ("forgot ÷ε", two_wells_loss(0.5 + 1e-6) - two_wells_loss(0.5), False, "no-divide-by-epsilon"),
    ("forgot ÷2ε", two_wells_loss(0.51) - two_wells_loss(0.49), False, "no-divide-by-epsilon"),
    ("something else", 3.0, False, "other"),
    ("a string", "-1.2", False, "wrong-type"),
    ("a list of two", [-1.2, 1.0], False, "wrong-type"),
    ("blank", ..., False, "blank"),
    ("None", None, False, "blank"),
]


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis"), [r[1:] for r in SLOPE], ids=[r[0] for r in SLOPE]
)
def test_slope_battery(answer, passed, diagnosis):
    result = check_slope(two_wells_loss, 0.5, answer)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    assert result.answered is (diagnosis != "blank")
    _agrees_with_the_hidden_test(result)


def test_slope_float32_says_so():
    assert check_slope(two_wells_loss, 0.5, np.float32(-1.2)).precision == "float32"


def test_slope_tampered(monkeypatch):
    _replace_allclose(monkeypatch)
    result = check_slope(two_wells_loss, 0.5, -1.2)
    assert (result.passed, result.diagnosis) == (False, "tampered")
    with pytest.raises(AssertionError, match="the check was changed"):
        helpers.checks.confirm(result)


def test_check_slope_needs_a_function():
    with pytest.raises(TypeError, match="function"):
        check_slope(9.0, 3.0, 6.0)


# ------------------------------------------------------- exercise 2: one descent step ----

START = np.array([2.0, -1.0])
GRADIENT = bowl.gradient(START.copy())  # (0.4, -4.0)
RIGHT_POINT = START - 0.2 * GRADIENT  # (1.92, -0.2)


def _in_place():
    point = START.copy()
    point -= 0.2 * bowl.gradient(point)
    return point


def _in_place_twice():
    point = START.copy()
    point -= 0.2 * bowl.gradient(point)
    point -= 0.2 * bowl.gradient(point)
    return point


def _aliased():
    point = START.copy()
    new_point = point
    new_point -= 0.2 * bowl.gradient(point)
    return new_point


STEP = [
    ("new array", START - 0.2 * GRADIENT, True, ""),
    ("in place", _in_place(), True, ""),
    ("aliased", _aliased(), True, ""),
    ("a list", [1.92, -0.2], True, ""),
    ("float32", (START - 0.2 * GRADIENT).astype(np.float32), True, ""),
    ("uphill", START + 0.2 * GRADIENT, False, "sign-flipped"),
    ("no learning rate", START - GRADIENT, False, "no-learning-rate"),
    ("only the change", -0.2 * GRADIENT, False, "change-only"),
    ("divided by the learning rate", START - GRADIENT / 0.2, False, "divided-by-learning-rate"),
    ("the gradient", GRADIENT, False, "returned-gradient"),
    ("the scaled gradient", 0.2 * GRADIENT, False, "returned-gradient"),
    ("not moved", START.copy(), False, "not-moved"),
    ("two in-place steps", _in_place_twice(), False, "stepped-twice"),
    ("another point", np.array([1.0, 1.0]), False, "other"),
    ("wrong shape", [1.92], False, "wrong-shape"),
    ("text", "1.92, -0.2", False, "wrong-type"),
    ("blank", ..., False, "blank"),
]


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis"), [r[1:] for r in STEP], ids=[r[0] for r in STEP]
)
def test_descent_step_battery(answer, passed, diagnosis):
    result = check_descent_step(answer, start=(2.0, -1.0), learning_rate=0.2)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    _agrees_with_the_hidden_test(result)


def test_descent_step_judges_the_value_not_the_notebook_point():
    """The start is the checker's: an in-place update of the notebook's point (or a
    second run of it) cannot move what the answer is compared with."""
    point = START.copy()
    point -= 0.2 * bowl.gradient(point)
    assert check_descent_step(point).passed
    point -= 0.2 * bowl.gradient(point)  # the cell run twice
    assert check_descent_step(point).diagnosis == "stepped-twice"


def test_descent_step_float32_says_so():
    result = check_descent_step(RIGHT_POINT.astype(np.float32))
    assert result.precision == "float32" and "float32" in result.message


def test_descent_step_tampered(monkeypatch):
    _replace_allclose(monkeypatch)
    result = check_descent_step(RIGHT_POINT)
    assert result.diagnosis == "tampered"
    with pytest.raises(AssertionError, match="the check was changed"):
        helpers.checks.confirm(result)


# ------------------------------------------------ exercise 3: numerical_gradient ----


def in_place(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + epsilon
        plus = f(w)
        w[i] = old - epsilon
        minus = f(w)
        w[i] = old
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def on_copies(f, w, epsilon=1e-5):
    grad = np.zeros_like(w)
    for i in range(w.size):
        step = np.zeros(w.size)
        step[i] = epsilon
        step = step.reshape(w.shape)
        grad.flat[i] = (f(w + step) - f(w - step)) / (2 * epsilon)
    return grad


def nudge_and_undo(f, w, epsilon=1e-5):
    """+= ε; -= 2ε; += ε: w is back to within rounding (an ulp), which counts as restored."""
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        w[i] += epsilon
        plus = f(w)
        w[i] -= 2 * epsilon
        minus = f(w)
        w[i] += epsilon
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def in_float32(f, w, epsilon=1e-5):
    return in_place(f, w, epsilon).astype(np.float32)


def forward_difference(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    base = f(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + epsilon
        grad[i] = (f(w) - base) / epsilon
        w[i] = old
    return grad


def first_element_only(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    index = (0,) * w.ndim
    old = w[index]
    w[index] = old + epsilon
    plus = f(w)
    w[index] = old - epsilon
    minus = f(w)
    w[index] = old
    grad[index] = (plus - minus) / (2 * epsilon)
    return grad


def divided_by_epsilon(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + epsilon
        plus = f(w)
        w[i] = old - epsilon
        minus = f(w)
        w[i] = old
        grad[i] = (plus - minus) / epsilon
    return grad


def not_divided(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + epsilon
        plus = f(w)
        w[i] = old - epsilon
        minus = f(w)
        w[i] = old
        grad[i] = plus - minus
    return grad


def fixed_epsilon(f, w, epsilon=1e-5):
    return in_place(f, w, 1e-5)


def whole_rows(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    for i in range(len(w)):
        w[i] += epsilon
        plus = f(w)
        w[i] -= 2 * epsilon
        minus = f(w)
        w[i] += epsilon
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def not_restored(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        w[i] += epsilon
        plus = f(w)
        w[i] -= 2 * epsilon
        minus = f(w)
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def right_but_last_not_restored(f, w, epsilon=1e-5):
    """Every partial right, then the last element is left nudged: the caller's w moved."""
    grad = on_copies(f, w, epsilon)
    w.flat[-1] += epsilon
    return grad


def aliased(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        w_plus = w
        w_plus[i] += epsilon
        w_minus = w
        w_minus[i] -= epsilon
        grad[i] = (f(w_plus) - f(w_minus)) / (2 * epsilon)
    return grad


def sums_one_axis(f, w, epsilon=1e-5):
    return in_place(f, w, epsilon).sum(axis=0)


def stub(f, w, epsilon=1e-5):
    pass


def raises(f, w, epsilon=1e-5):
    raise IndexError("index 3 is out of bounds")


def endless(f, w, epsilon=1e-5):
    while True:
        pass


def huge(f, w, epsilon=1e-5):
    return np.ones((20_000, 20_000))  # 3.2 GB, beyond the check's memory headroom


def package_gradient(f, w, epsilon=1e-5):
    return gradients.numerical_gradient(f, w, h=epsilon)


def package_partials(f, w, epsilon=1e-5):
    grad = np.zeros(w.shape)
    for i in np.ndindex(w.shape):
        grad[i] = gradients.numerical_partial(f, w, i, h=epsilon)
    return grad


def swallows_the_refusal(f, w, epsilon=1e-5):
    try:
        return gradients.numerical_gradient(f, w, h=epsilon)
    except Exception:  # noqa: BLE001 - what a student might write to get past the check
        return in_place(f, w, epsilon)


GRADIENT_ANSWERS = [
    ("in place, restored", in_place, True, ""),
    ("on copies", on_copies, True, ""),
    ("+= ε; -= 2ε; += ε", nudge_and_undo, True, ""),
    ("float32", in_float32, True, ""),
    ("forward difference", forward_difference, False, "forward-difference"),
    ("first element only", first_element_only, False, "first-element-only"),
    ("divided by ε", divided_by_epsilon, False, "divided-by-epsilon-only"),
    ("forgot ÷2ε", not_divided, False, "no-divide-by-epsilon"),
    ("fixed ε", fixed_epsilon, False, "ignored-epsilon"),
    ("whole rows", whole_rows, False, "nudged-whole-rows"),
    ("not restored", not_restored, False, "not-restored"),
    ("right, last not restored", right_but_last_not_restored, False, "not-restored"),
    ("w_plus = w", aliased, False, "aliased-copy"),
    ("wrong shape", sums_one_axis, False, "wrong-shape"),
    ("blank ...", ..., False, "blank"),
    ("blank None", None, False, "blank"),
    ("stub", stub, False, "blank"),
    ("not a function", np.zeros(3), False, "wrong-type"),
    ("raises", raises, False, "raised"),
    ("endless loop", endless, False, "timeout"),
    ("huge allocation", huge, False, "out-of-memory"),
    ("package's numerical_gradient", package_gradient, False, "package-shortcut"),
    ("package's numerical_partial", package_partials, False, "package-shortcut"),
    ("swallows the refusal", swallows_the_refusal, False, "package-shortcut"),
]


@pytest.mark.parametrize(
    ("function", "passed", "diagnosis"),
    [r[1:] for r in GRADIENT_ANSWERS],
    ids=[r[0] for r in GRADIENT_ANSWERS],
)
def test_numerical_gradient_battery(function, passed, diagnosis, monkeypatch):
    monkeypatch.setattr(core, "TIME_LIMIT", 0.5)
    result = check_numerical_gradient(function)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    _agrees_with_the_hidden_test(result)


@pytest.mark.parametrize("seed", [1, 2])
def test_numerical_gradient_other_seeds(seed):
    assert check_numerical_gradient(nudge_and_undo, seed=seed).passed
    assert check_numerical_gradient(not_restored, seed=seed).diagnosis == "not-restored"


def test_numerical_gradient_float32_says_so():
    result = check_numerical_gradient(in_float32)
    assert result.precision == "float32" and "float32" in result.message


def test_numerical_gradient_shortcut_names_what_is_rebuilt():
    message = check_numerical_gradient(package_gradient).message
    assert "write numerical_gradient yourself" in message
    assert "helpers.gradients.numerical_gradient" in message


def test_numerical_gradient_tampered(monkeypatch):
    monkeypatch.setattr(gradients, "numerical_gradient", lambda f, w, h=1e-5, method="": 0 * w)
    result = check_numerical_gradient(in_place)
    assert result.diagnosis == "tampered"
    with pytest.raises(AssertionError, match="the check was changed"):
        helpers.checks.confirm(result)


def test_a_replaced_checker_fails_the_hidden_test(monkeypatch):
    result = check_numerical_gradient(in_place)
    monkeypatch.setitem(globals(), "check_numerical_gradient", lambda function: result)
    with pytest.raises(AssertionError, match="the check was changed"):
        helpers.checks.confirm(result)


def test_the_package_gradient_still_works_outside_a_check():
    w = np.array([1.0, 2.0])
    assert np.allclose(gradients.numerical_gradient(lambda v: float(v @ v), w), 2 * w)
