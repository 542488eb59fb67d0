"""Checkers for notebook 10, training in a nutshell: the glossary quiz, the steps a
learning-rate schedule runs at one rate, and assembling fit.

Shapes: N examples, D inputs, H hidden units, C classes, B examples in a batch.

Every verdict carries a diagnosis, a stable id listed in :data:`DIAGNOSES`.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ..layers import mlp
from ..losses import softmax_cross_entropy
from ..optim import SGD, Adam
from ..train import fit
from .core import (
    Feedback,
    Mistake,
    UsageError,
    answer_checker,
    as_number,
    check_implementation,
    is_blank,
    not_a_number,
    not_answered,
    right,
    wrong,
)

__all__ = ["GLOSSARY_QUIZ", "check_decayed_steps", "check_fit", "check_glossary_quiz"]

# id -> what to re-teach (merged into helpers.checks.DIAGNOSES for the grade report).
DIAGNOSES: dict[str, str] = {
    "swapped-terms": "Glossary quiz: a term was given to the wrong description (it answers "
    "another question): two related terms are mixed up.",
    "wrong-terms": "Glossary quiz: some answers are not the term the description names.",
    "unanswered-questions": "Glossary quiz: the answers given are right, but some questions "
    "were left blank.",
    "floor-not-ceil": "Steps at a decayed rate: the last, smaller batch of each epoch was "
    "left out (N // B steps per epoch instead of ceil(N / B)).",
    "epochs-not-steps": "Steps at a decayed rate: the answer counts epochs, not steps "
    "(one epoch is ceil(N / B) steps).",
    "examples-not-steps": "Steps at a decayed rate: the answer counts examples, not steps "
    "(one step takes a whole batch).",
    "not-rounded": "Steps at a decayed rate: N / B was not rounded up to whole steps.",
    "off-by-one-epoch": "Steps at a decayed rate: one epoch too many or too few at that rate: "
    "the epoch after which the rate drops still runs at the old rate.",
    "other-rate-steps": "Steps at a decayed rate: the steps at another learning rate of the "
    "schedule were counted.",
    "one-epoch-steps": "Steps at a decayed rate: the steps of a single epoch, though the rate "
    "holds for several epochs.",
    "all-steps": "Steps at a decayed rate: every step of the run was counted, not only "
    "those at the rate asked about.",
    "not-shuffled": "my_fit took the batches in the order of the data; fit shuffles every epoch.",
    "shuffled-once": "my_fit shuffled once before training instead of at the start of every epoch.",
    "shuffled-in-place": "my_fit reshuffled the previous epoch's order (rng.shuffle) instead "
    "of drawing a fresh permutation each epoch.",
    "dropped-last-batch": "my_fit dropped the last, smaller batch of each epoch: ceil(N / B) "
    "steps per epoch, not N // B.",
    "step-before-backward": "my_fit stepped the optimizer before the backward pass, so each "
    "update used the previous batch's gradients.",
    "no-step": "my_fit never called optimizer.step: the model does not learn.",
    "weighted-epoch-loss": "my_fit weighted each batch's loss by its size; fit's epoch loss "
    "is the plain mean of the batch losses.",
    "summed-not-averaged": "my_fit summed the batch losses of an epoch instead of averaging them.",
    "off-by-one-batches": "my_fit averaged the batch losses over N // B batches; an epoch "
    "has ceil(N / B), the last one smaller.",
    "last-batch-loss": "my_fit reported the last batch's loss for each epoch, not the mean "
    "over the epoch.",
    "batch-losses-not-epoch-means": "my_fit returned every batch's loss instead of one mean "
    "per epoch.",
    "returned-nothing": "my_fit trained the model but returned no losses.",
}


# ------------------------------------------------------------- the quiz ----

# question number → (description, the term it describes); the notebook prints the questions.
# The 14 terms the lecture asks students to remember, plus kernel, bias and epoch, in an
# order that mixes them up (1–8 are the questions of the first edition of the quiz).
GLOSSARY_QUIZ = {
    1: ("One number that says how wrong the model is on a batch.", "loss function"),
    2: (
        "How much the loss changes when each parameter moves a little: one number per parameter.",
        "gradient",
    ),
    3: ("How far one update moves the parameters against the gradient.", "learning rate"),
    4: (
        "Gradient descent that takes the gradient of a small random batch at each step, "
        "not of the whole training set.",
        "stochastic gradient descent",
    ),
    5: (
        "Keeps part of the previous update, so the parameters keep rolling the same way.",
        "momentum",
    ),
    6: (
        "All partial derivatives in one backward sweep through the layers, by the chain rule.",
        "backpropagation",
    ),
    7: ("The loss has stopped going down: training has settled.", "convergence"),
    8: (
        "Lower than everything nearby, but not the lowest point of the whole landscape.",
        "local minimum",
    ),
    9: (
        "Repeat: draw a batch → forward pass → loss → backward pass → update.",
        "training loop",
    ),
    10: (
        "Small groups of examples (e.g. 128) processed together, one group per step.",
        "batches",
    ),
    11: (
        "The rule that turns gradients into updates of the parameters: SGD, momentum, Adam, …",
        "optimizer",
    ),
    12: (
        "Step against the gradient of the loss over all the training data: "
        "w = w − learning_rate · gradient.",
        "gradient descent",
    ),
    13: (
        "How many updates training makes in all; one epoch has ceil(N / batch size) of them.",
        "number of iterations",
    ),
    14: ("The lowest point of the whole loss landscape.", "global minimum"),
    15: (
        "The weights of a dense layer: a (D, M) array, one column per unit.",
        "kernel",
    ),
    16: ("The number a unit adds to its weighted sum; it starts at 0.", "bias"),
    17: ("One pass over every example of the training set.", "epoch"),
}

# Other words for the same term (after _normal: lower case, no hyphens, no "the").
_SYNONYMS = {
    "loss function": ["loss", "losses", "loss functions", "cost", "cost function", "objective",
                      "objective function", "error function"],
    "gradient": ["gradients", "gradient vector", "grad"],
    "learning rate": ["step size", "stepsize", "lr", "eta", "η", "learning rates"],
    "stochastic gradient descent": ["sgd", "stochastic gd", "minibatch sgd",
                                    "minibatch gradient descent"],
    "momentum": ["sgd with momentum", "heavy ball", "momentum term"],
    "backpropagation": ["backprop", "back propagation", "back prop", "backward pass",
                        "backpropagation of errors", "reverse mode differentiation",
                        "reverse mode autodiff"],
    "convergence": ["converge", "converged", "converging", "converges"],
    "local minimum": ["local min", "local minima", "local optimum"],
    "training loop": ["train loop", "loop", "training cycle"],
    "batches": ["batch", "minibatch", "minibatches", "mini batch", "mini batches"],
    "optimizer": ["optimiser", "optimizers", "optimisers", "optimization algorithm",
                  "optimisation algorithm"],
    "gradient descent": ["gd", "steepest descent", "full batch gradient descent",
                         "batch gradient descent"],
    "number of iterations": ["iterations", "iteration", "steps", "number of steps",
                             "training steps", "number of updates", "updates",
                             "iteration count", "num iterations"],
    "global minimum": ["global min", "global minima", "global optimum"],
    "kernel": ["weights", "weight matrix", "kernel matrix", "weight"],
    "bias": ["biases", "bias vector", "offset", "intercept"],
    "epoch": ["epochs", "one epoch", "an epoch"],
}  # fmt: skip
_CANONICAL = {name: term for term, others in _SYNONYMS.items() for name in [term, *others]}


def _normal(text) -> str:
    """Lower case, hyphens/underscores as spaces, no article, no end punctuation."""
    words = re.sub(r"[-_]", " ", str(text).lower()).strip(" .!?\"'").split()
    if words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


def _term(text) -> str:
    """The canonical term for an answer, or the normalised answer if it is no known term."""
    normal = _normal(text)
    return _CANONICAL.get(normal, normal)


def _question(key):
    """A question number from a dict key: 3 or "3" → 3; anything else → None."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return int(key)
    if isinstance(key, str) and key.strip().isdigit():
        return int(key)
    return None


def _numbers(questions) -> str:
    return ", ".join(map(str, questions))


@answer_checker('your answers (a dict: question number → term, e.g. {1: "loss function"})')
def check_glossary_quiz(answers) -> Feedback:
    """The glossary quiz of notebook 10: ``answers`` maps question number → term.

    Case, hyphens and common synonyms ("step size", "minibatch", "backprop", "SGD") do
    not matter. A question whose answer is ``...`` (the blank) counts as not answered;
    if every one is blank, the quiz is not answered yet.
    """
    if not isinstance(answers, dict):
        return wrong(
            f"expected a dict of answers, got {type(answers).__name__}.",
            'Write {1: "loss function", 2: …}: question number → term.',
            diagnosis="wrong-type",
        )
    given = {}
    for key, value in answers.items():
        number = _question(key)
        if number in GLOSSARY_QUIZ and not is_blank(value):
            given[number] = value
    if not given and answers and all(is_blank(v) for v in answers.values()):
        return not_answered(
            "your answers: replace each ... by a term from the glossary table",
        )
    unanswered = [q for q in GLOSSARY_QUIZ if q not in given]
    incorrect = [q for q in given if _term(given[q]) != GLOSSARY_QUIZ[q][1]]
    incorrect.sort()
    if not unanswered and not incorrect:
        return right(f"all {len(GLOSSARY_QUIZ)} terms are right.")
    parts = []
    if incorrect:
        parts.append(f"question(s) {_numbers(incorrect)} not right yet")
    if unanswered:
        parts.append(f"question(s) {_numbers(unanswered)} not answered yet")
    right_count = len(given) - len(incorrect)
    first = (incorrect or unanswered)[0]
    hint = f"Question {first}: “{GLOSSARY_QUIZ[first][0]}” Find it in the glossary table."
    terms = {t for _, t in GLOSSARY_QUIZ.values()}
    if incorrect:
        swapped = [q for q in incorrect if _term(given[q]) in terms]
        diagnosis = "swapped-terms" if swapped else "wrong-terms"
    else:
        diagnosis = "unanswered-questions"
    if first in incorrect and _term(given[first]) in terms:
        hint += f" (“{given[first]}” is the answer to another question.)"
    return wrong(
        f"{right_count} of {len(GLOSSARY_QUIZ)} right; " + "; ".join(parts) + ".",
        hint,
        diagnosis=diagnosis,
    )


# ------------------------------------------- steps at a decayed rate ----


def _rate_of_each_epoch(epochs, first_rate, decay_after, factor) -> list[float]:
    """η of epochs 1, 2, …, epochs: first_rate, divided by factor after each epoch listed
    in decay_after (step decay)."""
    return [first_rate / factor ** sum(e > d for d in decay_after) for e in range(1, epochs + 1)]


def _epochs_at(rates, rate) -> int:
    return sum(math.isclose(r, rate, rel_tol=1e-9) for r in rates)


@answer_checker("the number of steps at that learning rate")
def check_decayed_steps(
    steps,
    *,
    num_examples: int = 55000,
    batch_size: int = 128,
    epochs: int = 10,
    first_rate: float = 0.01,
    decay_after: tuple[int, ...] = (6, 9),
    factor: float = 10,
    rate: float = 0.001,
) -> Feedback:
    """Steps that run at learning rate ``rate`` when ``epochs`` epochs of ceil(N / B) steps
    start at ``first_rate`` and divide it by ``factor`` after each epoch in ``decay_after``.
    """
    rates = _rate_of_each_epoch(epochs, first_rate, decay_after, factor)
    count = _epochs_at(rates, rate)
    if count == 0:
        raise UsageError(f"no epoch of this schedule runs at η = {rate:g}: {rates}")
    per_epoch = math.ceil(num_examples / batch_size)
    expected = count * per_epoch
    value = as_number(steps)
    if value is None:
        return not_a_number("the number of steps", steps)
    first = next(e for e, r in enumerate(rates, start=1) if math.isclose(r, rate, rel_tol=1e-9))
    where = f"epochs {first} to {first + count - 1}" if count > 1 else f"epoch {first}"
    if value == expected:
        return right(f"{expected} steps: {where} run at η = {rate:g}, {per_epoch} steps each.")
    others = {_epochs_at(rates, r) * per_epoch for r in set(rates) if not math.isclose(r, rate)}
    if value == count * (num_examples // batch_size):
        return wrong(
            f"{value:.0f} leaves out the last, smaller batch of each epoch.",
            f"{num_examples:,} / {batch_size} is not a whole number: how many steps does one "
            "epoch take?",
            diagnosis="floor-not-ceil",
        )
    if math.isclose(value, count * num_examples / batch_size, rel_tol=1e-9):
        return wrong(
            f"{value:g} is not a whole number of steps.",
            "Each step takes one whole batch; the examples left over make one more, smaller batch.",
            diagnosis="not-rounded",
        )
    if value == count:
        return wrong(
            f"{value:.0f} is the number of epochs at η = {rate:g}; the question asks for steps.",
            "How many steps does one epoch take?",
            diagnosis="epochs-not-steps",
        )
    if value == count * num_examples:
        return wrong(
            f"{value:,.0f} counts examples; one step takes a whole batch of them.",
            "How many steps does one epoch take?",
            diagnosis="examples-not-steps",
        )
    boundary = first - 1 if first > 1 else decay_after[0]
    if value in ((count - 1) * per_epoch, (count + 1) * per_epoch):
        return wrong(
            f"{value:.0f} is {value / per_epoch:.0f} epochs of steps: one epoch off.",
            f"Write η next to each epoch 1 to {epochs}: dividing after epoch {boundary} "
            f"means epoch {boundary} still runs at the old rate.",
            diagnosis="off-by-one-epoch",
        )
    if value == per_epoch:
        return wrong(
            f"{value:.0f} is the steps of one epoch; η = {rate:g} holds for more than one.",
            "Which epochs run at this rate?",
            diagnosis="one-epoch-steps",
        )
    if value in others:
        return wrong(
            f"{value:.0f} is the count of steps at another learning rate of the schedule.",
            f"Write η next to each epoch 1 to {epochs}: which epochs run at η = {rate:g}?",
            diagnosis="other-rate-steps",
        )
    if value == epochs * per_epoch:
        return wrong(
            f"{value:.0f} is every step of the run.",
            f"Count only the epochs that run at η = {rate:g}.",
            diagnosis="all-steps",
        )
    return wrong(
        f"{value:g} is not the number of steps at η = {rate:g}.",
        "Steps per epoch, times the number of epochs that run at this rate.",
    )


# ------------------------------------------------------ assembling fit ----
#
# The reference is the package's own ``helpers.train.fit`` (its Trainer draws the order of
# each epoch with ``rng.permutation(N)`` from ``np.random.default_rng(seed)``: one draw
# when it starts and one after every epoch, then batches of ``batch_size`` in that order,
# the last one smaller). A student's ``my_fit`` that draws ``rng.permutation(len(x))`` at
# the start of every epoch from a generator made with the same seed sees the same
# batches in the same order, so a right answer agrees to rounding (relative error ~1e-16).
# ``model.backward`` overwrites the gradients (it does not add to them), so there is no
# "forgot to zero the gradients" mistake to catch here.


_CASES = [
    # (seed, N, D, H, C, epochs, batch_size, optimizer)
    (0, 50, 6, 8, 3, 3, 16, "sgd"),  # last batch of 2
    (1, 37, 5, 7, 4, 2, 10, "adam"),  # last batch of 7
    (2, 24, 4, 6, 3, 2, 8, "sgd"),  # no partial batch
]


def _setup(seed, n, d, h, c, optimizer):
    """A small float64 model, random data and a fresh optimizer, all made from ``seed``."""
    rng = np.random.default_rng(1000 + seed)
    model = mlp([d, h, c], seed=seed, dtype=np.float64)
    x = rng.normal(size=(n, d))  # (N, D)
    labels = rng.integers(0, c, size=n)  # (N,)
    if optimizer == "sgd":
        return model, x, labels, SGD(learning_rate=0.1, momentum=0.9)
    return model, x, labels, Adam(learning_rate=0.01)


def _params(model) -> np.ndarray:
    return np.concatenate([p.ravel() for p in model.parameters()])


class _ReturnedNothing:
    """What the runner hands back when my_fit trained the model but returned None."""


def _runner(my_fit):
    """Wrap a my_fit as a function of a case → (final parameters, per-epoch losses).

    The whole run (model and data set-up included) is what check_implementation calls
    under its guards, so the student's my_fit runs with the time limit and without fit.
    """

    def run(seed, n, d, h, c, epochs, batch_size, optimizer):
        model, x, labels, opt = _setup(seed, n, d, h, c, optimizer)
        start = _params(model)
        losses = my_fit(model, x, labels, opt, epochs, batch_size, np.random.default_rng(seed))
        if losses is None:
            trained = not np.array_equal(_params(model), start)
            return _ReturnedNothing() if trained else None
        return _params(model), losses

    return run


def _returned_nothing(result) -> Feedback | None:
    if isinstance(result, _ReturnedNothing):
        return wrong(
            "my_fit trained the model but returned nothing.",
            "Collect the mean batch loss of each epoch in a list and return it.",
            diagnosis="returned-nothing",
        )
    return None


def _reference(seed, n, d, h, c, epochs, batch_size, optimizer):
    """The package's fit on the same model, data and seed: parameters, epoch mean losses."""
    model, x, labels, opt = _setup(seed, n, d, h, c, optimizer)
    history = fit(model, x, labels, opt, epochs, batch_size, progress=False, seed=seed)
    steps = -(-n // batch_size)  # ceil(N / B) steps per epoch
    losses = np.reshape(history.loss, (epochs, steps)).mean(axis=1)
    return _params(model), losses


def _mistaken_fit(
    shuffle="each epoch",
    drop_last=False,
    step_first=False,
    no_step=False,
    epoch_loss="mean",
):
    """A my_fit with one typical mistake, run like a student's answer.

    epoch_loss: how an epoch's batch losses become what is returned: "mean" (right),
    "weighted" (by batch size), "sum", "floor" (sum / (N // B)), "last", "all" (every
    batch's loss, flat).
    """

    def summary(losses, sizes, batches_floor):
        if epoch_loss == "weighted":
            return [np.average(losses, weights=sizes)]
        if epoch_loss == "sum":
            return [np.sum(losses)]
        if epoch_loss == "floor":
            return [np.sum(losses) / batches_floor]
        if epoch_loss == "last":
            return [losses[-1]]
        if epoch_loss == "all":
            return list(losses)
        return [np.mean(losses)]

    def my_fit(model, x, labels, optimizer, epochs, batch_size, rng):
        order = np.arange(len(x))
        if shuffle == "once":
            order = rng.permutation(len(x))
        epoch_losses = []
        for _ in range(epochs):
            if shuffle == "each epoch":
                order = rng.permutation(len(x))
            elif shuffle == "in place":
                rng.shuffle(order)
            stop = len(x) - len(x) % batch_size if drop_last else len(x)
            losses, sizes = [], []
            for start in range(0, stop, batch_size):
                batch = order[start : start + batch_size]
                loss, dlogits = softmax_cross_entropy(model.forward(x[batch]), labels[batch])
                if step_first and not no_step:
                    optimizer.step(model.parameters(), model.gradients())
                model.backward(dlogits)
                if not (step_first or no_step):
                    optimizer.step(model.parameters(), model.gradients())
                losses.append(loss)
                sizes.append(len(batch))
            epoch_losses.extend(summary(losses, sizes, len(x) // batch_size))
        return epoch_losses

    return my_fit


_MISTAKES = [
    (
        {"shuffle": "none"},
        "your batches come in the order of the data; fit shuffles it every epoch.",
        "Where does your loop draw a new order?",
        "not-shuffled",
    ),
    (
        {"shuffle": "once"},
        "you shuffled once, before the first epoch; fit draws a new order every epoch.",
        "Draw the order inside the loop over epochs.",
        "shuffled-once",
    ),
    (
        {"shuffle": "in place"},
        "you shuffled the previous epoch's order again (rng.shuffle); the check, like fit, "
        "draws a fresh order each epoch, so the batches differ.",
        "Draw a fresh order with rng.permutation at the start of every epoch.",
        "shuffled-in-place",
    ),
    (
        {"drop_last": True},
        "you dropped the last, smaller batch of each epoch; fit trains on it too.",
        "Let the last batch be smaller than batch_size.",
        "dropped-last-batch",
    ),
    (
        {"step_first": True},
        "you call optimizer.step before model.backward, so each update uses the "
        "gradients of the previous batch.",
        "Follow the diagram: which comes first, the backward pass or the update?",
        "step-before-backward",
    ),
    (
        {"no_step": True},
        "the parameters never change: the optimizer takes no step.",
        "After the backward pass the optimizer has to use the gradients.",
        "no-step",
    ),
    (
        {"epoch_loss": "weighted"},
        "the training is right, but your epoch losses weight each batch by its size; "
        "the check (like fit's history) takes the plain mean of the batch losses.",
        "Take the plain mean of each epoch's batch losses.",
        "weighted-epoch-loss",
    ),
    (
        {"epoch_loss": "sum"},
        "the training is right, but your epoch losses are sums of the batch losses.",
        "Each epoch's number is a mean.",
        "summed-not-averaged",
    ),
    (
        {"epoch_loss": "floor"},
        "the training is right, but your epoch losses divide by one batch too few: "
        "N // batch_size leaves out the last, smaller batch.",
        "Count the batches you actually took (or take the mean of their losses).",
        "off-by-one-batches",
    ),
    (
        {"epoch_loss": "last"},
        "the training is right, but each epoch's number is its last batch's loss.",
        "Each epoch's number is the mean over all its batches.",
        "last-batch-loss",
    ),
    (
        {"epoch_loss": "all"},
        "the training is right, but you returned every batch's loss; the exercise asks "
        "for one number per epoch.",
        "Average the batch losses of each epoch.",
        "batch-losses-not-epoch-means",
    ),
]


def check_fit(my_fit, seed: int = 0) -> Feedback:
    """Your ``my_fit(model, x, labels, optimizer, epochs, batch_size, rng)`` against the
    package's ``fit``.

    Each case makes a small random float64 model (D → H → C), random data x: (N, D) and
    labels: (N,), a fresh optimizer (SGD with momentum, or Adam), and
    ``rng = np.random.default_rng(s)``; ``fit`` gets identical copies and ``seed=s``. Both
    must end with the same parameters and the same per-epoch mean losses (relative error
    below RIGHT = 1e-7, or RIGHT_FLOAT32 for float32 results). ``seed`` shifts the cases'
    seeds. The package's ``fit`` (and its ``Trainer``) may not be called from my_fit.
    """
    if is_blank(my_fit) or not callable(my_fit):
        function = my_fit  # check_implementation says "not answered" or "not a function"
    else:
        function = _runner(my_fit)
    cases = [(s + seed, *rest) for s, *rest in _CASES]
    return check_implementation(
        function,
        name="my_fit",
        cases=cases,
        reference=_reference,
        outputs=("the final parameters", "the per-epoch losses"),
        mistakes=[
            Mistake(_runner(_mistaken_fit(**how)), message, hint, diagnosis)
            for how, message, hint, diagnosis in _MISTAKES
        ],
        forbid=("fit",),
        wrong_count=_returned_nothing,
        hint="Follow the diagram of the training loop, one batch at a time, and return one "
        "mean loss per epoch.",
    )
