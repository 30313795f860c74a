"""Turn what goes wrong into a short message that says what to do next.

:func:`explain` maps an exception to such a message (or ``None`` when it has
nothing better to say than the traceback). :func:`install_handler` makes
IPython show that message instead of a traceback, with the key scrubbed from
anything that is shown. ``%tb`` still prints the full traceback.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any

from . import models

KEY_SOURCES_HELP = (
    "set GEMINI_API_KEY in your environment, put it in a .env file (copy .env.example), "
    "or, on Colab, add it as a secret named GEMINI_API_KEY"
)
REPLAY_HELP = "Replay needs no key and no network: set GEMINI_MODE=replay (or remove the key) and run again."


class TutorialError(Exception):
    """An error whose message is already written for the learner."""


class MissingKey(TutorialError):
    """Live or record mode was asked for, but no key was found."""


@dataclass
class Context:
    """What a message may mention: never the key itself."""

    notebook: str = ""
    mode: str = ""
    endpoint: str = ""
    key_masked: str = ""
    key_source: str = ""
    cassette: str = ""
    secret: str = ""


def scrub(text: str, secret: str = "") -> str:
    """Remove the key, and any ``key=`` URL parameter, from ``text``."""
    if secret:
        text = text.replace(secret, "…(key removed)")
    text = re.sub(r"AIza[0-9A-Za-z_\-]{35}", "…(key removed)", text)
    return re.sub(r"([?&;]key=)[^&;\s'\"]+", r"\1…(removed)", text)


def explain(error: BaseException, context: Context | None = None) -> str | None:
    """A message for ``error`` that says what happened and what to do next."""
    context = context or Context()
    for explainer in _EXPLAINERS:
        message = explainer(error, context)
        if message:
            return scrub(message, context.secret)
    return None


def _tutorial_error(error: BaseException, context: Context) -> str | None:
    from .keys import KeyProblem
    from .recording import CassetteProblem, SecretLeak

    if isinstance(error, (TutorialError, KeyProblem, CassetteProblem, SecretLeak)):
        return str(error)
    return None


def _replay_miss(error: BaseException, context: Context) -> str | None:
    from vcr.errors import CannotOverwriteExistingCassetteException

    if not isinstance(error, CannotOverwriteExistingCassetteException):
        return None
    from .recording import parse_body, prompt_of

    request = error.failed_request
    asked = prompt_of(parse_body(request.body)) if request is not None else ""
    closest = closest_recorded_prompt(error.cassette, request)
    lines = [
        f"This request is not in the recordings of notebook {context.notebook or '?'} "
        f"({context.cassette or error.cassette._path}).",
        f"You asked: {_quote(asked)} ({request.method} {request.path})." if request is not None else "",
        f"Closest recorded request: {_quote(closest)}." if closest else "The cassette has no request like it.",
        "Replay can only answer what was recorded. To send this to Gemini, add a key "
        f"({KEY_SOURCES_HELP}) and run the notebook again: it then goes live. "
        f"To store it for replay, re-record: python -m helpers record {context.notebook or 'NOTEBOOK'}",
    ]
    return "\n".join(line for line in lines if line)


def closest_recorded_prompt(cassette: Any, request: Any) -> str:
    """The recorded prompt most like the one that was asked, by text."""
    import difflib

    from .recording import parse_body, prompt_of

    if request is None:
        return ""
    asked = prompt_of(parse_body(request.body))
    candidates = [
        prompt_of(parse_body(r.body))
        for r in cassette.requests
        if r.path == request.path and r.method == request.method
    ] or [prompt_of(parse_body(r.body)) for r in cassette.requests]
    if not candidates:
        return ""
    return max(candidates, key=lambda c: difflib.SequenceMatcher(None, asked, c).ratio())


def _quote(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return f"“{text[:limit]}…”" if len(text) > limit else f"“{text}”"


def _api_error(error: BaseException, context: Context) -> str | None:
    from google.api_core import exceptions as api

    if not isinstance(error, api.GoogleAPICallError):
        return None
    text = getattr(error, "message", "") or str(error)
    reasons = f"{getattr(error, 'reason', '') or ''} {error.details}"
    key = f"{context.key_masked} (from {context.key_source})" if context.key_masked else "(none was sent)"
    if "API_KEY_INVALID" in reasons or "API key not valid" in text:
        return (
            f"Gemini rejected the API key {key}. Check it in Google AI Studio "
            "(https://aistudio.google.com/apikey): copy it again, without spaces or quotes, "
            f"and make sure it was not deleted. {REPLAY_HELP}"
        )
    if "location is not supported" in text:
        return (
            "Gemini does not serve the API in your region (400: User location is not supported). "
            "If your organisation runs a gateway or proxy for Gemini, point the series at it with "
            f"GOOGLE_GEMINI_BASE_URL=https://your-gateway. {REPLAY_HELP}"
        )
    if isinstance(error, api.NotFound) and "models/" in text:
        return _model_not_found(text)
    if isinstance(error, api.TooManyRequests):
        delay = retry_delay_seconds(error)
        wait = f" Gemini asked to wait {delay:g} s." if delay is not None else ""
        return (
            "Quota exhausted (429 RESOURCE_EXHAUSTED): the free tier allows only a few requests "
            f"per minute and per day, counted per project.{wait} The call was retried and still "
            "failed. Wait a minute (daily limits reset at midnight Pacific time), use a key from a "
            f"project with billing, or follow along in replay. {REPLAY_HELP}"
        )
    if isinstance(error, api.PermissionDenied):
        return (
            f"Gemini refused the call (403 PERMISSION_DENIED) with the key {key}: {text} "
            f"Check that the key belongs to a project with the Gemini API enabled. {REPLAY_HELP}"
        )
    if isinstance(error, (api.ServerError, api.DeadlineExceeded)):
        return (
            f"Gemini had a temporary problem ({error.code}: {text[:200]}). The call was retried "
            f"and still failed; nothing was changed. Run the cell again in a minute. {REPLAY_HELP}"
        )
    if isinstance(error, api.InvalidArgument):
        return f"Gemini did not accept the request (400 INVALID_ARGUMENT): {text}"
    return None


def _model_not_found(text: str) -> str:
    match = re.search(r"models/([\w.\-]+)", text)
    name = match.group(1) if match else "?"
    replacement = models.replacement_for(name)
    if replacement:
        what = f"The model {name} is retired: Google has shut it down, so it answers 404."
        use = f"Use {replacement} instead"
    else:
        what = f"The model {name} is unknown to this endpoint (404 NOT_FOUND)."
        use = (
            f"The series' default is {models.DEFAULT_TEXT_MODEL} (text) / {models.DEFAULT_EMBEDDING_MODEL} (embeddings)"
        )
    return (
        f"{what} {use}; to choose another, set GEMINI_MODEL (or GEMINI_EMBEDDING_MODEL) and "
        "restart the kernel. genai.list_models() shows what your key can call."
    )


def retry_delay_seconds(error: BaseException) -> float | None:
    """The ``RetryInfo.retryDelay`` Gemini sent with a 429, in seconds."""
    for detail in getattr(error, "details", None) or []:
        delay = detail.get("retryDelay") if isinstance(detail, dict) else getattr(detail, "retry_delay", None)
        if isinstance(delay, str) and delay.endswith("s"):
            return float(delay[:-1])
        if delay is not None and hasattr(delay, "total_seconds"):
            return float(delay.total_seconds())
    match = re.search(r"retry in ([\d.]+)\s*s", str(error), re.IGNORECASE)
    return float(match.group(1)) if match else None


def _network_error(error: BaseException, context: Context) -> str | None:
    import requests

    if isinstance(error, requests.exceptions.Timeout):
        return (
            f"Gemini at {context.endpoint or 'its endpoint'} did not answer in time. The call was "
            f"retried and still timed out; nothing was changed. {REPLAY_HELP}"
        )
    if isinstance(error, requests.exceptions.ConnectionError):
        return (
            f"Cannot reach {context.endpoint or 'Gemini'}: the network is down, the address is "
            "wrong, or a firewall blocks it (connection refused, reset, or name not found). "
            f"Check GOOGLE_GEMINI_BASE_URL if you set it. {REPLAY_HELP}"
        )
    return None


def _response_error(error: BaseException, context: Context) -> str | None:
    name = type(error).__name__
    text = str(error)
    if name == "StopCandidateException":
        return (
            "Gemini stopped this answer before it finished (see the finish reason above), so the "
            "chat did not add the turn to its history; the earlier history is unchanged. Rephrase "
            "the message and send it again."
        )
    if name == "IncompleteIterationError":
        return (
            "A streamed response was read before it had finished arriving. Iterate over it first "
            "(for chunk in response: ...) or call response.resolve(), then read .text or .candidates."
        )
    if isinstance(error, ValueError) and "finish_reason" in text and ".text" in text:
        return (
            "This response has no text to show (it was blocked or stopped early), so .text cannot "
            "be read. Use helpers.show(response) to see the finish reason and safety ratings."
        )
    return None


_EXPLAINERS = (_tutorial_error, _replay_miss, _api_error, _network_error, _response_error)


def install_handler(shell: Any, context: Context) -> None:
    """Make IPython show :func:`explain`'s message instead of a traceback."""

    def handler(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> None:
        sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
        message = explain(value, context)
        if message is None:
            stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
            stb = [scrub(line, context.secret) for line in stb]
        else:
            stb = [f"\x1b[1;31m{etype.__name__}\x1b[0m: {message}", "(%tb shows the full traceback.)"]
        shell._showtraceback(etype, _Shown(scrub(str(value), context.secret)), stb)

    shell.set_custom_exc((Exception,), handler)


class _Shown(str):
    """The error value as it may be shown, key scrubbed."""
