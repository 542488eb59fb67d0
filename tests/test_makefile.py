"""The Makefile's installs: each target installs what it needs, and again only when that
changes in pyproject.toml. Run against a copy with a stand-in venv whose pip only says what
it would install (nothing is downloaded or installed)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def repo(tmp_path):
    """Makefile and pyproject.toml in a copy, a .venv whose python is this interpreter and
    whose pip and jupyter print their arguments instead of installing."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    (tmp_path / "tools").mkdir()
    for name in ("student_edition.py", "course.py", "slides.py"):
        (tmp_path / "tools" / name).write_text(f"print('ran {name}')\n")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    (bin_dir / "jupyter").write_text('#!/bin/sh\necho jupyter "$@"\n')
    (bin_dir / "jupyter").chmod(0o755)
    return tmp_path


def make(repo: Path, *targets: str) -> str:
    done = subprocess.run(
        ["make", "--no-print-directory", "PIP=echo INSTALL", *targets],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def installs(output: str) -> list[str]:
    return re.findall(r"^INSTALL install -e (.*)$", output, re.MULTILINE)


def edit(repo: Path, old: str, new: str) -> None:
    path = repo / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    # make compares file dates: make sure the edit is newer than every stamp
    later = max(p.stat().st_mtime for p in (repo / ".venv").iterdir()) + 2
    os.utime(path, (later, later))


def test_the_student_edition_installs_nbgrader_not_the_test_install(repo):
    # Issue 25: make student depended on the whole test install, TensorFlow included.
    output = make(repo, "student")
    assert installs(output) == [".[lab,student]"]
    assert "ran student_edition.py" in output


def test_the_student_extra_is_nbgrader():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert [r.split(">")[0] for r in extras["student"]] == ["nbgrader"]


def test_make_course_leaves_slides_and_student_edition_written(repo):
    # Issue 25: make course REPO=... left the slide metadata and the student edition stale.
    output = make(repo, "course", "REPO=someone/else")
    ran = re.findall(r"^ran (\S+)$", output, re.MULTILINE)
    assert ran == ["course.py", "slides.py", "student_edition.py"]


def test_an_edit_that_changes_no_dependency_installs_nothing(repo):
    # Issue 25: after any change of pyproject.toml every target reinstalled.
    assert installs(make(repo, "student")) == [".[lab,student]"]
    assert installs(make(repo, "student")) == []
    edit(repo, "[tool.pytest.ini_options]", "# a comment\n[tool.pytest.ini_options]")
    assert installs(make(repo, "student")) == []
    edit(repo, '"tfds: needs tensorflow-datasets",', '"tfds: needs tensorflow-datasets!",')
    assert installs(make(repo, "student")) == []
    edit(repo, '"tensorflow-datasets>=4.9.6",', '"tensorflow-datasets>=4.9.7",')  # another extra
    assert installs(make(repo, "student")) == []
    edit(repo, '"nbgrader>=0.9.6",\n]', '"nbgrader>=0.9.7",\n]')  # the student extra itself
    assert installs(make(repo, "student")) == [".[lab,student]"]
    edit(repo, '"numpy>=1.26",', '"numpy>=1.26.1",')  # a core dependency: every install
    assert installs(make(repo, "student")) == [".[lab,student]"]
