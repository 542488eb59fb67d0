"""Checkers for the training loop (00, 02): its steps in order, one cross-entropy, and
one training step written from the pieces.

Shapes: N examples in a batch, D inputs, H hidden units, C classes.
"""

from __future__ import annotations

import math

import numpy as np

from ..layers import mlp
from ..losses import softmax_cross_entropy
from ..optim import SGD
from ..train import Trainer
from .core import (
    Feedback,
    Mistake,
    UsageError,
    answer_checker,
    as_number,
    check_implementation,
    close,
    is_blank,
    not_a_number,
    not_answered,
    right,
    wrong,
)

__all__ = [
    "DIAGNOSES",
    "TRAINING_LOOP",
    "TRAINING_LOOP_WITH_BACKWARD",
    "check_cross_entropy",
    "check_training_loop_order",
    "check_training_step",
]

TRAINING_LOOP = ("draw a batch", "forward pass", "loss", "update")
# Notebook 02 writes the loop out and names the step that computes the gradients.
TRAINING_LOOP_WITH_BACKWARD = ("draw a batch", "forward pass", "loss", "backward pass", "update")

# Every mistake these checkers name: id -> what to re-teach (for the teacher's report).
DIAGNOSES: dict[str, str] = {
    "unknown-step": "A step was named with a word that is not one of the loop's steps.",
    "missing-or-repeated-step": "Each step of the loop happens exactly once per turn.",
    "update-before-loss": "The update needs the loss (and its gradient) first: it comes last.",
    "loss-before-forward": "The loss compares predictions with labels, so it needs the "
    "forward pass first.",
    "batch-not-first": "Every turn of the loop starts by drawing a batch of data.",
    "backward-after-update": "The backward pass computes the gradients the update uses: it "
    "comes between the loss and the update.",
    "out-of-order": "The steps are in the wrong order: data, predictions, how wrong, "
    "which way, change.",
    "sign-flipped": "A sign is flipped: the result points the wrong way (a negative loss, a "
    "step uphill, or a difference taken in the wrong order).",
    "base-10-log": "Cross-entropy uses the natural logarithm (np.log), not log10.",
    "base-2-log": "Cross-entropy uses the natural logarithm (np.log), not log2.",
    "wrong-probability": "Cross-entropy looks at the probability of the true class only.",
    "probability-not-loss": "The loss is −log(p), not the probability p itself.",
    "no-learning-rate": "The learning rate was left out: the gradient entered the step at full "
    "size.",
    "stale-gradients": "The update used the gradients of the previous batch: backward must "
    "run before the update.",
    "updated-twice": "The update was applied twice in one step.",
    "not-updated": "The parameters must change in place (p -= …): p = p - … makes a new "
    "array and leaves the model as it was.",
    "loss-after-update": "The step returns the loss of the batch as the model saw it, before "
    "the update.",
    "no-loss-returned": "training_step returns the batch's loss.",
}


@answer_checker("the list of steps, in order")
def check_training_loop_order(steps, backward: bool = False) -> Feedback:
    """The steps of the training loop, in order.

    ``backward=False``: the four steps of the lecture (``TRAINING_LOOP``, notebook 00);
    ``backward=True``: the five steps notebook 02 writes out, with the backward pass
    between loss and update (``TRAINING_LOOP_WITH_BACKWARD``). Case and spaces around a
    name do not matter.
    """
    if not isinstance(backward, bool):
        raise UsageError(f"backward must be True or False, got {backward!r}.")
    loop = TRAINING_LOOP_WITH_BACKWARD if backward else TRAINING_LOOP
    example = 'Give a list of the step names, such as ["draw a batch", …].'
    if isinstance(steps, (str, bytes)):
        return wrong(
            f"expected a list of steps, got the single string {steps!r}.",
            example,
            diagnosis="wrong-type",
        )
    try:
        answer = [str(step).strip().lower() for step in steps]
    except TypeError:
        return wrong(f"expected a list of steps, got {steps!r}.", example, diagnosis="wrong-type")
    count = "five" if backward else "four"
    unknown = [step for step in answer if step not in loop]
    if unknown:
        return wrong(
            f"{unknown[0]!r} is not one of the {count} steps.",
            "Use the names " + ", ".join(repr(step) for step in loop) + ".",
            diagnosis="unknown-step",
        )
    if sorted(answer) != sorted(loop):
        return wrong(
            f"each of the {count} steps appears exactly once in the loop.",
            "Check for a step that is missing or listed twice.",
            diagnosis="missing-or-repeated-step",
        )
    if tuple(answer) == loop:
        return right(" → ".join(loop) + ", then again with the next batch.")
    first_wrong = next(i for i, step in enumerate(answer) if step != loop[i])
    position = {step: answer.index(step) for step in loop}
    if position["draw a batch"] != 0:
        diagnosis = "batch-not-first"
    elif position["loss"] < position["forward pass"]:
        diagnosis = "loss-before-forward"
    elif backward and position["update"] < position["backward pass"]:
        diagnosis = "backward-after-update"
    elif position["update"] < position["loss"]:
        diagnosis = "update-before-loss"
    else:
        diagnosis = "out-of-order"
    needs = {
        "draw a batch": "Everything starts with data: which step gives the model its inputs?",
        "forward pass": "The loss compares predictions with the targets; where do predictions "
        "come from?",
        "loss": "To know how to change the weights, first measure how wrong the model is.",
        "backward pass": "The update needs to know which way each weight should move; which "
        "step works that out from the loss?",
        "update": "Changing the weights comes last, once the loss says how wrong they are.",
    }
    return wrong(
        f"step {first_wrong + 1} should not be {answer[first_wrong]!r}.",
        needs[loop[first_wrong]],
        diagnosis=diagnosis,
    )


@answer_checker("the loss (one number)")
def check_cross_entropy(loss_value, probability: float) -> Feedback:
    """The cross-entropy of one example whose true class got ``probability``: -ln(p).

    A number worked out by hand: right within a relative 1e-3 (1.386 for p = 0.25).
    """
    if not 0 < probability <= 1:
        raise UsageError(f"probability must be in (0, 1], got {probability!r}.")
    expected = -math.log(probability)
    value = as_number(loss_value)
    if value is None:
        return not_a_number("the loss", loss_value)

    def near(x):
        return close(value, x, rtol=1e-3, atol=1e-6)

    if near(expected):
        return right(f"-ln({probability:g}) = {expected:.4g}.")
    if near(-expected) and expected > 0:
        return wrong(
            f"{value:.4g} is negative, but a loss is never below 0.",
            "Look at the sign: the log of a probability is negative.",
            diagnosis="sign-flipped",
        )
    if near(-math.log10(probability)) or near(math.log10(probability)):
        return wrong(
            f"{value:.4g} uses the base-10 logarithm.",
            "Which logarithm is np.log?",
            diagnosis="base-10-log",
        )
    if near(-math.log2(probability)) or near(math.log2(probability)):
        return wrong(
            f"{value:.4g} uses the base-2 logarithm.",
            "Which logarithm is np.log?",
            diagnosis="base-2-log",
        )
    if probability < 1 and near(-math.log(1 - probability)):
        return wrong(
            f"{value:.4g} is the loss of the probability of the *other* answers.",
            f"Use the probability given to the true class, {probability:g}.",
            diagnosis="wrong-probability",
        )
    if near(probability):
        return wrong(
            f"{value:g} is the probability itself, not its loss.",
            "The loss of a probability p is a logarithm of it.",
            diagnosis="probability-not-loss",
        )
    return wrong(
        f"{value:.4g} is not the cross-entropy for p = {probability:g}.",
        "The loss looks only at the probability of the true class. How does it turn p into a loss?",
    )


# ------------------------------------------------------- implement it ----

# (N, D, H, C) of each random case: batch, inputs, hidden units, classes.
_STEP_SIZES = [(5, 4, 3, 6), (8, 6, 4, 3), (3, 7, 5, 10)]
_STEP_OUTPUTS = (
    "the loss",
    "the first layer's kernel",
    "the first layer's bias",
    "the second layer's kernel",
    "the second layer's bias",
)


def _step_cases(seed) -> list[tuple]:
    """Fresh random float64 cases: (kernel0, bias0, kernel1, bias1, x, labels,
    x_before, labels_before, learning_rate). The batch "before" is the one the model's
    gradients still hold when the step starts (the previous step's)."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d, h, c in _STEP_SIZES:
        params = (
            rng.normal(scale=0.5, size=(d, h)),
            rng.normal(scale=0.1, size=h),
            rng.normal(scale=0.5, size=(h, c)),
            rng.normal(scale=0.1, size=c),
        )
        batch = (rng.normal(size=(n, d)), rng.integers(0, c, size=n))
        before = (rng.normal(size=(n, d)), rng.integers(0, c, size=n))
        cases.append((*params, *batch, *before, float(rng.uniform(0.1, 0.9))))
    return cases


def _model_mid_training(kernel0, bias0, kernel1, bias1, x_before, labels_before):
    """A float64 mlp([D, H, C]) with these parameters, whose gradients still hold the
    previous batch's (as they do in the middle of training)."""
    d, h = kernel0.shape
    model = mlp([d, h, kernel1.shape[1]], dtype=np.float64)
    for p, value in zip(model.parameters(), (kernel0, bias0, kernel1, bias1), strict=True):
        p[...] = value
    _, dlogits = softmax_cross_entropy(model.forward(x_before), labels_before)
    model.backward(dlogits)
    return model


def _reference_step(k0, b0, k1, b1, x, labels, x_before, labels_before, learning_rate):
    """The package's own training step (``Trainer.step`` with ``SGD``) on the whole batch."""
    model = _model_mid_training(k0, b0, k1, b1, x_before, labels_before)
    trainer = Trainer(model, x, labels, SGD(learning_rate=learning_rate), batch_size=len(x))
    loss = trainer.step()
    return (loss, *model.parameters())


def _step_mistake(update):
    """A mistaken step: forward, loss, backward, then ``update(p, g, g_before, lr)``."""

    def compute(k0, b0, k1, b1, x, labels, x_before, labels_before, learning_rate):
        model = _model_mid_training(k0, b0, k1, b1, x_before, labels_before)
        stale = [g.copy() for g in model.gradients()]
        loss, dlogits = softmax_cross_entropy(model.forward(x), labels)
        model.backward(dlogits)
        params = [
            update(p, g, g_before, learning_rate)
            for p, g, g_before in zip(model.parameters(), model.gradients(), stale, strict=True)
        ]
        return (loss, *params)

    return compute


def _loss_after_step(k0, b0, k1, b1, x, labels, x_before, labels_before, learning_rate):
    """The right step, but returning the loss of the batch *after* the update."""
    loss, *params = _reference_step(
        k0, b0, k1, b1, x, labels, x_before, labels_before, learning_rate
    )
    d, h = k0.shape
    model = mlp([d, h, k1.shape[1]], dtype=np.float64)
    for p, value in zip(model.parameters(), params, strict=True):
        p[...] = value
    return (softmax_cross_entropy(model.forward(x), labels)[0], *params)


_STEP_MISTAKES = [
    Mistake(
        _step_mistake(lambda p, g, g_before, lr: p + lr * g),
        "you stepped along the gradient, which goes uphill: the loss of the batch grows.",
        "Check the sign of your update.",
        "sign-flipped",
    ),
    Mistake(
        _step_mistake(lambda p, g, g_before, lr: p - g),
        "your steps are too long: they are the whole gradient.",
        "Where does learning_rate go in your update?",
        "no-learning-rate",
    ),
    Mistake(
        _step_mistake(lambda p, g, g_before, lr: p - lr * g_before),
        "you updated before the backward pass, with the previous batch's (stale) gradients.",
        "Which step fills model.gradients() with this batch's gradients, and when does it run?",
        "stale-gradients",
    ),
    Mistake(
        _step_mistake(lambda p, g, g_before, lr: p - 2 * lr * g),
        "your steps are twice too long: the update ran twice.",
        "One step updates each parameter once: with SGD(…).step or by hand, not both.",
        "updated-twice",
    ),
    Mistake(
        _step_mistake(lambda p, g, g_before, lr: p),
        "the loss is right, but the parameters did not change.",
        "Change each array in place (p -= …): p = p - … makes a new array and leaves the "
        "model as it was.",
        "not-updated",
    ),
    Mistake(
        _loss_after_step,
        "the parameters are right, but the loss you returned is the one after the update.",
        "Return the loss that the forward pass of this step gave, before the update.",
        "loss-after-update",
    ),
]


def check_training_step(training_step, seed: int = 0) -> Feedback:
    """Your ``training_step(model, x, labels, learning_rate)`` against the package's step.

    It is called on small random float64 models ``mlp([D, H, C])`` in the middle of
    training, with a batch x: (N, D) and labels: (N,) int, and must do one step of the
    loop: forward, ``softmax_cross_entropy``, ``model.backward``, then update every
    parameter in place by ``− learning_rate × gradient``; it returns the batch's loss.
    The loss and every updated parameter are compared with ``Trainer.step`` and ``SGD``
    doing the same step on a copy of the same model. It may not call ``Trainer.step``:
    that is the step the exercise asks for.
    """
    if is_blank(training_step):
        return not_answered("the function training_step")
    problem = {}

    def run(k0, b0, k1, b1, x, labels, x_before, labels_before, learning_rate):
        model = _model_mid_training(k0, b0, k1, b1, x_before, labels_before)
        loss = training_step(model, x, labels, learning_rate)
        params = [p.copy() for p in model.parameters()]
        changed = any(
            not np.array_equal(p, p0) for p, p0 in zip(params, (k0, b0, k1, b1), strict=True)
        )
        if is_blank(loss) and not changed:
            return None  # the stub: nothing done yet
        if is_blank(loss) or as_number(loss) is None:
            problem.setdefault("returned", "nothing" if loss is None else type(loss).__name__)
            loss = math.nan
        return (loss, *params)  # the loss as returned: a float32 loss is judged as float32

    run.__name__ = "training_step"
    result = check_implementation(
        run if callable(training_step) else training_step,
        name="training_step",
        cases=_step_cases(seed),
        reference=_reference_step,
        outputs=_STEP_OUTPUTS,
        mistakes=_STEP_MISTAKES,
        hint="Forward, loss, backward, update: which one is missing or different?",
        forbid=("training_step",),
    )
    if not result.passed and result.answered and "returned" in problem:
        return wrong(
            f"training_step returned {problem['returned']}, expected the loss (one number).",
            "softmax_cross_entropy gives the loss: return it at the end.",
            diagnosis="no-loss-returned",
        )
    return result
