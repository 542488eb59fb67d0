"""The implement-it checker of notebook 11: ``largest_eigenvalue`` by power iteration with a
shift, given only a Hessian-vector product. One table of answers (right ones written
several ways, the usual mistakes, broken functions), each with its verdict and diagnosis."""

import numpy as np
import pytest

import helpers.checks.curvature as module
from helpers import curvature
from helpers.checks.core import CORE_DIAGNOSES, Feedback, confirm
from helpers.checks.curvature import DIAGNOSES, check_largest_eigenvalue


def _unit(v):
    return v / np.linalg.norm(v)


def _power(hvp, start, iterations):
    v = _unit(start)
    for _ in range(iterations):
        w = hvp(v)
        mu = v @ w
        v = _unit(w)
    return mu


def _right(hvp, start, iterations):
    """The notebook's answer: power iteration, then again on H − μI when μ < 0."""
    mu = _power(hvp, start, iterations)
    if mu >= 0:
        return mu
    return _power(lambda v: hvp(v) - mu * v, start, iterations) + mu


def _right_rayleigh_after(hvp, start, iterations):
    """Right, written another way: normalise first, estimate from a fresh product at the end,
    always shift by the spectral radius estimate |μ| (works whatever the sign)."""

    def power(op):
        v = start.copy()
        for _ in range(iterations):
            v = _unit(op(v))
        return float(v @ op(v))

    mu = power(hvp)
    radius = abs(mu)
    return power(lambda v: hvp(v) + radius * v) - radius


def _right_unnormalised_quotient(hvp, start, iterations):
    """Right: v never rescaled, but the estimate is the full Rayleigh quotient vᵀHv / vᵀv."""

    def power(op):
        v = start.copy()
        for _ in range(iterations):
            w = op(v)
            mu = (v @ w) / (v @ v)
            v = w / np.abs(w).max()  # keeps the numbers in range
        return mu

    mu = power(hvp)
    return mu if mu >= 0 else power(lambda v: hvp(v) - mu * v) + mu


def _right_float32(hvp, start, iterations):
    return np.float32(_right(hvp, start, iterations))


def _no_shift(hvp, start, iterations):
    return _power(hvp, start, iterations)


def _norm_estimate(hvp, start, iterations):
    v = _unit(start)
    for _ in range(iterations):
        w = hvp(v)
        mu = np.linalg.norm(w)
        v = _unit(w)
    return mu


def _shift_not_undone(hvp, start, iterations):
    mu = _power(hvp, start, iterations)
    return mu if mu >= 0 else _power(lambda v: hvp(v) - mu * v, start, iterations)


def _not_normalized(hvp, start, iterations):
    def power(op):
        v = _unit(start)
        for _ in range(iterations):
            w = op(v)
            mu = v @ w
            v = w
        return mu

    mu = power(hvp)
    return mu if mu >= 0 else power(lambda v: hvp(v) - mu * v) + mu


def _returns_in_loop(hvp, start, iterations):
    def power(op):
        v = _unit(start)
        for _ in range(iterations):
            w = op(v)
            mu = v @ w
            v = _unit(w)
            return mu

    mu = power(hvp)
    return mu if mu >= 0 else power(lambda v: hvp(v) - mu * v) + mu


def _package(hvp, start, iterations):
    return curvature.largest_eigenvalue(hvp, start, iterations)


def _package_power_iteration(hvp, start, iterations):
    return curvature.power_iteration(hvp, start, iterations).eigenvalue


def _eigvalsh_of_probe(hvp, start, iterations):
    """Forms H column by column and asks numpy: right (the exercise is the number)."""
    eye = np.eye(len(start))
    return np.linalg.eigvalsh(np.stack([hvp(e) for e in eye], axis=1))[-1]


def _blank(hvp, start, iterations):
    pass


def _raises(hvp, start, iterations):
    raise ValueError("a bug")


def _endless(hvp, start, iterations):
    while True:
        pass


# answer -> (passes, diagnosis, words in the message)
BATTERY = {
    "right": (_right, True, "", "agrees with the reference"),
    "right, estimate at the end": (_right_rayleigh_after, True, "", "agrees"),
    "right, unnormalised quotient": (_right_unnormalised_quotient, True, "", "agrees"),
    "right, from the matrix itself": (_eigvalsh_of_probe, True, "", "agrees"),
    "right in float32": (_right_float32, True, "", "float32 precision"),
    "no shift": (_no_shift, False, "largest-magnitude", "largest in size"),
    "norm as estimate": (_norm_estimate, False, "lost-sign", "never negative"),
    "shift not undone": (_shift_not_undone, False, "shift-not-undone", "H − μI"),
    "not normalized": (_not_normalized, False, "not-normalized", "keeps getting longer"),
    "return in the loop": (_returns_in_loop, False, "returned-inside-loop", "one iteration"),
    "the package's": (_package, False, "package-shortcut", "write largest_eigenvalue"),
    "the package's power iteration": (_package_power_iteration, False, "package-shortcut", ""),
    "a constant": (lambda hvp, start, iterations: 1.0, False, "other", "relative error"),
    "a vector": (lambda hvp, start, iterations: start, False, "wrong-shape", "shape"),
    "a string": (lambda hvp, start, iterations: "5", False, "wrong-type", ""),
    "raises": (_raises, False, "raised", "ValueError: a bug"),
    "blank body": (_blank, False, "blank", "fill in"),
    "blank": (..., False, "blank", "fill in"),
    "not a function": (3.0, False, "wrong-type", "should be a function"),
}


@pytest.mark.parametrize("name", list(BATTERY))
def test_battery(name):
    answer, passes, diagnosis, words = BATTERY[name]
    result = check_largest_eigenvalue(answer)
    assert isinstance(result, Feedback)
    assert result.passed is passes, str(result)
    assert result.diagnosis == diagnosis, str(result)
    assert words in str(result), str(result)
    assert result.diagnosis in {**CORE_DIAGNOSES, **DIAGNOSES, "": ""}
    if not passes and result.answered:
        assert result.hint, "a wrong answer gets a hint"


def test_an_endless_loop_is_stopped(monkeypatch):
    monkeypatch.setattr("helpers.checks.core.TIME_LIMIT", 0.5)
    result = check_largest_eigenvalue(_endless)
    assert not result.passed and result.diagnosis == "timeout", str(result)


def test_every_mistake_has_a_diagnosis_listed_and_none_is_dead():
    assert {m.diagnosis for m in module.MISTAKES} == set(DIAGNOSES)
    named = {row[2] for row in BATTERY.values()}
    assert set(DIAGNOSES) <= named, set(DIAGNOSES) - named
    assert all(text.endswith(".") for text in DIAGNOSES.values())


def test_the_cases_have_the_eigenvalues_they_claim():
    """Each case's reference is the largest eigenvalue numpy finds in the same matrix, and the
    cases include a dominant negative eigenvalue and an all-negative spectrum."""
    for hvp, start, iterations in module._cases(0):
        matrix = np.stack([hvp(e) for e in np.eye(len(start))], axis=1)
        eigenvalues = np.linalg.eigvalsh(matrix)
        reference = module._reference(hvp, start, iterations)
        assert abs(reference - eigenvalues[-1]) <= 1e-9 * abs(eigenvalues).max(), (
            reference,
            eigenvalues[-1],
        )
    spectra = [np.array(s) for s in module.SPECTRA]
    assert any(-s.min() > s.max() > 0 for s in spectra), "a dominant negative eigenvalue"
    assert any(s.max() < 0 for s in spectra), "an all-negative spectrum"


def test_the_mistakes_differ_from_the_right_answer_on_some_case():
    """Otherwise a mistake could never be named (and a right answer could be)."""
    cases = module._cases(0)
    for mistake in module.MISTAKES:
        assert any(
            abs(mistake.compute(*case) - module._reference(*case)) > 1e-3 for case in cases
        ), mistake.diagnosis


def test_the_hidden_test_agrees_with_the_check():
    confirm(check_largest_eigenvalue(_right))
    with pytest.raises(AssertionError, match="largest in size"):
        confirm(check_largest_eigenvalue(_no_shift))
