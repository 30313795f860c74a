"""The record path, for real: record against a local stand-in, stop it, replay."""

from __future__ import annotations

import itertools
from pathlib import Path

import google.generativeai as genai
import pytest
import yaml

import helpers
from helpers import session
from helpers.plumbing.recording import SecretLeak
from helpers.plumbing.standin import EchoAnswerer, Request, StandIn
from tests.conftest import FAKE_KEY, recorded_cassette, switch_to_replay


def _calls(settings: helpers.Settings) -> dict[str, object]:
    """Generate, stream, chat and embed: every kind of call the series makes."""
    model = genai.GenerativeModel(settings.model)
    text = model.generate_content("Who is the GOAT in the NBA?").text
    stream = model.generate_content("Write a Julia function for cleaning the data.", stream=True)
    streamed = [chunk.text for chunk in stream if chunk.parts]  # the last chunk has no text part
    chat = model.start_chat(history=[])
    chat.send_message("Can you please guide me on how to start playing Dota 2?")
    chat.send_message("Which Dota 2 heroes should I start with?")
    one = genai.embed_content(
        model=settings.embedding_model, content="Dota 2", task_type="retrieval_document", title="Dota"
    )
    many = genai.embed_content(model=settings.embedding_model, content=["a", "b"], output_dimensionality=8)
    return {
        "text": text,
        "streamed": streamed,
        "chat": [m.parts[0].text for m in chat.history],
        "one": one["embedding"][:5],
        "many": many["embedding"],
    }


def test_record_then_replay_without_server_or_key(live_against: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_MODE", "record")
    settings = helpers.setup("t_rec", quiet=True)
    live = _calls(settings)
    session.teardown()
    live_against.stop()
    assert all(r["key"] == FAKE_KEY for r in live_against.received)

    text = recorded_cassette("t_rec").read_text(encoding="utf-8")
    assert FAKE_KEY not in text and FAKE_KEY[-12:] not in text
    document = yaml.safe_load(text)
    assert document["provenance"]["source"] == "authored"
    assert len(document["interactions"]) == 6
    assert all(i["response"]["origin"].startswith("authored") for i in document["interactions"])
    assert all(set(i["response"]["headers"]) <= {"content-type", "x-gemini-standin"} for i in document["interactions"])

    switch_to_replay("t_rec", monkeypatch)
    settings = helpers.setup("t_rec", quiet=True)
    assert settings.mode == "replay"
    assert _calls(settings) == live


def test_serializer_refuses_to_write_a_key(live_against: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers.plumbing.recording import CassetteSerializer

    serializer = CassetteSerializer(forbidden=(FAKE_KEY,))
    data = {
        "interactions": [
            {
                "request": {"method": "GET", "uri": f"http://x/v1beta/models?key={FAKE_KEY}", "body": None},
                "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{}"}},
            }
        ]
    }
    with pytest.raises(SecretLeak):
        serializer.serialize(data)


def test_images_are_stored_as_digests(live_against: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    image_path = Path("photo.png")
    Image.radial_gradient("L").convert("RGB").save(image_path)
    monkeypatch.setenv("GEMINI_MODE", "record")
    settings = helpers.setup("t_img", quiet=True)
    genai.GenerativeModel(settings.model).generate_content(["Describe it.", Image.open(image_path)])
    session.teardown()
    text = recorded_cassette("t_img").read_text()
    assert "sha256:" in text and "bytes)" in text
    assert len(text) < 4000


def test_embedding_provenance_only_in_cassettes_with_embeddings(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_MODE", "record")
    monkeypatch.setenv("GEMINI_PROVENANCE_EMBEDDINGS", "vectors from a test model")
    recordings = recorded_cassette("t_embeds").parent
    settings = helpers.setup("t_text_only", quiet=True)
    genai.GenerativeModel(settings.model).generate_content("Hello")
    session.teardown()
    settings = helpers.setup("t_embeds", quiet=True)
    session.current().cassette.save()  # a save before any embedding call must not lose the note
    genai.embed_content(model=settings.embedding_model, content="Hello")
    session.teardown()
    text_only = yaml.safe_load((recordings / "t_text_only.yaml").read_text())["provenance"]
    embeds = yaml.safe_load((recordings / "t_embeds.yaml").read_text())["provenance"]
    assert "embeddings" not in text_only
    assert embeds["embeddings"] == "vectors from a test model"


class CountingAnswerer(EchoAnswerer):
    """Answers differ on every call, as a real model's do."""

    def __init__(self) -> None:
        self.calls = 0

    def reply(self, request: Request) -> str:
        self.calls += 1
        return f"Answer number {self.calls} to “{request.prompt}”."


def test_a_repeated_request_is_recorded_once_and_replayed_as_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    answerer = CountingAnswerer()
    with StandIn(answerer, valid_keys={FAKE_KEY}) as server:
        monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        monkeypatch.setenv("GEMINI_MODE", "record")
        model = genai.GenerativeModel(helpers.setup("t_twice_rec", quiet=True).model)
        recorded = [model.generate_content("Same prompt").text for _ in range(2)]
        session.teardown()
    assert answerer.calls == 1 and recorded == ["Answer number 1 to “Same prompt”."] * 2
    switch_to_replay("t_twice_rec", monkeypatch)
    model = genai.GenerativeModel(helpers.setup("t_twice_rec", quiet=True).model)
    assert [model.generate_content("Same prompt").text for _ in range(2)] == recorded


def test_a_paged_model_list_replays_page_by_page(monkeypatch: pytest.MonkeyPatch) -> None:
    with StandIn(valid_keys={FAKE_KEY}, models_per_page=2) as server:
        monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        monkeypatch.setenv("GEMINI_MODE", "record")
        helpers.setup("t_pages", quiet=True)
        live = [m.name for m in itertools.islice(genai.list_models(), 50)]
        session.teardown()
    assert len(live) == len(server.models) > 2
    switch_to_replay("t_pages", monkeypatch)
    helpers.setup("t_pages", quiet=True)
    replayed = [m.name for m in itertools.islice(genai.list_models(), 50)]  # bounded: a regression loops
    assert replayed == live


def test_binary_bodies_are_stored_as_digests() -> None:
    from helpers.plumbing.recording import parse_body

    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256))
    assert parse_body(jpeg).startswith("sha256:") and parse_body(jpeg).endswith("(260 bytes)")


def test_a_request_recorded_before_a_save_plays_back_after_it(live_against: StandIn, monkeypatch) -> None:
    """In a notebook, record mode saves after every cell; a later cell may repeat an earlier call."""
    monkeypatch.setenv("GEMINI_MODE", "record")
    settings = helpers.setup("t_saved", quiet=True)
    model = genai.GenerativeModel(settings.model)
    first = [chunk.text for chunk in model.generate_content("Stream me", stream=True) if chunk.parts]
    settings.cassette.save()
    assert [chunk.text for chunk in model.generate_content("Stream me", stream=True) if chunk.parts] == first
    assert len(live_against.received) == 1
