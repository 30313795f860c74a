"""Token counting, cutting, and reading request fields as the API reads them."""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """Count tokens the stand-in's way: words and punctuation marks."""
    return len(_TOKEN.findall(text))


def truncate_to_tokens(text: str, limit: int) -> str:
    """Return the prefix of ``text`` that holds exactly ``limit`` tokens."""
    matches = list(_TOKEN.finditer(text))
    if len(matches) <= limit:
        return text
    return text[: matches[limit - 1].end()] if limit > 0 else ""


def cut_at_stop_sequence(text: str, stops: list[str]) -> str:
    """Cut ``text`` right before the first occurrence of any stop sequence."""
    positions = [text.find(s) for s in stops if s and s in text]
    return text[: min(positions)] if positions else text


def snake(name: str) -> str:
    """``"thinkingLevel"`` -> ``"thinking_level"``."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def pick(mapping: dict[str, Any] | None, name: str, default: Any = None) -> Any:
    """A field by its camelCase name or its snake_case one: the REST API accepts both, and the SDKs send both."""
    if not mapping:
        return default
    if name in mapping:
        return mapping[name]
    return mapping.get(snake(name), default)
