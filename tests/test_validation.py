"""Checks on what users pass in: each mistake gets one message saying what was wrong and
what to do."""

import numpy as np
import pytest

from helpers.validation import check_finite, check_inputs, check_optimizer, describe


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_finite_data_passes(dtype):
    check_finite(np.random.default_rng(0).normal(size=(50, 4)).astype(dtype), "x")


def test_huge_but_finite_values_pass():
    x = np.full((4, 2), 3e38, np.float32)  # the sum overflows, no value is inf
    check_finite(x, "x")


@pytest.mark.parametrize(
    "bad, counts",
    [
        ({(0, 0): np.nan}, "1 NaN value in 1 of its 5 examples (the first is example 0)"),
        (
            {(3, 1): np.inf, (3, 2): -np.inf},
            "2 infinite values in 1 of its 5 examples (the first is example 3)",
        ),
        (
            {(1, 0): np.nan, (4, 2): np.inf},
            "1 NaN and 1 infinite values in 2 of its 5 examples (the first is example 1)",
        ),
    ],
)
def test_nan_and_inf_are_counted_and_located(bad, counts):
    x = np.zeros((5, 3))
    for index, value in bad.items():
        x[index] = value
    with pytest.raises(ValueError) as err:
        check_finite(x, "training data x")
    assert str(err.value).startswith(
        f"training data x contains {counts}. This is a problem with the data"
    )


def test_images_are_located_by_example():
    x = np.zeros((6, 2, 2), np.float32)
    x[4, 1, 1] = np.nan
    with pytest.raises(ValueError, match=r"in 1 of its 6 examples \(the first is example 4\)"):
        check_finite(x, "images")


def test_integer_and_empty_arrays_have_nothing_to_check():
    check_finite(np.zeros((3, 2), int), "x")
    check_finite(np.zeros((0, 2)), "x")


@pytest.mark.parametrize(
    "value, text",
    [
        ("sgd", "'sgd' (a str)"),
        (3, "3 (an int)"),
        (None, "None (a NoneType)"),
        (dict, "the class dict itself"),
        ("x" * 100, "'" + "x" * 56 + "... (a str)"),
    ],
)
def test_describe(value, text):
    assert describe(value) == text


def test_an_optimizer_instance_passes():
    from helpers.optim import Adam

    opt = Adam()
    assert check_optimizer(opt) is opt


@pytest.mark.parametrize(
    "examples, text",
    [
        (None, "did you mean Adam(learning_rate=0.001), from helpers.optim?"),
        (
            {"sgd": "SGD(0.1)", "adam": "Adam(learning_rate=0.1)"},
            "did you mean Adam(learning_rate=0.1), from helpers.optim?",
        ),
        (
            {"sgd": "helpers.optim.SGD(learning_rate=0.1)", "adam": "helpers.optim.Adam(0.1)"},
            "got 'adam' (a str); did you mean helpers.optim.Adam(0.1)?",
        ),
    ],
)
def test_an_optimizers_name_gets_an_example_that_suits_the_caller(examples, text):
    with pytest.raises(TypeError) as err:
        check_optimizer("adam", examples=examples)
    assert str(err.value).endswith(text)


def test_check_inputs_passes_raw_pixels_through_as_flat_uint8_views():
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    flat = check_inputs(images, 784, np.float32, "fit")
    assert flat.shape == (2, 784) and flat.dtype == np.uint8 and np.shares_memory(flat, images)
    again = check_inputs(flat, 784, np.float32, "fit")
    assert again.dtype == np.uint8 and np.shares_memory(again, images)


def test_check_inputs_treats_everything_else_as_check_features_does():
    x = np.ones((3, 4), dtype=np.float64)
    assert check_inputs(x, 4, np.float32, "fit").dtype == np.float32
    with pytest.raises(TypeError, match="int64 input; convert to floats first"):
        check_inputs(np.ones((3, 4), dtype=np.int64), 4, np.float32, "fit")
    with pytest.raises(ValueError, match=r"got input of shape \(3, 5\)"):
        check_inputs(np.ones((3, 5), dtype=np.uint8), 4, np.float32, "fit")
