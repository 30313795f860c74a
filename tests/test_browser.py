"""Every notebook in JupyterLab, in a real browser, run in replay with no key.

One JupyterLab is started for the whole module on 127.0.0.1 (a free port, no
token) over a copy of the notebooks, with the settings Binder uses
(``binder/overrides.json``: no Jupyter news toast) plus two for testing: every
cell rendered (no windowing) and no autosave. Headless Debian Chromium, driven
by Playwright, loads JupyterLab once, in one page; for each notebook it opens
the notebook there (``docmanager:open``), clears its outputs, runs all cells,
checks what a learner would see, then closes it without saving and shuts its
kernel down, so each notebook costs its kernel and its cells, not a new page:

* no error output, except in cells tagged ``raises-exception``;
* every Markdown cell rendered (``.jp-RenderedMarkdown``);
* every widget rendered (``.jupyter-widgets``), and each of the series' widgets
  answering: a slider moved changes its status line and moved back restores it,
  and a click on its button puts an answer in its output area;
* every image output, and every photo in a widget, shown (loaded, not broken);
* the chat box keeps its newest answer on screen as the conversation grows;
* the Chinese twins (``notebooks-zh/``) the same way, their widgets speaking
  Chinese, drawn with a font that has Chinese glyphs (no empty boxes);
* no "Jupyter news" toast.

A screenshot of each notebook goes to ``artifacts/screenshots/``. The test
skips only when ``/usr/bin/chromium`` is missing; ``.ci/run`` installs it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
import requests

from helpers.plumbing import editions, i18n, refresh
from helpers.plumbing.recording import REPO_ROOT
from tests.conftest import SETTINGS_NAMES, skip_without_chromium

skip_without_chromium()

from playwright.sync_api import Browser, Locator, Page, expect  # noqa: E402

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNEL_IDLE = "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'"
ALL_RUN = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  return panel.sessionContext.session.kernel.status === 'idle'
    && panel.content.widgets.every(c => c.model.type !== 'code' || c.model.executionCount !== null);
}"""
OUTPUT_TYPES = """() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => ({
  tags: c.model.getMetadata('tags') || [],
  types: c.model.type === 'code'
    ? Array.from({length: c.model.outputs.length}, (_, j) => c.model.outputs.get(j).type) : [],
  text: c.model.type === 'code'
    ? Array.from({length: c.model.outputs.length}, (_, j) => JSON.stringify(c.model.outputs.get(j).toJSON())).join('')
    : '',
}))"""
LOADED = "(images) => images.filter(i => !(i.complete && i.naturalWidth > 0)).length"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab: where to reach it and where its notebooks are."""

    url: str
    root: Path
    log: Path

    def shut_down_kernels(self) -> None:
        """End every session's kernel, so that the next notebook starts from scratch."""
        for session in requests.get(f"{self.url}/api/sessions", timeout=10).json():
            requests.delete(f"{self.url}/api/sessions/{session['id']}", timeout=30)


def _overrides(folder: Path) -> None:
    settings = json.loads((REPO_ROOT / "binder" / "overrides.json").read_text())
    settings["@jupyterlab/notebook-extension:tracker"] = {"windowingMode": "none"}
    settings["@jupyterlab/docmanager-extension:plugin"] = {"autosave": False}
    folder.mkdir(parents=True)
    (folder / "overrides.json").write_text(json.dumps(settings, indent=2))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab over a copy of notebooks/ (and a link to images/), in replay, with no key."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    for edition, folder in editions.FOLDERS.items():
        (root / folder).mkdir(parents=True)
        for notebook in editions.folder(edition).glob("*.ipynb"):
            shutil.copy(notebook, root / folder / notebook.name)
    (root / "images").symlink_to(REPO_ROOT / "images")
    _overrides(base / "app-settings")
    env = {k: v for k, v in os.environ.items() if k not in (*SETTINGS_NAMES, "GEMINI_CASSETTE_DIR")}
    env.update(
        GEMINI_MODE="replay",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_DATA_DIR=str(base / "data"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        IPYTHONDIR=str(base / "ipython"),
    )
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.app_settings_dir={base / 'app-settings'}",
        f"--LabApp.user_settings_dir={base / 'user-settings'}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]
    log = base / "jupyterlab.log"
    with log.open("w") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited ({server.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if requests.get(f"{url}/api/status", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within 90 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield Lab(url, root, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass
class Expected:
    """What a notebook should show, read from the file itself."""

    markdown_cells: int
    widget_views: int
    images: int

    @classmethod
    def of(cls, notebook: Any) -> Expected:
        outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        data = [o.get("data", {}) for o in outputs]
        return cls(
            markdown_cells=sum(1 for c in notebook.cells if c.cell_type == "markdown" and c.source.strip()),
            widget_views=sum(1 for d in data if WIDGET_VIEW in d),
            images=sum(1 for d in data if "image/png" in d or "image/jpeg" in d),
        )


OPEN = """async (path) => {
  const app = window.jupyterapp;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  await panel.sessionContext.ready;
  app.shell.activateById(panel.id);
  return panel.id;
}"""
CLOSE = """(id) => {
  const panel = Array.from(window.jupyterapp.shell.widgets('main')).find(w => w.id === id);
  if (panel) { panel.context.model.dirty = false; panel.dispose(); }
  return document.querySelectorAll('.jp-Dialog').length;
}"""


@pytest.fixture(scope="module")
def page(lab: Lab, browser: Browser) -> Iterator[Page]:
    """One page with JupyterLab loaded, shared by every notebook of the module."""
    shared = browser.new_page(viewport={"width": 1280, "height": 1400})
    shared.goto(f"{lab.url}/lab/workspaces/browser-test?reset")
    shared.wait_for_function("() => window.jupyterapp?.commands.hasCommand('docmanager:open')", timeout=90_000)
    yield shared
    shared.close()


def _run_all(page: Page, name: str, folder: str = "notebooks") -> tuple[Locator, str]:
    """Open the notebook in the shared page, run every cell, and return its panel and the panel's id."""
    panel_id = page.evaluate(OPEN, f"{folder}/{name}.ipynb")
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    finished = page.evaluate("async () => await window.jupyterapp.commands.execute('notebook:run-all-cells')")
    assert finished is not False, f"{name}: Run All stopped early"
    page.wait_for_function(ALL_RUN, timeout=180_000)
    return page.locator("#" + panel_id), panel_id


def _close(page: Page, lab: Lab, panel_id: str) -> None:
    """Close a notebook without saving, shut its kernel down, and check that no dialog was left open."""
    dialogs = page.evaluate(CLOSE, panel_id)
    lab.shut_down_kernels()
    assert dialogs == 0, "closing the notebook left a dialog open"


def _check_no_errors(page: Page, name: str) -> None:
    cells = page.evaluate(OUTPUT_TYPES)
    errors = [
        f"cell {number}: {cell['text'][:500]}"
        for number, cell in enumerate(cells)
        if "error" in cell["types"] and "raises-exception" not in cell["tags"]
    ]
    assert not errors, f"{name} shows errors:\n" + "\n".join(errors)


def _check_markdown(panel: Locator, name: str, expected: Expected) -> None:
    rendered = panel.locator(".jp-MarkdownCell .jp-RenderedMarkdown")
    assert rendered.count() == expected.markdown_cells, f"{name}: not every Markdown cell is rendered"
    empty = rendered.evaluate_all("(nodes) => nodes.filter(n => n.children.length === 0).length")
    assert empty == 0, f"{name}: {empty} Markdown cell(s) rendered empty"


def _wait_for_text(status: Locator, changed_from: str) -> str:
    status.page.wait_for_function(
        "([node, before]) => node.innerText !== before", arg=[status.element_handle(), changed_from], timeout=10_000
    )
    return status.inner_text()


def _words(edition: str) -> dict[str, str]:
    """What the widgets say, in an edition's language, for the checks below."""
    from helpers.widgets.panel import NEEDS_A_KEY, REFUSAL

    catalogue = i18n.catalogue(edition)
    return {
        "needs a key": catalogue.get(NEEDS_A_KEY, NEEDS_A_KEY).split("：")[0].split(":")[0],
        "not recorded": catalogue.get(REFUSAL, REFUSAL).split("**")[1],
    }


def _exercise(box: Locator, name: str, edition: str = "en") -> str:
    """Move a slider (if any) and back, click the button, and return what the output area shows."""
    box.scroll_into_view_if_needed()
    status = box.locator(".gemini-widget-status")
    before = status.inner_text()
    handles = box.locator(".noUi-handle")
    if handles.count():
        handles.first.focus()
        box.page.keyboard.press("ArrowRight")
        moved = _wait_for_text(status, before)
        assert _words(edition)["needs a key"] in moved, f"{name}: {moved!r}"
        box.page.keyboard.press("ArrowLeft")
        assert _wait_for_text(status, moved) == before, f"{name}: moving the slider back did not restore the preset"
    box.locator(".gemini-widget-button").click()
    answer = box.locator(".gemini-widget-output .jp-OutputArea-output").first
    answer.wait_for(timeout=30_000)
    text = answer.inner_text()
    refused = _words(edition)["not recorded"].strip("*")
    assert text.strip() and refused not in text, f"{name}: the widget answered {text[:300]!r}"
    if "gemini-widget-chat" in (box.get_attribute("class") or ""):
        _check_newest_answer_in_view(box, name)
    return text


def _check_newest_answer_in_view(box: Locator, name: str) -> None:
    """Send the rest of the recorded conversation in a short window: each newest answer stays on screen."""
    page = box.page
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 700})
    try:
        button = box.locator(".gemini-widget-button")
        messages = box.locator(".gemini-widget-output .jp-OutputArea-output")
        sent = 1
        while button.is_enabled() and sent < 6:
            before = 2 * sent
            button.click()
            page.wait_for_function(
                "([node, n]) => node.querySelectorAll('.jp-OutputArea-output').length >= n + 2",
                arg=[box.locator(".gemini-widget-output").element_handle(), before],
                timeout=30_000,
            )
            sent += 1
            newest = messages.last
            expect(newest).to_be_in_viewport()
            answer_bottom = newest.evaluate("n => n.getBoundingClientRect().bottom")
            button_top = button.evaluate("n => n.getBoundingClientRect().top")
            # Where a learner looks after clicking Send: just above the message box, not below the fold.
            assert button_top - 250 <= answer_bottom <= button_top, (
                f"{name}: after message {sent}, the newest answer ends at y={answer_bottom:.0f}, "
                f"not just above the Send button (y={button_top:.0f})"
            )
        assert sent >= 3, f"{name}: the chat box offered only {sent} recorded messages"
    finally:
        page.set_viewport_size(size)


def _check_widgets(panel: Locator, name: str, expected: Expected, edition: str = "en") -> None:
    views = panel.locator(".jp-CodeCell > .jp-Cell-outputWrapper .jp-OutputArea-output > .jupyter-widgets")
    assert views.count() == expected.widget_views, f"{name}: not every widget output is rendered"
    if not expected.widget_views:
        return
    assert panel.get_by_text("Error displaying widget").count() == 0, f"{name}: a widget failed to display"
    boxes = panel.locator(".gemini-widget-box")
    for index in range(boxes.count()):
        _exercise(boxes.nth(index), name, edition)
    if name.startswith("05_chat"):
        assert panel.locator(".gemini-widget-chat").count() == 1, f"{name}: the chat box was not found"


def _check_images(panel: Locator, name: str, expected: Expected) -> None:
    images = panel.locator(".jp-CodeCell .jp-RenderedImage img")
    assert images.count() == expected.images, f"{name}: not every image output is shown"
    photos = panel.locator(".gemini-widget-box .widget-image")
    assert images.evaluate_all(LOADED) == 0 and photos.evaluate_all(LOADED) == 0, f"{name}: an image did not load"


EDITIONS = [(name, edition) for name in refresh.notebook_names() for edition in refresh.editions_of(name)]


def test_chromium_has_a_font_with_chinese_glyphs() -> None:
    """Without one, every Chinese character is drawn as an empty box (.ci/run installs fonts-wqy-microhei)."""
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    assert fonts.strip(), "no font with Chinese glyphs: apt-get install fonts-wqy-microhei (or fonts-noto-cjk)"


@pytest.mark.parametrize(("name", "edition"), EDITIONS, ids=[f"{n}-{e}" for n, e in EDITIONS])
def test_notebook_runs_and_renders_in_jupyterlab(name: str, edition: str, lab: Lab, page: Page) -> None:
    expected = Expected.of(nbformat.read(refresh.notebook_path(name, edition), as_version=4))
    panel, panel_id = _run_all(page, name, editions.FOLDERS[edition])
    try:
        _check_no_errors(page, name)
        _check_markdown(panel, name, expected)
        _check_widgets(panel, name, expected, edition)
        _check_images(panel, name, expected)
        assert page.get_by_text("Jupyter news").count() == 0, "the news toast is on"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        boxes = panel.locator(".gemini-widget-box")
        (boxes if boxes.count() else panel.locator(".jp-Cell")).first.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"{name}{'' if edition == 'en' else '-' + edition}.png"))
    finally:
        _close(page, lab, panel_id)
