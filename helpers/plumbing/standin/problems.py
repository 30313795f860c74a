"""Errors the stand-in answers with, and failures tests can inject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class StandInError(Exception):
    """An error the stand-in answers with, shaped like Gemini's error bodies."""

    def __init__(self, status: int, status_name: str, message: str, details: list | None = None):
        """An error answer: HTTP ``status``, gRPC ``status_name``, ``message`` and optional ``details``."""
        super().__init__(message)
        self.status, self.status_name, self.message = status, status_name, message
        self.details = details or []

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        error: dict[str, Any] = {"code": self.status, "message": self.message, "status": self.status_name}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def invalid_argument(message: str) -> StandInError:
    """A 400 ``INVALID_ARGUMENT``, as the API answers a malformed request."""
    return StandInError(400, "INVALID_ARGUMENT", message)


def not_found(message: str) -> StandInError:
    """A 404 ``NOT_FOUND``."""
    return StandInError(404, "NOT_FOUND", message)


def authoring_error(message: str) -> StandInError:
    """A loud 500 for an authored answer that cannot be right (never something Gemini would send)."""
    return StandInError(500, "INTERNAL", f"stand-in: {message}")


@dataclass
class Fault:
    """A failure the stand-in serves instead of an answer, once per ``times``.

    ``kind`` is ``"http"`` (an error body with ``status``), ``"reset"`` (the
    connection is closed with no answer), ``"delay"`` (wait ``seconds``, then
    answer normally) or ``"cut"`` (answer normally, but close the connection
    halfway through the body: a stream that breaks).
    """

    kind: str = "http"
    status: int = 500
    status_name: str = "INTERNAL"
    message: str = "An internal error has occurred."
    retry_delay: str | None = None
    reason: str | None = None
    seconds: float = 0.0
    times: int = 1
    path_contains: str = ""


def fault_error(fault: Fault) -> StandInError:
    """The error body an ``http`` fault is served as."""
    details: list[dict[str, Any]] = []
    if fault.reason:
        details.append({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": fault.reason})
    if fault.retry_delay:
        details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": fault.retry_delay})
    return StandInError(fault.status, fault.status_name, fault.message, details)
