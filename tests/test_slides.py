"""The lessons as slides: the slide metadata set by tools/slides.py, and a lesson presented.

The slide types of every cell come from ``python tools/slides.py`` (rules in its docstring).
Here: the rules on small made-up notebooks, the committed notebooks (both editions) carry
what the tool would set, and, in a real browser (marker ``browser``), JupyterLab's
presentation mode (jupyterlab-slideshow) steps through 06_learning_rate with Shift+Enter,
as a teacher does in class, up to the learning-rate explorer, whose slider still redraws
its plot while presenting. Screenshots (1280×800, a projector) go to test-artifacts/.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
import test_browser as browser_tests
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PRESENTED = ROOT / "notebooks" / "06_learning_rate.ipynb"


def _tool():
    spec = importlib.util.spec_from_file_location("slides", ROOT / "tools" / "slides.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


slides = _tool()
ONLINE = "06_online.ipynb"  # 06 with the launch line `make course REPO=...` writes


def _course():
    spec = importlib.util.spec_from_file_location("course", ROOT / "tools" / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- the rules ----


def _types(*cells):
    return slides.slide_types(new_notebook(cells=list(cells)))


def test_headings_open_slides_and_navigation_is_skipped():
    assert _types(
        new_markdown_cell("[← previous](a.ipynb) | [contents](00_index.ipynb)"),
        new_markdown_cell(
            "Open in [Colab](https://colab.research.google.com/github/o/r/blob/main/a.ipynb)"
            " or [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/o/r)"
        ),
        new_markdown_cell("# 6 · Title\n\n## Where we are"),
        new_markdown_cell("## A section"),
        new_markdown_cell("### A part of it"),
        new_markdown_cell("**What to notice**\n- this"),
        new_markdown_cell("**2.** An exercise"),
        new_markdown_cell("More prose."),
    ) == ["skip", "skip", "slide", "slide", "subslide", "subslide", "subslide", "-"]


def test_code_cells_by_what_they_do():
    colab = '# Colab only\nimport sys\nif "google.colab" in sys.modules:\n    pass'
    answer = new_code_cell("my_x = ...\n### BEGIN SOLUTION\nmy_x = 3\n### END SOLUTION")
    answer.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "x"}
    check = new_code_cell("result = check(my_x)\nresult")
    check.metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": "x-check"}
    assert _types(
        new_code_cell(colab),
        new_code_cell("import numpy as np\nfrom helpers.plots import plot_losses"),
        new_markdown_cell("## Section"),
        new_code_cell("losses = np.ones(3)\nplot_losses({'a': losses})"),
        new_code_cell("start = losses[0]\nassert start == 1, 'the claim'"),
        new_code_cell("fig, ax = plt.subplots()"),
        new_code_cell("explorer = learning_rate_explorer('parabola')\nexplorer"),
        new_code_cell("%time total = losses.sum()\nprint(total)"),
        answer,
        check,
    ) == ["skip", "subslide", "slide", "fragment", "skip", "fragment", "fragment", "-"] + [
        "fragment",
        "notes",
    ]


def test_a_cell_that_later_cells_need_is_never_hidden():
    """Skipped cells do not run in the slideshow, so they may define nothing used later."""
    assert _types(
        new_code_cell("total = 3\nassert total > 0"),
        new_code_cell("print(total)"),
        new_code_cell("other = 4\nassert other > 0"),
        new_code_cell("other = 5  # redefined before use: the cell above may go"),
        new_code_cell("print(other)"),
    ) == ["-", "-", "skip", "-", "-"]


def test_the_tool_is_idempotent_and_check_sees_a_stale_notebook(tmp_path, capsys):
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nbformat.read(PRESENTED, as_version=4), path)
    assert slides.main([str(path)]) == 0
    once = path.read_text(encoding="utf-8")
    assert slides.main([str(path)]) == 0
    assert path.read_text(encoding="utf-8") == once
    assert slides.main(["--check", str(path)]) == 0

    nb = nbformat.read(path, as_version=4)
    nb.cells[1].metadata["slideshow"] = {"slide_type": "fragment"}  # the title, by hand
    nbformat.write(nb, path)
    assert slides.main(["--check", str(path)]) == 1
    assert "python tools/slides.py" in capsys.readouterr().err


def test_a_missing_notebook_is_one_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as error:
        slides.main([str(tmp_path / "nope.ipynb")])
    assert error.value.code == 2
    assert "no such notebook" in capsys.readouterr().err


# ------------------------------------------------- the committed notebooks ----


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_the_committed_slide_metadata_is_what_the_tool_sets(path):
    nb = nbformat.read(path, as_version=4)
    assert not slides.apply(nb), (
        f"{path.name}: the slide metadata is stale; run `python tools/slides.py` and "
        "`make student`, then commit notebooks/"
    )


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_the_student_edition_keeps_the_slides(path):
    student = nbformat.read(path.parent / "student" / path.name, as_version=4)
    instructor = nbformat.read(path, as_version=4)
    assert [c.metadata.get("slideshow") for c in student.cells] == [
        c.metadata.get("slideshow") for c in instructor.cells
    ], f"student/{path.name}: slide types differ from the instructor edition; run `make student`"


# ------------------------------------------------------ presented in a browser ----

# The JupyterLab server and Chromium of tests/test_browser.py, serving the notebook below.
lab = browser_tests.lab
browser = browser_tests.browser
PROJECTOR = {"width": 1280, "height": 800}
EXPLORER = 'learning_rate_explorer("parabola"'

# Index of the active cell among the notebook's cells, and of the cells of the current
# slide (jupyterlab-slideshow marks them jp-deck-mod-onscreen).
ACTIVE_CELL = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')]
    .findIndex(cell => cell.classList.contains('jp-mod-active'))"""
ON_SCREEN = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')]
    .flatMap((cell, i) => cell.classList.contains('jp-deck-mod-onscreen') ? [i] : [])"""
PRESENTING = "() => document.body.dataset.jpDeckMode === 'presenting'"
NOT_PRESENTING = "() => document.body.dataset.jpDeckMode !== 'presenting'"


@pytest.fixture(scope="module")
def lab_notebooks(tmp_path_factory):
    """06_learning_rate with the slide metadata of tools/slides.py (already there once the
    notebooks are up to date; set here on a copy so the test does not depend on it)."""
    nb = nbformat.read(PRESENTED, as_version=4)
    slides.apply(nb)
    folder = tmp_path_factory.mktemp("slides")
    path = folder / PRESENTED.name
    nbformat.write(nb, path)
    # As `make course REPO=someone/else` leaves it: a launch line under the navigation line
    # (with the slide metadata tools/course.py gives it; without, the deck opened blank).
    _course().apply_to_notebook(nb, f"notebooks/{ONLINE}", "someone/else")
    nbformat.write(nb, folder / ONLINE)
    return [path, folder / ONLINE]


def _cell_index(page, text: str) -> int:
    index = page.evaluate(
        """text => [...document.querySelectorAll('.jp-Notebook .jp-Cell')]
            .findIndex(cell => cell.textContent.includes(text))""",
        text,
    )
    assert index >= 0, f"no cell contains {text!r}"
    return index


@pytest.mark.browser
def test_a_lesson_presented_as_slides_keeps_its_widgets_live(lab, browser, lab_notebooks):
    from playwright.sync_api import expect

    expect.set_options(timeout=browser_tests.TIMEOUT_MS)
    notebook = lab_notebooks[0]
    types = slides.slide_types(nbformat.read(notebook, as_version=4))
    page = browser.new_page()
    page.set_viewport_size(PROJECTOR)
    page.set_default_timeout(browser_tests.TIMEOUT_MS)
    shots = browser_tests.ARTIFACTS
    shots.mkdir(exist_ok=True)
    try:
        page.goto(f"{lab['base']}/lab/tree/{notebook.name}?reset&token={lab['token']}")
        kernel_idle = (
            page.locator(".jp-StatusBar-Widget")
            .filter(has_text="Python 3")
            .filter(has_text="Idle")
            .first
        )
        expect(kernel_idle).to_be_visible()
        cells = page.locator(".jp-Notebook .jp-Cell")
        expect(cells).to_have_count(len(types))
        explorer = _cell_index(page, EXPLORER)

        # Start presenting from the title, with the notebook's own toolbar button.
        title = types.index("slide")
        cells.nth(title).click()
        page.keyboard.press("Escape")  # command mode, as after reading a cell
        page.locator('[data-command="deck:toggle"]').first.click()
        page.wait_for_function(PRESENTING)
        expect(cells.nth(title)).to_have_class(re.compile(r"\bjp-deck-mod-onscreen\b"))
        page.screenshot(path=str(shots / "slides-title.png"))

        # Shift+Enter runs the cell in front of the class and moves on, as in the lecture,
        # until the explorer has run. Each press waits for the next cell to become active.
        slides_seen, ran = [], []
        for _ in range(len(types)):
            active = page.evaluate(ACTIVE_CELL)
            on_screen = page.evaluate(ON_SCREEN)
            if on_screen not in slides_seen:
                slides_seen.append(on_screen)
            ran.append(active)
            page.keyboard.press("Shift+Enter")
            page.wait_for_function(f"i => ({ACTIVE_CELL})() !== i", arg=active)
            if active == explorer:
                break
        assert ran[-1] == explorer, f"the explorer (cell {explorer}) never came up: {ran}"
        assert len(slides_seen) >= 4, f"expected several slides before the explorer: {slides_seen}"
        shown = {i for slide in slides_seen for i in slide}
        hidden = {i for i, kind in enumerate(types) if kind in ("skip", "notes")}
        assert not shown & hidden, f"skipped cells were presented: {sorted(shown & hidden)}"

        # The explorer's slider and figure, on the slide, on screen.
        handle = cells.nth(explorer).locator(browser_tests.SLIDER_HANDLE).first
        expect(handle).to_be_visible()
        expect(handle).to_be_in_viewport()
        page.wait_for_function(browser_tests.NEW_IMAGE, arg=[browser_tests.FIGURE, ""])
        assert explorer in page.evaluate(ON_SCREEN)
        figure = cells.nth(explorer).locator(browser_tests.FIGURE).first
        expect(figure).to_be_in_viewport()
        readout = cells.nth(explorer).locator(browser_tests.READOUT).first
        expect(readout).to_have_text(re.compile(r"^\s*0\.10*\s*$"))  # learning_rate=0.1
        page.screenshot(path=str(shots / "slides-explorer.png"))
        old_src = figure.get_attribute("src")
        slide_before = page.evaluate(ON_SCREEN)

        # Move the learning rate with the keyboard: the plot is redrawn, the slide stays.
        handle.focus()
        for _ in range(3):
            handle.press("ArrowRight")
        expect(readout).not_to_have_text(re.compile(r"^\s*0\.10*\s*$"))
        page.wait_for_function(browser_tests.NEW_IMAGE, arg=[browser_tests.FIGURE, old_src])
        assert page.evaluate(ON_SCREEN) == slide_before
        page.screenshot(path=str(shots / "slides-explorer-moved.png"))

        errors = page.locator(browser_tests.ERRORS).filter(has_text=re.compile("Error|Traceback"))
        expect(errors).to_have_count(0)
        expect(
            page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
        ).to_have_count(0)

        # Leave the slideshow (Escape): back to the notebook.
        page.keyboard.press("Escape")
        page.wait_for_function(NOT_PRESENTING)
        expect(kernel_idle).to_be_visible()
    finally:
        page.screenshot(path=str(shots / "slides-end.png"))
        page.close()


def _open(page, lab, name: str):
    """Open notebook ``name`` afresh and wait for its kernel; returns the cells."""
    from playwright.sync_api import expect

    expect.set_options(timeout=browser_tests.TIMEOUT_MS)
    page.goto(f"{lab['base']}/lab/tree/{name}?reset&token={lab['token']}")
    kernel_idle = (
        page.locator(".jp-StatusBar-Widget").filter(has_text="Python 3").filter(has_text="Idle")
    )
    expect(kernel_idle.first).to_be_visible()
    return page.locator(".jp-Notebook .jp-Cell")


@pytest.mark.browser
def test_the_deck_starts_on_the_title_however_it_is_opened_and_escape_leaves(lab, browser):
    """Issue 25: with a launch line at the top, "Toggle Deck" pressed before clicking into
    the notebook gave an empty deck whose keys did nothing; a reload while presenting
    brought the deck back (its "active" setting is saved) without keyboard focus."""
    from playwright.sync_api import expect

    expect.set_options(timeout=browser_tests.TIMEOUT_MS)
    page = browser.new_page()
    page.set_viewport_size(PROJECTOR)
    page.set_default_timeout(browser_tests.TIMEOUT_MS)
    try:
        cells = _open(page, lab, ONLINE)
        title = _cell_index(page, "# 6 · The learning rate")
        assert title == 2  # below the navigation line and the launch line
        page.locator('[data-command="deck:toggle"]').first.click()  # nothing clicked before
        page.wait_for_function(PRESENTING)
        page.wait_for_function(f"() => ({ON_SCREEN})().includes({title})")
        page.screenshot(path=str(browser_tests.ARTIFACTS / "slides-opened-at-once.png"))
        page.keyboard.press("ArrowRight")  # the keys work: on to the next slide
        page.wait_for_function(f"() => !({ON_SCREEN})().includes({title})")
        page.keyboard.press("Escape")
        page.wait_for_function(NOT_PRESENTING)

        # Presenting when the page is reloaded: the deck comes back on the title slide, and
        # the Exit Deck button between the arrows leaves it (README: the keys need a click).
        page.locator('[data-command="deck:toggle"]').first.click()
        page.wait_for_function(PRESENTING)
        page.reload()
        page.wait_for_function(PRESENTING)
        page.wait_for_function(f"() => ({ON_SCREEN})().includes({title})")
        expect(cells.nth(title)).to_be_in_viewport()
        page.locator(".jp-Deck-Remote button[title='Exit Deck']").click()
        page.wait_for_function(NOT_PRESENTING)
    finally:
        page.close()


@pytest.mark.browser
def test_a_lesson_opened_and_left_alone_is_not_modified(lab, browser):
    """Issue 25: every notebook showed as modified (●) right after opening: JupyterLab wrote
    the kernel's language_info into metadata that had only its name."""
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(browser_tests.TIMEOUT_MS)
    try:
        _open(page, lab, PRESENTED.name)
        # JupyterLab writes the metadata once it knows the kernel's spec and language, when
        # the toolbar names the kernel; a notebook it changed shows as dirty from then on.
        kernel_name = page.locator(".jp-NotebookPanel-toolbar .jp-KernelName").first
        expect(kernel_name).to_have_text(re.compile(r"Python 3 \(ipykernel\)"))
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))")
        tab = page.locator(".lm-TabBar-tab").filter(has_text=PRESENTED.name)
        assert "jp-mod-dirty" not in (tab.first.get_attribute("class") or "")
    finally:
        page.close()
