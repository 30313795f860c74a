"""Turn what goes wrong into a short message that says what to do next.

:func:`explain` maps an exception to such a message (or ``None`` when it has
nothing better to say than the traceback), for both SDKs of the series:
``google-generativeai`` (Part I: REST through ``requests``, errors from
``google.api_core``) and ``google-genai`` (Part II: ``httpx2``, errors from
``google.genai.errors``, and the Interactions client's own classes).
:func:`install_handler` makes IPython show that message instead of a
traceback, and scrubs the key from everything the notebook shows: messages,
tracebacks (``%tb`` in every ``%xmode``), error values and log lines.

What a message claims is what the error shows:

* A failure to connect names the configured endpoint only when an SDK made
  the call, or the call went to that endpoint; a learner's own request to
  another address is about that address.
* A timeout is never called a reset: a timeout once the answer had started
  (headers or chunks arrived) says so, a TLS failure says what kind, a bad
  scheme in ``GOOGLE_GEMINI_BASE_URL`` is not called a DNS failure.
* How often a call was tried is read, not assumed: from this series' retry
  (``google-generativeai``), from the ``google-genai`` client's tenacity state
  in the traceback (a bare ``genai.Client()`` does not retry), or from the
  Interactions client's retry setting. See :mod:`helpers.plumbing.retry`.
* What a chat still holds after a failure depends on the SDK: an old chat
  whose streamed turn broke keeps the broken turn until ``chat.rewind()``;
  every other failure leaves the history as it was.
* ``google-genai`` does not raise when an answer has no text: ``.text`` is
  ``None``, and the error comes later, where the cell uses it (a
  ``TypeError`` or ``AttributeError`` on ``None``). That error is explained
  only when its line reads ``.text`` of a response that really has none.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import ssl
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .. import models
from . import retry
from .i18n import is_chinese, later, tr

#: Sentences that several messages share, in English; :func:`key_sources_help` and the like translate them.
KEY_SOURCES_HELP = later(
    "set GEMINI_API_KEY in your environment, put it in a .env file (copy .env.example), "
    "or, on Colab, add it as a secret named GEMINI_API_KEY"
)
REPLAY_HELP = later("Replay needs no key and no network: set GEMINI_MODE=replay (or remove the key) and run again.")
UNCHANGED = later("Nothing was changed: a chat keeps its history as it was before this message.")
#: The marker that replaces the key (never translated: scrubbing recognises it, to scrub only once).
REMOVED = "…(key removed)"
#: What a bare ``genai.Client()`` does about retries, and where the series teaches the setting.
NO_RETRIES = later("a genai.Client() retries only when given HttpRetryOptions (notebook 14 shows how)")


def key_sources_help() -> str:
    """:data:`KEY_SOURCES_HELP` in the learner's language."""
    return tr(KEY_SOURCES_HELP)


def replay_help() -> str:
    """:data:`REPLAY_HELP` in the learner's language."""
    return tr(REPLAY_HELP)


def unchanged() -> str:
    """:data:`UNCHANGED` in the learner's language."""
    return tr(UNCHANGED)


def no_retries() -> str:
    """:data:`NO_RETRIES` in the learner's language."""
    return tr(NO_RETRIES)


def _then(sentence: str) -> str:
    """``sentence`` to follow another one directly: after a space in English, right after the full stop in Chinese."""
    if not sentence:
        return ""
    return sentence if is_chinese() else " " + sentence


def _joined(*sentences: str) -> str:
    """Sentences one after another, empty ones left out: a space between them in English, none in Chinese."""
    return ("" if is_chinese() else " ").join(s for s in sentences if s)


_NOT_REMOVED_YET = r"(?!…\(key removed\))"
_KEY_SHAPE = re.compile(r"AIza[0-9A-Za-z_\-]{35}")
_KEY_PARAMETER = re.compile(r"((?:[?&;]|%3[bB]|%26)key(?:=|%3[dD]))" + _NOT_REMOVED_YET + r"[^&;\s'\"]+")
_KEY_HEADER = re.compile(r"(x-goog-api-key['\"]?\s*[:=]\s*['\"]?)" + _NOT_REMOVED_YET + r"[^'\"\s,}]+", re.IGNORECASE)


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


def scrub(text: str, secret: str = "", *others: str) -> str:
    """Remove the key from ``text``: the key itself, anything shaped like one, ``key=`` and key headers.

    Scrubbing twice changes nothing more: what was removed is not removed again.
    """
    for value in (secret, *others):
        if value:
            text = text.replace(value, REMOVED)
            text = without_fragments(text, value)
    text = _KEY_SHAPE.sub(REMOVED, text)
    text = _KEY_PARAMETER.sub(rf"\1{REMOVED}", text)
    return _KEY_HEADER.sub(rf"\1{REMOVED}", text)


#: The shortest piece of a key that is removed on its own (IPython shortens long values in the middle,
#: leaving a piece of the key with neither its start nor the header name that would identify it).
FRAGMENT = 6


def without_fragments(text: str, secret: str) -> str:
    """Replace every run of ``FRAGMENT`` or more characters that also occurs in ``secret`` by the marker."""
    if len(secret) < FRAGMENT or len(text) < FRAGMENT:
        return text
    pieces = {secret[i : i + FRAGMENT] for i in range(len(secret) - FRAGMENT + 1)}
    out, start, i = [], 0, 0
    while i <= len(text) - FRAGMENT:
        if text[i : i + FRAGMENT] not in pieces:
            i += 1
            continue
        end = i + FRAGMENT
        while end < len(text) and text[end - FRAGMENT + 1 : end + 1] in pieces:
            end += 1
        out += [text[start:i], REMOVED]
        start = i = end
    return "".join([*out, text[start:]])


def shown_endpoint(url: str) -> str:
    """``url`` as a message may show it: a user, password or ``key=`` in it replaced, once, by the marker."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return scrub(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REMOVED}@{netloc.rpartition('@')[2]}"
    pieces = [p for p in re.split(r"[&;]", parts.query) if p]
    query = "&".join(f"key={REMOVED}" if p.lower().startswith("key=") else p for p in pieces)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def explain(error: BaseException, context: Context | None = None) -> str | None:
    """A message for ``error`` that says what happened and what to do next."""
    context = context or Context()
    for explainer in _EXPLAINERS:
        message = explainer(error, context)
        if message:
            message = re.sub(r"[ ]{2,}", " ", message).strip()
            return scrub(message, *_secrets(context, error))
    return None


def _secrets(context: Context, error: BaseException | None = None) -> list[str]:
    """Every key a message or traceback must not show: the session's, the one sent, the environment's."""
    from ..session import REPLAY_PLACEHOLDER_KEY

    found = [context.secret, _sent_key(error) if error is not None else ""]
    found += [os.environ.get(name, "") for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY")]
    return [s for s in dict.fromkeys(found) if len(s) >= 12 and s != REPLAY_PLACEHOLDER_KEY]


# --- what an error is about -----------------------------------------------------

#: Which SDK a frame or an exception class belongs to, by module name (the first match wins).
_SDKS = (
    ("interactions", ("google.genai._gaos", "google.genai._interactions", "google.genai._interactions_errors")),
    ("genai", ("google.genai",)),
    ("generativeai", ("google.generativeai", "google.ai.generativelanguage", "google.api_core")),
)


def _tracebacks(error: BaseException) -> list[TracebackType]:
    """Every traceback entry of ``error`` and of the exceptions inside it."""
    found = []
    for item in retry.causes(error):
        entry = item.__traceback__
        while entry is not None:
            found.append(entry)
            entry = entry.tb_next
    return found


def _module(entry: TracebackType) -> str:
    return str(entry.tb_frame.f_globals.get("__name__", ""))


def sdk_of(error: BaseException) -> str:
    """``"generativeai"``, ``"genai"``, ``"interactions"``, or ``""`` when no SDK was involved."""
    names = [_module(entry) for entry in _tracebacks(error)]
    names += [type(item).__module__ for item in retry.causes(error)]
    for sdk, prefixes in _SDKS:
        if any(name == prefix or name.startswith(prefix + ".") for name in names for prefix in prefixes):
            return sdk
    return ""


def _requests_of(error: BaseException) -> Iterator[Any]:
    """The HTTP requests an error holds (``requests``, ``httpx``/``httpx2``, the SDKs' own errors)."""
    for item in retry.causes(error):
        attributes = getattr(item, "__dict__", {})
        for name in ("request", "_request"):
            if attributes.get(name) is not None:
                yield attributes[name]
        response = attributes.get("response")
        inner = getattr(response, "__dict__", {}) if response is not None else {}
        for name in ("_request", "request"):
            if inner.get(name) is not None:
                yield inner[name]


def _url_of(error: BaseException) -> str:
    for request in _requests_of(error):
        url = getattr(request, "url", None)
        if url:
            return str(url)
    return ""


def _sent_key(error: BaseException) -> str:
    """The API key the failed request carried in its header ("" if none is known)."""
    for request in _requests_of(error):
        try:
            value = request.headers.get("x-goog-api-key")
        except Exception:  # an object that only looks like a request
            continue
        if value:
            return value.decode() if isinstance(value, bytes) else str(value)
    return ""


def _place(url: str) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None
    return (parts.hostname, port) if parts.hostname else None


def _origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, without credentials ("" when it has no host)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _about_endpoint(error: BaseException, context: Context, url: str) -> bool:
    """Whether the failed call is the series' own: made by an SDK, or sent to the configured endpoint."""
    if sdk_of(error):
        return True
    there, endpoint = _place(url), _place(context.endpoint)
    return there is not None and there == endpoint


def _endpoint(error: BaseException, context: Context) -> str:
    return shown_endpoint(context.endpoint or _origin(_url_of(error)) or "Gemini")


def _is_stream(error: BaseException) -> bool:
    """Whether the failed call was a stream: by its URL, or by the SDK's stream reader in the traceback."""
    url = _url_of(error)
    if "streamGenerateContent" in url or "alt=sse" in url:
        return True
    readers = ("_iter_response_stream", "generate_content_stream", "send_message_stream")
    return any(
        _module(entry) == "google.api_core.rest_streaming" or entry.tb_frame.f_code.co_name in readers
        for entry in _tracebacks(error)
    )


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


def _client_without_key(error: BaseException, context: Context) -> str | None:
    """``genai.Client()`` raised because it found no key in the environment."""
    if not isinstance(error, ValueError) or "No API key was provided" not in str(error) or sdk_of(error) != "genai":
        return None
    return tr(
        "genai.Client() found no API key: without arguments it reads GEMINI_API_KEY (or GOOGLE_API_KEY) from "
        "the environment. Run the notebook's setup cell first (settings = helpers.setup(...)): it exports the "
        "key it finds, or in replay a placeholder that never leaves this machine. To get a key: Google AI "
        "Studio (https://aistudio.google.com/apikey), then {sources}.",
        sources=key_sources_help(),
    )


def _closed_client(error: BaseException, context: Context) -> str | None:
    """A call on a ``genai.Client`` that was already closed: most often one that was never kept in a variable."""
    if not isinstance(error, RuntimeError) or "client has been closed" not in str(error) or not sdk_of(error):
        return None
    return tr(
        "This call went through a genai.Client that was already closed. A client that is not kept in a "
        "variable, as in genai.Client().models.generate_content(...), is closed as soon as Python discards "
        "it, before its call is sent; so is one after its `with` block. Keep it: client = genai.Client() in one "
        "line, then client.models.generate_content(...)."
    )


# --- replay ---------------------------------------------------------------------


def _replay_miss(error: BaseException, context: Context) -> str | None:
    from vcr.errors import CannotOverwriteExistingCassetteException

    miss = next((e for e in retry.causes(error) if isinstance(e, CannotOverwriteExistingCassetteException)), None)
    if miss is None:
        return None
    from .recording import parse_body, prompt_of

    request = miss.failed_request
    asked = prompt_of(parse_body(request.body)) if request is not None else ""
    closest = closest_recorded_request(miss.cassette, request)
    closest_prompt = prompt_of(parse_body(closest.body)) if closest is not None else ""
    difference = difference_from_recording(request, closest, sdk_of(error)) if closest is not None else ""
    if closest is None:
        closest_line = tr("The cassette has no request like it.")
    elif difference and closest_prompt == asked:  # the same text twice would say nothing: the difference does
        closest_line = ""
    else:
        closest_line = tr("Closest recorded request: {prompt}.", prompt=quote(closest_prompt))
    asked_line = ""
    if request is not None:
        asked_line = tr(
            "You asked: {prompt} ({method} {path}).", prompt=quote(asked), method=request.method, path=request.path
        )
    lines = [
        tr(
            "Replay has no answer for this call: it is not in the recordings of notebook {notebook} ({cassette}).",
            notebook=context.notebook or "?",
            cassette=context.cassette or miss.cassette._path,
        ),
        asked_line,
        closest_line,
        difference,
        tr(
            "Replay can only answer what was recorded. To send this to Gemini, add a key ({sources}) and run the "
            "notebook again: it then goes live. To store it for replay, re-record: python -m helpers record {notebook}",
            sources=key_sources_help(),
            notebook=context.notebook or "NOTEBOOK",
        ),
    ]
    return "\n".join(line for line in lines if line)


def _model_named(path: str, body: Any) -> str:
    """The model a request asked for: in its path, else in its body (the Interactions API)."""
    from .recording import parse_body

    match = re.search(r"/models/([^/:?]+)", path or "")
    if match:
        return match.group(1)
    parsed = parse_body(body)
    return models.bare_name(str(parsed.get("model", ""))) if isinstance(parsed, dict) else ""


def _model_in(request: Any) -> str:
    """The model a recorded or failed vcrpy request asked for."""
    return _model_named(getattr(request, "path", ""), request.body)


def _kind_of_call(path: str) -> str:
    return re.sub(r"/models/[^/:]+", "/models/*", path)


def closest_recorded_request(cassette: Any, request: Any) -> Any | None:
    """The recorded request most like the one that was asked: same path first, same kind of call next, then text."""
    import difflib

    from .recording import parse_body, prompt_of

    if request is None or not cassette.requests:
        return None
    asked = prompt_of(parse_body(request.body))
    same_method = [r for r in cassette.requests if r.method == request.method] or list(cassette.requests)
    same_path = [r for r in same_method if r.path == request.path]
    same_kind = [r for r in same_method if _kind_of_call(r.path) == _kind_of_call(request.path)]
    return max(
        same_path or same_kind or same_method,
        key=lambda r: difflib.SequenceMatcher(None, asked, prompt_of(parse_body(r.body))).ratio(),
    )


def _earlier_turns(body: dict[str, Any]) -> int:
    """How many turns came before the last one: ``contents`` (both SDKs), or an Interactions ``input`` list."""
    if isinstance(body.get("contents"), list):
        return len(body["contents"]) - 1
    given = body.get("input")
    if not isinstance(given, list):
        return 0
    content = ("text", "image", "audio", "document", "video")  # parts of one turn, not turns
    turns = [i for i in given if isinstance(i, dict) and ("role" in i or i.get("type") not in content)]
    return max(len(turns) - 1, 0)


def _settings_in(body: dict[str, Any]) -> dict[str, Any]:
    names = ("generationConfig", "generation_config", "systemInstruction", "system_instruction", "tools")
    return {name: body[name] for name in names if name in body}


def difference_from_recording(request: Any, recorded: Any, sdk: str = "") -> str:
    """When the text is the same, say what else differs: the model, the chat history or the settings."""
    from .recording import parse_body, prompt_of

    asked, stored = parse_body(request.body), parse_body(recorded.body)
    if prompt_of(asked) != prompt_of(stored):
        return ""
    asked_model, stored_model = _model_in(request), _model_in(recorded)
    if asked_model and stored_model and asked_model != stored_model:
        message = tr(
            "The same prompt is recorded, but for the model {stored}; this call asked for {asked}. "
            "Replay holds answers from {stored} only: call it with model=settings.model (and leave "
            "GEMINI_MODEL unset in replay).",
            stored=stored_model,
            asked=asked_model,
        )
        replacement = models.replacement_for(asked_model)
        if replacement:
            message += _then(
                tr(
                    "Besides, {asked} is retired: Google has shut it down, so live it answers 404 NOT_FOUND; "
                    "use {replacement} instead.",
                    asked=asked_model,
                    replacement=replacement,
                )
            )
        return message
    if not isinstance(asked, dict) or not isinstance(stored, dict):
        return ""
    earlier, recorded_earlier = _earlier_turns(asked), _earlier_turns(stored)
    if earlier < recorded_earlier:
        return tr(
            "The same message is recorded, but after {recorded} earlier message(s); this chat sent "
            "{sent}: it was started afresh after those turns were sent. Run the chat's cells again in order, "
            "from the one that starts the chat, so that this message comes with the history it was recorded with.",
            recorded=recorded_earlier,
            sent=earlier,
        )
    if earlier != recorded_earlier:
        if sdk == "genai":
            how = tr(
                "create the chat again (chat = client.chats.create(model=settings.model)) and run its cells in order."
            )
        elif sdk == "interactions":
            how = tr("run the cells of this conversation in order, from its first.")
        else:
            how = tr("call chat.rewind() to drop the last turn, or start over with model.start_chat(history=[]).")
        return tr(
            "The same message is recorded, but after {recorded} earlier message(s); this chat "
            "sent {sent}. Re-running a chat cell sends the turn again with a longer history: {how}",
            recorded=recorded_earlier,
            sent=earlier,
            how=how,
        )
    if asked.get("previous_interaction_id") != stored.get("previous_interaction_id"):
        return tr(
            "The same input is recorded, but continuing another interaction (previous_interaction_id differs): "
            "run the cells of this conversation in order, from its first."
        )
    if _settings_in(asked) != _settings_in(stored):
        return tr(
            "The same prompt is recorded with other settings: recorded {recorded}, asked {asked}.",
            recorded=_settings_in(stored),
            asked=_settings_in(asked),
        )
    return ""


def quote(text: str, limit: int = 120) -> str:
    """``text`` on one line, in quotation marks, cut at ``limit`` characters."""
    text = " ".join(text.split())
    return f"“{text[:limit]}…”" if len(text) > limit else f"“{text}”"


# --- answers that cannot be read --------------------------------------------------


def _html_title(text: str) -> str | None:
    """The title of an HTML page ("" if it has none), or ``None`` when ``text`` is not HTML."""
    head = text.lstrip()[:1000].lower()
    if not head.startswith("<") or not any(tag in head for tag in ("<html", "<!doctype html", "<head", "<body")):
        return None
    match = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    return " ".join(match.group(1).split())[:80] if match else ""


def _as_page(title: str) -> str:
    return tr("an HTML page (“{title}”)", title=title) if title else tr("an HTML page")


@dataclass
class _Unreadable:
    """An answer an SDK could not read: what was wrong, and the raw text when the error kept it."""

    problem: str
    raw: str | None
    stream: bool


def _unreadable(error: BaseException) -> _Unreadable | None:
    import json

    from google.protobuf.json_format import ParseError

    chain = list(retry.causes(error))
    raw = next((e.doc for e in chain if isinstance(e, json.JSONDecodeError)), None)
    sdk = sdk_of(error)
    first_line = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
    if isinstance(error, ParseError):
        return _Unreadable(first_line, raw, False)
    in_stream_reader = any(_module(e) == "google.api_core.rest_streaming" for e in _tracebacks(error))
    if isinstance(error, ValueError) and in_stream_reader:  # google-generativeai's stream reader
        partial = str(error).partition(": ")[2] or None
        return _Unreadable(tr("the stream ended in the middle of its JSON"), partial, True)
    names = {cls.__name__ for cls in type(error).__mro__}
    if "UnknownApiResponseError" in names and sdk == "genai":
        raw = raw if raw is not None else str(error).partition("Raw response: ")[2]
        return _Unreadable(tr("it is not valid JSON"), raw, _is_stream(error))
    if isinstance(error, json.JSONDecodeError) and sdk == "genai":
        problem = tr(
            "it is not valid JSON ({detail} at character {position})", detail=error.msg.lower(), position=error.pos
        )
        return _Unreadable(problem, error.doc, False)
    if sdk == "interactions" and (
        "APIResponseValidationError" in names
        or ("APIStatusError" not in names and "APIError" in names and getattr(error, "status_code", None) == 200)
    ):
        body = getattr(error, "body", None)
        return _Unreadable(first_line, body if isinstance(body, str) else None, False)
    if "ValidationError" in names and type(error).__module__.startswith("pydantic") and sdk == "genai":
        return _Unreadable(first_line, None, False)
    return None


def _unreadable_response(error: BaseException, context: Context) -> str | None:
    """A response the SDK cannot parse: a proxy's page, a cut or changed answer; in replay, a hand-edited cassette."""
    found = _unreadable(error)
    if found is None:
        return None
    if context.mode == "replay":
        notebook = context.notebook or "NOTEBOOK"
        if not context.cassette:
            return tr(
                "A recorded response in the cassette cannot be read by the SDK ({problem}): the cassette "
                "was probably edited by hand. Restore it (git checkout -- the cassette) or re-record it: "
                "python -m helpers record {notebook}",
                problem=found.problem,
                notebook=notebook,
            )
        return tr(
            "A recorded response in {cassette} cannot be read by the SDK ({problem}): the cassette "
            "was probably edited by hand. Restore it (git checkout -- {cassette}) or re-record it: "
            "python -m helpers record {notebook}",
            cassette=context.cassette,
            problem=found.problem,
            notebook=notebook,
        )
    endpoint = _endpoint(error, context)
    title = _html_title(found.raw) if found.raw else None
    shown = _then(tr("What was shown is all that arrived.")) if found.stream else ""
    if title is not None:
        return tr(
            "{endpoint} answered with {page} instead of Gemini's JSON, so the SDK could not read "
            "it.{shown} Something between you and Gemini answered: a Wi-Fi login page (open any web page in a "
            "browser to log in), a proxy, or a wrong address in GOOGLE_GEMINI_BASE_URL. Fix that, then run the "
            "cell again. {replay_help}",
            endpoint=endpoint,
            page=_as_page(title),
            shown=shown,
            replay_help=replay_help(),
        )
    answer = tr("The streamed answer") if found.stream else tr("The answer")
    fields = {"answer": answer, "endpoint": endpoint, "problem": found.problem, "shown": shown}
    if found.raw:
        return tr(
            "{answer} from {endpoint} could not be read: {problem}: {raw}.{shown} Gemini answers JSON, so the answer "
            "was cut short or changed on its way (by a proxy, or by the gateway in GOOGLE_GEMINI_BASE_URL). Run the "
            "cell again; if it happens every time, check GOOGLE_GEMINI_BASE_URL and the network's proxy. "
            "{replay_help}",
            raw=quote(found.raw, 80),
            replay_help=replay_help(),
            **fields,
        )
    return tr(
        "{answer} from {endpoint} could not be read: {problem}.{shown} Gemini answers JSON, so the answer was cut "
        "short or changed on its way (by a proxy, or by the gateway in GOOGLE_GEMINI_BASE_URL). Run the cell "
        "again; if it happens every time, check GOOGLE_GEMINI_BASE_URL and the network's proxy. {replay_help}",
        replay_help=replay_help(),
        **fields,
    )


# --- errors Gemini answers with -------------------------------------------------


@dataclass
class _Refusal:
    """An error status, whichever SDK raised it."""

    code: int
    status: str
    text: str
    details: list[Any]
    #: The body was not JSON (a proxy's page or text).
    raw: bool


def _server_text(error: Any) -> str:
    """Gemini's own words, without the ``POST http://...:`` the old SDK puts first."""
    text = str(getattr(error, "message", "") or error)
    return re.sub(r"^[A-Z]+ \S+: ", "", text).strip()


def _refusal(error: BaseException) -> _Refusal | None:
    from google.api_core import exceptions as api

    if isinstance(error, api.GoogleAPICallError):
        text = _server_text(error)
        try:
            body = error.response.json()  # type: ignore[union-attr]
        except Exception:  # no response kept, or not JSON
            body = None
        status = body.get("error", {}).get("status", "") if isinstance(body, dict) else ""
        raw = error.response is not None and body is None
        return _Refusal(int(error.code or 0), status, text, retry.error_details(error), raw)
    genai_errors = sys.modules.get("google.genai.errors")
    if genai_errors is not None and isinstance(error, genai_errors.APIError):
        details = error.details if isinstance(error.details, dict) else {}
        raw = "error" not in details and not isinstance(error.details, list)
        text = str(error.message or "")
        return _Refusal(int(error.code or 0), str(error.status or ""), text, retry.error_details(error), raw)
    interactions = sys.modules.get("google.genai._interactions_errors")
    if interactions is not None and isinstance(error, interactions.APIStatusError):
        body = error.body
        if isinstance(body, dict):
            inner = body.get("error", body)
            inner = inner if isinstance(inner, dict) else {}
            text = str(inner.get("message", "") or error.message)
            return _Refusal(error.status_code, str(inner.get("status", "")), text, retry.error_details(error), False)
        return _Refusal(error.status_code, "", str(body or error.message or ""), [], True)
    return None


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return tr("error")


def _tried(error: BaseException, context: Context, sdk: str, retriable: bool = True) -> str:
    """What was tried before the error was raised, in one sentence ("" when nothing is known)."""
    record = retry.retried(error)
    if record is not None:
        if record.attempts <= 1:
            return tr("It was not tried again: there was no time left for another attempt.")
        return tr(
            "It was tried {attempts} times, waiting {waited} s in all, and failed every time.",
            attempts=record.attempts,
            waited=f"{record.waited:.0f}",
        )
    if context.mode == "replay":
        return tr("This error is in the recording, so replay shows it every time.")
    if sdk == "genai":
        attempts, limit = _tenacity_attempts(error)
        if attempts is None:
            return ""
        if attempts > 1:
            return tr(
                "google-genai tried it {attempts} times (the client's HttpRetryOptions), and it failed every time.",
                attempts=attempts,
            )
        if not limit or limit <= 1:
            return tr("google-genai did not try it again: {no_retries}.", no_retries=no_retries())
        return tr("google-genai did not try it again: the client's HttpRetryOptions do not cover this error.")
    if sdk == "interactions":
        limit = _interactions_attempts(error)
        if limit is None:
            return ""
        if retriable and limit > 1:
            return tr(
                "The Interactions client tried it up to {limit} times (what it does unless HttpRetryOptions say "
                "otherwise), and it failed every time.",
                limit=limit,
            )
        return tr("The Interactions client did not try it again.")
    return ""


def _tenacity_attempts(error: BaseException) -> tuple[int | None, int | None]:
    """How often a ``google-genai`` client tried, and at most would have: from tenacity's state in the traceback."""
    for entry in _tracebacks(error):
        if not _module(entry).startswith("tenacity"):
            continue
        state = entry.tb_frame.f_locals.get("retry_state")
        if state is not None and isinstance(getattr(state, "attempt_number", None), int):
            stop = getattr(getattr(state, "retry_object", None), "stop", None)
            limit = getattr(stop, "max_attempt_number", None)
            return state.attempt_number, limit if isinstance(limit, int) else None
    return None, None


def _several_attempts(error: BaseException, sdk: str, retriable: bool) -> bool:
    """Whether the call was (or, for the Interactions client, may have been) tried more than once."""
    record = retry.retried(error)
    if record is not None:
        return record.attempts > 1
    if sdk == "genai":
        return (_tenacity_attempts(error)[0] or 0) > 1
    return sdk == "interactions" and retriable and (_interactions_attempts(error) or 0) > 1


def _interactions_attempts(error: BaseException) -> int | None:
    """At most how many attempts the Interactions client's retry setting allowed, from the traceback."""
    for entry in _tracebacks(error):
        config = entry.tb_frame.f_locals.get("retry_config")
        if isinstance(config, tuple) and config:
            max_retries = getattr(config[0], "max_retries", None)
            if isinstance(max_retries, int):
                return max_retries + 1
    return None


def _key_shown(error: BaseException, context: Context) -> str:
    """The key the call carried, masked, and where it came from."""
    from ..keys import mask

    sent = _sent_key(error)
    if sent and sent != context.secret:
        variable = next((n for n in ("GOOGLE_API_KEY", "GEMINI_API_KEY") if os.environ.get(n) == sent), "")
        source = tr("environment variable {name}", name=variable) if variable else tr("given to the client in code")
        return tr("{key} (from {source})", key=mask(sent), source=source)
    if context.key_masked:
        return tr("{key} (from {source})", key=context.key_masked, source=context.key_source)
    return mask(sent) if sent else tr("(none was sent)")


def _no_key_sent(error: BaseException, context: Context) -> bool:
    """Whether :func:`_key_shown` has no key to show: none was sent, and the session has none."""
    return not _sent_key(error) and not context.key_masked


def _api_error(error: BaseException, context: Context) -> str | None:
    answer = _refusal(error)
    if answer is None:
        return None
    sdk = sdk_of(error)
    endpoint = _endpoint(error, context)
    code, text = answer.code, answer.text
    title = _html_title(text)
    retriable = code in (408, 409, 429) or code >= 500
    tried = _tried(error, context, sdk, retriable)
    replay = replay_help()
    if answer.raw or title is not None:
        if title is not None:
            what = _as_page(title)
        else:
            what = tr("a text that is not Gemini's JSON ({text})", text=quote(text, 80))
        if code >= 500:
            advice = tr(
                "It could not get an answer from Gemini, or had a problem of its own. {tried} {unchanged} Run the "
                "cell again in a minute; if it keeps happening, check GOOGLE_GEMINI_BASE_URL and the network's proxy.",
                tried=tried,
                unchanged=unchanged(),
            )
        else:
            advice = tr(
                "Check GOOGLE_GEMINI_BASE_URL (it must be the address of Gemini's API, or of a gateway for it) and "
                "the network's proxy."
            )
        return tr(
            "{endpoint} answered {code} {phrase} with {what} from a proxy or gateway, not with Gemini's "
            "own answer. {advice} {replay_help}",
            endpoint=endpoint,
            code=code,
            phrase=_phrase(code),
            what=what,
            advice=advice,
            replay_help=replay,
        )
    reasons = f"{answer.details} {text}"
    key = _key_shown(error, context)
    if "API_KEY_INVALID" in reasons or "API key not valid" in text:
        return tr(
            "Gemini rejected the API key {key} (400 API_KEY_INVALID). Copy it again from Google AI "
            "Studio (https://aistudio.google.com/apikey), without spaces or quotes, check that it was "
            "not deleted, and run the setup cell again. {replay_help}",
            key=key,
            replay_help=replay,
        )
    if "location is not supported" in text:
        return tr(
            "Gemini does not serve the API where you are (400: User location is not supported for the "
            "API use). If your organisation runs a gateway or proxy for Gemini, point the series at it "
            "with GOOGLE_GEMINI_BASE_URL=https://your-gateway (environment or .env). {replay_help}",
            replay_help=replay,
        )
    if code == 404:
        name = _missing_model(error, text)
        if name:
            return _model_not_found(name, context, sdk)
    if code == 429:
        return _quota(error, answer, tried)
    if code in (401, 403) and ("unregistered callers" in text or _no_key_sent(error, context)):
        return tr(
            "Gemini received no API key with this call ({code} {status}). Run the setup "
            "cell first (settings = helpers.setup(...)): it exports the key it finds for genai.Client(); or "
            "{sources}. With a gateway in GOOGLE_GEMINI_BASE_URL, check that it passes the "
            "x-goog-api-key header on. {replay_help}",
            code=code,
            status=answer.status or _phrase(code),
            sources=key_sources_help(),
            replay_help=replay,
        )
    if code == 403:
        return tr(
            "Gemini refused the call (403 PERMISSION_DENIED) with the key {key}: {text} "
            "Check that the key belongs to a project with the Gemini API enabled. {replay_help}",
            key=key,
            text=text,
            replay_help=replay,
        )
    if code >= 500:
        return tr(
            "Gemini had a temporary problem ({code} {phrase}: {text}). {tried} "
            "{unchanged} Run the cell again in a minute. {replay_help}",
            code=code,
            phrase=_phrase(code),
            text=text[:200],
            tried=tried,
            unchanged=unchanged(),
            replay_help=replay,
        )
    if code == 400:
        return tr("Gemini did not accept the request (400): {text}", text=text)
    return tr(
        "Gemini answered {code} {status}: {text}", code=code, status=answer.status or _phrase(code), text=text[:300]
    )


def _missing_model(error: BaseException, text: str) -> str:
    """The model a 404 is about, when the answer names it (or names a model and the request asked for one)."""
    match = re.search(r"models/([\w.\-]+)", text)
    if match:
        return match.group(1)
    if "model" not in text.lower():
        return ""
    for request in _requests_of(error):
        try:
            body = getattr(request, "content", None) or getattr(request, "body", None)
        except Exception:  # an httpx request whose body was streamed, not kept
            body = None
        name = _model_named(urlsplit(str(getattr(request, "url", ""))).path, body)
        if name:
            return name
    return ""


def _model_not_found(name: str, context: Context, sdk: str) -> str:
    replacement = models.replacement_for(name)
    embedding = "embed" in name
    variable = "GEMINI_EMBEDDING_MODEL" if embedding else "GEMINI_MODEL"
    if sdk == "genai":
        call = (
            'client.models.embed_content(model="{m}", contents=...)'
            if embedding
            else ('client.models.generate_content(model="{m}", ...)')
        )
        listing = "client.models.list()"
    elif sdk == "interactions":
        call, listing = 'client.interactions.create(model="{m}", ...)', "client.models.list()"
    else:
        call = 'genai.embed_content(model="{m}", ...)' if embedding else 'genai.GenerativeModel("{m}")'
        listing = "genai.list_models()"
    if replacement:
        what = tr("The model {name} is retired: Google has shut it down, so it answers 404 NOT_FOUND.", name=name)
        if sdk in ("genai", "interactions") or embedding:
            use = tr(
                "Use {replacement} instead, e.g. {call}.", replacement=replacement, call=call.format(m=replacement)
            )
        else:
            use = tr(
                "Use {replacement} instead, e.g. {call} or settings.model.",
                replacement=replacement,
                call=call.format(m=replacement),
            )
    else:
        if context.endpoint:
            what = tr(
                "The model {name} is unknown to {where} (404 NOT_FOUND): a typo, or a model it does not serve.",
                name=name,
                where=shown_endpoint(context.endpoint),
            )
        else:
            what = tr(
                "The model {name} is unknown to this endpoint (404 NOT_FOUND): a typo, or a model it does not serve.",
                name=name,
            )
        use = tr(
            "The series' defaults are {text_model} (text) and {embedding_model} (embeddings).",
            text_model=models.DEFAULT_TEXT_MODEL,
            embedding_model=models.DEFAULT_EMBEDDING_MODEL,
        )
    return tr(
        "{what} {use} To use another model in every notebook, set {variable} in .env (or in the "
        "environment, then restart the kernel) and run the setup cell again. {listing} shows what your key can call.",
        what=what,
        use=use,
        variable=variable,
        listing=listing,
    )


def _duration(seconds: float) -> str:
    if seconds >= 90:
        return tr("{seconds} s (about {minutes} min)", seconds=f"{seconds:g}", minutes=round(seconds / 60))
    return tr("{seconds} s", seconds=f"{seconds:g}")


def _quota(error: BaseException, answer: _Refusal, tried: str) -> str:
    delay = retry.requested_delay(error)
    limits = [
        str(v.get("quotaId", ""))
        for d in answer.details
        if isinstance(d, dict)
        for v in d.get("violations", []) or []
        if isinstance(v, dict) and v.get("quotaId")
    ]
    which = _then(tr("The limit reached: {limits}.", limits=", ".join(limits))) if limits else ""
    if delay is not None:
        return tr(
            "Quota exhausted (429 RESOURCE_EXHAUSTED): the free tier allows only a few requests per "
            "minute and per day, counted per project.{which} Gemini asked to wait {duration}. {tried} Wait "
            "{duration} and run the cell again (daily limits reset at midnight Pacific time), use a key from a "
            "project with billing, or follow along in replay. {replay_help}",
            which=which,
            duration=_duration(delay),
            tried=tried,
            replay_help=replay_help(),
        )
    return tr(
        "Quota exhausted (429 RESOURCE_EXHAUSTED): the free tier allows only a few requests per "
        "minute and per day, counted per project.{which} {tried} Wait a minute and run the cell "
        "again (daily limits reset at midnight Pacific time), use a key from a project with "
        "billing, or follow along in replay. {replay_help}",
        which=which,
        tried=tried,
        replay_help=replay_help(),
    )


# --- the network ----------------------------------------------------------------

_TIMEOUTS = {"Timeout", "ReadTimeout", "WriteTimeout", "PoolTimeout", "TimeoutException", "ReadTimeoutError"}
_CONNECT_FAILURES = {"NewConnectionError", "ConnectError", "ConnectTimeout", "ConnectTimeoutError"}
_TRANSPORT_MODULES = {"requests", "urllib3", "httpx", "httpx2", "httpcore", "httpcore2", "h11"}
#: Exception classes (or bases) that mean the request did not get a whole answer: not a bad URL or body.
_TRANSPORT_ERRORS = {
    "ConnectionError",
    "Timeout",
    "ChunkedEncodingError",
    "TransportError",
    "APIConnectionError",
    "ProtocolError",
    "ReadTimeoutError",
    "NewConnectionError",
    "MaxRetryError",
    "SSLError",
    "InvalidSchema",
    "MissingSchema",
    "UnsupportedProtocol",
}


def _in_body(error: BaseException) -> bool:
    """Whether it failed while the answer's body was arriving (its status and headers had come)."""
    for entry in _tracebacks(error):
        name = entry.tb_frame.f_code.co_name
        if _module(entry) == "urllib3.response" or name in ("_receive_response_body", "_iter_response_stream"):
            return True
    return False


def transport_kind(error: BaseException) -> str | None:
    """What went wrong on the way: ``scheme``, ``tls``, ``dns``, ``refused``, ``connect_timeout``,
    ``no_connection``, ``timeout`` (no answer), ``stalled`` (the answer stopped coming), ``broken`` (the
    connection broke mid-answer), ``reset`` (before any answer); ``None`` when it is not a transport error."""
    chain = list(retry.causes(error))
    names = {cls.__name__ for item in chain for cls in type(item).__mro__}
    modules = {type(item).__module__.split(".")[0] for item in chain}
    if not names & _TRANSPORT_ERRORS or not (modules & _TRANSPORT_MODULES or "APIConnectionError" in names):
        return None
    text = " ".join(str(item) for item in chain).lower()
    if names & {"UnsupportedProtocol", "InvalidSchema", "MissingSchema"}:
        return "scheme"
    if any(isinstance(item, ssl.SSLError) for item in chain) or "SSLError" in names:
        return "tls"
    if any(isinstance(item, socket.gaierror) for item in chain) or "NameResolutionError" in names:
        return "dns"
    if any(isinstance(item, ConnectionRefusedError) for item in chain) or "connection refused" in text:
        return "refused"
    if names & {"ConnectTimeout", "ConnectTimeoutError"}:
        return "connect_timeout"
    if names & _CONNECT_FAILURES:
        return "no_connection"
    body = _in_body(error)
    if names & (_TIMEOUTS | {"APITimeoutError"}):
        return "stalled" if body else "timeout"
    if body or names & {"ChunkedEncodingError", "IncompleteRead"} or "complete message body" in text:
        return "broken"
    return "reset"


def _read_limit(error: BaseException) -> float | None:
    """The read timeout the failed request had, when it kept it (``httpx``/``httpx2``)."""
    for request in _requests_of(error):
        limits = getattr(request, "extensions", None)
        limits = limits.get("timeout") if isinstance(limits, dict) else None
        if isinstance(limits, dict) and isinstance(limits.get("read"), (int, float)):
            return float(limits["read"])
    return None


def _timeout_help(sdk: str) -> str:
    if sdk == "generativeai":
        return 'request_options={"timeout": 300}'
    if sdk in ("genai", "interactions"):
        return tr("genai.Client(http_options=types.HttpOptions(timeout=300_000)), in milliseconds")
    return tr("a longer timeout in the call")


def _chat_after_a_break(sdk: str, stream: bool) -> str:
    """What a chat holds after its turn broke off (checked against each SDK's chat code)."""
    if sdk == "generativeai" and stream:
        return tr(
            "If this was a chat's streamed turn (chat.send_message(..., stream=True)), the chat now holds that "
            "broken turn: run chat.rewind() to drop it (the earlier history is kept) before the next message."
        )
    if sdk == "genai" and stream:
        return tr("A chat (chat.send_message_stream) added nothing for this turn: its history is as it was before.")
    if sdk == "interactions":
        return ""
    return unchanged()


def _why_unreachable(kind: str, error: BaseException, host: str, ours: bool) -> str:
    if kind == "dns" and ours:
        return tr(
            "the name {host} could not be looked up (DNS): the network is down, or there is a typo in "
            "GOOGLE_GEMINI_BASE_URL.",
            host=host,
        )
    if kind == "dns":
        return tr("the name {host} could not be looked up (DNS): the network is down, or there is a typo.", host=host)
    if kind == "refused" and ours:
        return tr(
            "the connection was refused: nothing answers at that address (a wrong port or address in "
            "GOOGLE_GEMINI_BASE_URL, or a gateway that is down)."
        )
    if kind == "refused":
        return tr("the connection was refused: nothing answers at that address.")
    if kind == "connect_timeout":
        return tr("no connection could be opened in time: the network is down, or a firewall or proxy blocks it.")
    reason = next((e.strerror for e in retry.causes(error) if isinstance(e, OSError) and e.strerror), "")
    if reason:
        return tr(
            "no connection could be opened ({reason}): the network is down, or a firewall or proxy blocks it.",
            reason=reason,
        )
    return tr("no connection could be opened: the network is down, or a firewall or proxy blocks it.")


def _tls_problem(error: BaseException) -> tuple[str, str]:
    """Why a TLS handshake failed, and what to do."""
    text = " ".join(str(e) for e in retry.causes(error))
    verify = re.search(r"certificate verify failed: ([^(\]\n]+)", text, re.IGNORECASE)
    if verify or "CERTIFICATE_VERIFY_FAILED" in text:
        detail = verify.group(1).strip() if verify else "certificate verify failed"
        return (
            tr("its certificate is not trusted here ({detail}).", detail=detail),
            tr(
                "A network that inspects HTTPS (a company proxy, some antivirus software) puts its own certificate "
                "in between: point SSL_CERT_FILE (google-genai) and REQUESTS_CA_BUNDLE (google-generativeai) at its "
                "CA file, then restart the kernel."
            ),
        )
    if re.search(r"wrong.version.number|record.layer.failure|http.request|packet.length.too.long", text, re.I):
        return (
            tr("the server at that address does not speak HTTPS (it answered the TLS handshake in plain text)."),
            tr(
                "The address starts with https:// and probably should start with http://: fix GOOGLE_GEMINI_BASE_URL "
                "in .env (or in the environment, then restart the kernel) and run the setup cell again."
            ),
        )
    first = next((str(e) for e in retry.causes(error) if isinstance(e, ssl.SSLError)), text)[:150]
    return (
        tr("the secure (TLS) connection could not be set up ({detail}).", detail=first),
        tr("Check the address in GOOGLE_GEMINI_BASE_URL and the network's proxy."),
    )


def _bad_scheme(url: str) -> bool:
    try:
        return urlsplit(url).scheme.lower() not in ("http", "https")
    except ValueError:
        return True


def _network_error(error: BaseException, context: Context) -> str | None:
    kind = transport_kind(error)
    if kind is None:
        return None
    url = _url_of(error)
    ours = _about_endpoint(error, context, url)
    if not ours:
        return _elsewhere(kind, error, url, context)
    sdk = sdk_of(error)
    if context.endpoint and _bad_scheme(context.endpoint):
        return tr(
            "GOOGLE_GEMINI_BASE_URL is {endpoint}: it must start with http:// or https:// "
            "(a typo?). Fix it in .env (or in the environment, then restart the kernel) and run the setup cell "
            "again.",
            endpoint=shown_endpoint(context.endpoint),
        )
    endpoint = _endpoint(error, context)
    names = {cls.__name__ for item in retry.causes(error) for cls in type(item).__mro__}
    retriable = bool(names & {"NetworkError", "TimeoutException"})  # what the Interactions client retries
    tried = _tried(error, context, sdk, retriable) if context.mode != "replay" else ""
    host = urlsplit(context.endpoint or url).hostname or endpoint
    replay = replay_help()
    if kind == "scheme":
        return tr(
            "The address {address} does not start with http:// or https://: fix "
            "GOOGLE_GEMINI_BASE_URL in .env (or in the environment, then restart the kernel) and run the setup "
            "cell again.",
            address=shown_endpoint(_origin(url) or url),
        )
    if kind in ("dns", "refused", "connect_timeout", "no_connection"):
        again = tried if _several_attempts(error, sdk, retriable) else ""
        return tr(
            "Cannot reach {endpoint}: {why} {again} {replay_help}",
            endpoint=endpoint,
            why=_why_unreachable(kind, error, host, True),
            again=again,
            replay_help=replay,
        )
    if kind == "tls":
        problem, advice = _tls_problem(error)
        return tr(
            "No secure connection to {endpoint}: {problem} {advice} {replay_help}",
            endpoint=endpoint,
            problem=problem,
            advice=advice,
            replay_help=replay,
        )
    stream = _is_stream(error)
    chat = _chat_after_a_break(sdk, stream)
    if stream:
        kept = tr(
            "what was shown is all that arrived, and a stream is not retried (a second answer would not continue "
            "the first)"
        )
    else:
        kept = tr("nothing of it was kept")
    if kind == "broken":
        return tr(
            "The connection to {endpoint} broke while the answer was arriving: {kept}. {chat} Run the cell "
            "again. {replay_help}",
            endpoint=endpoint,
            kept=kept,
            chat=chat,
            replay_help=replay,
        )
    limit = _read_limit(error)
    more_time = {"more_time": _timeout_help(sdk), "replay_help": replay}
    if kind == "stalled" and limit is not None:
        return tr(
            "{endpoint} started answering, then sent nothing more for {limit} s, the read timeout, so the call gave "
            "up: {kept}. {chat} Run the cell again; for a long answer, allow more time: {more_time}. {replay_help}",
            endpoint=endpoint,
            limit=f"{limit:g}",
            kept=kept,
            chat=chat,
            **more_time,
        )
    if kind == "stalled":
        return tr(
            "{endpoint} started answering, then sent nothing more within the read timeout, so the call gave up: "
            "{kept}. {chat} Run the cell again; for a long answer, allow more time: {more_time}. {replay_help}",
            endpoint=endpoint,
            kept=kept,
            chat=chat,
            **more_time,
        )
    if kind == "timeout" and limit is not None:
        return tr(
            "{endpoint} did not answer in time (the limit was {limit} s). {tried} {unchanged} Run the cell again; "
            "for a long answer, allow more time: {more_time}. {replay_help}",
            endpoint=endpoint,
            limit=f"{limit:g}",
            tried=tried,
            unchanged=unchanged(),
            **more_time,
        )
    if kind == "timeout":
        return tr(
            "{endpoint} did not answer in time. {tried} {unchanged} Run the cell again; for a "
            "long answer, allow more time: {more_time}. {replay_help}",
            endpoint=endpoint,
            tried=tried,
            unchanged=unchanged(),
            **more_time,
        )
    return tr(
        "The connection to {endpoint} was reset before the answer arrived. {tried} {unchanged} "
        "Run the cell again in a minute. {replay_help}",
        endpoint=endpoint,
        tried=tried,
        unchanged=unchanged(),
        replay_help=replay,
    )


def _elsewhere(kind: str, error: BaseException, url: str, context: Context) -> str:
    """A failed request that was not the series' call to Gemini: say what happened to it, and only that."""
    where = shown_endpoint(_origin(url) or url) or tr("that address")
    host = urlsplit(url).hostname or where
    why = {
        "scheme": tr("its address does not start with http:// or https://."),
        "tls": tr("no secure connection could be set up: {problem}", problem=_tls_problem(error)[0]),
        "timeout": tr("it did not answer in time."),
        "stalled": tr("it started answering, then sent nothing more in time."),
        "broken": tr("the connection broke while the answer was arriving."),
        "reset": tr("the connection was reset before an answer arrived."),
    }.get(kind) or _why_unreachable(kind, error, host, False)
    if context.endpoint:
        return tr(
            "The request to {where} failed: {why} That is the request in your code, not a call to Gemini "
            "({gemini}): check the address and that something answers there.",
            where=where,
            why=why,
            gemini=shown_endpoint(context.endpoint),
        )
    return tr(
        "The request to {where} failed: {why} That is the request in your code, not a call to Gemini: "
        "check the address and that something answers there.",
        where=where,
        why=why,
    )


# --- answers without text -------------------------------------------------------


def _response_error(error: BaseException, context: Context) -> str | None:
    """The old SDK's errors about an answer's content (``google-generativeai``)."""
    name = type(error).__name__
    text = str(error)
    if name == "StopCandidateException":
        candidate = error.args[0] if error.args else None
        return tr(
            "Gemini stopped this answer: {finish}. The chat did not add this turn: its "
            "history is as it was before the message. Rephrase the message and send it again.",
            finish=_finish(candidate),
        )
    if name == "BlockedPromptException":
        feedback = error.args[0] if error.args else None
        reason = _enum_name(getattr(feedback, "block_reason", "unknown"))
        return tr(
            "The prompt was blocked before Gemini answered (block reason {reason}). The chat did not "
            "add this turn: its history is as it was before the message. Rephrase it and send it again.",
            reason=reason,
        )
    if name == "BrokenResponseError":
        return tr(
            "The chat's last streamed answer broke off or was stopped before it finished, so the chat "
            "cannot add it to its history, and every use of the chat says so until that turn is "
            "dropped. Run chat.rewind() to drop it (the earlier history is kept), then send the "
            "message again."
        )
    if name == "IncompleteIterationError":
        return tr(
            "A streamed response was read before it had finished arriving. Iterate over it first "
            "(for chunk in response: ...) or call response.resolve(), then read .text or .candidates."
        )
    if isinstance(error, ValueError) and "multiple candidates" in text:
        return tr(
            "This response holds several candidates (candidate_count > 1), so .text cannot choose "
            "one: read response.candidates[0].content.parts[0].text (or [1], …), or show them all "
            "with helpers.show(response)."
        )
    if isinstance(error, ValueError) and "quick accessor" in text:
        return _no_text_to_show(text)
    return None


def _no_text_to_show(text: str) -> str:
    """The old SDK's ``.text`` quick accessor found no text: why, from its error message."""
    reason = _reason_from_text(text)
    if reason.startswith("STOP"):
        return tr(
            "This has no text part, only its finish reason STOP: the last chunk of a stream usually looks "
            "like this, since Gemini sends the finish reason and the token counts on a chunk of their own. "
            "Read chunk.text only when the chunk has parts (if chunk.parts: print(chunk.text)), or "
            "show the whole stream with helpers.show_stream(response)."
        )
    if "blocked prompt" in text:
        return tr(
            "This response has no text to show: the prompt itself was blocked, so .text cannot be read. "
            "helpers.show(response) shows the block reason and the safety ratings."
        )
    if not reason:
        return tr(
            "This response has no text to show: its finish reason is unknown, so .text cannot be read. "
            "helpers.show(response) shows the finish reason and the safety ratings."
        )
    return tr(
        "This response has no text to show: its finish reason is {reason} ({meaning}), so .text cannot be "
        "read. helpers.show(response) shows the finish reason and the safety ratings.",
        reason=reason,
        meaning=_meaning(reason),
    )


def _missing_text(error: BaseException, context: Context) -> str | None:
    """A ``TypeError``/``AttributeError`` on ``None`` where the failing line reads ``.text`` of a
    ``google-genai`` response that has no text. (An interaction's ``output_text`` is never ``None``: it is
    ``""`` when there is no text, so it raises nothing.)"""
    if not isinstance(error, (TypeError, AttributeError)) or "NoneType" not in str(error):
        return None
    import linecache

    entries = []
    entry = error.__traceback__
    while entry is not None:
        entries.append(entry)
        entry = entry.tb_next
    for entry in reversed(entries):  # the line that read .text: where it failed, or the cell that called
        frame = entry.tb_frame
        line = linecache.getline(frame.f_code.co_filename, entry.tb_lineno)
        for name in re.findall(r"\b([A-Za-z_]\w*)\.text\b", line):
            value = frame.f_locals.get(name, frame.f_globals.get(name))
            response = type(value).__module__.startswith("google.genai") and hasattr(value, "candidates")
            if response and _genai_text(value) is None:
                return tr(
                    "{name}.text is None: {why}. google-genai gives None for .text instead "
                    "of raising an error, so the error shows up only here, where the cell uses it ({error}). "
                    "helpers.show({name}) shows why; in code, check first: if {name}.text is None: ...",
                    name=name,
                    why=_why_no_text(value, name),
                    error=error,
                )
    return None


def _genai_text(response: Any) -> str | None:
    """What ``response.text`` gives (without the SDK's warnings about other parts)."""
    candidates = getattr(response, "candidates", None) or []
    if not candidates:
        return None
    parts = getattr(getattr(candidates[0], "content", None), "parts", None) or []
    texts = [p.text for p in parts if isinstance(getattr(p, "text", None), str) and not getattr(p, "thought", False)]
    return "".join(texts) if texts else None


def _why_no_text(response: Any, name: str) -> str:
    from ..display import finish_reason

    feedback = getattr(response, "prompt_feedback", None)
    block = getattr(feedback, "block_reason", None) if feedback is not None else None
    if block:
        return tr(
            "the prompt itself was blocked before Gemini answered (block reason {reason})", reason=_enum_name(block)
        )
    candidates = getattr(response, "candidates", None) or []
    if not candidates:
        return tr("the answer holds no candidates at all")
    parts = getattr(getattr(candidates[0], "content", None), "parts", None) or []
    calls = [p.function_call.name for p in parts if getattr(p, "function_call", None) is not None]
    if calls:
        return tr(
            "the answer is a function call ({calls}), not text: read {name}.function_calls",
            calls=", ".join(calls),
            name=name,
        )
    reason = finish_reason(candidates[0])
    if reason == "MAX_TOKENS":
        return tr(
            "the answer reached max_output_tokens before any text (a thinking model can spend them all on "
            "thinking: allow more tokens, or less thinking)"
        )
    if reason == "STOP" and not parts:
        return tr(
            "it holds only the finish reason STOP and the token counts, as the last chunk of a stream usually does"
        )
    return tr("its finish reason is {reason} ({meaning})", reason=reason, meaning=_meaning(reason))


def _meaning(reason: str) -> str:
    """What a finish reason means, in the learner's language (the table is ``display.FINISH_MEANINGS``)."""
    from ..display import FINISH_MEANINGS, finish_meaning

    return finish_meaning(reason) if reason in FINISH_MEANINGS else tr("see the API reference")


def _finish(candidate: Any) -> str:
    """``finish reason SAFETY (the answer was blocked ...); safety ratings: dangerous content high (blocked)``."""
    from ..display import finish_reason

    reason = finish_reason(candidate)
    ratings = []
    for rating in getattr(candidate, "safety_ratings", []) or []:
        probability = _enum_name(rating.probability)
        if probability in ("NEGLIGIBLE", "HARM_PROBABILITY_UNSPECIFIED"):
            continue
        category = _enum_name(rating.category).removeprefix("HARM_CATEGORY_").replace("_", " ").lower()
        if getattr(rating, "blocked", False):
            ratings.append(tr("{category} {probability} (blocked)", category=category, probability=probability.lower()))
        else:
            ratings.append(f"{category} {probability.lower()}")
    if ratings:
        return tr(
            "finish reason {reason} ({meaning}); safety ratings: {ratings}",
            reason=reason,
            meaning=_meaning(reason),
            ratings=", ".join(ratings),
        )
    return tr("finish reason {reason} ({meaning})", reason=reason, meaning=_meaning(reason))


def _enum_name(value: Any) -> str:
    return getattr(value, "name", str(value))


def _reason_from_text(text: str) -> str:
    """The finish reason the old SDK's quick-accessor error names, e.g. ``SAFETY`` ("" when it names none)."""
    from google.generativeai import protos

    match = re.search(r"finish_reason\]\([^)]*\) is (\w+)", text)
    value = match.group(1) if match else ""
    try:
        return protos.Candidate.FinishReason(int(value)).name if value.isdigit() else value.split(".")[-1]
    except ValueError:
        return value


def _too_slow(error: BaseException, context: Context) -> str | None:
    """The answer trickled in for longer than an attempt may take (``retry.deadline``)."""
    if not isinstance(error, retry.AnswerTooSlow):
        return None
    if error.streaming:
        cut = _then(tr("What was shown is all that arrived; a chat keeps the broken turn until chat.rewind()."))
    else:
        cut = _then(unchanged())
    if not context.endpoint:
        return tr(
            "No complete answer within {seconds} s: the endpoint kept the connection open but sent too little, "
            "too slowly (a congested network or a proxy that trickles), so the call was stopped.{cut} Run the cell "
            "again in a minute, or follow along in replay: GEMINI_MODE=replay (no key, no network).",
            seconds=f"{error.seconds:g}",
            cut=cut,
        )
    return tr(
        "No complete answer within {seconds} s: {where} kept the connection open but sent too little, "
        "too slowly (a congested network or a proxy that trickles), so the call was stopped.{cut} Run the cell "
        "again in a minute, or follow along in replay: GEMINI_MODE=replay (no key, no network).",
        seconds=f"{error.seconds:g}",
        where=shown_endpoint(context.endpoint),
        cut=cut,
    )


#: What the SDKs say when a prompt is empty: google-generativeai (TypeError), google-genai (ValueError).
_EMPTY_PROMPT = ("contents must not be empty", "contents are required")


def _empty_prompt(error: BaseException, context: Context) -> str | None:
    """``generate_content("")`` (or an empty list): say so, and show what a prompt looks like."""
    if not isinstance(error, (TypeError, ValueError)) or str(error).strip().rstrip(".") not in _EMPTY_PROMPT:
        return None
    return tr(
        "The prompt is empty: generate_content needs something to send, text or an image. Put your question "
        'between the quotes, for example generate_content("Who is the GOAT in the NBA?"), and run the cell again.'
    )


def _missing_file(error: BaseException, context: Context) -> str | None:
    """A file the learner's code opens is not there: name it, where it was looked for, and what is there."""
    if not isinstance(error, FileNotFoundError) or not error.filename:
        return None
    import difflib
    import os
    from pathlib import Path

    from .recording import REPO_ROOT

    wanted = Path(os.fsdecode(error.filename))
    here = Path.cwd()
    lines = [
        tr(
            "There is no file {file} (relative paths start from {here}, this notebook's working folder).",
            file=repr(str(wanted)),
            here=here,
        )
    ]
    images = REPO_ROOT / "images"
    if wanted.parent.name == "images" and not (here / wanted.parent).is_dir():
        lines.append(
            tr(
                "The series' pictures, PDF and audio are in {images}. The notebooks use '../images/...' because they "
                "run from the notebooks/ folder; started from elsewhere (the repository's top folder, say), open the "
                "notebook from JupyterLab (bash scripts/start), or write the path from where you are.",
                images=images,
            )
        )
    folder = wanted.parent if (here / wanted.parent).is_dir() else images
    close = difflib.get_close_matches(wanted.name, sorted(p.name for p in folder.iterdir()), n=3, cutoff=0.5)
    if close:
        lines.append(tr("In {folder} there is: {names}. Check the spelling.", folder=folder, names=", ".join(close)))
    return _joined(*lines)


_EXPLAINERS: tuple[Callable[[BaseException, Context], str | None], ...] = (
    _tutorial_error,
    _empty_prompt,
    _missing_file,
    _too_slow,
    _retry_error,
    _client_without_key,
    _closed_client,
    _replay_miss,
    _unreadable_response,
    _api_error,
    _network_error,
    _response_error,
    _missing_text,
)


# --- IPython --------------------------------------------------------------------


def _headline(error: BaseException) -> str:
    """What the short message starts with: the error's class, unless that says less than the message."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    if isinstance(error, CannotOverwriteExistingCassetteException):
        return tr("Not in the recording")
    return type(error).__name__


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
            headline = _headline(value)
        except Exception:  # explaining must never hide the error itself
            message, headline = None, etype.__name__
        if message is None:
            try:
                stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
            except Exception:  # IPython's own formatter failed (its Docs mode on a chained error): plain text
                import traceback

                stb = traceback.format_exception(etype, value, tb)
        else:
            colon = "：" if is_chinese() else ": "
            stb = [f"\x1b[1;31m{headline}\x1b[0m{colon}{message}", tr("(%tb shows the full traceback.)")]
        shell._showtraceback(etype, value, stb)

    shell.set_custom_exc((Exception,), handler)


class _Shown(str):
    """The error value as it may be shown, key scrubbed."""


class _ScrubbedStream:
    """A text stream that scrubs what is written to it, for the tracebacks IPython prints itself."""

    def __init__(self, stream: Any, secrets: list[str]) -> None:
        self._stream, self._secrets = stream, secrets

    def write(self, text: str) -> int:
        self._stream.write(scrub(text, *self._secrets))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _scrub_shown_tracebacks(shell: Any) -> None:
    """Scrub every traceback the shell shows, once.

    IPython shows tracebacks through ``shell._showtraceback``, except for two
    it prints itself from ``shell.showtraceback`` (an exception group, and a
    traceback its formatter fails on): while that runs, ``sys.stdout`` and
    ``sys.stderr`` scrub what is written to them.
    """
    if getattr(shell, "_helpers_scrubs_tracebacks", False):
        return
    original_show, original_print = shell._showtraceback, shell.showtraceback

    def secrets_for(evalue: Any) -> list[str]:
        context = getattr(shell, "_helpers_error_context", None) or Context()
        try:
            return _secrets(context, evalue if isinstance(evalue, BaseException) else None)
        except Exception:  # scrubbing must go on with what it has
            return [context.secret]

    def show(etype: type, evalue: Any, stb: list[str]) -> Any:
        secrets = secrets_for(evalue)
        return original_show(etype, _Shown(scrub(str(evalue), *secrets)), [scrub(line, *secrets) for line in stb])

    def showtraceback(*args: Any, **kwargs: Any) -> Any:
        secrets = secrets_for(sys.exc_info()[1] or getattr(sys, "last_value", None))
        stdout, stderr = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _ScrubbedStream(stdout, secrets), _ScrubbedStream(stderr, secrets)
        try:
            return original_print(*args, **kwargs)
        finally:
            sys.stdout, sys.stderr = stdout, stderr

    shell._showtraceback, shell.showtraceback = show, showtraceback
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
