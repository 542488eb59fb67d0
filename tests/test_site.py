"""The course site (make site): built once, afresh, into a temporary folder, then checked.

The build is the same command as ``make site`` (site/conf.py, warnings as errors: a broken
link, a missing figure or a failing cell stops it). The pages are then read as HTML: every
lesson has its page with the notebook's headings and every figure it drew (the explorers'
last pictures included), the glossary is there and reachable from every page, every
internal link resolves, and nothing is loaded from another host. The browser tests
(marker ``browser``) serve the site on a localhost port, open each lesson in Chromium,
wait for its images to load, follow the previous/next links through the series and take
a screenshot of each page (test-artifacts/site-*.png).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from test_browser import (  # the Lab tests' server helpers and figure check
    _free_port,
    _wait_for_server,
    describes_a_figure,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LESSONS = [notebook.stem for notebook in NOTEBOOKS]
ARTIFACTS = ROOT / "test-artifacts"
BUILD_TIMEOUT_S = 900  # a hung kernel must not hang the suite; a normal build takes ~2 min
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PROGRESS_TEXT = re.compile(r"^\s*\d+%\|")  # tqdm's text form of a progress-bar widget


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(what)
    pytest.skip(what)


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    """The site built from the committed notebooks, as `make site` builds it."""
    for module in ("sphinx", "myst_nb", "sphinx_book_theme", "bs4"):
        try:
            __import__(module)
        except ImportError:
            _missing(f"{module} is not installed; pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("site")
    command = [
        *(sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-E", "-a"),
        *("-j", "2", "-c", str(ROOT / "site"), "-d", str(out / "doctrees")),
        *(str(ROOT / "notebooks"), str(out / "site")),
    ]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=BUILD_TIMEOUT_S, check=False
    )
    log = result.stdout + result.stderr
    (out / "build.log").write_text(log)
    problems = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert result.returncode == 0, f"the site build failed ({result.returncode}):\n" + "\n".join(
        problems or log[-3000:]
    )
    return out


@pytest.fixture(scope="module")
def site(build) -> Path:
    return build / "site"


def _page(site: Path, name: str):
    from bs4 import BeautifulSoup

    path = site / f"{name}.html"
    assert path.is_file(), f"no page {path.name} in the built site"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _article(page):
    article = page.find("article", class_="bd-article")
    assert article is not None, "the page has no article (sphinx-book-theme's main content)"
    return article


def _plain(text: str) -> str:
    """Heading text without Markdown marks, Sphinx's permalink and extra spaces."""
    text = re.sub(r"[`*]", "", text).replace("#", " ")
    return " ".join(text.split())


def _markdown_headings(notebook: Path) -> list[tuple[int, str]]:
    """(level, text) of every Markdown heading of the notebook, code fences skipped."""
    headings = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        fenced = False
        for line in "".join(cell["source"]).splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            elif not fenced and (match := re.match(r"^(#{1,6})\s+(.*)$", line)):
                headings.append((len(match.group(1)), _plain(match.group(2))))
    return headings


def _executed(build: Path, name: str) -> dict:
    """The notebook as the build executed it (myst-nb keeps a copy beside the site)."""
    return json.loads((build / "jupyter_execute" / f"{name}.ipynb").read_text(encoding="utf-8"))


def _expected_figures(executed: dict) -> tuple[int, int]:
    """(image outputs, widget outputs that are not progress bars) of an executed notebook."""
    images = widgets = 0
    for cell in executed["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                text = "".join(data.get("text/plain", ""))
                widgets += not PROGRESS_TEXT.match(text)
            elif "image/png" in data:
                images += 1
    return images, widgets


# ------------------------------------------------------------------- the pages ----


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=LESSONS)
def test_lesson_page_has_the_notebooks_headings(site, notebook):
    article = _article(_page(site, notebook.stem))
    on_page = [
        (int(tag.name[1]), _plain(tag.get_text()))
        for tag in article.find_all(re.compile(r"^h[1-6]$"))
    ]
    expected = _markdown_headings(notebook)
    assert expected, f"{notebook.name} has no headings"
    assert on_page == expected, f"{notebook.stem}: headings on the page differ from the notebook"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=LESSONS)
def test_lesson_page_shows_every_figure(build, site, notebook):
    """One <img> per image output plus one per widget (its last picture); each is a PNG
    that the site itself serves."""
    article = _article(_page(site, notebook.stem))
    images, widgets = _expected_figures(_executed(build, notebook.stem))
    shown = article.find_all("img")
    snapshots = article.find_all("img", class_="widget-snapshot")
    assert images + widgets > 0, f"{notebook.stem} drew no figure; every lesson has at least one"
    assert (len(shown), len(snapshots)) == (images + widgets, widgets), (
        f"{notebook.stem}: {len(shown)} images on the page ({len(snapshots)} widget pictures), "
        f"the notebook drew {images} figures and showed {widgets} widgets"
    )
    for img in shown:
        source = img["src"]
        assert not urlsplit(source).scheme, f"{notebook.stem}: image from elsewhere: {source}"
        file = (site / unquote(source)).resolve()
        assert file.is_file(), f"{notebook.stem}: image {source} is not in the site"
        assert file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{source} is not a PNG"


def test_widget_pictures_say_what_they_are(site):
    """Each explorer's picture has a caption with its controls' values."""
    article = _article(_page(site, "06_learning_rate"))
    captions = [p.get_text() for p in article.find_all("p", class_="widget-snapshot-caption")]
    assert captions, "06 shows its explorers, each with a caption"
    assert all("learning rate = " in caption for caption in captions), captions
    assert all("running notebook" in caption for caption in captions), captions


GENERIC_ALT = re.compile(
    r"(\.png|_images/|^Figure size|^the widget's figure$|^image$|^figure$)", re.I
)


def _descriptions(executed: dict) -> set[str]:
    """The text/plain form of every figure the notebook showed (its description), the
    explorers' pictures (inside their saved widget state) included."""
    found = set()
    outputs = [o for cell in executed["cells"] for o in cell.get("outputs", [])]
    state = executed.get("metadata", {}).get("widgets", {})
    for model in (
        state.get("application/vnd.jupyter.widget-state+json", {}).get("state", {}).values()
    ):
        outputs += model.get("state", {}).get("outputs", [])
    for output in outputs:
        data = output.get("data", {})
        if "image/png" in data:
            found.add(" ".join("".join(data.get("text/plain", "")).split()))
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=LESSONS)
def test_every_figure_says_what_it_shows(build, site, notebook):
    """Each image's alt text is the description its figure was shown with, made from its
    data by helpers.plots: not a file name or a generic phrase; a chart names its axes and
    numbers from the data, a diagram its boxes."""
    article = _article(_page(site, notebook.stem))
    descriptions = _descriptions(_executed(build, notebook.stem))
    for img in article.find_all("img"):
        alt = " ".join(img.get("alt", "").split())
        where = f"{notebook.stem}: {img['src']}"
        assert alt and not GENERIC_ALT.search(alt), f"{where} has alt text {alt!r}"
        assert alt.startswith("Figure: ") and alt in descriptions, (
            f"{where}: its alt text is not the description its figure was shown with: {alt!r}"
        )
        assert describes_a_figure(alt), f"{where}: {alt!r}"


def test_progress_bars_show_their_last_line(site):
    article = _article(_page(site, "05_sgd"))
    lines = [pre.get_text() for pre in article.find_all("pre")]
    assert any(re.match(r"100%\|█{10}\| 469/469 ", line) for line in lines), (
        "fit's progress bar should read 100% and 469/469 steps on 05's page"
    )


def _glossary_terms(notebook: Path) -> list[str]:
    """The bold first column of the notebook's glossary table (``| **term** | … |``)."""
    text = "\n".join("".join(c["source"]) for c in json.loads(notebook.read_text())["cells"])
    glossary = text.split("## Glossary", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| \*\*(.+?)\*\* \|", glossary, flags=re.MULTILINE)


def test_glossary_is_on_the_site_and_reachable_from_every_page(site):
    from helpers.checks import GLOSSARY_QUIZ

    page = _page(site, "10_training_in_a_nutshell")
    section = page.find(id="glossary")
    assert section is not None, "09's page has no #glossary section"
    on_page = [_plain(td.get_text()) for td in section.select("table tbody tr td:first-child")]
    terms = _glossary_terms(ROOT / "notebooks" / "10_training_in_a_nutshell.ipynb")
    assert len(terms) >= 10 and on_page == terms, "the glossary table differs from 09's"
    text = section.get_text().lower()
    missing = sorted(term for _, term in GLOSSARY_QUIZ.values() if term.lower() not in text)
    assert not missing, f"terms of the glossary quiz missing from the glossary: {missing}"
    for name in LESSONS:
        links = [a["href"] for a in _page(site, name).select("nav.glossary-link a")]
        here = name == "10_training_in_a_nutshell"
        assert links == ["#glossary" if here else "10_training_in_a_nutshell.html#glossary"], name


def test_every_internal_link_resolves(site):
    """Links between pages (the notebooks' own navigation lines, the glossary's lesson
    numbers, the sidebar, previous/next) lead to a page of the site and an id on it."""
    ids = {}
    pages = sorted(site.glob("*.html"))
    for path in pages:
        ids[path.name] = {tag["id"] for tag in _page(site, path.stem).find_all(id=True)}
    checked = 0
    for path in pages:
        for a in _page(site, path.stem).find_all("a", href=True):
            href = urlsplit(a["href"])
            if href.scheme or a["href"].startswith(("mailto:", "javascript:")):
                continue
            if href.path and not href.path.endswith(".html"):  # a download, an image
                assert (site / unquote(href.path)).is_file(), f"{path.name}: {a['href']}"
                continue
            target = href.path or path.name
            assert target in ids, f"{path.name} links to a missing page: {a['href']}"
            assert not href.fragment or href.fragment in ids[target], (
                f"{path.name} links to a missing anchor: {a['href']}"
            )
            checked += 1
    assert checked > 100


def test_lesson_pages_link_to_the_next_lesson(site):
    for previous, lesson in zip(LESSONS, LESSONS[1:], strict=False):
        page = _page(site, previous)
        nxt = page.select_one("footer .prev-next-area a.right-next")
        assert nxt is not None and nxt["href"] == f"{lesson}.html", previous


def test_nothing_is_loaded_from_another_host(site):
    """Scripts, styles, fonts and images are the site's own (math is MathML, no CDN)."""
    for path in sorted(site.glob("*.html")):
        page = _page(site, path.stem)
        for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
            for element in page.find_all(tag):
                if tag == "link" and "stylesheet" not in element.get("rel", []):
                    continue
                url = element.get(attribute, "")
                assert not urlsplit(url).scheme and not url.startswith("//"), (
                    f"{path.name} loads {url} from another host"
                )


def test_formulas_are_mathml(site):
    article = _article(_page(site, "09_backpropagation"))
    assert len(article.find_all("math")) >= 5, "08's formulas should be MathML"
    assert "\\sum" not in article.get_text(), "08 shows raw LaTeX"


def _site_conf():
    """site/conf.py as a module (it reads the address with tools/course.py); the paths it
    adds to sys.path are taken out again."""
    spec = importlib.util.spec_from_file_location("site_conf", ROOT / "site" / "conf.py")
    module = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    return module


def test_launch_links_follow_the_courses_address(site):
    """With the address set, each page has Binder and Colab links to its own notebook;
    while it is the documented default (not set), the pages have none."""
    conf = _site_conf()
    repo = conf.repository()
    hrefs = {a["href"] for a in _page(site, "05_sgd").find_all("a", href=True)}
    launch = {h for h in hrefs if "mybinder.org" in h or "colab.research.google.com" in h}
    if not conf.course.is_set(repo):
        assert not launch, f"launch links to a placeholder address: {sorted(launch)}"
        return
    path = "notebooks/05_sgd.ipynb"
    assert launch == {
        f"https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/{path}",
        f"https://colab.research.google.com/github/{repo}/blob/main/{path}",
    }
    assert f"https://github.com/{repo}" in hrefs


def test_launch_buttons_are_configured_only_for_a_set_address():
    conf = _site_conf()
    options = conf.theme_options("my-school/neural-networks")
    assert options["repository_url"] == "https://github.com/my-school/neural-networks"
    assert options["path_to_docs"] == "notebooks"
    assert set(options["launch_buttons"]) >= {"binderhub_url", "colab_url"}
    unset = conf.theme_options(conf.course.PLACEHOLDER)
    assert "launch_buttons" not in unset and "repository_url" not in unset


def test_home_page_is_the_index(site):
    text = (site / "index.html").read_text(encoding="utf-8")
    assert 'content="0; url=00_index.html"' in text
    assert _page(site, "00_index").find("h1").get_text().startswith("0 · Contents")


# ----------------------------------------------------------------- in a browser ----

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000
IMAGES_LOADED = """() => {
    const images = [...document.querySelectorAll("article.bd-article img")];
    return images.length > 0 && images.every(img => img.complete && img.naturalWidth > 0);
}"""


@pytest.fixture(scope="module")
def served(site):
    """The built site on a free localhost port (python -m http.server)."""
    port = _free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    proc = subprocess.Popen(
        [*command, "--directory", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(proc, f"{base}/00_index.html", 30, "http.server")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser_page(served, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} not found; install with: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 800},
        )
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        elsewhere = []
        page.on(
            "request",
            lambda r: r.url.startswith((served, "data:")) or elsewhere.append(r.url),
        )
        yield page, elsewhere
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=LESSONS)
def test_browser_lesson_shows_headings_and_figures(served, browser_page, notebook):
    from playwright.sync_api import expect

    page, elsewhere = browser_page
    page.goto(f"{served}/{notebook.stem}.html")
    headings = _markdown_headings(notebook)
    title = page.locator("article.bd-article h1")
    expect(title).to_have_count(1)
    expect(title).to_be_visible()
    assert _plain(title.inner_text()) == headings[0][1]
    sections = page.locator("article.bd-article h2")
    expect(sections).to_have_count(sum(level == 2 for level, _ in headings))
    page.wait_for_function(IMAGES_LOADED)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"site-{notebook.stem}.png"))
    assert not elsewhere, f"{notebook.stem} requested other hosts: {elsewhere}"


WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.mark.browser
def test_browser_every_page_meets_wcag_21_aa_by_axe(site, served, browser_page):
    """axe-core, WCAG 2.1 A and AA rules, finds nothing on any page of the site."""
    from test_browser import axe_violations

    page, elsewhere = browser_page
    found = {}
    pages = sorted(p.name for p in site.glob("*.html") if p.name != "index.html")
    for name in pages:  # index.html only forwards to 00_index.html
        page.goto(f"{served}/{name}")
        if name[:2].isdigit():
            page.wait_for_function(IMAGES_LOADED)
        found[name] = axe_violations(page)
    problems = {name: v for name, v in found.items() if v}
    assert not problems, "\n".join(f"{n}: {v}" for n, v in problems.items())
    assert len(pages) >= len(LESSONS) + 1  # the lessons, search, index of terms


@pytest.mark.browser
def test_browser_next_and_previous_walk_the_series(served, browser_page):
    from playwright.sync_api import expect

    page, elsewhere = browser_page
    page.goto(f"{served}/")  # index.html forwards to the index notebook
    expect(page).to_have_url(f"{served}/00_index.html")
    for lesson in LESSONS[1:]:
        page.locator("footer a.right-next").click()
        expect(page).to_have_url(f"{served}/{lesson}.html")
        expect(page.locator("article.bd-article h1")).to_be_visible()
    expect(page.locator("footer a.right-next")).to_have_count(0)
    for lesson in reversed(LESSONS[:-1]):
        page.locator("footer a.left-prev").click()
        expect(page).to_have_url(f"{served}/{lesson}.html")
    # The notebook's own navigation line, and the glossary link in the sidebar.
    page.get_by_role("link", name="next →").first.click()
    expect(page).to_have_url(f"{served}/{LESSONS[1]}.html")
    page.locator("nav.glossary-link a").click()
    expect(page).to_have_url(f"{served}/10_training_in_a_nutshell.html#glossary")
    expect(page.locator("#glossary table")).to_be_in_viewport()
    page.screenshot(path=str(ARTIFACTS / "site-glossary.png"))
    assert not elsewhere, f"the site requested other hosts: {elsewhere}"
