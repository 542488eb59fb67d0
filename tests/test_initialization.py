"""Random initialization: equal units stay equal; the size of the start sets the size of
the signal through a deep stack."""

import numpy as np
import pytest

from helpers.initialization import he_std, signal_through_layers, unit_spread
from helpers.layers import mlp
from helpers.optim import SGD
from helpers.train import Trainer


@pytest.mark.parametrize("scale", [0.5, 1.0, 1.5])
def test_each_layer_multiplies_the_activations_by_the_scale(scale):
    signal = signal_through_layers(scale, depth=8, width=256, batch=256)
    assert signal.activation_std.shape == signal.gradient_std.shape == (8,)
    assert signal.growth() == pytest.approx(scale, rel=0.05)


def test_too_small_vanishes_and_too_large_explodes():
    small, right, large = (signal_through_layers(s, depth=12) for s in (0.5, 1.0, 2.0))
    assert small.activation_std[-1] < 1e-2 * small.activation_std[0]
    assert 0.5 < right.activation_std[-1] / right.activation_std[0] < 2
    assert large.activation_std[-1] > 100 * large.activation_std[0]
    # the gradients follow: tiny kernels get tiny gradients everywhere, huge ones huge
    assert small.gradient_std.max() < 1e-3 * large.gradient_std.min()
    assert "12 layers" in str(right)


def test_equal_units_stay_equal_under_training():
    rng = np.random.default_rng(0)
    x = rng.random((256, 20), dtype=np.float32)
    labels = rng.integers(0, 3, size=256)
    model = mlp([20, 8, 3], seed=0)
    for layer in model.layers:
        layer.kernel[...] = 0.1
    assert unit_spread(model.layers[0]) == 0
    Trainer(model, x, labels, SGD(learning_rate=0.5), batch_size=32, seed=0).run(50, verbose=False)
    assert np.abs(model.layers[0].kernel - 0.1).max() > 1e-3  # it did learn something …
    assert unit_spread(model.layers[0]) == 0  # … but every hidden unit the same thing
    random_start = mlp([20, 8, 3], seed=0)
    assert unit_spread(random_start.layers[0]) > 0.1


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: signal_through_layers(0), "a number > 0"),
        (lambda: signal_through_layers(float("nan")), "a number > 0"),
        (lambda: signal_through_layers(1.0, depth=0), "depth must be"),
        (lambda: he_std(0), "whole number"),
    ],
)
def test_bad_input_is_explained(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_he_std():
    assert he_std(784) == pytest.approx(np.sqrt(2 / 784))
