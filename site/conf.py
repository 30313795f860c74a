"""Sphinx configuration of the series' website (built by scripts/site, see site/README.md).

One configuration for both editions: ``SERIES_SITE_EDITION=zh`` (set by site/build.py for the
Chinese build) makes it the Simplified Chinese one: ``language = "zh_CN"`` (the theme's and
Sphinx's own words in Chinese, ``<html lang="zh-CN">``, a search index split into Chinese words
by jieba), the Chinese title and announcement.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent
sys.path.insert(0, str(SITE))
sys.path.insert(0, str(SITE.parent))

from helpers.plumbing import project as series  # noqa: E402

#: ``en`` (notebooks/, the site's root) or ``zh`` (notebooks-zh/, the site's zh/ folder).
EDITION = os.environ.get("SERIES_SITE_EDITION", "en")
TEXTS = {
    "en": {
        "language": "en",
        "project": "Gemini API in Python, notebook by notebook",
        "title": "Gemini API in Python",
        "announcement": (
            "Every output on this site was stored from a run in replay mode, with no key. "
            "The <b>Source</b> line under each notebook's setup cell says whether its answers were recorded "
            "from Gemini or <b>AUTHORED</b> (written by the maintainers, not Gemini's words)."
        ),
    },
    "zh": {
        "language": "zh_CN",
        "project": "用 Python 调用 Gemini API：一个笔记本接一个笔记本",
        "title": "用 Python 调用 Gemini API",
        "announcement": (
            "本站的每个输出都保存自一次回放模式下的运行，没有使用密钥。"
            "每个笔记本的设置单元格下方的<b>来源</b>一行说明了它的回答是从 Gemini 录制的，"
            "还是<b>人工编写（AUTHORED）</b>的（由维护者撰写，并非 Gemini 的原话）。"
        ),
    },
}[EDITION]

language = TEXTS["language"]
project = TEXTS["project"]
author = "the authors of the series"
copyright = "the authors of the series, Apache License 2.0"

extensions = ["myst_nb", "series_site"]
root_doc = "index"
exclude_patterns = ["**/.ipynb_checkpoints", "images"]  # images/ is there for the notebooks to show, not as pages
suppress_warnings = ["myst.header"]  # a notebook may jump from # to ###; the page still reads fine

# The notebooks are shown as committed: stored outputs, never executed, no kernel needed.
nb_execution_mode = "off"
nb_merge_streams = True
# Gemini's answers are Markdown: tables, lists and code as a reader sees them in JupyterLab.
nb_render_markdown_format = "myst"
# No require.js and no ipywidgets embed script from a CDN: widget outputs get a static rendering (series_site).
nb_ipywidgets_js = {}
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence"]
# Math (none yet) as code: the default, MathJax, would come from a CDN (series_site.py).
html_math_renderer = "series-plain"

html_theme = "sphinx_book_theme"
html_title = TEXTS["title"]
templates_path = [str(SITE / "_templates")]
html_static_path = [str(SITE / "_static")]
html_css_files = ["series.css"]
html_js_files = ["series.js"]
html_show_sphinx = False
html_use_index = False  # no index entries: the page would be empty
# The theme reads the light/dark choice from here (empty: a console error on a first visit).
html_context = {"default_mode": "auto"}
html_theme_options = {
    "repository_url": f"https://github.com/{series.REPOSITORY}",
    "repository_branch": series.BRANCH,
    "use_repository_button": True,
    "use_download_button": True,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "navbar_persistent": [],  # the search box is in the sidebar already
    # The language switch (中文 / English: the same page in the other edition), then the theme's own buttons.
    "article_header_end": ["series-language-switch.html", "article-header-buttons.html"],
    "announcement": TEXTS["announcement"],
}
if EDITION == "zh":  # the book theme's catalogue has no Chinese for its search box's "Search..."
    html_theme_options["search_bar_text"] = "搜索…"
