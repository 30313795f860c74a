"""The series' own Sphinx extension: what a notebook page needs beyond MyST-NB's defaults.

Each notebook is adjusted as Sphinx reads it (``source-read``), never on disk:

* the badge line (its images live on colab.research.google.com and mybinder.org) becomes
  local "Open in Colab" / "Launch Binder" buttons whose addresses come from
  ``helpers.plumbing.project`` (``colab_url``, ``binder_url``);
* the Colab-only first cell is folded away, and so is each worked solution's code cell with
  its output (a cell tagged ``solution``, or the one right after a Markdown
  ``<details><summary>Solution`` block);
* the setup cell's output, the replay banner (mode, models, cassette and whether the
  answers are AUTHORED), is marked so the page shows it as a banner;
* a widget output, which is only a view of a live kernel object, is replaced by a static
  rendering: the widget's controls as the stored widget state has them (disabled), and
  the widget's own text summary of what it offers and what it was recorded with;
* every image output gets alt text derived from its cell (``Output of cell N: chart
  "title" ...``), from the notebook's own "the chart, in words" line when there is one,
  and for the series' photos from ``images/ATTRIBUTION.md``.

After parsing (``doctree-read``), a link to a file that is not a page of the site (a
notebook not written yet, a file of the repository) goes to that file on GitHub instead of
to a broken local address, and an image still without alt text gets one from its name.
Math, if a page ever has some, is shown as code: Sphinx's default would load MathJax
from a CDN.
"""

from __future__ import annotations

import ast
import hashlib
import html
import posixpath
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes
from docutils.transforms import Transform
from sphinx import addnodes
from sphinx.util import logging

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from helpers.plumbing import project  # noqa: E402

LOGGER = logging.getLogger(__name__)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
BANNER_START = "> **Mode**"
BANNER_TAG = "series-banner"
SOLUTION = re.compile(r"<summary>\s*Solution\b", re.IGNORECASE)
SOLUTION_SHOW = "Show the solution's code and what it printed"
WIDGET_CLASS = "series-widget"
PHOTO = re.compile(r"[\w.-]+\.(?:jpe?g|png|gif)", re.IGNORECASE)
INTRODUCES = re.compile(r"\b(chart|heatmap|plot|graph|figure|waveform|histogram)\b", re.IGNORECASE)
IN_WORDS = re.compile(r"^\*?\s*(The (?:chart|plot|figure|picture|image), in words:.*?)\*?\s*$", re.DOTALL)


def launch_buttons(name: str) -> str:
    """The HTML line of "Open in Colab" / "Launch Binder" buttons for one notebook (one line: an HTML block)."""
    return (
        '<p class="series-launch">'
        f'<a class="series-launch-button series-colab" href="{project.colab_url(name)}">Open in Colab</a> '
        f'<a class="series-launch-button series-binder" href="{project.binder_url(name)}">Launch Binder</a> '
        '<span class="series-launch-note">to run it yourself: with no key it replays these same answers</span></p>'
    )


def replace_badges(markdown: str, name: str) -> tuple[str, bool]:
    """Swap the badge line for local buttons; True if there was one."""
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(project.BADGE_START):
            lines[i] = launch_buttons(name)
            return "\n".join(lines), True
    return markdown, False


def github_url(path: str) -> str:
    """A file of the repository on GitHub."""
    return f"https://github.com/{project.REPOSITORY}/blob/{project.BRANCH}/{path}"


# --- alt text -----------------------------------------------------------------------------------------------------


def photo_descriptions(attribution: Path = ROOT / "images" / "ATTRIBUTION.md") -> dict[str, str]:
    """``name -> what it shows`` from images/ATTRIBUTION.md (its "Shows:" lines, without "Used as ...")."""
    try:
        text = attribution.read_text("utf-8")
    except OSError:
        return {}
    found = {}
    for section in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        names = re.findall(r"`([^`]+)`", section.split("\n", 1)[0])
        shows = re.search(r"\*\*Shows?:?\*\*:?\s*(.*?)(?=\n- \*\*|\n\n|\Z)", section, re.DOTALL)
        if not (names and shows):
            continue
        words = " ".join(shows.group(1).split())
        words = re.split(r"\s+Used (?:as|in) ", words)[0].rstrip(" .")
        for name in names:
            found[name] = words
    return found


def _text(node: ast.AST) -> str | None:
    """A string literal (an f-string's value is only known when the cell runs: None)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


#: What a plotting call draws, for alt text ("bar chart"), in order of precedence.
CHART_KINDS = {
    "imshow": "heatmap",
    "bar": "bar chart",
    "barh": "bar chart",
    "hist": "histogram",
    "scatter": "scatter plot",
    "pie": "pie chart",
    "plot": "line chart",
}


def chart_labels(source: str) -> dict[str, str]:
    """Title and axis labels a matplotlib cell sets (``set_title``, ``set_xlabel``, ``ax.set(...)``...)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax (!cmd, %magic): no labels rather than a wrong guess
        return {}
    names = {"set_title": "title", "title": "title", "suptitle": "title", "set_xlabel": "x", "xlabel": "x"}
    names |= {"set_ylabel": "y", "ylabel": "y"}
    labels: dict[str, str] = {}
    drawn: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr in CHART_KINDS:
            drawn.add(node.func.attr)
        kind = names.get(node.func.attr)
        if kind and node.args and (text := _text(node.args[0])):
            labels.setdefault(kind, text)
        if node.func.attr == "set":
            for keyword in node.keywords:
                kind = {"title": "title", "xlabel": "x", "ylabel": "y"}.get(keyword.arg or "")
                if kind and (text := _text(keyword.value)):
                    labels.setdefault(kind, text)
    if drawn:
        labels["kind"] = next(CHART_KINDS[k] for k in CHART_KINDS if k in drawn)
    return labels


def in_words(cells: list[Any], index: int) -> str:
    """The notebook's own description of a chart or picture.

    A Markdown cell after it that starts "The chart, in words:"; else the first paragraph of the
    Markdown cell just before it, when that paragraph speaks of the chart (cut after 400 characters).
    """
    for cell in cells[index + 1 : index + 3]:
        if cell.cell_type != "markdown":
            continue
        first = cell.source.strip().split("\n\n")[0]
        if match := IN_WORDS.match(first):
            return " ".join(match.group(1).replace("`", "").replace("*", "").split())
    before = cells[index - 1] if index > 0 else None
    if before is not None and before.cell_type == "markdown":
        first = " ".join(before.source.strip().split("\n\n")[0].replace("`", "").replace("*", "").split())
        if not first.startswith("#") and INTRODUCES.search(first):
            if len(first) > 400:
                first = first[:400].rsplit(". ", 1)[0] + "."
            return first
    return ""


def output_alt(cells: list[Any], index: int, output: Any, mime: str, number: int, photos: dict[str, str]) -> str:
    """Alt text for one image output, derived from its cell."""
    cell = cells[index]
    given = output.get("metadata", {}).get(mime, {}).get("alt")
    plain = output.get("data", {}).get("text/plain", "")
    plain = plain if isinstance(plain, str) else "".join(plain)
    words = in_words(cells, index)
    if given:
        what = given
    elif plain.startswith("<Figure"):
        labels = chart_labels(cell.source)
        kind = labels.get("kind", "chart")
        what = f"{kind} “{labels['title']}”" if "title" in labels else kind
        axes = [f"{axis} axis: {labels[axis]}" for axis in ("x", "y") if axis in labels]
        what += f" ({', '.join(axes)})" if axes else ""
    else:
        names = [n for n in PHOTO.findall(cell.source) if Path(n).name in photos]
        if names:
            name = Path(names[0]).name
            what = f"the photo {name}: {photos[name]}"
        else:
            what = f"image ({html.unescape(plain.strip())})" if plain.strip() else "image"
    alt = f"Output of cell {number}: {what}"
    if words and words not in alt:
        alt += f". {words}"
    return alt


# --- widgets --------------------------------------------------------------------------------------------------------


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _labelled(description: str, control: str) -> str:
    label = f'<span class="{WIDGET_CLASS}-label">{_esc(description)}</span>' if description else ""
    return f'<label class="{WIDGET_CLASS}-row">{label}{control}</label>'


def render_controls(model_id: str, state: dict[str, Any], image_alt: str, depth: int = 0) -> str:
    """A static, disabled copy of a widget's controls as its stored state has them."""
    model = state.get(model_id)
    if model is None or depth > 20:
        return ""
    kind = model.get("model_name", "")
    s = model.get("state", {})
    description = s.get("description", "")
    if kind in ("VBoxModel", "HBoxModel", "BoxModel", "GridBoxModel"):
        children = [render_controls(c.removeprefix("IPY_MODEL_"), state, image_alt, depth + 1) for c in s["children"]]
        box = "hbox" if kind == "HBoxModel" else "vbox"
        return f'<div class="{WIDGET_CLASS}-{box}">{"".join(children)}</div>'
    if kind in ("HTMLModel", "HTMLMathModel"):
        return f'<div class="{WIDGET_CLASS}-html">{s.get("value", "")}</div>'
    if kind == "LabelModel":
        return f'<div class="{WIDGET_CLASS}-html">{_esc(s.get("value", ""))}</div>'
    if kind in ("DropdownModel", "SelectModel", "RadioButtonsModel", "ToggleButtonsModel"):
        chosen = s.get("index")
        options = "".join(
            f"<option{' selected' if i == chosen else ''}>{_esc(label)}</option>"
            for i, label in enumerate(s.get("_options_labels", []))
        )
        return _labelled(description, f"<select disabled>{options}</select>")
    if kind in ("IntSliderModel", "FloatSliderModel"):
        attributes = " ".join(f'{a}="{_esc(s[a])}"' for a in ("min", "max", "step", "value") if a in s)
        control = f'<input type="range" {attributes} disabled><output>{_esc(s.get("value", ""))}</output>'
        return _labelled(description, control)
    if kind in ("TextModel", "TextareaModel"):
        value, placeholder = _esc(s.get("value", "")), _esc(s.get("placeholder", ""))
        control = f'<input type="text" value="{value}" placeholder="{placeholder}" disabled>'
        return _labelled(description, control)
    if kind in ("CheckboxModel", "ToggleButtonModel"):
        checked = " checked" if s.get("value") else ""
        return _labelled(description, f'<input type="checkbox"{checked} disabled>')
    if kind == "ButtonModel":
        return f'<button type="button" disabled>{_esc(description)}</button>'
    if kind == "ImageModel":
        data = next((b.get("data") for b in model.get("buffers", []) if b.get("path") == ["value"]), None)
        if not data:
            return ""
        fmt = _esc(s.get("format", "png"))
        return f'<img class="{WIDGET_CLASS}-image" src="data:image/{fmt};base64,{data}" alt="{_esc(image_alt)}">'
    if kind == "OutputModel":
        return f'<div class="{WIDGET_CLASS}-output">Its answer appears here, in the running notebook.</div>'
    return ""


def subtree(model_id: str, state: dict[str, Any], depth: int = 0) -> list[dict[str, Any]]:
    """A widget's model and those of every widget inside it."""
    model = state.get(model_id)
    if model is None or depth > 20:
        return []
    children = model.get("state", {}).get("children") or []
    return [model, *(m for c in children for m in subtree(str(c).removeprefix("IPY_MODEL_"), state, depth + 1))]


def selected_photo(model_id: str, state: dict[str, Any]) -> str:
    """The file name a widget's dropdown has chosen, if it chooses photos."""
    for model in subtree(model_id, state):
        s = model.get("state", {})
        labels, index = s.get("_options_labels") or [], s.get("index")
        if isinstance(index, int) and index < len(labels) and PHOTO.fullmatch(str(labels[index])):
            return str(labels[index])
    return ""


def render_widget(summary: str, model_id: str, state: dict[str, Any], name: str, photos: dict[str, str]) -> str:
    """The static rendering of one widget output: what it does, what it was recorded with, how to run it."""
    lines = summary.rstrip().split("\n")
    title = re.sub(r"\s*\(an interactive widget.*\)$", "", lines[0]).strip() or "Interactive widget"
    items: list[str] = []
    body: list[str] = []
    for line in lines[1:]:
        if match := re.match(r"^\s+(?:-|\d+\.)\s+(.*)$", line):
            items.append(f"<li>{_esc(match.group(1))}</li>")
        else:
            if items:
                body.append(f"<ul>{''.join(items)}</ul>")
                items = []
            body.append(f"<p>{_esc(line.strip())}</p>")
    if items:
        body.append(f"<ul>{''.join(items)}</ul>")
    photo = selected_photo(model_id, state)
    image_alt = f"{title}: the photo {photo}" + (f": {photos[photo]}" if photo in photos else "") if photo else title
    controls = render_controls(model_id, state, image_alt)
    if controls:
        controls = (
            f'<div class="{WIDGET_CLASS}-controls" aria-label="The widget\'s controls as recorded (not live)">'
            f"{controls}</div>"
        )
    return (
        f'<div class="{WIDGET_CLASS}" data-widget="{_esc(title)}">'
        f'<div class="{WIDGET_CLASS}-head"><span class="{WIDGET_CLASS}-badge">Interactive widget</span> '
        f"<strong>{_esc(title)}</strong></div>"
        f'<p class="{WIDGET_CLASS}-how">A still picture of the widget as the notebook stored it: it needs a running '
        f'notebook to answer. <a href="{project.colab_url(name)}">Open in Colab</a> or '
        f'<a href="{project.binder_url(name)}">launch Binder</a> to use it; with no key it offers exactly what is '
        f"listed below.</p>"
        f"{controls}"
        f'<div class="{WIDGET_CLASS}-summary"><p class="{WIDGET_CLASS}-summary-title">What it offers, in its own '
        f"words:</p>{''.join(body)}</div>"
        "</div>"
    )


# --- the notebook, as Sphinx reads it ------------------------------------------------------------------------------


def _tag(cell: Any, tag: str) -> None:
    tags = cell.metadata.setdefault("tags", [])
    if tag not in tags:
        tags.append(tag)


def is_solution(cells: list[Any], index: int) -> bool:
    """A worked solution's code cell: tagged ``solution``, or right after a Markdown ``<details>`` "Solution" block."""
    if "solution" in cells[index].metadata.get("tags", []):
        return True
    before = cells[index - 1] if index > 0 else None
    return before is not None and before.cell_type == "markdown" and bool(SOLUTION.search(before.source))


def adjust(notebook: Any, name: str, photos: dict[str, str]) -> Any:
    """The notebook as the site shows it (see the module docstring)."""
    state = notebook.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    cells = notebook.cells
    first = next((c for c in cells if c.cell_type == "markdown"), None)
    if first is not None:
        first.source, replaced = replace_badges(first.source, name)
        if not replaced:
            lines = first.source.split("\n")
            at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
            lines[at:at] = ["", launch_buttons(name), ""]
            first.source = "\n".join(lines)
    ordinal = 0
    for index, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        ordinal += 1
        number = cell.get("execution_count") or ordinal
        if is_solution(cells, index):
            _tag(cell, "hide-cell")
            prompts = cell.metadata.setdefault("mystnb", {})
            prompts.setdefault("code_prompt_show", SOLUTION_SHOW)
            prompts.setdefault("code_prompt_hide", "Hide the solution's code")
        if cell.source.startswith(project.COLAB_CELL_START):
            _tag(cell, "hide-input")
            prompts = cell.metadata.setdefault("mystnb", {})
            prompts.setdefault("code_prompt_show", "Show the Colab-only first cell (it does nothing elsewhere)")
            prompts.setdefault("code_prompt_hide", "Hide the Colab-only first cell")
        alt = ""
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            markdown = data.get("text/markdown", "")
            if isinstance(markdown, str) and markdown.startswith(BANNER_START):
                _tag(cell, BANNER_TAG)
            if WIDGET_VIEW in data:
                view = data.pop(WIDGET_VIEW)
                summary = data.get("text/plain", "")
                summary = summary if isinstance(summary, str) else "".join(summary)
                data["text/html"] = render_widget(summary, view.get("model_id", ""), state, name, photos)
            for mime in IMAGE_TYPES:
                if mime in data and not alt:
                    alt = output_alt(cells, index, output, mime, number, photos)
        if alt:
            options = cell.metadata.setdefault("mystnb", {}).setdefault("image", {})
            options.setdefault("alt", alt)
    return notebook


def on_source_read(app: Any, docname: str, source: list[str]) -> None:
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    notebook = nbformat.reads(source[0], as_version=4)
    adjust(notebook, docname.rsplit("/", 1)[-1], photo_descriptions())
    source[0] = nbformat.writes(notebook)


# --- after parsing --------------------------------------------------------------------------------------------------


def on_doctree_read(app: Any, doctree: nodes.document) -> None:
    docname = app.env.docname
    for node in list(doctree.findall(addnodes.pending_xref)):
        target = node.get("reftarget", "")
        if node.get("reftype") != "myst" or node.get("refdomain") or not re.search(r"\.\w+(#|$)", target):
            continue
        path, _, anchor = target.partition("#")
        repository_path = posixpath.normpath(posixpath.join(posixpath.dirname(docname), path))
        if repository_path.startswith(".."):
            continue
        LOGGER.info(f"{docname}: {target} is not a page of the site, so it links to GitHub", location=node)
        address = github_url(repository_path) + (f"#{anchor}" if anchor else "")
        reference = nodes.reference("", "", *node.children, refuri=address)
        reference["classes"] += ["external"]
        node.replace_self(reference)
    for image in doctree.findall(nodes.image):
        if not image.get("alt"):
            image["alt"] = f"Image: {Path(image.get('uri', 'image')).name}"


class OutputTransitions(Transform):
    """A horizontal rule inside an answer (Markdown output) stays a rule, without docutils' warning.

    docutils allows a transition only between sections; in a cell's output it is just a line.
    """

    default_priority = 829  # just before docutils' own check (830)

    def apply(self) -> None:
        for node in list(self.document.findall(nodes.transition)):
            if not isinstance(node.parent, (nodes.document, nodes.section)):
                node.replace_self(nodes.raw("", "<hr>", format="html"))


def visit_math_as_code(self: Any, node: nodes.Element) -> None:
    self.body.append(f'<code class="math">{html.escape(node.astext())}</code>')
    raise nodes.SkipNode


def env_version() -> int:
    """Changes whenever this file or what it reads changes, so Sphinx then reads every page again."""
    digest = hashlib.sha256()
    for path in (Path(__file__), Path(project.__file__), ROOT / "images" / "ATTRIBUTION.md"):
        digest.update(path.read_bytes() if path.exists() else b"")
    return int(digest.hexdigest()[:12], 16)


def setup(app: Any) -> dict[str, Any]:
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", on_doctree_read)
    app.add_transform(OutputTransitions)
    app.add_html_math_renderer("series-plain", (visit_math_as_code, None), (visit_math_as_code, None))
    return {"version": "1", "env_version": env_version(), "parallel_read_safe": True, "parallel_write_safe": True}
