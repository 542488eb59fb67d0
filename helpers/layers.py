"""Layers: the dense layer of the lecture, ``relu(dot(input, kernel) + bias)``, and a model.

Shapes use these letters:
    N  examples in a batch
    D  inputs of a layer (``in_features``; 784 for a flattened MNIST image)
    M  outputs of a layer (``out_features``, its units)
    C  classes (10 for MNIST)

Every layer has the same interface:
    ``forward(x)``        computes the output and remembers what ``backward`` needs;
    ``backward(dout)``    takes dloss/doutput, fills ``grads`` under the same names as
                          the parameters (``"kernel"``, ``"bias"``) and returns dloss/dinput.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from .data import batch_inputs
from .exercises import rebuilt
from .validation import check_features, check_inputs, check_labels, check_layer, describe

__all__ = ["Dense", "Sequential", "initialize", "mlp", "relu", "softmax", "INITS", "MAX_PARAMETERS"]

INITS = ("random", "glorot", "he")

# A layer with more parameters than this is refused before anything is allocated: in a
# class, 30–100 kernels share one machine. Raise it (helpers.layers.MAX_PARAMETERS = …)
# if you really mean to build such a layer.
MAX_PARAMETERS = 100_000_000

_CHUNK = 1 << 18  # random numbers drawn at a time (float64) while filling a kernel


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0), elementwise. x: any shape."""
    return np.maximum(x, 0)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities from scores, row by row. logits: (N, C) → (N, C), each row sums to 1.

    Subtracting the row maximum first keeps ``exp`` from overflowing for large logits.
    """
    logits = np.asarray(logits)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def initialize(init: str, shape: tuple[int, int], rng: np.random.Generator, dtype=np.float32):
    """A random kernel of ``shape`` (D, M), of ``dtype``.

    ``"random"``: uniform in [-0.05, 0.05], the plain random start of the lecture.
    ``"glorot"``: uniform in ±sqrt(6 / (D + M)) (Glorot & Bengio 2010; Keras' default).
    ``"he"``:     normal with standard deviation sqrt(2 / D) (He et al. 2015; suits relu).

    The kernel is allocated once, in its final dtype, and filled a slice at a time, so a
    float32 kernel never needs a float64 copy of itself; the numbers are the same as
    drawing the whole kernel in float64 and converting it.
    """
    fan_in, fan_out = shape
    if init == "random":
        low, high = -0.05, 0.05
    elif init == "glorot":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        low, high = -limit, limit
    elif init == "he":
        std = np.sqrt(2.0 / fan_in)
    else:
        raise ValueError(f"init must be one of {', '.join(map(repr, INITS))}, got {init!r}.")
    w = np.empty(shape, dtype=dtype)  # (D, M)
    flat = w.reshape(-1)  # a view: filling it fills w
    for start in range(0, flat.size, _CHUNK):
        size = min(_CHUNK, flat.size - start)
        if init == "he":
            flat[start : start + size] = rng.normal(0.0, std, size=size)
        else:
            flat[start : start + size] = rng.uniform(low, high, size=size)
    return w


class Dense:
    """A dense (fully connected) layer: ``activation(x @ kernel + bias)``.

    kernel: (D, M)  one column of weights per output unit
    bias:   (M,)    one number per output unit, starts at 0
    grads:  {"kernel": (D, M), "bias": (M,)}, filled by ``backward``

    ``activation`` is None (the identity) or ``"relu"``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        activation: str | None = None,
        *,
        init: str = "glorot",
        seed=None,
        dtype=np.float32,
    ):
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}.")
        if activation not in (None, "relu"):
            raise ValueError(f"activation must be None or 'relu', got {activation!r}.")
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"dtype must be a float type such as np.float32, got {self.dtype}.")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.activation = activation
        self._check_size()
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.kernel = initialize(init, (self.in_features, self.out_features), rng, self.dtype)
        self.bias = np.zeros(self.out_features, dtype=self.dtype)
        self.grads = {"kernel": np.zeros_like(self.kernel), "bias": np.zeros_like(self.bias)}
        self._x = None  # input of the last forward pass, (N, D)
        self._out = None  # output of the last forward pass, (N, M)
        self._mask = None  # buffer for relu's derivative, (N, M) bool
        self._dz = None  # buffer for dloss/d(pre-activation), (N, M)

    def _check_size(self) -> None:
        """Refuse, before allocating anything, a layer over MAX_PARAMETERS parameters."""
        count = (self.in_features + 1) * self.out_features
        if count <= MAX_PARAMETERS:
            return
        gib = count * self.dtype.itemsize / 2**30
        raise ValueError(
            f"{self!r} would have {count:,} parameters: {gib:,.1f} GiB of {self.dtype.name}, "
            "as much again for their gradients and more for the optimizer's state, more than "
            "a notebook kernel can afford (the limit is helpers.layers.MAX_PARAMETERS = "
            f"{MAX_PARAMETERS:,}). Use fewer units: a few hundred are plenty for MNIST, e.g. "
            f"Dense({self.in_features}, 512). If you really mean it, raise MAX_PARAMETERS first."
        )

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The parameters by name: {"kernel": (D, M), "bias": (M,)}."""
        return {"kernel": self.kernel, "bias": self.bias}

    def __repr__(self) -> str:
        act = ", relu" if self.activation == "relu" else ""
        dtype = "" if self.dtype == np.float32 else f", {self.dtype.name}"
        return f"Dense({self.in_features} → {self.out_features}{act}{dtype})"

    @rebuilt("Dense.forward")  # notebook 01 asks students to write it (dense_forward)
    def forward(self, x: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
        """x: (N, D) float → (N, M). ``out``, if given, is an (N, M) array to write into."""
        x = check_features(x, self.in_features, self.dtype, repr(self))
        shape = (x.shape[0], self.out_features)
        if out is None or out.shape != shape:
            out = np.empty(shape, dtype=self.dtype)
        np.matmul(x, self.kernel, out=out)  # (N, M)
        out += self.bias
        if self.activation == "relu":
            np.maximum(out, 0, out=out)
        self._x, self._out = x, out
        return out

    __call__ = forward

    @rebuilt("Dense.backward")  # notebook 09 asks students to write it
    def backward(self, dout: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """dout: (N, M) dloss/doutput → dx: (N, D) dloss/dinput.

        Fills ``grads["kernel"]`` (D, M) and ``grads["bias"]`` (M,). With
        ``input_grad=False`` it skips dx and returns None: the first layer of a model sees
        data, whose gradient nobody needs, and that saves one matrix product.
        """
        if self._x is None:
            raise RuntimeError(f"{self!r}: call forward(x) before backward(dout).")
        if dout.shape != self._out.shape:
            raise ValueError(
                f"{self!r}: dout must have the shape of the last output {self._out.shape}, "
                f"got {dout.shape}."
            )
        dz = dout
        if self.activation == "relu":
            if self._dz is None or self._dz.shape != dout.shape:
                self._dz = np.empty(dout.shape, dtype=self.dtype)
                self._mask = np.empty(dout.shape, dtype=bool)
            np.greater(self._out, 0, out=self._mask)  # relu'(z) is 1 where z > 0
            dz = np.multiply(dout, self._mask, out=self._dz)  # (N, M)
        np.matmul(self._x.T, dz, out=self.grads["kernel"])  # (D, M)
        np.sum(dz, axis=0, out=self.grads["bias"])  # (M,)
        if not input_grad:
            return None
        return dz @ self.kernel.T  # (N, D)


class Sequential:
    """Layers applied one after another: ``model.forward(x)`` is
    ``layers[-1].forward(… layers[0].forward(x))``.

    ``parameters()`` and ``gradients()`` list the arrays in the same order, which is
    what an optimizer's ``step(params, grads)`` takes.
    """

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        if not layers:
            raise ValueError("Sequential needs at least one layer.")
        for i, layer in enumerate(layers):
            check_layer(layer, i)
        for a, b in pairwise(layers):
            if a.out_features != b.in_features:
                raise ValueError(
                    f"{a!r} gives {a.out_features} outputs but the next layer {b!r} "
                    f"expects {b.in_features} inputs."
                )
        self.layers = list(layers)
        self._buffers: list[np.ndarray | None] = [None] * len(self.layers)

    def __repr__(self) -> str:
        return "Sequential(" + ", ".join(repr(layer) for layer in self.layers) + ")"

    @property
    def in_features(self) -> int:
        return self.layers[0].in_features

    @property
    def out_features(self) -> int:
        return self.layers[-1].out_features

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, D) float → logits (N, C), a new array.

        The hidden outputs are kept (backward needs them) in buffers reused from one
        batch to the next, so a training step allocates no large arrays.
        """
        *hidden, last = self.layers
        for i, layer in enumerate(hidden):
            x = self._buffers[i] = layer.forward(x, out=self._buffers[i])
        return last.forward(x)

    __call__ = forward

    def backward(self, dout: np.ndarray, *, input_grad: bool = False) -> np.ndarray | None:
        """dout: (N, C) dloss/dlogits. Fills every layer's ``grads``.

        Returns dloss/dx (N, D) when ``input_grad=True``, else None (the input is data).
        """
        for i in range(len(self.layers) - 1, -1, -1):
            dout = self.layers[i].backward(dout, input_grad=input_grad or i > 0)
        return dout

    def parameters(self) -> list[np.ndarray]:
        """Every parameter array, layer by layer: [kernel0, bias0, kernel1, bias1, …]."""
        return [p for layer in self.layers for p in layer.params.values()]

    def gradients(self) -> list[np.ndarray]:
        """The gradient arrays, in the order of ``parameters()``."""
        return [layer.grads[name] for layer in self.layers for name in layer.params]

    def named_parameters(self) -> list[tuple[str, np.ndarray]]:
        """[("0.kernel", array), ("0.bias", array), …]."""
        return [
            (f"{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in layer.params.items()
        ]

    def count_params(self) -> int:
        """How many numbers training can change."""
        return sum(p.size for p in self.parameters())

    def predict(self, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """x: (N, D) float, or raw uint8 images (N, 28, 28) or (N, D), prepared a batch at
        a time → predicted classes (N,) int64, computed batch by batch."""
        dtype = self.layers[0].dtype
        x = check_inputs(x, self.in_features, dtype, repr(self))
        preds = np.empty(len(x), dtype=np.int64)
        for start in range(0, len(x), batch_size):
            logits = self.forward(batch_inputs(x[start : start + batch_size], dtype))
            preds[start : start + batch_size] = logits.argmax(axis=1)
        return preds

    def accuracy(self, x: np.ndarray, labels: np.ndarray) -> float:
        """Share of examples whose predicted class equals the label, in [0, 1]."""
        labels = check_labels(labels, self.out_features, n=len(x))
        if len(labels) == 0:
            raise ValueError(
                "accuracy needs at least one example, got 0 (x has shape "
                f"{np.shape(x)}); an empty slice such as x[0:0]?"
            )
        return float(np.mean(self.predict(x) == labels))


def mlp(sizes, activation: str = "relu", *, init: str = "glorot", seed=None, dtype=np.float32):
    """A multilayer perceptron: ``mlp([784, 512, 10])`` is Dense(784 → 512, relu) then
    Dense(512 → 10). Hidden layers use ``activation``; the last gives raw scores (logits).
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(
            "mlp takes the layer sizes as a list of whole numbers, e.g. mlp([784, 128, 10]), "
            f"got {describe(sizes)}."
        )
    sizes = list(sizes)
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(
                f"mlp: every layer size must be a whole number >= 1, got {size!r} in {sizes}; "
                "e.g. mlp([784, 128, 10])."
            )
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output size, got {sizes}.")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    layers = [
        Dense(
            d,
            m,
            activation if i < len(sizes) - 2 else None,
            init=init,
            seed=rng,
            dtype=dtype,
        )
        for i, (d, m) in enumerate(pairwise(sizes))
    ]
    return Sequential(layers)
