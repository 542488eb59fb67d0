"""Random initialization: why a network's weights start random, and how big they start.

Two facts, each measured by a function here:

* **Why random.** Hidden units that start equal stay equal: they compute the same output,
  receive the same gradient and take the same step, forever. :func:`unit_spread` measures
  how different a layer's units are (0: all the same).
* **How big.** Each dense layer multiplies the size of its input by about
  ``sqrt(D) · std(kernel)`` (and relu halves the mean square), so through many layers a
  slightly too small start makes the activations (and the gradients) shrink towards 0,
  a slightly too large one makes them grow without bound. :func:`signal_through_layers`
  sends a batch through a deep stack at a given scale and records both, layer by layer.

The package's own layers start with Glorot's uniform kernel (``Dense(init="glorot")``,
limit sqrt(6 / (D + M))); ``init="he"`` draws normal numbers with standard deviation
sqrt(2 / D), the scale that keeps relu layers' activations the same size.

Shapes: N examples, D inputs of a layer, M outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers import Dense
from .losses import softmax_cross_entropy

__all__ = ["Signal", "he_std", "signal_through_layers", "unit_spread"]


def he_std(fan_in: int) -> float:
    """sqrt(2 / D): the standard deviation that keeps a relu layer's activations in size."""
    if not isinstance(fan_in, (int, np.integer)) or isinstance(fan_in, bool) or fan_in < 1:
        raise ValueError(
            f"fan_in is the number of inputs of a layer, a whole number ≥ 1; got {fan_in!r}."
        )
    return float(np.sqrt(2.0 / fan_in))


@dataclass(frozen=True)
class Signal:
    """What happened to a batch in a deep relu stack started at ``scale`` × He's size.

    activation_std: (depth,) the standard deviation of each hidden layer's output
    gradient_std:   (depth,) the standard deviation of each hidden layer's kernel gradient
    """

    scale: float
    activation_std: np.ndarray
    gradient_std: np.ndarray

    @property
    def depth(self) -> int:
        return len(self.activation_std)

    def growth(self) -> float:
        """How much the activations' size changed per layer, on average (1: kept)."""
        first, last = self.activation_std[0], self.activation_std[-1]
        if not (np.isfinite(first) and np.isfinite(last)) or first <= 0 or last <= 0:
            return 0.0 if last == 0 else float("inf")
        return float((last / first) ** (1 / max(1, self.depth - 1)))

    def __str__(self) -> str:
        a, g = self.activation_std, self.gradient_std
        return (
            f"scale {self.scale:g} × He through {self.depth} layers: activations' std "
            f"{a[0]:.3g} in layer 1, {a[-1]:.3g} in layer {self.depth}; kernel gradients' std "
            f"{g[0]:.3g} in layer 1, {g[-1]:.3g} in layer {self.depth}"
        )


def signal_through_layers(
    scale: float = 1.0,
    *,
    depth: int = 10,
    width: int = 256,
    batch: int = 256,
    seed: int = 0,
) -> Signal:
    """Send a random batch through ``depth`` relu layers of ``width`` units and back.

    Every kernel starts normal with standard deviation ``scale`` × sqrt(2 / D) (He's,
    times ``scale``), every bias at 0. The inputs are standard normal, (batch, width);
    the labels random. One forward pass records each hidden layer's output; one backward
    pass (softmax cross-entropy on a last dense layer of 10) each kernel's gradient.
    Everything is float64, so the numbers can grow or shrink by 10¹⁰⁰ and still be seen.
    Costs 2 × depth matrix products of (batch, width) @ (width, width).
    """
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale multiplies He's standard deviation: a number > 0, got {scale!r}.")
    for name, value in (("depth", depth), ("width", width), ("batch", batch)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}.")
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(depth):
        layer = Dense(width, width, activation="relu", seed=rng, dtype=np.float64)
        layer.kernel[...] = rng.normal(0.0, scale * he_std(width), size=layer.kernel.shape)
        layers.append(layer)
    last = Dense(width, 10, seed=rng, dtype=np.float64)
    x = rng.normal(size=(batch, width))  # (N, width)
    labels = rng.integers(0, 10, size=batch)  # (N,)
    activation_std = []
    h = x
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in layers:
            h = layer.forward(h)  # (N, width), after relu
            activation_std.append(float(np.std(h)))
        _, dout = softmax_cross_entropy(last.forward(h), labels)
        dout = last.backward(dout)
        gradient_std = []
        for layer in reversed(layers):
            dout = layer.backward(dout)
            gradient_std.append(float(np.std(layer.grads["kernel"])))
    return Signal(float(scale), np.array(activation_std), np.array(gradient_std[::-1]))


def unit_spread(layer) -> float:
    """How different a dense layer's units are: the largest spread, over the inputs, of the
    kernel's columns (max − min of each row of the (D, M) kernel), plus that of the bias.
    0 means every unit has exactly the same weights."""
    kernel = np.asarray(layer.kernel, dtype=np.float64)  # (D, M)
    bias = np.asarray(layer.bias, dtype=np.float64)  # (M,)
    return float(max(np.ptp(kernel, axis=1).max(), np.ptp(bias)))
