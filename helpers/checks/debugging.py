"""Checkers for notebook 12, the debugging clinic: does the student's repair of a patient
(a :class:`helpers.debugging.Loop` with one planted bug) now train as it should?

The checker never trusts the answer's own numbers: it runs the repaired loop itself
(``helpers.debugging.train``, seed 0, 300 steps) and looks for the symptoms a practitioner
would see, in this order, naming the first one that remains:

    validation-leak   validation images were trained on
    wrong-gradient    the loss's gradient is not its derivative (a gradient check fails)
    loss-off-scale    the first loss of a fresh network is far from ln 10 ≈ 2.3
    dead-units        half or more of the hidden units never fire
    learns-nothing    validation accuracy near chance (below 30%)
    undertrained      validation accuracy below 85% after 300 steps (a healthy loop: 91%)

(The loop's loss cannot become inf: its probabilities are kept above 1e-30, so a loop with
far too large steps shows dead units instead.)

A repair must change exactly one setting of the patient: the bug is one mistake, and
changing several settings at once hides which one it was.
"""

from __future__ import annotations

import math

from .. import debugging
from .core import Feedback, UsageError, checker, is_blank, not_answered, right, wrong

__all__ = ["check_repair", "examine"]

FIRST_LOSS = (1.0, 4.0)  # a fresh 10-class network starts near ln 10 ≈ 2.3
DEAD_SHARE = 0.5
CHANCE = 0.3
HEALTHY = 0.85
GRADIENT_CHECK = 1e-5

# The symptoms, in the order they are looked for, and what the checker says about each.
SYMPTOMS = {
    "validation-leak": "{overlap:,} of the 2,000 validation images were also trained on, so "
    "the validation accuracy ({val:.1%}) says nothing about images the network has not seen.",
    "wrong-gradient": "the gradient the loop steps along is not the derivative of its loss: "
    "a gradient check differs by a relative error of {gradient:.1e}.",
    "loss-off-scale": "the very first loss is {first:.3g}; a fresh network that guesses "
    "starts near ln 10 ≈ 2.3.",
    "dead-units": "{dead} of the {hidden} hidden units never fire on the validation images "
    "(their relu is 0 for every image), so they cannot learn.",
    "learns-nothing": "the validation accuracy is {val:.1%}, about what guessing gets.",
    "undertrained": "the validation accuracy is {val:.1%} after 300 steps; a healthy loop "
    "reaches about 91%.",
}

HINTS = {
    "validation-leak": "Where do the validation images come from?",
    "wrong-gradient": "Run gradient_check on your loop. Which part of the loss does the "
    "gradient formula assume?",
    "loss-off-scale": "What does the first loss measure? Think about what is added up and how "
    "large the inputs are.",
    "dead-units": "What makes every relu output 0? Look at the start and at the size of the steps.",
    "learns-nothing": "Can the loop learn 100 images by heart (overfit)? If not, does each "
    "image still have its own label?",
    "undertrained": "Which setting makes the steps too small, too large or pointed the wrong way?",
}

# Stable ids of the usual mistakes in this lesson, with what to re-teach (issue 19/20).
DIAGNOSES = {
    "validation-leak": "A repaired loop still validated on images it trained on: validation "
    "data must be held out, or its accuracy flatters the model.",
    "wrong-gradient": "A repaired loop still stepped along something that is not its loss's "
    "gradient (softmax over the batch axis with the usual formula): a gradient check finds it.",
    "loss-off-scale": "A repaired loop still started far from ln 10: a summed loss (no ÷ B) or "
    "raw 0–255 pixels. The first loss of a fresh network is a free check.",
    "dead-units": "A repaired loop still had most relus dead: all-zero weights, too large a "
    "learning rate, or inputs far too large.",
    "learns-nothing": "A repaired loop still learned nothing: usually labels that no longer "
    "belong to their images. Overfitting 100 examples is the test.",
    "undertrained": "A repaired loop trained, but far too slowly or too noisily.",
    "unchanged": "The patient's loop was handed in unchanged: the bug was not found.",
    "changed-several": "Several settings were changed at once: the repair should find the one "
    "mistake and change only it.",
}


def _symptom(run, gradient: float) -> tuple[str, dict] | None:
    """The first symptom the run shows (its id and the numbers for its message), or None."""
    numbers = {
        "overlap": run.overlap,
        "val": run.val_accuracy,
        "gradient": gradient,
        "first": run.loss[0] if run.loss else math.nan,
        "last": run.loss[-1] if run.loss else math.nan,
        "steps": len(run.loss),
        "dead": run.dead_units,
        "hidden": run.hidden,
    }
    first = numbers["first"]
    checks = {
        "validation-leak": run.overlap > 0,
        "wrong-gradient": not gradient < GRADIENT_CHECK,
        "loss-off-scale": not FIRST_LOSS[0] <= first <= FIRST_LOSS[1],
        "dead-units": run.dead_units >= DEAD_SHARE * run.hidden,
        "learns-nothing": run.val_accuracy < CHANCE,
        "undertrained": run.val_accuracy < HEALTHY,
    }
    for name, present in checks.items():
        if present:
            return name, numbers
    return None


def examine(loop) -> tuple[object, tuple[str, str] | None]:
    """Run ``loop`` as the checker does: (the run, (symptom id, sentence) of the first
    symptom or None when it trains as it should). For tests and teachers too."""
    run = debugging.train(loop)
    found = _symptom(run, debugging.gradient_check(loop))
    if found is None:
        return run, None
    name, numbers = found
    return run, (name, SYMPTOMS[name].format(**numbers))


@checker
def check_repair(repaired, patient: int) -> Feedback:
    """Does ``repaired``, the student's repair of ``debugging.PATIENTS[patient]``, train as
    it should? ``repaired``: a Loop, e.g. ``PATIENTS[1].fixed(setting=value)``.
    """
    if patient not in debugging.PATIENTS:
        raise UsageError(f"patient must be one of {sorted(debugging.PATIENTS)}, got {patient!r}.")
    if is_blank(repaired):
        return not_answered(
            f"your repair of patient {patient}",
            f"Start from the patient: PATIENTS[{patient}].fixed(setting=value).",
        )
    if not isinstance(repaired, debugging.Loop):
        return wrong(
            f"expected a Loop, got {type(repaired).__name__}.",
            f"Change one setting of the patient: PATIENTS[{patient}].fixed(setting=value).",
            diagnosis="wrong-type",
        )
    sick = debugging.PATIENTS[patient]
    changed = sick.differences(repaired)
    if len(changed) > 1:
        return wrong(
            f"you changed {len(changed)} settings ({', '.join(changed)}); the patient has one bug.",
            "Find the one setting that is wrong and change only that one.",
            diagnosis="changed-several",
        )
    run, found = examine(repaired)
    if not changed:
        name, sentence = found
        return wrong(
            f"this is patient {patient}'s loop as it was: {sentence}",
            HINTS[name],
            diagnosis="unchanged",
        )
    if found is None:
        return right(
            f"with {changed[0]} = {getattr(repaired, changed[0])!r} the loop trains as it "
            f"should: first loss {run.loss[0]:.2f}, validation accuracy {run.val_accuracy:.1%} "
            "on images it never trained on."
        )
    name, sentence = found
    return wrong(
        f"with {changed[0]} = {getattr(repaired, changed[0])!r} the loop still does not "
        f"train as it should: {sentence}",
        HINTS[name],
        diagnosis=name,
    )
