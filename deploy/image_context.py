"""The build context of the students' image (Zero to JupyterHub): ``python deploy/image_context.py``

The image is built by repo2docker from a folder, and everything in that folder ends up in
every student's container. Built from the repository, that would be the answer key: the
instructor notebooks, their hidden tests, the graders' tools and .git. This script copies
into a fresh folder only what a student's server needs:

    environment.yml, pyproject.toml   what repo2docker installs (pip install -e . of helpers)
    README.md                         a short one of its own (pyproject names a readme)
    helpers/, data/                   the package the notebooks import, the bundled MNIST
    notebooks/student/                the student edition (postStart copies it into homes)

then checks the folder (``check``): no notebook outside notebooks/student/, no nbgrader
solution or hidden-test region anywhere, no file identical to an instructor notebook.

    python deploy/image_context.py build/image    then: jupyter-repo2docker ... build/image
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FILES = ("environment.yml", "pyproject.toml")
FOLDERS = ("helpers", "data", "notebooks/student")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
# nbgrader's markers (nbgrader_config.py): answers and the tests that grade them
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
README = """# The Engine of Neural Networks: the students' image

Built by deploy/image_context.py from the course repository: the package (helpers/), the
bundled data and the student edition of the notebooks (notebooks/student/), nothing else.
"""


def build(out: Path, repo: Path = REPO_ROOT) -> list[Path]:
    """Write the context into ``out`` (which must not exist yet); its files, checked."""
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} exists: give a new folder (the context is built afresh)")
    out.mkdir(parents=True)
    for name in FILES:
        shutil.copy2(repo / name, out / name)
    (out / "README.md").write_text(README, encoding="utf-8")
    for name in FOLDERS:
        shutil.copytree(repo / name, out / name, ignore=IGNORED)
    check(out, repo)
    return sorted(p for p in out.rglob("*") if p.is_file())


def check(folder: Path, repo: Path = REPO_ROOT) -> None:
    """ValueError naming every file in ``folder`` that a student must not get."""
    instructor = {p.read_bytes() for p in (repo / "notebooks").glob("*.ipynb")}
    found = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        content = path.read_bytes()
        if path.suffix == ".ipynb" and relative.parent != Path("notebooks/student"):
            found.append(f"{relative}: a notebook outside notebooks/student/")
        if content in instructor:
            found.append(f"{relative}: an instructor notebook")
        text = content.decode("utf-8", errors="replace")
        found += [f"{relative}: contains {m!r}" for m in MARKERS if m in text]
    if found:
        raise ValueError("not for the students' image:\n  " + "\n  ".join(found))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python deploy/image_context.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", type=Path, help="a new folder for the build context")
    args = parser.parse_args(argv)
    try:
        files = build(args.out)
    except (FileExistsError, ValueError) as err:
        sys.exit(str(err))
    print(f"{len(files)} files in {args.out}: the student edition, helpers/, data/")


if __name__ == "__main__":
    main()
