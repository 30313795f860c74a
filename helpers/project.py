"""Where the series is published: the one place badges and the Colab cell read.

A test checks that every notebook's badges and first code cell match what
:func:`badges` and :func:`colab_cell` produce from these values. After
changing them, run ``python -m helpers badges`` to rewrite every notebook.
"""

from __future__ import annotations

#: GitHub ``owner/name`` of the repository the badges and the Colab cell use.
REPOSITORY = "gemini-notebooks/gemini-api-tutorial"
#: The branch they open.
BRANCH = "main"


def colab_url(notebook: str) -> str:
    """Open ``notebooks/<notebook>.ipynb`` in Colab."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{notebook}.ipynb"


def binder_url(notebook: str) -> str:
    """Open ``notebooks/<notebook>.ipynb`` in JupyterLab on Binder."""
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=lab/tree/notebooks/{notebook}.ipynb"


def badges(notebook: str) -> str:
    """The Markdown line of launch badges that opens a notebook."""
    return (
        f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook)}) "
        f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder_url(notebook)})"
    )


def colab_cell() -> str:
    """The first code cell of every notebook: on Colab only, fetch what it needs.

    Elsewhere (JupyterLab, Binder, nbval) it does nothing.
    """
    return (
        "# On Colab only: fetch the series (helpers, images, recordings). Elsewhere this does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    repository = "https://github.com/{REPOSITORY}"\n'
        f"    !test -d /content/series || git clone -q --depth 1 --branch {BRANCH} {{repository}} /content/series\n"
        "    %pip install --quiet google-generativeai==0.8.6 vcrpy==9.4.2 python-dotenv==1.2.4\n"
        '    sys.path.insert(0, "/content/series")\n'
        "    %cd /content/series/notebooks"
    )
