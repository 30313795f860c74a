"""The series' two editions, and what keeps them in step.

The English notebooks live in ``notebooks/``, their Simplified Chinese twins in
``notebooks-zh/`` beside it (a sibling folder, so ``../images/...`` means the
same thing in both). A twin has the same cells, with the same ids, in the same
order; its Markdown and its code comments are translated, and everything else
in its code is identical, so both editions send the same requests and share
one set of cassettes. The one code cell allowed to differ is the generated
Colab cell, which names the folder it opens (see :func:`project.colab_cell`).
"""

from __future__ import annotations

import functools
import io
import os
import tokenize
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Edition code → the folder of its notebooks, relative to the repository.
FOLDERS = {"en": "notebooks", "zh": "notebooks-zh"}
#: Set to ``zh`` (or ``en``) to choose the language of the helpers' messages.
LANGUAGE_VARIABLE = "GEMINI_TUTORIAL_LANGUAGE"


def folder(edition: str) -> Path:
    """The folder that holds an edition's notebooks."""
    return REPO_ROOT / FOLDERS[edition]


def edition_of_folder(path: Path) -> str:
    """``zh`` for a path inside ``notebooks-zh/``, otherwise ``en``."""
    return "zh" if FOLDERS["zh"] in Path(path).resolve().parts else "en"


def current_language(environ: Mapping[str, str] = os.environ, cwd: Path | None = None) -> str:
    """The language of the helpers' messages: the variable if set, else the notebook's folder."""
    chosen = environ.get(LANGUAGE_VARIABLE, "").strip().lower()
    if chosen.startswith("zh"):
        return "zh"
    if chosen.startswith("en"):
        return "en"
    return edition_of_folder(cwd or Path.cwd())


def code_without_comments(source: str) -> list[tuple[int, str]]:
    """A cell's code as Python tokens, comments and blank lines left out.

    IPython syntax (``%pip``, ``!git``) is turned into Python first, so magics
    compare like any other call.
    """
    python = _ipython_to_python().transform_cell(source)
    ignored = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING}
    tokens = tokenize.generate_tokens(io.StringIO(python).readline)
    return [(token.type, token.string) for token in tokens if token.type not in ignored]


@functools.cache
def _ipython_to_python() -> Any:
    """IPython's own translator of cell syntax into Python (made once)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def _source(cell: Mapping[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def differences(english: Mapping[str, Any], twin: Mapping[str, Any], colab_cell: str | None = None) -> list[str]:
    """How a twin notebook's cells differ from the English ones (empty when in step).

    Checks that the cells match one to one (same id, same type, same order), and
    that each code cell is the same code once comments are set aside. The first
    code cell may instead equal ``colab_cell``, the twin's own Colab cell.
    """
    problems: list[str] = []
    ours, theirs = english["cells"], twin["cells"]
    english_ids = [cell.get("id") for cell in ours]
    twin_ids = [cell.get("id") for cell in theirs]
    if english_ids != twin_ids:
        missing = [i for i in english_ids if i not in twin_ids]
        extra = [i for i in twin_ids if i not in english_ids]
        problems.append(
            f"the cells do not match one to one: missing from the twin {missing or 'none'}, "
            f"only in the twin {extra or 'none'}" + ("" if missing or extra else ", same cells in another order")
        )
        return problems
    first_code = True
    for number, (a, b) in enumerate(zip(ours, theirs, strict=True), start=1):
        where = f"cell {number} (id {a.get('id')})"
        if a["cell_type"] != b["cell_type"]:
            problems.append(f"{where} is {a['cell_type']} in English but {b['cell_type']} in the twin")
            continue
        if a["cell_type"] != "code":
            continue
        if first_code and colab_cell is not None and _source(b) == colab_cell:
            first_code = False
            continue
        first_code = False
        try:
            same = code_without_comments(_source(a)) == code_without_comments(_source(b))
        except (tokenize.TokenError, SyntaxError, IndentationError) as error:
            problems.append(f"{where} cannot be read as Python: {error}")
            continue
        if not same:
            problems.append(f"{where}: the code differs (only comments may be translated)")
    return problems
