"""The checkers of notebook 10: the glossary quiz, the steps at a decayed learning rate,
and assembling fit from the pieces.

One answer battery per exercise (right answers written several ways, every named mistake,
blank, raising, endless, huge, package-shortcut and tampered answers): for each, the
visible verdict, its diagnosis, and that the hidden test (``helpers.checks.confirm``)
fails exactly when the verdict is not Right. Then the quiz's finer points.
"""

import math

import battery
import numpy as np
import pytest
from battery import Tampered, tampering

from helpers.checks import (
    DIAGNOSES,
    GLOSSARY_QUIZ,
    Feedback,
    UsageError,
    check_decayed_steps,
    check_fit,
    check_glossary_quiz,
)
from helpers.checks.glossary import _mistaken_fit
from helpers.layers import mlp
from helpers.losses import softmax_cross_entropy
from helpers.optim import SGD
from helpers.train import Trainer, fit


def CheckerReplaced(answer, name="check_glossary_quiz"):  # noqa: N802 - reads as the class it makes
    return battery.CheckerReplaced(answer, name)


def judge(check, description, answer, passed: bool, diagnosis: str, monkeypatch) -> Feedback:
    return battery.judge(check, description, answer, passed, diagnosis, monkeypatch, DIAGNOSES)


RIGHT_ANSWERS = {q: term for q, (_, term) in GLOSSARY_QUIZ.items()}
BLANK = dict.fromkeys(GLOSSARY_QUIZ, ...)
LECTURE_TERMS = [
    "training loop", "batches", "optimizer", "loss function", "gradient", "gradient descent",
    "stochastic gradient descent", "learning rate", "number of iterations", "momentum",
    "backpropagation", "convergence", "global minimum", "local minimum",
]  # fmt: skip


def _number(term):
    return next(q for q, (_, t) in GLOSSARY_QUIZ.items() if t == term)


def _not_yet(result, hint_part=""):
    assert isinstance(result, Feedback)
    assert not result.passed and result.answered
    assert str(result).startswith("Not yet: ")
    assert result.hint and hint_part in result.hint


# --------------------------------------------------------------- glossary quiz ----


QUIZ = [
    ("right", RIGHT_ANSWERS, True, ""),
    ("right, synonyms and string keys",
     {**{str(q): t for q, t in RIGHT_ANSWERS.items()}, "4": "SGD", "6": "Backprop"}, True, ""),
    ("right, mixed case and articles", {q: f"The {t.upper()}" for q, t in RIGHT_ANSWERS.items()},
     True, ""),
    ("blank ...", ..., False, "blank"),
    ("blank dict", BLANK, False, "blank"),
    ("a list", ["gradient"], False, "wrong-type"),
    ("swapped terms", {**RIGHT_ANSWERS, 8: "global minimum", 14: "local minimum"}, False,
     "swapped-terms"),
    ("another question's term", {**RIGHT_ANSWERS, 12: "SGD"}, False, "swapped-terms"),
    ("not a glossary term", {**RIGHT_ANSWERS, 7: "overfitting"}, False, "wrong-terms"),
    ("half blank", {**BLANK, 1: "loss function", 2: "gradient"}, False,
     "unanswered-questions"),
    ("one missing key", {q: t for q, t in RIGHT_ANSWERS.items() if q != 17}, False,
     "unanswered-questions"),
    ("tampered", Tampered(RIGHT_ANSWERS), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced(RIGHT_ANSWERS, "check_fit"), False, "tampered"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    QUIZ,
    ids=[row[0] for row in QUIZ],
)
def test_glossary_quiz(description, answer, passed, diagnosis, monkeypatch):
    judge(check_glossary_quiz, description, answer, passed, diagnosis, monkeypatch)


def test_the_quiz_covers_the_lecture_terms_plus_kernel_bias_and_epoch():
    terms = [term for _, term in GLOSSARY_QUIZ.values()]
    assert sorted(terms) == sorted([*LECTURE_TERMS, "kernel", "bias", "epoch"])
    assert list(GLOSSARY_QUIZ) == list(range(1, 18))


def test_quiz_right():
    assert check_glossary_quiz(RIGHT_ANSWERS).passed


@pytest.mark.parametrize(
    ("term", "answer"),
    [
        ("learning rate", "step size"),
        ("learning rate", "Learning_Rate"),
        ("batches", "minibatch"),
        ("batches", "mini-batch"),
        ("batches", "Mini-Batches"),
        ("backpropagation", "backprop"),
        ("backpropagation", "back-propagation"),
        ("stochastic gradient descent", "SGD"),
        ("loss function", "loss"),
        ("loss function", "cost function"),
        ("number of iterations", "steps"),
        ("number of iterations", "iterations"),
        ("optimizer", "optimiser"),
        ("epoch", "an epoch"),
        ("global minimum", "the global minimum."),
    ],
)
def test_quiz_accepts_synonyms_case_and_articles(term, answer):
    assert check_glossary_quiz({**RIGHT_ANSWERS, _number(term): answer}).passed


def test_quiz_accepts_string_keys():
    assert check_glossary_quiz({str(q): t for q, t in RIGHT_ANSWERS.items()}).passed


@pytest.mark.parametrize(
    ("term", "answer"),
    [
        ("gradient descent", "SGD"),  # the stochastic one is another question
        ("local minimum", "global minimum"),
        ("epoch", "batch"),
        ("learning rate", "momentum"),
        ("kernel", "bias"),
    ],
)
def test_quiz_wrong_names_the_question_and_its_description(term, answer):
    q = _number(term)
    result = check_glossary_quiz({**RIGHT_ANSWERS, q: answer})
    _not_yet(result, GLOSSARY_QUIZ[q][0])
    assert f"question(s) {q} not right yet" in result.message
    assert "16 of 17 right" in result.message


def test_quiz_lists_every_wrong_question_and_hints_the_first():
    result = check_glossary_quiz({**RIGHT_ANSWERS, 12: "momentum", 3: "epoch", 15: "bias"})
    _not_yet(result, GLOSSARY_QUIZ[3][0])
    assert "question(s) 3, 12, 15 not right yet" in result.message


def test_quiz_with_some_blanks_lists_them_as_not_answered():
    result = check_glossary_quiz({**BLANK, 1: "loss function", 2: "momentum"})
    _not_yet(result, GLOSSARY_QUIZ[2][0])
    assert "question(s) 2 not right yet" in result.message
    assert "question(s) 3, 4," in result.message and "not answered yet" in result.message


@pytest.mark.parametrize("answers", [{}, ["gradient"], "gradient", {1: "loss function"}])
def test_quiz_wrong_form(answers):
    _not_yet(check_glossary_quiz(answers))


@pytest.mark.parametrize("answers", [..., None, BLANK], ids=["ellipsis", "none", "dict"])
def test_quiz_blank_is_not_answered_yet(answers):
    result = check_glossary_quiz(answers)
    assert not result.passed and not result.answered
    assert str(result).startswith("Not answered yet: fill in ")


# ------------------------------------------------- steps at a decayed rate ----

# The notebook's question: 10 epochs of 55,000 images in batches of 128, η = 0.01 divided
# by 10 after epoch 6 and again after epoch 9; how many steps run at η = 0.001?
SCHEDULE = dict(
    num_examples=55000, batch_size=128, epochs=10, first_rate=0.01, decay_after=(6, 9),
    factor=10, rate=0.001,
)  # fmt: skip


def _steps_at_rate_by_a_loop(num_examples, batch_size, epochs, first_rate, decay_after,
                             factor, rate):  # fmt: skip
    """Run the schedule step by step, as fit would, and count the steps taken at ``rate``."""
    learning_rate, count = first_rate, 0
    for epoch in range(1, epochs + 1):
        for _ in range(0, num_examples, batch_size):  # one step per batch, the last smaller
            count += math.isclose(learning_rate, rate)
        if epoch in decay_after:
            learning_rate /= factor
    return count


def test_the_notebooks_answer_is_what_a_loop_counts():
    assert _steps_at_rate_by_a_loop(**SCHEDULE) == 1290 == 3 * 430
    assert check_decayed_steps(1290, **SCHEDULE).passed


@pytest.mark.parametrize(
    "schedule",
    [
        SCHEDULE,
        {**SCHEDULE, "rate": 0.01},
        {**SCHEDULE, "rate": 0.0001},
        {**SCHEDULE, "num_examples": 60000, "batch_size": 100, "decay_after": (3,), "rate": 0.001},
        {**SCHEDULE, "epochs": 30, "decay_after": (10, 20), "factor": 2, "rate": 0.0025},
    ],
)
def test_decayed_steps_agree_with_a_loop(schedule):
    assert check_decayed_steps(_steps_at_rate_by_a_loop(**schedule), **schedule).passed


def test_decayed_steps_refuse_a_rate_the_schedule_never_runs():
    with pytest.raises(UsageError):
        check_decayed_steps(1290, **{**SCHEDULE, "rate": 0.005})


def _decayed(answer):
    """The check cell's call: the question's numbers as keyword literals."""
    return check_decayed_steps(answer, **SCHEDULE)


DECAYED = [
    ("right", 1290, True, ""),
    ("right, written 3 * 430", 3 * 430, True, ""),
    ("right, ceil", 3 * math.ceil(55000 / 128), True, ""),
    ("right, a float", 1290.0, True, ""),
    ("right, numpy integer", np.int64(1290), True, ""),
    ("floor instead of ceil", 3 * (55000 // 128), False, "floor-not-ceil"),
    ("not rounded", 3 * 55000 / 128, False, "not-rounded"),
    ("epochs, not steps", 3, False, "epochs-not-steps"),
    ("examples, not steps", 3 * 55000, False, "examples-not-steps"),
    ("epochs 6 to 9: one epoch too many", 4 * 430, False, "off-by-one-epoch"),
    ("epochs 7 and 8: one epoch too few", 2 * 430, False, "off-by-one-epoch"),
    ("one epoch's steps", 430, False, "one-epoch-steps"),
    ("the steps at η = 0.01", 6 * 430, False, "other-rate-steps"),
    ("every step of the run", 10 * 430, False, "all-steps"),
    ("something else", 7, False, "other"),
    ("text", "1290", False, "wrong-type"),
    ("a list of two", [1290, 1], False, "wrong-type"),
    ("a bool", True, False, "wrong-type"),
    ("blank ...", ..., False, "blank"),
    ("blank None", None, False, "blank"),
    ("tampered", Tampered(1290), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced(1290, "check_fit"), False, "tampered"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    DECAYED,
    ids=[row[0] for row in DECAYED],
)
def test_decayed_steps(description, answer, passed, diagnosis, monkeypatch):
    result = judge(_decayed, description, answer, passed, diagnosis, monkeypatch)
    assert passed or result.hint or diagnosis == "blank"


def test_decayed_steps_right_names_the_epochs():
    assert "epochs 7 to 9" in _decayed(1290).message


# ------------------------------------------------------------ assembling fit ----


def my_fit(model, x, labels, optimizer, epochs, batch_size, rng):
    epoch_losses = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        batch_losses = []
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            loss, dlogits = softmax_cross_entropy(model.forward(x[batch]), labels[batch])
            model.backward(dlogits)
            optimizer.step(model.parameters(), model.gradients())
            batch_losses.append(loss)
        epoch_losses.append(np.mean(batch_losses))
    return epoch_losses


def my_fit_while(model, x, labels, optimizer, epochs, batch_size, rng):
    """The same loop with while loops and a running total."""
    epoch_losses, epoch = [], 0
    while epoch < epochs:
        order, start, total, count = rng.permutation(len(x)), 0, 0.0, 0
        while start < len(x):
            batch = order[start : start + batch_size]
            logits = model.forward(x[batch])
            loss, dlogits = softmax_cross_entropy(logits, labels[batch])
            model.backward(dlogits)
            optimizer.step(model.parameters(), model.gradients())
            total, count, start = total + loss, count + 1, start + batch_size
        epoch_losses.append(total / count)
        epoch += 1
    return np.array(epoch_losses)


def my_fit_float32_losses(model, x, labels, optimizer, epochs, batch_size, rng):
    return np.float32(my_fit(model, x, labels, optimizer, epochs, batch_size, rng))


def _no_return(*args):
    my_fit(*args)


def _via_fit(model, x, labels, optimizer, epochs, batch_size, rng):
    history = fit(model, x, labels, optimizer, epochs, batch_size, progress=False, seed=0)
    return np.reshape(history.loss, (epochs, -1)).mean(axis=1)


def _via_trainer(model, x, labels, optimizer, epochs, batch_size, rng):
    trainer = Trainer(model, x, labels, optimizer, batch_size)
    return [
        np.mean([trainer.step() for _ in range(trainer.steps_per_epoch)]) for _ in range(epochs)
    ]


def _blank(*args):
    pass


def _raises(model, x, labels, optimizer, epochs, batch_size, rng):
    raise IndexError("index 50 is out of bounds")


def _endless(*args):
    while True:
        pass


def _huge(*args):
    return np.ones(1 << 34)  # 128 GiB


FIT = [
    ("right, for loops", my_fit, True, ""),
    ("right, while loops, an array", my_fit_while, True, ""),
    ("right, float32 losses", my_fit_float32_losses, True, ""),
    ("blank ...", ..., False, "blank"),
    ("blank None", None, False, "blank"),
    ("blank stub", _blank, False, "blank"),
    ("not a function", 42, False, "wrong-type"),
    ("trains, returns nothing", _no_return, False, "returned-nothing"),
    ("not shuffled", _mistaken_fit(shuffle="none"), False, "not-shuffled"),
    ("shuffled once", _mistaken_fit(shuffle="once"), False, "shuffled-once"),
    ("shuffled in place", _mistaken_fit(shuffle="in place"), False, "shuffled-in-place"),
    ("last batch dropped", _mistaken_fit(drop_last=True), False, "dropped-last-batch"),
    ("step before backward", _mistaken_fit(step_first=True), False, "step-before-backward"),
    ("no step", _mistaken_fit(no_step=True), False, "no-step"),
    ("weighted mean", _mistaken_fit(epoch_loss="weighted"), False, "weighted-epoch-loss"),
    ("summed losses", _mistaken_fit(epoch_loss="sum"), False, "summed-not-averaged"),
    ("mean over N // B", _mistaken_fit(epoch_loss="floor"), False, "off-by-one-batches"),
    ("last batch's loss", _mistaken_fit(epoch_loss="last"), False, "last-batch-loss"),
    ("every batch's loss", _mistaken_fit(epoch_loss="all"), False,
     "batch-losses-not-epoch-means"),
    ("other: trained twice", lambda *a: (my_fit(*a), my_fit(*a))[1], False, "other"),
    ("raises", _raises, False, "raised"),
    ("endless loop", _endless, False, "timeout"),
    ("huge allocation", _huge, False, "out-of-memory"),
    ("package shortcut: fit", _via_fit, False, "package-shortcut"),
    ("package shortcut: Trainer", _via_trainer, False, "package-shortcut"),
    ("tampered", Tampered(my_fit), False, "tampered"),
    ("tampers while it runs", tampering(my_fit), False, "tampered"),
    ("a checker replaced earlier", CheckerReplaced(my_fit), False, "tampered"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "answer", "passed", "diagnosis"),
    FIT,
    ids=[row[0] for row in FIT],
)
def test_fit(description, answer, passed, diagnosis, monkeypatch):
    result = judge(check_fit, description, answer, passed, diagnosis, monkeypatch)
    assert "rng.permutation(len(x)); then for each batch" not in result.hint


def test_fit_shortcut_names_what_is_rebuilt():
    result = check_fit(_via_fit)
    assert "write fit yourself" in result.message and "helpers.train.fit" in result.message


def test_a_trainer_with_momentum_still_trains_outside_a_check():
    """The @rebuilt marks change nothing outside a check."""
    model = mlp([4, 3], seed=0, dtype=np.float64)
    x, y = np.random.default_rng(0).normal(size=(8, 4)), np.arange(8) % 3
    history = fit(model, x, y, SGD(0.1, momentum=0.9), 2, 4, progress=False)
    assert len(history.loss) == 4


def test_every_diagnosis_of_this_lesson_is_listed():
    from helpers.checks import glossary

    for row in QUIZ + DECAYED + FIT:
        assert row[3] == "" or row[3] in DIAGNOSES, row
    assert set(glossary.DIAGNOSES) <= set(DIAGNOSES)
    named = {row[3] for row in QUIZ + DECAYED + FIT}
    assert set(glossary.DIAGNOSES) <= named, set(glossary.DIAGNOSES) - named  # none is dead
    assert all(text.endswith(".") for text in glossary.DIAGNOSES.values())
