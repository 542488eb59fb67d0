"""Regenerate the tensorflow_datasets metadata for MNIST that tests/test_data.py mocks with.

tfds.testing.mock_data(policy=USE_FILES) reads dataset_info.json and features.json from
``<this folder>/mnist/<version>/``. Without them, mocking MNIST with ``batch_size=-1``
aborts the whole Python process inside TensorFlow (std::length_error), so they are kept
here. They are what tensorflow_datasets itself knows about MNIST (features, version,
citation) plus the two split sizes, 60,000 and 10,000; byte sizes are left unknown (0).

Run from the repository root; needs tensorflow-datasets, no network:

    python tests/tfds_metadata/make_tfds_metadata.py
"""

from pathlib import Path

import tensorflow_datasets as tfds

HERE = Path(__file__).resolve().parent


def main() -> None:
    # A data_dir without MNIST in it: the builder then describes MNIST from code alone.
    builder = tfds.builder("mnist", data_dir=str(HERE / "no-such-dir"))
    info = builder.info
    info.set_splits(
        tfds.core.SplitDict(
            [
                tfds.core.SplitInfo(name="train", shard_lengths=[60000], num_bytes=0),
                tfds.core.SplitInfo(name="test", shard_lengths=[10000], num_bytes=0),
            ]
        )
    )
    out = HERE / "mnist" / str(info.version)
    out.mkdir(parents=True, exist_ok=True)
    info.write_to_directory(str(out))
    print("wrote", ", ".join(sorted(p.name for p in out.iterdir())), "in", out)


if __name__ == "__main__":
    main()
