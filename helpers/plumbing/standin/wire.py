"""One HTTP request as the routes see it (:class:`Call`), and what a route answers (:class:`Answer`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    """One HTTP request, parsed."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes
    body: dict[str, Any]
    groups: tuple[str, ...] = ()

    @property
    def ints(self) -> bool:
        """The old SDK asks for enums as numbers (``$alt=json;enum-encoding=int``)."""
        return "int" in (self.query.get("enum-encoding") or [""])[0]

    def param(self, name: str, default: str = "") -> str:
        """One query parameter."""
        return (self.query.get(name) or [default])[0]


@dataclass
class Event:
    """One server-sent event: ``event: <name>`` (optional) and ``data: <json>`` (a string is sent as it is)."""

    data: Any
    name: str | None = None

    def encode(self) -> bytes:
        """The event on the wire, ``\\r\\n``-terminated as Google's servers send it."""
        import json

        head = f"event: {self.name}\r\n" if self.name else ""
        data = self.data if isinstance(self.data, str) else json.dumps(self.data, ensure_ascii=False)
        return f"{head}data: {data}\r\n\r\n".encode()


@dataclass
class Answer:
    """What a route answers: a JSON body (a list: a JSON array), or server-sent events."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    #: Server-sent events, one HTTP chunk each; plain dicts are ``data:``-only events.
    events: list[Any] | None = None
