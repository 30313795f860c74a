"""Where the series is published, and how a notebook launches there.

The one place the launch badges, the Colab cell and the launch hints read.
A test checks that every notebook's badges and first code cell match what
:func:`badges` and :func:`colab_cell` produce; after changing the values here,
``python -m helpers badges`` rewrites every notebook to match.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import editions
from .i18n import tr

#: GitHub ``owner/name`` of the repository the badges and the Colab cell use.
REPOSITORY = "gemini-notebooks/gemini-api-tutorial"
#: The branch they open.
BRANCH = "main"
#: What the Colab cell installs: Colab has the rest (requests, PyYAML, pillow, numpy, ipywidgets).
COLAB_PACKAGES = ("google-generativeai", "google-genai", "vcrpy", "python-dotenv")
REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"
BADGE_START = "[![Open in Colab]"
COLAB_CELL_START = "# On Colab only"


def colab_url(notebook: str, edition: str = "en") -> str:
    """Open ``notebooks/<notebook>.ipynb`` (or its twin in another edition) in Colab."""
    folder = editions.FOLDERS[edition]
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{folder}/{notebook}.ipynb"


def binder_url(notebook: str, edition: str = "en") -> str:
    """Open ``notebooks/<notebook>.ipynb`` (or its twin) in JupyterLab on Binder."""
    folder = editions.FOLDERS[edition]
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=lab/tree/{folder}/{notebook}.ipynb"


def badges(notebook: str, edition: str = "en") -> str:
    """The Markdown line of launch badges that opens a notebook."""
    return (
        f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook, edition)}) "
        f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder_url(notebook, edition)})"
    )


def pinned(packages: tuple[str, ...] = COLAB_PACKAGES) -> list[str]:
    """``name==version`` for each package, as requirements.txt pins it."""
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", REQUIREMENTS.read_text(encoding="utf-8"), re.MULTILINE))
    return [f"{name}=={pins[name]}" for name in packages]


#: The Colab cell's two sentences, per edition (its code is the same but for the folder it opens).
COLAB_WORDS = {
    "en": {
        "comment": f"{COLAB_CELL_START}: fetch the series (helpers, images, recordings). Elsewhere this does nothing.",
        "failed": "Could not fetch {repository}: check that the runtime has internet, then run this cell again.",
    },
    "zh": {
        "comment": "# 仅在 Colab 上运行：获取本系列的文件（helpers、图片、录制文件）；在其他环境中什么也不做。",
        "failed": "无法获取 {repository}：请检查运行时能否联网，然后再次运行这个单元格。",
    },
}


def colab_cell(edition: str = "en") -> str:
    """The first code cell of every notebook: on Colab only, fetch what it needs.

    Elsewhere (JupyterLab, Binder, nbval) it does nothing. The Chinese edition's
    cell says the same in Chinese and opens ``notebooks-zh``.
    """
    words = COLAB_WORDS[edition]
    return (
        f"{words['comment']}\n"
        "import os\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    repository = "https://github.com/{REPOSITORY}"\n'
        f"    !test -d /content/series || git clone -q --depth 1 --branch {BRANCH} {{repository}} /content/series\n"
        '    if not os.path.isdir("/content/series/helpers"):\n'
        f'        message = f"{words["failed"]}"\n'
        "        raise RuntimeError(message)\n"
        f"    %pip install --quiet {' '.join(pinned())}\n"
        '    sys.path.insert(0, "/content/series")\n'
        f"    %cd /content/series/{editions.FOLDERS[edition]}"
    )


def is_colab_cell(source: str) -> bool:
    """True for a notebook's Colab cell, in either edition."""
    return '"google.colab" in sys.modules' in source and "/content/series" in source


def on_binder(environ: Mapping[str, str] = os.environ) -> bool:
    """True in a Binder session (BinderHub sets these for the user's server)."""
    return bool(environ.get("BINDER_LAUNCH_HOST") or environ.get("BINDER_REPO_URL"))


def launch_hint(notebook: str, environ: Mapping[str, str] = os.environ) -> str:
    """How to go live where a learner has no shell to set a key in: Colab and Binder ("" elsewhere)."""
    from ..keys import running_on_colab

    if running_on_colab():
        return tr(
            "No key found on Colab, so answers are replayed. To go live: open the key icon in Colab's left bar, "
            "add a secret named GEMINI_API_KEY, switch on Notebook access, and run this cell again."
        )
    if on_binder(environ):
        return tr(
            "No key on Binder, so answers are replayed. To go live without saving your key anywhere, run "
            'helpers.setup("{notebook}", ask_for_key=True): it asks in a hidden box and keeps the key in memory only.',
            notebook=notebook,
        )
    return ""


def apply(notebook: Any, name: str, edition: str = "en") -> bool:
    """Give ``notebook`` (an nbformat node) the badge line and the Colab cell; True if it changed."""
    import nbformat

    cells = notebook.cells
    first_markdown = next((c for c in cells if c.cell_type == "markdown"), None)
    if first_markdown is None:
        raise ValueError(f"{name} has no Markdown cell to put the badges in")
    before = (first_markdown.source, [c.source for c in cells if c.cell_type == "code"][:1])
    lines = first_markdown.source.split("\n")
    found = [i for i, line in enumerate(lines) if line.startswith(BADGE_START)]
    if found:
        lines[found[0]] = badges(name, edition)
    else:
        lines[1:1] = ["", badges(name, edition)]  # under the title
    first_markdown.source = "\n".join(lines)
    first_code = next((c for c in cells if c.cell_type == "code"), None)
    if first_code is not None and is_colab_cell(first_code.source):
        first_code.source = colab_cell(edition)
    else:
        cells.insert(cells.index(first_markdown) + 1, nbformat.v4.new_code_cell(colab_cell(edition)))
    return before != (first_markdown.source, [c.source for c in cells if c.cell_type == "code"][:1])
