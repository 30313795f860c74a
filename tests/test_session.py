"""Mode selection, the banner, and what replay says when it cannot answer."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import google.generativeai as genai
import pytest

import helpers
from helpers import session
from helpers.keys import FoundKey
from helpers.plumbing import errors
from helpers.plumbing.standin import StandIn
from tests.conftest import FAKE_KEY, switch_to_replay


def test_default_mode_is_replay_without_key_and_live_with_one() -> None:
    assert session.choose_mode(None, None) == "replay"
    assert session.choose_mode("", FoundKey(FAKE_KEY, "test")) == "live"
    assert session.choose_mode("replay", FoundKey(FAKE_KEY, "test")) == "replay"


def test_live_without_key_says_where_keys_come_from() -> None:
    with pytest.raises(errors.MissingKey) as caught:
        session.choose_mode("live", None)
    message = str(caught.value)
    assert ".env" in message and "Colab" in message and "GEMINI_API_KEY" in message and "replay" in message


def test_unknown_mode_is_named() -> None:
    with pytest.raises(errors.TutorialError, match="'fast' is not a mode"):
        session.choose_mode("fast", None)


def test_mode_from_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("GEMINI_MODE=replay\nGEMINI_MODEL=gemini-3.6-flash\n")
    environ = session.settings_environment()
    assert environ["GEMINI_MODE"] == "replay" and environ["GEMINI_MODEL"] == "gemini-3.6-flash"
    monkeypatch.setenv("GEMINI_MODEL", "gemini-3.5-flash-lite")
    assert session.settings_environment()["GEMINI_MODEL"] == "gemini-3.5-flash-lite"


def _record_small_cassette(server: StandIn, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("GEMINI_MODE", "record")
    settings = helpers.setup(name, quiet=True)
    genai.GenerativeModel(settings.model).generate_content("Who is the GOAT in the NBA?")
    session.teardown()
    switch_to_replay(name, monkeypatch)


def test_replay_banner_says_authored_when_recorded_from_standin(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _record_small_cassette(live_against, monkeypatch, "t_banner")
    settings = helpers.setup("t_banner")
    line = capsys.readouterr().out
    assert settings.mode == "replay"
    assert "replay: answers come from a recording" in line and "AUTHORED" in line
    assert "not recorded from Gemini" in line
    assert "t_banner.yaml" in line and settings.model in line
    assert max(len(row) for row in line.splitlines()) <= 100, "a block that reads at a glance, no wrapped line"


def test_banner_renders_as_markdown_in_jupyter(live_against: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    _record_small_cassette(live_against, monkeypatch, "t_banner_md")
    settings = helpers.setup("t_banner_md", quiet=True)
    rendered = session.banner(settings)._repr_markdown_()
    assert rendered.startswith("> **Mode** replay") and "t_banner_md.yaml`" in rendered
    assert f"`{settings.model}`" in rendered and "**Source** AUTHORED" in rendered


def test_banner_shows_an_endpoint_without_its_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cr3t-in-the-url"
    for endpoint in (f"https://gw.example/?key={secret}", f"https://user:{secret}@gw.example"):
        shown = session.shown_endpoint(endpoint)
        assert secret not in shown and "gw.example" in shown and shown.count("(key removed)") == 1


def test_replay_banner_says_recorded_when_the_server_is_not_a_standin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with StandIn(valid_keys={FAKE_KEY}, announce=False) as server:
        monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        _record_small_cassette(server, monkeypatch, "t_recorded")
    settings = helpers.setup("t_recorded")
    assert settings.provenance["source"] == "recorded"
    assert f"recorded from Gemini ({server.url})" in capsys.readouterr().out


def test_replay_answers_twice_and_rerunning_setup_works(live_against: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    _record_small_cassette(live_against, monkeypatch, "t_twice")
    for _ in range(2):
        settings = helpers.setup("t_twice", quiet=True)
        model = genai.GenerativeModel(settings.model)
        first = model.generate_content("Who is the GOAT in the NBA?").text
        assert model.generate_content("Who is the GOAT in the NBA?").text == first


def test_replay_miss_names_notebook_cassette_and_closest_prompt(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record_small_cassette(live_against, monkeypatch, "t_miss")
    settings = helpers.setup("t_miss", quiet=True)
    with pytest.raises(Exception) as caught:
        genai.GenerativeModel(settings.model).generate_content("Who is the best NBA player ever?")
    message = errors.explain(caught.value, settings.error_context())
    assert message is not None
    assert "t_miss" in message and "t_miss.yaml" in message
    assert "Closest recorded request: “Who is the GOAT in the NBA?”" in message
    assert "python -m helpers record t_miss" in message and "GEMINI_API_KEY" in message


def test_replay_without_cassette_says_so() -> None:
    with pytest.raises(Exception, match="has no recordings to replay"):
        helpers.setup("t_none", quiet=True)


def test_live_banner_masks_key(live_against: StandIn, capsys: pytest.CaptureFixture[str]) -> None:
    settings = helpers.setup("t_live")
    line = capsys.readouterr().out
    assert settings.mode == "live" and settings.cassette is None
    assert "live: every call goes to Gemini" in line and "…" + FAKE_KEY[-4:] in line and FAKE_KEY not in line
    assert live_against.url in line
    answer = genai.GenerativeModel(settings.model).generate_content("Hello")
    assert "Stand-in reply" in answer.text


def test_replay_miss_in_a_rerun_chat_says_the_history_differs(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_MODE", "record")
    settings = helpers.setup("t_chat", quiet=True)
    chat = genai.GenerativeModel(settings.model).start_chat(history=[])
    chat.send_message("Hello")
    chat.send_message("And then?")
    session.teardown()
    switch_to_replay("t_chat", monkeypatch)

    settings = helpers.setup("t_chat", quiet=True)
    chat = genai.GenerativeModel(settings.model).start_chat(history=[])
    chat.send_message("Hello")
    chat.send_message("And then?")
    with pytest.raises(Exception) as caught:
        chat.send_message("And then?")  # a re-run cell: the same text after a longer history
    message = errors.explain(caught.value, settings.error_context())
    assert message is not None
    assert "recorded, but after 2 earlier message(s); this chat sent 4" in message
    assert "chat.rewind()" in message
    assert len(chat.history) == 4


def test_a_misspelt_setting_is_warned_about_once_per_setup() -> None:
    Path(".env").write_text("GEMINI_MODLE=gemini-3.6-flash\n")  # no key anywhere: .env is read twice
    with warnings.catch_warnings(record=True) as caught, pytest.raises(Exception, match="no recordings"):
        warnings.simplefilter("always")
        helpers.setup("t_misspelt", quiet=True)
    assert len([w for w in caught if "GEMINI_MODLE" in str(w.message)]) == 1


def test_a_bare_genai_client_uses_the_session_key_and_endpoint(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """google-genai's ``genai.Client()`` with no arguments reaches the same endpoint with the same key."""
    from google import genai as new_genai

    monkeypatch.setenv("GOOGLE_API_KEY", "another-key-that-would-win-in-google-genai")
    with pytest.warns(UserWarning, match="differ; using GEMINI_API_KEY"):
        settings = helpers.setup("t_genai", quiet=True)
    client = new_genai.Client()
    answer = client.models.generate_content(model=settings.model, contents="Hello")
    assert "Stand-in reply" in (answer.text or "")
    assert live_against.received[-1]["key"] == FAKE_KEY
    session.teardown()
    assert os.environ["GOOGLE_API_KEY"] == "another-key-that-would-win-in-google-genai", "restored after teardown"


def test_replay_exports_a_placeholder_and_rerunning_setup_does_not_take_it_for_a_key(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record_small_cassette(live_against, monkeypatch, "t_placeholder")
    helpers.setup("t_placeholder", quiet=True)
    assert os.environ["GEMINI_API_KEY"] == session.REPLAY_PLACEHOLDER_KEY
    assert helpers.setup("t_placeholder", quiet=True).mode == "replay"
