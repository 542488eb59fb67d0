"""Dense and Sequential: shapes, the forward formula, and every backward pass against
central finite differences in float64."""

import numpy as np
import pytest

from helpers.gradients import numerical_gradient, rel_error
from helpers.layers import Dense, Sequential, initialize, mlp, relu, softmax
from helpers.losses import softmax_cross_entropy

TOL = 1e-7


def assert_grad_close(analytic, numeric, what):
    err = rel_error(analytic, numeric)
    assert err <= TOL, (
        f"{what}: relative error {err:.2e} > {TOL:.0e}\nanalytic:\n{analytic}\nnumeric:\n{numeric}"
    )


@pytest.mark.parametrize("activation", [None, "relu"])
def test_forward_is_activation_of_x_dot_kernel_plus_bias(activation):
    rng = np.random.default_rng(0)
    layer = Dense(4, 3, activation, seed=1)
    layer.bias[:] = rng.normal(size=3)
    x = rng.normal(size=(5, 4)).astype(np.float32)
    expected = x @ layer.kernel + layer.bias
    if activation == "relu":
        expected = np.maximum(expected, 0)
    out = layer.forward(x)
    assert out.shape == (5, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_shapes_and_names_follow_the_lecture():
    layer = Dense(784, 512, "relu", seed=0)
    assert layer.kernel.shape == (784, 512)
    assert layer.bias.shape == (512,)
    assert set(layer.grads) == {"kernel", "bias"} == set(layer.params)
    assert np.all(layer.bias == 0)
    assert repr(layer) == "Dense(784 → 512, relu)"


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dense_backward_matches_finite_differences(activation, seed):
    rng = np.random.default_rng(seed)
    layer = Dense(5, 4, activation, seed=seed, dtype=np.float64)
    layer.bias[:] = rng.normal(size=4)
    x = rng.normal(size=(6, 5))
    dout = rng.normal(size=(6, 4))

    def loss(_):
        return float(np.sum(layer.forward(x) * dout))  # d loss / d out = dout

    layer.forward(x)
    dx = layer.backward(dout)
    assert_grad_close(dx, numerical_gradient(lambda _: loss(None), x), "dx")
    assert_grad_close(layer.grads["kernel"], numerical_gradient(loss, layer.kernel), "dkernel")
    assert_grad_close(layer.grads["bias"], numerical_gradient(loss, layer.bias), "dbias")


def test_backward_without_input_grad_fills_grads_and_returns_none():
    rng = np.random.default_rng(0)
    a, b = Dense(3, 2, "relu", seed=0), Dense(3, 2, "relu", seed=0)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    dout = rng.normal(size=(4, 2)).astype(np.float32)
    a.forward(x)
    b.forward(x)
    assert isinstance(a.backward(dout), np.ndarray)
    assert b.backward(dout, input_grad=False) is None
    np.testing.assert_array_equal(a.grads["kernel"], b.grads["kernel"])
    np.testing.assert_array_equal(a.grads["bias"], b.grads["bias"])


def test_backward_does_not_change_dout():
    rng = np.random.default_rng(0)
    layer = Dense(3, 2, "relu", seed=0)
    layer.forward(rng.normal(size=(4, 3)).astype(np.float32))
    dout = rng.normal(size=(4, 2)).astype(np.float32)
    before = dout.copy()
    layer.backward(dout)
    np.testing.assert_array_equal(dout, before)


@pytest.mark.parametrize("seed", [0, 1])
def test_two_layer_model_backward_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    model = mlp([6, 5, 3], seed=seed, dtype=np.float64)
    for layer in model.layers:
        layer.bias[:] = rng.normal(scale=0.1, size=layer.bias.shape)
    x = rng.normal(size=(7, 6))
    y = rng.integers(0, 3, size=7)

    def loss(_):
        return softmax_cross_entropy(model.forward(x), y)[0]

    _, dlogits = softmax_cross_entropy(model.forward(x), y)
    dx = model.backward(dlogits, input_grad=True)
    analytic = [g.copy() for g in model.gradients()]
    for (name, w), grad in zip(model.named_parameters(), analytic, strict=True):
        assert_grad_close(grad, numerical_gradient(loss, w), name)
    assert_grad_close(dx, numerical_gradient(loss, x), "dx")


def test_sequential_parameters_and_gradients_line_up():
    model = mlp([784, 512, 10], seed=0)
    params, grads = model.parameters(), model.gradients()
    assert [p.shape for p in params] == [(784, 512), (512,), (512, 10), (10,)]
    assert [g.shape for g in grads] == [p.shape for p in params]
    assert [n for n, _ in model.named_parameters()] == ["0.kernel", "0.bias", "1.kernel", "1.bias"]
    assert model.count_params() == 784 * 512 + 512 + 512 * 10 + 10 == 407_050
    assert repr(model) == "Sequential(Dense(784 → 512, relu), Dense(512 → 10))"


def test_sequential_forward_returns_a_new_array_each_call():
    rng = np.random.default_rng(0)
    model = mlp([4, 3, 2], seed=0)
    x1 = rng.normal(size=(5, 4)).astype(np.float32)
    x2 = rng.normal(size=(5, 4)).astype(np.float32)
    out1 = model.forward(x1)
    kept = out1.copy()
    model.forward(x2)
    np.testing.assert_array_equal(out1, kept)


def test_sequential_rejects_layers_that_do_not_fit():
    with pytest.raises(ValueError, match="gives 5 outputs but the next layer"):
        Sequential(Dense(3, 5), Dense(4, 2))


def test_predict_and_accuracy():
    model = mlp([2, 2], seed=0, dtype=np.float64)
    model.layers[0].kernel[:] = np.eye(2)
    x = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    np.testing.assert_array_equal(model.predict(x, batch_size=2), [0, 1, 0])
    assert model.accuracy(x, np.array([0, 1, 1])) == pytest.approx(2 / 3)


def test_random_model_scores_about_chance():
    rng = np.random.default_rng(0)
    x = rng.random((2000, 20), dtype=np.float32)
    y = rng.integers(0, 10, size=2000)
    assert 0.05 < mlp([20, 16, 10], seed=0).accuracy(x, y) < 0.15


@pytest.mark.parametrize("init", ["random", "glorot", "he"])
def test_initializations_have_their_documented_scale(init):
    w = initialize(init, (400, 100), np.random.default_rng(0))
    assert w.dtype == np.float32 and w.shape == (400, 100)
    expected_std = {
        "random": 0.1 / np.sqrt(12),
        "glorot": np.sqrt(6 / 500) / np.sqrt(3),
        "he": np.sqrt(2 / 400),
    }[init]
    assert w.std() == pytest.approx(expected_std, rel=0.03)


def test_same_seed_same_kernel():
    np.testing.assert_array_equal(Dense(5, 3, seed=7).kernel, Dense(5, 3, seed=7).kernel)
    assert not np.array_equal(Dense(5, 3, seed=7).kernel, Dense(5, 3, seed=8).kernel)


def test_relu_and_softmax():
    np.testing.assert_array_equal(relu(np.array([-2.0, 0.0, 3.0])), [0, 0, 3])
    p = softmax(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]]))
    np.testing.assert_allclose(p, [[0.5, 0.5], [0.25, 0.75]])


def test_float64_input_is_converted_for_a_float32_layer():
    layer = Dense(3, 2, seed=0)
    out = layer.forward(np.ones((2, 3)))
    assert out.dtype == np.float32


# --- validation: one clear message each ---------------------------------------------------


def test_unflattened_images_say_how_to_flatten():
    layer = Dense(784, 512, "relu")
    with pytest.raises(ValueError) as err:
        layer.forward(np.zeros((128, 28, 28), np.float32))
    msg = str(err.value)
    assert "Dense(784 → 512, relu) got input of shape (128, 28, 28)" in msg
    assert "x.reshape(len(x), -1)" in msg


def test_wrong_number_of_features():
    with pytest.raises(ValueError, match=r"got input of shape \(4, 5\).*expects \(N, 3\)"):
        Dense(3, 2).forward(np.zeros((4, 5), np.float32))


def test_single_example_hint():
    with pytest.raises(ValueError, match=r"x.reshape\(1, -1\)"):
        Dense(3, 2).forward(np.zeros(3, np.float32))


def test_integer_images_say_to_prepare_them():
    with pytest.raises(TypeError, match=r"got uint8 input.*prepare\(images\)"):
        Dense(784, 10).forward(np.zeros((2, 784), np.uint8))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"activation": "sigmoid"}, "activation must be None or 'relu'"),
        ({"init": "zeros"}, "init must be one of"),
        ({"dtype": np.int32}, "dtype must be a float type"),
    ],
)
def test_bad_layer_settings(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Dense(3, 2, **kwargs)


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"call forward\(x\) before backward"):
        Dense(3, 2).backward(np.zeros((1, 2), np.float32))


# --- memory: parameters in their final dtype, and no gigantic layers unasked -------------------


@pytest.mark.parametrize("init", ["random", "glorot", "he"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_initialize_draws_the_same_numbers_a_slice_at_a_time(init, dtype, monkeypatch):
    import helpers.layers as layers

    monkeypatch.setattr(layers, "_CHUNK", 7)  # many slices, one of them partial
    shape = (13, 5)
    expected_rng = np.random.default_rng(3)
    if init == "he":
        expected = expected_rng.normal(0.0, np.sqrt(2.0 / 13), size=shape)
    else:
        limit = 0.05 if init == "random" else np.sqrt(6.0 / 18)
        expected = expected_rng.uniform(-limit, limit, size=shape)
    rng = np.random.default_rng(3)
    kernel = initialize(init, shape, rng, dtype)
    assert kernel.dtype == dtype and kernel.shape == shape
    assert np.array_equal(kernel, expected.astype(dtype))
    assert rng.random() == expected_rng.random()  # the generator moved on by as much


def test_a_float32_kernel_is_never_held_in_float64_whole():
    import tracemalloc

    shape = (1000, 2000)  # 8 MB in float32, 16 MB in float64
    tracemalloc.start()
    kernel = initialize("glorot", shape, np.random.default_rng(0), np.float32)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert kernel.dtype == np.float32
    assert peak < kernel.nbytes * 1.5, (
        f"peak {peak / 2**20:.1f} MiB for a {kernel.nbytes / 2**20:.1f} MiB kernel"
    )


def test_a_gigantic_layer_is_refused_before_allocating():
    with pytest.raises(ValueError) as err:
        Dense(784, 500_000)
    message = str(err.value)
    assert message.startswith(
        "Dense(784 → 500000) would have 392,500,000 parameters: 1.5 GiB of float32"
    )
    assert "Use fewer units: a few hundred are plenty for MNIST, e.g. Dense(784, 512)" in message
    assert "MAX_PARAMETERS" in message


def test_max_parameters_can_be_raised(monkeypatch):
    import helpers.layers as layers

    monkeypatch.setattr(layers, "MAX_PARAMETERS", 10)
    with pytest.raises(ValueError, match="would have 12 parameters"):
        Dense(3, 3)
    monkeypatch.setattr(layers, "MAX_PARAMETERS", 12)
    assert Dense(3, 3).kernel.shape == (3, 3)


# --- something else where a layer is expected ----------------------------------------------------


@pytest.mark.parametrize(
    "layers, match",
    [
        (
            (Dense(4, 3), "relu"),
            r"layer 1 is 'relu' \(a str\); an activation belongs to a Dense layer",
        ),
        (("softmax",), "softmax is part of the loss"),
        (
            (Dense,),
            r"layer 0 is the class Dense itself; create one, e.g. Dense\(784, 128, 'relu'\)",
        ),
        ((mlp([4, 3]),), r"to join two models, list their layers: Sequential\(\*first\.layers"),
        (
            (3,),
            r"Sequential expects layers such as Dense\(784, 128, 'relu'\), "
            r"but layer 0 is 3 \(an int\)",
        ),
    ],
)
def test_sequential_says_what_a_layer_is(layers, match):
    with pytest.raises(TypeError, match=match):
        Sequential(*layers)


@pytest.mark.parametrize(
    "sizes, error, match",
    [
        (
            "784-128-10",
            TypeError,
            r"mlp takes the layer sizes as a list of whole numbers, "
            r"e.g. mlp\(\[784, 128, 10\]\), got '784-128-10'",
        ),
        (784, TypeError, r"got 784 \(an int\)"),
        (
            [784, "128", 10],
            ValueError,
            r"every layer size must be a whole number >= 1, got '128' in \[784, '128', 10\]",
        ),
        ([784, 0, 10], ValueError, "got 0 in"),
    ],
)
def test_mlp_says_what_sizes_are(sizes, error, match):
    with pytest.raises(error, match=match):
        mlp(sizes)


def test_accuracy_on_zero_examples():
    model = mlp([4, 3], seed=0)
    with pytest.raises(
        ValueError, match=r"accuracy needs at least one example, got 0 \(x has shape \(0, 4\)\)"
    ):
        model.accuracy(np.zeros((0, 4), np.float32), np.zeros(0, int))
