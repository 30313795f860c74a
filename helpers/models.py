"""Model names, kept in one place.

Every notebook asks this module which model to call, so changing a default here
(or setting ``GEMINI_MODEL`` / ``GEMINI_EMBEDDING_MODEL``) changes the series.
The defaults were checked against the Gemini API's model and deprecation pages
in November 2026.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

#: Text and vision: the current stable Flash model.
DEFAULT_TEXT_MODEL = "gemini-3.8-flash"
#: Embeddings: text-only embedding model, 3072 dimensions by default.
DEFAULT_EMBEDDING_MODEL = "gemini-embedding-001"

#: Other current models worth knowing (checked in November 2026): the alias that
#: follows the newest Flash, the previous Flash, and the cheapest, fastest one.
OTHER_CURRENT_MODELS: dict[str, str] = {
    "gemini-flash-latest": "Gemini Flash Latest",
    "gemini-3.6-flash": "Gemini 3.6 Flash",
    "gemini-3.5-flash-lite": "Gemini 3.5 Flash-Lite",
}

#: Display names of the defaults, as the API lists them.
DEFAULT_DISPLAY_NAMES: dict[str, str] = {
    DEFAULT_TEXT_MODEL: "Gemini 3.8 Flash",
    DEFAULT_EMBEDDING_MODEL: "Gemini Embedding 001",
}

#: Names the original article (late 2023) used, and other shut-down models,
#: with what to use instead. Calling them answers 404 NOT_FOUND.
RETIRED_MODELS: dict[str, str] = {
    "gemini-pro": DEFAULT_TEXT_MODEL,
    "gemini-1.0-pro": DEFAULT_TEXT_MODEL,
    "gemini-pro-vision": DEFAULT_TEXT_MODEL,
    "gemini-1.5-flash": DEFAULT_TEXT_MODEL,
    "gemini-1.5-pro": DEFAULT_TEXT_MODEL,
    "gemini-2.0-flash": DEFAULT_TEXT_MODEL,
    "gemini-2.5-flash": DEFAULT_TEXT_MODEL,
    "gemini-2.5-pro": DEFAULT_TEXT_MODEL,
    "embedding-001": DEFAULT_EMBEDDING_MODEL,
    "text-embedding-004": DEFAULT_EMBEDDING_MODEL,
}


def bare_name(model: str) -> str:
    """``"models/gemini-x"`` -> ``"gemini-x"``."""
    return model.removeprefix("models/")


def text_model(environ: Mapping[str, str] = os.environ) -> str:
    """The model for text, vision and chat: ``GEMINI_MODEL`` or the default."""
    return bare_name(environ.get("GEMINI_MODEL", "").strip() or DEFAULT_TEXT_MODEL)


def embedding_model(environ: Mapping[str, str] = os.environ) -> str:
    """The embedding model: ``GEMINI_EMBEDDING_MODEL`` or the default."""
    return bare_name(environ.get("GEMINI_EMBEDDING_MODEL", "").strip() or DEFAULT_EMBEDDING_MODEL)


def replacement_for(model: str) -> str | None:
    """The current model to use instead of a retired one, or ``None``."""
    return RETIRED_MODELS.get(bare_name(model))
