"""The tape: every operation's backward against central finite differences in float64,
and a two-layer network's gradients against the package's own backpropagation."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from helpers import autodiff  # noqa: E402
from helpers.autodiff import Tape, draw_graph, relu, softmax_cross_entropy  # noqa: E402
from helpers.gradients import numerical_gradient, rel_error  # noqa: E402
from helpers.layers import mlp  # noqa: E402
from helpers.losses import softmax_cross_entropy as package_loss  # noqa: E402

GOOD = 1e-7  # CS231n: below this the analytic and numeric gradients agree

LABELS = np.array([0, 3, 1, 3, 2])  # for logits of shape (5, 4)

OPS = {
    "matmul": (lambda a, b: a @ b, [(3, 4), (4, 2)]),
    "add a bias": (lambda a, b: a + b, [(3, 4), (4,)]),
    "add": (lambda a, b: a + b, [(3, 4), (3, 4)]),
    "add broadcast both": (lambda a, b: a + b, [(3, 1), (1, 4)]),
    "mul": (lambda a, b: a * b, [(3, 4), (3, 4)]),
    "mul broadcast": (lambda a, b: a * b, [(3, 4), (4,)]),
    "relu": (relu, [(3, 4)]),
    "sum": (autodiff.sum, [(3, 4)]),
    "sum along rows": (lambda a: autodiff.sum(a, axis=1), [(3, 4)]),
    "sum along columns": (lambda a: autodiff.sum(a, axis=0), [(3, 4)]),
    "exp": (autodiff.exp, [(3, 4)]),
    "log": (lambda a: autodiff.log(a * a + 0.5), [(3, 4)]),
    "div": (lambda a, b: a / (b * b + 0.5), [(3, 4), (3, 4)]),  # b kept away from 0
    "div broadcast": (lambda a, b: a / (b * b + 1.0), [(3, 4), (3, 1)]),
    "number / tensor": (lambda a: 1.0 / (a * a + 1.0), [(3, 4)]),
    "sub and neg": (lambda a, b: a - b - (-a) - 2.0, [(3, 4), (4,)]),
    "number - tensor": (lambda a: 2.0 - a, [(3, 4)]),
    "softmax_cross_entropy": (lambda z: softmax_cross_entropy(z, LABELS), [(5, 4)]),
    "used twice": (lambda a: a * a + a, [(3, 4)]),
    "array @ tensor": (lambda a: np.ones((2, 3)) @ a, [(3, 4)]),
    "number * tensor": (lambda a: 2.5 * a + 1.0, [(3, 4)]),
}


def _scalar_loss(build, arrays, weights):
    """A tape with ``build`` on variables holding ``arrays``, reduced to one number."""
    tape = Tape()
    tensors = [tape.variable(a) for a in arrays]
    out = build(*tensors)
    loss = out if out.shape == () else autodiff.sum(out * weights)
    return tape, tensors, loss


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(OPS))
def test_backward_agrees_with_finite_differences(name, seed):
    build, shapes = OPS[name]
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=shape) for shape in shapes]
    tape, tensors, out = _scalar_loss(build, arrays, 1.0)
    weights = rng.normal(size=out.shape)  # so every output entry matters differently
    tape, tensors, loss = _scalar_loss(build, arrays, weights)
    analytic = tape.gradient(loss, tensors)
    for k, array in enumerate(arrays):
        numeric = numerical_gradient(
            lambda _: float(_scalar_loss(build, arrays, weights)[2].value), array
        )
        error = rel_error(analytic[k], numeric)
        assert analytic[k].shape == array.shape
        assert error < GOOD, f"input {k}: analytic {analytic[k]}\nnumeric {numeric}"


def _two_layer(sizes, seed, n):
    rng = np.random.default_rng(seed)
    model = mlp(sizes, seed=seed, dtype=np.float64)
    for layer in model.layers:
        layer.bias[...] = rng.normal(scale=0.1, size=layer.bias.shape)  # not all zero
    x = rng.normal(size=(n, sizes[0]))
    y = rng.integers(0, sizes[-1], size=n)
    return model, x, y


def _tape_loss(model, x, y):
    tape = Tape()
    x_t = tape.constant(x, "x")
    w1, b1, w2, b2 = (tape.variable(p, name) for name, p in model.named_parameters())
    h = relu(x_t @ w1 + b1)  # (N, H)
    loss = softmax_cross_entropy(h @ w2 + b2, y)  # ()
    return tape, [w1, b1, w2, b2], loss


@pytest.mark.parametrize(("sizes", "seed", "n"), [([20, 16, 10], 0, 8), ([5, 7, 3], 1, 4)])
def test_two_layer_gradients_agree_with_the_package(sizes, seed, n):
    model, x, y = _two_layer(sizes, seed, n)
    tape, params, loss = _tape_loss(model, x, y)
    grads = tape.gradient(loss, params)
    expected_loss, dlogits = package_loss(model.forward(x), y)
    model.backward(dlogits)
    assert float(loss.value) == pytest.approx(expected_loss, rel=1e-12)
    for (name, _), ours, theirs in zip(
        model.named_parameters(), grads, model.gradients(), strict=True
    ):
        assert rel_error(ours, theirs) < 1e-10, f"{name}: tape {ours}\npackage {theirs}"


def test_the_package_agrees_with_tensorflow():
    """TensorFlow's GradientTape gives the package's gradients (where TensorFlow is installed)."""
    tf = pytest.importorskip("tensorflow", reason="TensorFlow is optional (the tfds extra)")
    model, x, y = _two_layer([20, 16, 10], 0, 8)
    variables = [tf.Variable(p) for p in model.parameters()]
    kernel1, bias1, kernel2, bias2 = variables
    with tf.GradientTape() as tf_tape:
        hidden = tf.nn.relu(tf.constant(x) @ kernel1 + bias1)
        logits = hidden @ kernel2 + bias2
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        )
    theirs = tf_tape.gradient(loss, variables)
    expected_loss, dlogits = package_loss(model.forward(x), y)
    model.backward(dlogits)
    assert float(loss) == pytest.approx(expected_loss, rel=1e-10)
    for (name, _), ours, tf_grad in zip(
        model.named_parameters(), model.gradients(), theirs, strict=True
    ):
        assert rel_error(ours, tf_grad.numpy()) < 1e-10, name


def test_two_layer_gradients_agree_with_finite_differences():
    model, x, y = _two_layer([6, 5, 4], 2, 3)
    _, params, loss = _tape_loss(model, x, y)
    params[0].tape.backward(loss)
    for (name, w), tensor in zip(model.named_parameters(), params, strict=True):
        numeric = numerical_gradient(lambda _: package_loss(model.forward(x), y)[0], w)
        assert rel_error(tensor.grad, numeric) < GOOD, f"{name}: {tensor.grad}\n{numeric}"


def test_data_gets_no_gradient_and_unused_variables_get_zeros():
    tape = Tape()
    x = tape.constant(np.ones((2, 3)), "x")
    w = tape.variable(np.ones((3, 1)), "w")
    unused = tape.variable(np.ones(4), "unused")
    loss = autodiff.sum(x @ w)
    grad_w, grad_unused = tape.gradient(loss, [w, unused])
    assert x.grad is None
    np.testing.assert_array_equal(grad_w, np.full((3, 1), 2.0))
    np.testing.assert_array_equal(grad_unused, np.zeros(4))


def test_backward_twice_gives_the_same_gradients():
    tape = Tape()
    w = tape.variable(np.arange(3.0))
    loss = autodiff.sum(w * w)
    first = tape.gradient(loss, [w])[0].copy()
    np.testing.assert_array_equal(tape.gradient(loss, [w])[0], first)  # not accumulated


def test_the_tape_records_in_order_and_prints_readably():
    model, x, y = _two_layer([4, 3, 2], 0, 2)
    tape, _, _ = _tape_loss(model, x, y)
    assert [r.op for r in tape.records] == [
        "matmul",
        "add",
        "relu",
        "matmul",
        "add",
        # softmax cross-entropy, from primitives: shift, exp, row sums, log, the true
        # class's logit, subtract, sum, times 1/N
        "sub",
        "exp",
        "sum",
        "log",
        "mul",
        "sum",
        "sub",
        "sum",
        "mul",
    ]
    assert "1. matmul(x (2, 4), 0.kernel (4, 3)) → (2, 3)" in repr(tape)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda t: t.variable(np.ones((2, 3))) @ t.variable(np.ones((2, 3))), "matmul needs"),
        (lambda t: t.backward(t.variable(np.ones(2))), "one number"),
        (lambda t: t.variable(1.0) + Tape().variable(1.0), "another tape"),
        (lambda t: softmax_cross_entropy(t.variable(np.ones(3)), [0]), r"logits \(N, C\)"),
    ],
)
def test_misuse_is_explained(make, match):
    with pytest.raises(ValueError, match=match):
        make(Tape())


def test_draw_graph_draws_part_of_a_long_tape():
    model, x, y = _two_layer([4, 3, 2], 0, 2)
    tape, _, loss = _tape_loss(model, x, y)
    tape.backward(loss)
    ax = draw_graph(tape, records=slice(5, None))
    circles = [p for p in ax.patches if isinstance(p, matplotlib.patches.Circle)]
    assert len(circles) == len(tape.records) - 5
    texts = [t.get_text() for t in ax.texts]
    assert "6" in texts and "5" not in texts  # numbered as on the whole tape
    assert any(t.startswith("one_hot") for t in texts)
    with pytest.raises(ValueError, match="selects no record"):
        draw_graph(tape, records=slice(40, None))


def test_draw_graph_draws_one_circle_per_operation():
    model, x, y = _two_layer([4, 3, 2], 0, 2)
    tape, _, loss = _tape_loss(model, x, y)
    tape.backward(loss)
    ax = draw_graph(tape, show_grads=True)
    circles = [p for p in ax.patches if isinstance(p, matplotlib.patches.Circle)]
    assert len(circles) == len(tape.records)
    texts = [t.get_text() for t in ax.texts]
    assert "relu" in texts and any(t.startswith("x\n(2, 4)") for t in texts)
    with pytest.raises(ValueError, match="empty"):
        draw_graph(Tape())


def test_the_tiny_graph_on_a_tape_gives_the_chain_rule_numbers():
    tape = Tape()
    w = tape.variable(2.0, "w")
    b = tape.variable(1.0, "b")
    z = w * 3.0 + b + (-4.0)  # w·x + b − y with x = 3, y = 4
    loss = autodiff.sum(z * z)  # z used twice: its gradient is the sum of both uses
    assert [float(g) for g in tape.gradient(loss, [w, b])] == [18.0, 6.0]
    ax = draw_graph(tape, show_grads=True)
    texts = [t.get_text() for t in ax.texts]
    assert "w = 2\ngrad 18" in texts and "3\ngrad 6" in texts


def test_the_replay_derives_p_minus_one_hot():
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(6, 5)), np.array([0, 4, 2, 2, 1, 3])
    tape = Tape()
    z = tape.variable(logits, "logits")
    loss = softmax_cross_entropy(z, labels)
    tape.backward(loss)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    formula = (p - np.eye(5)[labels]) / 6
    assert rel_error(z.grad, formula) < 1e-12, (z.grad, formula)
    assert not any(r.op == "softmax_cross_entropy" for r in tape.records)
    assert abs(float(loss.value) - package_loss(logits, labels)[0]) < 1e-14


def test_large_logits_do_not_overflow():
    tape = Tape()
    z = tape.variable(np.array([[1000.0, 0.0], [0.0, -1000.0]]))
    loss = softmax_cross_entropy(z, [1, 0])
    tape.backward(loss)
    assert np.isfinite(loss.value) and np.all(np.isfinite(z.grad))
    assert abs(float(loss.value) - 1000.0 / 2) < 1e-9
