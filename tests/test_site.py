"""The series' website (site/), both editions, built once and read in a real browser, offline.

The site is built from the notebooks there are now, as ``scripts/site`` does (no
execution, no key), into a scratch folder: English (``notebooks/``) at its root,
Simplified Chinese (``notebooks-zh/``) in ``zh/``. It is served on 127.0.0.1 and
opened in headless Debian Chromium (Playwright, with the flags of
tests/test_browser.py). Every request the browser makes is routed through the test:
one to any host but 127.0.0.1 fails it. Checked, in both editions:

* the build (both editions) takes less than 90 s;
* every page (landing page, each notebook, search) loads with no console error;
  every notebook of either edition has its page;
* every internal link and anchor resolves; every image loads and has alt text;
* every page says its language (``<html lang="en">``, ``"zh-CN"``) and has a language switch
  to its twin, the same page in the other edition (which links back); clicking it goes there;
* the sidebar lists the notebooks in the series' order under the Part I and Part II captions
  (第一部分, 第二部分 in Chinese);
* each notebook page shows its launch buttons (the addresses of helpers.plumbing.project for
  its edition), the replay banner with its Source line (AUTHORED when the notebook's is),
  highlighted code, in-page navigation, Markdown answers rendered, each worked solution's
  code cell folded away, and no empty output; Chinese pages name a CJK font first and show
  the announcement in Chinese;
* search, through the search box, finds a Part I term and a Part II term on the English
  pages and a Chinese word on the Chinese ones, and its result opens the right page with
  the term highlighted;
* each widget output shows its static rendering (controls and what it offers), never an
  empty output or a widget view.

Screenshots go to ``artifacts/site/``. The test skips only when ``/usr/bin/chromium`` is
missing; ``.ci/run`` installs it.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from playwright.sync_api import Browser, Page, Route

from helpers.plumbing import project
from helpers.plumbing.recording import REPO_ROOT
from tests.conftest import skip_without_chromium

sys.path.insert(0, str(REPO_ROOT / "site"))
from series_site import BANNER_STARTS, SOLUTION, WORDS, widget_title

skip_without_chromium()

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO_ROOT / "artifacts" / "site"
#: Both editions, each its own Sphinx build, at once (site/README.md: about 40 s on this project's machine).
BUILD_SECONDS = 90
#: Each edition's notebooks, and where its pages are in the site.
FOLDERS = {"en": REPO_ROOT / "notebooks", "zh": REPO_ROOT / "notebooks-zh"}
PREFIX = {"en": "", "zh": "zh/"}
LANG = {"en": "en", "zh": "zh-CN"}
NOTEBOOKS = sorted(p for p in FOLDERS["en"].glob("[0-9][0-9]_*.ipynb"))
NOTEBOOKS_ZH = sorted(p for p in FOLDERS["zh"].glob("[0-9][0-9]_*.ipynb"))
EDITION_NOTEBOOKS = {"en": NOTEBOOKS, "zh": NOTEBOOKS_ZH}
#: (edition, term) -> the page search must open for it: a term from each part, and a Chinese word found in the
#: Chinese prose (嵌入, "embedding", is 06's subject; a few other pages say it in passing).
SEARCHES = {
    ("en", "stop_sequences"): "02_config",
    ("en", "previous_interaction_id"): "13_interactions",
    ("zh", "嵌入"): "06_embeddings",
}
#: The font the Chinese pages name first (site/_static/series.css), for Chinese text.
CJK_FONT = "Noto Sans CJK SC"
BROKEN_IMAGES = "() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
NO_ALT = "() => Array.from(document.images).filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.src)"
LINKS = "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built from scratch once (``site/build.py``, which ``scripts/site`` runs): its html folder."""
    work = tmp_path_factory.mktemp("site")
    started = time.monotonic()
    build = subprocess.run(
        [sys.executable, str(REPO_ROOT / "site" / "build.py"), "--work", str(work)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.monotonic() - started
    assert build.returncode == 0, f"the site did not build:\n{build.stdout}\n{build.stderr}"
    assert seconds < BUILD_SECONDS, f"the site took {seconds:.0f} s to build (at most {BUILD_SECONDS} s)"
    print(f"site built in {seconds:.1f} s")
    return work / "html"


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """The built site on 127.0.0.1 (a free port): its address."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    thread.join(timeout=10)


class Visit:
    """One browser page on the served site, recording console errors and every request off 127.0.0.1."""

    def __init__(self, browser: Browser, server: str, site: Path) -> None:
        self.server, self.site = server, site
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"{self.page.url}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url}: {e}"))
        self.context.route("**/*", self._route)

    def _route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, name: str) -> Page:
        """Load a page of the site (``notebooks/01_text.html``) and check its images and links."""
        self.page.goto(self.server + name, wait_until="load")
        assert not self.page.evaluate(BROKEN_IMAGES), f"{name}: images that did not load"
        assert not self.page.evaluate(NO_ALT), f"{name}: images without alt text"
        broken = []
        for href in self.page.evaluate(LINKS):
            link = urlsplit(href)
            if link.hostname != "127.0.0.1":
                continue  # an outside link, never requested unless a reader follows it
            target = self.site / unquote(link.path).lstrip("/")
            if target.is_dir():
                target /= "index.html"
            if not target.is_file():
                broken.append(f"{href} (no such file)")
            elif link.fragment and target.suffix == ".html" and unquote(link.fragment) not in anchors(target):
                broken.append(f"{href} (no such anchor)")
        assert not broken, f"{name}: broken internal links:\n" + "\n".join(sorted(set(broken)))
        return self.page

    def check(self) -> None:
        """No request left 127.0.0.1 and nothing went to the console as an error (since the last check)."""
        outside, errors = self.outside[:], self.errors[:]
        self.outside.clear()
        self.errors.clear()
        assert not outside, f"requests that left 127.0.0.1: {outside}"
        assert not errors, "console errors:\n" + "\n".join(errors)


@pytest.fixture(scope="module")
def browsing(browser: Browser, server: str, site: Path) -> Iterator[Visit]:
    v = Visit(browser, server, site)
    yield v
    v.context.close()


@pytest.fixture
def visit(browsing: Visit) -> Iterator[Visit]:
    browsing.check()
    yield browsing
    browsing.check()


def pages(site: Path) -> list[str]:
    """Every HTML page of the site, relative to it."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if "_static" not in p.parts)


@functools.cache
def anchors(path: Path) -> frozenset[str]:
    """The ids (and names) a built page has, for its anchors."""
    text = path.read_text("utf-8", errors="replace")
    return frozenset(re.findall(r'\b(?:id|name)="([^"]+)"', text))


def stored_outputs(notebook: Path) -> list[dict]:
    cells = nbformat.read(notebook, as_version=4).cells
    return [o for c in cells if c.cell_type == "code" for o in c.get("outputs", [])]


def edition_of(name: str) -> str:
    """The edition a page of the site belongs to (``zh/notebooks/05_chat.html``: ``zh``)."""
    return "zh" if name.startswith("zh/") else "en"


def twin_of(name: str) -> str:
    """The same page in the other edition (its landing page when the notebook has no twin there)."""
    edition = edition_of(name)
    other = "en" if edition == "zh" else "zh"
    own = name.removeprefix(PREFIX[edition])
    if (
        own.startswith("notebooks/")
        and not (FOLDERS[other] / own.removeprefix("notebooks/")).with_suffix(".ipynb").is_file()
    ):
        own = "index.html"
    return PREFIX[other] + own


def check_language(page: Page, name: str) -> None:
    """The page says its language, and its language switch (visible) leads to its twin."""
    edition = edition_of(name)
    assert page.locator("html").get_attribute("lang") == LANG[edition], f"{name}: <html lang> is not {LANG[edition]}"
    switch = page.locator("a.series-language-switch")
    assert switch.count() == 1, f"{name}: no language switch"
    assert switch.is_visible(), f"{name}: the language switch is hidden"
    assert switch.inner_text().strip() == WORDS[edition]["twin"]
    target = urlsplit(switch.evaluate("a => a.href")).path.lstrip("/")
    assert target == twin_of(name), f"{name}: the language switch goes to {target}, not {twin_of(name)}"
    assert twin_of(target) == name or twin_of(name).endswith("index.html"), f"{target} does not link back to {name}"


def test_every_page_is_there(site: Path) -> None:
    """Both editions: landing page, search and a page for every notebook (English and Chinese)."""
    expected = {"index.html", "search.html", *(f"notebooks/{p.stem}.html" for p in NOTEBOOKS)}
    expected |= {"zh/index.html", "zh/search.html", *(f"zh/notebooks/{p.stem}.html" for p in NOTEBOOKS_ZH)}
    assert NOTEBOOKS_ZH, "no Chinese notebook in notebooks-zh/"
    assert expected <= set(pages(site)), f"missing pages: {sorted(expected - set(pages(site)))}"
    assert not (site / "jupyter_execute").exists(), "MyST-NB's scratch folder is inside the site"


def test_pages_beyond_the_notebooks_load_offline_and_resolve(site: Path, visit: Visit) -> None:
    """Landing pages and search of both editions (notebook pages: test_notebook_page): errors, links, anchors,
    images, the page's language and its language switch."""
    names = [n for n in pages(site) if not n.removeprefix("zh/").startswith("notebooks/")]
    assert {"index.html", "zh/index.html", "search.html", "zh/search.html"} <= set(names)
    for name in names:
        check_language(visit.open(name), name)


@pytest.mark.parametrize("edition", ["en", "zh"])
def test_sidebar_lists_the_series_in_order_under_part_i_and_part_ii(edition: str, visit: Visit) -> None:
    page = visit.open(f"{PREFIX[edition]}index.html")
    notebooks = EDITION_NOTEBOOKS[edition]
    captions = page.locator("nav.bd-docs-nav p.caption").all_inner_texts()
    parts = {"en": ["Part I", "Part II"], "zh": ["第一部分", "第二部分"]}[edition]
    assert [re.split("[:：]", c)[0].strip() for c in captions] == parts[: len(captions)]
    assert len(captions) == 1 + any(int(p.name[:2]) >= 7 for p in notebooks)
    hrefs = page.locator("nav.bd-docs-nav a.reference.internal").evaluate_all("els => els.map(e => e.href)")
    listed = [urlsplit(h).path.rsplit("/", 1)[-1].removesuffix(".html") for h in hrefs if "/notebooks/" in h]
    assert listed == [p.stem for p in notebooks]
    assert all(urlsplit(h).path.startswith(f"/{PREFIX[edition]}") for h in hrefs), "the sidebar leaves its edition"
    page.screenshot(path=str(SCREENSHOTS / f"landing{'-zh' if edition == 'zh' else ''}.png"))


NOTEBOOK_PAGES = [pytest.param("en", p, id=p.stem) for p in NOTEBOOKS]
NOTEBOOK_PAGES += [pytest.param("zh", p, id=f"zh-{p.stem}") for p in NOTEBOOKS_ZH]


@pytest.mark.parametrize(("edition", "notebook"), NOTEBOOK_PAGES)
def test_notebook_page(edition: str, notebook: Path, visit: Visit) -> None:
    """Loads offline; links, anchors and images resolve; language and language switch; launch buttons, replay
    banner, highlighted code, in-page navigation, rendered Markdown answers, widgets as static renderings, and no
    empty output."""
    name = f"{PREFIX[edition]}notebooks/{notebook.stem}.html"
    page = visit.open(name)
    check_language(page, name)
    words = WORDS[edition]
    colab, binder = page.locator("a.series-colab").first, page.locator("a.series-binder").first
    assert colab.get_attribute("href") == project.colab_url(notebook.stem, edition)
    assert binder.get_attribute("href") == project.binder_url(notebook.stem, edition)
    assert colab.inner_text() == words["colab"] and binder.inner_text() == words["binder"]
    assert colab.is_visible() and binder.is_visible()
    outputs = stored_outputs(notebook)
    markdown = ["".join(o.get("data", {}).get("text/markdown", "")) for o in outputs]
    banners = [m for m in markdown if m.startswith(BANNER_STARTS)]
    if banners:
        banner = page.locator(".tag_series-banner .cell_output").first
        assert banner.is_visible()
        text = banner.inner_text()
        assert re.search("Mode|模式", text) and re.search("Source|来源", text) and "**" not in text
        if "AUTHORED" in banners[0]:
            assert "AUTHORED" in text
    assert page.locator(".cell_input .highlight pre span.kn, .cell_input .highlight pre span.k").count() > 0
    assert page.locator(".bd-sidebar-secondary .toc-entry a").count() > 0, "no in-page navigation"
    empty = page.locator(".cell_output").evaluate_all(
        "els => els.filter(e => !e.textContent.trim() && !e.querySelector('img, audio, video')).length"
    )
    assert empty == 0, "an output renders as nothing"
    if any(m and not m.startswith(BANNER_STARTS) for m in markdown):  # an answer shown as Markdown
        rendered = page.locator(".cell_output").evaluate_all(
            "els => els.filter(e => e.querySelector('p, ul, ol, strong, em, h2, h3, h4, table')).length"
        )
        assert rendered > 1, "Markdown answers are not rendered"
    cells = nbformat.read(notebook, as_version=4).cells
    solutions = sum(1 for c in cells if c.cell_type == "markdown" and SOLUTION.search(c.source))
    folded = page.locator("details.hide > summary", has_text=words["solution_show"]).count()
    assert folded == solutions, f"{solutions} worked solutions, {folded} solution cells folded away"
    check_widgets(page, notebook, outputs)
    if edition == "zh":
        check_chinese(page)
    if notebook.stem in ("02_config", "13_interactions"):
        page.screenshot(path=str(SCREENSHOTS / f"{notebook.stem}-top{'-zh' if edition == 'zh' else ''}.png"))


def check_chinese(page: Page) -> None:
    """A Chinese page: a CJK font named first, the announcement and the theme's own words in Chinese."""
    fonts = page.evaluate("() => getComputedStyle(document.querySelector('main')).fontFamily")
    assert fonts.strip().strip('"').startswith(CJK_FONT), f"the Chinese text's fonts: {fonts}"
    announcement = page.locator(".bd-header-announcement").inner_text()
    assert "来源" in announcement and "人工编写（AUTHORED）" in announcement, announcement
    placeholder = page.locator("input.search-button__input, form.bd-search input[name=q]").first.get_attribute(
        "placeholder"
    )
    assert placeholder and "搜索" in placeholder, f"the search box is not in Chinese: {placeholder!r}"


def test_language_switch_goes_to_the_twin_and_back(visit: Visit) -> None:
    """Clicking 中文 on an English page opens its Chinese twin, and English there comes back: landing page and a
    notebook page."""
    for start in ("index.html", "notebooks/06_embeddings.html"):
        page = visit.open(start)
        page.locator("a.series-language-switch").click()
        page.wait_for_url(re.compile(rf"/zh/{re.escape(start)}$"))
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        if start == "index.html":
            page.screenshot(path=str(SCREENSHOTS / "switched-zh.png"))
        page.locator("a.series-language-switch").click()
        page.wait_for_url(re.compile(rf"127\.0\.0\.1:\d+/{re.escape(start)}$"))
        assert page.locator("html").get_attribute("lang") == "en"


def check_widgets(page: Page, notebook: Path, outputs: list[dict]) -> None:
    """Each widget output: its static rendering (controls, and the widget's own summary line by line)."""
    assert page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count() == 0
    views = [
        "".join(o["data"].get("text/plain", ""))
        for o in outputs
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    stored_state = nbformat.read(notebook, as_version=4).metadata.get("widgets")
    widgets = page.locator(".cell_output .series-widget")
    assert widgets.count() == len(views)
    badge = WORDS[edition_of(urlsplit(page.url).path.lstrip("/"))]["widget"]
    for i, summary in enumerate(views):
        widget = widgets.nth(i)
        widget.scroll_into_view_if_needed()
        assert widget.is_visible()
        text = widget.inner_text()
        title = widget_title(summary)
        assert title and title in text and badge.lower() in text.lower()
        for line in summary.split("\n")[1:]:  # what it was recorded with, item by item
            item = re.sub(r"^\s+(?:-|\d+\.)\s+", "", line).strip()
            assert item in text, f"{item!r} missing from the static rendering"
        if stored_state:  # the widget's controls as the notebook stored them
            assert widget.locator(".series-widget-controls select, .series-widget-controls button").count() > 0
        if i == 0 and notebook.stem in ("02_config", "04_vision") and "notebooks-zh" not in notebook.parts:
            widget.screenshot(path=str(SCREENSHOTS / f"widget-{notebook.stem}.png"))


@pytest.mark.parametrize(("edition", "term", "expected"), [(*k, v) for k, v in SEARCHES.items()])
def test_search_finds_the_term_and_opens_the_right_page(edition: str, term: str, expected: str, visit: Visit) -> None:
    page = visit.open(f"{PREFIX[edition]}index.html")
    page.locator(".bd-sidebar-primary button.search-button__button").first.click()
    field = page.locator("input.search-button__input, form.bd-search input[name=q]").first
    field.fill(term)
    field.press("Enter")
    page.wait_for_url(re.compile(rf"/{PREFIX[edition]}search\.html\?q="))
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15_000)
    hrefs = results.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert any(f"notebooks/{expected}.html" in h for h in hrefs), f"{term!r}: {expected} not among {hrefs}"
    if edition == "zh":  # the Chinese notebook whose subject the word is comes first
        assert f"notebooks/{expected}.html" in hrefs[0], f"{term!r}: {expected} is not the first of {hrefs}"
    page.screenshot(path=str(SCREENSHOTS / f"search-{edition}-{term}.png"))
    page.locator(f'#search-results ul.search li a[href*="notebooks/{expected}.html"]').first.click()
    page.wait_for_url(re.compile(rf"/{PREFIX[edition]}notebooks/{expected}\.html"))
    page.wait_for_load_state("load")
    assert term in page.locator("main").inner_text()
    page.locator("main span.highlighted").first.wait_for(state="attached", timeout=5_000)
    visible = page.locator("main span.highlighted").evaluate_all("els => els.filter(e => e.offsetParent).length")
    assert visible > 0, f"{term!r} is not highlighted where a reader can see it"


@pytest.fixture(scope="module", autouse=True)
def screenshots() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
