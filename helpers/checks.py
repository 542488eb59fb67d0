"""Friendly answers to the check-yourself exercises of the notebooks.

Each ``check_…`` function takes the student's answer and returns a :class:`Feedback`:
``passed`` is True or False, and the notebook shows a short message, with a hint when
the answer is not right yet. A wrong answer never raises; only a call that cannot be
checked at all (a misspelt option, say) raises, with a message that says how to call it.

    result = check_kernel_shape(layer.kernel.shape)
    result           # shows "✅ Right: …" or "❌ Not yet: … Hint: …"
    result.passed    # True / False

Shapes: N examples in a batch, D inputs of a layer, M outputs of a layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# The section for notebooks 05–09 at the end of this file extends this list with
# ``__all__ += [...]``.
__all__ = [
    "Feedback",
    "check_cross_entropy",
    "check_descent_step",
    "check_forward_pass",
    "check_kernel_shape",
    "check_layer_output_shape",
    "check_naive_cost",
    "check_num_params",
    "check_random_accuracy",
    "check_slope",
    "check_training_loop_order",
]


# ------------------------------------------------------------------ core ----


@dataclass(frozen=True)
class Feedback:
    """The answer of a checker: passed or not, what to say, and a hint when not passed.

    A notebook cell that ends with a Feedback shows it as a line of text; ``print`` works
    too. ``assert result.passed`` makes a committed notebook fail if its answer is wrong.
    """

    passed: bool
    message: str
    hint: str = ""

    def __str__(self) -> str:
        if self.passed:
            return f"✅ Right: {self.message}"
        text = f"❌ Not yet: {self.message}"
        return f"{text}\n   Hint: {self.hint}" if self.hint else text

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        if self.passed:
            return f"✅ **Right:** {self.message}"
        text = f"❌ **Not yet:** {self.message}"
        return f"{text}<br>💡 **Hint:** {self.hint}" if self.hint else text


def _right(message: str) -> Feedback:
    return Feedback(True, message)


def _wrong(message: str, hint: str = "") -> Feedback:
    return Feedback(False, message, hint)


def _as_number(answer) -> float | None:
    """The answer as a float, or None if it is not one number."""
    if isinstance(answer, bool):
        return None
    try:
        value = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if value.size != 1:
        return None
    return float(value.reshape(()))


def _close(answer: float, expected: float, rtol: float = 1e-2, atol: float = 0.0) -> bool:
    """|answer - expected| <= atol + rtol * |expected| (and both finite)."""
    if not (math.isfinite(answer) and math.isfinite(expected)):
        return False
    return abs(answer - expected) <= atol + rtol * abs(expected)


def _as_shape(answer) -> tuple[int, ...] | None:
    """The answer as a tuple of whole numbers, or None if it is not a shape."""
    try:
        shape = tuple(answer)
    except TypeError:
        return None
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape):
        return None
    return tuple(int(n) for n in shape)


def _not_a_number(what: str, answer) -> Feedback:
    return _wrong(
        f"expected one number for {what}, got {answer!r}.",
        "Give a single number such as 0.5 (not a list or a string).",
    )


# ----------------------------------------------------- 00 · contents ----

TRAINING_LOOP = ("draw a batch", "forward pass", "loss", "update")


def check_training_loop_order(steps) -> Feedback:
    """The four steps of the training loop, in order (names as in ``TRAINING_LOOP``)."""
    try:
        answer = [str(step).strip().lower() for step in steps]
    except TypeError:
        return _wrong(
            f"expected a list of steps, got {steps!r}.",
            'Give a list such as ["draw a batch", …].',
        )
    unknown = [step for step in answer if step not in TRAINING_LOOP]
    if unknown:
        return _wrong(
            f"{unknown[0]!r} is not one of the four steps.",
            "Use the names " + ", ".join(repr(step) for step in TRAINING_LOOP) + ".",
        )
    if sorted(answer) != sorted(TRAINING_LOOP):
        return _wrong(
            "each of the four steps appears exactly once in the loop.",
            "Check for a step that is missing or listed twice.",
        )
    if tuple(answer) == TRAINING_LOOP:
        return _right("draw a batch → forward pass → loss → update, then again.")
    first_wrong = next(i for i, step in enumerate(answer) if step != TRAINING_LOOP[i])
    needs = {
        "draw a batch": "Everything starts with data: which step gives the model its inputs?",
        "forward pass": "The loss compares predictions with the targets; where do predictions "
        "come from?",
        "loss": "To know how to change the weights, first measure how wrong the model is.",
        "update": "Changing the weights comes last, once the loss says how wrong they are.",
    }
    return _wrong(
        f"step {first_wrong + 1} should not be {answer[first_wrong]!r}.",
        needs[TRAINING_LOOP[first_wrong]],
    )


# ---------------------------------------------- 01 · kernel and bias ----


def check_kernel_shape(shape, in_features: int = 784, out_features: int = 512) -> Feedback:
    """The shape of a Dense(in_features → out_features) kernel: (D, M)."""
    expected = (in_features, out_features)
    answer = _as_shape(shape)
    if answer is None:
        return _wrong(
            f"expected a shape such as (3, 2), got {shape!r}.",
            "Write the shape as a tuple of two whole numbers: (rows, columns).",
        )
    if answer == expected:
        return _right(f"the kernel is {expected}: one row per input, one column per output unit.")
    if answer == expected[::-1]:
        return _wrong(
            f"{answer} has the right numbers in the wrong order.",
            "We compute dot(input, kernel): the input (N, D) is multiplied from the left, "
            "so the kernel needs D rows.",
        )
    return _wrong(
        f"{answer} is not the shape of a kernel from {in_features} inputs to {out_features} units.",
        "Every input is connected to every unit: rows = inputs, columns = units.",
    )


def check_layer_output_shape(shape, batch_size: int = 128, units: int = 512) -> Feedback:
    """The shape of a dense layer's output for a batch: (N, M)."""
    expected = (batch_size, units)
    answer = _as_shape(shape)
    if answer is None:
        return _wrong(
            f"expected a shape such as (3, 2), got {shape!r}.",
            "Write the shape as a tuple of two whole numbers: (examples, units).",
        )
    if answer == expected:
        return _right(f"{expected}: one row per image of the batch, one number per unit.")
    if answer == expected[::-1]:
        return _wrong(
            f"{answer} has the right numbers in the wrong order.",
            "The rows of the output are the examples of the batch, as in the input.",
        )
    if len(answer) == 2 and answer[0] == batch_size:
        return _wrong(
            f"{answer}: the number of rows is right, the number of columns is not.",
            "A layer gives one output per unit, whatever the size of its input.",
        )
    return _wrong(
        f"{answer} is not the output shape for a batch of {batch_size} and {units} units.",
        "dot((N, D), (D, M)) has shape (N, M); adding the bias (M,) keeps that shape.",
    )


def check_forward_pass(layer, x, out) -> Feedback:
    """A forward pass computed by hand: ``relu(dot(x, kernel) + bias)`` for ``layer``.

    layer: a Dense layer; x: (N, D); out: the student's (N, M) result.
    """
    for name in ("kernel", "bias"):
        if not hasattr(layer, name):
            raise TypeError(f"check_forward_pass needs a Dense layer first, got {layer!r}.")
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(layer.kernel, dtype=np.float64)
    bias = np.asarray(layer.bias, dtype=np.float64)
    relu = getattr(layer, "activation", "relu") == "relu"
    linear = x @ kernel + bias  # (N, M)
    expected = np.maximum(linear, 0) if relu else linear
    try:
        answer = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return _wrong(f"expected an array, got {type(out).__name__}.", "Return the array.")
    if answer.shape != expected.shape:
        return _wrong(
            f"your output has shape {answer.shape}, the layer's has {expected.shape}.",
            "Use np.dot(x, layer.kernel) (input first), then add layer.bias.",
        )

    def same(a):
        return np.allclose(answer, a, rtol=1e-4, atol=1e-5)

    if same(expected):
        return _right("that is exactly what the layer computes.")
    if relu and same(linear):
        return _wrong(
            "almost: some of your numbers are negative, the layer's never are.",
            "Apply relu at the end: np.maximum(…, 0).",
        )
    no_bias = x @ kernel
    if same(np.maximum(no_bias, 0) if relu else no_bias):
        return _wrong(
            "your numbers match a layer without its bias.",
            "Add layer.bias after the dot product.",
        )
    return _wrong(
        "your numbers differ from the layer's.",
        "The layer computes relu(dot(x, kernel) + bias), in that order.",
    )


def check_random_accuracy(acc, num_classes: int = 10) -> Feedback:
    """The accuracy to expect from guessing among ``num_classes`` classes: 1 / num_classes."""
    expected = 1 / num_classes
    value = _as_number(acc)
    if value is None:
        return _not_a_number("the accuracy", acc)
    if _close(value, expected, atol=0.02):
        return _right(
            f"{value:g}: guessing among {num_classes} classes is right about "
            f"1 time in {num_classes}."
        )
    if _close(value, 100 * expected, atol=2):
        return _wrong(
            f"{value:g} looks like a percentage.",
            f"Write accuracy as a fraction between 0 and 1, e.g. {expected:g} for "
            f"{100 * expected:g}%.",
        )
    return _wrong(
        f"{value:g} is not what guessing gives.",
        f"A random model picks one of {num_classes} digits; how often is that the right one?",
    )


# ------------------------------------------------ 02 · training loop ----


def check_cross_entropy(loss_value, probability: float) -> Feedback:
    """The cross-entropy of one example whose true class got ``probability``: -ln(p)."""
    if not 0 < probability <= 1:
        raise ValueError(f"probability must be in (0, 1], got {probability!r}.")
    expected = -math.log(probability)
    value = _as_number(loss_value)
    if value is None:
        return _not_a_number("the loss", loss_value)
    if _close(value, expected, rtol=1e-3, atol=1e-6):
        return _right(f"-ln({probability:g}) = {expected:.4g}.")
    if _close(value, -expected, rtol=1e-3, atol=1e-6):
        return _wrong(
            f"{value:.4g} is negative, but a loss is never below 0.",
            "Cross-entropy is minus the log of the probability: -np.log(p).",
        )
    if _close(value, -math.log10(probability), rtol=1e-3, atol=1e-6):
        return _wrong(
            f"{value:.4g} uses the base-10 logarithm.",
            "Use the natural logarithm, np.log (not np.log10).",
        )
    if probability < 1 and _close(value, -math.log(1 - probability), rtol=1e-3, atol=1e-6):
        return _wrong(
            f"{value:.4g} is the loss of the probability of the *other* answer.",
            f"Use the probability given to the true class, {probability:g}.",
        )
    return _wrong(
        f"{value:.4g} is not the cross-entropy for p = {probability:g}.",
        "The loss of one example is -np.log(probability given to the true class).",
    )


# ----------------------------------------------- 03 · naive update ----


def check_num_params(num_params, sizes=(784, 512, 10)) -> Feedback:
    """How many parameters a dense network with layer ``sizes`` has (kernels + biases)."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output size, got {sizes}.")
    kernels = sum(d * m for d, m in zip(sizes[:-1], sizes[1:], strict=True))
    biases = sum(sizes[1:])
    expected = kernels + biases
    value = _as_number(num_params)
    if value is None:
        return _not_a_number("the number of parameters", num_params)
    if value == expected:
        return _right(f"{expected:,} parameters: {kernels:,} in kernels and {biases:,} in biases.")
    if value == kernels:
        return _wrong(
            f"{value:,.0f} counts the kernels only.",
            "Each layer also has a bias: one number per output unit.",
        )
    return _wrong(
        f"{value:,.0f} is not the number of parameters of a {'-'.join(map(str, sizes))} network.",
        "A layer from D inputs to M units has a (D, M) kernel and an (M,) bias; add all layers.",
    )


def check_naive_cost(num_forward_passes, num_params: int, method: str = "central") -> Feedback:
    """Forward passes for one naive update of ``num_params`` parameters.

    ``method="central"`` nudges each coefficient up and down: 2 passes per parameter.
    ``method="forward"`` nudges it up only and reuses l(w) for all: num_params + 1.
    """
    if method not in ("central", "forward"):
        raise ValueError(f"method must be 'central' or 'forward', got {method!r}.")
    central, forward = 2 * num_params, num_params + 1
    expected = central if method == "central" else forward
    value = _as_number(num_forward_passes)
    if value is None:
        return _not_a_number("the number of forward passes", num_forward_passes)
    if value == expected:
        return _right(
            f"{expected:,} forward passes for a single update of {num_params:,} parameters."
        )
    if method == "central" and value == forward:
        return _wrong(
            f"{value:,.0f} is the cost of the forward difference.",
            "The central difference evaluates l(w + ε) and l(w − ε) for every coefficient.",
        )
    if method == "forward" and value == central:
        return _wrong(
            f"{value:,.0f} is the cost of the central difference.",
            "The forward difference needs l(w + ε) per coefficient, plus l(w) once for all.",
        )
    if method == "forward" and value == num_params:
        return _wrong(
            f"{value:,.0f} forgets one pass.",
            "Before nudging anything you need l(w) itself, once.",
        )
    return _wrong(
        f"{value:,.0f} is not the number of passes.",
        "Count the forward passes needed for one coefficient, then multiply by the number "
        "of coefficients.",
    )


# ------------------------------------------------------- 04 · gradient ----


def check_slope(f, x: float, slope, h: float = 1e-5, rtol: float = 1e-3) -> Feedback:
    """The slope (derivative) of a 1-D function ``f`` at ``x``, against a central difference."""
    if not callable(f):
        raise TypeError(f"check_slope needs the function first, got {f!r}.")
    x = float(x)
    expected = (float(f(x + h)) - float(f(x - h))) / (2 * h)
    value = _as_number(slope)
    if value is None:
        return _not_a_number("the slope", slope)
    if _close(value, expected, rtol=rtol, atol=1e-6):
        return _right(f"the slope at x = {x:g} is {expected:.4g}.")
    if _close(value, -expected, rtol=rtol, atol=1e-6):
        return _wrong(
            f"{value:.4g} has the wrong sign.",
            "Slope = (f(x + ε) - f(x)) / ε: the later point first in the numerator.",
        )
    if _close(value, float(f(x)), rtol=rtol, atol=1e-6):
        return _wrong(
            f"{value:.4g} is the value f(x), not its slope.",
            "The slope says how fast f changes: (f(x + ε) - f(x)) / ε with a small ε.",
        )
    return _wrong(
        f"{value:.4g} is not the slope at x = {x:g}.",
        "Use a smaller ε: (f(x + ε) - f(x)) / ε approaches the slope as ε shrinks.",
    )


def check_descent_step(point, gradient, learning_rate: float, new_point) -> Feedback:
    """One step of gradient descent: ``new_point = point - learning_rate * gradient``."""
    point = np.asarray(point, dtype=np.float64)
    gradient = np.asarray(gradient, dtype=np.float64)
    if point.shape != gradient.shape:
        raise ValueError(
            f"point {point.shape} and gradient {gradient.shape} must have the same shape."
        )
    expected = point - learning_rate * gradient
    try:
        answer = np.asarray(new_point, dtype=np.float64)
    except (TypeError, ValueError):
        return _wrong(f"expected numbers, got {new_point!r}.", "Return an array like point.")
    if answer.shape != expected.shape:
        return _wrong(
            f"your new point has shape {answer.shape}, the point has {point.shape}.",
            "Every coordinate moves: the new point has as many numbers as the old one.",
        )
    if np.allclose(answer, expected, rtol=1e-6, atol=1e-9):
        return _right(f"a step against the gradient, to {np.round(expected, 4).tolist()}.")
    if np.allclose(answer, point + learning_rate * gradient, rtol=1e-6, atol=1e-9):
        return _wrong(
            "you stepped along the gradient, which goes uphill.",
            "Subtract: new_point = point - learning_rate * gradient.",
        )
    if np.allclose(answer, point - gradient, rtol=1e-6, atol=1e-9):
        return _wrong(
            "you took a full gradient step.",
            "Multiply the gradient by the learning rate before subtracting it.",
        )
    return _wrong(
        "that is not where one step of gradient descent lands.",
        "new_point = point - learning_rate * gradient, coordinate by coordinate.",
    )


# ---- Checkers for notebooks 05–09 ----
# (Written by the author of notebooks 05–09; add names with ``__all__ += [...]``.)

__all__ += [
    "GLOSSARY_QUIZ",
    "check_best_learning_rate",
    "check_chain_rule",
    "check_glossary_quiz",
    "check_momentum_step",
    "check_parabola_step",
    "check_steps_per_epoch",
]


def _as_array(answer) -> np.ndarray | None:
    """The answer as a float64 array, or None if it is not numbers."""
    if isinstance(answer, (str, bytes)):
        return None
    try:
        return np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------ 05 · SGD ----


def check_steps_per_epoch(steps, num_examples: int = 60000, batch_size: int = 128) -> Feedback:
    """Steps (iterations) in one epoch: ceil(num_examples / batch_size)."""
    expected = math.ceil(num_examples / batch_size)
    value = _as_number(steps)
    if value is None:
        return _not_a_number("the number of steps", steps)
    if value == expected:
        last = num_examples - (expected - 1) * batch_size
        return _right(
            f"{expected} steps: {expected - 1} full batches of {batch_size} and a last one "
            f"of {last}."
        )
    if value == num_examples // batch_size:
        return _wrong(
            f"{value:.0f} full batches leave {num_examples % batch_size} examples unseen.",
            "An epoch visits every example once; the leftovers make one more, smaller batch "
            "(round up: math.ceil).",
        )
    if _close(value, num_examples / batch_size, rtol=1e-9):
        return _wrong(
            f"{value:g} is not a whole number of steps.",
            "Each step takes one batch; round up to count the last, smaller batch.",
        )
    if value == num_examples * batch_size:
        return _wrong(
            f"{value:,.0f} multiplies where it should divide.",
            "How many batches of batch_size fit into num_examples?",
        )
    return _wrong(
        f"{value:g} is not the number of steps in one epoch.",
        "One step uses one batch; an epoch uses every example once.",
    )


# ------------------------------------------------- 06 · learning rate ----


def check_parabola_step(factor, learning_rate: float) -> Feedback:
    """What one gradient step on loss = x² multiplies x by: 1 − 2·learning_rate."""
    expected = 1 - 2 * learning_rate
    value = _as_number(factor)
    if value is None:
        return _not_a_number("the factor", factor)

    def near(target):
        return _close(value, target, rtol=1e-6, atol=1e-9)

    if near(expected):
        verdict = "shrinks" if abs(expected) < 1 else "does not shrink"
        return _right(
            f"x ← x − {learning_rate:g}·2x = {expected:g}·x, so |x| {verdict} at every step."
        )
    if near(1 - learning_rate):
        return _wrong(
            f"{value:g} forgets a factor 2.",
            "The gradient of x² is 2x, not x: x − learning_rate · 2x.",
        )
    if near(1 + 2 * learning_rate):
        return _wrong(
            f"{value:g} steps uphill.",
            "Gradient descent subtracts the gradient: x − learning_rate · 2x.",
        )
    if near(-2 * learning_rate) or near(2 * learning_rate):
        return _wrong(
            f"{value:g} is only the change, not the new x.",
            "The new x is the old x plus the change: x − learning_rate · 2x = (1 − …)·x.",
        )
    return _wrong(
        f"{value:g} is not what one step multiplies x by.",
        "Write one step as x_new = x − learning_rate · gradient with gradient = 2x, then "
        "factor out x.",
    )


def check_best_learning_rate(choice, learning_rates, losses) -> Feedback:
    """The learning rate of a sweep whose loss is lowest (diverged runs are inf or nan).

    learning_rates, losses: (K,) the sweep; choice: the student's pick among them.
    """
    rates = np.asarray(learning_rates, dtype=np.float64)
    losses = np.asarray(losses, dtype=np.float64)
    if rates.shape != losses.shape or rates.ndim != 1 or rates.size == 0:
        raise ValueError(
            f"learning_rates {rates.shape} and losses {losses.shape} must be two lists of "
            "the same length."
        )
    finite_losses = np.where(np.isfinite(losses), losses, np.inf)
    best = int(np.argmin(finite_losses))
    value = _as_number(choice)
    if value is None:
        return _not_a_number("the learning rate", choice)
    matches = np.flatnonzero(np.isclose(rates, value, rtol=1e-6, atol=0))
    if matches.size == 0:
        return _wrong(
            f"{value:g} is not one of the learning rates of the sweep.",
            "Pick one of the values in learning_rates.",
        )
    k = int(matches[0])
    if k == best:
        return _right(
            f"learning rate {rates[best]:.3g} has the lowest loss, {losses[best]:.3g}; "
            "the ones around it are worth a try too."
        )
    if not np.isfinite(losses[k]):
        return _wrong(
            f"learning rate {value:.3g} diverged: its loss is {losses[k]}.",
            "Look left of the red crosses: a smaller learning rate.",
        )
    direction = "larger" if rates[k] < rates[best] else "smaller"
    return _wrong(
        f"learning rate {value:.3g} ends at loss {losses[k]:.3g}; another one ends lower.",
        f"Look for the lowest point of the curve: try a {direction} learning rate.",
    )


# ----------------------------------------------------- 07 · momentum ----


def check_momentum_step(
    new_velocity, new_w, *, velocity, w, gradient, learning_rate: float, momentum: float
) -> Feedback:
    """One step of the lecture's momentum rule:
    ``velocity = momentum * velocity - learning_rate * gradient; w = w + velocity``.

    velocity, w, gradient: arrays of one shape (or numbers); new_velocity, new_w: the answer.
    """
    velocity, w, gradient = (np.asarray(a, dtype=np.float64) for a in (velocity, w, gradient))
    expected_v = momentum * velocity - learning_rate * gradient
    expected_w = w + expected_v
    answer_v, answer_w = _as_array(new_velocity), _as_array(new_w)
    if answer_v is None or answer_w is None:
        return _wrong(
            "expected numbers for the new velocity and the new w.",
            "Give arrays (or numbers) like velocity and w.",
        )
    if answer_v.shape != expected_v.shape or answer_w.shape != expected_w.shape:
        return _wrong(
            f"shapes differ: your velocity {answer_v.shape} and w {answer_w.shape}, "
            f"expected {expected_v.shape} for both.",
            "Every coefficient has its own velocity, of the same shape as w.",
        )

    def same(a, b):
        return np.allclose(a, b, rtol=1e-6, atol=1e-9)

    if same(answer_v, expected_v) and same(answer_w, expected_w):
        return _right("the velocity remembers the last step, and w moves by the new velocity.")
    if not same(answer_v, expected_v):
        if same(answer_v, -learning_rate * gradient):
            return _wrong(
                "your velocity forgets the previous velocity: that is plain gradient descent.",
                "Start from momentum * velocity, then subtract learning_rate * gradient.",
            )
        if same(answer_v, momentum * velocity + learning_rate * gradient):
            return _wrong(
                "your velocity points uphill.",
                "Subtract the gradient term: momentum * velocity - learning_rate * gradient.",
            )
        return _wrong(
            "the new velocity is not right yet.",
            "velocity = momentum * velocity - learning_rate * gradient.",
        )
    if same(answer_w, w + velocity):
        return _wrong(
            "the velocity is right, but w moved by the old velocity.",
            "Update the velocity first, then add the new one: w = w + velocity.",
        )
    if same(answer_w, w - expected_v):
        return _wrong(
            "the velocity is right, but w moved the wrong way.",
            "The minus sign is already inside the velocity: w = w + velocity.",
        )
    return _wrong(
        "the velocity is right, the new w is not.",
        "w = w + velocity, with the velocity you just computed.",
    )


# ---------------------------------------------- 08 · backpropagation ----


def check_chain_rule(dl_dw, w: float, x: float, b: float, y: float) -> Feedback:
    """dl/dw for l = (w·x + b − y)²: 2·(w·x + b − y)·x by the chain rule."""
    error = w * x + b - y
    expected = 2 * error * x
    value = _as_number(dl_dw)
    if value is None:
        return _not_a_number("dl/dw", dl_dw)

    def near(target):
        return _close(value, target, rtol=1e-6, atol=1e-9)

    if near(expected):
        return _right(
            f"dl/dw = dl/dz · dz/dw = 2·({error:g}) · {x:g} = {expected:g}, with z = w·x + b − y."
        )
    if near(2 * error) and not near(expected):
        return _wrong(
            f"{value:g} is dl/db (or dl/dz), not dl/dw.",
            "Chain rule: multiply by dz/dw, which is x.",
        )
    if near(error * x):
        return _wrong(
            f"{value:g} forgets the 2 from the square.",
            "The derivative of z² is 2z.",
        )
    if near(-expected):
        return _wrong(f"{value:g} has the wrong sign.", "z = w·x + b − y, and dz/dw = +x.")
    if near(error**2):
        return _wrong(f"{value:g} is the loss itself, not its slope.", "dl/dz = 2z, dz/dw = x.")
    return _wrong(
        f"{value:g} is not dl/dw.",
        "Write z = w·x + b − y, so l = z². Then dl/dw = (dl/dz) · (dz/dw).",
    )


# ------------------------------------------- 09 · training in a nutshell ----

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


def check_glossary_quiz(answers) -> Feedback:
    """The glossary quiz of notebook 09: ``answers`` maps question number → term."""
    if not isinstance(answers, dict):
        return _wrong(
            f"expected a dict of answers, got {type(answers).__name__}.",
            'Write {1: "loss function", 2: …}: question number → term.',
        )
    missing = [q for q in GLOSSARY_QUIZ if q not in answers]
    wrong = [
        q for q in GLOSSARY_QUIZ if q in answers and _term(answers[q]) != _term(GLOSSARY_QUIZ[q][1])
    ]
    if not missing and not wrong:
        return _right(f"all {len(GLOSSARY_QUIZ)} terms are right.")
    parts = []
    if wrong:
        parts.append(f"question(s) {', '.join(map(str, wrong))} not right yet")
    if missing:
        parts.append(f"question(s) {', '.join(map(str, missing))} unanswered")
    first = (wrong or missing)[0]
    hint = f"Question {first}: “{GLOSSARY_QUIZ[first][0]}” Find it in the glossary table."
    return _wrong("; ".join(parts) + ".", hint)
