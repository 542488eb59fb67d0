"""The course's address (tools/course.py, `make course REPO=owner/name`) and the Colab cell.

pyproject.toml's [project.urls] Repository is the one place that holds the address; the
README badges and every notebook's Colab cell and launch line (both editions) follow it,
and nothing else spells the placeholder. On Colab (simulated: a fake `google.colab` module,
a `file://` clone source, a throwaway venv) the Colab cell fetches and installs the course
so that the notebook's own next cells import `helpers` from the clone and load MNIST, and a
clone that fails stops the notebook with one sentence that says what to set.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "course.py"
PLACEHOLDER = "OWNER/REPO"  # the documented default: not set yet
EDITIONS = ("notebooks", "notebooks/student")
LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)\)")
GUARD = 'if "google.colab" in sys.modules:'
GIT_TIMEOUT = 120  # seconds, for each git command
CELL_TIMEOUT = 300  # seconds, for each notebook cell (the Colab cell clones and installs)


def _tool():
    spec = importlib.util.spec_from_file_location("course", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course = _tool()


def repo_in_pyproject(root: Path) -> str:
    url = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    return url["Repository"].removeprefix("https://github.com/")


def notebooks(root: Path) -> list[Path]:
    return [p for folder in EDITIONS for p in sorted((root / folder).glob("[0-9][0-9]_*.ipynb"))]


def colab_cell(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and GUARD in c.source]
    assert len(cells) == 1, f"{path.name}: expected one guarded Colab cell, found {len(cells)}"
    return cells[0]


def launch_links(path: Path) -> list[dict[str, str]]:
    """The web links of each markdown cell above the first code cell that has any."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            break
        links = dict(LINK.findall(cell.source))
        if links:
            found.append(links)
    return found


def launch(cell) -> bool:
    """A launch line: a markdown cell linking into Colab's GitHub viewer or Binder."""
    return cell.cell_type == "markdown" and bool(
        re.search(r"colab\.research\.google\.com/github/|mybinder\.org/v2/gh/", cell.source)
    )


def expected_links(repo: str, relative: str) -> dict[str, str]:
    quoted = relative.replace("/", "%2F")
    return {
        "Open in Colab": f"https://colab.research.google.com/github/{repo}/blob/main/{relative}",
        "Open in Binder": f"https://mybinder.org/v2/gh/{repo}/HEAD?labpath={quoted}",
    }


def readme_badges(root: Path) -> list[str]:
    return [
        line
        for line in (root / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("[![")
    ]


def inconsistencies(root: Path) -> list[str]:
    """Every place that disagrees with pyproject's address, worked out here from the files
    themselves (not with the tool's own functions)."""
    repo = repo_in_pyproject(root)
    is_set = repo != PLACEHOLDER
    wrong = []
    expected_badges = (
        [
            "[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"(https://colab.research.google.com/github/{repo}/blob/main/notebooks/00_index.ipynb)"
            " [![Binder](https://mybinder.org/badge_logo.svg)]"
            f"(https://mybinder.org/v2/gh/{repo}/HEAD?labpath=notebooks%2F00_index.ipynb)"
        ]
        if is_set
        else []
    )
    if readme_badges(root) != expected_badges:
        wrong.append(f"README.md badges: {readme_badges(root)}")
    for path in notebooks(root):
        relative = path.relative_to(root).as_posix()
        repo_line = re.search(r'COURSE_REPO = "([^"]*)"', colab_cell(path))
        cloned = repo_line.group(1) if repo_line else None
        if cloned != (f"https://github.com/{repo}" if is_set else ""):
            wrong.append(f"{relative}: COURSE_REPO is {cloned!r}")
        links = launch_links(path)
        if links != ([expected_links(repo, relative)] if is_set else []):
            wrong.append(f"{relative}: launch links {links}")
    return wrong


def copy_course(destination: Path) -> Path:
    """What tools/course.py reads and writes, copied (both editions) to `destination`."""
    for name in ("pyproject.toml", "README.md", "tools/course.py"):
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, destination / name)
    for path in notebooks(ROOT):
        target = destination / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return destination


def run_tool(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(root / "tools" / "course.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    paths = [root / "pyproject.toml", root / "README.md", *notebooks(root)]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in paths}


# ------------------------------------------------------------- consistency ----


def test_pyproject_holds_one_github_address():
    repo = repo_in_pyproject(ROOT)
    assert re.fullmatch(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+", repo), (
        f'pyproject.toml: [project.urls] Repository = "https://github.com/{repo}" should be '
        "https://github.com/owner/name; set it with `make course REPO=owner/name`"
    )


def test_readme_and_every_notebook_use_the_address_in_pyproject():
    wrong = inconsistencies(ROOT)
    assert not wrong, (
        f"these disagree with pyproject.toml's address ({repo_in_pyproject(ROOT)}); run "
        "`make course` (python tools/course.py):\n  " + "\n  ".join(wrong)
    )
    done = run_tool(ROOT, "--check")
    assert done.returncode == 0, done.stderr


def test_nothing_else_says_the_placeholder():
    """OWNER/REPO, the documented default, stands only in pyproject.toml (the Repository
    line and the comment above it); the tool and this test recognise it."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    listed = subprocess.run(
        ["git", "ls-files", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=GIT_TIMEOUT,
    ).stdout.decode()
    allowed_files = {"tools/course.py", "tests/test_course.py"}
    found = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if name in allowed_files or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary data (data/mnist.npz)
        for number, line in enumerate(text.splitlines(), 1):
            if PLACEHOLDER not in line:
                continue
            if name == "pyproject.toml" and line.startswith("Repository = "):
                continue
            if name == "pyproject.toml" and line.startswith("#"):
                continue  # the comment that documents the default
            found.append(f"{name}:{number}: {line.strip()[:100]}")
    assert not found, (
        f"{PLACEHOLDER} outside pyproject.toml's default; take the address from pyproject.toml "
        "(make course writes it):\n  " + "\n  ".join(found)
    )


# ----------------------------------------------------------------- the tool ----


def test_the_tool_sets_the_address_everywhere_and_back(tmp_path):
    root = copy_course(tmp_path)
    done = run_tool(root, "--repo", "someone/else")
    assert done.returncode == 0, done.stderr
    assert repo_in_pyproject(root) == "someone/else"
    assert not inconsistencies(root)
    badges = readme_badges(root)
    assert len(badges) == 1 and "someone/else" in badges[0]
    for path in notebooks(root):
        assert 'COURSE_REPO = "https://github.com/someone/else"' in colab_cell(path)
        relative = path.relative_to(root).as_posix()
        assert launch_links(path) == [expected_links("someone/else", relative)]
    student = root / "notebooks" / "student" / "01_kernel_and_bias.ipynb"
    assert "notebooks%2Fstudent%2F01_kernel_and_bias.ipynb" in str(launch_links(student))

    checked = run_tool(root, "--check")
    assert checked.returncode == 0, checked.stderr
    assert "https://github.com/someone/else" in checked.stdout

    before = snapshot(root)
    again = run_tool(root)  # without --repo: re-applies pyproject's address
    assert again.returncode == 0, again.stderr
    assert snapshot(root) == before, "a second run changed files"

    # Back to the default: no launch lines, no badges, an empty COURSE_REPO.
    unset = run_tool(root, "--repo", PLACEHOLDER)
    assert unset.returncode == 0, unset.stderr
    assert not inconsistencies(root)
    assert readme_badges(root) == []
    for path in notebooks(root):
        assert launch_links(path) == []
        assert 'COURSE_REPO = ""' in colab_cell(path)


def test_setting_the_address_leaves_slides_and_student_edition_consistent(tmp_path):
    # Issue 25: after `make course REPO=...` the new launch lines had no slide metadata, so
    # the slide and student-edition checks failed until slides.py and make student ran.
    root = copy_course(tmp_path)
    for name in ("tools/slides.py", "tools/student_edition.py", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, root / name)

    def tool(name: str, *args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, str(root / "tools" / name), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=300)

    for name in ("slides.py", "student_edition.py"):  # a consistent start, whatever the tree
        assert tool(name).returncode == 0
    assert run_tool(root, "--repo", "someone/else").returncode == 0
    for name in ("slides.py", "student_edition.py"):
        done = tool(name, "--check")
        assert done.returncode == 0, f"{name} --check after course.py --repo:\n{done.stderr}"


def test_every_notebook_has_the_metadata_its_kernel_writes():
    # Issue 25: with language_info {"name": "python"} only, JupyterLab filled it in as the
    # kernel started and every notebook showed as modified right after opening. What a
    # real kernel of this environment reports is what the notebooks must carry.
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        reply = client.kernel_info(reply=True, timeout=60)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    language_info = reply["content"]["language_info"]
    spec = manager.kernel_spec
    kernelspec = {"display_name": spec.display_name, "language": spec.language, "name": "python3"}
    wrong = [
        path.relative_to(ROOT).as_posix()
        for path in notebooks(ROOT)
        if nbformat.read(path, as_version=4).metadata.get("language_info") != language_info
        or nbformat.read(path, as_version=4).metadata.get("kernelspec") != kernelspec
    ]
    assert not wrong, f"not this kernel's metadata (run make course): {wrong}"


def test_the_colab_cell_is_collapsed_and_nothing_in_it_is_cut_off():
    # Issue 25: at 1280 px a student's first code cell was the ~30-line Colab cell, its
    # COURSE_REPO line cut off after `make course`. Collapsed, lines of at most 88 characters.
    source = course.colab_cell_source("my-school/neural-networks")
    long = [line for line in source.splitlines() if len(line) > 88]
    assert not long, long
    for path in notebooks(ROOT):
        cells = nbformat.read(path, as_version=4).cells
        colab = next(c for c in cells if c.cell_type == "code" and GUARD in c.source)
        assert colab.metadata.get("jupyter") == {"source_hidden": True}, path.name


def test_the_tool_leaves_the_other_cells_alone(tmp_path):
    root = copy_course(tmp_path)
    assert run_tool(root, "--repo", "someone/else").returncode == 0
    for path in notebooks(root):
        original = [
            c
            for c in nbformat.read(ROOT / path.relative_to(root), as_version=4).cells
            if not launch(c)
        ]
        kept = [c for c in nbformat.read(path, as_version=4).cells if not launch(c)]
        assert len(kept) == len(original), f"{path.name}: cells added or removed"
        for old, new in zip(original, kept, strict=True):
            if old.cell_type == "code" and GUARD in old.source:
                continue  # the Colab cell: written by the tool
            assert (old.cell_type, old.source, old.metadata) == (
                new.cell_type,
                new.source,
                new.metadata,
            ), f"{path.name}: cell {old.get('id')} changed"


def test_check_names_what_disagrees(tmp_path):
    root = copy_course(tmp_path)
    assert run_tool(root, "--repo", "someone/else").returncode == 0
    path = root / "notebooks" / "02_training_loop.ipynb"
    path.write_text(path.read_text(encoding="utf-8").replace("someone/else", "someone/old"))
    before = snapshot(root)
    done = run_tool(root, "--check")
    assert done.returncode == 1
    assert "notebooks/02_training_loop.ipynb" in done.stderr
    assert "make course" in done.stderr
    assert snapshot(root) == before, "--check changed files"
    assert run_tool(root).returncode == 0
    assert run_tool(root, "--check").returncode == 0


def test_a_malformed_address_gets_one_clear_error(tmp_path):
    root = copy_course(tmp_path)
    before = snapshot(root)
    # a newline inside (issue 25: "$" matched before it, and the address broke the TOML,
    # every Colab cell and --check), or a name GitHub does not allow
    malformed = ["a/b\n/", "a/b\nc", "a\n/b", "a/b\n\n/", "a/..", "a/."]
    for given in ["someone", "https://gitlab.com/a/b", "a/b/c", "a b/c", *malformed]:
        done = run_tool(root, "--repo", given)
        assert done.returncode == 2, given
        assert done.stderr.strip().splitlines() == [
            f"error: {given!r} is not a GitHub repository: give it as owner/name "
            "(e.g. make course REPO=my-school/neural-networks)."
        ]
    assert snapshot(root) == before


@pytest.mark.parametrize(
    "given", ["someone/else", "https://github.com/someone/else", "github.com/someone/else.git/"]
)
def test_the_address_can_be_given_as_a_url(given):
    assert course.slug(given) == "someone/else"


@pytest.mark.parametrize(
    "given", ["a/b\n/", "a/b\nx", "a\n/b", "a/b\r/", "\na/b\n/", "a/b\u2028/", "a/..", "a/."]
)
def test_the_whole_address_must_be_owner_slash_name(given):
    with pytest.raises(course.CourseError, match="is not a GitHub repository"):
        course.slug(given)


# ------------------------------------------------------------ Colab, failing ----


def run_colab_cell_in_python(source: str, course_repo: str, course_dir: Path):
    """The Colab cell in a fresh Python, with a fake google.colab module imported."""
    source = re.sub(r'COURSE_REPO = "[^"]*"', f'COURSE_REPO = "{course_repo}"', source)
    source = source.replace('"/content/course"', repr(str(course_dir)))
    fake_colab = (
        "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", fake_colab + source],
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
    )


def test_the_colab_cell_stops_with_one_sentence_when_the_clone_fails(tmp_path):
    """On Colab, a course address that cannot be cloned stops the notebook with a sentence
    that says what to set, not silently."""
    source = colab_cell(ROOT / "notebooks" / "00_index.ipynb")
    assert 'COURSE_DIR = "/content/course"' in source
    missing = (tmp_path / "no-such-repository").as_uri()
    done = run_colab_cell_in_python(source, missing, tmp_path / "course")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: Could not fetch the course from file://"), last
    assert "set COURSE_REPO in this cell" in last
    assert not (tmp_path / "course").exists()


def test_the_colab_cell_stops_with_one_sentence_when_no_address_is_set(tmp_path):
    source = colab_cell(ROOT / "notebooks" / "00_index.ipynb")
    done = run_colab_cell_in_python(source, "", tmp_path / "course")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        "RuntimeError: COURSE_REPO is not set: set it in this cell to the address of your "
        "copy of the course (https://github.com/owner/name), then run it again."
    )
    assert not (tmp_path / "course").exists()


def test_outside_colab_the_colab_cell_does_nothing():
    source = colab_cell(ROOT / "notebooks" / "00_index.ipynb")
    done = subprocess.run(
        [sys.executable, "-c", source + "\nprint(sorted(k for k in globals() if k.isupper()))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"  # COURSE_REPO and COURSE_DIR were never set


# ------------------------------------------------------------ Colab, working ----


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        [
            "git",
            *("-c", "user.name=course test", "-c", "user.email=test@localhost"),
            *("-c", "commit.gpgsign=false", *args),
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=GIT_TIMEOUT,
    )


def clone_source(destination: Path) -> Path:
    """A git repository holding this working tree's tracked files (what a push would
    publish, uncommitted edits included), for the Colab cell to clone over file://."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=GIT_TIMEOUT,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # skips files deleted but not yet committed
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    git("init", "-q", "-b", "main", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-q", "--no-verify", "-m", "the course", cwd=destination)
    return destination


def throwaway_venv(destination: Path) -> Path:
    """A venv that sees this environment's packages (as Colab has numpy, matplotlib and
    ipywidgets) and installs into its own folder: the Colab cell's `pip install` changes
    nothing outside it. Returns its python."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(destination)],
        check=True,
        timeout=GIT_TIMEOUT,
    )
    python = destination / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    # --system-site-packages would show the base interpreter's packages, not this venv's.
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in site.getsitepackages())
    (Path(purelib) / "course_test_parent.pth").write_text(lines, encoding="utf-8")
    return python


def build_backend_missing() -> str | None:
    """Why `pip install --no-build-isolation -e .` cannot build here, or None."""
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return "setuptools is not installed"
    major, minor = (int(part) for part in version.split(".")[:2])
    if (major, minor) < (70, 1) and importlib.util.find_spec("wheel") is None:
        return f"setuptools {version} builds editable installs only with wheel installed"
    return None


def test_on_colab_the_next_cells_import_helpers_from_the_clone_and_load_mnist(
    tmp_path, monkeypatch
):
    """The Colab cell for real: a fake google.colab imported when the kernel starts, the
    course cloned over file:// and pip-installed (offline) into a throwaway venv; then the
    notebook's own next cells import helpers from the clone and load the bundled MNIST."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: there is no repository to clone")
    why = build_backend_missing()
    if why:
        pytest.skip(f"{why}; Colab has a newer setuptools (pip install wheel to run this)")

    source = clone_source(tmp_path / "source")
    python = throwaway_venv(tmp_path / "venv")
    fake = tmp_path / "fake" / "google" / "colab"  # google is a namespace package
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('"""Stands in for Colab\'s own module."""\n')
    kernels = tmp_path / "kernels"
    (kernels / "colab").mkdir(parents=True)
    spec = {
        "argv": [
            str(python),
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            "--IPKernelApp.exec_lines=import google.colab",  # as Colab's kernel has it
        ],
        "display_name": "Colab (simulated)",
        "language": "python",
    }
    (kernels / "colab" / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "fake"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # offline: a missing package fails, not downloads
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.delenv("MNIST_NPZ", raising=False)  # the bundled copy, from the clone

    lesson = nbformat.read(ROOT / "notebooks" / "01_kernel_and_bias.ipynb", as_version=4)
    code = [c for c in lesson.cells if c.cell_type == "code"]
    colab = next(i for i, c in enumerate(code) if GUARD in c.source)
    loads = next(i for i, c in enumerate(code) if "load_mnist(" in c.source)
    course_dir = tmp_path / "content" / "course"
    cells = [c.source for c in code[colab : loads + 1]]
    cells[0] = re.sub(r'COURSE_REPO = "[^"]*"', f'COURSE_REPO = "{source.as_uri()}"', cells[0])
    cells[0] = cells[0].replace('"/content/course"', repr(str(course_dir)))
    assert str(course_dir) in cells[0] and source.as_uri() in cells[0]
    cells.append(
        "import importlib.metadata, json, helpers, helpers.data\n"
        "dist = importlib.metadata.distribution('engine-of-neural-networks')\n"
        "print(json.dumps({'helpers': helpers.__file__, 'data': str(helpers.data.BUNDLED_PATH),\n"
        "    'installed_from': json.loads(dist.read_text('direct_url.json'))['url'],\n"
        "    'colab': 'google.colab' in sys.modules, 'pid': os.getpid(),\n"
        "    'train': list(train_images.shape), 'test': list(test_images.shape)}))"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in cells])

    ours = importlib.metadata.distribution("engine-of-neural-networks")
    installed_before = ours.read_text("direct_url.json")
    km = KernelManager(
        kernel_name="colab", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)])
    )
    client = NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    # cleanup_kc: shut the kernel down at the end (nbclient leaves a kernel manager it was
    # handed running). Raises CellExecutionError, with the traceback, if a cell fails.
    client.execute(cleanup_kc=True)

    printed = [o["text"] for o in nb.cells[-1].outputs if o.get("name") == "stdout"]
    report = json.loads(printed[-1])
    assert report["colab"] is True
    assert Path(report["helpers"]).is_relative_to(course_dir), report
    assert Path(report["data"]) == course_dir / "data" / "mnist.npz", report
    assert report["installed_from"] == course_dir.as_uri(), report
    assert report["train"] == [60000, 28, 28] and report["test"] == [10000, 28, 28]
    assert (course_dir / ".git").is_dir()
    with pytest.raises(ProcessLookupError):
        os.kill(report["pid"], 0)  # the kernel has stopped
    # This environment's own install of the course is untouched.
    assert ours.read_text("direct_url.json") == installed_before
