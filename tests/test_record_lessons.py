"""Record mode sends the retry that follows a lesson's failure on to the stand-in (instead of playing the recorded
429 back to it), and replay then plays the failures and the answer in the same order."""

from __future__ import annotations

from pathlib import Path

import pytest
from google import genai
from google.genai import errors, types

from authoring import AuthoredAnswerer
from helpers.plumbing import recording
from helpers.plumbing.standin import StandIn

MODEL = "gemini-3.8-flash"
NO_WAIT = types.HttpRetryOptions(attempts=4, initial_delay=0.0, max_delay=0.0, jitter=0.0)


def test_a_lesson_fault_is_recorded_and_replayed_before_the_answer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GEMINI_CASSETTE_DIR", str(tmp_path))
    monkeypatch.setenv("GEMINI_RECORD_DIR", str(tmp_path))
    monkeypatch.setenv("GEMINI_API_KEY", "standin-test-key")
    entry = {"prompt": "Busy?", "text": "Not now.", "faults": [{"status": 429, "retry_delay": "0.1s"}, {"status": 503}]}
    seen: dict[str, list[str]] = {}

    def calls(label: str) -> None:
        outcomes = seen.setdefault(label, [])
        for options in (types.HttpOptions(retry_options=NO_WAIT), None, types.HttpOptions(retry_options=NO_WAIT)):
            client = genai.Client(http_options=options)  # kept referenced: a discarded client closes
            try:
                outcomes.append(client.models.generate_content(model=MODEL, contents="Busy?").text)
            except errors.APIError as error:
                outcomes.append(str(error.code))

    with StandIn(AuthoredAnswerer(Path("t.yaml"), [entry])) as server:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        opened = recording.open_cassette("t", recording=True, endpoint=server.url)
        calls("record")
        opened.close()
        assert len(server.received) == 3  # 429, 503, answer: the retries reached the stand-in
    cassette = (tmp_path / "t.yaml").read_text()
    assert cassette.count(recording.LESSON_FAULT_HEADER) == 2
    opened = recording.open_cassette("t", recording=False, endpoint="replay")
    calls("replay")
    opened.close()
    # with retries: the answer; without: the recorded 429 again; with retries: the 503, then the answer
    assert seen["record"] == seen["replay"] == ["Not now.", "429", "Not now."]
