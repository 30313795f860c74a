"""Record and replay the SDK's HTTP calls with vcrpy.

One cassette per notebook, ``notebooks/cassettes/<notebook>.yaml``. A cassette
is YAML meant to be read in a diff:

* ``provenance``: where its responses come from (``recorded`` from Gemini, or
  ``authored``), the endpoint, models, date and SDK version;
* ``interactions``: request and response bodies stored as parsed JSON, with no
  headers but the content type (and the few a protocol needs: the Interactions
  API's revision, the Files API's upload headers), image and file bytes
  replaced by their SHA-256 digest, and an ``origin`` line on every response.
  A streamed answer in server-sent events (``google-genai``) is stored as its
  list of events, so a replay yields the same chunks, split where they were.

Both SDKs are recorded: ``google-generativeai`` through ``requests`` and
``google-genai`` through ``httpx2`` (vcrpy patches both).

Requests are matched on method, path, page (of a paged list) and
JSON-normalised body, so the host (a gateway, a stand-in, Gemini itself) and
the rest of the query string do not matter. The
API key is removed from headers and URLs before anything is written, and the
serializer refuses to write a cassette that still contains it.
"""

from __future__ import annotations

import base64
import contextlib
import difflib
import functools
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import vcr
import yaml
from vcr.cassette import Cassette
from vcr.request import Request as VcrRequest

from .i18n import tr
from .retry import TRANSIENT_STATUS_CODES

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Base64 strings longer than this inside ``inlineData`` are stored as a digest.
INLINE_DATA_LIMIT = 256
#: The header every stand-in response carries (``helpers.plumbing.standin`` sends it; kept here so that
#: recording and replay never import the stand-in, which is only needed to author or test).
STANDIN_HEADER = "x-gemini-standin"
#: Marks a failure the stand-in serves on purpose, as part of a lesson (a 429 that the learner's own
#: retry then gets past): recorded even in record mode, where other transient failures are left out.
LESSON_FAULT_HEADER = "x-gemini-standin-lesson-fault"
#: Response headers a replay needs: the Files API's resumable upload reads its ``x-goog-upload-*`` headers.
KEPT_RESPONSE_HEADERS = ("content-type", STANDIN_HEADER, LESSON_FAULT_HEADER)
KEPT_RESPONSE_HEADER_PREFIX = "x-goog-upload-"
#: Request headers kept to document a recording (never matched on): the Interactions API's revision.
KEPT_REQUEST_HEADERS = ("content-type", "api-revision")


class CassetteProblem(Exception):
    """A cassette is missing, unreadable or hand-edited into something invalid."""


class SecretLeak(Exception):
    """Raised instead of writing a cassette that would contain the API key."""


def cassette_dir() -> Path:
    """Where cassettes live: ``GEMINI_CASSETTE_DIR`` or ``notebooks/cassettes``."""
    override = os.environ.get("GEMINI_CASSETTE_DIR")
    return Path(override) if override else REPO_ROOT / "notebooks" / "cassettes"


def cassette_path(notebook: str) -> Path:
    """The committed cassette of a notebook."""
    return cassette_dir() / f"{notebook}.yaml"


def recording_path(notebook: str) -> Path:
    """Where a recording is written until its notebook has run clean."""
    override = os.environ.get("GEMINI_RECORD_DIR")
    folder = Path(override) if override else cassette_dir() / ".recording"
    return folder / f"{notebook}.yaml"


# --- bodies -------------------------------------------------------------------


def digest(data: bytes) -> str:
    """How image bytes are stored: ``sha256:<hex> (<n> bytes)``."""
    return f"sha256:{hashlib.sha256(data).hexdigest()} ({len(data)} bytes)"


def digest_inline_data(value: Any) -> Any:
    """Replace every large ``inlineData.data`` by the digest of its bytes."""
    if isinstance(value, list):
        return [digest_inline_data(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: digest_inline_data(item) for key, item in value.items()}
    data = result.get("data")
    is_blob = "mimeType" in result or "mime_type" in result
    if is_blob and isinstance(data, str) and len(data) > INLINE_DATA_LIMIT and not data.startswith("sha256:"):
        result["data"] = digest(decode_base64(data))
    return result


def decode_base64(data: str) -> bytes:
    """Standard or URL-safe base64 (google-genai sends inline bytes URL-safe), padding optional."""
    return base64.b64decode(data.replace("-", "+").replace("_", "/") + "=" * (-len(data) % 4))


def parse_body(body: bytes | str | None) -> Any:
    """A body as JSON with images digested, or as text when it is not JSON."""
    if body is None or body == b"" or body == "":
        return None
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:  # an upload's raw bytes: kept as their digest
            return digest(body)
    else:
        text = body
    try:
        return digest_inline_data(json.loads(text))
    except ValueError:
        return text


def normalised_body(request: VcrRequest) -> str:
    """A canonical form of a request body, for matching."""
    body = request.body
    return _normalised(body) if isinstance(body, (bytes, str, type(None))) else _canonical(body)


@functools.lru_cache(maxsize=1024)
def _normalised(body: bytes | str | None) -> str:
    """Every request is compared with every recorded one: each body is parsed once, not once a comparison."""
    return _canonical(body)


def _canonical(body: Any) -> str:
    return json.dumps(parse_body(body), sort_keys=True, ensure_ascii=False)


def match_page(r1: VcrRequest, r2: VcrRequest) -> None:
    """vcrpy matcher: the same page of a paged list (``pageToken``, ``pageSize``)."""
    pages = [{k: v for k, v in r.query if k in ("pageToken", "pageSize")} for r in (r1, r2)]
    if pages[0] != pages[1]:
        raise AssertionError(f"different pages: {pages[0]} != {pages[1]}")


def match_json_body(r1: VcrRequest, r2: VcrRequest) -> None:
    """vcrpy matcher: the two bodies are the same JSON, images compared by digest."""
    if normalised_body(r1) != normalised_body(r2):
        raise AssertionError("request bodies differ")


def prompt_of(body: Any) -> str:
    """The text a learner typed, read back out of a request body."""
    if not isinstance(body, dict):
        return "" if body is None else str(body)
    if "requests" in body:  # batchEmbedContents
        return " | ".join(prompt_of(r) for r in body["requests"])
    if "content" in body:  # embedContent
        return " ".join(p.get("text", "") for p in body["content"].get("parts", []))
    if "input" in body:  # the Interactions API: a string, a list of content or of turns
        return _interaction_input_text(body["input"])
    contents = body.get("contents") or []
    if not contents:
        return ""
    parts = contents[-1].get("parts", [])
    return " ".join(p.get("text", "[image]") for p in parts)


def _interaction_input_text(value: Any) -> str:
    """The learner's text in an Interactions API ``input``: its last turn when it is a list of turns."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "content" in value:
            return _interaction_input_text(value["content"])
        return str(value.get("text", f"[{value.get('type', 'content')}]"))
    if isinstance(value, list) and value:
        if all(isinstance(item, dict) and "role" in item for item in value):
            return _interaction_input_text(value[-1])
        turns = [item for item in value if isinstance(item, dict) and item.get("type") == "user_input"]
        if turns:  # a list of steps, the SDK's own multi-turn form: the last user input
            return _interaction_input_text(turns[-1])
        return " ".join(_interaction_input_text(item) for item in value)
    return ""


# --- hooks --------------------------------------------------------------------


def clean_request(request: VcrRequest) -> VcrRequest:
    """Keep only what matching needs: no headers, images as digests."""
    for name in list(request.headers):
        if name.lower() not in KEPT_REQUEST_HEADERS:
            del request.headers[name]
    body = parse_body(request.body)
    if isinstance(body, (dict, list)):
        request.body = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return request


def response_cleaner(
    endpoint: str, *, drop_transient: bool = False
) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """A vcrpy hook that trims headers and writes where the response came from.

    With ``drop_transient`` (record mode), a transient failure (429, 5xx) is not
    recorded: the retry repeats the call, and a replay must find the answer that
    followed, not the failed attempt. A failure the stand-in marks as a lesson's
    (:data:`LESSON_FAULT_HEADER`: a 429 that the notebook's own retry gets past)
    is recorded, and replay plays the failure and then the answer, in order.
    (vcrpy also runs this hook on every interaction it loads, so replay keeps
    what the cassette holds.)
    """

    def clean_response(response: dict[str, Any]) -> dict[str, Any] | None:
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        transient = int(response.get("status", {}).get("code", 200)) in TRANSIENT_STATUS_CODES
        if drop_transient and transient and LESSON_FAULT_HEADER not in headers:
            return None
        standin = headers.get(STANDIN_HEADER)
        if "origin" in response:  # loaded from a cassette: keep what it says
            origin = response["origin"]
        elif standin:
            origin = f"authored: served by a local stand-in ({_first(standin)}), not by Gemini"
        else:
            origin = f"recorded from {endpoint} on {date.today().isoformat()}"
        response["headers"] = {k: _without_key(v) for k, v in sorted(headers.items()) if _kept_response_header(k)}
        response["origin"] = origin
        return response

    return clean_response


def _kept_response_header(name: str) -> bool:
    return name in KEPT_RESPONSE_HEADERS or name.startswith(KEPT_RESPONSE_HEADER_PREFIX)


def _without_key(value: Any) -> Any:
    """A header value with any ``key=`` query parameter removed (an upload URL may carry one)."""
    if isinstance(value, list):
        return [_without_key(v) for v in value]
    if not isinstance(value, str) or "key=" not in value:
        return value
    parts = urlsplit(value)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() != "key"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _first(value: Any) -> str:
    return value[0] if isinstance(value, list) and value else str(value)


# --- the YAML format ----------------------------------------------------------


#: libyaml's loader where PyYAML was built with it (6-14x faster on a 500 KB cassette), else the pure-Python one.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as readable blocks."""


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


@dataclass
class CassetteSerializer:
    """vcrpy serializer: readable YAML, and never a secret on disk."""

    forbidden: tuple[str, ...] = ()

    def serialize(self, data: dict[str, Any]) -> str:
        """vcrpy's cassette dict -> YAML text."""
        metadata = data.get("metadata") or {}
        document = {
            "provenance": metadata.get("provenance", {}),
            "interactions": [_interaction_out(i) for i in data["interactions"]],
            "version": data.get("version", 1),
        }
        document["digest"] = interactions_digest(document["interactions"])
        text = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
        for secret in self.forbidden:
            if secret and secret in text:
                raise SecretLeak(tr("the API key is in the cassette about to be written; it was not written"))
        return text

    def deserialize(self, text: str) -> dict[str, Any]:
        """YAML text -> vcrpy's cassette dict; hand-edits and damage are checked."""
        if not text.strip():
            raise CassetteProblem(tr("it is empty"))
        try:
            document = yaml.load(text, Loader=_SafeLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            if mark is not None:
                raise CassetteProblem(
                    tr("it is not valid YAML (line {line}: {problem})", line=mark.line + 1, problem=problem)
                ) from None
            raise CassetteProblem(tr("it is not valid YAML ({problem})", problem=problem)) from None
        if not isinstance(document, dict) or not isinstance(document.get("interactions"), list):
            raise CassetteProblem(tr("it has no 'interactions' list"))
        interactions = []
        for number, item in enumerate(document["interactions"], start=1):
            try:
                interactions.append(_interaction_in(item))
            except KeyError as error:
                raise CassetteProblem(
                    tr("interaction {number} is incomplete (missing {missing})", number=number, missing=error)
                ) from None
            except (TypeError, AttributeError, ValueError) as error:
                raise CassetteProblem(
                    tr("interaction {number} is malformed ({problem})", number=number, problem=error)
                ) from None
        _check_digest(document)
        return {
            "version": document.get("version", 1),
            "interactions": interactions,
            "metadata": {"provenance": document.get("provenance") or {}},
        }


def interactions_digest(interactions: list[Any]) -> str:
    """The SHA-256 of a cassette's interactions, written as its last line, to detect damage."""
    canonical = json.dumps(interactions, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _check_digest(document: dict[str, Any]) -> None:
    """A cassette cut short, or edited by hand, no longer matches the digest it was written with."""
    stored = document.get("digest")
    if not stored:
        raise CassetteProblem(tr("it has no digest line at its end, so it was probably cut short"))
    if stored != interactions_digest(document["interactions"]):
        raise CassetteProblem(
            tr("its interactions no longer match the digest written with them: it was cut short or edited by hand")
        )


def _is_event_stream(headers: dict[str, Any]) -> bool:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return "text/event-stream" in _first(content_type)


def sse_events(text: str) -> list[dict[str, Any]]:
    """Server-sent events as a list: each event's fields, its ``data`` parsed as JSON when it is."""
    events = []
    for block in re.split(r"\r?\n\r?\n", text.replace("\r\n", "\n")):
        if not block.strip():
            continue
        event: dict[str, Any] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            event[name] = event[name] + "\n" + value if name in event else value
        if "data" in event:
            with contextlib.suppress(ValueError):  # data that is not JSON stays text
                event["data"] = digest_inline_data(json.loads(event["data"]))
        events.append(event)
    return events


def sse_text(events: list[dict[str, Any]]) -> str:
    """The body of a stream from :func:`sse_events`' list, one event after another."""
    blocks = []
    for event in events:
        lines = []
        for name, value in event.items():
            text = json.dumps(value, ensure_ascii=False) if name == "data" and not isinstance(value, str) else value
            lines.extend(f"{name}: {line}" for line in str(text).split("\n"))
        blocks.append("\r\n".join(lines) + "\r\n\r\n")
    return "".join(blocks)


def _stored_body(body: Any, headers: dict[str, Any]) -> dict[str, Any]:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else (body or "")
    if _is_event_stream(headers):
        return {"events": sse_events(text)}
    parsed = parse_body(body)
    if not isinstance(parsed, (dict, list)):
        return {"string": text}
    if _count_numbers(parsed) > NUMBERS_STORED_AS_TEXT:
        return {"string": _json_with_number_lists_on_one_line(parsed)}
    return {"json": parsed}


#: A response with more numbers than this (embedding vectors) is stored as JSON text, not as YAML
#: nodes: loading 20,000 numbers as YAML nodes takes about a second, as one text a few milliseconds.
NUMBERS_STORED_AS_TEXT = 500


def _count_numbers(value: Any) -> int:
    """How many numbers a parsed JSON value holds, at any depth."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)):
        return 1
    if isinstance(value, dict):
        return sum(_count_numbers(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count_numbers(v) for v in value)
    return 0


_NUMBER_LIST = re.compile(r"\[\s*(-?[\d.eE+-]+(?:,\s*-?[\d.eE+-]+)*)\s*\]")


def _json_with_number_lists_on_one_line(value: Any) -> str:
    """JSON indented for reading, each list of numbers (a vector) kept on a single line."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return _NUMBER_LIST.sub(lambda match: "[" + re.sub(r",\s*", ", ", match.group(1).strip()) + "]", text) + "\n"


def _interaction_out(interaction: dict[str, Any]) -> dict[str, Any]:
    request, response = interaction["request"], interaction["response"]
    request_headers = {k.lower(): _first(v) for k, v in (request.get("headers") or {}).items()}
    kept = {k: v for k, v in request_headers.items() if k in KEPT_REQUEST_HEADERS and k != "content-type"}
    return {
        "request": {
            "method": request["method"],
            "uri": request["uri"],
            **({"headers": kept} if kept else {}),
            "body": parse_body(request.get("body")),
        },
        "response": {
            "origin": response.get("origin", "unknown"),
            "status": response["status"],
            "headers": response.get("headers", {}),
            "body": _stored_body(response.get("body", {}).get("string", ""), response.get("headers", {})),
        },
    }


def _interaction_in(item: dict[str, Any]) -> dict[str, Any]:
    request, response = item["request"], item["response"]
    if not isinstance(request["method"], str) or not isinstance(request["uri"], str):
        raise TypeError(tr("its request method and uri must be text"))
    body = request.get("body")
    stored = response["body"]
    if "events" in stored:
        text = sse_text(stored["events"])
    elif "json" in stored:
        text = json.dumps(stored["json"], ensure_ascii=False)
    else:
        text = stored["string"]
    headers = {"content-type": ["application/json"]} if body is not None else {}
    headers.update({k: [v] for k, v in (request.get("headers") or {}).items()})
    return {
        "request": {
            "method": request["method"],
            "uri": request["uri"],
            "body": None if body is None else json.dumps(body, ensure_ascii=False),
            "headers": headers,
        },
        "response": {
            "origin": response.get("origin", "unknown"),
            "status": {"code": int(response["status"]["code"]), "message": response["status"]["message"]},
            "headers": response.get("headers", {}),
            "body": {"string": text},
        },
    }


# --- opening a cassette -------------------------------------------------------


@dataclass
class OpenCassette:
    """A cassette in use: keep it to save it, close it, or explain a miss."""

    notebook: str
    path: Path
    cassette: Cassette
    context: Any
    recording: bool
    #: Provenance of embedding vectors, written only once the cassette holds an embedding call.
    embeddings_note: str = ""

    @property
    def provenance(self) -> dict[str, Any]:
        """The cassette's provenance block (empty if it has none)."""
        try:
            return dict(self.cassette.get_metadata("provenance", {}))
        except vcr.errors.CannotOverwriteExistingCassetteException:
            return {}

    def save(self) -> None:
        """Write what was recorded so far (record mode only)."""
        if self.recording and self.cassette.dirty:
            _update_provenance(self)
            self.cassette._save()

    def close(self) -> None:
        """Stop intercepting HTTP; in record mode the cassette is written."""
        if self.recording:
            _update_provenance(self)
        self.context.__exit__(None, None, None)


def _update_provenance(open_cassette: OpenCassette) -> None:
    provenance = open_cassette.cassette.get_metadata("provenance", {})
    origins = [r.get("origin", "") for r in open_cassette.cassette.responses]
    authored = [o for o in origins if o.startswith("authored")]
    if authored and len(authored) == len(origins):
        provenance["source"] = "authored"
    elif authored:
        provenance["source"] = "mixed"
    else:
        provenance["source"] = "recorded"
    embeds = any(r.path.endswith(("embedContent", "batchEmbedContents")) for r in open_cassette.cassette.requests)
    if embeds and open_cassette.embeddings_note:
        provenance["embeddings"] = open_cassette.embeddings_note
    else:
        provenance.pop("embeddings", None)
    open_cassette.cassette.dirty = True


def missing_cassette_message(path: Path, notebook: str) -> str:
    """What to do when there is no cassette: a misspelt notebook name, or a deleted file."""
    known = sorted(p.stem for p in (REPO_ROOT / "notebooks").glob("[0-9]*.ipynb"))
    if known and notebook not in known:
        close = difflib.get_close_matches(notebook, known, n=1, cutoff=0.5)
        if close:
            return tr(
                "{path} does not exist, so notebook {notebook} has no recordings to replay: the series has no "
                "notebook of that name. Did you mean helpers.setup({close})? The names are: {names}.",
                path=path,
                notebook=repr(notebook),
                close=repr(close[0]),
                names=", ".join(known),
            )
        return tr(
            "{path} does not exist, so notebook {notebook} has no recordings to replay: the series has no "
            "notebook of that name. The names are: {names}.",
            path=path,
            notebook=repr(notebook),
            names=", ".join(known),
        )
    return tr(
        "{path} does not exist, so notebook {notebook} has no recordings to replay. "
        "{hint} With a key, the notebook also runs live without it.",
        path=path,
        notebook=notebook,
        hint=restore_hint(path, notebook),
    )


def restore_hint(path: Path, notebook: str) -> str:
    """How to get a good cassette back: from git, or by recording it again."""
    try:
        shown = path.resolve().relative_to(REPO_ROOT)
    except ValueError:
        shown = path
    return tr(
        "Restore the committed one with `git checkout -- {path}` (from the repository's top folder), "
        "or re-record it: `python -m helpers record {notebook}` (needs a key).",
        path=shown,
        notebook=notebook,
    )


def unusable_message(path: Path, problem: str, notebook: str) -> str:
    """A cassette that is there but cannot be used: what is wrong with it, and how to get a good one back."""
    return tr("{path} cannot be used: {problem}. {hint}", path=path, problem=problem, hint=restore_hint(path, notebook))


def _check_text(path: Path) -> None:
    """vcrpy treats a cassette it cannot decode as empty; say what is wrong instead."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        problem = tr("it is not UTF-8 text (byte {byte} is not)", byte=error.start)
        raise CassetteProblem(unusable_message(path, problem, path.stem)) from None
    if not text.strip():
        raise CassetteProblem(unusable_message(path, tr("it is empty"), path.stem))


def play_least_played(cassette: Cassette, request: VcrRequest) -> dict[str, Any]:
    """Play the matching response played least often, the earliest on a tie.

    vcrpy's own ``allow_playback_repeats`` plays the first match every time,
    so a request sent several times with different answers (polling an
    Interaction running in the background until it completes) would get the
    first answer forever. Least-played-first gives the recorded answers in
    their order, and a re-run cell the same sequence again.
    """
    matches = list(cassette._responses(request))
    if not matches:
        raise vcr.errors.UnhandledHTTPRequestError(f"{cassette._path} has no recording of {request!r}")
    index, response = min(matches, key=lambda match: (cassette.play_counts[match[0]], match[0]))
    if cassette.play_counts[index] == 0 and index < cassette._loaded_count:
        cassette._played_interactions.append((cassette.data[index][0], response))
    cassette.play_counts[index] += 1
    return response


def _can_play_while_recording(cassette: Cassette, request: VcrRequest) -> bool:
    """In record mode: play back a request this run already recorded, except a GET.

    A repeated POST (the same prompt sent again by a later cell or a widget)
    is played back, so the record run sees exactly what replay will. A GET
    reads the current state of something (an Interaction running in the
    background, a file being processed), which changes between calls: it is
    sent every time, and replay then plays the recorded answers in order.
    A POST whose recorded answers are all a lesson's failures
    (:data:`LESSON_FAULT_HEADER`) is sent again too: it is the retry after
    that failure, and what it gets (the next failure, then the answer) is
    recorded after it, in the order replay plays them.
    """
    if request.method == "GET" or not Cassette.can_play_response_for(cassette, request):
        return False
    return not all(_is_lesson_fault(response) for _, response in cassette._responses(request))


def _is_lesson_fault(response: dict[str, Any]) -> bool:
    """A recorded failure the stand-in served on purpose, as part of a lesson."""
    return any(str(name).lower() == LESSON_FAULT_HEADER for name in response.get("headers", {}))


def _save_as_is(request: VcrRequest, response: dict[str, Any]) -> tuple[VcrRequest, dict[str, Any]]:
    """A save hook that changes nothing (see ``before_save_interaction`` in :func:`open_cassette`)."""
    return request, response


def open_cassette(
    notebook: str,
    *,
    recording: bool,
    endpoint: str,
    provenance: dict[str, Any] | None = None,
    secrets: Iterable[str] = (),
) -> OpenCassette:
    """Start replaying (or recording) the HTTP calls of ``notebook``."""
    path = recording_path(notebook) if recording else cassette_path(notebook)
    if recording:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    elif not path.is_file():
        raise CassetteProblem(missing_cassette_message(path, notebook))
    else:
        _check_text(path)
    serializer_name = f"gemini-cassette-{notebook}"
    recorder = vcr.VCR(
        serializer=serializer_name,
        # Record: a request this run already recorded is played back, not sent again, so the
        # record run sees exactly what replay will. Replay: only what the cassette holds.
        record_mode="new_episodes" if recording else "none",
        match_on=("method", "path", "page", "json_body"),
        filter_query_parameters=["key"],
        before_record_request=clean_request,
        before_record_response=response_cleaner(endpoint, drop_transient=recording),
        decode_compressed_response=True,
        # vcrpy serializes the interactions it holds in memory in place (bodies become text) unless
        # a save hook exists, in which case it saves copies: with one, a response recorded earlier
        # in this run can still be played back after a save.
        before_save_interaction=_save_as_is,
    )
    recorder.register_serializer(serializer_name, CassetteSerializer(tuple(s for s in secrets if s)))
    recorder.register_matcher("json_body", match_json_body)
    recorder.register_matcher("page", match_page)
    context = recorder.use_cassette(str(path), allow_playback_repeats=True)
    try:
        cassette = context.__enter__()
    except CassetteProblem as error:
        raise CassetteProblem(unusable_message(path, str(error), notebook)) from None
    cassette.play_response = functools.partial(play_least_played, cassette)
    if recording:
        cassette.can_play_response_for = functools.partial(_can_play_while_recording, cassette)
    provenance = dict(provenance or {})
    embeddings_note = str(provenance.pop("embeddings", "") or "")
    if recording:
        cassette.get_metadata("provenance", provenance)
    return OpenCassette(notebook, path, cassette, context, recording, embeddings_note)
