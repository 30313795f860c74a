"""A local stand-in for the Gemini REST endpoint.

The stand-in speaks the small part of the ``v1beta`` REST API that the series
uses (list models, generate, stream, count tokens, embed) on ``127.0.0.1``.
Point the SDK at it with ``GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:PORT``.

It exists for three jobs, none of which can reach the real Gemini from here:

* tests prove the live and record paths, the error messages and the retries;
* maintainers author the first cassettes (``python -m helpers record --standin``),
  which are then marked ``authored``, never ``recorded``;
* a workshop can run the notebooks "live" with no internet at all.

Every response carries the header ``x-gemini-standin`` so that a recording made
against the stand-in can never pass for one made against Gemini.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .. import models as model_names

STANDIN_HEADER = "x-gemini-standin"

FINISH_REASONS = ["FINISH_REASON_UNSPECIFIED", "STOP", "MAX_TOKENS", "SAFETY", "RECITATION", "OTHER"]
TASK_TYPES = [
    "TASK_TYPE_UNSPECIFIED",
    "RETRIEVAL_QUERY",
    "RETRIEVAL_DOCUMENT",
    "SEMANTIC_SIMILARITY",
    "CLASSIFICATION",
    "CLUSTERING",
    "QUESTION_ANSWERING",
    "FACT_VERIFICATION",
    "CODE_RETRIEVAL_QUERY",
]
HARM_CATEGORIES = {
    "HARM_CATEGORY_HARASSMENT": 7,
    "HARM_CATEGORY_HATE_SPEECH": 8,
    "HARM_CATEGORY_SEXUALLY_EXPLICIT": 9,
    "HARM_CATEGORY_DANGEROUS_CONTENT": 10,
}
HARM_PROBABILITIES = ["HARM_PROBABILITY_UNSPECIFIED", "NEGLIGIBLE", "LOW", "MEDIUM", "HIGH"]
BLOCK_REASONS = ["BLOCK_REASON_UNSPECIFIED", "SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT"]

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


@dataclass
class Reply:
    """What the stand-in answers to one prompt."""

    text: str
    finish_reason: str = "STOP"
    #: For blocked answers: ``{"HARM_CATEGORY_...": "MEDIUM", ...}``.
    safety_ratings: dict[str, str] = field(default_factory=dict)
    #: Block the prompt itself (``"SAFETY"``, ``"OTHER"``...): no candidates, only ``promptFeedback``.
    block_reason: str | None = None


@dataclass
class Request:
    """One generate request, reduced to what an answerer needs."""

    model: str
    prompt: str
    image_digests: list[str]
    history: list[dict[str, Any]]
    config: dict[str, Any]
    candidate_index: int = 0


class EchoAnswerer:
    """Deterministic answers that say plainly that they come from the stand-in."""

    def reply(self, request: Request) -> Reply | str:
        """Answer a generate request."""
        images = f" and {len(request.image_digests)} image(s)" if request.image_digests else ""
        return f"Stand-in reply from {request.model} to “{request.prompt}”{images}."

    def embed(self, text: str, task_type: str, title: str | None, dimensions: int) -> list[float]:
        """A unit vector from hashed words: similar wording gives similar vectors."""
        vector = [0.0] * dimensions
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.sha256(word.encode()).digest()
            vector[int.from_bytes(digest[:4], "big") % dimensions] += 1.0 if digest[4] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [round(v / norm, 6) for v in vector]


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


#: What the stand-in serves, by name and display name: the models of ``helpers.models``.
DEFAULT_MODELS = {
    model_names.DEFAULT_TEXT_MODEL: model_names.DEFAULT_DISPLAY_NAMES[model_names.DEFAULT_TEXT_MODEL],
    **model_names.OTHER_CURRENT_MODELS,
    model_names.DEFAULT_EMBEDDING_MODEL: model_names.DEFAULT_DISPLAY_NAMES[model_names.DEFAULT_EMBEDDING_MODEL],
}


class StandIn:
    """A threaded HTTP server on 127.0.0.1 that stands in for Gemini.

    Use it as a context manager::

        with StandIn() as server:
            os.environ["GOOGLE_GEMINI_BASE_URL"] = server.url
    """

    def __init__(
        self,
        answerer: Any | None = None,
        *,
        valid_keys: set[str] | None = None,
        models: dict[str, str] | None = None,
        description: str = "helpers.plumbing.standin (echo answers)",
        port: int = 0,
        chunk_words: int = 12,
        announce: bool = True,
        models_per_page: int | None = None,
    ) -> None:
        """``announce=False`` drops the stand-in header: only for tests of the *recorded* path."""
        self.answerer = answerer or EchoAnswerer()
        self.valid_keys = valid_keys
        self.models = dict(models or DEFAULT_MODELS)
        self.description = description
        self.chunk_words = chunk_words
        #: Serve the model list in pages of this size (as Gemini does past ``pageSize``).
        self.models_per_page = models_per_page
        self.announce = announce
        self.faults: list[Fault] = []
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to put in ``GOOGLE_GEMINI_BASE_URL``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StandIn:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, *faults: Fault) -> None:
        """Queue failures; each is served ``times`` times, in order."""
        with self._lock:
            self.faults.extend(faults)

    def next_fault(self, path: str) -> Fault | None:
        """Take the next queued fault that applies to ``path``."""
        with self._lock:
            for fault in self.faults:
                if fault.path_contains in path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None


class StandInError(Exception):
    """An error the stand-in answers with, shaped like Gemini's error bodies."""

    def __init__(self, status: int, status_name: str, message: str, details: list | None = None):
        super().__init__(message)
        self.status, self.status_name, self.message = status, status_name, message
        self.details = details or []

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        error = {"code": self.status, "message": self.message, "status": self.status_name}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def _handler_for(server: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: tests read ``server.received`` instead."""

        def setup(self) -> None:
            """Send headers and body at once: no 40 ms wait for a delayed ACK on each answer."""
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            self.cut_body = False
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            query = parse_qs(unquote(url.query).replace(";", "&"))
            key = self.headers.get("x-goog-api-key") or (query.get("key") or [""])[0]
            server.received.append({"method": method, "path": url.path, "body": body, "key": key})
            ints = "int" in (query.get("enum-encoding") or [""])[0]
            fault = server.next_fault(url.path)
            if fault is not None:
                if fault.kind == "reset":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault.kind == "delay":
                    time.sleep(fault.seconds)
                elif fault.kind == "cut":
                    self.cut_body = True
                else:
                    self._send_json(_fault_error(fault).status, _fault_error(fault).body())
                    return
            try:
                _check_key(server, key)
                status, payload = _route(server, method, url.path, body, ints, query)
            except StandInError as error:
                self._send_json(error.status, error.body())
                return
            except Exception as error:  # an answerer that has no answer: say so, loudly
                failure = StandInError(500, "INTERNAL", f"stand-in answerer failed: {error}")
                self._send_json(500, failure.body())
                return
            if isinstance(payload, list):
                chunks = [json.dumps(c) for c in payload]
                self._send_raw(status, ("[" + ",\r\n".join(chunks) + "]").encode(), "application/json")
            else:
                self._send_json(status, payload)

        def _send_json(self, status: int, payload: dict[str, Any]) -> None:
            self._send_raw(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

        def _send_raw(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("content-type", f"{content_type}; charset=UTF-8")
            self.send_header("content-length", str(len(data)))
            if server.announce:
                self.send_header(STANDIN_HEADER, server.description)
            self.end_headers()
            try:
                if self.cut_body:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout): fine
                self.close_connection = True

    return Handler


def _fault_error(fault: Fault) -> StandInError:
    details: list[dict[str, Any]] = []
    if fault.reason:
        details.append({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": fault.reason})
    if fault.retry_delay:
        details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": fault.retry_delay})
    return StandInError(fault.status, fault.status_name, fault.message, details)


def _check_key(server: StandIn, key: str) -> None:
    if not key:
        raise StandInError(
            403,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). "
            "Please use API Key or other form of API consumer identity to call this API.",
        )
    if server.valid_keys is not None and key not in server.valid_keys:
        raise StandInError(
            400,
            "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
            [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
        )


def _route(
    server: StandIn, method: str, path: str, body: dict, ints: bool, query: dict[str, list[str]] | None = None
) -> tuple[int, Any]:
    match = re.fullmatch(r"/v1beta/models(?:/([^:/]+))?(?::(\w+))?", path)
    if not match:
        raise StandInError(404, "NOT_FOUND", f"The stand-in does not serve {path}.")
    model, action = match.groups()
    if model is None:
        return 200, _model_page(server, (query or {}).get("pageToken", ["0"])[0])
    if model not in server.models:
        reason = "is retired" if model in model_names.RETIRED_MODELS else "is not found"
        raise StandInError(
            404,
            "NOT_FOUND",
            f"models/{model} is not found for API version v1beta, or is not supported for "
            f"{action or 'get'}. Call ListModels to see the list of available models and their "
            f"supported methods. (stand-in: the model {reason})",
        )
    if action is None:
        return 200, _model_info(model, server.models[model])
    if action == "generateContent":
        return 200, _generate(server, model, body, ints)
    if action == "streamGenerateContent":
        return 200, _stream(server, model, body, ints)
    if action == "countTokens":
        # The SDK wraps the contents in a generateContentRequest; the REST API accepts both.
        contents = body.get("contents") or body.get("generateContentRequest", {}).get("contents", [])
        return 200, {"totalTokens": sum(count_tokens(t) for t in _all_texts(contents))}
    if action == "embedContent":
        return 200, {"embedding": {"values": _embed(server, body)}}
    if action == "batchEmbedContents":
        return 200, {"embeddings": [{"values": _embed(server, r)} for r in body.get("requests", [])]}
    raise StandInError(400, "INVALID_ARGUMENT", f"The stand-in does not implement {action}.")


def _model_page(server: StandIn, token: str) -> dict[str, Any]:
    """One page of the model list; the page token is the index of its first model."""
    every = [_model_info(name, title) for name, title in server.models.items()]
    size = server.models_per_page or len(every)
    start = int(token or 0)
    page: dict[str, Any] = {"models": every[start : start + size]}
    if start + size < len(every):
        page["nextPageToken"] = str(start + size)
    return page


def _model_info(name: str, title: str) -> dict[str, Any]:
    embedding = "embedding" in name
    return {
        "name": f"models/{name}",
        "version": "001" if embedding else "stand-in",
        "displayName": title,
        "description": f"{title}, as served by the local stand-in.",
        "inputTokenLimit": 2048 if embedding else 1048576,
        "outputTokenLimit": 1 if embedding else 65536,
        "supportedGenerationMethods": (
            ["embedContent", "batchEmbedContents", "countTextTokens"]
            if embedding
            else ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]
        ),
    }


def _all_texts(contents: list[dict[str, Any]]) -> list[str]:
    return [p["text"] for c in contents for p in c.get("parts", []) if "text" in p]


def _image_digests(content: dict[str, Any]) -> list[str]:
    digests = []
    for part in content.get("parts", []):
        blob = part.get("inlineData") or part.get("inline_data")
        if blob:
            digests.append(hashlib.sha256(base64.b64decode(blob["data"])).hexdigest())
    return digests


def _parse_request(model: str, body: dict[str, Any]) -> Request:
    contents = body.get("contents", [])
    last = contents[-1] if contents else {"parts": []}
    return Request(
        model=model,
        prompt="\n".join(_all_texts([last])),
        image_digests=_image_digests(last),
        history=contents[:-1],
        config=body.get("generationConfig", {}),
    )


def _enum(names: list[str] | dict[str, int], value: str, ints: bool) -> int | str:
    if not ints:
        return value
    return names[value] if isinstance(names, dict) else names.index(value)


def _candidate(reply: Reply, index: int, config: dict[str, Any], ints: bool) -> tuple[dict, int]:
    text, finish = reply.text, reply.finish_reason
    if finish == "STOP":
        text = cut_at_stop_sequence(text, config.get("stopSequences", []))
        limit = config.get("maxOutputTokens")
        if limit is not None and count_tokens(text) > int(limit):
            text, finish = truncate_to_tokens(text, int(limit)), "MAX_TOKENS"
    candidate: dict[str, Any] = {"finishReason": _enum(FINISH_REASONS, finish, ints), "index": index}
    if text:
        candidate["content"] = {"parts": [{"text": text}], "role": "model"}
    candidate.update(_ratings(reply, ints))
    return candidate, count_tokens(text)


def _ratings(reply: Reply, ints: bool) -> dict[str, Any]:
    if not reply.safety_ratings:
        return {}
    return {
        "safetyRatings": [
            {
                "category": _enum(HARM_CATEGORIES, category, ints),
                "probability": _enum(HARM_PROBABILITIES, probability, ints),
                **({"blocked": True} if probability in ("MEDIUM", "HIGH") else {}),
            }
            for category, probability in reply.safety_ratings.items()
        ]
    }


def _replies(server: StandIn, model: str, body: dict[str, Any]) -> tuple[Request, list[Reply]]:
    request = _parse_request(model, body)
    replies = []
    for index in range(int(request.config.get("candidateCount", 1))):
        request.candidate_index = index
        reply = server.answerer.reply(request)
        replies.append(Reply(reply) if isinstance(reply, str) else reply)
    return request, replies


def _usage(body: dict[str, Any], output_tokens: int) -> dict[str, int]:
    prompt_tokens = sum(count_tokens(t) for t in _all_texts(body.get("contents", [])))
    prompt_tokens += 258 * sum(len(_image_digests(c)) for c in body.get("contents", []))
    return {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": output_tokens,
        "totalTokenCount": prompt_tokens + output_tokens,
    }


def _generate(server: StandIn, model: str, body: dict[str, Any], ints: bool) -> dict[str, Any]:
    request, replies = _replies(server, model, body)
    blocked = next((r for r in replies if r.block_reason), None)
    if blocked is not None:
        feedback = {"blockReason": _enum(BLOCK_REASONS, blocked.block_reason or "", ints)}
        feedback.update(_ratings(blocked, ints))
        return {"promptFeedback": feedback, "usageMetadata": _usage(body, 0), "modelVersion": model}
    candidates, output_tokens = [], 0
    for index, reply in enumerate(replies):
        candidate, tokens = _candidate(reply, index, request.config, ints)
        candidates.append(candidate)
        output_tokens += tokens
    return {"candidates": candidates, "usageMetadata": _usage(body, output_tokens), "modelVersion": model}


def _stream(server: StandIn, model: str, body: dict[str, Any], ints: bool) -> list[dict[str, Any]]:
    whole = _generate(server, model, body, ints)
    if "candidates" not in whole:  # a blocked prompt: one chunk with the feedback
        return [whole]
    candidate = whole["candidates"][0]
    text = candidate.get("content", {}).get("parts", [{}])[0].get("text", "")
    pieces = re.findall(r"\S+\s*", text)
    groups = ["".join(pieces[i : i + server.chunk_words]) for i in range(0, len(pieces), server.chunk_words)] or [""]
    if text and not text[0].strip():
        groups[0] = text[: len(text) - len(text.lstrip())] + groups[0]
    chunks: list[dict[str, Any]] = [
        {"candidates": [{"content": {"parts": [{"text": piece}], "role": "model"}, "index": 0}], "modelVersion": model}
        for piece in groups
        if piece
    ]
    # As Gemini does, the last chunk carries the finish reason and the usage, and no text part at all:
    # `chunk.text` raises on it, which is why the notebooks check `chunk.parts` first.
    final: dict[str, Any] = {"content": {"role": "model"}, "finishReason": candidate["finishReason"], "index": 0}
    if "safetyRatings" in candidate:
        final["safetyRatings"] = candidate["safetyRatings"]
    chunks.append({"candidates": [final], "usageMetadata": whole["usageMetadata"], "modelVersion": model})
    return chunks


def _embed(server: StandIn, body: dict[str, Any]) -> list[float]:
    text = "\n".join(_all_texts([body.get("content", {})]))
    task = body.get("taskType", 0)
    task_name = TASK_TYPES[task] if isinstance(task, int) else task
    title = body.get("title")
    if title and task_name != "RETRIEVAL_DOCUMENT":
        raise StandInError(400, "INVALID_ARGUMENT", "Title is only applicable for RETRIEVAL_DOCUMENT task type.")
    dimensions = int(body.get("outputDimensionality") or 3072)
    return server.answerer.embed(text, task_name, title, dimensions)
