"""The checkers of notebook 05, one answer battery per exercise: steps per epoch, the weight
of a chunk, and sgd_epoch. Each row is (answer, expected verdict, expected diagnosis); for
every row the hidden test, helpers.checks.confirm, fails exactly when the verdict is not
Right, so the visible check and the grade agree."""

import math

import battery
import numpy as np
import pytest

import helpers.checks
from helpers.checks import check_chunk_weight, check_sgd_epoch, check_steps_per_epoch, core
from helpers.checks import sgd as lesson
from helpers.data import batches
from helpers.losses import mean_squared_error
from helpers.optim import SGD


def _agrees_with_the_hidden_test(result):
    battery.agrees_with_the_hidden_test(result, lesson.DIAGNOSES)


def _replace_allclose(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: True)


# ------------------------------------------------------ exercise 1: steps per epoch ----

STEPS = [
    ("ceil", math.ceil(60_000 / 256), True, ""),
    ("-(-N // B)", -(-60_000 // 256), True, ""),
    ("a float 235.0", 235.0, True, ""),
    ("numpy integer", np.int64(235), True, ""),
    ("floor", 60_000 // 256, False, "off-by-one-batches"),
    ("floor + 2", 60_000 // 256 + 2, False, "off-by-one-batches"),
    ("not rounded", 60_000 / 256, False, "not-rounded"),
    ("multiplied", 60_000 * 256, False, "multiplied-not-divided"),
    ("batches of 128", 469, False, "other-batch-size"),
    ("something else", 7, False, "other"),
    ("text", "235", False, "wrong-type"),
    ("a list", [235, 1], False, "wrong-type"),
    ("blank", ..., False, "blank"),
]


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis"), [r[1:] for r in STEPS], ids=[r[0] for r in STEPS]
)
def test_steps_per_epoch_battery(answer, passed, diagnosis):
    result = check_steps_per_epoch(answer, num_examples=60_000, batch_size=256)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    _agrees_with_the_hidden_test(result)


@pytest.mark.parametrize(("num_examples", "batch_size"), [(60000, 128), (60000, 2048), (100, 10)])
def test_steps_per_epoch_other_sizes(num_examples, batch_size):
    result = check_steps_per_epoch(math.ceil(num_examples / batch_size), num_examples, batch_size)
    assert result.passed, str(result)


def test_steps_per_epoch_tampered(monkeypatch):
    _replace_allclose(monkeypatch)
    assert check_steps_per_epoch(235, batch_size=256).diagnosis == "tampered"


# ------------------------------------------------- exercise 2: the weight of a chunk ----

WEIGHTS = [
    ("96 / 60,000", 96 / 60_000, True, ""),
    ("0.0016", 0.0016, True, ""),
    ("float32", np.float32(96 / 60_000), True, ""),
    ("weight of a full chunk", 128 / 60_000, False, "full-chunk-weight"),
    ("equal weights", 1 / 469, False, "equal-weights"),
    ("the size", 96, False, "size-not-weight"),
    ("upside down", 60_000 / 96, False, "inverted"),
    ("rounded to one digit", 0.002, False, "other"),
    ("something else", 0.5, False, "other"),
    ("text", "0.0016", False, "wrong-type"),
    ("blank", ..., False, "blank"),
    ("None", None, False, "blank"),
]


@pytest.mark.parametrize(
    ("answer", "passed", "diagnosis"), [r[1:] for r in WEIGHTS], ids=[r[0] for r in WEIGHTS]
)
def test_chunk_weight_battery(answer, passed, diagnosis):
    result = check_chunk_weight(answer, chunk_size=96, num_examples=60_000)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    _agrees_with_the_hidden_test(result)


def test_chunk_weight_float32_says_so():
    assert check_chunk_weight(np.float32(0.0016)).precision == "float32"


def test_chunk_weight_tampered(monkeypatch):
    _replace_allclose(monkeypatch)
    assert check_chunk_weight(0.0016).diagnosis == "tampered"


# ---------------------------------------------------------- exercise 3: sgd_epoch ----


def _step(w, x_b, y_b, learning_rate, scale=1.0, size=None):
    size = len(x_b) if size is None else size
    return w - learning_rate * scale * 2 * x_b.T @ (x_b @ w - y_b) / size


def vectorised(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        w = _step(w, x[batch], y[batch], learning_rate)
    return w


def loop_over_examples(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for k in range(math.ceil(len(x) / batch_size)):
        batch = order[k * batch_size : (k + 1) * batch_size]
        gradient = np.zeros_like(w)
        for i in batch:
            gradient += 2 * (x[i] @ w - y[i]) * x[i]
        w = w - learning_rate * gradient / len(batch)
    return w


def in_place_with_the_package(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        _, dpredictions = mean_squared_error(x[batch] @ w, y[batch])
        w -= learning_rate * x[batch].T @ dpredictions
    return w


def with_sgd_step(w, x, y, learning_rate, batch_size, rng):
    """The package's optimizer for the update is allowed here (06 asks to rebuild it)."""
    optimizer, w = SGD(learning_rate), w.copy()
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        x_b, y_b = x[batch], y[batch]
        optimizer.step([w], [2 * x_b.T @ (x_b @ w - y_b) / len(x_b)])
    return w


def in_float32(w, x, y, learning_rate, batch_size, rng):
    w, x, y = (a.astype(np.float32) for a in (w, x, y))
    return vectorised(w, x, y, learning_rate, batch_size, rng)


def uphill(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        w = _step(w, x[batch], y[batch], -learning_rate)
    return w


def summed(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        w = _step(w, x[batch], y[batch], learning_rate, size=1)
    return w


def divided_by_batch_size(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        w = _step(w, x[batch], y[batch], learning_rate, size=batch_size)
    return w


def not_shuffled(w, x, y, learning_rate, batch_size, rng):
    for start in range(0, len(x), batch_size):
        w = _step(w, x[start : start + batch_size], y[start : start + batch_size], learning_rate)
    return w


def labels_not_shuffled(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        w = _step(w, x[batch], y[start : start + batch_size], learning_rate)
    return w


def new_order_every_batch(w, x, y, learning_rate, batch_size, rng):
    for _ in range(0, len(x), batch_size):
        batch = rng.permutation(len(x))[:batch_size]
        w = _step(w, x[batch], y[batch], learning_rate)
    return w


def drops_the_last_batch(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for k in range(len(x) // batch_size):
        batch = order[k * batch_size : (k + 1) * batch_size]
        w = _step(w, x[batch], y[batch], learning_rate)
    return w


def one_batch_too_many(w, x, y, learning_rate, batch_size, rng):
    """Right while N is not a multiple of B; an extra, empty batch (0 / 0) when it is."""
    order = rng.permutation(len(x))
    for k in range(len(x) // batch_size + 1):
        batch = order[k * batch_size : (k + 1) * batch_size]
        w = _step(w, x[batch], y[batch], learning_rate)
    return w


def without_the_two(w, x, y, learning_rate, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        w = _step(w, x[batch], y[batch], learning_rate, scale=0.5)
    return w


def with_the_package_batches(w, x, y, learning_rate, batch_size, rng):
    """The package's batches in place of the order and slices: the exercise's own work."""
    for x_b, y_b in batches(x, y, batch_size, seed=rng):
        w = _step(w, x_b, y_b, learning_rate)
    return w


def returns_a_list(w, x, y, learning_rate, batch_size, rng):
    return vectorised(w, x, y, learning_rate, batch_size, rng).tolist()


def stub(w, x, y, learning_rate, batch_size, rng):
    pass


def raises(w, x, y, learning_rate, batch_size, rng):
    raise ValueError("matmul: dimension mismatch")


def endless(w, x, y, learning_rate, batch_size, rng):
    start = 0
    while start < len(x):  # forgot start += batch_size
        w = _step(w, x[start : start + batch_size], y[start : start + batch_size], learning_rate)
    return w


def huge(w, x, y, learning_rate, batch_size, rng):
    return np.ones((20_000, 20_000))  # 3.2 GB, beyond the check's memory headroom


EPOCH_ANSWERS = [
    ("vectorised", vectorised, True, ""),
    ("loop over examples", loop_over_examples, True, ""),
    ("in place, package's loss", in_place_with_the_package, True, ""),
    ("package's SGD for the update", with_sgd_step, True, ""),
    ("float32", in_float32, True, ""),
    ("a list", returns_a_list, True, ""),
    ("uphill", uphill, False, "sign-flipped"),
    ("summed", summed, False, "summed-not-averaged"),
    ("divided by batch_size", divided_by_batch_size, False, "divided-by-batch-size"),
    ("not shuffled", not_shuffled, False, "not-shuffled"),
    ("labels not shuffled", labels_not_shuffled, False, "labels-not-shuffled"),
    ("new order every batch", new_order_every_batch, False, "reshuffled-every-batch"),
    ("drops the last batch", drops_the_last_batch, False, "off-by-one-batches"),
    ("one batch too many", one_batch_too_many, False, "off-by-one-batches"),
    ("without the 2", without_the_two, False, "missing-factor-two"),
    ("blank ...", ..., False, "blank"),
    ("stub", stub, False, "blank"),
    ("not a function", 3, False, "wrong-type"),
    ("raises", raises, False, "raised"),
    ("endless loop", endless, False, "timeout"),
    ("huge allocation", huge, False, "out-of-memory"),
]


@pytest.mark.parametrize(
    ("function", "passed", "diagnosis"),
    [r[1:] for r in EPOCH_ANSWERS],
    ids=[r[0] for r in EPOCH_ANSWERS],
)
def test_sgd_epoch_battery(function, passed, diagnosis, monkeypatch):
    monkeypatch.setattr(core, "TIME_LIMIT", 0.5)
    result = check_sgd_epoch(function)
    assert (result.passed, result.diagnosis) == (passed, diagnosis), str(result)
    _agrees_with_the_hidden_test(result)


@pytest.mark.parametrize("seed", [1, 2])
def test_sgd_epoch_other_seeds(seed):
    assert check_sgd_epoch(vectorised, seed=seed).passed
    assert check_sgd_epoch(divided_by_batch_size, seed=seed).diagnosis == "divided-by-batch-size"


def test_sgd_epoch_with_the_package_batches_is_a_shortcut():
    """The shuffling and slicing into batches are what the exercise asks for."""
    result = check_sgd_epoch(with_the_package_batches)
    assert result.diagnosis == "package-shortcut" and "helpers.data.batches" in result.message


def test_sgd_epoch_float32_says_so():
    result = check_sgd_epoch(in_float32)
    assert result.precision == "float32" and "float32" in result.message


def test_sgd_epoch_tampered(monkeypatch):
    _replace_allclose(monkeypatch)
    result = check_sgd_epoch(vectorised)
    assert result.diagnosis == "tampered"
    with pytest.raises(AssertionError, match="the check was changed"):
        helpers.checks.confirm(result)
