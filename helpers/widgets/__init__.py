"""Small interactive apps for the notebooks, honest about what replay can answer.

One call each::

    helpers.playground(model, prompt, presets)          # 02_config: sliders for the generation config
    helpers.chat_box(model, suggestions)                # 05_chat: a conversation with its own chat session
    helpers.photo_picker(model, photos, prompts)        # 04_vision: pick a photo and a prompt, describe it
    helpers.similarity_picker(texts, embedding_model)   # 06_embeddings: cosine similarity of two texts

A widget only sends what the notebook's own code could send, through the same
SDK calls. The mode (``helpers.session.current()``) decides *which* calls:

* **live**: everything is offered; every click calls Gemini (and spends quota).
  Nothing is called before a click.
* **record**: a record run clicks no buttons, so each widget makes its *preset
  calls* itself, once, when it is created, and they land in the notebook's
  cassette: every playground preset; the chat suggestions sent in order, as one
  conversation; every photo with every prompt; all the texts, embedded in one
  call. A preset request that the notebook's own cells already recorded is not
  sent again (the chat always is: each turn needs the answers before it). After
  that the widget behaves as in live.
* **replay**: the cassette answers only recorded requests. When it is created,
  a widget builds, with the SDK's own request builder, the exact request each
  of its presets would send, and keeps those the cassette holds (matched as the
  cassette matches: path and JSON body, images compared by digest). So it offers
  exactly the presets of the record run. Anything else (a slider moved off a
  preset, a typed message, another photo) is refused before any call, with a
  message that says plainly that it needs a key.

For nbval: creating a widget in replay makes no call and prints nothing, and its
``text/plain`` form (which nbval compares; it skips the widget-view JSON and its
random model id) is a fixed summary of what the widget offers. That summary is
also what a reader sees where widgets are not rendered, on GitHub for example.
Widgets use only what ipywidgets 7 and 8 share, so they also run on Colab.

The package, one concern a module: ``recorded`` (which requests the cassette can
answer), ``panel`` (what every widget shares), one module an app (``config``
for the playground, ``chat``, ``photos``, ``similarity``), and here, what the
notebooks call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .chat import ChatBox
from .config import Playground, Preset
from .panel import NEEDS_A_KEY, STYLE, Panel, needs_a_key
from .photos import IMAGES, PhotoPicker, photo_path, thumbnail
from .recorded import Recordings, RequestKey, embed_key, generate_key, request_key
from .similarity import SimilarityPicker, cosine

__all__ = [
    "IMAGES",
    "NEEDS_A_KEY",
    "STYLE",
    "ChatBox",
    "Panel",
    "PhotoPicker",
    "Playground",
    "Preset",
    "Recordings",
    "RequestKey",
    "SimilarityPicker",
    "chat_box",
    "cosine",
    "embed_key",
    "generate_key",
    "needs_a_key",
    "photo_path",
    "photo_picker",
    "playground",
    "request_key",
    "similarity_picker",
    "thumbnail",
]


def playground(model: Any, prompt: str, presets: Iterable[Preset | Mapping[str, Any]]) -> Playground:
    """Try generation settings on one prompt: temperature, max_output_tokens, stop sequences.

    ``presets`` are dicts such as ``{"temperature": 0.7, "max_output_tokens": 200,
    "stop_sequences": ["space"]}``: recorded in record mode, the only choices in replay.
    """
    return Playground(model, prompt, presets)


def chat_box(model: Any, suggestions: Iterable[str]) -> ChatBox:
    """Chat with ``model`` in its own chat session; ``suggestions`` are the recorded conversation."""
    return ChatBox(model, suggestions)


def photo_picker(model: Any, photos: Iterable[str | Path] | None, prompts: Iterable[str]) -> PhotoPicker:
    """Describe a photo from ``images/`` (names or paths; ``None``: every JPEG there) with a prompt."""
    return PhotoPicker(model, photos, prompts)


def similarity_picker(
    texts: Iterable[str], embedding_model: str, *, task_type: str = "semantic_similarity", dimensions: int | None = 768
) -> SimilarityPicker:
    """Compare two of ``texts`` by the cosine similarity of their embeddings."""
    return SimilarityPicker(texts, embedding_model, task_type=task_type, dimensions=dimensions)
