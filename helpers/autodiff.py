"""Automatic differentiation with a tape: what TensorFlow's ``GradientTape`` and PyTorch's
``backward`` do, small enough to read in one sitting.

While the forward pass runs, every operation is *recorded* on a tape: which operation,
its inputs, its output, and how to send a gradient back through it (its local
derivative). ``tape.backward(loss)`` then *replays* the records from last to first and
applies the chain rule: each record receives dloss/d(its output) and adds
dloss/d(each input) to that input's ``grad``. A value used twice collects both parts.

    tape = Tape()
    x = tape.constant(x_batch, "x")                # (N, D), data: no gradient needed
    W1, b1 = tape.variable(kernel1, "W1"), tape.variable(bias1, "b1")
    W2, b2 = tape.variable(kernel2, "W2"), tape.variable(bias2, "b2")
    h = relu(x @ W1 + b1)                          # (N, H)
    loss = softmax_cross_entropy(h @ W2 + b2, y)   # () the mean over the batch, recorded
                                                   #    as exp, sum, log, … (below)
    tape.backward(loss)                            # fills W1.grad, b1.grad, …
    draw_graph(tape)                               # the recorded graph, with matplotlib

Only what a two-layer network needs: ``@`` (matmul), ``+`` and ``-`` (add, e.g. a bias
broadcast over the batch), ``*`` and ``/`` (elementwise, with broadcasting), ``relu``,
``exp``, ``log`` and ``sum`` (of everything, or along one axis). Softmax cross-entropy is
not one of them: :func:`softmax_cross_entropy` records it from ``exp``, ``sum``, ``log``,
``*`` and ``-``, so the replay *derives* its gradient (p − one_hot) / N from the local
gradients of those operations. Everything is float64 numpy.

Shapes use these letters:
    N  examples in a batch
    D  inputs of a layer
    H  hidden units (outputs of the first layer)
    C  classes
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .validation import check_labels

__all__ = [
    "Record",
    "Tape",
    "Tensor",
    "draw_graph",
    "exp",
    "log",
    "relu",
    "softmax_cross_entropy",
    "sum",
]


class Tensor:
    """A float64 array on a tape, with the gradient ``backward`` gives it.

    value: the array (any shape; () for a loss)
    grad:  dloss/dvalue, the shape of ``value``; None until ``tape.backward`` reaches it
    name:  shown in the graph (``named`` sets it); ``""`` for an unnamed intermediate
    needs_grad: False for data (``tape.constant``) and for what is computed from data only
    """

    __array_ufunc__ = None  # so ``array @ tensor`` calls Tensor.__rmatmul__, not numpy

    def __init__(self, tape: Tape, value, name: str = "", needs_grad: bool = True):
        self.tape = tape
        self.value = np.asarray(value, dtype=np.float64)
        self.grad: np.ndarray | None = None
        self.name = name
        self.needs_grad = needs_grad

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    def named(self, name: str) -> Tensor:
        """Give this tensor a name for the graph; returns the tensor itself."""
        self.name = name
        return self

    def __repr__(self) -> str:
        label = f"{self.name} " if self.name else ""
        return f"Tensor({label}{self.shape})"

    def __matmul__(self, other) -> Tensor:
        return self.tape.matmul(self, other)

    def __rmatmul__(self, other) -> Tensor:
        return self.tape.matmul(other, self)

    def __add__(self, other) -> Tensor:
        return self.tape.add(self, other)

    def __radd__(self, other) -> Tensor:
        return self.tape.add(other, self)

    def __mul__(self, other) -> Tensor:
        return self.tape.mul(self, other)

    def __rmul__(self, other) -> Tensor:
        return self.tape.mul(other, self)

    def __neg__(self) -> Tensor:
        return self.tape.mul(self, -1.0)

    def __sub__(self, other) -> Tensor:
        return self.tape.sub(self, other)

    def __rsub__(self, other) -> Tensor:
        return self.tape.sub(other, self)

    def __truediv__(self, other) -> Tensor:
        return self.tape.div(self, other)

    def __rtruediv__(self, other) -> Tensor:
        return self.tape.div(other, self)


@dataclass
class Record:
    """One operation as it ran: its name, inputs, output, and its backward step.

    ``backward(dout)`` takes dloss/doutput (the output's shape) and returns one gradient
    per input, each the shape of that input: the operation's local chain rule.
    """

    op: str
    inputs: tuple[Tensor, ...]
    output: Tensor
    backward: Callable[[np.ndarray], tuple[np.ndarray, ...]]

    def __str__(self) -> str:
        inputs = ", ".join(_label(t) for t in self.inputs)
        return f"{self.op}({inputs}) → {_label(self.output)}"


def _label(tensor: Tensor) -> str:
    return f"{tensor.name} {tensor.shape}" if tensor.name else str(tensor.shape)


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes numpy broadcast, so it gets ``shape`` back.

    A bias (M,) added to every row of an (N, M) array gets the sum over the N rows:
    each row's output moved with it.
    """
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tape:
    """Records operations as they run; ``backward`` replays them from last to first.

    records: the list of :class:`Record`, in the order the forward pass ran them
    tensors:  every tensor made on this tape, leaves first as they were created
    """

    def __init__(self):
        self.records: list[Record] = []
        self.tensors: list[Tensor] = []

    def __repr__(self) -> str:
        lines = [f"{i}. {record}" for i, record in enumerate(self.records, start=1)]
        return "Tape(\n  " + "\n  ".join(lines) + "\n)" if lines else "Tape()"

    # ------------------------------------------------------------ leaves ----

    def variable(self, value, name: str = "") -> Tensor:
        """A parameter: a float64 copy of ``value`` whose gradient ``backward`` fills."""
        return self._tensor(np.array(value, dtype=np.float64), name, needs_grad=True)

    def constant(self, value, name: str = "") -> Tensor:
        """Data (e.g. the input batch): on the tape, but no gradient is kept for it."""
        return self._tensor(np.array(value, dtype=np.float64), name, needs_grad=False)

    def _tensor(self, value, name, needs_grad) -> Tensor:
        tensor = Tensor(self, value, name, needs_grad)
        self.tensors.append(tensor)
        return tensor

    def _lift(self, value) -> Tensor:
        if isinstance(value, Tensor):
            if value.tape is not self:
                raise ValueError(f"{value!r} belongs to another tape; use one tape per pass.")
            return value
        return self.constant(value)

    def _record(self, op: str, inputs: Sequence[Tensor], value, backward) -> Tensor:
        needs_grad = any(t.needs_grad for t in inputs)
        output = self._tensor(value, "", needs_grad)
        self.records.append(Record(op, tuple(inputs), output, backward))
        return output

    # -------------------------------------------------------- operations ----

    def matmul(self, a, b) -> Tensor:
        """a @ b. a: (N, D), b: (D, M) → (N, M).  da = dout @ bᵀ, db = aᵀ @ dout."""
        a, b = self._lift(a), self._lift(b)
        if a.value.ndim != 2 or b.value.ndim != 2 or a.shape[1] != b.shape[0]:
            raise ValueError(f"matmul needs (N, D) @ (D, M), got {a.shape} @ {b.shape}.")
        av, bv = a.value, b.value
        return self._record("matmul", (a, b), av @ bv, lambda g: (g @ bv.T, av.T @ g))

    def add(self, a, b) -> Tensor:
        """a + b, with numpy broadcasting: (N, M) + (M,) adds a bias to every row → (N, M).

        Each input gets dout summed over the axes it was broadcast along (a bias: over N).
        """
        a, b = self._lift(a), self._lift(b)
        out = a.value + b.value

        def backward(g):
            return _unbroadcast(g, a.shape), _unbroadcast(g, b.shape)

        return self._record("add", (a, b), out, backward)

    def sub(self, a, b) -> Tensor:
        """a − b, with broadcasting.  da = dout, db = −dout (each summed where broadcast)."""
        a, b = self._lift(a), self._lift(b)

        def backward(g):
            return _unbroadcast(g, a.shape), _unbroadcast(-g, b.shape)

        return self._record("sub", (a, b), a.value - b.value, backward)

    def mul(self, a, b) -> Tensor:
        """a * b elementwise, with broadcasting.  da = dout * b, db = dout * a."""
        a, b = self._lift(a), self._lift(b)
        av, bv = a.value, b.value

        def backward(g):
            return _unbroadcast(g * bv, a.shape), _unbroadcast(g * av, b.shape)

        return self._record("mul", (a, b), av * bv, backward)

    def relu(self, a) -> Tensor:
        """max(a, 0) elementwise, any shape.  da = dout where a > 0, else 0."""
        a = self._lift(a)
        mask = a.value > 0
        out = np.where(mask, a.value, 0.0)
        return self._record("relu", (a,), out, lambda g: (g * mask,))

    def div(self, a, b) -> Tensor:
        """a / b elementwise, with broadcasting.  da = dout / b, db = −dout · a / b²."""
        a, b = self._lift(a), self._lift(b)
        av, bv = a.value, b.value

        def backward(g):
            return _unbroadcast(g / bv, a.shape), _unbroadcast(-g * av / bv**2, b.shape)

        return self._record("div", (a, b), av / bv, backward)

    def exp(self, a) -> Tensor:
        """e**a elementwise, any shape.  da = dout · e**a (exp is its own derivative)."""
        a = self._lift(a)
        out = np.exp(a.value)
        return self._record("exp", (a,), out, lambda g: (g * out,))

    def log(self, a) -> Tensor:
        """The natural log elementwise, any shape (a > 0).  da = dout / a."""
        a = self._lift(a)
        av = a.value
        return self._record("log", (a,), np.log(av), lambda g: (g / av,))

    def sum(self, a, axis: int | None = None) -> Tensor:
        """The sum of every entry (any shape → ()), or along ``axis`` keeping it as size 1
        ((N, C) with axis=1 → (N, 1)).  da = dout, copied to every entry that was summed."""
        a = self._lift(a)
        shape = a.shape
        if axis is None:
            return self._record("sum", (a,), a.value.sum(), lambda g: (np.full(shape, g),))
        out = a.value.sum(axis=axis, keepdims=True)
        return self._record("sum", (a,), out, lambda g: (np.broadcast_to(g, shape).copy(),))

    def softmax_cross_entropy(self, logits, labels) -> Tensor:
        """Mean cross-entropy of softmax(logits) against labels: (N, C), (N,) int → ().

        Recorded from primitive operations, with the log-sum-exp form of the loss:

            shifted = logits − rowmax(logits)      # data: softmax ignores a shift per row;
                                                   # without it exp(1000) overflows to inf
            loss_n  = log Σ_c exp(shifted[n, c]) − shifted[n, y_n]
            loss    = Σ_n loss_n / N

        so ``backward`` gets dlogits = (softmax(logits) − one_hot(labels)) / N by chaining
        the local gradients of exp, sum, log, * and −. The labels are data, not a tensor,
        and get no gradient.
        """
        logits = self._lift(logits)
        if logits.value.ndim != 2:
            raise ValueError(f"softmax_cross_entropy needs logits (N, C), got {logits.shape}.")
        n, num_classes = logits.shape
        labels = check_labels(labels, num_classes, n=n, where="softmax_cross_entropy: labels")
        one_hot = self.constant(np.eye(num_classes)[labels], "one_hot")  # (N, C)
        row_max = self.constant(logits.value.max(axis=1, keepdims=True), "row max")  # (N, 1)
        shifted = (logits - row_max).named("z")  # (N, C)
        exps = self.exp(shifted).named("exp z")  # (N, C)
        log_total = self.log(self.sum(exps, axis=1).named("Σ exp z")).named("log Σ")  # (N, 1)
        true_logit = self.sum(shifted * one_hot, axis=1).named("z[y]")  # (N, 1)
        losses = (log_total - true_logit).named("loss_n")  # (N, 1)
        return self.sum(losses) * (1.0 / n)  # ()

    # ---------------------------------------------------------- backward ----

    def backward(self, loss: Tensor) -> None:
        """Replay the tape backwards from ``loss`` (a () tensor): fill every ``grad``.

        dloss/dloss = 1; then each record, last first, turns dloss/d(its output) into
        dloss/d(its inputs) and adds them to the inputs' ``grad``. Gradients from an
        earlier ``backward`` are cleared first.
        """
        if not isinstance(loss, Tensor) or loss.tape is not self:
            raise ValueError("backward needs a tensor computed on this tape.")
        if loss.shape != ():
            raise ValueError(f"backward needs one number (shape ()), got {loss.shape}.")
        for tensor in self.tensors:
            tensor.grad = None
        loss.grad = np.ones(())
        for record in reversed(self.records):
            if record.output.grad is None or not record.output.needs_grad:
                continue  # this output does not lead to the loss, or nothing needs it
            for tensor, grad in zip(
                record.inputs, record.backward(record.output.grad), strict=True
            ):
                if tensor.needs_grad:
                    tensor.grad = grad if tensor.grad is None else tensor.grad + grad

    def gradient(self, loss: Tensor, tensors: Sequence[Tensor]) -> list[np.ndarray]:
        """``backward(loss)``, then dloss/d(each tensor) (zeros where the loss does not
        depend on it), like ``tf.GradientTape.gradient``."""
        self.backward(loss)
        return [np.zeros(t.shape) if t.grad is None else t.grad for t in tensors]


def relu(a: Tensor) -> Tensor:
    """max(a, 0) elementwise, recorded on ``a``'s tape."""
    return a.tape.relu(a)


def sum(a: Tensor, axis: int | None = None) -> Tensor:  # noqa: A001 - the operation's name
    """The sum of every entry of ``a`` (→ ()), or along ``axis``, on ``a``'s tape."""
    return a.tape.sum(a, axis)


def exp(a: Tensor) -> Tensor:
    """e**a elementwise, recorded on ``a``'s tape."""
    return a.tape.exp(a)


def log(a: Tensor) -> Tensor:
    """The natural log elementwise, recorded on ``a``'s tape."""
    return a.tape.log(a)


def softmax_cross_entropy(logits: Tensor, labels) -> Tensor:
    """Mean cross-entropy: logits (N, C) tensor, labels (N,) int → (), on the logits' tape."""
    return logits.tape.softmax_cross_entropy(logits, labels)


# ------------------------------------------------------------- picture ----

_OP_LABELS = {
    "matmul": "@",
    "add": "+",
    "sub": "−",
    "mul": "×",
    "relu": "relu",
    "sum": "sum",
    "div": "÷",
    "exp": "exp",
    "log": "log",
}


def _layout(
    records: Sequence[Record],
) -> tuple[dict[int, tuple[float, float]], dict[int, tuple[float, float]]]:
    """Positions: ops in odd columns by depth, each tensor in the column before its
    first use (an op's output: right after the op), on rows 0, 1, … from the bottom."""
    producer = {id(r.output): k for k, r in enumerate(records)}
    level = []
    for record in records:
        parents = [level[producer[id(t)]] for t in record.inputs if id(t) in producer]
        level.append(1 + max(parents) if parents else 0)
    tensor_col: dict[int, int] = {}
    for k, record in enumerate(records):
        tensor_col[id(record.output)] = 2 * level[k] + 2
        for t in record.inputs:
            if id(t) not in producer:
                tensor_col[id(t)] = min(tensor_col.get(id(t), 10**9), 2 * level[k])
    used: dict[int, int] = {}  # how many rows of each column are taken
    ops: dict[int, tuple[float, float]] = {}
    tensors: dict[int, tuple[float, float]] = {}

    def place(col: int) -> tuple[float, float]:
        row = used.get(col, 0)
        used[col] = row + 1
        return float(col), float(row)

    for k, record in enumerate(records):  # the main path comes first: bottom row
        for t in record.inputs:
            if id(t) not in tensors:
                tensors[id(t)] = place(tensor_col[id(t)])
        ops[k] = place(2 * level[k] + 1)
        tensors[id(record.output)] = place(tensor_col[id(record.output)])
    return ops, tensors


def _rim(center, toward, radius):
    """The point of a circle's rim on the way from its ``center`` to ``toward``."""
    (cx, cy), (tx, ty) = center, toward
    length = np.hypot(tx - cx, ty - cy)
    return cx + radius * (tx - cx) / length, cy + radius * (ty - cy) / length


def _arrow(ax, start, end, bend: float = 0.0):
    style = {"arrowstyle": "-|>", "color": "0.35", "shrinkA": 0, "shrinkB": 0}
    style["connectionstyle"] = f"arc3,rad={bend}"
    ax.annotate("", xy=end, xytext=start, arrowprops=style)


def draw_graph(tape: Tape, ax=None, *, show_grads: bool = False, records: slice = slice(None)):
    """The computation graph the tape recorded, left to right, drawn with matplotlib.

    Boxes are tensors (name and shape; data in grey, parameters in blue); circles are
    operations, numbered in the order they ran. ``backward`` walks the arrows from right
    to left. With ``show_grads=True``, each box also gives the shape of its ``grad``.
    ``records`` draws part of a long tape (e.g. ``slice(5, None)``: from the sixth
    record on); tensors made before the part are drawn as its inputs. Returns the Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyBboxPatch

    if not tape.records:
        raise ValueError("the tape is empty: run a forward pass on it first.")
    first = range(len(tape.records))[records]
    if not isinstance(records, slice) or len(first) == 0:
        raise ValueError(
            f"records={records!r} selects no record of this tape's {len(tape.records)}; "
            "give a slice such as slice(5, None)."
        )
    part = tape.records[records]
    ops, tensors = _layout(part)
    width = max(x for x, _ in [*ops.values(), *tensors.values()]) + 1
    height = max(y for _, y in [*ops.values(), *tensors.values()]) + 1
    if ax is None:
        _, ax = plt.subplots(figsize=(min(0.85 * width, 11), 0.6 + 1.0 * height))
    by_id = {id(t): t for t in tape.tensors}
    box = 0.8 if show_grads else 0.56  # the height of a tensor's box
    producer = {id(r.output) for r in part}
    for key, (x, y) in tensors.items():
        t = by_id[key]
        if id(t) in producer:
            color = "#fde3c4" if t is tape.records[-1].output else "white"
        else:
            color = "#cfe2f3" if t.needs_grad else "#e6e6e6"
        if t.value.size == 1:  # one number: show it
            text = f"{t.name} = {t.value.item():.4g}" if t.name else f"{t.value.item():.4g}"
            if show_grads and t.grad is not None:
                text += f"\ngrad {t.grad.item():.4g}"
        else:
            text = f"{t.name}\n{t.shape}" if t.name else str(t.shape)
            if show_grads and t.grad is not None:
                text += f"\ngrad {t.grad.shape}"
        ax.add_patch(
            FancyBboxPatch(
                (x - 0.45, y - box / 2),
                0.9,
                box,
                boxstyle="round,pad=0.02",
                facecolor=color,
                edgecolor="0.3",
            )
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=8)
    for k, record in enumerate(part):
        x, y = ops[k]
        ax.add_patch(Circle((x, y), 0.36, facecolor="#fff2a8", edgecolor="0.3", zorder=2))
        label = _OP_LABELS.get(record.op, record.op)
        size = 7 if "\n" in label else 8
        ax.text(x, y, label, ha="center", va="center", fontsize=size, zorder=3)
        number = first[k] + 1
        ax.text(x + 0.3, y + 0.3, f"{number}", ha="left", va="bottom", fontsize=7, color="0.4")
        for n, t in enumerate(record.inputs):
            tx, ty = tensors[id(t)]
            start = (tx, ty - box / 2) if ty > y else (tx + 0.45, ty)  # the box's edge
            if t in record.inputs[:n]:  # the same input again (z * z): a second, bent arrow
                top = (tx + 0.2, ty + box / 2)
                _arrow(ax, top, _rim((x, y), (x - 1, y + 1), 0.36), bend=-0.8)
            else:
                _arrow(ax, start, _rim((x, y), start, 0.36))
        tx, ty = tensors[id(record.output)]
        _arrow(ax, _rim((x, y), (tx - 0.45, ty), 0.36), (tx - 0.45, ty))
    ax.set_xlim(-0.6, width - 0.4)
    ax.set_ylim(-0.6, height - 0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(
        "forward: left to right, operations numbered as recorded; "
        "backward: the same arrows, right to left",
        fontsize=9,
    )
    return ax
