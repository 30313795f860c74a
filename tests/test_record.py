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


# --- damage, missing cassettes ------------------------------------------------------------------


def _record_two_turns(name: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GEMINI_MODE", "record")
    settings = helpers.setup(name, quiet=True)
    model = genai.GenerativeModel(settings.model)
    model.generate_content("First question")
    model.generate_content("Second question")
    session.teardown()
    return switch_to_replay(name, monkeypatch)


def test_a_cassette_cut_short_where_the_yaml_stays_valid_is_called_damaged(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _record_two_turns("t_cut", monkeypatch)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("- request:", text.index("- request:") + 1)], encoding="utf-8")  # 1 of 2
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"], "still valid YAML, one interaction"
    with pytest.raises(Exception, match="cut short") as caught:
        helpers.setup("t_cut", quiet=True)
    assert "git checkout -- " in str(caught.value) and "python -m helpers record t_cut" in str(caught.value)


def test_a_hand_edited_answer_no_longer_matches_the_digest(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _record_two_turns("t_edit", monkeypatch)
    path.write_text(path.read_text(encoding="utf-8").replace("Second question", "Third question"), encoding="utf-8")
    with pytest.raises(Exception, match="edited by hand"):
        helpers.setup("t_edit", quiet=True)


def test_an_empty_cassette_says_it_is_empty(live_against: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _record_two_turns("t_empty", monkeypatch)
    path.write_text("", encoding="utf-8")
    with pytest.raises(Exception, match="it is empty") as caught:
        helpers.setup("t_empty", quiet=True)
    assert "unknown origin" not in str(caught.value)


def test_setup_with_a_misspelt_notebook_name_lists_the_names() -> None:
    with pytest.raises(Exception, match="no notebook of that name") as caught:
        helpers.setup("01_txt", quiet=True)
    assert "Did you mean helpers.setup('01_text')" in str(caught.value) and "00_setup" in str(caught.value)


def test_a_deleted_cassette_says_how_to_restore_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GEMINI_CASSETTE_DIR", str(tmp_path))  # 01_text is a notebook, but its cassette is gone
    with pytest.raises(Exception, match="has no recordings to replay") as caught:
        helpers.setup("01_text", quiet=True)
    assert "git checkout -- " in str(caught.value) and "python -m helpers record 01_text" in str(caught.value)


def test_every_committed_cassette_carries_a_matching_digest() -> None:
    from helpers.plumbing.recording import REPO_ROOT, CassetteSerializer

    cassettes = sorted((REPO_ROOT / "notebooks" / "cassettes").glob("*.yaml"))
    assert cassettes
    for path in cassettes:
        CassetteSerializer().deserialize(path.read_text(encoding="utf-8"))  # raises on a missing or wrong digest


def test_embedding_vectors_are_stored_as_one_text_each_and_replay_the_same_numbers() -> None:
    """A response full of numbers is one YAML text (fast to load), not thousands of YAML nodes."""
    import json

    from helpers.plumbing.recording import NUMBERS_STORED_AS_TEXT, CassetteSerializer

    vectors = [[round(0.001 * (i % 97) - 0.05, 6) for i in range(768)] for _ in range(3)]
    body = json.dumps({"embeddings": [{"values": v} for v in vectors]})
    data = {
        "interactions": [
            {
                "request": {"method": "POST", "uri": "http://x/v1beta/models/m:batchEmbedContents", "body": "{}"},
                "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": body}},
            }
        ]
    }
    serializer = CassetteSerializer()
    text = serializer.serialize(data)
    stored = yaml.safe_load(text)["interactions"][0]["response"]["body"]
    assert set(stored) == {"string"} and NUMBERS_STORED_AS_TEXT < 3 * 768
    assert len(stored["string"].splitlines()) < 20  # one line per vector, not one per number
    replayed = serializer.deserialize(text)["interactions"][0]["response"]["body"]["string"]
    assert json.loads(replayed) == json.loads(body)
    small = json.dumps({"candidates": [{"content": {"parts": [{"text": "hi"}]}}], "usageMetadata": {"total": 3}})
    data["interactions"][0]["response"]["body"]["string"] = small
    assert "json" in yaml.safe_load(serializer.serialize(data))["interactions"][0]["response"]["body"]


# --- google-genai: streams, polling, uploads --------------------------------------------------


def test_sse_stream_is_stored_as_events_and_replays_the_same_chunks() -> None:
    from helpers.plumbing.recording import sse_events, sse_text

    body = 'data: {"a": 1}\r\n\r\ndata: {"a": 2}\r\n\r\nevent: done\r\ndata: [DONE]\r\n\r\n'
    events = sse_events(body)
    assert events == [{"data": {"a": 1}}, {"data": {"a": 2}}, {"event": "done", "data": "[DONE]"}]
    assert sse_events(sse_text(events)) == events


def test_polling_the_same_request_replays_the_recorded_answers_in_order(tmp_path: Path) -> None:
    from vcr.request import Request as VcrRequest

    from helpers.plumbing.recording import open_cassette

    url = "http://example.invalid/v1beta/interactions/abc"
    path = tmp_path / "poll.yaml"
    opened = open_cassette("poll", recording=True, endpoint="http://example.invalid")
    opened.close()
    cassette = opened.cassette
    for status in ("in_progress", "in_progress", "completed"):
        cassette.append(
            VcrRequest("GET", url, None, {}),
            {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": status}, "origin": "authored"},
        )
    played = [cassette.play_response(VcrRequest("GET", url, None, {}))["body"]["string"] for _ in range(4)]
    assert played == ["in_progress", "in_progress", "completed", "in_progress"], "in order, then the sequence again"
    assert path.parent.exists()


def test_an_upload_url_keeps_its_upload_headers_but_never_a_key() -> None:
    from helpers.plumbing.recording import response_cleaner

    clean = response_cleaner("http://example.invalid")
    response = {
        "status": {"code": 200},
        "headers": {
            "X-Goog-Upload-URL": ["https://up.example/upload/v1beta/files?upload_id=xyz&key=AIzaSECRET"],
            "X-Goog-Upload-Status": ["active"],
            "Set-Cookie": ["a=b"],
        },
    }
    cleaned = clean(response)
    assert cleaned is not None
    assert cleaned["headers"]["x-goog-upload-url"] == ["https://up.example/upload/v1beta/files?upload_id=xyz"]
    assert cleaned["headers"]["x-goog-upload-status"] == ["active"] and "set-cookie" not in cleaned["headers"]


# --- a recording that dies ------------------------------------------------------------------------

KILLED_DURING_CHECK = """
import os, signal, sys
from pathlib import Path
from helpers.plumbing import refresh

def recorded(path):
    (Path(os.environ["GEMINI_RECORD_DIR"]) / "t_killed.yaml").write_text(
        "interactions:\\n- request: {method: GET, uri: 'http://h/v1beta/models', body: null}\\n")

def killed(name):  # the terminal closes (or the process is killed) while the new cassette is being checked
    os.kill(os.getpid(), getattr(signal, sys.argv[1]))

refresh.execute = recorded
refresh.refresh_outputs = killed
refresh.record_one("t_killed", {"GEMINI_API_KEY": "not-a-real-key"})
"""


@pytest.mark.parametrize("signal_name", ["SIGHUP", "SIGKILL"])
def test_a_recording_killed_during_its_replay_check_keeps_the_old_cassette(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signal_name: str
) -> None:
    import os
    import subprocess
    import sys

    from helpers.plumbing.recording import REPO_ROOT

    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    old = cassettes / "t_killed.yaml"
    old.write_bytes(b"the committed cassette\n")
    env = {**os.environ, "GEMINI_CASSETTE_DIR": str(cassettes), "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-c", KILLED_DURING_CHECK, signal_name], env=env, cwd=tmp_path)
    assert done.returncode != 0, "the process was killed"
    assert old.read_bytes() == b"the committed cassette\n"
    assert sorted(p.name for p in cassettes.iterdir()) == ["t_killed.yaml"], "nothing half-written beside it"


def test_ctrl_c_during_record_says_in_one_line_what_was_kept(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.__main__ import main
    from helpers.plumbing import refresh

    def interrupted(name: str, extra_env: object = None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(refresh, "record_one", interrupted)
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    assert main(["record", "01_text"]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "as it was" in err and "Traceback" not in err


def test_polling_a_background_interaction_records_each_poll_and_replays_them_in_order(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Record mode sends every GET (the state changes between polls); replay gives the polls back in order."""
    from google import genai as new_genai

    def poll_until_done(model: str) -> list[str]:
        client = new_genai.Client()
        interaction = client.interactions.create(model=model, input="Hello", background=True)
        statuses = [interaction.status]
        while statuses[-1] != "completed" and len(statuses) < 10:
            statuses.append(client.interactions.get(interaction.id).status)
        return statuses

    monkeypatch.setenv("GEMINI_MODE", "record")
    settings = helpers.setup("t_poll", quiet=True)
    recorded = poll_until_done(settings.model)
    session.teardown()
    assert recorded[-1] == "completed" and len(recorded) >= 3, recorded
    switch_to_replay("t_poll", monkeypatch)
    settings = helpers.setup("t_poll", quiet=True)
    assert poll_until_done(settings.model) == recorded
    assert poll_until_done(settings.model) == recorded, "a re-run cell polls the same way again"


def test_url_safe_base64_inline_bytes_are_stored_as_digests() -> None:
    """google-genai sends inline bytes as URL-safe base64: they must become a digest, not sit in the cassette."""
    import base64
    import json

    from helpers.plumbing.recording import parse_body

    data = bytes(range(256)) * 8  # holds bytes whose base64 has '+' and '/', so URL-safe differs
    body = {
        "contents": [
            {"parts": [{"inlineData": {"mimeType": "audio/wav", "data": base64.urlsafe_b64encode(data).decode()}}]}
        ]
    }
    stored = parse_body(json.dumps(body))
    assert stored["contents"][0]["parts"][0]["inlineData"]["data"].startswith("sha256:")


# --- google-genai end to end: record against the stand-in, then replay with no key and no server ----------


def test_google_genai_records_and_replays_streams_interactions_and_uploads(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The same calls, recorded then replayed, give the same results: SSE chunk by chunk, a two-turn
    interaction, and a file uploaded by the resumable protocol; the cassette holds no key and no file bytes."""
    from google import genai as new_genai

    document = tmp_path / "notes.pdf"
    document.write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 40)

    def calls(model: str) -> dict[str, object]:
        client = new_genai.Client()
        chunks = [
            c.text
            for c in client.models.generate_content_stream(
                model=model,
                contents="Tell me a story about a lighthouse keeper who finds a message in a bottle one night",
            )
        ]
        first = client.interactions.create(model=model, input="Hello")
        second = client.interactions.create(model=model, input="And then?", previous_interaction_id=first.id)
        uploaded = client.files.upload(file=document, config={"mime_type": "application/pdf"})
        answer = client.models.generate_content(model=model, contents=[uploaded, "What is in this file?"])
        return {
            "chunks": chunks,
            "turns": [first.output_text, second.output_text],
            "file": (uploaded.name, uploaded.size_bytes),
            "answer": answer.text,
        }

    monkeypatch.setenv("GEMINI_MODE", "record")
    settings = helpers.setup("t_genai_all", quiet=True)
    recorded = calls(settings.model)
    session.teardown()
    cassette = switch_to_replay("t_genai_all", monkeypatch)
    text = cassette.read_text(encoding="utf-8")
    assert FAKE_KEY not in text and "key=" not in text
    assert "events:" in text, "the stream is stored as its events"
    assert len(recorded["chunks"]) > 2, "a stream of several chunks"  # type: ignore[arg-type]
    settings = helpers.setup("t_genai_all", quiet=True)
    assert calls(settings.model) == recorded
