"""Write the course's repository address everywhere a launch link needs it.

    python tools/course.py --repo owner/name   # set the address, then write it everywhere
    python tools/course.py                     # write the address pyproject.toml already holds
    python tools/course.py --check             # exit 1 and say what disagrees with it

``make course REPO=owner/name`` runs the first, ``make course`` the second. The one place
that holds the address is ``[project.urls] Repository`` in pyproject.toml. From it this
writes, in both editions (notebooks/NN_*.ipynb and notebooks/student/NN_*.ipynb):

- the Colab cell of every notebook (the code cell guarded by ``"google.colab"``), whose
  ``COURSE_REPO`` Colab clones; the whole cell is written from ``COLAB_CELL`` below, so it
  is the same in every notebook;
- an "Open in Colab · Open in Binder" line right after the navigation line at the top of
  every notebook, each link pointing at that notebook (the student edition's at
  notebooks/student/...);
- and the Binder and Colab badges under the README's title.

It also gives every notebook the kernel metadata JupyterLab writes on opening it
(``kernel_metadata``), so a notebook opened and left untouched does not show as modified.

``https://github.com/OWNER/REPO`` is the documented default and means "not set yet": then
there are no launch lines and no badges (links that cannot work are worse than none), and
the Colab cell's ``COURSE_REPO`` is empty, so on Colab it stops with a sentence that says
what to set. Running the command again changes nothing (it is idempotent), so run it after
editing notebooks; ``tools/student_edition.py`` applies the same to the student edition it
generates. Needs nbformat and JupyterLab's own jupyter_client and ipykernel (the lab extra).
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote

import nbformat

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = "pyproject.toml"
README = "README.md"
NOTEBOOK_DIRS = ("notebooks", "notebooks/student")
# The documented default of [project.urls] Repository: the address is not set yet.
PLACEHOLDER = "OWNER/REPO"
GITHUB = "https://github.com/"
BRANCH = "main"  # the branch Colab opens notebooks from (Binder uses HEAD)
# owner/name as GitHub allows them: an owner of letters, digits and single hyphens, a name
# of letters, digits, '.', '_' and '-' (but not "." or ".."). Matched against the whole
# string (fullmatch): "$" alone would also match before a final newline.
SLUG = re.compile(r"(?P<owner>[A-Za-z0-9](?:-?[A-Za-z0-9])*)/(?P<name>(?!\.\.?\Z)[A-Za-z0-9._-]+)")

COLAB_CELL = """\
# Colab only: fetch the course (package and bundled MNIST). Elsewhere: nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    # Your copy of the course; `make course REPO=owner/name` writes it here.
    COURSE_REPO = "{address}"
    COURSE_DIR = "/content/course"
    if not COURSE_REPO:
        raise RuntimeError(
            "COURSE_REPO is not set: set it in this cell to the address of your "
            "copy of the course (https://github.com/owner/name), then run it again."
        )
    if not os.path.isdir(COURSE_DIR):
        clone = ["git", "clone", "-q", "--depth=1", COURSE_REPO, COURSE_DIR]
        if subprocess.run(clone).returncode != 0:
            raise RuntimeError(
                f"Could not fetch the course from {{COURSE_REPO}}: set COURSE_REPO "
                "in this cell to the address of your copy of the course, then run "
                "it again."
            )
    # Colab has the course's dependencies and setuptools: install with those.
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation"]
    if subprocess.run([*pip, "-e", COURSE_DIR]).returncode != 0:
        raise RuntimeError(
            f"Installing the course from {{COURSE_DIR}} failed: see pip's message above."
        )
    sys.path.insert(0, COURSE_DIR)"""
# Its lines fit a code cell of JupyterLab at 1280 px with the file browser open (nothing cut
# off), and JupyterLab shows the cell collapsed: a student's first code cell is the lesson's.
COLAB_WIDTH = 88
COLAB_METADATA = {"source_hidden": True}
COLAB_GUARD = 'if "google.colab" in sys.modules:'
LAUNCH_CELL_ID = "open-in-colab"
# A launch line or a badge: a link into Colab's GitHub viewer or into Binder.
LAUNCH_LINK = re.compile(r"colab\.research\.google\.com/github/|mybinder\.org/v2/gh/")
NAVIGATION = re.compile(r"\]\([^)\s]*\.ipynb\)")  # a link to a notebook: the navigation line
# The README's title, then (once the address is set) a line of badges and a blank line.
README_TOP = re.compile(r"(?P<title># .*\n)\n(?P<badges>\[!\[Open in Colab\]\(.*\n)?\n?")


# The kernel JupyterLab starts for every notebook (the metadata's kernelspec name).
KERNEL_NAME = "python3"
# tools/slides.py hides a launch line from the slideshow; the tool writes it the same way.
LAUNCH_SLIDE = {"slide_type": "skip"}


class CourseError(Exception):
    """Bad input or a file this command cannot work with; the message says how to fix it."""


# ---------------------------------------------------------------- the address ----


def slug(repo: str) -> str:
    """'owner/name' from 'owner/name', 'https://github.com/owner/name' or '….git'.

    Raises CourseError, saying what was expected, for anything else.
    """
    text = repo.strip().removesuffix("/").removesuffix(".git")
    for prefix in (GITHUB, "http://github.com/", "github.com/"):
        text = text.removeprefix(prefix)
    if not SLUG.fullmatch(text):
        raise CourseError(
            f"{repo!r} is not a GitHub repository: give it as owner/name "
            "(e.g. make course REPO=my-school/neural-networks)."
        )
    return text


def address(repo_slug: str) -> str:
    """The repository's web address, https://github.com/owner/name."""
    return GITHUB + repo_slug


def is_set(repo_slug: str) -> bool:
    """False for the documented default OWNER/REPO: no address has been set yet."""
    return repo_slug != PLACEHOLDER


def colab_url(repo_slug: str, path: str) -> str:
    """Colab opening the notebook at `path` (relative to the repository root) from GitHub."""
    return f"https://colab.research.google.com/github/{repo_slug}/blob/{BRANCH}/{path}"


def binder_url(repo_slug: str, path: str) -> str:
    """Binder building the repository and opening `path` in JupyterLab."""
    return f"https://mybinder.org/v2/gh/{repo_slug}/HEAD?labpath={quote(path, safe='')}"


def read_repo(root: Path = ROOT) -> str:
    """The address in pyproject.toml's [project.urls] Repository, as owner/name."""
    path = root / PYPROJECT
    urls = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {}).get("urls", {})
    if "Repository" not in urls:
        raise CourseError(
            f'{path} has no [project.urls] Repository: add Repository = "{GITHUB}{PLACEHOLDER}" '
            "there, then run this again."
        )
    return slug(urls["Repository"])


def write_repo(repo_slug: str, root: Path = ROOT) -> bool:
    """Set [project.urls] Repository in pyproject.toml (that line only). True if it changed."""
    path = root / PYPROJECT
    text = path.read_text(encoding="utf-8")
    read_repo(root)  # the key exists and holds an address
    section = re.search(r"^\[project\.urls\]\n(?:(?!\[).*\n?)*", text, re.MULTILINE)
    if section is None:
        raise CourseError(f"{path}: write the course's address in a [project.urls] table.")
    line = re.compile(r'^(Repository\s*=\s*)"[^"]*"', re.MULTILINE)
    new_section, count = line.subn(rf'\g<1>"{address(repo_slug)}"', section.group(0), count=1)
    if count != 1:
        raise CourseError(
            f'{path}: write the Repository line of [project.urls] as Repository = "…" '
            "(one line, double quotes), then run this again."
        )
    new = text[: section.start()] + new_section + text[section.end() :]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


# ------------------------------------------------------------------ the files ----


def colab_cell_source(repo_slug: str) -> str:
    """The Colab cell every notebook starts with, cloning `repo_slug` (empty when not set)."""
    return COLAB_CELL.format(address=address(repo_slug) if is_set(repo_slug) else "")


def launch_line(repo_slug: str, path: str) -> str:
    """The markdown line at the top of the notebook at `path` that opens it online."""
    return (
        f"Run it online: [Open in Colab]({colab_url(repo_slug, path)}) · "
        f"[Open in Binder]({binder_url(repo_slug, path)})"
    )


def readme_badges(repo_slug: str) -> str:
    """The README's badge line: the index on Colab and on Binder."""
    index = "notebooks/00_index.ipynb"
    return (
        f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"({colab_url(repo_slug, index)}) "
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(repo_slug, index)})"
    )


def kernel_metadata() -> dict:
    """The notebook metadata JupyterLab writes when this environment's Python kernel starts:
    ``kernelspec`` (name, display name, language) and ``language_info`` (as ipykernel
    reports it, Python's version included).

    Every notebook carries exactly this, so opening one changes nothing; with less (say
    ``language_info: {"name": "python"}``) JupyterLab fills it in as the kernel starts and
    every notebook shows as modified (●) before the student has touched it. A kernel on
    another Python version still updates ``version``: run `make course` in the course's
    environment."""
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    return {
        "kernelspec": {
            "display_name": spec.display_name,
            "language": spec.language,
            "name": KERNEL_NAME,
        },
        "language_info": copy.deepcopy(IPythonKernel.language_info),
    }


def apply_to_notebook(
    nb: nbformat.NotebookNode, path: str, repo_slug: str, metadata: dict | None = None
) -> list[str]:
    """Give `nb` (the notebook at `path`, relative to the repository root) the Colab cell
    and the launch line for `repo_slug`, and the kernel's notebook `metadata` (default:
    ``kernel_metadata()``), in place. Returns what had to change (empty: it was up to
    date). Raises CourseError when the notebook has no Colab cell."""
    changes = []
    for key, value in (metadata or kernel_metadata()).items():
        if nb.metadata.get(key) != value:
            changes.append(
                f"its {key} is not what this environment's kernel writes (JupyterLab would "
                "mark the notebook modified on opening)"
            )
            nb.metadata[key] = copy.deepcopy(value)
    colab = [c for c in nb.cells if c.cell_type == "code" and COLAB_GUARD in c.source]
    if len(colab) != 1:
        raise CourseError(
            f"{path}: expected one Colab cell (a code cell with {COLAB_GUARD}), found "
            f"{len(colab)}; copy it from another notebook, then run this again."
        )
    cell_source = colab_cell_source(repo_slug)
    if colab[0].source != cell_source:
        expected = address(repo_slug) if is_set(repo_slug) else ""
        found = re.search(r'COURSE_REPO = "([^"]*)"', colab[0].source)
        if found and found.group(1) != expected:
            changes.append(f"the Colab cell's COURSE_REPO is {found.group(1)!r}, not {expected!r}")
        else:
            changes.append("the Colab cell is not tools/course.py's COLAB_CELL")
        colab[0].source = cell_source
    if colab[0].metadata.get("jupyter") != COLAB_METADATA:
        changes.append("the Colab cell is not collapsed")
        colab[0].metadata["jupyter"] = dict(COLAB_METADATA)

    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    launch = [
        i
        for i, c in enumerate(nb.cells[:first_code])
        if c.cell_type == "markdown" and LAUNCH_LINK.search(c.source)
    ]
    if not is_set(repo_slug):
        for i in reversed(launch):
            del nb.cells[i]
        if launch:
            changes.append("a launch line is there, but the address is not set")
        return changes
    line = launch_line(repo_slug, path)
    if not launch:
        after = 1 if nb.cells and NAVIGATION.search(nb.cells[0].source) else 0
        ids = {c.get("id") for c in nb.cells}
        cell = nbformat.v4.new_markdown_cell(line, metadata={"slideshow": dict(LAUNCH_SLIDE)})
        if LAUNCH_CELL_ID not in ids:
            cell.id = LAUNCH_CELL_ID
        nb.cells.insert(after, cell)
        changes.append("no launch line at the top")
        return changes
    if nb.cells[launch[0]].source != line:
        changes.append(f"the launch line does not open {path} of {repo_slug}")
        nb.cells[launch[0]].source = line
    if nb.cells[launch[0]].metadata.get("slideshow") != LAUNCH_SLIDE:
        changes.append("the launch line is not hidden from the slideshow")
        nb.cells[launch[0]].metadata["slideshow"] = dict(LAUNCH_SLIDE)
    for i in reversed(launch[1:]):
        del nb.cells[i]
        changes.append("more than one launch line")
    return changes


def apply_to_readme(text: str, repo_slug: str) -> tuple[str, list[str]]:
    """The README's text with the badge line for `repo_slug` right under its title (none
    when the address is not set), and what had to change."""
    top = README_TOP.match(text)
    if not top:
        raise CourseError(f"{README} must start with a '# ' title line for the badges to go under")
    found, rest = top.group("badges"), text[top.end() :]
    if not is_set(repo_slug):
        if found:
            return top.group("title") + "\n" + rest, [
                "badges are there, but the address is not set"
            ]
        return text, []
    badges = readme_badges(repo_slug)
    if found == badges + "\n":
        return text, []
    why = f"the badges do not point at {repo_slug}" if found else "no badges under the title"
    return top.group("title") + "\n" + badges + "\n\n" + rest, [why]


def notebooks(root: Path = ROOT) -> list[Path]:
    """Every notebook of both editions, in series order."""
    return [
        p for folder in NOTEBOOK_DIRS for p in sorted((root / folder).glob("[0-9][0-9]_*.ipynb"))
    ]


def write_text_if_changed(path: Path, text: str) -> None:
    if path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def run(repo: str | None = None, check: bool = False, root: Path = ROOT) -> list[str]:
    """Apply the address (`repo`, else pyproject's) to every file, or with check=True only
    say what disagrees with it. Returns one line per file that was (or would be) changed."""
    repo_slug = slug(repo) if repo is not None else read_repo(root)
    report = []
    if repo is not None and read_repo(root) != repo_slug:
        report.append(f"{PYPROJECT}: [project.urls] Repository is not {address(repo_slug)}")
        if not check:
            write_repo(repo_slug, root)
    readme = root / README
    text, changes = apply_to_readme(readme.read_text(encoding="utf-8"), repo_slug)
    report += [f"{README}: {change}" for change in changes]
    if changes and not check:
        write_text_if_changed(readme, text)
    metadata = kernel_metadata()
    for path in notebooks(root):
        relative = path.relative_to(root).as_posix()
        nb = nbformat.read(path, as_version=4)
        changes = apply_to_notebook(nb, relative, repo_slug, metadata)
        report += [f"{relative}: {change}" for change in changes]
        if changes and not check:
            # Written as nbformat and tools/student_edition.py write notebooks.
            write_text_if_changed(path, nbformat.writes(nb) + "\n")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repo",
        metavar="OWNER/NAME",
        help="the GitHub repository of the course (stored in pyproject.toml); "
        "default: the address pyproject.toml holds",
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file disagrees"
    )
    args = parser.parse_args(argv)
    try:
        report = run(args.repo, args.check)
        repo_slug = slug(args.repo) if args.repo is not None else read_repo()
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    where = address(repo_slug) if is_set(repo_slug) else f"not set ({PLACEHOLDER})"
    if args.check:
        if report:
            print(
                f"Not everything agrees with the course's address, {where}, and this environment's "
                "kernel:\n  "
                + "\n  ".join(report)
                + "\nRun `make course` (python tools/course.py) and commit the result.",
                file=sys.stderr,
            )
            return 1
        print(f"Every launch link and Colab cell uses the course's address, {where}.")
        return 0
    for line in report:
        print(f"updated {line}")
    print(f"The course's address is {where}; {len(report)} change(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
