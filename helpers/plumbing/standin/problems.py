"""Errors the stand-in answers with, failures tests can inject, and failures a lesson authors.

Two ways to make the stand-in fail on purpose:

* a test queues :class:`Fault` objects with ``StandIn.inject`` (any request whose
  path matches gets the next one: an error body, a reset connection, a delay, a
  body cut halfway);
* an answers-file entry lists ``faults:`` (see ``authoring``): the prompt it
  answers first gets those errors, once each and in order, then its answer. Each
  such error carries the response header :data:`LESSON_FAULT_HEADER`, which tells
  the recorder to keep it in the cassette (other 429 and 5xx are left out), so a
  replay plays the failure and then the answer, and the SDK's own retry (or a
  learner's) really runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class StandInError(Exception):
    """An error the stand-in answers with, shaped like Gemini's error bodies."""

    def __init__(
        self,
        status: int,
        status_name: str,
        message: str,
        details: list | None = None,
        headers: dict[str, str] | None = None,
    ):
        """An error answer: HTTP ``status``, gRPC ``status_name``, ``message``, optional ``details`` and headers."""
        super().__init__(message)
        self.status, self.status_name, self.message = status, status_name, message
        self.details = details or []
        #: Response headers sent with the error (a lesson's fault is marked by one).
        self.headers = dict(headers or {})

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
    answer normally), ``"cut"`` (answer normally, but close the connection
    halfway through the body: a stream that breaks) or ``"drip"`` (answer
    normally, one byte every ``seconds``: no read ever times out, yet the
    answer takes minutes).
    """

    kind: str = "http"
    status: int = 500
    status_name: str = "INTERNAL"
    message: str = "An internal error has occurred."
    #: ``google.rpc.RetryInfo.retryDelay``, a protobuf Duration such as ``"2s"`` or ``"0.5s"``.
    retry_delay: str | None = None
    #: ``google.rpc.ErrorInfo.reason``, such as ``"API_KEY_INVALID"``.
    reason: str | None = None
    #: A ``google.rpc.QuotaFailure`` violation: the quota's metric and id (a 429 names the quota it hit).
    quota_metric: str | None = None
    quota_id: str | None = None
    seconds: float = 0.0
    times: int = 1
    path_contains: str = ""


def fault_error(fault: Fault) -> StandInError:
    """The error body an ``http`` fault is served as: Gemini's shape, details in Gemini's order."""
    details: list[dict[str, Any]] = []
    if fault.reason:
        details.append({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": fault.reason})
    if fault.quota_metric or fault.quota_id:
        violation = {k: v for k, v in (("quotaMetric", fault.quota_metric), ("quotaId", fault.quota_id)) if v}
        details.append({"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [violation]})
    if fault.retry_delay:
        details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": fault.retry_delay})
    return StandInError(fault.status, fault.status_name, fault.message, details)


# --- faults a lesson authors ----------------------------------------------------------------------

#: Marks an error the stand-in serves because an answers-file entry asks for it (same name as in
#: ``helpers.plumbing.recording``, which keeps such errors in the cassette even in record mode).
LESSON_FAULT_HEADER = "x-gemini-standin-lesson-fault"

#: The gRPC status name of each HTTP status an authored fault may use, when the entry names none.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

#: What an authored fault says when the entry gives no ``message``: wording as Gemini's own errors put it.
DEFAULT_MESSAGES = {
    429: (
        "You exceeded your current quota, please check your plan and billing details. For more "
        "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
    ),
    500: (
        "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting"
    ),
    503: "The model is overloaded. Please try again later.",
    504: "Deadline expired before operation could complete.",
}

#: The keys an authored fault may have.
LESSON_FAULT_KEYS = {"status", "status_name", "message", "retry_delay", "reason", "quota_metric", "quota_id"}


def lesson_fault(spec: dict[str, Any]) -> Fault:
    """An answers-file fault (``{status: 429, retry_delay: "1s", ...}``) as a :class:`Fault`; refuses a bad one."""
    unknown = set(spec) - LESSON_FAULT_KEYS
    if unknown:
        raise ValueError(f"unknown key(s) {sorted(unknown)} in fault {spec!r} (known: {sorted(LESSON_FAULT_KEYS)})")
    status = spec.get("status")
    if not isinstance(status, int) or not 400 <= status < 600:
        raise ValueError(f"a fault needs an HTTP error status (400-599): {spec!r}")
    name = spec.get("status_name") or STATUS_NAMES.get(status)
    if not name:
        raise ValueError(f"a fault with status {status} needs a status_name (such as FAILED_PRECONDITION): {spec!r}")
    delay = spec.get("retry_delay")
    if delay is not None and not (isinstance(delay, str) and delay.endswith("s") and _is_number(delay[:-1])):
        raise ValueError(f'retry_delay is a protobuf Duration in seconds, such as "2s" or "0.5s": {spec!r}')
    return Fault(
        status=status,
        status_name=str(name),
        message=str(spec.get("message") or DEFAULT_MESSAGES.get(status, "An internal error has occurred.")),
        retry_delay=delay,
        reason=spec.get("reason"),
        quota_metric=spec.get("quota_metric"),
        quota_id=spec.get("quota_id"),
    )


def _is_number(text: str) -> bool:
    try:
        return float(text) >= 0
    except ValueError:
        return False


def lesson_fault_error(fault: Fault, index: int, total: int) -> StandInError:
    """The ``index``-th (from 0) of ``total`` authored faults, marked with :data:`LESSON_FAULT_HEADER`."""
    error = fault_error(fault)
    error.headers[LESSON_FAULT_HEADER] = f"{index + 1} of {total}: authored failure, served before the answer"
    return error
