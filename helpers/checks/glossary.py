"""Checkers for notebook 09, training in a nutshell: the glossary quiz."""

from __future__ import annotations

from .core import Feedback, answer_checker, right, wrong

__all__ = ["GLOSSARY_QUIZ", "check_glossary_quiz"]


# question number → (description, the term it describes); the notebook prints the questions.
GLOSSARY_QUIZ = {
    1: ("One number that says how wrong the model is on a batch.", "loss function"),
    2: (
        "How much the loss changes when each parameter moves a little: one number per parameter.",
        "gradient",
    ),
    3: ("How far one update moves the parameters against the gradient.", "learning rate"),
    4: ("Gradient descent with the gradient of a small random batch at each step.", "SGD"),
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
}

_SYNONYMS = {
    "loss": "loss function",
    "stochastic gradient descent": "sgd",
    "backprop": "backpropagation",
    "back propagation": "backpropagation",
    "learning_rate": "learning rate",
    "converge": "convergence",
    "local min": "local minimum",
}


def _term(text) -> str:
    term = " ".join(str(text).lower().replace("-", " ").split())
    return _SYNONYMS.get(term, term)


@answer_checker("your answers (a dict: question number → term)")
def check_glossary_quiz(answers) -> Feedback:
    """The glossary quiz of notebook 09: ``answers`` maps question number → term."""
    if not isinstance(answers, dict):
        return wrong(
            f"expected a dict of answers, got {type(answers).__name__}.",
            'Write {1: "loss function", 2: …}: question number → term.',
        )
    missing = [q for q in GLOSSARY_QUIZ if q not in answers]
    incorrect = [
        q for q in GLOSSARY_QUIZ if q in answers and _term(answers[q]) != _term(GLOSSARY_QUIZ[q][1])
    ]
    if not missing and not incorrect:
        return right(f"all {len(GLOSSARY_QUIZ)} terms are right.")
    parts = []
    if incorrect:
        parts.append(f"question(s) {', '.join(map(str, incorrect))} not right yet")
    if missing:
        parts.append(f"question(s) {', '.join(map(str, missing))} unanswered")
    first = (incorrect or missing)[0]
    hint = f"Question {first}: “{GLOSSARY_QUIZ[first][0]}” Find it in the glossary table."
    return wrong("; ".join(parts) + ".", hint)
