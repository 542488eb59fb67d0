"""The checker of notebook 12, the debugging clinic: every planted bug is caught when it is
left in (with the symptom a practitioner would see) and passes when it is fixed; repairs
that change the wrong setting, or several, are named."""

import pytest

from helpers.checks.core import CORE_DIAGNOSES, Feedback, confirm
from helpers.checks.debugging import DIAGNOSES, HINTS, SYMPTOMS, check_repair, examine
from helpers.debugging import PATIENTS, Loop

# patient -> (the symptom the bug shows, the repair)
BUGS = {
    1: ("loss-off-scale", {"loss": "mean"}),
    2: ("learns-nothing", {"shuffle": "together"}),
    3: ("wrong-gradient", {"softmax_axis": 1}),
    4: ("loss-off-scale", {"pixels": "scaled"}),
    5: ("dead-units", {"learning_rate": 0.1}),
    6: ("dead-units", {"reset_gradients": True}),
    7: ("validation-leak", {"validation": "held out"}),
    8: ("dead-units", {"init": "glorot"}),
}


def test_every_patient_is_in_the_table():
    assert sorted(BUGS) == sorted(PATIENTS)
    assert all(len(Loop().differences(p)) == 1 for p in PATIENTS.values())


@pytest.mark.parametrize("patient", sorted(BUGS))
def test_the_bug_left_in_is_caught(patient):
    symptom, _ = BUGS[patient]
    _, found = examine(PATIENTS[patient])
    assert found is not None and found[0] == symptom, found
    result = check_repair(PATIENTS[patient], patient=patient)
    assert isinstance(result, Feedback) and not result.passed and result.answered
    assert result.diagnosis == "unchanged", str(result)
    assert "as it was" in result.message and result.hint == HINTS[symptom]
    with pytest.raises(AssertionError, match="as it was"):
        confirm(result)


@pytest.mark.parametrize("patient", sorted(BUGS))
def test_the_bug_fixed_passes(patient):
    _, repair = BUGS[patient]
    result = check_repair(PATIENTS[patient].fixed(**repair), patient=patient)
    assert result.passed, str(result)
    assert "trains as it should" in result.message
    confirm(result)


# (patient, repair, diagnosis, words): repairs that change the wrong thing
WRONG_REPAIRS = [
    (1, {"learning_rate": 0.1 / 64}, "loss-off-scale", "first loss"),
    (4, {"learning_rate": 0.001}, "loss-off-scale", "first loss"),
    (5, {"learning_rate": 1.0}, "dead-units", "never fire"),
    (6, {"learning_rate": 0.01}, "undertrained", "after 300 steps"),
    (8, {"learning_rate": 0.5}, "dead-units", "never fire"),
    (7, {"learning_rate": 0.05}, "validation-leak", "were also trained on"),
    (3, {"loss": "sum"}, "wrong-gradient", "gradient check"),
    (2, {"learning_rate": 0.01}, "learns-nothing", "about what guessing gets"),
    (2, {"loss": "sum"}, "changed-several", ""),
    (3, {"softmax_axis": 1, "loss": "sum"}, "changed-several", "2 settings"),
]


@pytest.mark.parametrize(("patient", "repair", "diagnosis", "words"), WRONG_REPAIRS)
def test_a_wrong_repair_names_the_symptom_that_remains(patient, repair, diagnosis, words):
    if diagnosis == "changed-several" and len(repair) == 1:
        repair = {**repair, **BUGS[patient][1]}  # the right fix plus one more change
    result = check_repair(PATIENTS[patient].fixed(**repair), patient=patient)
    assert not result.passed and result.diagnosis == diagnosis, str(result)
    assert words in str(result)
    assert result.hint


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [
        (..., "blank"),
        (None, "blank"),
        ("loss='mean'", "wrong-type"),
        ({"loss": "mean"}, "wrong-type"),
    ],
    ids=["ellipsis", "none", "a string", "a dict"],
)
def test_answers_that_are_not_a_loop(answer, diagnosis):
    result = check_repair(answer, patient=1)
    assert not result.passed and result.diagnosis == diagnosis, str(result)


def test_a_patient_that_does_not_exist_is_a_usage_error():
    with pytest.raises(ValueError, match="patient must be one of"):
        check_repair(Loop(), patient=9)


def test_every_diagnosis_is_listed_and_none_is_dead():
    assert set(SYMPTOMS) == set(HINTS) <= set(DIAGNOSES)
    assert not set(DIAGNOSES) & set(CORE_DIAGNOSES)
    named = {row[2] for row in WRONG_REPAIRS} | {"unchanged"}
    assert set(DIAGNOSES) == named, set(DIAGNOSES) ^ named
    assert all(text.endswith(".") for text in DIAGNOSES.values())


def test_the_healthy_loop_shows_no_symptom():
    run, found = examine(Loop())
    assert found is None and run.val_accuracy > 0.9
