"""The retry policy, end to end against the stand-in: what is retried, how long it waits, when it stops.

No test sleeps: ``FakeTime`` replaces the retry's ``sleep`` and ``clock``, and
records every wait and every notice.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import google.generativeai as genai
import pytest
import requests
import yaml
from google.api_core import exceptions as api
from google.api_core.retry import Retry

import helpers
from helpers import session
from helpers.plumbing import errors, retry
from helpers.plumbing.recording import interactions_digest
from helpers.plumbing.standin import Fault, StandIn
from tests.conftest import FAKE_KEY, recorded_cassette, switch_to_replay

PROMPT = "Who is the GOAT in the NBA?"
QUOTA = {"status": 429, "status_name": "RESOURCE_EXHAUSTED", "message": "You exceeded your current quota."}


@dataclass
class FakeTime:
    """Stands in for the retry's clock and sleep: waiting moves the clock, instantly."""

    now: float = 1000.0
    waits: list[float] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """The retry waits in fake time and reports its notices here."""
    fake = FakeTime()
    monkeypatch.setattr(retry, "sleep", fake.sleep)
    monkeypatch.setattr(retry, "clock", lambda: fake.now)
    monkeypatch.setattr(retry, "notify", fake.notices.append)
    return fake


def _model(notebook: str = "t_retry") -> genai.GenerativeModel:
    return genai.GenerativeModel(helpers.setup(notebook, quiet=True).model)


def _generate_calls(server: StandIn) -> int:
    return sum(1 for r in server.received if r["path"].endswith(":generateContent"))


def test_the_policy_is_the_sdks_own_retry_class_and_keeps_its_interface() -> None:
    default = retry.GeminiRetry()
    assert isinstance(default, Retry) and default.timeout == retry.DEFAULT_POLICY.total == 60.0
    assert retry.DEFAULT_POLICY.attempts == 4 and retry.DEFAULT_POLICY.max_wait == 30.0
    shorter = default.with_timeout(5.0).with_delay(initial=0.5)
    assert isinstance(shorter, retry.GeminiRetry) and shorter.timeout == 5.0
    assert shorter.policy == retry.Policy(total=5.0, initial=0.5)
    assert default.with_deadline(None).policy.total == float("inf")
    never = default.with_predicate(lambda error: False)
    assert never.policy == retry.DEFAULT_POLICY and not never._predicate(api.InternalServerError("x"))


def test_with_timeout_bounds_the_installed_policy_too(live_against: StandIn, fake_time: FakeTime) -> None:
    live_against.inject(Fault(**QUOTA, retry_delay="3s", times=5))
    with pytest.raises(api.TooManyRequests):
        _model().generate_content(PROMPT, request_options={"retry": retry.GeminiRetry().with_timeout(5.0)})
    assert fake_time.waits == [3.0]


def test_429_waits_as_long_as_retry_info_asks(live_against: StandIn, fake_time: FakeTime) -> None:
    live_against.inject(Fault(**QUOTA, retry_delay="7s", times=2))
    assert "Stand-in reply" in _model().generate_content(PROMPT).text
    assert fake_time.waits == [7.0, 7.0]
    assert _generate_calls(live_against) == 3
    assert "429 RESOURCE_EXHAUSTED" in fake_time.notices[0] and "7.0 s as Gemini asked" in fake_time.notices[0]
    assert "attempt 2 of 4" in fake_time.notices[0]


def test_429_wait_is_capped(live_against: StandIn, fake_time: FakeTime) -> None:
    live_against.inject(Fault(**QUOTA, retry_delay="3600s"))
    _model().generate_content(PROMPT)
    assert fake_time.waits == [retry.DEFAULT_POLICY.max_wait]


def test_429_without_retry_info_reads_the_delay_from_the_message(live_against: StandIn, fake_time: FakeTime) -> None:
    live_against.inject(Fault(**{**QUOTA, "message": "Quota exceeded. Please retry in 12.5s."}))
    _model().generate_content(PROMPT)
    assert fake_time.waits == [12.5]


def test_429_attempts_are_bounded_then_the_message_says_free_tier_and_replay(
    live_against: StandIn, fake_time: FakeTime
) -> None:
    live_against.inject(Fault(**QUOTA, retry_delay="2s", times=50))
    model = _model()
    with pytest.raises(api.TooManyRequests) as caught:
        model.generate_content(PROMPT)
    assert _generate_calls(live_against) == 4
    assert fake_time.waits == [2.0, 2.0, 2.0]
    assert retry.retried(caught.value) == retry.Retried(attempts=4, waited=6.0)
    message = errors.explain(caught.value, session.current().error_context())
    assert message is not None
    assert "Quota exhausted (429 RESOURCE_EXHAUSTED)" in message and "free tier" in message
    assert "tried 4 times, waiting 6 s" in message and "asked to wait 2 s" in message
    assert "GEMINI_MODE=replay" in message


def test_total_time_is_bounded(live_against: StandIn, fake_time: FakeTime) -> None:
    live_against.inject(Fault(**QUOTA, retry_delay="25s", times=50))
    with pytest.raises(api.TooManyRequests) as caught:
        _model().generate_content(PROMPT)
    # 25 s + 25 s, and a third wait would start an attempt 75 s after the first: it gives up instead.
    assert fake_time.waits == [25.0, 25.0]
    assert _generate_calls(live_against) == 3
    assert retry.retried(caught.value) == retry.Retried(attempts=3, waited=50.0)


def test_server_errors_back_off_exponentially_with_jitter(live_against: StandIn, fake_time: FakeTime) -> None:
    live_against.inject(Fault(status=500, times=3))
    _model().generate_content(PROMPT)
    assert len(fake_time.waits) == 3
    for wait, ceiling in zip(fake_time.waits, (1.0, 2.0, 4.0), strict=True):
        assert 0.0 <= wait <= ceiling
    assert "500 Internal Server Error" in fake_time.notices[0]


@pytest.mark.parametrize(("status", "name"), [(500, "INTERNAL"), (502, "BAD_GATEWAY"), (503, "UNAVAILABLE")])
def test_transient_statuses_are_retried(live_against: StandIn, fake_time: FakeTime, status: int, name: str) -> None:
    live_against.inject(Fault(status=status, status_name=name, message="try later"))
    assert "Stand-in reply" in _model().generate_content(PROMPT).text
    assert _generate_calls(live_against) == 2 and len(fake_time.waits) == 1


def test_504_is_retried(live_against: StandIn, fake_time: FakeTime) -> None:
    live_against.inject(Fault(status=504, status_name="DEADLINE_EXCEEDED", message="Deadline expired."))
    assert "Stand-in reply" in _model().generate_content(PROMPT).text
    assert _generate_calls(live_against) == 2


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=400, status_name="FAILED_PRECONDITION", message="User location is not supported for the API use."),
        Fault(status=400, status_name="INVALID_ARGUMENT", message="API key not valid.", reason="API_KEY_INVALID"),
        Fault(status=403, status_name="PERMISSION_DENIED", message="Permission denied."),
        Fault(status=404, status_name="NOT_FOUND", message="models/gemini-pro is not found"),
    ],
)
def test_errors_that_do_not_get_better_are_not_retried(
    live_against: StandIn, fake_time: FakeTime, fault: Fault
) -> None:
    live_against.inject(fault)
    with pytest.raises(api.ClientError):
        _model().generate_content(PROMPT)
    assert _generate_calls(live_against) == 1 and fake_time.waits == []


def test_a_reset_connection_is_retried(live_against: StandIn, fake_time: FakeTime) -> None:
    live_against.inject(Fault(kind="reset", times=2))
    assert "Stand-in reply" in _model().generate_content(PROMPT).text
    assert len(fake_time.waits) == 2 and "the connection was reset" in fake_time.notices[0]


def test_resets_are_bounded_too(live_against: StandIn, fake_time: FakeTime) -> None:
    live_against.inject(Fault(kind="reset", times=50))
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        _model().generate_content(PROMPT)
    assert len(fake_time.waits) == 3 and retry.retried(caught.value) is not None
    message = errors.explain(caught.value, session.current().error_context())
    assert message is not None and "was reset" in message and "tried 4 times" in message
    assert "keeps its history" in message


def test_a_timeout_is_retried(live_against: StandIn, fake_time: FakeTime) -> None:
    model = _model()
    retry.install("live", retry.Policy(attempt_timeout=0.1))
    live_against.inject(Fault(kind="delay", seconds=0.5))
    assert "Stand-in reply" in model.generate_content(PROMPT).text
    assert len(fake_time.waits) == 1 and "no answer in time" in fake_time.notices[0]


def test_timeouts_are_bounded_then_the_message_says_so(live_against: StandIn, fake_time: FakeTime) -> None:
    model = _model()
    retry.install("live", retry.Policy(attempt_timeout=0.05, attempts=2))
    live_against.inject(Fault(kind="delay", seconds=0.3, times=2))
    with pytest.raises(requests.exceptions.Timeout) as caught:
        model.generate_content(PROMPT)
    assert retry.retried(caught.value) is not None and retry.retried(caught.value).attempts == 2
    message = errors.explain(caught.value, session.current().error_context())
    assert message is not None and "did not answer in time" in message and "tried 2 times" in message


def test_connection_refused_is_not_retried(monkeypatch: pytest.MonkeyPatch, fake_time: FakeTime) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        _model().generate_content(PROMPT)
    assert fake_time.waits == [] and retry.could_not_connect(caught.value)


def test_a_learners_own_retry_setting_wins(live_against: StandIn, fake_time: FakeTime) -> None:
    live_against.inject(Fault(**QUOTA, retry_delay="1s", times=5))
    with pytest.raises(api.TooManyRequests):
        _model().generate_content(PROMPT, request_options={"retry": None})
    assert _generate_calls(live_against) == 1 and fake_time.waits == []


def test_stream_opening_is_retried_but_a_broken_stream_is_not(live_against: StandIn, fake_time: FakeTime) -> None:
    model = _model()
    live_against.inject(Fault(status=503, status_name="UNAVAILABLE", path_contains="stream"))
    response = model.generate_content(PROMPT, stream=True)
    response.resolve()
    assert "Stand-in reply" in response.text and len(fake_time.waits) == 1
    long_prompt = " ".join(["word"] * 300)
    live_against.inject(Fault(kind="cut", path_contains="stream"))
    before = len(live_against.received)
    seen = []
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as caught:
        for chunk in model.generate_content(long_prompt, stream=True):
            seen.append(chunk.text)
    assert seen, "some chunks arrived before the break"
    assert len(live_against.received) == before + 1 and len(fake_time.waits) == 1
    message = errors.explain(caught.value, session.current().error_context())
    assert message is not None and "a stream is not retried" in message


def test_embeddings_and_model_listing_are_retried(live_against: StandIn, fake_time: FakeTime) -> None:
    settings = helpers.setup("t_retry", quiet=True)
    live_against.inject(Fault(**QUOTA, retry_delay="1s", path_contains="embedContent"))
    assert len(genai.embed_content(model=settings.embedding_model, content="Dota 2")["embedding"]) == 3072
    live_against.inject(Fault(status=503, status_name="UNAVAILABLE", path_contains="/v1beta/models"))
    assert len(list(genai.list_models())) > 1
    assert len(fake_time.waits) == 2


def test_record_mode_retries_and_keeps_failed_attempts_out_of_the_cassette(
    live_against: StandIn, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_MODE", "record")
    live_against.inject(Fault(status=500), Fault(**QUOTA, retry_delay="1s"))
    live = _model("t_rec_retry").generate_content(PROMPT).text
    session.teardown()
    assert len(fake_time.waits) == 2
    document = yaml.safe_load(recorded_cassette("t_rec_retry").read_text(encoding="utf-8"))
    assert [i["response"]["status"]["code"] for i in document["interactions"]] == [200]
    switch_to_replay("t_rec_retry", monkeypatch)
    assert _model("t_rec_retry").generate_content(PROMPT).text == live


def test_replay_does_not_retry_an_error_the_cassette_holds(fake_time: FakeTime) -> None:
    """A cassette holding a 503 (hand-made: recording drops them) answers it at once, every time."""
    cassette = Path(os.environ["GEMINI_CASSETTE_DIR"]) / "t_replay_503.yaml"
    cassette.parent.mkdir(parents=True, exist_ok=True)
    error = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    body = {"contents": [{"parts": [{"text": PROMPT}], "role": "user"}], "generationConfig": {}}
    interaction = {
        "request": {
            "method": "POST",
            "uri": "https://generativelanguage.googleapis.com/v1beta/models/gemini-3.8-flash:generateContent",
            "body": body,
        },
        "response": {
            "origin": "hand-made for a test",
            "status": {"code": 503, "message": "Service Unavailable"},
            "headers": {"content-type": ["application/json"]},
            "body": {"json": error},
        },
    }
    document = {"provenance": {"source": "authored"}, "interactions": [interaction]}
    document["digest"] = interactions_digest(document["interactions"])  # as a recording writes it
    cassette.write_text(yaml.safe_dump(document))
    model = genai.GenerativeModel(helpers.setup("t_replay_503", quiet=True).model)
    for _ in range(2):
        with pytest.raises(api.ServiceUnavailable) as caught:
            model.generate_content(PROMPT)
    assert fake_time.waits == [] and fake_time.notices == []
    message = errors.explain(caught.value, session.current().error_context())
    assert message is not None and "503 Service Unavailable" in message and "in the recording" in message


# --- a total deadline on every call ------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_a_trickling_server_is_stopped_at_the_attempts_deadline(live_against: StandIn, stream: bool) -> None:
    """One byte every 0.2 s never trips a read timeout; the whole answer still has a deadline."""
    model = _model("t_drip")
    retry.install("live", retry.Policy(attempts=1, attempt_timeout=1.0))
    live_against.inject(Fault(kind="drip", seconds=0.2, path_contains="enerateContent"))
    started = time.monotonic()
    with pytest.raises(retry.AnswerTooSlow) as caught:
        response = model.generate_content(PROMPT, stream=stream)
        for _ in response:
            pass
    assert time.monotonic() - started < 5, "stopped at the deadline, not after the whole trickle"
    message = errors.explain(caught.value, session.current().error_context())
    assert message is not None and "2 s" in message and "GEMINI_MODE=replay" in message


def test_the_deadline_leaves_the_alarm_as_it_found_it() -> None:
    import signal

    before = signal.getsignal(signal.SIGALRM)
    with retry.deadline(5.0):
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0 and signal.getsignal(signal.SIGALRM) is before
