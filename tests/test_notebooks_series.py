"""The series as a whole: all twelve lessons in lecture order, the same skeleton in each,
navigation that opens and closes every notebook, and links that resolve."""

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
SERIES = [
    "00_index",
    "01_kernel_and_bias",
    "02_training_loop",
    "03_naive_update",
    "04_gradient",
    "05_sgd",
    "06_learning_rate",
    "07_momentum",
    "08_local_minima_and_optimizers",
    "09_backpropagation",
    "10_training_in_a_nutshell",
    "11_curvature",  # labs beyond the lecture (issue 22)
    "12_debugging_clinic",
]
PRESENT = [name for name in SERIES if (NOTEBOOK_DIR / f"{name}.ipynb").exists()]
LESSONS = [name for name in PRESENT if name != "00_index"]
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
# Parts of the skeleton every lesson has (headings, matched case-insensitively).
SKELETON = {
    "learning goals": r"^#+ .*learning goals",
    "check yourself": r"^#+ .*check[- ]yourself",
    "recap": r"^#+ .*recap",
    "exercises": r"^#+ .*exercises",
}


STUDENT_DIR = NOTEBOOK_DIR / "student"
# The student edition (generated from the instructor notebooks) must navigate as well.
EDITIONS = {"instructor": NOTEBOOK_DIR, "student": STUDENT_DIR}


def markdown(name, folder=NOTEBOOK_DIR):
    nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def test_the_whole_series_is_there():
    missing = [name for name in SERIES if name not in PRESENT]
    assert not missing, f"missing notebooks: {missing}"
    extra = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb") if p.stem not in SERIES)
    assert not extra, f"notebooks outside the series (add them to SERIES): {extra}"


@pytest.mark.parametrize("edition", sorted(EDITIONS))
@pytest.mark.parametrize("name", PRESENT)
def test_every_relative_link_resolves(name, edition):
    folder = EDITIONS[edition]
    broken = []
    for source in markdown(name, folder):
        for text, target in LINK.findall(source):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue  # web links and anchors within the page
            path = target.split("#")[0]
            if not (folder / path).resolve().exists():
                broken.append(f"[{text}]({target})")
    assert not broken, f"{name}: links to missing files: {broken}"


def expected_navigation(name):
    i = SERIES.index(name)
    links = {"contents": "00_index.ipynb"}
    if i > 0:
        links["previous"] = f"{SERIES[i - 1]}.ipynb"
    if i + 1 < len(SERIES):
        links["next"] = f"{SERIES[i + 1]}.ipynb"
    return links


def navigation_links(source):
    found = {}
    for text, target in LINK.findall(source):
        for word in ("previous", "contents", "next"):
            if word in text.lower():
                found[word] = target
    return found


@pytest.mark.parametrize("edition", sorted(EDITIONS))
@pytest.mark.parametrize("name", LESSONS)
def test_navigation_opens_and_closes_each_lesson(name, edition):
    cells = markdown(name, EDITIONS[edition])
    expected = expected_navigation(name)
    assert navigation_links(cells[0]) == expected, f"{name}: first cell's navigation"
    assert navigation_links(cells[-1]) == expected, f"{name}: last cell's navigation"


def test_the_index_links_every_lesson():
    text = "\n".join(markdown("00_index"))
    linked = {target for _, target in LINK.findall(text)}
    missing = [f"{name}.ipynb" for name in LESSONS if f"{name}.ipynb" not in linked]
    assert not missing, f"00_index does not link {missing}"


@pytest.mark.parametrize("name", LESSONS)
def test_each_lesson_has_the_skeleton(name):
    text = "\n".join(markdown(name))
    missing = [
        part
        for part, pattern in SKELETON.items()
        if not re.search(pattern, text, re.IGNORECASE | re.MULTILINE)
    ]
    assert not missing, f"{name} lacks: {missing}"


@pytest.mark.parametrize("name", LESSONS)
def test_learning_goals_are_at_most_three(name):
    text = "\n".join(markdown(name))
    section = re.split(r"^#+ .*learning goals.*$", text, flags=re.IGNORECASE | re.MULTILINE)[1]
    section = re.split(r"^#+ ", section, flags=re.MULTILINE)[0]
    bullets = [line for line in section.splitlines() if re.match(r"^\s*([-*]|\d+\.)\s", line)]
    assert 1 <= len(bullets) <= 3, f"{name}: {len(bullets)} learning goals"


@pytest.mark.parametrize("name", LESSONS)
def test_cells_call_the_package_and_set_a_seed(name):
    nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "from helpers" in code or "import helpers" in code
    assert "set_seed(" in code, f"{name}: the setup cell should call set_seed"


def colab_cell(name):
    nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and "google.colab" in c.source]
    assert len(cells) == 1, f"{name}: expected one guarded Colab cell, found {len(cells)}"
    return cells[0]


def test_every_notebook_has_the_same_guarded_colab_cell():
    cells = {name: colab_cell(name) for name in PRESENT}
    first = cells[PRESENT[0]]
    assert 'if "google.colab" in sys.modules:' in first
    different = [name for name, source in cells.items() if source != first]
    assert not different, f"Colab cell differs from {PRESENT[0]}'s in {different}"


# One class hour (issue 21): a notebook a teacher can step through in one 50-minute class.
CLASS_HOUR_WORDS = 2000  # words of prose: every markdown cell, navigation included
CLASS_HOUR_CELLS = 50  # cells of every kind
WORD = re.compile(r"[A-Za-z0-9'’-]+")


def class_hour_size(name) -> tuple[int, int]:
    """(words of prose, cells) of an instructor notebook."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    words = sum(len(WORD.findall(c.source)) for c in nb.cells if c.cell_type == "markdown")
    return words, len(nb.cells)


def test_every_notebook_fits_one_class_hour():
    sizes = {name: class_hour_size(name) for name in PRESENT}
    print(f"\n{'notebook':<36} {'words':>6} {'cells':>6}")
    for name, (words, cells) in sizes.items():
        print(f"{name:<36} {words:>6} {cells:>6}")
    too_long = {
        name: f"{words} words, {cells} cells"
        for name, (words, cells) in sizes.items()
        if words > CLASS_HOUR_WORDS or cells > CLASS_HOUR_CELLS
    }
    assert not too_long, (
        f"longer than one class hour (at most {CLASS_HOUR_WORDS} words of prose and "
        f"{CLASS_HOUR_CELLS} cells): {too_long}; move optional depth to a lab or cut"
    )
