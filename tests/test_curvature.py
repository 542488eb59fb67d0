"""helpers.curvature: exact Hessian-vector products (the R-operator) against finite
differences in float64, the whole Hessian of a tiny network, power iteration and the
sharpness against numpy.linalg.eigvalsh, and the case where plain power iteration returns
a negative eigenvalue."""

import re

import numpy as np
import pytest

from helpers.curvature import (
    gradient_difference,
    hessian_operator,
    hessian_vector_product,
    largest_eigenvalue,
    power_iteration,
    sharpness,
    track_sharpness,
)
from helpers.layers import mlp
from helpers.losses import softmax_cross_entropy
from helpers.optim import SGD
from helpers.train import Trainer


def _problem(sizes, n, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    model = mlp(sizes, seed=seed, dtype=dtype)
    for layer in model.layers:  # biases away from 0, so no relu sits at its kink
        layer.bias[...] = rng.normal(scale=0.1, size=layer.bias.shape)
    x = rng.normal(size=(n, sizes[0]))
    y = rng.integers(0, sizes[-1], size=n)
    return model, x, y, rng


def _flat(arrays):
    return np.concatenate([a.ravel() for a in arrays])


def _gradient(model, x, y, theta):
    """The loss's gradient at the flat parameters theta (P,), model restored after."""
    params = model.parameters()
    saved = [p.copy() for p in params]
    start = 0
    for p in params:
        p[...] = theta[start : start + p.size].reshape(p.shape)
        start += p.size
    try:
        _, dlogits = softmax_cross_entropy(model.forward(x), y)
        model.backward(dlogits)
        return _flat(model.gradients()).copy()
    finally:
        for p, old in zip(params, saved, strict=True):
            p[...] = old


def _loss(model, x, y, theta):
    params = model.parameters()
    saved = [p.copy() for p in params]
    start = 0
    for p in params:
        p[...] = theta[start : start + p.size].reshape(p.shape)
        start += p.size
    try:
        return softmax_cross_entropy(model.forward(x), y)[0]
    finally:
        for p, old in zip(params, saved, strict=True):
            p[...] = old


def _hessian_by_differences(model, x, y, h=1e-6):
    """H column by column: central differences of backpropagated gradients, (P, P)."""
    theta = _flat(model.parameters())
    columns = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        columns.append(
            (_gradient(model, x, y, theta + e) - _gradient(model, x, y, theta - e)) / (2 * h)
        )
    return np.stack(columns, axis=1)


def _hessian(model, x, y):
    """H column by column from the R-operator, (P, P)."""
    hvp = hessian_operator(model, x, y)
    return np.stack([hvp(e) for e in np.eye(hvp.size)], axis=1)


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


# ------------------------------------------------------------------ products ----


@pytest.mark.parametrize(
    ("sizes", "n", "seed"),
    [([5, 4, 3], 7, 0), ([6, 5, 4, 3], 9, 1), ([4, 3], 5, 2), ([3, 6, 2], 1, 3)],
    ids=["one hidden layer", "two hidden layers", "no hidden layer", "one example"],
)
def test_product_against_a_difference_of_the_loss(sizes, n, seed):
    """uᵀ(H·v) equals the mixed second difference of the loss itself, in float64."""
    model, x, y, rng = _problem(sizes, n, seed)
    u = [rng.normal(size=p.shape) for p in model.parameters()]
    v = [rng.normal(size=p.shape) for p in model.parameters()]
    exact = float(_flat(u) @ _flat(hessian_vector_product(model, x, y, v)))
    theta, du, dv, h = _flat(model.parameters()), _flat(u), _flat(v), 1e-4
    numeric = (
        _loss(model, x, y, theta + h * du + h * dv)
        - _loss(model, x, y, theta + h * du - h * dv)
        - _loss(model, x, y, theta - h * du + h * dv)
        + _loss(model, x, y, theta - h * du - h * dv)
    ) / (4 * h * h)
    assert abs(exact - numeric) <= 1e-6 * max(1.0, abs(exact)), (exact, numeric)


@pytest.mark.parametrize(
    ("sizes", "n", "seed"),
    [([5, 4, 3], 7, 0), ([6, 5, 4, 3], 9, 1), ([4, 3], 5, 2)],
    ids=["one hidden layer", "two hidden layers", "no hidden layer"],
)
def test_product_against_a_difference_of_gradients(sizes, n, seed):
    model, x, y, rng = _problem(sizes, n, seed)
    v = [rng.normal(size=p.shape) for p in model.parameters()]
    theta, h = _flat(model.parameters()), 1e-6
    numeric = (
        _gradient(model, x, y, theta + h * _flat(v)) - _gradient(model, x, y, theta - h * _flat(v))
    ) / (2 * h)
    exact = _flat(hessian_vector_product(model, x, y, v))
    assert _rel(exact, numeric) < 1e-7, (exact[:4], numeric[:4])


def test_the_whole_hessian_of_a_tiny_network():
    """Every column, against differences of gradients; and H is symmetric."""
    model, x, y, _ = _problem([5, 4, 3], 7, 0)
    exact = _hessian(model, x, y)
    assert exact.shape == (39, 39)
    assert np.abs(exact - exact.T).max() < 1e-14
    assert _rel(exact, _hessian_by_differences(model, x, y)) < 1e-7


def test_a_large_step_crosses_relu_kinks():
    """Why the product is computed exactly: gradient_difference with a large step nudges
    relus across their kinks and is off; with a small one it agrees. The model is left as
    it was (float32 here: the difference is taken on a float64 copy)."""
    model, x, y, rng = _problem([5, 8, 3], 20, 4, dtype=np.float32)
    before = [p.copy() for p in model.parameters()]
    v = [rng.normal(size=p.shape) for p in model.parameters()]
    exact = _flat(hessian_vector_product(model, x, y, v))
    assert _rel(_flat(gradient_difference(model, x, y, v, 1e-6)), exact) < 1e-6
    assert _rel(_flat(gradient_difference(model, x, y, v, 0.3)), exact) > 1e-2
    assert all(np.array_equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_a_float32_model_gives_the_float64_product_of_its_parameters():
    model32, x, y, rng = _problem([5, 4, 3], 7, 0, dtype=np.float32)
    model64 = mlp([5, 4, 3], dtype=np.float64)
    for p64, p32 in zip(model64.parameters(), model32.parameters(), strict=True):
        p64[...] = p32
    v = [rng.normal(size=p.shape) for p in model32.parameters()]
    got = hessian_vector_product(model32, x.astype(np.float32), y, v)
    want = hessian_vector_product(model64, x.astype(np.float32).astype(np.float64), y, v)
    assert all(g.dtype == np.float64 for g in got)
    assert _rel(_flat(got), _flat(want)) < 1e-12


def test_raw_pixels_are_prepared_like_fit_does():
    rng = np.random.default_rng(0)
    model = mlp([784, 8, 10], seed=0, dtype=np.float64)
    pixels = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, size=6)
    v = [rng.normal(size=p.shape) for p in model.parameters()]
    inputs = (pixels.reshape(6, 784) / np.float32(255)).astype(np.float32).astype(np.float64)
    assert (
        _rel(
            _flat(hessian_vector_product(model, pixels, y, v)),
            _flat(hessian_vector_product(model, inputs, y, v)),
        )
        < 1e-14
    )


def test_the_model_is_left_as_it_was():
    model, x, y, rng = _problem([5, 4, 3], 7, 0)
    before = [p.copy() for p in model.parameters()]
    hessian_vector_product(model, x, y, [rng.normal(size=p.shape) for p in model.parameters()])
    assert all(np.array_equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


@pytest.mark.parametrize(
    ("v", "error", "words"),
    [
        (lambda m: np.zeros(39), TypeError, "list of 4 arrays"),
        (lambda m: [np.zeros(p.shape) for p in m.parameters()][:3], TypeError, "list of 4"),
        (
            lambda m: [np.zeros((4, 5))] + [np.zeros(p.shape) for p in m.parameters()][1:],
            ValueError,
            "v[0] has shape (4, 5)",
        ),
    ],
    ids=["flat vector", "too few", "transposed kernel"],
)
def test_a_wrong_direction_says_what_to_pass(v, error, words):
    model, x, y, _ = _problem([5, 4, 3], 7, 0)
    with pytest.raises(error, match=re.escape(words)):
        hessian_vector_product(model, x, y, v(model))


def test_the_operator_refuses_a_direction_of_the_wrong_size():
    model, x, y, _ = _problem([5, 4, 3], 7, 0)
    with pytest.raises(ValueError, match=r"shape \(39,\)"):
        hessian_operator(model, x, y)(np.zeros(40))


def test_empty_data_is_refused():
    model, _, _, _ = _problem([5, 4, 3], 7, 0)
    with pytest.raises(ValueError, match="at least one example"):
        hessian_operator(model, np.zeros((0, 5)), np.zeros(0, dtype=int))


# ------------------------------------------------------------ power iteration ----


def _negative_dominant():
    """A deep narrow float64 network, weights ×5, at labels it gets wrong: its Hessian's
    eigenvalue largest in size is negative (λ_min ≈ −644, λ_max ≈ 530)."""
    sizes = [2, 3, 3, 3, 3, 2]
    rng = np.random.default_rng(30)
    model = mlp(sizes, seed=30, dtype=np.float64, init="he")
    for p in model.parameters():
        p *= 5
    rng.normal(size=(1, 2))  # (the search that found this case drew one example first)
    x = rng.normal(size=(2, 2))
    y = (model.forward(x).argmax(axis=1) + 1) % 2
    return model, x, y


@pytest.mark.parametrize(
    ("sizes", "n", "seed"),
    [([5, 4, 3], 7, 0), ([6, 5, 4, 3], 9, 1), ([4, 3], 5, 2)],
    ids=["one hidden layer", "two hidden layers", "no hidden layer"],
)
def test_sharpness_is_the_largest_eigenvalue(sizes, n, seed):
    model, x, y, _ = _problem(sizes, n, seed)
    eigenvalues = np.linalg.eigvalsh(_hessian(model, x, y))
    got = sharpness(model, x, y, iterations=3000, tol=1e-13)
    assert abs(got - eigenvalues[-1]) <= 1e-8 * np.abs(eigenvalues).max(), (got, eigenvalues[-1])


def test_sharpness_when_plain_power_iteration_finds_a_negative_eigenvalue():
    model, x, y = _negative_dominant()
    eigenvalues = np.linalg.eigvalsh(_hessian(model, x, y))
    assert eigenvalues[0] < -1.2 * eigenvalues[-1] < 0, eigenvalues  # the case is what it says
    hvp = hessian_operator(model, x, y)
    plain = power_iteration(hvp, np.random.default_rng(0).normal(size=hvp.size), 500)
    assert abs(plain.eigenvalue - eigenvalues[0]) < 1e-6 * abs(eigenvalues[0])
    got = sharpness(model, x, y, iterations=3000, tol=1e-13)
    assert abs(got - eigenvalues[-1]) < 1e-8 * abs(eigenvalues[0]), (got, eigenvalues[-1])


@pytest.mark.parametrize(
    "spectrum",
    [(4.0, 1.0, -2.0), (1.0, -0.5, -5.0), (-1.0, -2.0, -7.0), (3.0, 0.0, 0.0, -3.5)],
    ids=["positive dominant", "negative dominant", "all negative", "near tie"],
)
def test_largest_eigenvalue_of_matrices(spectrum):
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(len(spectrum), len(spectrum))))
    matrix = (q * np.array(spectrum)) @ q.T
    got = largest_eigenvalue(lambda v: matrix @ v, rng.normal(size=len(spectrum)), 2000)
    assert abs(got - max(spectrum)) < 1e-9, got


def test_power_iteration_converges_and_says_so():
    matrix = np.diag([3.0, 1.0, 0.5])
    run = power_iteration(lambda v: matrix @ v, np.ones(3), 200, tol=1e-12)
    assert run.converged and len(run.estimates) < 200
    assert abs(run.eigenvalue - 3.0) < 1e-11
    assert np.all(np.diff(run.estimates) >= -1e-15), "the Rayleigh quotient only rises here"
    assert abs(abs(run.vector[0]) - 1) < 1e-6
    fixed = power_iteration(lambda v: matrix @ v, np.ones(3), 7)
    assert len(fixed.estimates) == 7 and not fixed.converged


@pytest.mark.parametrize(
    ("start", "iterations", "error"),
    [(np.zeros(3), 5, ValueError), (np.ones(3), 0, ValueError), (np.ones(3), 2.5, TypeError)],
    ids=["zero start", "no iterations", "fractional iterations"],
)
def test_power_iteration_refuses_bad_settings(start, iterations, error):
    with pytest.raises(error):
        power_iteration(lambda v: v, start, iterations)


# ------------------------------------------------------------ while training ----


def test_track_sharpness_measures_at_the_steps_it_says():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 6)), rng.integers(0, 3, size=64)
    model = mlp([6, 5, 3], seed=0, dtype=np.float64)
    trainer = Trainer(model, x, y, SGD(0.3), batch_size=16, seed=0)
    run = track_sharpness(trainer, 25, 10, x[:32], y[:32], iterations=500, tol=1e-12)
    assert run.steps == [0, 10, 20, 25] and len(run.loss) == 25
    assert run.limit == pytest.approx(2 / 0.3)
    final = np.linalg.eigvalsh(_hessian(model, x[:32], y[:32]))[-1]
    assert abs(run.sharpness[-1] - final) < 1e-8 * abs(final)
