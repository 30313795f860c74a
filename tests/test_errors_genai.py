"""google-genai's errors get the same short, specific messages as the old SDK's.

Every test drives the real ``google.genai.Client`` (over ``httpx2``) against the
local stand-in, with faults injected there, or against a ``Canned`` server that
stands for a proxy or a broken gateway; one test (at least) per row of the
error table, and one per message that used to name the wrong cause (the same
cases for ``google-generativeai`` are at the end of ``tests/test_errors.py``).
Nothing waits: a bare client does not retry, and the clients that do are given
``HttpRetryOptions`` without delays.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import requests
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from google.genai._interactions_errors import (
    APIConnectionError,
    APIResponseValidationError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)
from IPython.core.interactiveshell import InteractiveShell
from vcr.errors import CannotOverwriteExistingCassetteException

import helpers
from helpers import keys, models, session
from helpers.plumbing import errors
from helpers.plumbing.standin import EchoAnswerer, Fault, Reply, Request, StandIn
from tests.conftest import FAKE_KEY, switch_to_replay
from tests.test_errors import (
    ANSWER,
    BROKEN_JSON,
    LOGIN_PAGE,
    PROMPT,
    PROXY_PAGE,
    QUOTA,
    WRONG_KEY,
    Canned,
    Shown,
    assert_short,
    dead_port,
    explained,
    run,
    shell,  # noqa: F401 - a fixture
    shown,  # noqa: F401 - a fixture
)

MODEL = models.DEFAULT_TEXT_MODEL
#: google-genai's client, with retries that do not wait (attempts: the SDK's default unless given).
NO_WAIT = types.HttpRetryOptions(initial_delay=0.0, max_delay=0.0, jitter=0.0)


class Blocking(EchoAnswerer):
    """Answers without text, depending on a word in the prompt."""

    def reply(self, request: Request) -> Reply | str:
        if "forbidden" in request.prompt:
            return Reply("", block_reason="SAFETY", safety_ratings={"HARM_CATEGORY_HATE_SPEECH": "HIGH"})
        if "empty" in request.prompt:
            return Reply("", "MAX_TOKENS")
        return super().reply(request)


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """Live mode against the stand-in: ``helpers.setup`` has exported what a bare ``genai.Client()`` reads."""
    with StandIn(Blocking(), valid_keys={FAKE_KEY}) as server:
        monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        helpers.setup("t_genai", quiet=True)
        yield server


def client(**options: Any) -> genai.Client:
    return genai.Client(http_options=types.HttpOptions(**options)) if options else genai.Client()


def against(url: str, monkeypatch: pytest.MonkeyPatch, key: str = FAKE_KEY) -> None:
    """Live mode pointed at ``url``."""
    monkeypatch.setenv("GEMINI_API_KEY", key)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", url)
    helpers.setup("t_genai", quiet=True)


def generate(call_client: genai.Client | None = None, prompt: str = PROMPT, model: str = MODEL) -> Any:
    """One call; the client stays referenced while it runs (a discarded ``genai.Client`` closes its connections)."""
    used = call_client or client()
    return used.models.generate_content(model=model, contents=prompt)


def genai_shell(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    run(shell, capsys, 'settings = helpers.setup("t_genai", quiet=True)\nfrom google import genai')
    run(shell, capsys, "from google.genai import types\nclient = genai.Client()")


# --- no key, wrong key, no permission ---------------------------------------------------------------


def test_a_client_without_a_key_says_to_run_the_setup_cell() -> None:
    """No setup exported a key (the environment holds none): ``genai.Client()`` itself refuses."""
    with pytest.raises(ValueError) as caught:
        genai.Client()
    message = errors.explain(caught.value, errors.Context())
    assert message is not None and "genai.Client() found no API key" in message and "GEMINI_API_KEY" in message
    assert "helpers.setup" in message and "aistudio.google.com" in message


def test_a_wrong_key_is_shown_masked_with_where_it_was_read(
    monkeypatch: pytest.MonkeyPatch,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    with StandIn(valid_keys={FAKE_KEY}) as server:
        monkeypatch.setenv("GEMINI_API_KEY", WRONG_KEY)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        genai_shell(shell, capsys)
        result, text = run(shell, capsys, f'client.models.generate_content(model="{MODEL}", contents="Hello")')
        assert server.received[-1]["key"] == WRONG_KEY
    assert isinstance(result.error_in_exec, genai_errors.ClientError)
    assert_short(text, "rejected the API key", keys.mask(WRONG_KEY), "environment variable GEMINI_API_KEY", "replay")


def test_a_key_given_in_code_is_the_one_named(live: StandIn) -> None:
    with pytest.raises(genai_errors.ClientError) as caught:
        generate(genai.Client(api_key=WRONG_KEY))
    message = explained(caught.value)
    assert f"rejected the API key {keys.mask(WRONG_KEY)} (from given to the client in code)" in message
    assert keys.mask(FAKE_KEY) not in message


def test_a_client_that_was_not_kept_says_to_keep_it(
    live: StandIn,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    genai_shell(shell, capsys)
    result, text = run(shell, capsys, f'genai.Client().models.generate_content(model="{MODEL}", contents="Hi")')
    assert isinstance(result.error_in_exec, RuntimeError)
    assert_short(text, "already closed", "client = genai.Client()")


def test_permission_denied_names_the_key_and_the_project(live: StandIn) -> None:
    live.inject(Fault(status=403, status_name="PERMISSION_DENIED", message="Consumer has been suspended."))
    with pytest.raises(genai_errors.ClientError) as caught:
        generate()
    message = explained(caught.value)
    assert "refused the call (403 PERMISSION_DENIED)" in message and keys.mask(FAKE_KEY) in message
    assert "Consumer has been suspended." in message and "Gemini API enabled" in message


# --- models ---------------------------------------------------------------------------------------------


def test_a_retired_model_names_the_default_and_how_to_ask_for_it(
    live: StandIn,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    genai_shell(shell, capsys)
    result, text = run(shell, capsys, 'client.models.generate_content(model="gemini-2.5-flash", contents="Hi")')
    assert isinstance(result.error_in_exec, genai_errors.ClientError)
    assert_short(
        text,
        "The model gemini-2.5-flash is retired",
        f'client.models.generate_content(model="{MODEL}", ...)',
        "GEMINI_MODEL",
        "client.models.list()",
    )


def test_an_unknown_model_is_called_unknown_with_the_defaults(live: StandIn) -> None:
    with pytest.raises(genai_errors.ClientError) as caught:
        generate(model="gemini-9.9-ultra")
    message = explained(caught.value)
    assert "The model gemini-9.9-ultra is unknown to http://127.0.0.1" in message and "retired" not in message
    assert MODEL in message and models.DEFAULT_EMBEDDING_MODEL in message and "client.models.list()" in message


def test_a_retired_model_in_an_interaction(live: StandIn) -> None:
    with pytest.raises(NotFoundError) as caught:
        used = client(retry_options=NO_WAIT)
        used.interactions.create(model="gemini-2.0-flash", input="Hi")
    message = explained(caught.value)
    assert "The model gemini-2.0-flash is retired" in message
    assert f'client.interactions.create(model="{MODEL}", ...)' in message


# --- region ---------------------------------------------------------------------------------------------


def test_region_not_supported_points_to_a_gateway(live: StandIn) -> None:
    live.inject(
        Fault(status=400, status_name="FAILED_PRECONDITION", message="User location is not supported for the API use.")
    )
    with pytest.raises(genai_errors.ClientError) as caught:
        generate()
    message = explained(caught.value)
    assert "User location is not supported" in message and "GOOGLE_GEMINI_BASE_URL=https://your-gateway" in message


# --- quota and server errors: what was tried, and what to do ---------------------------------------------


def test_quota_on_a_bare_client_says_free_tier_the_asked_delay_and_replay(
    live: StandIn,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    genai_shell(shell, capsys)
    live.inject(Fault(**{**QUOTA.__dict__, "retry_delay": "7s", "times": 1}))
    result, text = run(shell, capsys, f'client.models.generate_content(model="{MODEL}", contents="Hi")')
    assert isinstance(result.error_in_exec, genai_errors.ClientError)
    assert_short(
        text,
        "Quota exhausted (429 RESOURCE_EXHAUSTED)",
        "free tier",
        "Gemini asked to wait 7 s.",
        "google-genai did not try it again: a genai.Client() retries only when given HttpRetryOptions",
        "Wait 7 s and run the cell again",
        "GEMINI_MODE=replay",
    )
    assert len([r for r in live.received if r["path"].endswith(":generateContent")]) == 1


def test_a_429_that_asks_for_two_minutes_does_not_say_wait_a_minute(live: StandIn) -> None:
    live.inject(Fault(**{**QUOTA.__dict__, "retry_delay": "120s", "times": 1}))
    with pytest.raises(genai_errors.ClientError) as caught:
        generate()
    message = explained(caught.value)
    assert "Wait 120 s (about 2 min) and run the cell again" in message and "Wait a minute" not in message


def test_quota_after_the_clients_own_retries_says_how_often_it_tried(live: StandIn) -> None:
    live.inject(Fault(**{**QUOTA.__dict__, "times": 3}))
    with pytest.raises(genai_errors.ClientError) as caught:
        generate(client(retry_options=types.HttpRetryOptions(attempts=3, initial_delay=0, max_delay=0, jitter=0)))
    message = explained(caught.value)
    assert "google-genai tried it 3 times (the client's HttpRetryOptions)" in message
    assert "Wait a minute" in message  # this 429 asked for no delay


def test_quota_on_an_interaction_says_the_client_already_retried(live: StandIn) -> None:
    live.inject(Fault(**{**QUOTA.__dict__, "retry_delay": "9s", "times": 5}))
    with pytest.raises(RateLimitError) as caught:
        used = client(retry_options=NO_WAIT)
        used.interactions.create(model=MODEL, input="Hi")
    message = explained(caught.value)
    assert "Quota exhausted" in message and "Gemini asked to wait 9 s." in message
    assert "The Interactions client tried it up to 5 times" in message


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (Fault(status=500), ["500 Internal Server Error", "An internal error has occurred."]),
        (Fault(status=503, status_name="UNAVAILABLE", message="The model is overloaded."), ["503 Service Unavail"]),
    ],
    ids=["500", "503"],
)
def test_a_server_error_in_a_chat_is_explained_and_the_history_survives(
    live: StandIn, fault: Fault, words: list[str]
) -> None:
    used = client()
    chat = used.chats.create(model=MODEL)
    chat.send_message("Hello")
    before = list(chat.get_history())
    live.inject(fault)
    with pytest.raises(genai_errors.ServerError) as caught:
        chat.send_message("And now?")
    message = explained(caught.value)
    for word in [*words, "Gemini had a temporary problem", "google-genai did not try it again", "keeps its history"]:
        assert word in message, (word, message)
    assert chat.get_history() == before
    chat.send_message("And now?")
    assert len(chat.get_history()) == len(before) + 2


def test_a_server_error_on_an_interaction(live: StandIn) -> None:
    live.inject(Fault(status=503, status_name="UNAVAILABLE", message="Overloaded.", times=5))
    with pytest.raises(InternalServerError) as caught:
        used = client(retry_options=NO_WAIT)
        used.interactions.create(model=MODEL, input="Hi")
    message = explained(caught.value)
    assert "503 Service Unavailable: Overloaded." in message and "tried it up to 5 times" in message


# --- timeouts and broken connections ---------------------------------------------------------------


def test_a_timeout_says_the_limit_and_how_to_allow_more(live: StandIn) -> None:
    live.inject(Fault(kind="delay", seconds=0.5))
    with pytest.raises(httpx2.ReadTimeout) as caught:
        generate(client(timeout=100))
    message = explained(caught.value)
    assert "did not answer in time (the limit was 0.1 s)" in message and "HttpOptions(timeout=300_000)" in message
    assert "milliseconds" in message and "reset" not in message and "keeps its history" in message


def test_a_timeout_on_an_interaction(live: StandIn) -> None:
    live.inject(Fault(kind="delay", seconds=0.5, times=5))
    with pytest.raises(APIConnectionError) as caught:
        used = client(timeout=100, retry_options=types.HttpRetryOptions(attempts=1))
        used.interactions.create(model=MODEL, input="")
    message = explained(caught.value)
    assert "did not answer in time" in message and "reset" not in message


def test_a_reset_before_the_answer_is_called_a_reset(live: StandIn) -> None:
    live.inject(Fault(kind="reset"))
    with pytest.raises(httpx2.RemoteProtocolError) as caught:
        generate()
    message = explained(caught.value)
    assert "was reset before the answer arrived" in message and "did not try it again" in message


def test_a_stream_cut_off_midway_stays_what_was_shown_and_the_chat_keeps_its_history(live: StandIn) -> None:
    used = client()
    chat = used.chats.create(model=MODEL)
    chat.send_message("Hello")
    before = list(chat.get_history())
    live.inject(Fault(kind="cut", path_contains="stream"))
    with pytest.raises(httpx2.RemoteProtocolError) as caught:
        for _chunk in chat.send_message_stream(" ".join(["word"] * 300)):
            pass
    message = explained(caught.value)
    assert "broke while the answer was arriving: what was shown is all that arrived" in message
    assert "chat.send_message_stream) added nothing for this turn" in message
    assert chat.get_history() == before  # what google-genai really does


@pytest.mark.parametrize("stream", [False, True], ids=["call", "stream"])
def test_a_timeout_after_the_answer_started_is_not_called_a_reset(
    monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    event = b"data: " + ANSWER + b"\r\n\r\n"
    body, content_type = (event * 2, "text/event-stream") if stream else (ANSWER, "application/json")
    with Canned(body, content_type=content_type, stall_after=len(event) if stream else 20, stall=5) as canned:
        against(canned.url, monkeypatch)
        used = client(timeout=200)
        chat = used.chats.create(model=MODEL)
        with pytest.raises(httpx2.ReadTimeout) as caught:
            if stream:
                for _chunk in chat.send_message_stream(PROMPT):
                    pass
            else:
                chat.send_message(PROMPT)
    message = explained(caught.value)
    assert "started answering, then sent nothing more for 0.2 s, the read timeout" in message
    assert "was reset" not in message and chat.get_history() == []
    if stream:
        assert "what was shown is all that arrived" in message and "added nothing for this turn" in message
    else:
        assert "keeps its history" in message


# --- the network ----------------------------------------------------------------------------------


def test_connection_refused_says_so_and_points_to_replay(
    monkeypatch: pytest.MonkeyPatch,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint = f"http://127.0.0.1:{dead_port()}"
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", endpoint)
    genai_shell(shell, capsys)
    result, text = run(shell, capsys, f'client.models.generate_content(model="{MODEL}", contents="Hi")')
    assert isinstance(result.error_in_exec, httpx2.ConnectError)
    assert_short(text, f"Cannot reach {endpoint}: the connection was refused", "GEMINI_MODE=replay")


def test_a_name_not_found_is_dns(monkeypatch: pytest.MonkeyPatch, unresolvable_gateway: str) -> None:
    against("http://gemini-gateway.invalid:8080", monkeypatch)
    with pytest.raises(httpx2.ConnectError) as caught:
        generate()
    message = explained(caught.value)
    assert "Cannot reach http://gemini-gateway.invalid:8080: the name gemini-gateway.invalid could not be" in message
    assert "(DNS)" in message and "GEMINI_MODE=replay" in message


def test_a_connect_timeout_says_no_connection_could_be_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    """A listening socket whose backlog is full: the next connection attempt waits until it times out."""
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        waiting = []
        for _ in range(4):
            pending = socket.socket()
            pending.setblocking(False)
            pending.connect_ex(full.getsockname())
            waiting.append(pending)
        against(f"http://127.0.0.1:{full.getsockname()[1]}", monkeypatch)
        try:
            with pytest.raises(httpx2.ConnectTimeout) as caught:
                generate(client(timeout=200))
        finally:
            for pending in waiting:
                pending.close()
    message = explained(caught.value)
    assert "Cannot reach" in message and "no connection could be opened in time" in message


def test_https_to_a_plain_http_port_is_a_tls_mismatch_not_a_reset(
    live: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    session.teardown()
    against(live.url.replace("http://", "https://"), monkeypatch)
    with pytest.raises(httpx2.ConnectError) as caught:
        generate()
    message = explained(caught.value)
    assert "No secure connection to https://127.0.0.1" in message and "does not speak HTTPS" in message
    assert "should start with http://" in message and "reset" not in message


def test_a_scheme_typo_in_the_endpoint_is_not_called_a_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    against(f"htp://127.0.0.1:{dead_port()}", monkeypatch)
    with pytest.raises(httpx2.UnsupportedProtocol) as caught:
        generate()
    message = explained(caught.value)
    assert "GOOGLE_GEMINI_BASE_URL is htp://127.0.0.1" in message and "must start with http:// or https://" in message
    assert "DNS" not in message


@pytest.mark.parametrize("library", ["requests", "httpx2"])
def test_a_learners_own_request_elsewhere_is_not_the_endpoint_being_unreachable(live: StandIn, library: str) -> None:
    elsewhere = f"http://127.0.0.1:{dead_port()}"
    with pytest.raises(Exception) as caught:
        (requests if library == "requests" else httpx2).get(f"{elsewhere}/status", timeout=5)
    message = explained(caught.value)
    assert f"The request to {elsewhere} failed: the connection was refused" in message
    assert f"not a call to Gemini ({live.url})" in message
    assert "Cannot reach" not in message and "GOOGLE_GEMINI_BASE_URL" not in message


@pytest.mark.parametrize("sdk", ["google-genai", "google-generativeai"])
@pytest.mark.parametrize("where", ["query", "userinfo"])
def test_credentials_in_the_endpoint_are_removed_exactly_once(
    monkeypatch: pytest.MonkeyPatch,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    sdk: str,
    where: str,
) -> None:
    port = dead_port()
    endpoint = (
        f"http://127.0.0.1:{port}/?key={FAKE_KEY}" if where == "query" else f"http://me:{FAKE_KEY}@127.0.0.1:{port}"
    )
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", endpoint)
    genai_shell(shell, capsys)
    run(shell, capsys, "import google.generativeai as oldgenai")
    call = (
        f'client.models.generate_content(model="{MODEL}", contents="Hi")'
        if sdk == "google-genai"
        else 'oldgenai.GenerativeModel(settings.model).generate_content("Hi")'
    )
    result, text = run(shell, capsys, call)
    assert result.error_in_exec is not None
    assert_short(text, "Cannot reach http://", "refused")
    assert text.count("(key removed)") == 1 and "removed) removed)" not in text, text
    if where == "userinfo":
        assert "me:" not in text


# --- answers without text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "code", "words"),
    [
        ("Something forbidden.", "response.text.upper()", ["prompt itself was blocked", "block reason SAFETY"]),
        ("Please return empty.", "len(response.text)", ["max_output_tokens", "thinking"]),
        ("Something forbidden.", "import json\njson.loads(response.text)", ["prompt itself was blocked"]),
    ],
    ids=["blocked-prompt", "empty-answer", "inside-a-library"],
)
def test_an_answer_without_text_is_explained_where_the_none_fails(
    live: StandIn,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    prompt: str,
    code: str,
    words: list[str],
) -> None:
    genai_shell(shell, capsys)
    result, _ = run(shell, capsys, f'response = client.models.generate_content(model="{MODEL}", contents="{prompt}")')
    assert result.success and shell.user_ns["response"].text is None  # google-genai does not raise
    result, text = run(shell, capsys, code)
    assert isinstance(result.error_in_exec, (TypeError, AttributeError))
    assert_short(text, "response.text is None", "helpers.show(response)", "if response.text is None", *words)


def test_the_last_chunk_of_a_stream_without_text_is_explained(
    live: StandIn,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    genai_shell(shell, capsys)
    code = (
        f'for chunk in client.models.generate_content_stream(model="{MODEL}", contents="Hi"):\n    chunk.text.upper()'
    )
    result, text = run(shell, capsys, code)
    assert isinstance(result.error_in_exec, AttributeError)
    assert_short(text, "chunk.text is None", "only the finish reason STOP", "last chunk of a stream")


def test_a_none_that_is_not_an_answers_text_keeps_its_traceback(
    live: StandIn,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    genai_shell(shell, capsys)
    run(shell, capsys, f'response = client.models.generate_content(model="{MODEL}", contents="Hi")\nother = None')
    result, text = run(shell, capsys, "response.text.upper() + other.upper()")
    assert isinstance(result.error_in_exec, AttributeError)
    assert "Traceback" in text or "Cell In[" in text
    assert "is None:" not in text


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, ["Nothing to show", "got `None`", "helpers.show(response)"]),
        ("Some text.", ["Not a response", "got text", "helpers.md(text)"]),
        (42, ["Not a response", "got int `42`"]),
    ],
    ids=["none", "text", "number"],
)
def test_show_says_what_it_expected_instead_of_a_blocked_prompt(value: Any, words: list[str], shown: Shown) -> None:  # noqa: F811
    helpers.show(value)
    for word in words:
        assert word in shown.text, (word, shown.text)
    assert "expects a response" in shown.text and "blocked (block reason" not in shown.text


def test_show_still_shows_a_blocked_genai_answer(live: StandIn, shown: Shown) -> None:  # noqa: F811
    helpers.show(generate(prompt="Something forbidden."))
    assert "prompt itself was blocked" in shown.text and "`SAFETY`" in shown.text


# --- answers that cannot be read ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "stream", "error", "words"),
    [
        (BROKEN_JSON, False, ValueError, ["The answer from", "could not be read: it is not valid JSON", "“{"]),
        (b"data: " + BROKEN_JSON + b"\r\n\r\n", True, genai_errors.UnknownApiResponseError, ["The streamed answer"]),
        (LOGIN_PAGE, False, ValueError, ["an HTML page (“Hotel Wi-Fi: log in”)", "Wi-Fi login page"]),
    ],
    ids=["json", "stream", "login-page"],
)
def test_an_unreadable_200_says_what_arrived_and_what_to_do(
    monkeypatch: pytest.MonkeyPatch, body: bytes, stream: bool, error: type, words: list[str]
) -> None:
    with Canned(body, content_type="text/event-stream" if stream else "application/json") as canned:
        against(canned.url, monkeypatch)
        with pytest.raises(error) as caught:
            if stream:
                used = client()
                list(used.models.generate_content_stream(model=MODEL, contents=PROMPT))
            else:
                generate()
    message = explained(caught.value)
    for word in [*words, "run the cell again"]:
        assert word in message.replace("Run the cell", "run the cell"), (word, message)


def test_an_unreadable_interaction_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    with Canned(BROKEN_JSON) as canned:
        against(canned.url, monkeypatch)
        with pytest.raises(APIResponseValidationError) as caught:
            used = client(retry_options=NO_WAIT)
            used.interactions.create(model=MODEL, input=PROMPT)
    message = explained(caught.value)
    assert "could not be read" in message and "GOOGLE_GEMINI_BASE_URL" in message


@pytest.mark.parametrize("api", ["models", "interactions"])
def test_a_proxys_502_page_is_named_not_quoted(monkeypatch: pytest.MonkeyPatch, api: str) -> None:
    with Canned(PROXY_PAGE, status=502, content_type="text/html") as canned:
        against(canned.url, monkeypatch)
        with pytest.raises(Exception) as caught:
            if api == "models":
                generate()
            else:
                used = client(retry_options=types.HttpRetryOptions(attempts=1))
                used.interactions.create(model=MODEL, input="Hi")
    message = explained(caught.value)
    assert "answered 502 Bad Gateway with an HTML page (“502 Bad Gateway”) from a proxy or gateway" in message
    assert "<" not in message and "nginx" not in message


# --- replay ---------------------------------------------------------------------------------------


def record(monkeypatch: pytest.MonkeyPatch, name: str, calls: list[Any]) -> Path:
    """Record ``calls`` (each given a client) against a fresh stand-in, then go to replay."""
    with StandIn(valid_keys={FAKE_KEY}) as server:
        monkeypatch.setenv("GEMINI_MODE", "record")
        against(server.url, monkeypatch)
        recording = client()
        for call in calls:
            call(recording)
        session.teardown()
    return switch_to_replay(name, monkeypatch)


def test_a_replay_miss_leads_with_what_happened_and_names_the_closest_prompt(
    monkeypatch: pytest.MonkeyPatch,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    record(monkeypatch, "t_genai", [lambda c: generate(c), lambda c: generate(c, "Write a haiku about Dota 2.")])
    genai_shell(shell, capsys)
    result, text = run(shell, capsys, f'client.models.generate_content(model="{MODEL}", contents="Who is the best?")')
    assert isinstance(result.error_in_exec, CannotOverwriteExistingCassetteException)
    assert_short(
        text,
        "Not in the recording: Replay has no answer for this call",
        "not in the recordings of notebook t_genai",
        f"Closest recorded request: “{PROMPT}”",
        "python -m helpers record t_genai",
    )
    assert "CannotOverwriteExistingCassetteException" not in text


def test_a_replay_miss_that_differs_only_in_the_model_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    record(monkeypatch, "t_genai", [lambda c: generate(c)])
    helpers.setup("t_genai", quiet=True)
    with pytest.raises(CannotOverwriteExistingCassetteException) as caught:
        generate(model="gemini-2.5-flash")
    message = explained(caught.value)
    assert f"The same prompt is recorded, but for the model {MODEL}; this call asked for gemini-2.5-flash" in message
    assert "gemini-2.5-flash is retired" in message and f"use {MODEL} instead" in message
    assert "Closest recorded request" not in message  # the same prompt twice would say nothing


def test_a_replay_miss_of_an_interaction_names_the_closest_input(monkeypatch: pytest.MonkeyPatch) -> None:
    record(monkeypatch, "t_genai", [lambda c: c.interactions.create(model=MODEL, input=PROMPT)])
    helpers.setup("t_genai", quiet=True)
    with pytest.raises(CannotOverwriteExistingCassetteException) as caught:
        used = client()
        used.interactions.create(model=MODEL, input="Who is the best?")
    message = explained(caught.value)
    assert "You asked: “Who is the best?”" in message and f"Closest recorded request: “{PROMPT}”" in message


# --- the key, in every %xmode -----------------------------------------------------------------------


def fragments(text: str, key: str) -> list[str]:
    """Every 6-character piece of ``key`` that ``text`` holds."""
    return sorted({key[i : i + 6] for i in range(len(key) - 5) if key[i : i + 6] in text})


@pytest.mark.parametrize("key", [FAKE_KEY, "Zq9-Xw2pLm9sTb4n" + "Rc8dHf6jKy1gUe5aVo3"], ids=["google", "other"])
def test_no_xmode_shows_a_piece_of_the_key_after_a_connection_error(
    monkeypatch: pytest.MonkeyPatch,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    key: str,
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", key)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", f"http://127.0.0.1:{dead_port()}")
    genai_shell(shell, capsys)
    call = f'client.models.generate_content(model="{MODEL}", contents="Hi")'
    shown_in: dict[str, str] = {}
    for mode in ("Plain", "Context", "Verbose", "Minimal", "Docs"):
        run(shell, capsys, f"%xmode {mode}")
        result, text = run(shell, capsys, call)
        assert isinstance(result.error_in_exec, httpx2.ConnectError)
        _, full = run(shell, capsys, "%tb")  # in Docs mode, IPython 9.18 fails on chained errors and says so
        assert "Cannot reach" in text and full.strip() and "Cannot reach" not in full, mode
        assert fragments(text + full, key) == [], (mode, fragments(text + full, key))
        shown_in[mode] = full
    verbose = shown_in["Verbose"]  # it shows the frames' variables: the request's headers were there, scrubbed
    assert re.search(r"x-goog-api-key['\"]?: ['\"]?…\(key removed\)", verbose), verbose


def test_ipythons_docs_mode_failing_on_a_chained_error_neither_drops_the_handler_nor_shows_the_key(
    live: StandIn,
    shell: InteractiveShell,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """IPython 9's Docs mode cannot format a chained error; it then prints a plain traceback itself."""
    genai_shell(shell, capsys)
    run(shell, capsys, "import os")
    run(shell, capsys, "%xmode Docs")
    code = (
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
        '    raise RuntimeError("h?key=" + os.environ["GEMINI_API_KEY"]) from e'
    )
    result, text = run(shell, capsys, code)
    assert isinstance(result.error_in_exec, RuntimeError)
    assert "Custom TB Handler failed" not in text and "RuntimeError" in text and "key=…(key removed)" in text
    _, text = run(shell, capsys, "%tb")
    assert fragments(text, FAKE_KEY) == []
    result, text = run(shell, capsys, 'client.models.generate_content(model="gemini-2.5-flash", contents="Hi")')
    assert_short(text, "The model gemini-2.5-flash is retired")  # the handler is still there


def test_show_leaves_thought_summaries_out_of_the_answer() -> None:
    """With include_thoughts=True a candidate holds a thought part: show() shows the answer, as .text does."""
    from google.genai import types

    from helpers import display

    candidate = types.Candidate(
        content=types.Content(
            role="model", parts=[types.Part(text="Thinking about it.", thought=True), types.Part(text="The answer.")]
        )
    )
    assert display.candidate_text(candidate) == "The answer."
