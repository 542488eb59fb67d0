"""Importing the package only defines names: no seeding, no style changes, no data, no
output, no heavy imports. Checked in a fresh interpreter, module by module."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import helpers

MODULES = sorted(m.name for m in pkgutil.iter_modules(helpers.__path__) if m.name != "__main__")

PROBE = r"""
import sys
import numpy as np
import matplotlib

state = np.random.get_state()[1].copy()
rc = dict(matplotlib.rcParams)
backend = matplotlib.get_backend()
import importlib
importlib.import_module("helpers.{module}")
assert (np.random.get_state()[1] == state).all(), "the global random state changed"
changed = [k for k, v in matplotlib.rcParams.items() if rc.get(k) != v and k != "backend"]
assert not changed, f"rcParams changed: {{changed}}"
heavy = ("tensorflow", "tensorflow_datasets", "torch", "jax", "scipy")
heavy = [m for m in heavy if m in sys.modules]
assert not heavy, f"imported on import: {{heavy}}"
"""


def test_the_package_has_the_modules_of_the_lecture():
    expected = {"layers", "losses", "gradients", "optim", "train", "landscapes", "data"}
    assert expected <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_import_has_no_side_effects(module):
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        cwd=Path(helpers.__file__).parent.parent,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "", f"importing helpers.{module} printed: {result.stdout!r}"


def test_set_seed_makes_numpy_repeatable():
    import numpy as np

    first = (helpers.set_seed(3).random(), np.random.random())  # noqa: NPY002
    second = (helpers.set_seed(3).random(), np.random.random())  # noqa: NPY002
    assert first == second


def test_pyproject_installs_every_subpackage():
    import tomllib

    root = Path(helpers.__file__).parent
    on_disk = {
        ".".join(init.parent.relative_to(root.parent).parts) for init in root.rglob("__init__.py")
    }
    with open(root.parent / "pyproject.toml", "rb") as f:
        listed = set(tomllib.load(f)["tool"]["setuptools"]["packages"])
    assert listed == on_disk, "a non-editable install would miss " + str(on_disk - listed)
