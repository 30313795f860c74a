"""Sphinx configuration of the series' website (built by scripts/site, see site/README.md)."""

from __future__ import annotations

import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent
sys.path.insert(0, str(SITE))
sys.path.insert(0, str(SITE.parent))

from helpers.plumbing import project as series  # noqa: E402

project = "Gemini API in Python, notebook by notebook"
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
html_title = "Gemini API in Python"
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
    "announcement": (
        "Every output on this site was stored from a run in replay mode, with no key. "
        "The <b>Source</b> line under each notebook's setup cell says whether its answers were recorded "
        "from Gemini or <b>AUTHORED</b> (written by the maintainers, not Gemini's words)."
    ),
}
