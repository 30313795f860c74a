"""What an answerer is asked (:class:`Request`) and what it answers (:class:`Reply`)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from .problems import Fault
from .schema import example


@dataclass
class FunctionCall:
    """One function call the model makes: a declared function's ``name`` and its ``args``."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    """What the stand-in answers to one prompt."""

    text: str = ""
    #: ``STOP`` for an answer; another reason (``SAFETY``, ``RECITATION``...) sends the answer stopped that way.
    finish_reason: str = "STOP"
    #: The answer's safety ratings: ``{"HARM_CATEGORY_...": "LOW", ...}``. With an explicit ``SAFETY``
    #: finish reason they are sent as they are (``MEDIUM`` and ``HIGH`` marked blocked); with ``STOP`` the
    #: request's ``safetySettings`` decide: a rating at or above its category's threshold blocks the answer
    #: (finish reason ``SAFETY``, no content, that rating marked blocked), else the answer is sent without them.
    safety_ratings: dict[str, str] = field(default_factory=dict)
    #: Block the prompt itself (``"SAFETY"``, ``"OTHER"``...): no candidates, only ``promptFeedback``.
    block_reason: str | None = None
    #: The prompt's safety ratings, judged against the request's ``safetySettings`` like ``safety_ratings``:
    #: one at or above its threshold blocks the prompt (``promptFeedback.blockReason`` ``SAFETY``).
    prompt_safety_ratings: dict[str, str] = field(default_factory=dict)
    #: The thought summary, sent as a ``thought: true`` part when the request asks for ``include_thoughts``.
    thoughts: str = ""
    #: Thinking tokens spent; ``None``: computed from ``thoughts`` and the thinking level (see ``thinking_tokens``).
    thinking_tokens: int | None = None
    #: Function calls instead of (or after) text; several are parallel calls.
    function_calls: list[FunctionCall] = field(default_factory=list)
    #: Errors to answer this prompt with first, once each and in order, before the answer (a lesson's 429).
    faults: list[Fault] = field(default_factory=list)
    #: Which reply the served faults are counted for (the same for every request its entry answers).
    fault_key: str = ""


@dataclass
class Request:
    """One generate request (or interaction), reduced to what an answerer needs."""

    model: str
    #: The text of the last user turn (function responses have none).
    prompt: str
    #: sha256 of every media part of the last user turn: inline bytes, and uploaded files by their content.
    image_digests: list[str]
    history: list[dict[str, Any]]
    config: dict[str, Any]
    candidate_index: int = 0
    #: The system instruction's text ("" when there is none).
    system: str = ""
    #: The function results of the last turn: ``[{"name": ..., "response": {...}}]``.
    function_results: list[dict[str, Any]] = field(default_factory=list)
    #: ``"generateContent"`` or ``"interactions"``.
    api: str = "generateContent"
    #: The declared functions: ``[{"name": ..., "parameters": {...}}]`` (parameters as JSON Schema).
    functions: list[dict[str, Any]] = field(default_factory=list)
    #: The text of the last user turn that has text: the question a function-calling turn answers.
    question: str = ""
    #: Function calling mode: ``AUTO`` (call or answer), ``ANY`` (must call), ``NONE`` (must not call).
    tool_mode: str = "AUTO"
    #: With ``ANY``: the only functions that may be called (empty: any declared one).
    allowed_functions: list[str] = field(default_factory=list)


class EchoAnswerer:
    """Deterministic answers that say plainly that they come from the stand-in.

    They fit what the request asks for, so that a notebook runs live against
    the stand-in: JSON that fits the response schema (its strings saying
    "Stand-in reply ..."), the first value of an enum, and a call to the first
    declared function (with arguments that fit it) when tools are offered,
    then a text reply to its result.
    """

    def reply(self, request: Request) -> Reply | str:
        """Answer a generate request (or an interaction)."""
        images = f" and {len(request.image_digests)} image(s)" if request.image_digests else ""
        if request.function_results:
            names = ", ".join(r["name"] for r in request.function_results)
            text = f"Stand-in reply from {request.model} to the results of {names}."
        else:
            text = f"Stand-in reply from {request.model} to “{request.prompt}”{images}."
        callable_ = [
            f for f in request.functions if not request.allowed_functions or f["name"] in request.allowed_functions
        ]
        if callable_ and request.tool_mode != "NONE" and (not request.function_results or request.tool_mode == "ANY"):
            first = callable_[0]
            args = example(first["parameters"], "stand-in") if first["parameters"] else {}
            return Reply(function_calls=[FunctionCall(first["name"], args if isinstance(args, dict) else {})])
        return shaped(text, request.config)

    def embed(self, text: str, task_type: str, title: str | None, dimensions: int) -> list[float]:
        """A unit vector from hashed words: similar wording gives similar vectors."""
        vector = [0.0] * dimensions
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.sha256(word.encode()).digest()
            vector[int.from_bytes(digest[:4], "big") % dimensions] += 1.0 if digest[4] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [round(v / norm, 6) for v in vector]


def shaped(text: str, config: dict[str, Any]) -> str:
    """``text`` as the response format asks: JSON fitting the schema, an enum value, or as it is."""
    from .generate import response_schema

    mime = config.get("responseMimeType") or config.get("response_mime_type") or ""
    schema = response_schema(config)
    if mime == "application/json":
        return json.dumps(example(schema, text) if schema is not None else {"text": text}, ensure_ascii=False)
    if mime == "text/x.enum" and schema is not None and schema.get("enum"):
        return str(schema["enum"][0])
    return text


def as_reply(answer: Reply | str) -> Reply:
    """An answerer may answer a bare string: that is a text reply."""
    return Reply(answer) if isinstance(answer, str) else answer
