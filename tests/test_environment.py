"""environment.yml (conda, Binder) must stay in step with pyproject.toml (pip, make)."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]

# PyPI name (canonical) -> conda-forge name (canonical) where the two differ.
# Every other package has the same name on both.
PYPI_TO_CONDA = {
    # conda-forge has no separate CPU wheel: its "tensorflow" is the CPU build
    # unless the machine has a GPU.
    "tensorflow-cpu": "tensorflow",
}

# The extras whose essentials Binder/conda users need to run every notebook.
# (test and bench are developer tools, installed with pip when wanted.)
REQUIRED_EXTRAS = ("lab", "tfds")

# How repo2docker reads the Python version from environment.yml. It only
# recognises "python=X.Y" (with "="); otherwise it builds on its default Python
# and has to upgrade it in place.
REPO2DOCKER_PYTHON = re.compile(r"python\s*=+\s*([\d\.]*)")


@pytest.fixture(scope="module")
def pyproject():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def env():
    data = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "environment.yml must be a mapping"
    return data


def conda_packages(env):
    """{canonical name: spec string} for the conda (non-pip) dependencies."""
    packages = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", dep)
            assert m, f"cannot parse conda dependency {dep!r}"
            packages[canonicalize_name(m.group(1))] = m.group(2).strip()
    return packages


def pip_section(env):
    sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(sections) == 1, "environment.yml needs exactly one `- pip:` list"
    return [str(line).strip() for line in sections[0]]


def conda_name(req: Requirement) -> str:
    name = canonicalize_name(req.name)
    return PYPI_TO_CONDA.get(name, name)


def test_env_has_name_and_uses_conda_forge(env):
    assert env.get("name"), "environment.yml needs a name for `conda env create`"
    assert env.get("channels") == ["conda-forge"] or "conda-forge" in env.get("channels", [])
    assert isinstance(env.get("dependencies"), list) and env["dependencies"]


def test_env_names_every_core_dependency(env, pyproject):
    conda = conda_packages(env)
    core = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    assert core, "pyproject.toml lists no core dependencies"
    missing = sorted({conda_name(r) for r in core} - conda.keys())
    assert not missing, f"environment.yml lacks core dependencies: {missing}"


@pytest.mark.parametrize("extra", REQUIRED_EXTRAS)
def test_env_names_extra_essentials(env, pyproject, extra):
    conda = conda_packages(env)
    reqs = [Requirement(r) for r in pyproject["project"]["optional-dependencies"][extra]]
    assert reqs, f"extra {extra!r} is empty in pyproject.toml"
    missing = sorted({conda_name(r) for r in reqs} - conda.keys())
    assert not missing, f"environment.yml lacks packages of the [{extra}] extra: {missing}"


def test_env_can_run_notebooks_as_tests(env):
    conda = conda_packages(env)
    for name in ("pytest", "nbval", "ipykernel", "pip"):
        assert name in conda, f"environment.yml lacks {name}"


def test_env_lower_bounds_match_pyproject(env, pyproject):
    """Where environment.yml gives a >= bound, it is not looser than pyproject's."""
    conda = conda_packages(env)
    reqs = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    for extra in REQUIRED_EXTRAS:
        reqs += [Requirement(r) for r in pyproject["project"]["optional-dependencies"][extra]]
    for req in reqs:
        spec = conda.get(conda_name(req), "")
        m = re.fullmatch(r">=\s*([\d.]+)", spec)
        pins = [s.version for s in req.specifier if s.operator == ">="]
        if m and pins:
            assert Version(m.group(1)) >= Version(pins[0]), (
                f"{req.name}: environment.yml allows {spec}, pyproject.toml needs >={pins[0]}"
            )


def test_env_installs_this_package_editable_with_pip(env):
    lines = pip_section(env)
    assert "-e ." in lines, (
        "environment.yml must install the package with `-e .` (editable, so helpers/ "
        f"finds data/ in the checkout); pip section is {lines}"
    )
    # The package must come from the checkout, not from an index by name.
    assert "engine-of-neural-networks" not in {canonicalize_name(x) for x in lines}


def test_env_python_satisfies_requires_python(env, pyproject):
    conda = conda_packages(env)
    assert "python" in conda, "environment.yml must name python"
    spec = conda["python"]
    # conda "=3.11" means 3.11.*; ">=3.11" and "==3.11.7" read as in pip.
    if re.fullmatch(r"=\s*[\d.]+", spec):
        spec = "==" + spec.lstrip("= ") + ".*"
    allowed_by_conda = SpecifierSet(spec)
    requires = SpecifierSet(pyproject["project"]["requires-python"])
    candidates = [Version(f"3.{minor}.0") for minor in range(8, 20)]
    conda_ok = [v for v in candidates if v in allowed_by_conda]
    assert conda_ok, f"environment.yml python spec {conda['python']!r} allows no Python 3"
    too_old = [str(v) for v in conda_ok if v not in requires]
    assert not too_old, (
        f"environment.yml allows Python {too_old}, but pyproject.toml requires {requires}"
    )


def test_env_python_pin_is_visible_to_repo2docker(env):
    pins = [
        REPO2DOCKER_PYTHON.match(d)
        for d in env["dependencies"]
        if isinstance(d, str) and d.startswith("python")
    ]
    found = [m.group(1) for m in pins if m and m.group(1)]
    assert found, "write the python dependency as `python=3.X` so Binder picks that Python"
    assert Version(found[0]) >= Version("3.11")
