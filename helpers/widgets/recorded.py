"""Which requests the open cassette can answer, matched as the cassette matches them.

A request is its path and its JSON body, with images as digests
(:func:`request_key`). :func:`generate_key` and :func:`embed_key` build, with the
SDK's own request builder, the request a call would send, without sending it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import session
from ..plumbing.recording import parse_body

RequestKey = tuple[str, str]


def request_key(path: str, body: Any) -> RequestKey:
    """A request as the cassette matches it: path, and JSON body with images as digests."""
    text = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return path, json.dumps(parse_body(text), sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class Recordings:
    """The POST requests of the open cassette."""

    keys: frozenset[RequestKey]
    bodies: tuple[Any, ...]

    @classmethod
    def of(cls, settings: session.Settings | None) -> Recordings | None:
        """What the cassette can answer in replay.

        ``None`` in any other mode, or with no cassette: there, anything may be asked.
        """
        if settings is None or settings.mode != "replay" or settings.cassette is None:
            return None
        requests = [r for r in settings.cassette.cassette.requests if r.method == "POST"]
        keys = frozenset(request_key(r.path, r.body) for r in requests)
        return cls(keys, tuple(parse_body(r.body) for r in requests))


def _rest(request: Any, action: str) -> RequestKey:
    """The path and body the SDK sends over REST for a request message."""
    from google.protobuf import json_format

    body = json.loads(json_format.MessageToJson(type(request).pb(request), use_integers_for_enums=True))
    body.pop("model", None)  # it goes in the path
    return request_key(f"/v1beta/{request.model}:{action}", body)


def generate_key(model: Any, contents: Any, generation_config: Any = None) -> RequestKey:
    """The request ``model.generate_content(contents, generation_config=...)`` would send."""
    request = model._prepare_request(
        contents=contents, generation_config=generation_config, tools=None, tool_config=None
    )
    if request.contents and not request.contents[-1].role:
        request.contents[-1].role = "user"  # as generate_content does
    return _rest(request, "generateContent")


def embed_key(model: str, texts: str | Sequence[str], task_type: str, dimensions: int | None) -> RequestKey:
    """The request ``genai.embed_content(model, texts, task_type, output_dimensionality=...)`` would send.

    One text is one ``embedContent`` call; a list is one ``batchEmbedContents`` call.
    """
    from google.generativeai import protos
    from google.generativeai.embedding import to_task_type
    from google.generativeai.types import content_types, model_types

    name = model_types.make_model_name(model)

    def one(text: str) -> Any:
        return protos.EmbedContentRequest(
            model=name,
            content=content_types.to_content(text),
            task_type=to_task_type(task_type),
            output_dimensionality=dimensions,
        )

    if isinstance(texts, str):
        return _rest(one(texts), "embedContent")
    return _rest(protos.BatchEmbedContentsRequest(model=name, requests=[one(t) for t in texts]), "batchEmbedContents")
