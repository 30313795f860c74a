"""The HTTP server: one thread per connection on 127.0.0.1, routes, JSON and SSE answers."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ... import models as model_names
from . import files, generate, interactions
from .problems import Fault, StandInError, fault_error, invalid_argument, lesson_fault_error, not_found
from .replies import EchoAnswerer, Reply
from .wire import Answer, Call, Event

STANDIN_HEADER = "x-gemini-standin"
#: The stand-in's clock, unless a test gives another: ids and times in authored cassettes never change.
DEFAULT_CLOCK = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)

#: What the stand-in serves, by name and display name: the models of ``helpers.models``.
DEFAULT_MODELS = {
    model_names.DEFAULT_TEXT_MODEL: model_names.DEFAULT_DISPLAY_NAMES[model_names.DEFAULT_TEXT_MODEL],
    **model_names.OTHER_CURRENT_MODELS,
    model_names.DEFAULT_EMBEDDING_MODEL: model_names.DEFAULT_DISPLAY_NAMES[model_names.DEFAULT_EMBEDDING_MODEL],
}


Route = Callable[["StandIn", Call], Answer]


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
        clock: datetime = DEFAULT_CLOCK,
        background_polls: int = 1,
    ) -> None:
        """``announce=False`` drops the stand-in header: only for tests of the *recorded* path.

        ``clock`` is the time every created file and interaction is stamped with
        (one second later for each); ``background_polls`` is how many
        ``interactions.get`` calls see a background interaction still in progress.
        """
        self.answerer = answerer or EchoAnswerer()
        self.valid_keys = valid_keys
        self.models = dict(models or DEFAULT_MODELS)
        self.description = description
        self.chunk_words = chunk_words
        #: Serve the model list in pages of this size (as Gemini does past ``pageSize``).
        self.models_per_page = models_per_page
        self.announce = announce
        self.clock = clock
        self.faults: list[Fault] = []
        #: How many of each reply's authored ``faults`` have been served, by ``Reply.fault_key``.
        self.lesson_faults_served: dict[str, int] = {}
        self.received: list[dict[str, Any]] = []
        #: What the stand-in answered, in order: ``{"path", "status", "body"}`` or ``{"path", "status", "events"}``.
        self.sent: list[dict[str, Any]] = []
        self.files = files.FileStore(self)
        self.interactions = interactions.InteractionStore(self, background_polls)
        self._ticks = 0
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
        """Start serving."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop serving."""
        self.stop()

    def now(self) -> datetime:
        """The stand-in's time: its clock, one second later at each call (deterministic)."""
        with self._lock:
            self._ticks += 1
            return self.clock + timedelta(seconds=self._ticks - 1)

    def inject(self, *faults: Fault) -> None:
        """Queue failures; each is served ``times`` times, in order."""
        with self._lock:
            self.faults.extend(faults)

    def lesson_fault(self, reply: Reply) -> None:
        """Raise the next of the reply's authored faults that has not been served yet (none left: return)."""
        if not reply.faults:
            return
        with self._lock:
            served = self.lesson_faults_served.get(reply.fault_key, 0)
            if served >= len(reply.faults):
                return
            self.lesson_faults_served[reply.fault_key] = served + 1
        raise lesson_fault_error(reply.faults[served], served, len(reply.faults))

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


def check_key(server: StandIn, key: str) -> None:
    """Refuse a missing or (when the server knows its keys) a wrong API key, as Gemini does."""
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


# --- routes ---------------------------------------------------------------------------------------


def _models_list(server: StandIn, call: Call) -> Answer:
    size = call.param("pageSize")
    return Answer(generate.model_page(server, call.param("pageToken", "0"), int(size) if size else None))


def _model_get(server: StandIn, call: Call) -> Answer:
    version, model = call.groups
    generate.known_model(server, model, None, version)
    return Answer(generate.model_info(model, server.models[model]))


def _model_action(server: StandIn, call: Call) -> Answer:
    version, model, action = call.groups
    generate.known_model(server, model, action, version)
    body = call.body
    if action == "generateContent":
        return Answer(generate.generate(server, model, body, call.ints))
    if action == "streamGenerateContent":
        chunks = generate.stream_chunks(server, model, body, call.ints)
        return Answer(events=chunks) if call.param("alt") == "sse" else Answer(chunks)
    if action == "countTokens":
        return Answer(generate.count(server, body))
    if action == "embedContent":
        return Answer({"embedding": {"values": generate.embed(server, body)}})
    if action == "batchEmbedContents":
        return Answer({"embeddings": [{"values": generate.embed(server, r)} for r in body.get("requests", [])]})
    raise invalid_argument(f"The stand-in does not implement {action}.")


#: (method, path pattern, route). The first that matches answers.
ROUTES: list[tuple[str, re.Pattern[str], Route]] = [
    (method, re.compile(pattern), handler)
    for method, pattern, handler in [
        ("GET", r"/(v1|v1beta)/models", _models_list),
        ("GET", r"/(v1|v1beta)/models/([^:/]+)", _model_get),
        ("POST", r"/(v1|v1beta)/models/([^:/]+):(\w+)", _model_action),
        *files.ROUTES,
        *interactions.ROUTES,
    ]
]


def route(server: StandIn, call: Call) -> Answer:
    """Find the route for ``call`` and answer it."""
    for method, pattern, handler in ROUTES:
        match = pattern.fullmatch(call.path)
        if match and method == call.method:
            call.groups = match.groups()
            return handler(server, call)
    raise not_found(f"The stand-in does not serve {call.method} {call.path}.")


# --- HTTP -----------------------------------------------------------------------------------------


def _record(path: str, answer: Answer) -> dict[str, Any]:
    """What ``server.sent`` keeps of an answer."""
    if answer.events is None:
        return {"path": path, "status": answer.status, "body": answer.body}
    events = [e.data if isinstance(e, Event) else e for e in answer.events]
    return {"path": path, "status": answer.status, "events": events}


def _parse_body(raw: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """A JSON body; raw bytes (an upload) parse to ``{}``."""
    if not raw or ("x-goog-upload-command" in headers and "start" not in headers["x-goog-upload-command"]):
        return {}
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def _handler_for(server: StandIn) -> type[BaseHTTPRequestHandler]:
    """The request handler class, bound to ``server``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: tests read ``server.received`` instead."""

        def setup(self) -> None:
            """Send headers and body at once: no 40 ms wait for a delayed ACK on each answer."""
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            """Serve a GET."""
            self._serve("GET")

        def do_POST(self) -> None:
            """Serve a POST."""
            self._serve("POST")

        def do_DELETE(self) -> None:
            """Serve a DELETE."""
            self._serve("DELETE")

        def do_PATCH(self) -> None:
            """Serve a PATCH."""
            self._serve("PATCH")

        def _serve(self, method: str) -> None:
            """Read the request, log it, serve a queued fault or the route's answer."""
            self.cut_body = False
            self.drip_seconds = 0.0
            call, key = self._read(method)
            if self._fault(call.path):
                return
            try:
                if not files.is_upload_session(call):  # an upload URL is its own credential, as on Google's
                    check_key(server, key)
                answer = route(server, call)
            except StandInError as error:
                self._send_json(error.status, error.body(), error.headers)
                return
            except Exception as error:  # an answerer that has no answer: say so, loudly
                failure = StandInError(500, "INTERNAL", f"stand-in answerer failed: {error}")
                self._send_json(500, failure.body())
                return
            server.sent.append(_record(call.path, answer))
            self._send_answer(answer)

        def _read(self, method: str) -> tuple[Call, str]:
            """The request as a :class:`Call`, and the API key it carries; logged in ``server.received``."""
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            query = parse_qs(unquote(url.query).replace(";", "&"))
            call = Call(method, url.path, query, headers, raw, _parse_body(raw, headers))
            key = headers.get("x-goog-api-key") or call.param("key")
            entry: dict[str, Any] = {"method": method, "path": url.path, "body": call.body, "key": key}
            if files.is_upload_session(call):  # authorised by its upload_id: no key, as with Google's upload URLs
                entry["upload_session"] = True
            server.received.append(entry)
            return call, key

        def _fault(self, path: str) -> bool:
            """Apply the next queued fault for ``path``; true when it has answered (or hung up) already."""
            fault = server.next_fault(path)
            if fault is None:
                return False
            if fault.kind == "reset":
                self.close_connection = True
                self.connection.shutdown(2)
                return True
            if fault.kind == "delay":
                time.sleep(fault.seconds)
                return False
            if fault.kind == "cut":
                self.cut_body = True
                return False
            if fault.kind == "drip":
                self.drip_seconds = fault.seconds
                return False
            self._send_json(fault_error(fault).status, fault_error(fault).body())
            return True

        def _send_answer(self, answer: Answer) -> None:
            """Events as SSE, a list as a JSON array (the old SDK's stream), anything else as JSON."""
            if answer.events is not None:
                self._send_events(answer)
            elif isinstance(answer.body, list):
                chunks = [json.dumps(c) for c in answer.body]
                self._send_raw(answer.status, ("[" + ",\r\n".join(chunks) + "]").encode(), "application/json")
            else:
                data = json.dumps(answer.body, ensure_ascii=False).encode()
                self._send_raw(answer.status, data, "application/json", answer.headers)

        def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            """A JSON body (errors), with any headers the error carries."""
            self._send_raw(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json", headers)

        def _start(self, status: int, content_type: str, headers: dict[str, str]) -> None:
            """Status line and headers, the stand-in's own among them."""
            self.send_response(status)
            self.send_header("content-type", f"{content_type}; charset=UTF-8")
            for name, value in headers.items():
                self.send_header(name, value)
            if server.announce:
                self.send_header(STANDIN_HEADER, server.description)

        def _send_raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            """A whole body with its length; a ``cut`` fault sends half of it and hangs up."""
            self._start(status, content_type, headers or {})
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            try:
                if self.cut_body:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if self.drip_seconds:  # a server (or proxy) that trickles: one byte, then a pause
                    for byte in data:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(self.drip_seconds)
                    return
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout): fine
                self.close_connection = True

        def _send_events(self, answer: Answer) -> None:
            """Server-sent events, one HTTP chunk each, as Gemini streams them."""
            self._start(answer.status, "text/event-stream", answer.headers)
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            events = answer.events or []
            try:
                for index, event in enumerate(events):
                    if self.cut_body and index >= max(1, len(events) // 2):
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    data = (event if isinstance(event, Event) else Event(event)).encode()
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler
