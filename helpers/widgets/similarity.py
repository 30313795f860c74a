"""06_embeddings: the similarity picker, the cosine similarity of two texts' embeddings."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import ipywidgets as widgets

from ..display import md
from ..plumbing.errors import quote
from ..plumbing.i18n import later, tr
from .panel import Panel, _choice, _status, mode_name, needs_a_key
from .recorded import RequestKey, embed_key


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity: 1 for the same direction, about 0 for unrelated texts."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class SimilarityPicker(Panel):
    """Two texts to choose and a Compare button that shows their cosine similarity.

    The texts are embedded together, in one ``batchEmbedContents`` call: the same
    call as ``genai.embed_content(model, texts, ...)`` in a notebook cell, so a
    recording the notebook already made serves the widget too.
    """

    title = later("Similarity picker")

    def __init__(
        self,
        texts: Iterable[str],
        embedding_model: str,
        *,
        task_type: str = "semantic_similarity",
        dimensions: int | None = 768,
    ) -> None:
        super().__init__(tr("Compare"))
        self.texts, self.embedding_model = list(dict.fromkeys(texts)), embedding_model
        self.task_type, self.dimensions = task_type, dimensions
        self.vectors: dict[str, list[float]] = {}
        self.record(lambda: self.embed(self.texts))
        self.offered = self.texts if self.can_answer(self.key(self.texts)) else []
        free = self.recordings is None
        options = self.texts if free else self.offered
        self.first = _choice(options, options[0] if options else None, free, tr("text A"))
        self.second = _choice(options, options[1] if len(options) > 1 else None, free, tr("text B"))
        for control in (self.first, self.second):
            control.observe(lambda _: self.update(), names="value")
        name = embedding_model.removeprefix("models/")
        self.box.children = [
            widgets.HTML(
                tr(
                    "<b>How similar?</b> Embeddings from {model}, task type {task_type}",
                    model=name,
                    task_type=task_type,
                )
            ),
            self.first,
            self.second,
            widgets.HBox([self.button, self.status]),
            self.output,
        ]
        self.update()

    def key(self, texts: Sequence[str]) -> RequestKey:
        return embed_key(self.embedding_model, list(texts), self.task_type, self.dimensions)

    def embed(self, texts: Sequence[str]) -> None:
        """Embed what is not known yet: the preset texts all in one call, other texts (live) on their own."""
        import google.generativeai as genai

        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if not missing:
            return
        batch = self.texts if all(t in self.texts for t in missing) else missing
        result = genai.embed_content(
            model=self.embedding_model,
            content=batch,
            task_type=self.task_type,
            output_dimensionality=self.dimensions,
        )
        self.vectors.update(zip(batch, result["embedding"], strict=True))

    def update(self) -> None:
        """Say whether both texts can be embedded."""
        if self.recordings is None:
            self.status.value = _status(
                tr(
                    "{mode}: any two texts; new texts call {model}",
                    mode=mode_name(self.mode),
                    model=self.embedding_model,
                )
            )
        elif len(self.offered) < 2:
            self.status.value = _status(
                tr("these texts were not recorded; comparing them {needs_a_key}", needs_a_key=needs_a_key()), ok=False
            )
        else:
            self.status.value = _status(tr("recorded: replay answers these texts"))

    def answer(self) -> None:
        texts = [(control.value or "").strip() for control in (self.first, self.second)]
        if not all(texts):
            md(tr("*Choose two texts first.*"))
            return
        missing = [t for t in texts if t not in self.offered]
        if self.recordings is not None and missing:
            self.refuse(tr("The embedding of {text}", text=quote(missing[0])))
            return
        self.embed(texts)
        score = cosine(self.vectors[texts[0]], self.vectors[texts[1]])
        md(
            tr(
                "**Cosine similarity: {score}**\n\n- A: {a}\n- B: {b}\n\n"
                "1 means the two vectors point the same way; values near 0 mean the texts have little in common.",
                score=f"{score:.3f}",
                a=quote(texts[0], 200),
                b=quote(texts[1], 200),
            )
        )

    def summary(self) -> list[str]:
        texts = self.offered if self.recordings is not None else self.texts
        name = self.embedding_model.removeprefix("models/")
        if self.dimensions:
            line = tr(
                "Embeddings: {model}, task type {task_type}, {dimensions} dimensions",
                model=name,
                task_type=self.task_type,
                dimensions=self.dimensions,
            )
        else:
            line = tr(
                "Embeddings: {model}, task type {task_type}, all dimensions", model=name, task_type=self.task_type
            )
        return [
            line,
            self.mode_line(tr("the {count} recorded texts", count=len(texts)), tr("any two texts")),
            *(f"  - {quote(t)}" for t in texts),
        ]
