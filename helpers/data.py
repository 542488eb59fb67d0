"""MNIST for the notebooks: load it, turn pixels into inputs, cut it into mini-batches.

    (x_train, y_train), (x_test, y_test) = load_mnist()   # real MNIST, offline, < 1 s
    x = prepare(x_train)                                   # (60000, 784) float32 in [0, 1]
    for xb, yb in batches(x, y_train, batch_size=128, seed=0):
        ...                                                # one epoch of shuffled batches

    x, y = load_inputs("train")    # the same x in one call, without holding the uint8 images

``fit``, ``Trainer``, ``evaluate`` and ``Model.predict`` also take the uint8 images as they
are and prepare each batch as they draw it (``batch_inputs``): the same numbers as
``prepare``, without a float32 copy of the whole set (4 bytes a pixel instead of 1).

Letters used for shapes in this module:

    N   number of examples (60,000 training and 10,000 test images in MNIST)
    H   image height in pixels (28)
    W   image width in pixels (28)
    D   numbers per flattened image, H * W = 784
    B   batch size (the last batch of an epoch may be smaller)
    K   number of classes (10 digits)

Where the data comes from (``source=``):

    "bundled"  data/mnist.npz in this repository: the real MNIST, read with numpy alone,
               its SHA-256 checked on every load. No network, no extra packages.
               See data/README.md for its provenance and licence.
    "tfds"     tensorflow_datasets (``pip install -e ".[tfds]"``); downloads MNIST the
               first time, so it needs the network once.
    "auto"     "bundled" if the file is there and intact, else "tfds" (the default).

Importing this module loads nothing and imports no TensorFlow.
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
import time
import weakref
import zipfile
from pathlib import Path

import numpy as np

from helpers.exercises import rebuilt
from helpers.validation import check_batch_size, check_finite, check_labels

__all__ = [
    "DataError",
    "batch_inputs",
    "batches",
    "clear_cache",
    "load_inputs",
    "load_mnist",
    "one_hot",
    "prepare",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_PATH = REPO_ROOT / "data" / "mnist.npz"
# The bundled file, byte for byte. data/make_mnist.py rebuilds it and prints this value.
MNIST_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
ENV_PATH = "MNIST_NPZ"  # environment variable that points load_mnist at another copy

SOURCES = ("auto", "bundled", "tfds")
SPLITS = ("train", "test")
SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}
IMAGE_SHAPE = (28, 28)  # (H, W)

# tensorflow_datasets downloads MNIST from here; reaching it is checked before tfds tries.
TFDS_HOST = "storage.googleapis.com"
TFDS_PORT = 443
NETWORK_TIMEOUT = 3.0  # seconds

_RESTORE_HINT = (
    "Restore it from git with `git checkout -- data/mnist.npz` (run in the repository "
    "root), or rebuild it with `python data/make_mnist.py`."
)


def _named_by(npz_path: Path) -> str:
    """Where a path other than the default came from: "MNIST_NPZ" (the environment
    variable) or "path=" (load_mnist's argument)."""
    env = os.environ.get(ENV_PATH)
    if env and Path(env).expanduser().resolve() == npz_path:
        return ENV_PATH
    return "path="


def _restore_hint(npz_path: Path) -> str:
    """How to get a good file at ``npz_path``: git restores the repository's own copy; a
    path given as path= or MNIST_NPZ needs a copy of it (git cannot restore that)."""
    if npz_path == BUNDLED_PATH.resolve():
        return _RESTORE_HINT
    named = _named_by(npz_path)
    leave = f"unset {ENV_PATH}" if named == ENV_PATH else "leave path= out"
    return (
        f"This file was named by {named}, not the repository's own data/mnist.npz: copy that "
        f"one there (`cp {BUNDLED_PATH} {npz_path}`), or {leave} to read it in place."
    )


class DataError(RuntimeError):
    """The data could not be loaded. The first line says what is wrong, the rest how to fix it."""


# ------------------------------------------------------------------------- loading ----

# Loaded datasets, keyed by (source, where from). The arrays are read-only, so handing the
# same ones to every caller is safe.
_CACHE: dict[tuple[str, str], tuple[tuple, tuple]] = {}


def clear_cache() -> None:
    """Forget the datasets loaded and prepared so far; the next load_mnist reads them again."""
    _CACHE.clear()
    _PREPARED.clear()
    _INPUTS.clear()


def load_mnist(source: str = "auto", *, path=None, verbose: bool = True):
    """Return MNIST as ``(train_images, train_labels), (test_images, test_labels)``.

    train_images: (60000, H, W) uint8, pixels 0 (black) … 255 (white)
    train_labels: (60000,) uint8, the digit 0 … 9 drawn in each image
    test_images:  (10000, H, W) uint8
    test_labels:  (10000,) uint8

    The same layout as ``keras.datasets.mnist.load_data()``, in the original order.

    source:  "auto" (default), "bundled" or "tfds"; see the module docstring.
    path:    the .npz file for the bundled source. Default: the environment variable
             MNIST_NPZ if set, else data/mnist.npz in this repository. The file must be
             the bundled one byte for byte (its SHA-256 is checked).
    verbose: print one line saying which data was used.

    The arrays are loaded once per session and then shared, so a second call returns
    at once. They are read-only so that no cell can change the data every other cell
    sees; ``prepare`` makes a new array anyway, and ``images.copy()`` gives a writable one.

    Raises DataError, saying what went wrong and how to fix it, when the data cannot be
    loaded; ValueError for an unknown ``source``.
    """
    if source not in SOURCES:
        choices = ", ".join(repr(s) for s in SOURCES)
        raise ValueError(f"source must be one of {choices}; got {source!r}.")
    npz_path = _bundled_path(path)

    if source == "bundled":
        return _load_cached("bundled", npz_path, verbose)
    if source == "tfds":
        return _load_cached("tfds", None, verbose)

    problems: list[tuple[str, DataError]] = []
    for name, where in (("bundled", npz_path), ("tfds", None)):
        try:
            return _load_cached(name, where, verbose, fell_back_because=problems)
        except DataError as err:
            problems.append((name, err))
    raise DataError(
        "MNIST could not be loaded from any source (source='auto' tried them in turn):\n\n"
        + "\n\n".join(f"[{name}] {err}" for name, err in problems)
    )


def load_inputs(split: str = "train", source: str = "auto", *, path=None, verbose: bool = True):
    """Return one split of MNIST ready for a network: ``(x, labels)``.

    x:      (N, D) float32 in [0, 1], read-only: exactly ``prepare(images)`` of the images
            ``load_mnist`` returns (N = 60,000 for "train", 10,000 for "test")
    labels: (N,) uint8, the digit 0 … 9 drawn in each image

    split:  "train" or "test"; source, path, verbose: as for ``load_mnist``.

    From the bundled file the images are turned into inputs block by block as they are
    read, so the raw uint8 images (47 MB for the training set) are never held beside the
    188 MB of inputs: use this when a notebook needs the inputs and not the pictures
    (``plots.show_digits`` draws the inputs too). While any cell still holds ``x`` (or a
    slice of it), calling again hands back the same array instead of a second one; once
    nothing does, its memory is freed.

    Raises DataError when the data cannot be loaded (see ``load_mnist``); ValueError for an
    unknown ``split`` or ``source``.
    """
    if split not in SPLITS:
        choices = " or ".join(repr(s) for s in SPLITS)
        raise ValueError(f"split must be {choices}; got {split!r}.")
    if source not in SOURCES:
        choices = ", ".join(repr(s) for s in SOURCES)
        raise ValueError(f"source must be one of {choices}; got {source!r}.")
    npz_path = _bundled_path(path)
    if source != "tfds" and ("bundled", str(npz_path)) not in _CACHE:
        try:
            return _bundled_inputs(npz_path, split, verbose)
        except DataError:
            if source == "bundled":
                raise
    # tfds, or the uint8 images are loaded already: prepare those (shared the same way).
    images, labels = load_mnist(source, path=path, verbose=verbose)[SPLITS.index(split)]
    return prepare(images), labels


# Inputs read straight from the bundled file, keyed by (file, split): the array is held
# weakly (it is shared only while some cell still uses it), the labels (60 kB) strongly.
_INPUTS: dict[tuple[str, str], tuple[weakref.ref, np.ndarray]] = {}


def _bundled_inputs(npz_path: Path, split: str, verbose: bool):
    key = (str(npz_path), split)
    start = time.perf_counter()
    held = _INPUTS.get(key)
    x = held[0]() if held is not None else None
    cached = x is not None
    if cached:
        labels = held[1]
    else:
        x, labels = _read_inputs(npz_path, split)
        x.flags.writeable = False
        labels.flags.writeable = False
        _INPUTS[key] = (weakref.ref(x), labels)
    if verbose:
        when = "already loaded" if cached else f"in {time.perf_counter() - start:.2f} s"
        print(
            f"MNIST: bundled real MNIST from {_show(npz_path)} ({split}: {len(x):,} images "
            f"as {x.shape} {x.dtype} inputs, sha256 ok) {when}"
        )
    return x, labels


def _bundled_path(path) -> Path:
    if path is None:
        path = os.environ.get(ENV_PATH) or BUNDLED_PATH
    return Path(path).expanduser().resolve()


def _load_cached(source: str, npz_path: Path | None, verbose: bool, fell_back_because=()):
    key = (source, str(npz_path) if npz_path is not None else _tfds_data_dir() or "")
    start = time.perf_counter()
    cached = key in _CACHE
    if not cached:
        arrays = _load_bundled(npz_path) if source == "bundled" else _load_tfds()
        _CACHE[key] = _freeze(arrays)
    (x_train, y_train), (x_test, y_test) = _CACHE[key]
    if verbose:
        if source == "bundled":
            what = f"bundled real MNIST from {_show(npz_path)}"
            checked = ", sha256 ok"
        else:
            what = "MNIST via tensorflow_datasets"
            checked = ""
        when = "already loaded" if cached else f"in {time.perf_counter() - start:.2f} s"
        line = f"MNIST: {what} ({len(x_train):,} train + {len(x_test):,} test{checked}) {when}"
        if fell_back_because:  # source="auto" could not use the bundled file; say why
            first_line = str(fell_back_because[0][1]).split("\n")[0]
            line += f" [bundled file not used: {first_line}]"
        print(line)
    return _CACHE[key]


def _freeze(arrays: dict[str, np.ndarray]):
    for array in arrays.values():
        array.flags.writeable = False
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _show(path: Path) -> str:
    """``path`` relative to the repository root when it lies inside it (shorter to read)."""
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _load_bundled(npz_path: Path) -> dict[str, np.ndarray]:
    """Read and check the bundled .npz: hash first, then keys, shapes and dtypes."""
    raw = _read_bundled_bytes(npz_path)
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in SHAPES}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise _unreadable(npz_path, err) from err
    for key, array in arrays.items():
        _check_array(npz_path, key, array.shape, array.dtype)
    return arrays


_BLOCK = 1024  # images turned into inputs at a time by _read_inputs (0.8 MB of uint8)


def _read_inputs(npz_path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """x (N, D) float32 and labels (N,) uint8 of one split, from the bundled .npz.

    The images are decompressed and divided by 255 one block of ``_BLOCK`` at a time into
    the float32 array, so no (N, H, W) uint8 copy of the whole split is ever made.
    """
    raw = _read_bundled_bytes(npz_path)
    x_key, y_key = f"x_{split}", f"y_{split}"
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            with archive.open(f"{y_key}.npy") as member:
                labels = np.lib.format.read_array(member, allow_pickle=False)
            _check_array(npz_path, y_key, labels.shape, labels.dtype)
            with archive.open(f"{x_key}.npy") as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
                else:
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
                _check_array(npz_path, x_key, shape, dtype)
                if fortran:
                    raise ValueError(f"{x_key} is stored in Fortran order")
                n, d = shape[0], IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
                x = np.empty((n, d), dtype=np.float32)  # (N, D)
                for first in range(0, n, _BLOCK):
                    rows = min(_BLOCK, n - first)
                    block = member.read(rows * d)
                    if len(block) != rows * d:
                        raise EOFError(f"{x_key} ends after {first * d + len(block):,} bytes")
                    pixels = np.frombuffer(block, dtype=np.uint8).reshape(rows, d)  # (B, D)
                    batch_inputs(pixels, out=x[first : first + rows])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise _unreadable(npz_path, err) from err
    return x, labels


def _unreadable(npz_path: Path, err: Exception) -> DataError:
    return DataError(
        f"The bundled MNIST file {npz_path} cannot be read "
        f"({type(err).__name__}: {err}).\n{_restore_hint(npz_path)}"
    )


def _check_array(npz_path: Path, key: str, shape, dtype) -> None:
    if tuple(shape) != SHAPES[key] or dtype != np.uint8:
        raise DataError(
            f"The bundled MNIST file {npz_path} holds {key} as {dtype} of shape "
            f"{tuple(shape)}; expected uint8 of shape {SHAPES[key]}.\n{_restore_hint(npz_path)}"
        )


def _read_bundled_bytes(npz_path: Path) -> bytes:
    """The bytes of the bundled .npz (11 MB, compressed), its SHA-256 checked."""
    if npz_path.is_dir():
        inside = npz_path / BUNDLED_PATH.name
        env = _named_by(npz_path) == ENV_PATH
        give = f"set {ENV_PATH} to" if env else "give path="
        fix = (
            "."
            if inside.is_file()
            else f" after `cp {BUNDLED_PATH} {inside}`, or "
            + (f"unset {ENV_PATH}" if env else "leave path= out")
            + " to read the repository's own data/mnist.npz."
        )
        raise DataError(
            f"{npz_path} is a folder, not the bundled MNIST file (.npz): {give} the file "
            f"itself, e.g. {inside}{fix}"
        )
    if not npz_path.is_file():
        raise DataError(f"The bundled MNIST file {npz_path} is missing.\n{_restore_hint(npz_path)}")
    try:
        raw = npz_path.read_bytes()
    except OSError as err:
        raise DataError(f"The bundled MNIST file {npz_path} cannot be read ({err}).") from err
    if raw.startswith(b"version https://git-lfs"):
        raise DataError(
            f"{npz_path} is a Git LFS pointer, not the data.\n"
            + (
                f"Fetch the real file with `git lfs pull`. {_RESTORE_HINT}"
                if npz_path == BUNDLED_PATH.resolve()
                else _restore_hint(npz_path)
            )
        )
    digest = hashlib.sha256(raw).hexdigest()
    if digest != MNIST_SHA256:
        raise DataError(
            f"The bundled MNIST file {npz_path} is damaged or not the expected file: "
            f"its SHA-256 is {digest}, expected {MNIST_SHA256} "
            f"({len(raw):,} bytes read).\n{_restore_hint(npz_path)}"
        )
    return raw


def _tfds_data_dir() -> str | None:
    """Where tensorflow_datasets keeps its data: $TFDS_DATA_DIR, or None for its default."""
    return os.environ.get("TFDS_DATA_DIR") or None


def _network_available(
    host: str = TFDS_HOST, port: int = TFDS_PORT, timeout: float = NETWORK_TIMEOUT
) -> bool:
    """True if a TCP connection to ``host:port`` opens within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _load_tfds() -> dict[str, np.ndarray]:
    """Load MNIST through tensorflow_datasets, failing fast when it would need the network.

    Offline, tfds.load retries its download for minutes before giving up, so when MNIST is
    not prepared yet and its download host cannot be reached, this raises DataError at once.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's start-up chatter
    try:
        import tensorflow_datasets as tfds
    except ImportError as err:
        raise DataError(
            f"tensorflow_datasets is not installed ({err}).\n"
            'Install it with `pip install -e ".[tfds]"` in the repository root, or use '
            'load_mnist(source="bundled").'
        ) from err

    data_dir = _tfds_data_dir()
    builder = tfds.builder("mnist", data_dir=data_dir)
    if not builder.is_prepared() and not _network_available(TFDS_HOST, TFDS_PORT, NETWORK_TIMEOUT):
        raise DataError(
            f"tensorflow_datasets has no copy of MNIST in {builder.data_dir} and cannot "
            f"reach {TFDS_HOST}:{TFDS_PORT} to download it (no network?).\n"
            'Use load_mnist(source="bundled"), which needs no network; or connect to the '
            "network and try again; or download it once on a connected machine "
            "(`python -c \"import tensorflow_datasets as t; t.load('mnist')\"`) and copy "
            "~/tensorflow_datasets/mnist over (or point TFDS_DATA_DIR at it)."
        )
    try:
        train, test = tfds.as_numpy(
            tfds.load(
                "mnist",
                split=["train", "test"],
                batch_size=-1,
                as_supervised=True,
                data_dir=data_dir,
            )
        )
    except Exception as err:  # tfds raises many kinds; report them all the same way
        raise DataError(
            f"tensorflow_datasets failed to load MNIST ({type(err).__name__}: {err}).\n"
            'Use load_mnist(source="bundled"), which needs no network.'
        ) from err

    arrays = {}
    for split, (images, labels) in (("train", train), ("test", test)):
        images, labels = np.asarray(images), np.asarray(labels)
        if images.shape[1:] != (*IMAGE_SHAPE, 1) or len(labels) != len(images):
            raise DataError(
                f"tensorflow_datasets returned {split} images of shape {images.shape} and "
                f"{len(labels)} labels; expected (N, 28, 28, 1) and N labels.\n"
                'Use load_mnist(source="bundled").'
            )
        arrays[f"x_{split}"] = images.reshape(len(images), *IMAGE_SHAPE).astype(np.uint8)
        arrays[f"y_{split}"] = labels.astype(np.uint8)
    return arrays


# ---------------------------------------------------------------------- preparing ----


def prepare(images) -> np.ndarray:
    """Turn raw images into network inputs: (N, H, W) or (N, D) uint8 → (N, D) float32.

    Each image becomes one row of D = 784 numbers, and each pixel p becomes p / 255, so
    black is 0.0 and white is 1.0. The input is not changed. For the read-only arrays that
    ``load_mnist`` returns (and large slices of them) the result is read-only too and is
    shared while a cell holds it: preparing the same images again, as a re-run cell does,
    returns the same array instead of a second copy. Writeable input always gets a new,
    writeable array. ``load_inputs`` gives the same numbers without the uint8 images.

    Only raw uint8 pixels are accepted. Float input is refused because it has most
    likely been prepared already, and dividing by 255 a second time would silently make
    every image almost black.
    """
    images = np.asarray(images)
    n_pixels = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
    if images.dtype != np.uint8:
        if images.dtype.kind == "f":
            hint = (
                "these look prepared already (floats); use them as they are, "
                "or pass the raw uint8 images from load_mnist()"
            )
        else:
            hint = "convert pixel values 0 … 255 first, e.g. images.astype(np.uint8)"
        raise TypeError(f"prepare() needs uint8 pixels 0 … 255, got {images.dtype}; {hint}.")
    if images.shape[1:] not in (IMAGE_SHAPE, (n_pixels,)) or images.ndim not in (2, 3):
        if images.shape in (IMAGE_SHAPE, (n_pixels,)):
            hint = "for a single image pass images[None] (a batch of one)"
        else:
            hint = "pass a batch of 28×28 images, e.g. the x_train from load_mnist()"
        raise ValueError(
            f"prepare() expects images of shape (N, 28, 28) or (N, 784), "
            f"got {images.shape}; {hint}."
        )
    key = _prepared_key(images)
    hit = _PREPARED.get(key) if key is not None else None
    if hit is not None and hit[0]() is _root(images):
        prepared = hit[1]()
        if prepared is not None:
            return prepared
    prepared = batch_inputs(images.reshape(len(images), n_pixels))
    if key is not None:
        # Shared by every later call on the same read-only images, so it must stay as it is.
        prepared.flags.writeable = False
        for stale in [k for k, (_, ref) in _PREPARED.items() if ref() is None]:
            del _PREPARED[stale]
        while len(_PREPARED) >= _PREPARED_MAX:
            _PREPARED.pop(next(iter(_PREPARED)))
        _PREPARED[key] = (weakref.ref(_root(images)), weakref.ref(prepared))
    return prepared


def batch_inputs(rows: np.ndarray, dtype=np.float32, out: np.ndarray | None = None):
    """A batch ready for a model of ``dtype``: uint8 pixels (B, D) become p / 255, (B, D)
    float rows stay as they are (cast to ``dtype``).

    The one place the division is written: ``prepare``, ``load_inputs``, and ``fit``,
    ``Trainer``, ``evaluate`` and ``Model.predict`` given raw uint8 images all call this,
    so all of them give exactly the same numbers (float32 first, then cast for a model of
    another dtype). No checks and no caching: for data checked already (``prepare``,
    ``validation.check_inputs``). ``out``: a (B, D) array of ``dtype`` to write into (a
    batch buffer reused step after step) instead of allocating a new one.
    """
    if rows.dtype == np.uint8:
        if np.dtype(dtype) == np.float32:
            return np.divide(rows, 255, out=out, dtype=np.float32)
        rows = np.divide(rows, 255, dtype=np.float32)
    if out is None:
        return rows.astype(dtype, copy=False)
    out[...] = rows
    return out


# Prepared copies of read-only images (the arrays load_mnist returns, and slices of them),
# so that running a notebook's data cell again hands back the same (N, 784) float32 array
# instead of allocating a second one (188 MiB for the training set) beside the first.
# Only large inputs, and at most a few, are remembered; writeable inputs never are. The
# prepared array is held weakly: once no cell uses it (e.g. ``accuracy(prepare(images))``
# is done), its memory is freed instead of staying in this cache for the whole session.
_PREPARED: dict[tuple, tuple[weakref.ref, weakref.ref]] = {}
_PREPARED_MAX = 4
_PREPARED_MIN_IMAGES = 1000


def _root(array: np.ndarray) -> np.ndarray:
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _prepared_key(images: np.ndarray) -> tuple | None:
    if images.flags.writeable or len(images) < _PREPARED_MIN_IMAGES:
        return None
    return (images.__array_interface__["data"][0], images.shape, images.strides)


def one_hot(labels, num_classes: int = 10) -> np.ndarray:
    """Class indices (N,) → float32 (N, K): row i is all zeros except a 1 at labels[i]."""
    labels = check_labels(labels, num_classes)
    encoded = np.zeros((len(labels), num_classes), dtype=np.float32)
    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded


# ---------------------------------------------------------------------- batching ----


@rebuilt("batches")  # notebook 05's sgd_epoch exercise writes the shuffling and slicing
def batches(x, y, batch_size: int = 128, shuffle: bool = True, seed=None):
    """Yield ``(x_batch, y_batch)`` pairs covering every example exactly once: one epoch.

    x: (N, ...) and y: (N, ...), e.g. (N, D) inputs and (N,) labels.
    Yields x_batch (B, ...) and y_batch (B, ...); B = batch_size except for the last,
    smaller batch when N is not a multiple of batch_size (it is kept, not dropped).

    shuffle=True draws one random order of the N indices per call (sampling without
    replacement) and gathers each batch by index; the dataset itself is never reordered
    or copied as a whole. shuffle=False gives the examples in order.

    seed: None for a fresh order every time; an int for the same order every time; or an
    ``np.random.default_rng(seed)`` Generator to get a new order every epoch that is still
    reproducible:

        rng = np.random.default_rng(0)
        for epoch in range(5):
            for xb, yb in batches(x, y, seed=rng):   # different order each epoch
                ...

    Raises TypeError / ValueError at the call (not at the first batch) when batch_size
    is not a whole number >= 1, x and y have different lengths, or a float array holds
    NaN or inf (a problem with the data, which no learning rate can fix).
    """
    batch_size = check_batch_size(batch_size)
    if len(x) != len(y):
        raise ValueError(
            f"x and y must have one entry per example, but x has {len(x)} and y has "
            f"{len(y)}; pass matching inputs and labels, e.g. x_train with y_train."
        )
    for array, name in ((x, "x"), (y, "y")):
        if isinstance(array, np.ndarray):
            check_finite(array, f"batches: {name}")
    order = np.random.default_rng(seed).permutation(len(x)) if shuffle else None
    return _epoch(x, y, batch_size, order)


def _epoch(x, y, batch_size: int, order):
    for start in range(0, len(x), batch_size):
        if order is None:
            yield x[start : start + batch_size], y[start : start + batch_size]
        else:
            index = order[start : start + batch_size]
            yield x[index], y[index]
