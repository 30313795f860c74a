"""Turn what goes wrong into a short message that says what to do next.

:func:`explain` maps an exception to such a message (or ``None`` when it has
nothing better to say than the traceback). :func:`install_handler` makes
IPython show that message instead of a traceback, and scrubs the key from
everything the notebook shows: messages, tracebacks (``%tb`` included), error
values and log lines.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .. import models
from . import retry

KEY_SOURCES_HELP = (
    "set GEMINI_API_KEY in your environment, put it in a .env file (copy .env.example), "
    "or, on Colab, add it as a secret named GEMINI_API_KEY"
)
REPLAY_HELP = "Replay needs no key and no network: set GEMINI_MODE=replay (or remove the key) and run again."
UNCHANGED = "Nothing was changed: a chat keeps its history as it was before this message."
REMOVED = "…(key removed)"

_KEY_SHAPE = re.compile(r"AIza[0-9A-Za-z_\-]{35}")
_KEY_PARAMETER = re.compile(r"((?:[?&;]|%3[bB]|%26)key(?:=|%3[dD]))[^&;\s'\"]+")
_KEY_HEADER = re.compile(r"(x-goog-api-key['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}]+", re.IGNORECASE)


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
    secret: str = field(default="", repr=False)


def scrub(text: str, secret: str = "") -> str:
    """Remove the key from ``text``: the key itself, anything shaped like one, ``key=`` and key headers."""
    if secret:
        text = text.replace(secret, REMOVED)
    text = _KEY_SHAPE.sub(REMOVED, text)
    text = _KEY_PARAMETER.sub(rf"\1{REMOVED}", text)
    return _KEY_HEADER.sub(rf"\1{REMOVED}", text)


def explain(error: BaseException, context: Context | None = None) -> str | None:
    """A message for ``error`` that says what happened and what to do next."""
    context = context or Context()
    for explainer in _EXPLAINERS:
        message = explainer(error, context)
        if message:
            return scrub(message, context.secret)
    return None


# --- messages written elsewhere -------------------------------------------------


def _tutorial_error(error: BaseException, context: Context) -> str | None:
    from ..keys import KeyProblem
    from .recording import CassetteProblem, SecretLeak

    if isinstance(error, (TutorialError, KeyProblem, CassetteProblem, SecretLeak)):
        return str(error)
    return None


def _retry_error(error: BaseException, context: Context) -> str | None:
    """A ``google.api_core`` ``RetryError`` (a retry's own timeout): explain what it gave up on."""
    from google.api_core import exceptions as api

    if isinstance(error, api.RetryError) and error.cause is not None:
        return explain(error.cause, context)
    return None


# --- replay ---------------------------------------------------------------------


def _replay_miss(error: BaseException, context: Context) -> str | None:
    from vcr.errors import CannotOverwriteExistingCassetteException

    if not isinstance(error, CannotOverwriteExistingCassetteException):
        return None
    from .recording import parse_body, prompt_of

    request = error.failed_request
    asked = prompt_of(parse_body(request.body)) if request is not None else ""
    closest = closest_recorded_request(error.cassette, request)
    closest_prompt = prompt_of(parse_body(closest.body)) if closest is not None else ""
    lines = [
        f"This request is not in the recordings of notebook {context.notebook or '?'} "
        f"({context.cassette or error.cassette._path}).",
        f"You asked: {quote(asked)} ({request.method} {request.path})." if request is not None else "",
        f"Closest recorded request: {quote(closest_prompt)}."
        if closest is not None
        else "The cassette has no request like it.",
        difference_from_recording(request, closest) if closest is not None else "",
        "Replay can only answer what was recorded. To send this to Gemini, add a key "
        f"({KEY_SOURCES_HELP}) and run the notebook again: it then goes live. "
        f"To store it for replay, re-record: python -m helpers record {context.notebook or 'NOTEBOOK'}",
    ]
    return "\n".join(line for line in lines if line)


def closest_recorded_request(cassette: Any, request: Any) -> Any | None:
    """The recorded request most like the one that was asked: same path first, then by text."""
    import difflib

    from .recording import parse_body, prompt_of

    if request is None or not cassette.requests:
        return None
    asked = prompt_of(parse_body(request.body))
    same_path = [r for r in cassette.requests if r.path == request.path and r.method == request.method]
    return max(
        same_path or cassette.requests,
        key=lambda r: difflib.SequenceMatcher(None, asked, prompt_of(parse_body(r.body))).ratio(),
    )


def difference_from_recording(request: Any, recorded: Any) -> str:
    """When the text is the same, say what else differs: chat history or settings."""
    from .recording import parse_body, prompt_of

    asked, stored = parse_body(request.body), parse_body(recorded.body)
    if prompt_of(asked) != prompt_of(stored) or not isinstance(asked, dict) or not isinstance(stored, dict):
        return ""
    earlier, recorded_earlier = len(asked.get("contents", [])) - 1, len(stored.get("contents", [])) - 1
    if earlier != recorded_earlier:
        return (
            f"The same message is recorded, but after {recorded_earlier} earlier message(s); this chat "
            f"sent {earlier}. Re-running a chat cell sends the turn again with a longer history: "
            "call chat.rewind() to drop the last turn, or start over with model.start_chat(history=[])."
        )
    if asked.get("generationConfig") != stored.get("generationConfig"):
        return (
            f"The same prompt is recorded with other settings: recorded {stored.get('generationConfig')}, "
            f"asked {asked.get('generationConfig')}."
        )
    return ""


def _unreadable_response(error: BaseException, context: Context) -> str | None:
    """A response the SDK cannot parse: in replay, a hand-edited cassette."""
    from google.protobuf.json_format import ParseError

    if not isinstance(error, ParseError):
        return None
    problem = str(error).splitlines()[0][:200]
    if context.mode == "replay":
        cassette = context.cassette or "the cassette"
        return (
            f"A recorded response in {cassette} cannot be read by the SDK ({problem}): the cassette "
            f"was probably edited by hand. Restore it (git checkout -- {cassette}) or re-record it: "
            f"python -m helpers record {context.notebook or 'NOTEBOOK'}"
        )
    return f"The SDK could not read the answer from {context.endpoint or 'Gemini'} ({problem})."


def quote(text: str, limit: int = 120) -> str:
    """``text`` on one line, in quotation marks, cut at ``limit`` characters."""
    text = " ".join(text.split())
    return f"“{text[:limit]}…”" if len(text) > limit else f"“{text}”"


# --- errors Gemini answers with -------------------------------------------------


def _server_text(error: Any) -> str:
    """Gemini's own words, without the ``POST http://...:`` the SDK puts first."""
    text = str(getattr(error, "message", "") or error)
    return re.sub(r"^[A-Z]+ \S+: ", "", text).strip()


def _tried(error: BaseException, context: Context) -> str:
    """What the retry did, in one sentence ("" when nothing is known)."""
    record = retry.retried(error)
    if record is None:
        return "This error is in the recording, so replay shows it every time." if context.mode == "replay" else ""
    if record.attempts <= 1:
        return "It was not tried again: there was no time left for another attempt."
    return f"It was tried {record.attempts} times, waiting {record.waited:.0f} s in all, and failed every time."


def _api_error(error: BaseException, context: Context) -> str | None:
    from google.api_core import exceptions as api

    if not isinstance(error, api.GoogleAPICallError):
        return None
    text = _server_text(error)
    reasons = f"{error.details} {text}"
    key = f"{context.key_masked} (from {context.key_source})" if context.key_masked else "(none was sent)"
    if "API_KEY_INVALID" in reasons or "API key not valid" in text:
        return (
            f"Gemini rejected the API key {key} (400 API_KEY_INVALID). Copy it again from Google AI "
            "Studio (https://aistudio.google.com/apikey), without spaces or quotes, check that it was "
            f"not deleted, and run the setup cell again. {REPLAY_HELP}"
        )
    if "location is not supported" in text:
        return (
            "Gemini does not serve the API where you are (400: User location is not supported for the "
            "API use). If your organisation runs a gateway or proxy for Gemini, point the series at it "
            f"with GOOGLE_GEMINI_BASE_URL=https://your-gateway (environment or .env). {REPLAY_HELP}"
        )
    if isinstance(error, api.NotFound) and "models/" in str(error):
        return _model_not_found(str(error), context)
    tried = _tried(error, context)
    if isinstance(error, api.TooManyRequests):
        delay = retry.requested_delay(error)
        wait = f" Gemini asked to wait {delay:g} s." if delay is not None else ""
        return (
            "Quota exhausted (429 RESOURCE_EXHAUSTED): the free tier allows only a few requests per "
            f"minute and per day, counted per project.{wait} {tried} Wait a minute and run the cell "
            "again (daily limits reset at midnight Pacific time), use a key from a project with "
            f"billing, or follow along in replay. {REPLAY_HELP}"
        ).replace("  ", " ")
    if isinstance(error, api.PermissionDenied):
        return (
            f"Gemini refused the call (403 PERMISSION_DENIED) with the key {key}: {text} "
            f"Check that the key belongs to a project with the Gemini API enabled. {REPLAY_HELP}"
        )
    if isinstance(error, api.ServerError):
        return (
            f"Gemini had a temporary problem ({retry.describe(error)}: {text[:200]}). {tried} "
            f"{UNCHANGED} Run the cell again in a minute. {REPLAY_HELP}"
        ).replace("  ", " ")
    if isinstance(error, api.BadRequest):
        return f"Gemini did not accept the request (400): {text}"
    return None


def _model_not_found(text: str, context: Context) -> str:
    match = re.search(r"models/([\w.\-]+)", text)
    name = match.group(1) if match else "?"
    replacement = models.replacement_for(name)
    embedding = "embed" in name
    variable = "GEMINI_EMBEDDING_MODEL" if embedding else "GEMINI_MODEL"
    if replacement:
        what = f"The model {name} is retired: Google has shut it down, so it answers 404 NOT_FOUND."
        use = f'Use {replacement} instead, e.g. genai.GenerativeModel("{replacement}") or settings.model.'
        if embedding:
            use = f'Use {replacement} instead, e.g. genai.embed_content(model="{replacement}", ...).'
    else:
        where = context.endpoint or "this endpoint"
        what = f"The model {name} is unknown to {where} (404 NOT_FOUND): a typo, or a model it does not serve."
        use = (
            f"The series' defaults are {models.DEFAULT_TEXT_MODEL} (text) and "
            f"{models.DEFAULT_EMBEDDING_MODEL} (embeddings)."
        )
    return (
        f"{what} {use} To use another model in every notebook, set {variable} in .env (or in the "
        "environment, then restart the kernel) and run the setup cell again. genai.list_models() "
        "shows what your key can call."
    )


# --- the network ----------------------------------------------------------------


def _network_error(error: BaseException, context: Context) -> str | None:
    import requests

    if not isinstance(error, requests.exceptions.RequestException):
        return None
    endpoint = context.endpoint or _endpoint_in(error) or "Gemini"
    if retry.could_not_connect(error):
        return f"Cannot reach {endpoint}: {_why_unreachable(error, endpoint)} {REPLAY_HELP}"
    tried = _tried(error, context)
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return (
            f"The connection to {endpoint} broke while the answer was arriving: what was shown is all "
            "that arrived, and a stream is not retried (a second answer would not continue the "
            f"first). Run the cell again. {REPLAY_HELP}"
        )
    if isinstance(error, requests.exceptions.Timeout):
        return (
            f"{endpoint} did not answer in time. {tried} {UNCHANGED} Run the cell again; for a long "
            'answer, allow more time: request_options={"timeout": 300}. '
            f"{REPLAY_HELP}"
        ).replace("  ", " ")
    if isinstance(error, requests.exceptions.ConnectionError):
        return (
            f"The connection to {endpoint} was reset before the answer arrived. {tried} {UNCHANGED} "
            f"Run the cell again in a minute. {REPLAY_HELP}"
        ).replace("  ", " ")
    return None


def _why_unreachable(error: BaseException, endpoint: str) -> str:
    import socket

    import requests
    from urllib3.exceptions import NameResolutionError

    chain = list(retry.causes(error))
    host = urlsplit(endpoint).hostname or endpoint
    if any(isinstance(e, (NameResolutionError, socket.gaierror)) for e in chain):
        return (
            f"the name {host} could not be looked up (DNS): the network is down, or there is a typo "
            "in GOOGLE_GEMINI_BASE_URL."
        )
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in str(error).lower():
        return (
            "the connection was refused: nothing answers at that address (a wrong port or address in "
            "GOOGLE_GEMINI_BASE_URL, or a gateway that is down)."
        )
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return "no connection could be opened in time: the network is down, or a firewall or proxy blocks it."
    return "no connection could be opened: the network is down, or a firewall or proxy blocks it."


def _endpoint_in(error: BaseException) -> str:
    match = re.search(r"host='([^']+)', port=(\d+)", str(error))
    return f"{match.group(1)}:{match.group(2)}" if match else ""


# --- answers without text -------------------------------------------------------


def _response_error(error: BaseException, context: Context) -> str | None:
    name = type(error).__name__
    text = str(error)
    if name == "StopCandidateException":
        candidate = error.args[0] if error.args else None
        return (
            f"Gemini stopped this answer: {_finish(candidate)}. The chat did not add this turn: its "
            "history is as it was before the message. Rephrase the message and send it again."
        )
    if name == "BlockedPromptException":
        feedback = error.args[0] if error.args else None
        reason = _enum_name(getattr(feedback, "block_reason", "unknown"))
        return (
            f"The prompt was blocked before Gemini answered (block reason {reason}). The chat did not "
            "add this turn: its history is as it was before the message. Rephrase it and send it again."
        )
    if name == "BrokenResponseError":
        return (
            "The chat's last streamed answer broke off or was stopped before it finished, so the chat "
            "cannot add it to its history, and every use of the chat says so until that turn is "
            "dropped. Run chat.rewind() to drop it (the earlier history is kept), then send the "
            "message again."
        )
    if name == "IncompleteIterationError":
        return (
            "A streamed response was read before it had finished arriving. Iterate over it first "
            "(for chunk in response: ...) or call response.resolve(), then read .text or .candidates."
        )
    if isinstance(error, ValueError) and "multiple candidates" in text:
        return (
            "This response holds several candidates (candidate_count > 1), so .text cannot choose "
            "one: read response.candidates[0].content.parts[0].text (or [1], …), or show them all "
            "with helpers.show(response)."
        )
    if (
        isinstance(error, ValueError)
        and "quick accessor" in text
        and _finish_from_text(text).startswith("finish reason is STOP")
    ):
        return (
            "This has no text part, only its finish reason STOP: the last chunk of a stream usually looks "
            "like this, since Gemini sends the finish reason and the token counts on a chunk of their own. "
            "Read chunk.text only when the chunk has parts (if chunk.parts: print(chunk.text)), or "
            "show the whole stream with helpers.show_stream(response)."
        )
    if isinstance(error, ValueError) and "quick accessor" in text:
        blocked = "blocked prompt" in text
        why = "the prompt itself was blocked" if blocked else f"its {_finish_from_text(text)}"
        shows = "block reason" if blocked else "finish reason"
        return (
            f"This response has no text to show: {why}, so .text cannot be read. "
            f"helpers.show(response) shows the {shows} and the safety ratings."
        )
    return None


def _finish(candidate: Any) -> str:
    """``finish reason SAFETY (the answer was blocked ...); ratings: dangerous content high (blocked)``."""
    from ..display import FINISH_MEANINGS, finish_reason

    reason = finish_reason(candidate)
    ratings = [
        f"{_enum_name(r.category).removeprefix('HARM_CATEGORY_').replace('_', ' ').lower()} "
        f"{_enum_name(r.probability).lower()}{' (blocked)' if getattr(r, 'blocked', False) else ''}"
        for r in getattr(candidate, "safety_ratings", []) or []
        if _enum_name(r.probability) not in ("NEGLIGIBLE", "HARM_PROBABILITY_UNSPECIFIED")
    ]
    meaning = FINISH_MEANINGS.get(reason, "see the API reference")
    return f"finish reason {reason} ({meaning})" + (f"; safety ratings: {', '.join(ratings)}" if ratings else "")


def _enum_name(value: Any) -> str:
    return getattr(value, "name", str(value))


def _finish_from_text(text: str) -> str:
    from google.generativeai import protos

    from ..display import FINISH_MEANINGS

    match = re.search(r"finish_reason\]\([^)]*\) is (\w+)", text)
    value = match.group(1) if match else ""
    try:
        reason = protos.Candidate.FinishReason(int(value)).name if value.isdigit() else value.split(".")[-1]
    except ValueError:
        reason = value
    if not reason:
        return "finish reason is unknown"
    return f"finish reason is {reason} ({FINISH_MEANINGS.get(reason, 'see the API reference')})"


_EXPLAINERS: tuple[Callable[[BaseException, Context], str | None], ...] = (
    _tutorial_error,
    _retry_error,
    _replay_miss,
    _unreadable_response,
    _api_error,
    _network_error,
    _response_error,
)


# --- IPython --------------------------------------------------------------------


def install_handler(shell: Any, context: Context) -> None:
    """Make IPython show :func:`explain`'s message instead of a traceback, and never the key.

    Also scrubs every traceback the shell shows (``%tb`` included) and every log record.
    """
    shell._helpers_error_context = context
    _scrub_shown_tracebacks(shell)
    _scrub_log_records(context)

    def handler(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> None:
        sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
        try:
            message = explain(value, context)
        except Exception:  # explaining must never hide the error itself
            message = None
        if message is None:
            stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
        else:
            stb = [f"\x1b[1;31m{etype.__name__}\x1b[0m: {message}", "(%tb shows the full traceback.)"]
        shell._showtraceback(etype, value, stb)

    shell.set_custom_exc((Exception,), handler)


class _Shown(str):
    """The error value as it may be shown, key scrubbed."""


def _scrub_shown_tracebacks(shell: Any) -> None:
    """Wrap ``shell._showtraceback``, through which IPython shows every traceback, once."""
    if getattr(shell, "_helpers_scrubs_tracebacks", False):
        return
    original = shell._showtraceback

    def showtraceback(etype: type, evalue: Any, stb: list[str]) -> Any:
        secret = getattr(getattr(shell, "_helpers_error_context", None), "secret", "")
        return original(etype, _Shown(scrub(str(evalue), secret)), [scrub(line, secret) for line in stb])

    shell._showtraceback = showtraceback
    shell._helpers_scrubs_tracebacks = True


_log_context = Context()


def _scrub_log_records(context: Context) -> None:
    """Scrub the key from every log record from now on (the record factory is wrapped once)."""
    global _log_context
    _log_context = context
    factory = logging.getLogRecordFactory()
    if getattr(factory, "helpers_scrubs", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            text = record.getMessage()
        except Exception:  # a broken log call stays logging's problem
            return record
        clean = scrub(text, _log_context.secret)
        if clean != text:
            record.msg, record.args = clean, ()
        return record

    make_record.helpers_scrubs = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
