"""The checkers of notebook 09: the glossary quiz and assembling fit from the pieces.

A right answer passes, each typical wrong answer fails with its hint, a blank answer is
"not answered yet", and nothing a student might write makes a checker raise.
"""

import numpy as np
import pytest

from helpers.checks import GLOSSARY_QUIZ, Feedback, check_fit, check_glossary_quiz
from helpers.checks.glossary import _mistaken_fit
from helpers.losses import softmax_cross_entropy

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


def test_fit_right():
    result = check_fit(my_fit)
    assert result.passed, result
    assert str(result).startswith("Right: my_fit agrees")


@pytest.mark.parametrize(
    ("mistake", "hint_part"),
    [
        ({"shuffle": "none"}, "rng.permutation(len(x))"),
        ({"shuffle": "once"}, "inside the loop over epochs"),
        ({"shuffle": "in place"}, "at the start of every epoch"),
        ({"drop_last": True}, "range(0, len(x), batch_size)"),
        ({"step_first": True}, "forward → loss → backward → update"),
        ({"no_step": True}, "optimizer.step"),
        ({"weighted": True}, "np.mean(batch_losses)"),
    ],
)
def test_fit_typical_mistakes(mistake, hint_part):
    _not_yet(check_fit(_mistaken_fit(**mistake)), hint_part)


def test_fit_returns_per_step_losses():
    def per_step(model, x, labels, optimizer, epochs, batch_size, rng):
        losses = []
        for _ in range(epochs):
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch_size):
                batch = order[start : start + batch_size]
                loss, dlogits = softmax_cross_entropy(model.forward(x[batch]), labels[batch])
                model.backward(dlogits)
                optimizer.step(model.parameters(), model.gradients())
                losses.append(loss)
        return losses

    result = check_fit(per_step)
    _not_yet(result)
    assert "the per-epoch losses has shape" in result.message


def test_fit_that_trains_but_returns_nothing():
    def no_return(*args):
        my_fit(*args)

    _not_yet(check_fit(no_return), "return it")


def test_fit_that_raises_is_not_yet_and_does_not_raise():
    def broken(model, x, labels, optimizer, epochs, batch_size, rng):
        raise IndexError("index 50 is out of bounds")

    result = check_fit(broken)
    _not_yet(result)
    assert "IndexError" in result.message


def test_fit_not_a_function():
    _not_yet(check_fit(42))


def _stub(model, x, labels, optimizer, epochs, batch_size, rng):
    pass


@pytest.mark.parametrize("blank", [..., None, _stub], ids=["ellipsis", "none", "pass"])
def test_fit_blank_is_not_answered_yet(blank):
    result = check_fit(blank)
    assert not result.passed and not result.answered
    assert str(result).startswith("Not answered yet: fill in ")
