"""Every way a notebook can go wrong gives a short message that says what to do next.

One test (at least) per row of the table in the README's Troubleshooting
section, against the local stand-in (live mode with a fake key) or a cassette
that holds the error; and the IPython handler, in a real ``InteractiveShell``,
shows the message instead of a traceback, never the key.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import google.generativeai as genai
import pytest
import requests
import yaml
from google.api_core import exceptions as api
from IPython.core.interactiveshell import InteractiveShell
from nbclient.exceptions import CellExecutionError

import helpers
from helpers import display, keys, models, session
from helpers.plumbing import errors, refresh, retry
from helpers.plumbing.recording import CassetteProblem
from helpers.plumbing.standin import EchoAnswerer, Fault, Reply, Request, StandIn
from tests.conftest import FAKE_KEY, quiet_shell_config, switch_to_replay

#: Shaped like a real key, and rejected by the stand-in (which accepts only FAKE_KEY).
WRONG_KEY = "AIza" + "SyWRONG-test-key-0123456789abcdeQRS"  # two pieces: no file holds a key
PROMPT = "Who is the GOAT in the NBA?"
SHORT = "(%tb shows the full traceback.)"


# --- fixtures -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Retries happen, in no time; their notices are kept here."""
    notices: list[str] = []
    monkeypatch.setattr(retry, "sleep", lambda seconds: None)
    monkeypatch.setattr(retry, "notify", notices.append)
    return notices


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """A real IPython shell (``helpers.setup`` installs its handler there), removed afterwards."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    factory = logging.getLogRecordFactory()
    shell = InteractiveShell.instance(config=quiet_shell_config())
    shell.run_cell("import helpers\nimport google.generativeai as genai")
    yield shell
    InteractiveShell.clear_instance()
    logging.setLogRecordFactory(factory)


def run(shell: InteractiveShell, capsys: pytest.CaptureFixture[str], code: str) -> tuple[Any, str]:
    """Run a cell; return its result and everything it showed."""
    capsys.readouterr()
    result = shell.run_cell(code)
    captured = capsys.readouterr()
    return result, re.sub(r"\x1b\[[0-9;]*m", "", captured.out + captured.err)


def assert_short(shown: str, *needles: str) -> None:
    """The shown error is the message: no traceback, no key, and the words that matter."""
    assert SHORT in shown and "Traceback" not in shown and "Cell In[" not in shown, shown
    assert FAKE_KEY not in shown and WRONG_KEY not in shown
    for needle in needles:
        assert needle in shown, (needle, shown)


class Blocking(EchoAnswerer):
    """Answers blocked, cut or empty, depending on a word in the prompt."""

    def reply(self, request: Request) -> Reply | str:
        prompt = request.prompt
        if "safety" in prompt:
            return Reply("", "SAFETY", {"HARM_CATEGORY_DANGEROUS_CONTENT": "HIGH", "HARM_CATEGORY_HARASSMENT": "LOW"})
        if "recitation" in prompt:
            return Reply("", "RECITATION")
        if "other" in prompt:
            return Reply("", "OTHER")
        if "empty" in prompt:
            return Reply("", "MAX_TOKENS")
        if "forbidden" in prompt:
            return Reply("", block_reason="SAFETY", safety_ratings={"HARM_CATEGORY_HATE_SPEECH": "HIGH"})
        return super().reply(request)


@pytest.fixture
def blocking_standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """Live mode against a stand-in that blocks on request."""
    with StandIn(Blocking(), valid_keys={FAKE_KEY}) as server:
        monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        yield server


@pytest.fixture
def blocking(blocking_standin: StandIn) -> genai.GenerativeModel:
    """The model to call, live against the blocking stand-in."""
    return genai.GenerativeModel(helpers.setup("t_blocked", quiet=True).model)


class Shown:
    """Collects what ``helpers.display`` renders, in place of IPython's ``display``."""

    def __init__(self) -> None:
        self.markdown: list[str] = []

    def __call__(self, obj: Any, display_id: bool = False) -> Shown:
        self.markdown.append(obj.data)
        return self

    def update(self, obj: Any) -> None:
        self.markdown[-1] = obj.data

    @property
    def text(self) -> str:
        return "\n".join(self.markdown)


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> Shown:
    collector = Shown()
    monkeypatch.setattr(display, "display", collector)
    return collector


def context() -> errors.Context:
    settings = session.current()
    assert settings is not None
    return settings.error_context()


def explained(error: BaseException) -> str:
    message = errors.explain(error, context())
    assert message is not None, f"no message for {error!r}"
    assert FAKE_KEY not in message and WRONG_KEY not in message
    return message


def record_cassette(monkeypatch: pytest.MonkeyPatch, name: str, prompts: list[str]) -> Path:
    """Record ``prompts`` against the running stand-in, then go back to no key and no server."""
    monkeypatch.setenv("GEMINI_MODE", "record")
    model = genai.GenerativeModel(helpers.setup(name, quiet=True).model)
    for prompt in prompts:
        model.generate_content(prompt)
    session.teardown()
    return switch_to_replay(name, monkeypatch)


class Canned:
    """Not Gemini: one fixed answer to every request, as a proxy, a Wi-Fi login page or a broken gateway gives.

    ``stall_after`` bytes of the body are sent, then nothing more for ``stall``
    seconds (or until the server stops): an answer that started, then stalled.
    """

    def __init__(
        self,
        body: bytes,
        status: int = 200,
        content_type: str = "application/json",
        stall_after: int | None = None,
        stall: float = 0.0,
    ) -> None:
        self.body, self.status, self.content_type = body, status, content_type
        self.stall_after, self.stall = stall_after, stall
        self.stopping = threading.Event()
        self.paths: list[str] = []
        canned = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                canned.paths.append(self.path)
                self.send_response(canned.status)
                self.send_header("content-type", canned.content_type)
                self.send_header("content-length", str(len(canned.body)))
                self.end_headers()
                try:
                    if canned.stall_after is None:
                        self.wfile.write(canned.body)
                        return
                    self.wfile.write(canned.body[: canned.stall_after])
                    self.wfile.flush()
                    canned.stopping.wait(canned.stall)
                    self.wfile.write(canned.body[canned.stall_after :])
                except OSError:  # the client gave up first
                    self.close_connection = True

            do_GET = do_POST  # noqa: N815 - http.server's name

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Canned:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


#: A whole answer, as both SDKs read it (the old one asks for it with enums as numbers, which it also reads as names).
ANSWER = (
    b'{"candidates":[{"content":{"parts":[{"text":"Hello there."}],"role":"model"},"finishReason":"STOP","index":0}]}'
)
#: The page a proxy sends when it cannot reach what is behind it.
PROXY_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
#: What a Wi-Fi network answers every request with until one logs in.
LOGIN_PAGE = b"<!DOCTYPE html><html><head><title>Hotel Wi-Fi: log in</title></head><body>Room number?</body></html>"
#: A 200 whose JSON is cut short.
BROKEN_JSON = b'{"candidates": [{"content": {"parts": [{"text": "Hel'


def dead_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        return unused.getsockname()[1]


def old_model_against(url: str, monkeypatch: pytest.MonkeyPatch, notebook: str = "t_canned") -> genai.GenerativeModel:
    """Live mode, the old SDK, pointed at ``url``."""
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", url)
    return genai.GenerativeModel(helpers.setup(notebook, quiet=True).model)


# --- no key ---------------------------------------------------------------------


def test_no_key_in_live_mode_says_where_a_key_comes_from(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_MODE", "live")
    result, text = run(shell, capsys, 'settings = helpers.setup("t_nokey")')
    assert isinstance(result.error_in_exec, errors.MissingKey)
    assert_short(text, "GEMINI_API_KEY", ".env", "Colab", "secret", "replay", "aistudio.google.com")


# --- wrong key ------------------------------------------------------------------


def test_wrong_key_is_shown_masked_with_where_it_was_read(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch, shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(WRONG_KEY) == 39 and WRONG_KEY != FAKE_KEY
    monkeypatch.setenv("GEMINI_API_KEY", WRONG_KEY)
    run(shell, capsys, 'settings = helpers.setup("t_wrongkey", quiet=True)')
    result, text = run(shell, capsys, 'genai.GenerativeModel(settings.model).generate_content("Hello")')
    assert isinstance(result.error_in_exec, api.BadRequest)
    assert_short(text, "rejected the API key", keys.mask(WRONG_KEY), "environment variable GEMINI_API_KEY")
    assert "aistudio.google.com" in text and "replay" in text
    assert live_against.received[-1]["key"] == WRONG_KEY  # the stand-in really saw, and refused, that key


def test_wrong_key_from_env_file_names_the_file(live_against: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY")
    Path(".env").write_text(f"# my key\nGEMINI_API_KEY={WRONG_KEY}\n")
    model = genai.GenerativeModel(helpers.setup("t_wrongkey_file", quiet=True).model)
    with pytest.raises(api.BadRequest) as caught:
        model.generate_content("Hello")
    message = explained(caught.value)
    assert keys.mask(WRONG_KEY) in message and f"GEMINI_API_KEY in {Path('.env').resolve()}" in message


# --- models ---------------------------------------------------------------------


def test_retired_model_is_named_with_the_current_default_and_how_to_override(
    live_against: StandIn, shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, capsys, 'settings = helpers.setup("t_retired", quiet=True)')
    result, text = run(shell, capsys, 'genai.GenerativeModel("gemini-pro").generate_content("Hello")')
    assert isinstance(result.error_in_exec, api.NotFound)
    assert_short(text, "The model gemini-pro is retired", f"Use {helpers.DEFAULT_TEXT_MODEL} instead", "GEMINI_MODEL")


def test_retired_embedding_model_points_to_the_embedding_default(live_against: StandIn) -> None:
    helpers.setup("t_retired_embedding", quiet=True)
    with pytest.raises(api.NotFound) as caught:
        genai.embed_content(model="models/text-embedding-004", content="Dota 2")
    message = explained(caught.value)
    assert "text-embedding-004 is retired" in message and helpers.DEFAULT_EMBEDDING_MODEL in message
    assert "GEMINI_EMBEDDING_MODEL" in message


def test_unknown_model_is_named_as_unknown_with_the_defaults(live_against: StandIn) -> None:
    helpers.setup("t_unknown_model", quiet=True)
    with pytest.raises(api.NotFound) as caught:
        genai.GenerativeModel("gemini-9.9-ultra").generate_content("Hello")
    message = explained(caught.value)
    assert "The model gemini-9.9-ultra is unknown" in message and "retired" not in message
    assert helpers.DEFAULT_TEXT_MODEL in message and "GEMINI_MODEL" in message and "list_models" in message


# --- region ---------------------------------------------------------------------


def test_region_not_supported_mentions_a_gateway(
    live_against: StandIn, shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, capsys, 'settings = helpers.setup("t_region", quiet=True)')
    live_against.inject(
        Fault(status=400, status_name="FAILED_PRECONDITION", message="User location is not supported for the API use.")
    )
    result, text = run(shell, capsys, 'genai.GenerativeModel(settings.model).generate_content("Hello")')
    assert isinstance(result.error_in_exec, api.BadRequest)
    assert_short(text, "User location is not supported", "gateway", "GOOGLE_GEMINI_BASE_URL", "replay")


# --- quota, server errors, resets, timeouts: retried, then a message, history kept -


QUOTA = Fault(status=429, status_name="RESOURCE_EXHAUSTED", message="You exceeded your current quota.", times=4)


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (QUOTA, ["Quota exhausted", "free tier", "tried 4 times", "replay"]),
        (Fault(status=500, times=4), ["500 Internal Server Error", "tried 4 times", "keeps its history"]),
        (Fault(status=503, status_name="UNAVAILABLE", message="Overloaded.", times=4), ["503 Service Unavailable"]),
        (Fault(kind="reset", times=4), ["was reset", "tried 4 times", "keeps its history"]),
    ],
    ids=["429", "500", "503", "reset"],
)
def test_failed_chat_turn_is_retried_then_explained_and_the_history_survives(
    live_against: StandIn,
    shell: InteractiveShell,
    capsys: pytest.CaptureFixture[str],
    no_waiting: list[str],
    fault: Fault,
    words: list[str],
) -> None:
    run(shell, capsys, 'settings = helpers.setup("t_chat_fail", quiet=True)')
    run(shell, capsys, 'chat = genai.GenerativeModel(settings.model).start_chat()\nchat.send_message("Hello")')
    before = [(m.role, m.parts[0].text) for m in shell.user_ns["chat"].history]
    live_against.inject(Fault(**{**fault.__dict__}))
    result, text = run(shell, capsys, 'chat.send_message("And now?")')
    assert result.error_in_exec is not None
    assert_short(text, *words)
    assert len(no_waiting) == 3  # three waits between four attempts
    assert [(m.role, m.parts[0].text) for m in shell.user_ns["chat"].history] == before
    result, _ = run(shell, capsys, 'chat.send_message("And now?")')
    assert result.success and len(shell.user_ns["chat"].history) == len(before) + 2


def test_timeout_is_retried_then_explained(live_against: StandIn) -> None:
    model = genai.GenerativeModel(helpers.setup("t_timeout", quiet=True).model)
    retry.install("live", retry.Policy(attempt_timeout=0.05, attempts=2))
    chat = model.start_chat()
    live_against.inject(Fault(kind="delay", seconds=0.3, times=2))
    with pytest.raises(requests.exceptions.Timeout) as caught:
        chat.send_message("Hello")
    assert chat.history == []
    message = explained(caught.value)
    assert "did not answer in time" in message and "tried 2 times" in message and '"timeout"' in message


# --- the network ----------------------------------------------------------------


def test_connection_refused_says_so_and_points_to_replay(
    monkeypatch: pytest.MonkeyPatch, shell: InteractiveShell, capsys: pytest.CaptureFixture[str], no_waiting: list[str]
) -> None:
    endpoint = f"http://127.0.0.1:{dead_port()}"
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", endpoint)
    run(shell, capsys, 'settings = helpers.setup("t_refused", quiet=True)')
    result, text = run(shell, capsys, 'genai.GenerativeModel(settings.model).generate_content("Hello")')
    assert isinstance(result.error_in_exec, requests.exceptions.ConnectionError)
    assert_short(text, f"Cannot reach {endpoint}", "refused", "GOOGLE_GEMINI_BASE_URL", "GEMINI_MODE=replay")
    assert no_waiting == []


def test_name_not_found_says_dns_and_points_to_replay(
    monkeypatch: pytest.MonkeyPatch, unresolvable_gateway: str
) -> None:
    """The lookup fails here, without asking any DNS server: ``getaddrinfo`` is replaced."""
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://gemini-gateway.invalid:8080")
    model = genai.GenerativeModel(helpers.setup("t_dns", quiet=True).model)
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        model.generate_content("Hello")
    message = explained(caught.value)
    assert "Cannot reach http://gemini-gateway.invalid:8080" in message
    assert "gemini-gateway.invalid could not be looked up (DNS)" in message and "GEMINI_MODE=replay" in message


# --- answers without text -------------------------------------------------------


@pytest.mark.parametrize("reason", ["SAFETY", "RECITATION", "OTHER"])
def test_blocked_answer_is_shown_with_its_reason_and_ratings(
    blocking: genai.GenerativeModel, shown: Shown, reason: str
) -> None:
    response = blocking.generate_content(f"Please trigger {reason.lower()}.")
    helpers.show(response)
    assert "No text in this answer" in shown.text and f"Finish reason `{reason}`" in shown.text
    assert display.FINISH_MEANINGS[reason] in shown.text
    if reason == "SAFETY":
        assert "| dangerous content | high | yes |" in shown.text and "| harassment | low | no |" in shown.text
    with pytest.raises(ValueError) as caught:
        _ = response.text
    assert f"finish reason is {reason}" in explained(caught.value)


@pytest.mark.parametrize("reason", ["SAFETY", "RECITATION", "OTHER"])
def test_blocked_chat_turn_leaves_the_history_unchanged(blocking: genai.GenerativeModel, reason: str) -> None:
    chat = blocking.start_chat()
    chat.send_message("Hello")
    before = list(chat.history)
    with pytest.raises(genai.types.StopCandidateException) as caught:
        chat.send_message(f"Please trigger {reason.lower()}.")
    assert chat.history == before
    message = explained(caught.value)
    assert f"finish reason {reason}" in message and "history is as it was" in message
    if reason == "SAFETY":
        assert "dangerous content high (blocked)" in message and "harassment low" in message


def test_empty_max_tokens_answer_is_shown_not_raised(blocking: genai.GenerativeModel, shown: Shown) -> None:
    response = blocking.generate_content("Please return empty.")
    helpers.show(response)
    assert "No text in this answer" in shown.text and "Finish reason `MAX_TOKENS`" in shown.text
    with pytest.raises(ValueError) as caught:
        _ = response.text
    assert "finish reason is MAX_TOKENS" in explained(caught.value)


def test_blocked_prompt_is_shown_and_the_chat_keeps_its_history(blocking: genai.GenerativeModel, shown: Shown) -> None:
    response = blocking.generate_content("Something forbidden.")
    helpers.show(response)
    assert "prompt itself was blocked" in shown.text and "`SAFETY`" in shown.text and "hate speech" in shown.text
    with pytest.raises(ValueError) as caught:
        _ = response.text
    assert "the prompt itself was blocked" in explained(caught.value)
    chat = blocking.start_chat()
    with pytest.raises(genai.types.BlockedPromptException) as blocked:
        chat.send_message("Something forbidden.")
    assert chat.history == [] and "block reason SAFETY" in explained(blocked.value)


def test_a_stream_that_breaks_stays_shown_marked_as_cut_off(
    blocking_standin: StandIn, blocking: genai.GenerativeModel, shown: Shown
) -> None:
    blocking_standin.inject(Fault(kind="cut", path_contains="stream"))
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as caught:
        helpers.show_stream(blocking.generate_content(" ".join(["word"] * 300), stream=True))
    assert shown.markdown[-1].startswith("Stand-in reply") and "The stream broke off here" in shown.markdown[-1]
    assert "what was shown is all that arrived" in explained(caught.value)


def test_streams_that_are_blocked_or_unread_are_shown_not_raised(blocking: genai.GenerativeModel, shown: Shown) -> None:
    summary = helpers.show_stream(blocking.generate_content("Please trigger safety.", stream=True))
    assert summary.text == "" and "Finish reason `SAFETY`" in shown.text
    unread = blocking.generate_content(PROMPT, stream=True)
    with pytest.raises(genai.types.IncompleteIterationError) as caught:
        _ = unread.text
    assert "Iterate over it first" in explained(caught.value)
    helpers.show(unread)
    assert "Stand-in reply" in shown.markdown[-1]


@pytest.mark.parametrize("ending", ["cut", "safety"])
def test_broken_streamed_chat_turn_can_be_dropped_and_the_history_survives(
    blocking_standin: StandIn, blocking: genai.GenerativeModel, ending: str
) -> None:
    chat = blocking.start_chat()
    chat.send_message("Hello")
    before = list(chat.history)
    if ending == "cut":
        blocking_standin.inject(Fault(kind="cut", path_contains="stream"))
    response = chat.send_message(" ".join(["word"] * 300) if ending == "cut" else "Please trigger safety.", stream=True)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, genai.types.BrokenResponseError)):
        for _chunk in response:
            pass
        _ = chat.history
    with pytest.raises(genai.types.BrokenResponseError) as caught:
        chat.send_message("Next question.")
    assert "chat.rewind()" in explained(caught.value) and "earlier history is kept" in explained(caught.value)
    chat.rewind()
    assert chat.history == before
    chat.send_message("Next question.")
    assert len(chat.history) == len(before) + 2


# --- replay ---------------------------------------------------------------------


def test_prompt_not_in_the_recordings_names_notebook_cassette_and_closest(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch, shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    record_cassette(monkeypatch, "t_replay_miss", [PROMPT, "Write a haiku about Dota 2."])
    run(shell, capsys, 'settings = helpers.setup("t_replay_miss", quiet=True)')
    result, text = run(shell, capsys, 'genai.GenerativeModel(settings.model).generate_content("Who is the best?")')
    assert result.error_in_exec is not None
    assert_short(
        text,
        "not in the recordings of notebook t_replay_miss",
        "t_replay_miss.yaml",
        f"Closest recorded request: “{PROMPT}”",
        "add a key",
        "python -m helpers record t_replay_miss",
    )
    assert text.startswith("Not in the recording: Replay has no answer for this call")
    assert "CannotOverwriteExistingCassetteException" not in text


def test_a_replay_miss_that_differs_only_in_the_model_says_so(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_cassette(monkeypatch, "t_replay_model", [PROMPT])
    helpers.setup("t_replay_model", quiet=True)
    with pytest.raises(Exception) as caught:
        genai.GenerativeModel("gemini-1.5-flash").generate_content(PROMPT)
    message = explained(caught.value)
    assert f"recorded, but for the model {helpers.DEFAULT_TEXT_MODEL}; this call asked for gemini-1.5-flash" in message
    assert "gemini-1.5-flash is retired" in message and message.count(f"“{PROMPT}”") == 1  # not twice: same text


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"interactions:\n  - request: {method: POST\n", "not valid YAML (line 3"),
        (b"\xff\xfe not text", "not UTF-8 text"),
        (b"just: a mapping\n", "no 'interactions' list"),
        (b"interactions:\n- request: {method: POST, uri: http://x/v1beta/models, body: null}\n", "missing 'response'"),
        (
            b"interactions:\n- request: {method: POST, uri: http://x/, body: null}\n"
            b"  response: {status: {code: abc, message: OK}, body: {string: ''}}\n",
            "interaction 1 is malformed",
        ),
    ],
    ids=["yaml", "encoding", "no-interactions", "incomplete", "bad-status"],
)
def test_corrupt_cassette_names_the_file_and_the_problem(content: bytes, problem: str) -> None:
    path = Path(os.environ["GEMINI_CASSETTE_DIR"]) / "t_corrupt.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with pytest.raises(CassetteProblem) as caught:
        helpers.setup("t_corrupt", quiet=True)
    message = errors.explain(caught.value) or ""
    assert str(path) in message and problem in message and "re-record" in message


def test_hand_edited_response_names_the_cassette(live_against: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    path = record_cassette(monkeypatch, "t_edited", [PROMPT])
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["interactions"][0]["response"]["body"]["json"]["candidates"] = "not a list"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(Exception) as caught:  # the cassette's digest no longer matches: caught at setup
        helpers.setup("t_edited", quiet=True)
    message = errors.explain(caught.value, errors.Context(notebook="t_edited"))
    assert message is not None
    assert "t_edited.yaml" in message and "edited by hand" in message and "python -m helpers record t_edited" in message


# --- .env -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (FAKE_KEY, ["line 2", "pasted alone", "GEMINI_API_KEY=<your key>"]),
        ("GEMINI_API_KEY", ["line 2", "no '='"]),
        ("GEMINI_API_KEY: something", ["line 2", "not NAME=value"]),
        (f"GEMINI_API_KEY={FAKE_KEY[:20]} {FAKE_KEY[20:]}", ["line 2", "contains a space"]),
    ],
    ids=["bare-key", "no-value", "yaml-style", "space-in-key"],
)
def test_malformed_env_file_says_which_line(
    line: str, words: list[str], shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(".env").write_text(f"GEMINI_MODE=replay\n{line}\n")
    result, text = run(shell, capsys, 'settings = helpers.setup("t_env")')
    assert isinstance(result.error_in_exec, keys.KeyProblem)
    assert_short(text, str(Path(".env").resolve()), *words)
    assert FAKE_KEY[:20] not in text and FAKE_KEY[20:] not in text


def test_misspelt_setting_in_env_file_is_not_ignored_silently(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("GEMINI_MODLE=gemini-3.6-flash\nMY_OWN_SETTING=1\n")
    with pytest.warns(UserWarning, match="line 1: GEMINI_MODLE is not a setting.*GEMINI_MODEL") as seen:
        keys.read_env_file(env)
    assert len(seen) == 1


# --- interrupted recording ------------------------------------------------------


@pytest.fixture
def previous_cassette() -> tuple[Path, bytes]:
    """A committed cassette that a failed recording must leave exactly as it is."""
    path = Path(os.environ["GEMINI_CASSETTE_DIR"]) / "t_rec_one.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    content = b"provenance: {source: authored}\ninteractions: []\nversion: 1\n"
    path.write_bytes(content)
    return path, content


#: A recording that holds one call (its content does not matter to record_one).
ONE_INTERACTION = "interactions:\n- request: {method: GET, uri: 'http://h/v1beta/models', body: null}\n"


def _write_recording(text: str) -> None:
    (Path(os.environ["GEMINI_RECORD_DIR"]) / "t_rec_one.yaml").write_text(text)


def _assert_kept_alone(previous_cassette: tuple[Path, bytes]) -> None:
    """The previous cassette is byte for byte as it was, and nothing was left beside it."""
    path, content = previous_cassette
    assert path.read_bytes() == content and sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_recording_interrupted_midway_keeps_the_previous_cassette(
    previous_cassette: tuple[Path, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(path: Path) -> None:
        _write_recording("interactions:\n- request: {method: PO")  # half written
        raise KeyboardInterrupt

    monkeypatch.setattr(refresh, "execute", interrupted)
    with pytest.raises(KeyboardInterrupt):
        refresh.record_one("t_rec_one", {"GEMINI_API_KEY": FAKE_KEY})
    _assert_kept_alone(previous_cassette)


def test_recording_interrupted_while_replaying_restores_the_previous_cassette(
    previous_cassette: tuple[Path, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(name: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(refresh, "execute", lambda path: _write_recording(ONE_INTERACTION))
    monkeypatch.setattr(refresh, "refresh_outputs", interrupted)
    with pytest.raises(KeyboardInterrupt):
        refresh.record_one("t_rec_one", {"GEMINI_API_KEY": FAKE_KEY})
    _assert_kept_alone(previous_cassette)


def test_failed_recording_keeps_the_previous_cassette_and_reports_without_the_key(
    previous_cassette: tuple[Path, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(path: Path) -> None:
        _write_recording("interactions: []\n")
        raise CellExecutionError("traceback", "ConnectionError", f"GET http://h/v1beta/models?key={FAKE_KEY} failed")

    monkeypatch.setattr(refresh, "execute", failing)
    outcome = refresh.record_one("t_rec_one", {"GEMINI_API_KEY": FAKE_KEY})
    path, content = previous_cassette
    assert not outcome.ok and "old cassette kept" in outcome.message and FAKE_KEY not in outcome.message
    assert path.read_bytes() == content


# --- the handler itself ---------------------------------------------------------


def test_unexplained_errors_keep_their_traceback_but_lose_the_key(
    live_against: StandIn, shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, capsys, 'settings = helpers.setup("t_unexplained", quiet=True)\nimport os')
    code = 'raise RuntimeError("GET http://h/x?key=" + os.environ["GEMINI_API_KEY"] + " failed")'
    result, text = run(shell, capsys, code)
    assert isinstance(result.error_in_exec, RuntimeError) and FAKE_KEY in str(result.error_in_exec)
    assert "Traceback" in text and "RuntimeError" in text and "key=…(key removed)" in text
    assert FAKE_KEY not in text
    _, text = run(shell, capsys, "%tb")
    assert "RuntimeError" in text and FAKE_KEY not in text


def test_error_value_sent_to_the_notebook_is_scrubbed(
    live_against: StandIn, shell: InteractiveShell, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ipykernel stores ``str(evalue)`` in the notebook's error output: it must be scrubbed too."""
    sent: list[tuple[str, list[str]]] = []
    original = type(shell)._showtraceback

    def record(self: InteractiveShell, etype: type, evalue: Any, stb: list[str]) -> None:
        sent.append((str(evalue), stb))
        original(self, etype, evalue, stb)

    monkeypatch.setattr(type(shell), "_showtraceback", record)  # before setup() wraps it, as ipykernel's is
    run(shell, capsys, 'settings = helpers.setup("t_evalue", quiet=True)\nimport os')
    run(shell, capsys, 'raise ValueError("x-goog-api-key: " + os.environ["GEMINI_API_KEY"])')
    run(shell, capsys, 'genai.GenerativeModel("gemini-pro").generate_content("Hello")')
    assert len(sent) == 2
    for evalue, stb in sent:
        assert FAKE_KEY not in evalue and all(FAKE_KEY not in line for line in stb)


def test_log_lines_are_scrubbed_once_the_handler_is_installed(
    live_against: StandIn,
    shell: InteractiveShell,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    run(shell, capsys, 'settings = helpers.setup("t_logs", quiet=True)')
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("some.library").warning("requesting %s", f"https://h/x?key={FAKE_KEY}&alt=json")
        logging.getLogger("other").info("header x-goog-api-key=%s", FAKE_KEY)
    assert len(caplog.records) == 2 and FAKE_KEY not in caplog.text and "(key removed)" in caplog.text


def _corrupt_cassette(model: genai.GenerativeModel, server: StandIn) -> None:
    path = Path(os.environ["GEMINI_CASSETTE_DIR"]) / "t_corrupt_shown.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("interactions: [")
    os.environ["GEMINI_MODE"] = "replay"
    try:
        helpers.setup("t_corrupt_shown", quiet=True)
    finally:
        del os.environ["GEMINI_MODE"]


def _timeout(model: genai.GenerativeModel, server: StandIn) -> None:
    retry.install("live", retry.Policy(attempt_timeout=0.05, attempts=1))
    server.inject(Fault(kind="delay", seconds=0.3))
    model.generate_content(PROMPT)


def _broken_stream(model: genai.GenerativeModel, server: StandIn) -> None:
    server.inject(Fault(kind="cut", path_contains="stream"))
    list(model.generate_content(" ".join(["word"] * 300), stream=True))


FAILING_CALLS = {
    "blocked-text": lambda model, server: model.generate_content("Please trigger safety.").text,
    "empty-text": lambda model, server: model.generate_content("Please return empty.").text,
    "blocked-chat": lambda model, server: model.start_chat().send_message("Please trigger recitation."),
    "blocked-prompt": lambda model, server: model.start_chat().send_message("Something forbidden."),
    "unread-stream": lambda model, server: model.generate_content(PROMPT, stream=True).text,
    "timeout": _timeout,
    "broken-stream": _broken_stream,
    "corrupt-cassette": _corrupt_cassette,
}


@pytest.mark.parametrize("name", FAILING_CALLS)
def test_every_kind_of_error_is_shown_as_its_message(
    name: str,
    blocking_standin: StandIn,
    blocking: genai.GenerativeModel,
    shell: InteractiveShell,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The errors the shell tests above do not raise in a cell themselves: raised there, as they came."""
    with pytest.raises(Exception) as caught:
        FAILING_CALLS[name](blocking, blocking_standin)
    run(shell, capsys, 'settings = helpers.setup("t_blocked", quiet=True)')
    shell.user_ns["error"] = caught.value
    result, text = run(shell, capsys, "raise error")
    assert result.error_in_exec is caught.value
    assert_short(text, type(caught.value).__name__, errors.explain(caught.value, context()) or "no message")


def test_explaining_never_hides_the_error(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(error: BaseException, context: Any = None) -> str:
        raise RuntimeError("a bug in explain")

    run(shell, capsys, 'settings = helpers.setup("t_broken", quiet=True) if False else None')
    errors.install_handler(shell, errors.Context(notebook="t_broken"))
    monkeypatch.setattr(errors, "explain", broken)
    result, text = run(shell, capsys, "1 / 0")
    assert isinstance(result.error_in_exec, ZeroDivisionError) and "ZeroDivisionError" in text
    assert "Custom TB Handler failed" not in text


def test_scrub_removes_every_form_of_the_key() -> None:
    secret = "not-shaped-like-a-google-key-1234"
    text = (
        f"{FAKE_KEY} url?key={secret}&alt=json %3Bkey%3D{secret} {{'x-goog-api-key': '{secret}'}} "
        f"x-goog-api-key: {secret}"
    )
    clean = errors.scrub(text, secret)
    assert secret not in clean and FAKE_KEY not in clean and "&alt=json" in clean
    assert errors.scrub("keyboard=1 monkey=2 ?monkey=3") == "keyboard=1 monkey=2 ?monkey=3"


def test_text_of_several_candidates_says_which_to_read(live_against: StandIn) -> None:
    settings = helpers.setup("t_candidates", quiet=True)
    response = genai.GenerativeModel(settings.model).generate_content(
        PROMPT, generation_config=genai.types.GenerationConfig(candidate_count=2)
    )
    with pytest.raises(ValueError) as caught:
        response.text  # noqa: B018 - the property raises
    message = errors.explain(caught.value, settings.error_context())
    assert message is not None and "several candidates" in message and "response.candidates[0]" in message


def test_error_context_repr_holds_no_key(live_against: StandIn) -> None:
    context = helpers.setup("t_repr", quiet=True).error_context()
    assert context.secret == FAKE_KEY
    assert FAKE_KEY not in repr(context) and FAKE_KEY not in str(context)


def test_recording_with_no_call_keeps_the_previous_cassette(
    previous_cassette: tuple[Path, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refresh, "execute", lambda path: _write_recording("provenance: {}\ninteractions: []\n"))
    outcome = refresh.record_one("t_rec_one", {"GEMINI_API_KEY": FAKE_KEY})
    path, content = previous_cassette
    assert not outcome.ok and "made no API call" in outcome.message
    assert path.read_bytes() == content


def test_the_text_less_last_chunk_of_a_stream_is_explained(live_against: StandIn) -> None:
    settings = helpers.setup("t_last_chunk", quiet=True)
    response = genai.GenerativeModel(settings.model).generate_content(PROMPT, stream=True)
    with pytest.raises(ValueError) as caught:
        for chunk in response:
            chunk.text  # noqa: B018 - the article's loop; the last chunk has no text part
    message = errors.explain(caught.value, settings.error_context())
    assert message is not None and "if chunk.parts" in message and "finish reason STOP" in message


# --- what a message must not get wrong (google-generativeai) -------------------------------------------
# The same cases for google-genai are in tests/test_errors_genai.py.


def test_a_timeout_after_the_answer_started_is_not_called_a_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    with Canned(ANSWER, stall_after=20, stall=5) as canned:
        model = old_model_against(canned.url, monkeypatch)
        retry.install("live", retry.Policy(attempt_timeout=0.2, attempts=1))
        with pytest.raises(requests.exceptions.ConnectionError) as caught:
            model.generate_content(PROMPT)
    message = explained(caught.value)
    assert "started answering, then sent nothing more" in message and "request_options" in message
    assert "was reset" not in message and "keeps its history" in message


def test_a_chat_stream_that_timed_out_says_the_chat_holds_the_broken_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """google-generativeai keeps a chat's broken streamed turn until chat.rewind(): the message must say so."""
    stream = b"[" + ANSWER + b",\r\n" + ANSWER + b"]"
    with Canned(stream, stall_after=len(ANSWER) + 4, stall=5) as canned:
        model = old_model_against(canned.url, monkeypatch)
        retry.install("live", retry.Policy(attempt_timeout=0.2, attempts=1))
        chat = model.start_chat()
        response = chat.send_message(PROMPT, stream=True)
        with pytest.raises(requests.exceptions.ConnectionError) as caught:
            for _chunk in response:
                pass
    message = explained(caught.value)
    assert "started answering, then sent nothing more" in message and "was reset" not in message
    assert "chat.rewind()" in message and "keeps its history" not in message
    with pytest.raises(genai.types.BrokenResponseError):  # what the SDK really does with that chat
        chat.send_message("Next question.")
    chat.rewind()
    assert chat.history == []


def test_https_to_a_plain_http_port_is_a_tls_mismatch_not_a_reset(
    standin: StandIn, monkeypatch: pytest.MonkeyPatch, no_waiting: list[str]
) -> None:
    model = old_model_against(standin.url.replace("http://", "https://"), monkeypatch)
    with pytest.raises(requests.exceptions.SSLError) as caught:
        model.generate_content(PROMPT)
    message = explained(caught.value)
    assert "does not speak HTTPS" in message and "http://" in message and "GOOGLE_GEMINI_BASE_URL" in message
    assert "reset" not in message and no_waiting == []  # a handshake that failed does not get better


def test_a_scheme_typo_in_the_endpoint_is_not_called_a_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    model = old_model_against(f"htp://127.0.0.1:{dead_port()}", monkeypatch)
    with pytest.raises(requests.exceptions.RequestException) as caught:
        model.generate_content(PROMPT)
    message = explained(caught.value)
    assert "GOOGLE_GEMINI_BASE_URL is htp://127.0.0.1" in message and "must start with http:// or https://" in message
    assert "DNS" not in message and "looked up" not in message


def test_a_learners_own_request_elsewhere_is_not_the_endpoint_being_unreachable(
    live_against: StandIn, shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, capsys, 'settings = helpers.setup("t_own_request", quiet=True)\nimport requests')
    elsewhere = f"http://127.0.0.1:{dead_port()}"
    result, text = run(shell, capsys, f'requests.get("{elsewhere}/status", timeout=5)')
    assert isinstance(result.error_in_exec, requests.exceptions.ConnectionError)
    assert_short(text, f"The request to {elsewhere} failed: the connection was refused", "not a call to Gemini")
    assert "Cannot reach" not in text and "GOOGLE_GEMINI_BASE_URL" not in text and "replay" not in text


def test_a_429_that_asks_for_two_minutes_does_not_say_wait_a_minute(live_against: StandIn) -> None:
    model = genai.GenerativeModel(helpers.setup("t_long_quota", quiet=True).model)
    live_against.inject(Fault(**{**QUOTA.__dict__, "retry_delay": "120s"}))
    with pytest.raises(api.TooManyRequests) as caught:
        model.generate_content(PROMPT)
    message = explained(caught.value)
    assert "Gemini asked to wait 120 s (about 2 min)" in message and "Wait 120 s (about 2 min) and run" in message
    assert "Wait a minute" not in message and "tried 4 times" in message


def test_a_proxys_502_page_is_named_not_quoted(monkeypatch: pytest.MonkeyPatch) -> None:
    with Canned(PROXY_PAGE, status=502, content_type="text/html") as canned:
        model = old_model_against(canned.url, monkeypatch)
        with pytest.raises(api.BadGateway) as caught:
            model.generate_content(PROMPT)
    message = explained(caught.value)
    assert "answered 502 Bad Gateway with an HTML page (“502 Bad Gateway”) from a proxy or gateway" in message
    assert "<" not in message and "nginx" not in message and "Run the cell again in a minute" in message


@pytest.mark.parametrize(
    ("body", "stream", "words"),
    [
        (BROKEN_JSON, False, ["The answer from", "could not be read", "Failed to load JSON", "“{"]),
        (b"[" + BROKEN_JSON, True, ["The streamed answer from", "the stream ended in the middle of its JSON"]),
        (LOGIN_PAGE, False, ["answered with an HTML page (“Hotel Wi-Fi: log in”)", "Wi-Fi login page"]),
    ],
    ids=["json", "stream", "login-page"],
)
def test_an_unreadable_200_says_what_arrived_and_what_to_do(
    monkeypatch: pytest.MonkeyPatch, body: bytes, stream: bool, words: list[str]
) -> None:
    with Canned(body) as canned:
        model = old_model_against(canned.url, monkeypatch)
        with pytest.raises(Exception) as caught:  # protobuf's ParseError, or the stream reader's ValueError
            response = model.generate_content(PROMPT, stream=stream)
            list(response)
    message = explained(caught.value)
    for word in words:
        assert word in message, (word, message)
    assert "Run the cell again" in message or "run the cell again" in message


def _fragments(text: str, key: str) -> list[str]:
    """Every 6-character piece of ``key`` that ``text`` holds."""
    return sorted({key[i : i + 6] for i in range(len(key) - 5) if key[i : i + 6] in text})


@pytest.mark.parametrize("key", [FAKE_KEY, "Zq9-Xw2pLm9sTb4n" + "Rc8dHf6jKy1gUe5aVo3"], ids=["google", "other"])
def test_no_xmode_shows_a_piece_of_the_key_after_an_old_sdk_connection_error(
    monkeypatch: pytest.MonkeyPatch, shell: InteractiveShell, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    """google-generativeai over requests: refused connection, then every %xmode and %tb."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("GEMINI_MODE", "live")
    monkeypatch.setenv("GEMINI_API_KEY", key)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", f"http://127.0.0.1:{port}")
    run(shell, capsys, 'settings = helpers.setup("t_xmode", quiet=True)')
    call = 'genai.GenerativeModel(settings.model).generate_content("Hi")'
    for mode in ("Plain", "Context", "Verbose", "Minimal", "Docs"):
        run(shell, capsys, f"%xmode {mode}")
        result, text = run(shell, capsys, call)
        assert result.error_in_exec is not None and "Cannot reach" in text, (mode, text[-500:])
        _, full = run(shell, capsys, "%tb")
        assert full.strip(), mode
        assert _fragments(text + full, key) == [], (mode, _fragments(text + full, key))


@pytest.mark.parametrize("prompt", ["", [], None], ids=["empty-text", "empty-list", "none"])
def test_an_empty_prompt_says_so_and_shows_a_prompt(live_against: StandIn, prompt: object) -> None:
    model = genai.GenerativeModel(helpers.setup("t_empty", quiet=True).model)
    with pytest.raises(TypeError) as caught:
        model.generate_content(prompt)
    assert "The prompt is empty" in explained(caught.value)


def test_an_empty_prompt_in_google_genai_says_so(live_against: StandIn) -> None:
    from google import genai as new_genai

    helpers.setup("t_empty", quiet=True)
    with pytest.raises(ValueError) as caught:
        new_genai.Client().models.generate_content(model=models.DEFAULT_TEXT_MODEL, contents=[])
    assert "The prompt is empty" in explained(caught.value)


def test_a_missing_image_names_the_file_the_folder_and_close_names(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Run from another folder (the repository's top folder, say): '../images/...' is not there."""
    import PIL.Image

    monkeypatch.chdir(tmp_path)
    helpers.setup("t_missing_image", quiet=True)
    with pytest.raises(FileNotFoundError) as caught:
        PIL.Image.open("../images/picos_de_europa.jpeg")
    message = explained(caught.value)
    assert "'../images/picos_de_europa.jpeg'" in message and str(tmp_path) in message
    assert "notebooks/ folder" in message and "picos_de_europa.jpg" in message


def test_a_follow_up_sent_to_a_new_chat_in_replay_says_the_chat_was_started_afresh(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded as the second turn, sent as the first of a new chat: not 'a longer history'."""
    monkeypatch.setenv("GEMINI_MODE", "record")
    model = genai.GenerativeModel(helpers.setup("t_afresh", quiet=True).model)
    chat = model.start_chat(history=[])
    chat.send_message("First question")
    chat.send_message("Follow-up question")
    session.teardown()
    switch_to_replay("t_afresh", monkeypatch)
    model = genai.GenerativeModel(helpers.setup("t_afresh", quiet=True).model)
    chat = model.start_chat(history=[])
    with pytest.raises(Exception) as caught:
        chat.send_message("Follow-up question")
    message = explained(caught.value)
    assert "started afresh" in message and "longer history" not in message and "rewind" not in message
