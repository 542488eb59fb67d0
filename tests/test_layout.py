"""The map of the repository in README's "Layout" section agrees with the tree, and the package
students import (helpers/) imports nothing from the folders around it."""

import ast
import fnmatch
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELPERS = ROOT / "helpers"
# A top-level line of the map names a folder ("bench/   the benchmark"); a module of helpers/
# is indented by two spaces ("  layers.py   Dense ..."); deeper indents continue a line.
TOP_LINE = re.compile(r"^([A-Za-z0-9_.-]+)/\s")
MODULE_LINE = re.compile(r"^  ([A-Za-z0-9_]+(?:\.py|/))\s")
OUTSIDE = ("bench", "deploy", "tools", "tests", "site")  # helpers must not import these


def readme_map() -> list[str]:
    """The lines of the text block under README's "## Layout" heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)
    assert len(section) == 2, "README.md has no '## Layout' section (the repository's map)"
    block = re.search(r"```text\n(.*?)```", section[1], re.DOTALL)
    assert block, "README's Layout section has no ```text block (the map)"
    return block.group(1).splitlines()


def ignored_names() -> list[str]:
    """.gitignore's patterns that can match a top-level folder (no '/' inside them)."""
    patterns = []
    for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "/" not in line.rstrip("/").lstrip("/"):
            patterns.append(line.strip("/"))
    return patterns


def tree_folders() -> set[str]:
    """Top-level folders as they are now: not hidden, not ignored by .gitignore."""
    ignored = ignored_names()
    return {
        p.name
        for p in ROOT.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and not any(fnmatch.fnmatch(p.name, pattern) for pattern in ignored)
    }


def tree_modules() -> set[str]:
    """helpers/'s modules as they are now: name.py files and name/ packages (with __init__)."""
    files = {p.name for p in HELPERS.glob("*.py") if p.name != "__init__.py"}
    packages = {p.name + "/" for p in HELPERS.iterdir() if (p / "__init__.py").is_file()}
    return files | packages


def differences(kind: str, in_map: list[str], in_tree: set[str]) -> list[str]:
    problems = [
        f"{kind} {name} is in the tree but not in README's map"
        for name in sorted(in_tree - set(in_map))
    ]
    problems += [
        f"README's map lists {kind} {name}, which is not in the tree"
        for name in sorted(set(in_map) - in_tree)
    ]
    problems += [
        f"README's map lists {kind} {name} twice"
        for name in sorted({n for n in in_map if in_map.count(n) > 1})
    ]
    return problems


def test_every_top_level_folder_has_one_line_in_the_map():
    folders = [m.group(1) for line in readme_map() if (m := TOP_LINE.match(line))]
    problems = differences("folder", folders, tree_folders())
    assert not problems, "\n".join(problems) + "\n(add or remove its line in README's Layout)"


def test_every_module_of_helpers_has_one_line_in_the_map():
    lines = readme_map()
    start = next(i for i, line in enumerate(lines) if line.startswith("helpers/"))
    modules = []
    for line in lines[start + 1 :]:
        if TOP_LINE.match(line):
            break
        if m := MODULE_LINE.match(line):
            modules.append(m.group(1))
    problems = differences("module helpers/", modules, tree_modules())
    assert not problems, "\n".join(problems) + "\n(add or remove its line in README's Layout)"


def test_the_map_is_in_the_trees_order():
    lines = readme_map()
    folders = [m.group(1) for line in lines if (m := TOP_LINE.match(line))]
    modules = [m.group(1) for line in lines if (m := MODULE_LINE.match(line))]
    assert folders == sorted(folders), f"keep README's map alphabetical: {folders}"
    assert modules == sorted(modules), f"keep helpers/'s modules alphabetical: {modules}"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "path", sorted(HELPERS.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_helpers_imports_nothing_from_the_folders_around_it(path):
    outside = imported_modules(path) & set(OUTSIDE)
    assert not outside, (
        f"{path.relative_to(ROOT)} imports {sorted(outside)}: helpers/ is what a lesson imports "
        "and must stand alone (bench/, deploy/ and tools/ may import helpers, not the reverse)"
    )


def test_the_map_parser_sees_the_lines_it_should():
    # The two patterns on the kinds of lines the map has, so a change of format fails here first.
    assert TOP_LINE.match("bench/          the benchmark").group(1) == "bench"
    assert MODULE_LINE.match("  layers.py       Dense").group(1) == "layers.py"
    assert MODULE_LINE.match("  checks/         answers").group(1) == "checks/"
    assert not TOP_LINE.match("                driver and measured figures")
    assert not MODULE_LINE.match("                is the generated student edition")
