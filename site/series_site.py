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

After parsing (``doctree-read``), a link to the README or to a notebook of either edition
goes to its page (``README.zh.md`` to the Chinese landing page, ``notebooks-zh/05_chat.ipynb``
to ``zh/notebooks/05_chat.html``...); a link to a file that is not a page of the site (a
notebook not written yet, a file of the repository) goes to that file on GitHub instead of
to a broken local address; and an image still without alt text gets one from its name.
Math, if a page ever has some, is shown as code: Sphinx's default would load MathJax
from a CDN.

Two editions, one extension: the site is built twice (``site/build.py``), the English
notebooks into the site's root and their Simplified Chinese twins (``notebooks-zh/``,
``language = "zh_CN"``) into ``zh/``. Everything this extension writes on a page (buttons,
folded-cell prompts, widget renderings, alt text) comes from :data:`WORDS` in the page's
language, and every page gets a link to its twin in the other edition
(``html-page-context``, shown by ``_templates/series-language-switch.html``).
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
from sphinx.search.zh import SearchChinese
from sphinx.util import logging

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from helpers.plumbing import editions, i18n, project  # noqa: E402

LOGGER = logging.getLogger(__name__)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
#: How the replay banner (the setup cell's Markdown output) starts, in either edition ("Mode" is "模式" in Chinese).
BANNER_STARTS = ("> **Mode**", f"> **{i18n.catalogue('zh').get('Mode', '模式')}**")
BANNER_TAG = "series-banner"
SOLUTION = re.compile(r"<summary>\s*(?:Solution\b|参考答案|答案)", re.IGNORECASE)
WIDGET_CLASS = "series-widget"
PHOTO = re.compile(r"[\w.-]+\.(?:jpe?g|png|gif)", re.IGNORECASE)
INTRODUCES = re.compile(
    r"\b(chart|heatmap|plot|graph|figure|waveform|histogram)\b|图表|热力图|柱状图|条形图|折线图|直方图|散点图|波形图",
    re.IGNORECASE,
)
IN_WORDS = re.compile(
    r"^\*?\s*((?:The (?:chart|plot|figure|picture|image), in words:|(?:图表|图|图片|图像|画面)的文字描述[:：])"
    r".*?)\*?\s*$",
    re.DOTALL,
)
#: The landing page's docname, and the page in the other edition a page without a twin links to.
ROOT_DOC = "index"

#: What the extension writes on a page, per edition ("en" for English, "zh" for Simplified Chinese).
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "colab": "Open in Colab",
        "binder": "Launch Binder",
        "launch_note": "to run it yourself: with no key it replays these same answers",
        "solution_show": "Show the solution's code and what it printed",
        "solution_hide": "Hide the solution's code",
        "colab_show": "Show the Colab-only first cell (it does nothing elsewhere)",
        "colab_hide": "Hide the Colab-only first cell",
        "widget": "Interactive widget",
        "widget_how": (
            "A still picture of the widget as the notebook stored it: it needs a running notebook to answer. "
            '<a href="{colab}">Open in Colab</a> or <a href="{binder}">launch Binder</a> to use it; with no key it '
            "offers exactly what is listed below."
        ),
        "widget_controls": "The widget's controls as recorded (not live)",
        "widget_offers": "What it offers, in its own words:",
        "widget_output": "Its answer appears here, in the running notebook.",
        "output": "Output of cell {number}: {what}",
        "chart": "chart",
        "titled": "{kind} “{title}”",
        "x": "x axis: {label}",
        "y": "y axis: {label}",
        "axes": " ({axes})",
        "photo": "the photo {name}: {description}",
        "photo_bare": "the photo {name}",
        "image": "image",
        "image_named": "Image: {name}",
        "then": ". ",
        # The language switch: how this edition names the other one, and the link's tooltip.
        "twin": "中文",
        "twin_lang": "zh-CN",
        "twin_title": "本页的简体中文版",
    },
    "zh": {
        "colab": "在 Colab 中打开",
        "binder": "启动 Binder",
        "launch_note": "自己运行：没有密钥时，它会回放与这里相同的回答",
        "solution_show": "显示参考答案的代码及其输出",
        "solution_hide": "隐藏参考答案的代码",
        "colab_show": "显示仅用于 Colab 的第一个单元格（在其他环境中它什么也不做）",
        "colab_hide": "隐藏仅用于 Colab 的第一个单元格",
        "widget": "交互式小部件",
        "widget_how": (
            "这是笔记本保存下来的小部件的静态画面：它要在运行中的笔记本里才能响应。"
            '<a href="{colab}">在 Colab 中打开</a>或<a href="{binder}">启动 Binder</a>来使用它；'
            "没有密钥时，它提供的正是下面列出的内容。"
        ),
        "widget_controls": "小部件录制时的控件（不可操作）",
        "widget_offers": "它自己的说明：",
        "widget_output": "在运行中的笔记本里，它的回答显示在这里。",
        "output": "单元格 {number} 的输出：{what}",
        "chart": "图表",
        "titled": "{kind}“{title}”",
        "x": "横轴：{label}",
        "y": "纵轴：{label}",
        "axes": "（{axes}）",
        "photo": "照片 {name}：{description}",
        "photo_bare": "照片 {name}",
        "image": "图片",
        "image_named": "图片：{name}",
        "then": "。",
        "twin": "English",
        "twin_lang": "en",
        "twin_title": "This page in English",
    },
}
#: What a plotting call draws, in Chinese (the keys are CHART_KINDS' values).
CHART_KINDS_ZH = {
    "heatmap": "热力图",
    "bar chart": "柱状图",
    "histogram": "直方图",
    "scatter plot": "散点图",
    "pie chart": "饼图",
    "line chart": "折线图",
}


def edition_of(app: Any) -> str:
    """``zh`` for the Chinese build (``language = "zh_CN"``), else ``en``."""
    return "zh" if str(app.config.language or "").lower().startswith("zh") else "en"


def launch_buttons(name: str, edition: str = "en") -> str:
    """The HTML line of "Open in Colab" / "Launch Binder" buttons for one notebook (one line: an HTML block)."""
    words = WORDS[edition]
    colab, binder = project.colab_url(name, edition), project.binder_url(name, edition)
    return (
        '<p class="series-launch">'
        f'<a class="series-launch-button series-colab" href="{colab}">{words["colab"]}</a> '
        f'<a class="series-launch-button series-binder" href="{binder}">{words["binder"]}</a> '
        f'<span class="series-launch-note">{words["launch_note"]}</span></p>'
    )


def replace_badges(markdown: str, name: str, edition: str = "en") -> tuple[str, bool]:
    """Swap the badge line for local buttons; True if there was one."""
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(project.BADGE_START):
            lines[i] = launch_buttons(name, edition)
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
                cut = first[:400]
                first = cut.rsplit(". ", 1)[0] + "." if ". " in cut else cut.rsplit("。", 1)[0] + "。"
            return first
    return ""


def output_alt(
    cells: list[Any], index: int, output: Any, mime: str, number: int, photos: dict[str, str], edition: str = "en"
) -> str:
    """Alt text for one image output, derived from its cell (in the edition's language)."""
    cell = cells[index]
    words = WORDS[edition]
    given = output.get("metadata", {}).get(mime, {}).get("alt")
    plain = output.get("data", {}).get("text/plain", "")
    plain = plain if isinstance(plain, str) else "".join(plain)
    described = in_words(cells, index)
    if given:
        what = given
    elif plain.startswith("<Figure"):
        labels = chart_labels(cell.source)
        kind = labels.get("kind", "")
        kind = (CHART_KINDS_ZH.get(kind, kind) if edition == "zh" else kind) or words["chart"]
        what = words["titled"].format(kind=kind, title=labels["title"]) if "title" in labels else kind
        axes = [words[axis].format(label=labels[axis]) for axis in ("x", "y") if axis in labels]
        what += words["axes"].format(axes="，".join(axes) if edition == "zh" else ", ".join(axes)) if axes else ""
    else:
        names = [n for n in PHOTO.findall(cell.source) if Path(n).name in photos]
        if names:
            name = Path(names[0]).name
            what = words["photo"].format(name=name, description=photos[name])
        else:
            shown = html.unescape(plain.strip())
            what = words["image"] + (words["axes"].format(axes=shown) if shown else "")
    alt = words["output"].format(number=number, what=what)
    if described and described not in alt:
        alt += words["then"] + described
    return alt


# --- widgets --------------------------------------------------------------------------------------------------------


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _labelled(description: str, control: str) -> str:
    label = f'<span class="{WIDGET_CLASS}-label">{_esc(description)}</span>' if description else ""
    return f'<label class="{WIDGET_CLASS}-row">{label}{control}</label>'


def render_controls(model_id: str, state: dict[str, Any], image_alt: str, depth: int = 0, edition: str = "en") -> str:
    """A static, disabled copy of a widget's controls as its stored state has them."""
    model = state.get(model_id)
    if model is None or depth > 20:
        return ""
    kind = model.get("model_name", "")
    s = model.get("state", {})
    description = s.get("description", "")
    if kind in ("VBoxModel", "HBoxModel", "BoxModel", "GridBoxModel"):
        children = [
            render_controls(c.removeprefix("IPY_MODEL_"), state, image_alt, depth + 1, edition) for c in s["children"]
        ]
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
        return f'<div class="{WIDGET_CLASS}-output">{WORDS[edition]["widget_output"]}</div>'
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


def widget_title(summary: str) -> str:
    """The widget's name: the first line of its summary, without "(an interactive widget: ...)".

    In the Chinese edition the summary's first line is the catalogue's translation of that template
    (``helpers/locale/zh.json``); a last parenthesis, in ASCII or full-width brackets, is dropped too.
    """
    first = summary.strip().split("\n")[0]
    template = i18n.catalogue("zh").get("{title} (an interactive widget: run the notebook to use it)", "")
    suffix = template.removeprefix("{title}") if template.startswith("{title}") else ""
    if suffix and first.endswith(suffix):
        first = first.removesuffix(suffix)
    first = re.sub(r"\s*\(an interactive widget.*\)$", "", first)
    first = re.sub(r"\s*（[^（）]*(?:交互|小部件|控件)[^（）]*）$", "", first)
    return first.strip()


def render_widget(
    summary: str, model_id: str, state: dict[str, Any], name: str, photos: dict[str, str], edition: str = "en"
) -> str:
    """The static rendering of one widget output: what it does, what it was recorded with, how to run it."""
    words = WORDS[edition]
    lines = summary.rstrip().split("\n")
    title = widget_title(summary) or words["widget"]
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
    if photo:
        shows = words["photo"].format(name=photo, description=photos[photo]) if photo in photos else ""
        shows = shows or words["photo_bare"].format(name=photo)
        image_alt = f"{title}{'：' if edition == 'zh' else ': '}{shows}"
    else:
        image_alt = title
    controls = render_controls(model_id, state, image_alt, edition=edition)
    if controls:
        label = _esc(words["widget_controls"])
        controls = f'<div class="{WIDGET_CLASS}-controls" aria-label="{label}">{controls}</div>'
    how = words["widget_how"].format(colab=project.colab_url(name, edition), binder=project.binder_url(name, edition))
    return (
        f'<div class="{WIDGET_CLASS}" data-widget="{_esc(title)}">'
        f'<div class="{WIDGET_CLASS}-head"><span class="{WIDGET_CLASS}-badge">{words["widget"]}</span> '
        f"<strong>{_esc(title)}</strong></div>"
        f'<p class="{WIDGET_CLASS}-how">{how}</p>'
        f"{controls}"
        f'<div class="{WIDGET_CLASS}-summary"><p class="{WIDGET_CLASS}-summary-title">{words["widget_offers"]}</p>'
        f"{''.join(body)}</div>"
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


def adjust(notebook: Any, name: str, photos: dict[str, str], edition: str = "en") -> Any:
    """The notebook as the site shows it (see the module docstring), its words in the edition's language."""
    words = WORDS[edition]
    state = notebook.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    cells = notebook.cells
    first = next((c for c in cells if c.cell_type == "markdown"), None)
    if first is not None:
        first.source, replaced = replace_badges(first.source, name, edition)
        if not replaced:
            lines = first.source.split("\n")
            at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
            lines[at:at] = ["", launch_buttons(name, edition), ""]
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
            prompts.setdefault("code_prompt_show", words["solution_show"])
            prompts.setdefault("code_prompt_hide", words["solution_hide"])
        if project.is_colab_cell(cell.source):
            _tag(cell, "hide-input")
            prompts = cell.metadata.setdefault("mystnb", {})
            prompts.setdefault("code_prompt_show", words["colab_show"])
            prompts.setdefault("code_prompt_hide", words["colab_hide"])
        alt = ""
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            markdown = data.get("text/markdown", "")
            markdown = markdown if isinstance(markdown, str) else "".join(markdown)
            if markdown.startswith(BANNER_STARTS):
                _tag(cell, BANNER_TAG)
            if WIDGET_VIEW in data:
                view = data.pop(WIDGET_VIEW)
                summary = data.get("text/plain", "")
                summary = summary if isinstance(summary, str) else "".join(summary)
                data["text/html"] = render_widget(summary, view.get("model_id", ""), state, name, photos, edition)
            for mime in IMAGE_TYPES:
                if mime in data and not alt:
                    alt = output_alt(cells, index, output, mime, number, photos, edition)
        if alt:
            options = cell.metadata.setdefault("mystnb", {}).setdefault("image", {})
            options.setdefault("alt", alt)
    return notebook


def on_source_read(app: Any, docname: str, source: list[str]) -> None:
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    notebook = nbformat.reads(source[0], as_version=4)
    adjust(notebook, docname.rsplit("/", 1)[-1], photo_descriptions(), edition_of(app))
    source[0] = nbformat.writes(notebook)


# --- after parsing --------------------------------------------------------------------------------------------------


#: Where each edition's pages are, relative to the site's root ("" for English, "zh/" for Chinese).
EDITION_PREFIX = {"en": "", "zh": "zh/"}
#: The README each edition's landing page is made from.
READMES = {"en": "README.md", "zh": "README.zh.md"}


def repository_path(docname: str, edition: str) -> str:
    """The repository's file a page is made from (``notebooks/05_chat`` of the Chinese build: in ``notebooks-zh/``)."""
    if docname == ROOT_DOC:
        return READMES[edition]
    folder, _, rest = docname.partition("/")
    if folder == "notebooks":
        return f"{editions.FOLDERS[edition]}/{rest}.ipynb"
    return docname


def page_of(path: str) -> tuple[str, str] | None:
    """The page a repository file is shown as, ``(edition, docname)``; None for a file that is not a page."""
    for edition, readme in READMES.items():
        if path == readme:
            return edition, ROOT_DOC
    folder, _, name = path.partition("/")
    for edition, notebooks in editions.FOLDERS.items():
        if folder == notebooks and "/" not in name and name.endswith(".ipynb") and (ROOT / path).is_file():
            return edition, f"notebooks/{name.removesuffix('.ipynb')}"
    return None


def page_url(from_docname: str, from_edition: str, edition: str, docname: str) -> str:
    """A relative address from one page to another, in either edition (the html builder's layout: ``name.html``)."""
    up = "../" * from_docname.count("/")
    if edition != from_edition:
        up += "../" * EDITION_PREFIX[from_edition].count("/") + EDITION_PREFIX[edition]
    return f"{up}{docname}.html"


def on_doctree_read(app: Any, doctree: nodes.document) -> None:
    docname = app.env.docname
    edition = edition_of(app)
    here = posixpath.dirname(repository_path(docname, edition))
    for node in list(doctree.findall(addnodes.pending_xref)):
        target = node.get("reftarget", "")
        if node.get("reftype") != "myst" or node.get("refdomain") or not re.search(r"\.\w+(#|$)", target):
            continue
        path, _, anchor = target.partition("#")
        in_repository = posixpath.normpath(posixpath.join(here, path))
        if in_repository.startswith(".."):
            continue
        page = page_of(in_repository)
        if page is not None:  # the README, or a notebook of either edition: its page
            address = page_url(docname, edition, *page) + (f"#{anchor}" if anchor else "")
            node.replace_self(nodes.reference("", "", *node.children, refuri=address, internal=True))
            continue
        if not (ROOT / in_repository).exists() and in_repository.startswith(f"{editions.FOLDERS['zh']}/"):
            # a Chinese notebook's link to what only the English folder holds (its cassettes)
            in_repository = in_repository.replace(editions.FOLDERS["zh"], editions.FOLDERS["en"], 1)
        LOGGER.info(f"{docname}: {target} is not a page of the site, so it links to GitHub", location=node)
        address = github_url(in_repository) + (f"#{anchor}" if anchor else "")
        reference = nodes.reference("", "", *node.children, refuri=address)
        reference["classes"] += ["external"]
        node.replace_self(reference)
    for image in doctree.findall(nodes.image):
        if not image.get("alt"):
            image["alt"] = WORDS[edition]["image_named"].format(name=Path(image.get("uri", "image")).name)


# --- the language switch ------------------------------------------------------------------------------------------


def twin(pagename: str, edition: str) -> tuple[str, str]:
    """The same page in the other edition: ``(edition, docname)``; the other landing page if it has no twin."""
    other = "zh" if edition == "en" else "en"
    folder, _, name = pagename.partition("/")
    if folder == "notebooks" and not (editions.folder(other) / f"{name}.ipynb").is_file():
        return other, ROOT_DOC
    return other, pagename


def on_html_page_context(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """Give the page its language switch (``series_twin``, shown by series-language-switch.html) and an
    ``hreflang`` link to its twin."""
    edition = edition_of(app)
    words = WORDS[edition]
    other, docname = twin(pagename, edition)
    url = page_url(pagename, edition, other, docname)
    context["series_twin"] = {"url": url, "label": words["twin"], "lang": words["twin_lang"]}
    context["series_twin"]["title"] = words["twin_title"]
    link = f'<link rel="alternate" hreflang="{words["twin_lang"]}" href="{url}">\n'
    context["metatags"] = context.get("metatags", "") + link


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
    read = (Path(__file__), Path(project.__file__), ROOT / "images" / "ATTRIBUTION.md", i18n.CATALOGUE_DIR / "zh.json")
    for path in read:
        digest.update(path.read_bytes() if path.exists() else b"")
    return int(digest.hexdigest()[:12], 16)


class ChineseSearch(SearchChinese):
    """Sphinx's Chinese search, whose browser half works.

    Sphinx 9.0 ends the Chinese pages' ``language_data.js`` with ``window.Stemmer = ChineseStemmer``, a
    class that does not exist (sphinx-doc/sphinx#14229): the search page then stays at "Searching" with
    a console error. Latin words are stemmed by the English stemmer, both in Python and in the browser,
    so the script must name ``EnglishStemmer``; ``language_name`` is what Sphinx builds that name from.
    """

    language_name = "English"


def on_builder_inited(app: Any) -> None:
    """For the Chinese build: MyST-NB's scratch folder beside its doctrees, and jieba quiet.

    MyST-NB writes the notebooks' images to ``jupyter_execute`` beside the output folder: for the
    Chinese edition, whose output is the site's ``zh/``, that would be inside the English site.
    Chinese search splits the text into words with jieba (when installed), which logs its progress.
    """
    if edition_of(app) == "zh":
        scratch = Path(app.doctreedir).parent / "jupyter_execute-zh"
        app.env.mystnb_config = app.env.mystnb_config.copy(output_folder=str(scratch.resolve()))
        try:
            import jieba
        except ImportError:
            LOGGER.warning("jieba is not installed: the Chinese pages' search finds only Latin words")
        else:
            jieba.setLogLevel(30)  # logging.WARNING


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", on_builder_inited, priority=600)  # after MyST-NB's own
    app.add_search_language(ChineseSearch)
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", on_doctree_read)
    app.connect("html-page-context", on_html_page_context)
    app.add_transform(OutputTransitions)
    app.add_html_math_renderer("series-plain", (visit_math_as_code, None), (visit_math_as_code, None))
    return {"version": "1", "env_version": env_version(), "parallel_read_safe": True, "parallel_write_safe": True}
