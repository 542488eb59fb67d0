"""Toy landscapes: gradients against finite differences, minima, and what descend shows."""

import warnings

import numpy as np
import pytest

from helpers.gradients import numerical_gradient, rel_error
from helpers.landscapes import (
    LANDSCAPES,
    banana,
    bowl,
    descend,
    parabola,
    two_wells,
)
from helpers.optim import OPTIMIZERS, SGD, Adam
from helpers.train import loss_rose_message


@pytest.mark.parametrize("name", sorted(LANDSCAPES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_finite_differences(name, seed):
    landscape = LANDSCAPES[name]
    p = np.random.default_rng(seed).uniform(-1.5, 1.5, size=landscape.dim)
    numeric = numerical_gradient(landscape.loss, p)
    err = rel_error(landscape.gradient(p), numeric)
    assert err <= 1e-7, f"{name}: {landscape.gradient(p)} vs {numeric}"


@pytest.mark.parametrize("name", sorted(LANDSCAPES))
def test_minima_are_where_the_gradient_vanishes(name):
    landscape = LANDSCAPES[name]
    for minimum in landscape.minima:
        assert np.allclose(landscape.gradient(np.array(minimum)), 0, atol=2e-3)
    losses = [landscape.loss(np.array(m)) for m in landscape.minima]
    assert losses[0] == min(losses)  # the global minimum comes first


def test_learning_rate_on_the_parabola():
    too_small, right, too_big = (descend(parabola, None, SGD(lr), 10) for lr in (0.05, 0.2, 1.1))
    assert too_small.losses[-1] > 1 and not too_small.diverged  # crawls
    assert right.losses[-1] < 0.01  # converges
    assert too_big.diverged and too_big.losses[-1] > too_big.losses[0]  # diverges
    assert too_big.message().startswith("diverging: loss grew from 100")


def test_momentum_rescues_the_ill_conditioned_bowl():
    without = descend(bowl, None, SGD(0.6), 100)
    with_momentum = descend(bowl, None, SGD(0.6, momentum=0.5), 100)
    assert without.diverged
    assert with_momentum.losses[-1] < 1e-6


def test_momentum_carries_through_a_local_minimum():
    plain = descend(two_wells, None, SGD(0.05), 200)
    heavy = descend(two_wells, None, SGD(0.05, momentum=0.9), 200)
    local, global_ = two_wells.minima[1][0], two_wells.minima[0][0]
    assert plain.final[0] == pytest.approx(local, abs=1e-3)
    assert heavy.final[0] == pytest.approx(global_, abs=1e-3)


def test_extreme_settings_stop_at_the_blow_up_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = descend(banana, None, SGD(10.0, momentum=0.99), 100)
    assert run.diverged_at is not None and run.diverged_at < 100
    assert len(run.losses) == run.diverged_at + 1
    assert run.message() == f"diverged at step {run.diverged_at}"


def test_trajectory_shapes_and_start():
    run = descend(bowl, (1.0, 1.0), SGD(0.1), 7)
    assert run.points.shape == (8, 2) and run.losses.shape == (8,)
    np.testing.assert_array_equal(run.points[0], [1.0, 1.0])
    assert run.losses[0] == bowl.loss(np.array([1.0, 1.0]))


SUITED_LEARNING_RATE = {"SGD": 0.1, "RMSprop": 0.1, "Adagrad": 1.0, "Adam": 0.1, "AdamW": 0.1}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_descends_the_bowl(name):
    opt = OPTIMIZERS[name](learning_rate=SUITED_LEARNING_RATE[name])
    run = descend(bowl, None, opt, 300)
    assert run.losses[-1] < run.losses[0] / 10, (name, run.losses[-1])


def test_adagrad_steps_shrink_so_a_small_learning_rate_crawls():
    slow = descend(bowl, None, OPTIMIZERS["Adagrad"](learning_rate=0.1), 300)
    assert slow.losses[-1] > slow.losses[0] / 10


def test_descend_resets_the_optimizer_between_runs():
    opt = Adam(0.1)
    first = descend(bowl, None, opt, 20)
    second = descend(bowl, None, opt, 20)
    np.testing.assert_array_equal(first.points, second.points)


def test_grid_for_drawing():
    xs, losses = parabola.grid(50)
    assert xs.shape == losses.shape == (50,)
    xx, yy, zz = bowl.grid(30)
    assert xx.shape == yy.shape == zz.shape == (30, 30)
    assert zz[0, 0] == pytest.approx(bowl.loss(np.array([xx[0, 0], yy[0, 0]])))


def test_bad_start_and_steps():
    with pytest.raises(ValueError, match="start must have 2 coordinates"):
        descend(bowl, (1.0,), SGD(0.1), 5)
    with pytest.raises(ValueError, match="steps must be a whole number"):
        descend(bowl, None, SGD(0.1), -1)


class StepOnly:
    def step(self, params, grads):
        raise AssertionError("no step may run when the input is bad")


@pytest.mark.parametrize(
    "optimizer, error, match",
    [
        (
            "adam",
            TypeError,
            r"got 'adam' \(a str\); did you mean helpers\.optim\.Adam\("
            r"learning_rate=0\.1\)\?$",
        ),
        (
            "momentum",
            TypeError,
            r"did you mean helpers\.optim\.SGD\(learning_rate=0\.1, "
            r"momentum=0\.9\)\?$",
        ),
        (
            Adam,
            TypeError,
            r"got the class Adam itself; create one from it: "
            r"helpers\.optim\.Adam\(learning_rate=0\.1\)\.$",
        ),
        (0.1, TypeError, r"that looks like a learning rate: pass SGD\(learning_rate=0\.1\)"),
        (
            None,
            TypeError,
            r"^optimizer must be an optimizer such as SGD\(learning_rate=0\.1\), "
            r"got None \(a NoneType\); create one, e\.g\. helpers\.optim\.SGD\(",
        ),
        (
            StepOnly(),
            TypeError,
            r"descend resets the optimizer before each run, but .* \(a "
            r"StepOnly\) has no reset\(\) method; pass one of helpers\.optim's optimizers",
        ),
    ],
)
def test_something_else_where_an_optimizer_is_expected(optimizer, error, match):
    with pytest.raises(error, match=match):
        descend(bowl, None, optimizer, 5)


@pytest.mark.parametrize(
    "landscape, match",
    [
        (
            "bowl",
            r"got 'bowl' \(a str\); pass the landscape itself, not its name: from "
            r"helpers\.landscapes import bowl \(or LANDSCAPES\['bowl'\]\)\.$",
        ),
        ("Two wells", r"import two_wells \(or LANDSCAPES\['two wells'\]\)"),
        (
            "valley",
            r"got 'valley' \(a str\); the landscapes are in helpers\.landscapes\."
            r"LANDSCAPES: parabola, bowl, banana, two wells, two wells 2-D\.$",
        ),
        (
            lambda p: p**2,
            r"^landscape must be a Landscape such as helpers\.landscapes\.parabola"
            r" or helpers\.landscapes\.bowl, got <function",
        ),
    ],
)
def test_something_else_where_a_landscape_is_expected(landscape, match):
    with pytest.raises(TypeError, match=match):
        descend(landscape, None, StepOnly(), 5)


@pytest.mark.parametrize(
    "start, error, match",
    [
        (
            "1, 2",
            TypeError,
            r"start must be 2 numbers, one per coordinate of Landscape\('bowl'"
            r".*\(e\.g\. \(-9\.0, 1\.5\), or None for the landscape's own start\), got '1, 2'",
        ),
        ({"x": 1}, TypeError, r"start must be 2 numbers.*got \{'x': 1\} \(a dict\)\.$"),
        ([1.0, "a"], TypeError, r"start must be 2 numbers.*got \[1\.0, 'a'\] \(a list\)"),
        ((1.0, 2.0, 3.0), ValueError, r"start must have 2 coordinates .* got 3\.$"),
        (
            (np.nan, 1.0),
            ValueError,
            r"start must be finite numbers \(e\.g\. \(-9\.0, 1\.5\)"
            r", .*\), got \[nan, 1\.0\]: from NaN or inf no step can lead anywhere\.$",
        ),
    ],
)
def test_a_start_that_is_not_a_point_says_what_one_is(start, error, match):
    with pytest.raises(error, match=match):
        descend(bowl, start, StepOnly(), 5)


def test_a_run_that_ends_above_its_start_says_the_learning_rate_is_too_high():
    run = descend(parabola, None, SGD(1.1), 10)
    assert run.diverged_at is None and run.diverged
    assert run.warning == loss_rose_message(run.losses, SGD(1.1), window=1)  # fit's words
    assert run.warning == (
        f"the loss ended higher than it started (100 at the start, {run.losses[-1]:.4g} at the "
        "end) with learning_rate=1.1: the steps are too large, so training undoes what it "
        "learns. Try a learning rate ten times smaller (0.11)."
    )
    swinging = descend(bowl, None, SGD(0.9, momentum=0.95), 20)  # stable, but still swinging
    assert swinging.diverged_at is None and swinging.losses[-1] > swinging.losses[0]
    assert "with learning_rate=0.9, momentum=0.95" in swinging.warning
    assert swinging.warning.endswith("(0.09) or less momentum (e.g. 0.9).")


def test_a_run_that_descends_or_blows_up_has_no_warning():
    assert descend(parabola, None, SGD(0.9), 10).warning == ""  # swings, but ends lower
    blown = descend(banana, None, SGD(10.0, momentum=0.99), 100)
    assert blown.diverged_at is not None and blown.warning == ""  # message() says diverged
