"""Helpers for the Gemini API tutorial series.

Every notebook starts with::

    import helpers
    settings = helpers.setup("01_text")

and then calls the SDK exactly as a learner would. See ``session`` for the
modes (live, replay, record), ``display`` for showing answers, ``keys`` for
where the API key comes from, and ``recording`` for the cassettes.
"""

from .display import md, show, show_chat, show_stream
from .keys import mask
from .models import DEFAULT_EMBEDDING_MODEL, DEFAULT_TEXT_MODEL
from .session import SDK_NOTICE, Settings, setup

__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "DEFAULT_TEXT_MODEL",
    "SDK_NOTICE",
    "Settings",
    "mask",
    "md",
    "setup",
    "show",
    "show_chat",
    "show_stream",
]
