"""The checkers of notebook 06 (the largest stable learning rate also in 07), one answer
battery per exercise: one step on the parabola, the sweep's best learning rate,
gradient_descent_step, the largest stable learning rate and which runs have converged. Each
row is (answer, expected verdict, expected diagnosis); for every row the hidden test,
helpers.checks.confirm, fails exactly when the verdict is not Right, so the visible check and
the grade agree."""

import ast
import re
from pathlib import Path

import battery
import nbformat
import numpy as np
import pytest

import helpers.checks
from helpers.checks import (
    check_best_learning_rate,
    check_converged_runs,
    check_gradient_descent_step,
    check_largest_stable_learning_rate,
    check_parabola_step,
    core,
)
from helpers.checks import learning_rate as lesson
from helpers.optim import SGD, Adam, Optimizer


def _agrees_with_the_hidden_test(result):
    battery.agrees_with_the_hidden_test(result, lesson.DIAGNOSES)


def _replace_allclose(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: True)


# ------------------------------------------------ exercise 1: one step on the parabola ----

FACTORS = [
    ("1 - 2 * 0.3", 1 - 2 * 0.3, True, ""),
    ("typed 0.4", 0.4, True, ""),
    ("from x_new / x", (10 - 0.3 * 2 * 10) / 10, True, ""),
    ("float32", np.float32(0.4), True, ""),
    ("forgot the 2", 1 - 0.3, False, "missing-factor-two"),
    ("uphill", 1 + 2 * 0.3, False, "sign-flipped"),
    ("only the change", -2 * 0.3, False, "change-only"),
    ("size of the change", 2 * 0.3, False, "change-only"),
    ("new x from 10", 10 * (1 - 2 * 0.3), False, "new-x-not-factor"),
    ("something else", 0.123, False, "other"),
    ("text", "0.4", False, "wrong-type"),
    ("blank", ..., False, "blank"),
]


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis"), [r[1:] for r in FACTORS], ids=[r[0] for r in FACTORS]
)
def test_parabola_step_battery(answer, passed, diagnosis):
    result = check_parabola_step(answer, learning_rate=0.3)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    _agrees_with_the_hidden_test(result)


@pytest.mark.parametrize("learning_rate", [0.05, 0.3, 1.1])
def test_parabola_step_other_rates(learning_rate):
    assert check_parabola_step(1 - 2 * learning_rate, learning_rate).passed


def test_parabola_step_tampered(monkeypatch):
    _replace_allclose(monkeypatch)
    assert check_parabola_step(0.4, learning_rate=0.3).diagnosis == "tampered"


# ------------------------------------------- exercise 2: the sweep's best learning rate ----

SWEEP_RATES = np.geomspace(0.001, 10, 13)
SWEEP_LOSSES = [2.3, 2.2, 2.0, 1.7, 1.2, 0.8, 0.5, 0.35, 0.3, 0.32, 0.9, np.inf, np.inf]
SWEPT = (tuple(SWEEP_RATES), tuple(SWEEP_LOSSES))  # what the notebook passes


def _sorted_in_place():
    """A student who sorts the notebook's losses in place: the check's copy is unchanged."""
    losses = list(SWEEP_LOSSES)
    losses.sort()
    return SWEEP_RATES[np.argmin(losses)]


CHOICES = [
    ("sweep_rates[np.argmin(sweep_losses)]", SWEEP_RATES[np.argmin(SWEEP_LOSSES)], True, ""),
    ("sweep_rates[8]", SWEEP_RATES[8], True, ""),
    ("typed as printed, 0.4642", 0.4642, True, ""),
    ("float32", np.float32(SWEEP_RATES[8]), True, ""),
    ("one too small", SWEEP_RATES[7], False, "picked-too-small"),
    ("one too large", SWEEP_RATES[9], False, "picked-too-large"),
    ("diverged", SWEEP_RATES[12], False, "picked-diverged"),
    ("argmin after sorting in place", _sorted_in_place(), False, "picked-too-small"),
    ("the index", int(np.argmin(SWEEP_LOSSES)), False, "index-not-rate"),
    ("the lowest loss", 0.3, False, "loss-not-rate"),
    ("not in the sweep", 0.3333, False, "not-in-sweep"),
    ("text", "0.46", False, "wrong-type"),
    ("blank", ..., False, "blank"),
]


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis"), [r[1:] for r in CHOICES], ids=[r[0] for r in CHOICES]
)
def test_best_learning_rate_battery(answer, passed, diagnosis):
    result = check_best_learning_rate(answer, *SWEPT)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    _agrees_with_the_hidden_test(result)


def test_best_learning_rate_says_diverged():
    assert "diverged" in check_best_learning_rate(10.0, *SWEPT).message


def test_best_learning_rate_needs_matching_lists():
    with pytest.raises(ValueError, match="same length"):
        check_best_learning_rate(0.1, SWEEP_RATES, SWEEP_LOSSES[:-1])


def test_best_learning_rate_tampered(monkeypatch):
    _replace_allclose(monkeypatch)
    assert check_best_learning_rate(SWEEP_RATES[8], *SWEPT).diagnosis == "tampered"


# ------------------------------------------------- exercise 3: gradient_descent_step ----


def new_array(w, gradient, learning_rate):
    return w - learning_rate * gradient


def in_place(w, gradient, learning_rate):
    w -= learning_rate * gradient
    return w


def element_loop(w, gradient, learning_rate):
    new_w = np.empty_like(w)
    for i in np.ndindex(w.shape):
        new_w[i] = w[i] - learning_rate * gradient[i]
    return new_w


def in_float32(w, gradient, learning_rate):
    return (w - learning_rate * gradient).astype(np.float32)


def in_place_without_return(w, gradient, learning_rate):
    w -= learning_rate * gradient


def with_the_package_sgd(w, gradient, learning_rate):
    new_w = w.copy()
    SGD(learning_rate).step([new_w], [gradient])
    return new_w


def with_the_package_adam(w, gradient, learning_rate):
    new_w = w.copy()
    Adam(learning_rate).step([new_w], [gradient])
    return new_w


def stub(w, gradient, learning_rate):
    pass


def raises(w, gradient, learning_rate):
    raise ValueError("a bug")


def endless(w, gradient, learning_rate):
    while True:
        w = w - learning_rate * gradient


def huge(w, gradient, learning_rate):
    return np.ones((20_000, 20_000))  # 3.2 GB, beyond the check's memory headroom


STEPS = [
    ("new array", new_array, True, ""),
    ("in place, returned", in_place, True, ""),
    ("element loop", element_loop, True, ""),
    ("float32", in_float32, True, ""),
    ("uphill", lambda w, g, lr: w + lr * g, False, "sign-flipped"),
    ("no learning rate", lambda w, g, lr: w - g, False, "no-learning-rate"),
    ("only the change", lambda w, g, lr: -lr * g, False, "change-only"),
    ("divided", lambda w, g, lr: w - g / lr, False, "divided-by-learning-rate"),
    ("unchanged", lambda w, g, lr: w, False, "not-moved"),
    ("in place, no return", in_place_without_return, False, "no-return"),
    ("twice the step", lambda w, g, lr: w - 2 * lr * g, False, "other"),
    ("wrong shape", lambda w, g, lr: (w - lr * g)[:1], False, "wrong-shape"),
    ("text", lambda w, g, lr: "w", False, "wrong-type"),
    ("blank ...", ..., False, "blank"),
    ("blank None", None, False, "blank"),
    ("stub", stub, False, "blank"),
    ("raises", raises, False, "raised"),
    ("endless loop", endless, False, "timeout"),
    ("huge allocation", huge, False, "out-of-memory"),
    ("package's SGD", with_the_package_sgd, False, "package-shortcut"),
    ("package's Adam", with_the_package_adam, False, "package-shortcut"),
]


@pytest.mark.parametrize(
    ("function", "passed", "diagnosis"), [r[1:] for r in STEPS], ids=[r[0] for r in STEPS]
)
def test_gradient_descent_step_battery(function, passed, diagnosis, monkeypatch):
    monkeypatch.setattr(core, "TIME_LIMIT", 0.5)
    result = check_gradient_descent_step(function)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    assert result.answered is (diagnosis != "blank")
    _agrees_with_the_hidden_test(result)


def test_gradient_descent_step_shortcut_names_what_is_rebuilt():
    message = check_gradient_descent_step(with_the_package_sgd).message
    assert "write gradient_descent_step yourself" in message
    assert "helpers.optim.Optimizer.step" in message


def test_gradient_descent_step_tampered(monkeypatch):
    monkeypatch.setattr(Optimizer, "step", lambda self, params, grads: None)
    result = check_gradient_descent_step(new_array)
    assert result.diagnosis == "tampered"
    with pytest.raises(AssertionError, match="the check was changed"):
        helpers.checks.confirm(result)


def test_the_package_sgd_still_steps_outside_a_check():
    w = np.array([1.0, 2.0])
    SGD(0.5).step([w], [np.array([2.0, 2.0])])
    assert np.array_equal(w, [0.0, 1.0])


# ------------------------------------- exercise 4 (and 07's): largest stable learning rate ----

LIMITS = [
    # (description, curvature, momentum, answer, passed, diagnosis)
    ("2 / 8", 8, 0.0, 2 / 8, True, ""),
    ("typed 0.25", 8, 0.0, 0.25, True, ""),
    ("float32", 8, 0.0, np.float32(0.25), True, ""),
    ("curvature 2", 2, 0.0, 1.0, True, ""),
    ("momentum 0.9", 4, 0.9, 2 * 1.9 / 4, True, ""),
    ("07: momentum 0.8", 4, 0.8, 0.9, True, ""),
    ("just above: diverges", 8, 0.0, 0.2501, False, "diverges"),
    ("best, not largest", 8, 0.0, 0.125, False, "best-not-largest"),
    ("forgot the 2 of a·x²", 8, 0.0, 0.5, False, "missing-factor-two"),
    ("converges, not largest", 8, 0.0, 0.2, False, "converges-not-largest"),
    ("diverges", 8, 0.0, 0.4, False, "diverges"),
    ("negative", 8, 0.0, -0.25, False, "not-positive"),
    ("text", 8, 0.0, "0.25", False, "wrong-type"),
    ("blank", 8, 0.0, ..., False, "blank"),
    ("momentum ignored", 4, 0.8, 0.5, False, "momentum-ignored"),
    ("momentum subtracted", 4, 0.8, 0.1, False, "momentum-sign"),
    ("momentum, forgot the 2", 4, 0.8, 1.8, False, "missing-factor-two"),
    ("momentum, converges", 4, 0.8, 0.3, False, "converges-not-largest"),
    ("momentum, diverges", 4, 0.8, 2.5, False, "diverges"),
]


@pytest.mark.parametrize(
    ("curvature", "momentum", "answer", "passed", "diagnosis"),
    [r[1:] for r in LIMITS],
    ids=[r[0] for r in LIMITS],
)
def test_largest_stable_learning_rate_battery(curvature, momentum, answer, passed, diagnosis):
    result = check_largest_stable_learning_rate(answer, curvature=curvature, momentum=momentum)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    _agrees_with_the_hidden_test(result)


def test_largest_stable_learning_rate_explains_the_boundary():
    message = check_largest_stable_learning_rate(0.25, curvature=8).message
    assert "= −1" in message and "flips sign" in message


@pytest.mark.parametrize("kwargs", [{"curvature": 0}, {"curvature": 4, "momentum": 1.5}])
def test_largest_stable_learning_rate_needs_a_quadratic(kwargs):
    with pytest.raises(ValueError, match="curvature|momentum"):
        check_largest_stable_learning_rate(0.5, **kwargs)


def test_largest_stable_learning_rate_tampered(monkeypatch):
    _replace_allclose(monkeypatch)
    assert check_largest_stable_learning_rate(0.25, curvature=8).diagnosis == "tampered"


# ------------------------------------------------ exercise 5: which runs have converged ----

# The notebook's four runs: A settles low, B settles at the loss of guessing (ln 10), C is
# still falling (it crawls), D grows (it diverges).
RUNS = {
    "A": [2.31, 1.02, 0.41, 0.16, 0.09, 0.08, 0.09, 0.08],
    "B": [2.48, 2.31, 2.303, 2.302, 2.303, 2.303, 2.302, 2.303],
    "C": [2.31, 2.12, 1.94, 1.77, 1.61, 1.46, 1.32, 1.19],
    "D": [2.31, 2.6, 4.1, 9.5, 27, 88, 270, 800],
}

CONVERGED = [
    ("a set", {"A", "B"}, True, ""),
    ("a list, lower case", ["b", "a"], True, ""),
    ("a tuple", ("A", "B"), True, ""),
    ("a frozenset", frozenset("AB"), True, ""),
    ("one string", "AB", True, ""),
    ("a string with commas", "a, b", True, ""),
    ("a string with braces", "{'A', 'B'}", True, ""),
    ("a sentence", "A and B", True, ""),
    ("an array of letters", np.array(["A", "B"]), True, ""),
    ("a letter twice", ["A", "B", "a"], True, ""),
    ("only the low one", {"A"}, False, "converged-means-low"),
    ("the low one and the crawl", {"A", "C"}, False, "still-falling-counted"),
    ("the crawl too", {"A", "B", "C"}, False, "still-falling-counted"),
    ("the divergence too", {"A", "B", "D"}, False, "diverged-counted"),
    ("every run", "ABCD", False, "diverged-counted"),
    ("only the stuck one", {"B"}, False, "converged-left-out"),
    ("none", set(), False, "converged-left-out"),
    ("an empty string", "", False, "converged-left-out"),
    ("a run that is not there", {"A", "E"}, False, "unknown-run"),
    ("a word", "none", False, "unknown-run"),
    ("a digit", "1", False, "unknown-run"),
    ("numbers", [0, 1], False, "wrong-type"),
    ("a number", 2, False, "wrong-type"),
    ("a dict", {"A": True}, False, "wrong-type"),
    ("True", True, False, "wrong-type"),
    ("blank", ..., False, "blank"),
    ("blank None", None, False, "blank"),
]


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis"),
    [r[1:] for r in CONVERGED],
    ids=[r[0] for r in CONVERGED],
)
def test_converged_runs_battery(answer, passed, diagnosis):
    result = check_converged_runs(answer, histories=RUNS)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    assert result.answered is (diagnosis != "blank")
    _agrees_with_the_hidden_test(result)


def test_converged_runs_says_why():
    right = check_converged_runs({"A", "B"}, histories=RUNS).message
    assert "A at 0.08, B at 2.3" in right
    assert "C is still going down; D grows" in right
    assert "2.3" in check_converged_runs({"A"}, histories=RUNS).message
    assert "1.61 → 1.19" in check_converged_runs({"A", "B", "C"}, histories=RUNS).message
    assert "800" in check_converged_runs({"A", "B", "D"}, histories=RUNS).message


# Other runs, to show the verdict is derived from the histories, not a stored key.
OTHER_RUNS = {
    "a": [2.3, 2.1, 1.9, 1.7, 1.5, 1.3],  # still falling
    "b": [2.3, 0.9, 0.5, 0.5, 0.51, 0.5],  # settled
    "c": [2.3, 0.7, 0.72, 0.71, float("nan"), float("nan")],  # blew up
    "d": [2.3, 0.4, 1.5, 0.3, 1.6, 0.2],  # jumps about, ending low
    "e": [2.3, 2.31, 2.3, 2.29, 2.3, 2.3],  # flat from the start: settled, at guessing
}


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis"),
    [
        ({"B", "E"}, True, ""),
        ({"b"}, False, "converged-means-low"),
        ({"b", "e", "a"}, False, "still-falling-counted"),
        ({"b", "e", "c"}, False, "diverged-counted"),
        ({"b", "e", "d"}, False, "diverged-counted"),
        ({"e"}, False, "converged-left-out"),
        ("ABCDEF", False, "unknown-run"),
    ],
)
def test_converged_runs_judges_the_histories_it_is_given(answer, passed, diagnosis):
    result = check_converged_runs(answer, histories=OTHER_RUNS)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    _agrees_with_the_hidden_test(result)


def test_converged_runs_rule_and_messages_for_other_runs():
    right = check_converged_runs("be", histories=OTHER_RUNS).message
    assert "A is still going down; C blows up; D jumps about" in right
    falling = {"x": [1.0, 0.99, 0.98, 0.97]}  # 1% of the start per step: 3% over the window
    assert check_converged_runs("x", histories=falling).diagnosis == "still-falling-counted"
    assert check_converged_runs(set(), histories=falling).passed
    assert check_converged_runs("x", histories=falling, tolerance=0.05).passed
    assert check_converged_runs("x", histories=falling, last=2).passed
    assert check_converged_runs(set(), histories={"x": [1.0, 2.0]}, last=2).passed


@pytest.mark.parametrize(
    ("histories", "kwargs", "match"),
    [
        ([1.0, 2.0], {}, "dict"),
        ({}, {}, "dict"),
        ({"AB": [1, 1, 1, 1]}, {}, "one letter"),
        ({1: [1, 1, 1, 1]}, {}, "one letter"),
        ({"A": [1, 1, 1, 1], "a": [1, 1, 1, 1]}, {}, "two runs"),
        ({"A": [1, 1, 1]}, {}, "at least 4"),
        ({"A": [float("nan"), 1, 1, 1]}, {}, "first one finite"),
        ({"A": [[1, 1], [1, 1]]}, {}, "at least 4"),
        ({"A": [1, 1, 1, 1]}, {"last": 1}, "last"),
        ({"A": [1, 1, 1, 1]}, {"tolerance": 0}, "tolerance"),
    ],
)
def test_converged_runs_needs_histories(histories, kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_converged_runs({"A"}, histories=histories, **kwargs)


def test_converged_runs_tampered(monkeypatch):
    _replace_allclose(monkeypatch)
    assert check_converged_runs({"A", "B"}, histories=RUNS).diagnosis == "tampered"


def test_the_notebook_shows_the_runs_it_checks():
    """Exercise 5's question prints the runs its check cell judges, and they are RUNS."""
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "06_learning_rate.ipynb"
    cells = {cell.id: cell.source for cell in nbformat.read(notebook, as_version=4).cells}
    call = ast.parse(cells["converged-runs-check"].split("### BEGIN HIDDEN TESTS")[0])
    keywords = {k.arg: k.value for k in call.body[0].value.keywords}
    assert ast.literal_eval(keywords["histories"]) == RUNS
    table = re.search(r"```\n(.*?)\n```", cells["converged-runs-prompt"], re.DOTALL).group(1)
    shown = {}
    for line in table.splitlines():
        name, numbers = line.split(":")
        shown[name.strip()] = [float(x) for x in numbers.split()]
    assert shown == RUNS
