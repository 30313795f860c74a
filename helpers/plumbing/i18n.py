"""The helpers' messages in the learner's language, from one catalogue.

Every message a learner may see (the banner, error messages, widget labels) is
written in English in the code, as the first argument of :func:`tr`, with
``{named}`` fields for what varies::

    tr("Replay has no answer for this call: it is not in the recordings of notebook {notebook}.", notebook=name)

In the Simplified Chinese edition (a notebook in ``notebooks-zh/``, or
``GEMINI_TUTORIAL_LANGUAGE=zh``), :func:`tr` looks the English text up in
``helpers/locale/zh.json`` and fills in the Chinese template instead. A message
missing from the catalogue is shown in English, never as an error;
``tests/test_i18n.py`` checks that every message has its translation, with the
same fields, and that the catalogue holds nothing the code no longer says.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from . import editions

CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "locale"


def language() -> str:
    """``zh`` or ``en``: the variable ``GEMINI_TUTORIAL_LANGUAGE`` if set, else the notebook's folder."""
    return editions.current_language()


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """English message → its translation, for one language (empty for English)."""
    path = CATALOGUE_DIR / f"{language}.json"
    if language == "en" or not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def later(message: str) -> str:
    """Mark a message kept in a table and translated where it is shown, by ``tr(table[name])``.

    Returns ``message`` unchanged; the catalogue test collects ``later("...")``
    literals as it collects ``tr("...")`` ones.
    """
    return message


def tr(message: str, /, **fields: Any) -> str:
    """``message`` in the learner's language, its ``{fields}`` filled in."""
    template = catalogue(language()).get(message, message)
    return template.format(**fields) if fields else template


def is_chinese() -> bool:
    """True in the Chinese edition (for the few places that build a message from parts)."""
    return language() == "zh"
