"""The checkers' shared core: Feedback, blank answers, and check_implementation."""

import math

import numpy as np
import pytest

from helpers import checks
from helpers.checks import Feedback, UsageError
from helpers.checks.core import Mistake, answer_checker, check_implementation, is_blank
from helpers.exercises import rebuilt
from helpers.layers import Dense

RNG = np.random.default_rng(0)
CASES = [(RNG.normal(size=(3, 4)), RNG.normal(size=4)) for _ in range(3)]


def reference(x, b):
    return x + b


def run(fn, **kwargs):
    return check_implementation(fn, name="add_bias", cases=CASES, reference=reference, **kwargs)


def test_feedback_labels_and_truth():
    assert str(Feedback(True, "ok.")) == "Right: ok."
    assert bool(Feedback(True, "ok.")) and not Feedback(False, "no.")
    blank = Feedback(False, "fill in x.", answered=False)
    assert str(blank) == "Not answered yet: fill in x."
    assert "**Not answered yet**" in blank._repr_markdown_()


@pytest.mark.parametrize("answer", [..., None])
def test_blank_answers(answer):
    assert is_blank(answer)
    result = run(answer)
    assert not result.passed and not result.answered


def test_a_right_function_passes_and_says_so():
    result = run(lambda x, b: x + b)
    assert result.passed, result
    assert "3 random inputs" in result.message


def test_a_function_that_returns_nothing_is_not_answered_yet():
    def add_bias(x, b):
        """Stub."""

    result = run(add_bias)
    assert not result.passed and not result.answered
    assert "returns nothing yet" in result.message


def test_a_function_that_raises_gets_the_error_in_words():
    def add_bias(x, b):
        raise ZeroDivisionError("oops")

    result = run(add_bias)
    assert not result.passed and result.answered
    assert "ZeroDivisionError: oops" in result.message


def test_a_typical_mistake_is_named_even_when_its_shape_is_off():
    mistakes = [Mistake(lambda x, b: (x + b).sum(axis=0), "you summed.", "Keep every row.")]
    result = run(lambda x, b: (x + b).sum(axis=0), mistakes=mistakes)
    assert not result.passed and result.message == "you summed." and result.hint


def test_a_wrong_shape_without_a_named_mistake_says_both_shapes():
    result = run(lambda x, b: (x + b).T)
    assert not result.passed and "(4, 3)" in result.message and "(3, 4)" in result.message


def test_a_wrong_value_reports_the_relative_error():
    result = run(lambda x, b: x + 2 * b)
    assert not result.passed and "relative error" in result.message


def test_the_student_cannot_change_the_reference_inputs():
    def add_bias(x, b):
        x += b  # in place: changes the student's copy only
        return x

    assert run(add_bias).passed


def test_not_a_function():
    result = run(42)
    assert not result.passed and "should be a function" in result.message


def test_answer_checker_turns_a_crash_into_feedback_but_not_misuse():
    @answer_checker("a number")
    def check(answer, option="a"):
        if option != "a":
            raise UsageError("option must be 'a'")
        return Feedback(1 / answer > 0, "checked.")

    assert not check(...).answered
    crashed = check(0)
    assert not crashed.passed and "ZeroDivisionError" in crashed.message
    with pytest.raises(UsageError, match="option"):
        check(1, option="b")


# ------------------------------------------------------------------------------ feedback ----


def test_feedback_shows_a_pass_without_hint():
    result = Feedback(True, "well done.")
    assert str(result) == "Right: well done."
    assert "Right" in result._repr_markdown_()
    assert "Hint" not in str(result)


def test_feedback_shows_a_fail_with_its_hint():
    result = Feedback(False, "not this.", "try that.")
    assert str(result).startswith("Not yet: not this.")
    assert "Hint: try that." in str(result)
    assert "try that." in result._repr_markdown_()
    assert repr(result) == str(result)


def test_every_public_checker_is_listed():
    names = [name for name in dir(checks) if name.startswith("check_")]
    assert names
    assert set(names) <= set(checks.__all__)


# ------------------------------------------------- a blank answer to every value checker ----


BLANK_CALLS = {
    "check_training_loop_order": lambda blank: checks.check_training_loop_order(blank),
    "check_kernel_shape": lambda blank: checks.check_kernel_shape(blank),
    "check_layer_output_shape": lambda blank: checks.check_layer_output_shape(blank),
    "check_forward_pass": lambda blank: checks.check_forward_pass(
        blank, np.zeros((2, 4)), np.zeros((4, 3)), np.zeros(3)
    ),
    "check_random_accuracy": lambda blank: checks.check_random_accuracy(blank),
    "check_cross_entropy": lambda blank: checks.check_cross_entropy(blank, probability=0.5),
    "check_num_params": lambda blank: checks.check_num_params(blank),
    "check_naive_cost": lambda blank: checks.check_naive_cost(blank, num_params=10),
    "check_slope": lambda blank: checks.check_slope(math.sin, 0.0, blank),
    "check_descent_step": lambda blank: checks.check_descent_step(blank),
    "check_glorot_limit": lambda blank: checks.check_glorot_limit(blank),
    "check_steps_per_epoch": lambda blank: checks.check_steps_per_epoch(blank),
    "check_parabola_step": lambda blank: checks.check_parabola_step(blank, learning_rate=0.1),
    "check_best_learning_rate": lambda blank: checks.check_best_learning_rate(
        blank, [0.1, 1.0], [0.5, 0.2]
    ),
    "check_chain_rule": lambda blank: checks.check_chain_rule(blank, w=1.0, x=2.0, b=0.0, y=1.0),
    "check_glossary_quiz": lambda blank: checks.check_glossary_quiz(blank),
    "check_converged_runs": lambda blank: checks.check_converged_runs(
        blank, histories={"A": [1.0, 0.5, 0.5, 0.5, 0.5], "B": [3.0, 2.0, 1.0, 0.5, 0.2]}
    ),
    "check_effective_step": lambda blank: checks.check_effective_step(
        blank, learning_rate=0.05, momentum=0.9, gradient=2.0
    ),
    "check_saddle_steps": lambda blank: checks.check_saddle_steps(
        blank, start=(1.0, 1e-6), learning_rate=0.1
    ),
    "check_decayed_steps": lambda blank: checks.check_decayed_steps(
        blank,
        num_examples=55000,
        batch_size=128,
        epochs=10,
        first_rate=0.01,
        decay_after=(6, 9),
        factor=10,
        rate=0.001,
    ),  # fmt: skip
}


@pytest.mark.parametrize("blank", [..., None], ids=["ellipsis", "none"])
@pytest.mark.parametrize("name", sorted(BLANK_CALLS))
def test_a_blank_answer_is_not_answered_yet(name, blank):
    result = BLANK_CALLS[name](blank)
    assert isinstance(result, Feedback)
    assert not result.passed and not result.answered
    assert str(result).startswith("Not answered yet: fill in ")


# ------------------------------------------------- diagnoses and guards ----


def _shortcut_reference(x, b):
    return x + b


REBUILT_ADD_BIAS = rebuilt("add_bias_for_test")(_shortcut_reference)


def _loop_forever(x, b):
    while True:
        pass


def _loop_and_swallow(x, b):
    total = 0
    while True:
        try:
            total += 1
        except Exception:  # noqa: BLE001 - the student's code swallows errors
            pass


def _allocate_far_too_much(x, b):
    return np.ones((1 << 17, 1 << 17)) + b  # 128 GiB


def _call_the_package(x, b):
    return REBUILT_ADD_BIAS(x, b)


def _call_the_package_and_hide_it(x, b):
    try:
        return REBUILT_ADD_BIAS(x, b)
    except Exception:  # noqa: BLE001
        return x + b


# (answer, passed, diagnosis, precision)
IMPLEMENTATIONS = {
    "vectorised": (lambda x, b: x + b, True, "", ""),
    "in place": (lambda x, b: np.add(x, b, out=x), True, "", ""),
    "float32": (lambda x, b: (x + b).astype(np.float32), True, "", "float32"),
    "float32, wrong": (lambda x, b: (x + 1.001 * b).astype(np.float32), False, "other", ""),
    # An error of 1e-6 is float32's noise, and a float64 answer's mistake.
    "float32, off by float32 noise": (
        lambda x, b: (x + b * (1 + 2e-6)).astype(np.float32),
        True,
        "",
        "float32",
    ),
    "float64, off by float32 noise": (lambda x, b: x + b * (1 + 2e-6), False, "other", ""),
    "blank": (..., False, "blank", ""),
    "not a function": (3, False, "wrong-type", ""),
    "raises": (lambda x, b: x @ x, False, "raised", ""),
    "endless loop": (_loop_forever, False, "timeout", ""),
    "endless loop that swallows errors": (_loop_and_swallow, False, "timeout", ""),
    "far too much memory": (_allocate_far_too_much, False, "out-of-memory", ""),
    "package shortcut": (_call_the_package, False, "package-shortcut", ""),
    "hidden package shortcut": (_call_the_package_and_hide_it, False, "package-shortcut", ""),
    "named mistake": (lambda x, b: x - b, False, "sign-flipped", ""),
    "returns words": (lambda x, b: "done", False, "wrong-type", ""),
}
SIGN = Mistake(lambda x, b: x - b, "you subtracted the bias.", "Add it.", "sign-flipped")


@pytest.fixture
def quick(monkeypatch):
    """A short time limit, so endless answers cost half a second."""
    from helpers.checks import core

    monkeypatch.setattr(core, "TIME_LIMIT", 0.5)


@pytest.mark.parametrize("label", list(IMPLEMENTATIONS))
def test_every_kind_of_answer_gets_its_verdict_and_diagnosis(label, quick):
    answer, passed, diagnosis, precision = IMPLEMENTATIONS[label]
    result = run(answer, mistakes=[SIGN], forbid=("add_bias_for_test",))
    assert (result.passed, result.diagnosis, result.precision) == (passed, diagnosis, precision), (
        result
    )
    # The hidden test is the same verdict.
    if passed:
        checks.confirm(result)
    else:
        with pytest.raises(AssertionError, match=result.label):
            checks.confirm(result)


def test_the_kernel_lives_on_after_an_endless_and_a_huge_answer(quick):
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    run(_loop_forever)
    run(_allocate_far_too_much)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert run(lambda x, b: x + b).passed


def test_the_package_may_be_called_outside_a_check():
    x, b = CASES[0]
    assert np.array_equal(REBUILT_ADD_BIAS(x, b), x + b)


def test_a_teacher_can_allow_shortcuts(monkeypatch):
    from helpers import exercises

    monkeypatch.setattr(exercises, "REQUIRE_OWN_CODE", False)
    assert run(_call_the_package, forbid=("add_bias_for_test",)).passed


def test_the_shortcut_message_names_what_is_rebuilt():
    result = run(_call_the_package, forbid=("add_bias_for_test",))
    assert "write add_bias_for_test yourself" in result.message
    assert "_shortcut_reference" in result.message


def test_confirm_refuses_a_feedback_built_by_hand():
    with pytest.raises(AssertionError, match="not made by the course's checker"):
        checks.confirm(Feedback(True, "all good."))


def test_confirm_refuses_a_replaced_checker_name():
    check_kernel_shape = checks.check_kernel_shape  # noqa: F841 - the original: fine
    checks.confirm(checks.check_kernel_shape((784, 512)))

    def check_kernel_shape(*args, **kwargs):  # noqa: F811 - what a tampering answer does
        return checks.check_kernel_shape((784, 512))

    result = check_kernel_shape((1, 2))
    with pytest.raises(AssertionError, match="check_kernel_shape is not the course's own"):
        _confirm_from_here(result, check_kernel_shape)


def _confirm_from_here(result, check_kernel_shape):
    namespace = {"check_kernel_shape": check_kernel_shape, "checks": checks, "result": result}
    exec("checks.confirm(result)", namespace)


@pytest.mark.parametrize(
    "owner, name",
    [(np, "allclose"), (np.linalg, "norm"), ("helpers.layers", "relu"), ("checks", "rel_error")],
)
def test_a_replaced_function_is_tampering(owner, name, monkeypatch):
    import importlib

    module = checks if owner == "checks" else owner
    if isinstance(owner, str) and owner != "checks":
        module = importlib.import_module(owner)
    result = checks.check_kernel_shape((784, 512))
    monkeypatch.setattr(module, name, lambda *args, **kwargs: True)
    changed = checks.check_kernel_shape((784, 512))
    assert not changed.passed and changed.diagnosis == "tampered", changed
    with pytest.raises(AssertionError, match="the check was changed"):
        checks.confirm(result)


def test_a_replaced_method_is_tampering(monkeypatch):
    monkeypatch.setattr(Dense, "forward", lambda self, x: x)
    assert checks.check_kernel_shape((784, 512)).diagnosis == "tampered"


def test_a_method_shadowed_on_a_subclass_is_tampering(monkeypatch):
    from helpers.optim import SGD

    assert "step" not in vars(SGD)  # SGD inherits Optimizer.step
    monkeypatch.setattr(SGD, "step", lambda self, params, grads: None, raising=False)
    result = checks.check_kernel_shape((784, 512))
    assert result.diagnosis == "tampered" and "helpers.optim.SGD.step" in result.message


def test_the_verdict_is_in_the_outputs_for_grading():
    from helpers.checks import FEEDBACK_MIME

    bundle = run(lambda x, b: x - b, mistakes=[SIGN])._repr_mimebundle_()
    assert bundle[FEEDBACK_MIME] == {
        "passed": False,
        "answered": True,
        "diagnosis": "sign-flipped",
        "precision": "",
        "message": "you subtracted the bias.",
    }
    assert bundle["text/plain"].startswith("Not yet: you subtracted the bias.")


def test_every_diagnosis_a_checker_names_has_a_sentence_for_the_teacher():
    import re
    from pathlib import Path

    source = Path(checks.__file__).parent
    named = set()
    for path in source.glob("*.py"):
        text = path.read_text()
        named |= set(re.findall(r'diagnosis\s*=\s*"([a-z0-9-]+)"', text))
        # Mistake(compute, message, hint, "id") as the fourth positional argument
        named |= set(re.findall(r'Mistake\([^)]*?,\s*"([a-z0-9]+(?:-[a-z0-9]+)+)",?\s*\)', text))
    missing = sorted(named - set(checks.DIAGNOSES))
    assert not missing, f"diagnoses without a sentence in a module's DIAGNOSES: {missing}"
    assert all(
        sentence.endswith(".") and len(sentence) > 20 for sentence in checks.DIAGNOSES.values()
    )
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key) for key in checks.DIAGNOSES)


def test_a_shared_diagnosis_gets_the_sentence_of_the_checkers_lesson():
    from helpers.checks import diagnosis_sentence

    sgd = diagnosis_sentence("check_sgd_epoch", "sign-flipped")
    loss = diagnosis_sentence("check_cross_entropy", "sign-flipped")
    assert sgd and loss and sgd != loss
    assert diagnosis_sentence("check_sgd_epoch", "timeout") == checks.CORE_DIAGNOSES["timeout"]
    assert diagnosis_sentence("no_such_checker", "timeout") == checks.CORE_DIAGNOSES["timeout"]
    assert diagnosis_sentence("check_sgd_epoch", "no-such-id") == ""
