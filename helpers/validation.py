"""Checks on what users pass in, each failing with one clear message.

Every public function of the package that takes a learning rate, a momentum, a batch size,
input features or labels, a model, a layer or an optimizer calls one of these, so the same
mistake always gets the same words: what was wrong, and how to fix it. Data is checked for
NaN and inf once, before training starts (``check_finite``), never inside a training step.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "check_batch_size",
    "check_features",
    "check_finite",
    "check_inputs",
    "check_labels",
    "check_layer",
    "check_learning_rate",
    "check_model",
    "check_momentum",
    "check_optimizer",
    "check_probability",
    "describe",
]

# An example of each optimizer the package has, for messages ("did you mean Adam(...)?").
_OPTIMIZER_EXAMPLES = {
    "sgd": "SGD(learning_rate=0.1)",
    "momentum": "SGD(learning_rate=0.1, momentum=0.9)",
    "rmsprop": "RMSprop(learning_rate=0.001)",
    "adagrad": "Adagrad(learning_rate=0.01)",
    "adam": "Adam(learning_rate=0.001)",
    "adamw": "AdamW(learning_rate=0.001)",
}


def _is_real_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_learning_rate(learning_rate) -> float:
    """Return ``learning_rate`` as a float; raise ValueError unless it is a finite number > 0."""
    if not _is_real_number(learning_rate):
        raise TypeError(
            f"learning_rate must be a number such as 0.1, got {learning_rate!r} "
            f"({type(learning_rate).__name__})."
        )
    learning_rate = float(learning_rate)
    if not math.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(
            f"learning_rate must be a finite number greater than 0, got {learning_rate}. "
            "Typical values are 0.001 to 1, e.g. learning_rate=0.1 for SGD, 0.001 for Adam."
        )
    return learning_rate


def check_momentum(momentum) -> float:
    """Return ``momentum`` as a float; raise ValueError unless 0 <= momentum < 1."""
    if not _is_real_number(momentum):
        raise TypeError(
            f"momentum must be a number in [0, 1) such as 0.9, got {momentum!r} "
            f"({type(momentum).__name__})."
        )
    momentum = float(momentum)
    if not (0.0 <= momentum < 1.0):
        raise ValueError(
            f"momentum must be in [0, 1), got {momentum}. 0 means no momentum; "
            "0.9 is a common choice; 1 or more makes the velocity grow without end."
        )
    return momentum


def check_probability(name: str, value, *, allow_zero: bool = True) -> float:
    """Return ``value`` as a float in [0, 1) (or (0, 1)); used for decay rates such as beta1."""
    if not _is_real_number(value):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}.")
    value = float(value)
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value < 1):
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value}.")
    return value


def check_batch_size(batch_size) -> int:
    """Return ``batch_size`` as an int; raise ValueError unless it is a whole number >= 1."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(
            f"batch_size must be a whole number such as 128, got {batch_size!r} "
            f"({type(batch_size).__name__})."
        )
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError(
            f"batch_size must be at least 1, got {batch_size}. "
            "Typical values are 32 to 256, e.g. batch_size=128."
        )
    return batch_size


def check_features(x, in_features: int, dtype, where: str) -> np.ndarray:
    """Return ``x`` as a 2-D floating array of shape (N, in_features) and the given dtype.

    ``where`` names the caller in messages, e.g. ``"Dense(784 → 512)"``. A float array of
    another precision is converted; anything else that is wrong raises one clear error.
    """
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{where} needs numbers, got an array of dtype {x.dtype}.")
    if x.ndim != 2 or x.shape[1] != in_features:
        hint = ""
        if x.ndim > 2 and int(np.prod(x.shape[1:])) == in_features:
            hint = f"; flatten images to (N, {in_features}) first, e.g. x.reshape(len(x), -1)"
        elif x.ndim == 1 and x.shape[0] == in_features:
            hint = "; for a single example use x.reshape(1, -1)"
        else:
            hint = f"; the layer expects (N, {in_features}): N examples of {in_features} numbers"
        raise ValueError(f"{where} got input of shape {x.shape}{hint}.")
    if x.dtype.kind != "f":
        raise TypeError(
            f"{where} got {x.dtype} input; convert to floats first, e.g. "
            "helpers.data.prepare(images) for MNIST images (float32 in [0, 1]). "
            "(fit, evaluate and Model.predict also take the raw uint8 images and prepare "
            "each batch themselves.)"
        )
    if x.dtype != dtype:
        x = x.astype(dtype)
    return x


def check_inputs(x, in_features: int, dtype, where: str) -> np.ndarray:
    """``check_features`` for code that feeds a model batch by batch (``fit``, ``Trainer``,
    ``evaluate``, ``Model.predict``), which also takes raw uint8 pixels.

    Raw images, uint8 (N, H, W) with H * W = in_features or (N, in_features), come back
    as a uint8 (N, in_features) view: the caller prepares each batch as it uses it
    (``data.batch_inputs``), so no float copy of the whole set is made. Anything else is
    checked, and returned, as ``check_features`` does.
    """
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype == np.uint8 and x.ndim >= 2 and math.prod(x.shape[1:]) == in_features:
        return x.reshape(len(x), in_features)
    return check_features(x, in_features, dtype, where)


def check_labels(labels, num_classes: int, n: int | None = None, where: str = "labels"):
    """Return ``labels`` as an integer array of shape (N,) with values in [0, num_classes)."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind == "f" and labels.ndim == 2:
            raise TypeError(
                f"{where} must be class indices of shape (N,), got floats of shape "
                f"{labels.shape} (one-hot?); use labels.argmax(axis=1)."
            )
        raise TypeError(
            f"{where} must be whole-number class indices (0 … {num_classes - 1}), "
            f"got dtype {labels.dtype}."
        )
    if labels.ndim != 1:
        raise ValueError(f"{where} must have shape (N,), got {labels.shape}.")
    if n is not None and labels.shape[0] != n:
        raise ValueError(
            f"{where} has {labels.shape[0]} entries but there are {n} examples; "
            "pass one label per example."
        )
    if labels.size:
        high = labels.max()
        low = labels.min() if labels.dtype.kind == "i" else 0  # unsigned: never below 0
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise ValueError(
                f"{where} must be in 0 … {num_classes - 1} for {num_classes} classes, found {bad}."
            )
    return labels


def describe(value) -> str:
    """A short description of what was passed, for messages: ``'sgd' (a str)``."""
    if isinstance(value, type):
        return f"the class {value.__name__} itself"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    name = type(value).__name__
    return f"{text} ({'an' if name[0] in 'aeiou' else 'a'} {name})"


def check_finite(x: np.ndarray, where: str) -> None:
    """Raise ValueError if the float array ``x`` holds NaN or ±inf.

    x: (N, ...) float. The message names the array (``where``), says how many values and
    examples are bad and how to fix the data. Costs one sum over ``x`` (NaN and inf make
    the sum non-finite); the exact count is taken only when something is wrong.
    """
    if x.dtype.kind != "f" or x.size == 0:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.add.reduce(x, axis=None))
    if math.isfinite(total):
        return
    nan = int(np.count_nonzero(np.isnan(x)))
    inf = int(np.count_nonzero(np.isinf(x)))
    if nan == inf == 0:
        return  # only the sum overflowed; every value is finite
    counts = " and ".join(
        f"{count:,} {name}" for count, name in ((nan, "NaN"), (inf, "infinite")) if count
    )
    bad_rows = np.flatnonzero(~np.isfinite(x.reshape(len(x), -1)).all(axis=1))  # (K,)
    keep = {1: "np.isfinite(y)", 2: "np.isfinite(x).all(axis=1)"}.get(
        x.ndim, "np.isfinite(x).reshape(len(x), -1).all(axis=1)"
    )
    raise ValueError(
        f"{where} contains {counts} value{'s' if nan + inf > 1 else ''} in {len(bad_rows):,} "
        f"of its {len(x):,} examples (the first is example {bad_rows[0]}). This is a problem "
        "with the data, not with the learning rate: a network cannot learn from NaN or inf. "
        "Find where they come from (a division by zero when scaling? a missing value?), or "
        f"leave those examples out, e.g. keep = {keep}; x, y = x[keep], y[keep]."
    )


_LAYER_NEEDS = ("forward", "backward", "params", "grads", "in_features", "out_features")
_MODEL_NEEDS = ("forward", "backward", "parameters", "gradients", "in_features", "out_features")


def check_layer(layer, position: int):
    """Return ``layer`` if it looks like a layer (``Dense``'s interface); else a TypeError.

    ``position`` counts from 0, as ``model.layers[position]``.
    """
    looks_right = all(hasattr(layer, name) for name in _LAYER_NEEDS)
    if looks_right and not isinstance(layer, type) and callable(layer.forward):
        return layer
    hint = ""
    if isinstance(layer, str) and layer.lower() in ("relu", "softmax"):
        hint = (
            "; an activation belongs to a Dense layer, e.g. Dense(784, 128, activation='relu')"
            if layer.lower() == "relu"
            else "; softmax is part of the loss (softmax_cross_entropy), not a layer"
        )
    elif isinstance(layer, type):
        hint = f"; create one, e.g. {layer.__name__}(784, 128, 'relu')"
    elif all(hasattr(layer, name) for name in _MODEL_NEEDS):
        hint = "; to join two models, list their layers: Sequential(*first.layers, *second.layers)"
    raise TypeError(
        f"Sequential expects layers such as Dense(784, 128, 'relu'), but layer {position} is "
        f"{describe(layer)}{hint}."
    )


def check_model(model):
    """Return ``model`` if it looks like a model (``Sequential``'s interface); else a TypeError."""
    looks_right = all(hasattr(model, name) for name in _MODEL_NEEDS)
    if looks_right and not isinstance(model, type) and callable(model.forward):
        return model
    if isinstance(model, (list, tuple)):
        hint = "; put the layers in a model first: Sequential(*layers)"
    elif isinstance(model, type):
        hint = "; create one, e.g. mlp([784, 128, 10], seed=0)"
    elif all(hasattr(model, name) for name in _LAYER_NEEDS):
        hint = "; that is a single layer: wrap it in a model, Sequential(layer)"
    else:
        hint = ""
    raise TypeError(
        "model must be a network such as mlp([784, 128, 10], seed=0) or "
        f"Sequential(Dense(784, 10)), got {describe(model)}{hint}."
    )


def check_optimizer(optimizer, examples: dict[str, str] | None = None):
    """Return ``optimizer`` if it has a ``step(params, grads)`` method; else a TypeError.

    ``examples``: {lower-case name: an example}, e.g. {"adam": "Adam(learning_rate=0.1)"},
    for the hints; by default settings that suit MNIST (it needs "sgd" and may name more).
    """
    if callable(getattr(optimizer, "step", None)) and not isinstance(optimizer, type):
        return optimizer
    examples = _OPTIMIZER_EXAMPLES if examples is None else examples

    def where(example: str) -> str:
        return "" if example.startswith("helpers.") else " from helpers.optim"

    hint = f"; create one, e.g. {examples['sgd']}{where(examples['sgd'])}"
    if isinstance(optimizer, type):
        example = examples.get(optimizer.__name__.lower(), examples["sgd"])
        hint = f"; create one from it: {example}"
    elif isinstance(optimizer, str) and optimizer.strip().lower() in examples:
        example = examples[optimizer.strip().lower()]
        hint = f"; did you mean {example}{where(example).replace(' ', ', ', 1)}?"
    elif _is_real_number(optimizer):
        hint = f"; that looks like a learning rate: pass SGD(learning_rate={optimizer!r})"
    end = "" if hint.endswith("?") else "."
    raise TypeError(
        f"optimizer must be an optimizer such as SGD(learning_rate=0.1), got "
        f"{describe(optimizer)}{hint}{end}"
    )
