"""Helpers for the Gemini API tutorial series.

Every notebook starts with::

    import helpers
    settings = helpers.setup("01_text")

and then calls the SDK exactly as a learner would. See ``session`` for the
modes (live, replay, record), ``display`` for showing answers, ``keys`` for
where the API key comes from, and ``recording`` for the cassettes.
``widgets`` (imported on first use) holds the interactive apps:
``helpers.playground``, ``helpers.chat_box``, ``helpers.photo_picker`` and
``helpers.similarity_picker``.
"""

import importlib
import sys
from typing import Any

try:
    from .display import md, show, show_chat, show_stream
    from .keys import mask
    from .models import DEFAULT_EMBEDDING_MODEL, DEFAULT_TEXT_MODEL
    from .plumbing.sdk import SDK_NOTICE, sdk_notice  # first: it imports the SDK and decides how its warnings show
    from .session import Settings, setup
except ModuleNotFoundError as missing:
    _message = (
        f"The series' helpers need the package {missing.name!r}, which this Python ({sys.executable}) does not "
        "have: it is not the series' environment. Use `bash scripts/start` (JupyterLab) or "
        "`.venv/bin/python -m helpers ...` from the repository's top folder, or install what the series needs "
        "into this Python: pip install -r requirements.txt"
    )
    if sys.argv[:1] == ["-m"]:  # `python -m helpers ...`: a command line gets a message, not a traceback
        raise SystemExit(_message) from None
    raise ModuleNotFoundError(_message, name=missing.name) from None

__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "DEFAULT_TEXT_MODEL",
    "SDK_NOTICE",
    "Settings",
    "chat_box",
    "mask",
    "md",
    "photo_picker",
    "playground",
    "sdk_notice",
    "setup",
    "show",
    "show_chat",
    "show_stream",
    "similarity_picker",
    "widgets",
]

_WIDGETS = ("playground", "chat_box", "photo_picker", "similarity_picker")


def __getattr__(name: str) -> Any:
    """Import ``helpers.widgets`` (and ipywidgets) only when a notebook uses a widget."""
    if name == "widgets" or name in _WIDGETS:
        module = importlib.import_module(".widgets", __name__)
        return module if name == "widgets" else getattr(module, name)
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
