"""Reading ``contents``: texts, media, function calls and results, thought signatures, tools."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

from .problems import invalid_argument
from .schema import from_api_schema
from .text import pick

SIGNATURE_DOCS = "https://ai.google.dev/gemini-api/docs/thought-signatures"
#: Looks up an uploaded file's sha256 by its URI or name (``None``: unknown).
FileDigests = Callable[[str], "str | None"]


def all_texts(contents: list[dict[str, Any]]) -> list[str]:
    """The text of every part (thought summaries included) of ``contents``."""
    return [p["text"] for c in contents for p in c.get("parts", []) if "text" in p]


def user_texts(content: dict[str, Any]) -> list[str]:
    """The texts of one content, thought summaries left out."""
    return [p["text"] for p in content.get("parts", []) if "text" in p and not p.get("thought")]


def decode_bytes(data: str) -> bytes:
    """Base64 as the API reads it: the standard alphabet or the URL-safe one (google-genai sends that)."""
    return base64.b64decode(data.replace("-", "+").replace("_", "/") + "=" * (-len(data) % 4))


def media_digests(content: dict[str, Any], file_digest: FileDigests | None = None) -> list[str]:
    """sha256 of every inline blob and every uploaded file a content carries, in order."""
    digests = []
    for part in content.get("parts", []):
        blob = pick(part, "inlineData")
        if blob:
            digests.append(hashlib.sha256(decode_bytes(blob["data"])).hexdigest())
        reference = pick(part, "fileData")
        if reference and file_digest is not None:
            digests.append(file_digest(pick(reference, "fileUri", "")) or pick(reference, "fileUri", ""))
    return digests


def question(contents: list[dict[str, Any]]) -> str:
    """The text of the last user content that has text (function responses have none)."""
    for content in reversed(contents):
        if content.get("role", "user") == "user" and user_texts(content):
            return "\n".join(user_texts(content))
    return ""


def function_results(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The function responses of one content: ``[{"name": ..., "response": {...}}]``."""
    results = []
    for part in content.get("parts", []):
        response = pick(part, "functionResponse")
        if response:
            results.append({"name": response.get("name", ""), "response": response.get("response", {})})
    return results


def system_text(body: dict[str, Any]) -> str:
    """The system instruction's text, its parts joined by newlines."""
    instruction = pick(body, "systemInstruction")
    if isinstance(instruction, str):
        return instruction
    return "\n".join(user_texts(instruction or {}))


def declared_functions(tools: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Every function declaration of ``tools``, its parameters as JSON Schema (``None`` if it takes none)."""
    functions = []
    for tool in tools or []:
        for declaration in pick(tool, "functionDeclarations") or []:
            parameters = pick(declaration, "parametersJsonSchema")
            if parameters is None and pick(declaration, "parameters") is not None:
                parameters = from_api_schema(pick(declaration, "parameters"))
            functions.append({"name": declaration["name"], "parameters": parameters})
    return functions


def signature_for(model: str, name: str, args: dict[str, Any], position: int) -> str:
    """A deterministic stand-in thought signature (base64), marked as the stand-in's."""
    seed = json.dumps([model, name, args, position], sort_keys=True, ensure_ascii=False).encode()
    return base64.b64encode(b"standin-thought-signature:" + hashlib.sha256(seed).hexdigest()[:32].encode()).decode()


def check_signatures(contents: list[dict[str, Any]]) -> None:
    """Refuse a current turn whose function-call steps lost their thought signature, as Gemini 3 does.

    The current turn starts after the last user content holding text (not only
    function responses). In it, the first ``functionCall`` part of each model
    step must carry its ``thoughtSignature``; earlier turns are not checked.
    """
    start = 0
    for index, content in enumerate(contents):
        if content.get("role", "user") == "user" and user_texts(content):
            start = index
    for index in range(start, len(contents)):
        content = contents[index]
        calls = [p for p in content.get("parts", []) if pick(p, "functionCall")]
        if content.get("role") == "model" and calls and not pick(calls[0], "thoughtSignature"):
            name = pick(calls[0], "functionCall").get("name", "")
            raise invalid_argument(
                "Function call is missing a thought_signature in functionCall parts. This is required for tools "
                "to work correctly, and missing thought_signature may lead to degraded model performance. "
                f"Additional data, function call `default_api:{name}` , position {index + 1}. "
                f"Please refer to {SIGNATURE_DOCS} for more details."
            )
