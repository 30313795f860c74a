"""The widgets' logic, without a browser: presets recorded, offered in replay, clicks answered.

Each test records a small cassette against the local stand-in by creating the
widgets in record mode (which makes their preset calls), stops the stand-in,
and then works in replay with no key and no server; or works live against it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google.generativeai as genai
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import helpers
from helpers import session
from helpers import widgets as w
from helpers.plumbing.standin import Fault, Reply, Request, StandIn
from tests.conftest import FAKE_KEY, quiet_shell_config, switch_to_replay

PROMPT = "Write a short story about aliens."
PRESETS = [
    {"temperature": 0.0, "max_output_tokens": 40},
    {"temperature": 0.7, "max_output_tokens": 200, "stop_sequences": ["space"]},
]
NOT_RECORDED = {"temperature": 1.5, "max_output_tokens": 100}
SUGGESTIONS = ["Can you please guide me on how to start playing Dota 2?", "Which Dota 2 heroes should I start with?"]
PROMPTS = ["Describe this photo in one sentence."]
TEXTS = ["How do I start playing Dota 2?", "Which Dota 2 heroes suit a beginner?", "Best pasta recipe"]


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """An IPython shell, so that ``display`` inside an Output widget can be captured."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    yield InteractiveShell.instance(config=quiet_shell_config())
    InteractiveShell.clear_instance()


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    """Two small photos, made here."""
    from PIL import Image

    paths = [tmp_path / "gradient.png", tmp_path / "stripes.png"]
    Image.radial_gradient("L").convert("RGB").save(paths[0])
    Image.linear_gradient("L").convert("RGB").save(paths[1])
    return paths


def _make_all(settings: helpers.Settings, photos: list[Path], presets: list[dict[str, Any]] = PRESETS) -> dict:
    model = genai.GenerativeModel(settings.model)
    return {
        "playground": helpers.playground(model, PROMPT, presets),
        "chat": helpers.chat_box(model, SUGGESTIONS),
        "photo": helpers.photo_picker(model, [photos[0]], PROMPTS),
        "similarity": helpers.similarity_picker(TEXTS[:2], settings.embedding_model),
    }


@pytest.fixture
def replay(live_against: StandIn, monkeypatch: pytest.MonkeyPatch, photos: list[Path]) -> helpers.Settings:
    """Record the widgets' presets against the stand-in, stop it, and replay with no key."""
    monkeypatch.setenv("GEMINI_MODE", "record")
    _make_all(helpers.setup("t_widgets", quiet=True), photos)
    session.teardown()
    live_against.stop()
    switch_to_replay("t_widgets", monkeypatch)
    settings = helpers.setup("t_widgets", quiet=True)
    assert settings.mode == "replay"
    return settings


def _click(panel: w.Panel) -> str:
    """Click the panel's button and return what its output area shows, as text."""
    with capture_output() as captured:
        panel.click()
    shown = [o.data.get("text/markdown", o.data.get("text/plain", "")) for o in captured.outputs]
    return "\n".join([*shown, captured.stdout])


def test_record_mode_makes_every_preset_call(live_against: StandIn, monkeypatch: pytest.MonkeyPatch, photos) -> None:
    monkeypatch.setenv("GEMINI_MODE", "record")
    _make_all(helpers.setup("t_rec_widgets", quiet=True), photos)
    paths = [r["path"] for r in live_against.received]
    assert paths.count("/v1beta/models/gemini-3.8-flash:generateContent") == len(PRESETS) + len(SUGGESTIONS) + 1
    assert paths.count("/v1beta/models/gemini-embedding-001:batchEmbedContents") == 1, "all texts in one call"
    configs = [r["body"].get("generationConfig") for r in live_against.received[: len(PRESETS)]]
    assert configs[1] == {"temperature": 0.7, "maxOutputTokens": 200, "stopSequences": ["space"]}
    second_turn = live_against.received[len(PRESETS) + 1]["body"]["contents"]
    assert [c["role"] for c in second_turn] == ["user", "model", "user"], "the suggestions are one conversation"


def test_record_mode_does_not_repeat_what_the_notebook_recorded(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_MODE", "record")
    settings = helpers.setup("t_rec_once", quiet=True)
    model = genai.GenerativeModel(settings.model)
    model.generate_content(PROMPT, generation_config=w.Preset.of(PRESETS[1]).config())  # a notebook cell
    genai.embed_content(
        model=settings.embedding_model, content=TEXTS, task_type="semantic_similarity", output_dimensionality=768
    )
    helpers.playground(model, PROMPT, PRESETS)
    helpers.similarity_picker(TEXTS, settings.embedding_model)
    assert len(live_against.received) == 3, "only the preset the notebook had not sent"


def test_live_mode_calls_nothing_until_a_click(live_against: StandIn, photos) -> None:
    _make_all(helpers.setup("t_live_widgets", quiet=True), photos)
    assert live_against.received == []


def test_replay_offers_exactly_the_recorded_presets(replay: helpers.Settings) -> None:
    model = genai.GenerativeModel(replay.model)
    panel = helpers.playground(model, PROMPT, [*PRESETS, NOT_RECORDED])
    assert panel.offered == [w.Preset.of(p) for p in PRESETS]
    assert [value for _, value in panel.preset.options] == panel.offered
    text = repr(panel)
    assert "offers the 2 recorded settings" in text and "needs a key" in text
    assert "temperature 0.7 · max 200 tokens · stop “space”" in text and "temperature 1.5" not in text


def test_recordings_match_the_requests_the_sdk_builds(replay: helpers.Settings) -> None:
    recordings = w.Recordings.of(replay)
    assert recordings is not None and len(recordings.keys) == len(PRESETS) + len(SUGGESTIONS) + 1 + 1
    model = genai.GenerativeModel(replay.model)
    assert w.generate_key(model, PROMPT, w.Preset.of(PRESETS[1]).config()) in recordings.keys
    assert w.generate_key(model, PROMPT, w.Preset.of(NOT_RECORDED).config()) not in recordings.keys
    assert w.embed_key(replay.embedding_model, TEXTS[:2], "semantic_similarity", 768) in recordings.keys
    assert w.embed_key(replay.embedding_model, TEXTS[:2], "semantic_similarity", 3072) not in recordings.keys
    assert w.embed_key(replay.embedding_model, TEXTS[0], "semantic_similarity", 768) not in recordings.keys
    assert w.Recordings.of(None) is None


def test_replay_click_answers_from_the_cassette(replay: helpers.Settings, shell: InteractiveShell) -> None:
    panel = helpers.playground(genai.GenerativeModel(replay.model), PROMPT, PRESETS)
    panel.preset.value = panel.offered[1]
    assert panel.current() == w.Preset.of(PRESETS[1])
    assert "recorded: replay answers" in panel.status.value
    shown = _click(panel)
    assert "Stand-in reply from gemini-3.8-flash to “Write a short story about aliens.”" in shown
    assert not panel.button.disabled


def test_replay_refuses_an_unrecorded_setting_before_calling(replay: helpers.Settings, shell: InteractiveShell) -> None:
    panel = helpers.playground(genai.GenerativeModel(replay.model), PROMPT, PRESETS)
    panel.temperature.value = 1.25
    assert "not recorded" in panel.status.value and "needs a key" in panel.status.value
    shown = _click(panel)
    assert "Not recorded." in shown and "temperature 1.25" in shown and "needs a key" in shown
    assert "Stand-in reply" not in shown


def test_live_click_calls_the_model_with_the_sliders(live_against: StandIn, shell: InteractiveShell) -> None:
    settings = helpers.setup("t_live_click", quiet=True)
    panel = helpers.playground(genai.GenerativeModel(settings.model), PROMPT, PRESETS)
    panel.temperature.value, panel.max_tokens.value, panel.stops.value = 1.3, 5, "aliens, moon"
    shown = _click(panel)
    assert live_against.received[-1]["body"]["generationConfig"] == {
        "temperature": 1.3,
        "maxOutputTokens": 5,
        "stopSequences": ["aliens", "moon"],
    }
    assert "Stand-in reply" in shown and "MAX_TOKENS" in shown
    assert "Mode live" in repr(panel)


def test_live_click_failure_shows_the_learner_message(live_against: StandIn, shell: InteractiveShell) -> None:
    settings = helpers.setup("t_live_fail", quiet=True)
    panel = helpers.playground(genai.GenerativeModel(settings.model), PROMPT, PRESETS)
    region = "User location is not supported for the API use."
    live_against.inject(Fault(status=400, status_name="FAILED_PRECONDITION", message=region))
    shown = _click(panel)
    assert "User location is not supported" in shown and "GOOGLE_GEMINI_BASE_URL" in shown, "the errors module's advice"
    assert "Traceback" not in shown and FAKE_KEY not in shown
    assert not panel.button.disabled


class ThinkingAnswerer:
    """Answers as a thinking model does: 30 tokens of thinking, counted against max_output_tokens, then text."""

    def reply(self, request: Request) -> Reply:
        return Reply(text="A short answer from a model that thinks first.", thinking_tokens=30)


def test_live_answer_emptied_by_thinking_says_why(monkeypatch: pytest.MonkeyPatch, shell: InteractiveShell) -> None:
    with StandIn(ThinkingAnswerer(), valid_keys={FAKE_KEY}) as server:
        monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        settings = helpers.setup("t_live_thinking", quiet=True)
        panel = helpers.playground(genai.GenerativeModel(settings.model), PROMPT, PRESETS)
        panel.temperature.value, panel.max_tokens.value = 1.0, 12
        shown = _click(panel)
        assert "No text in this answer" in shown and "MAX_TOKENS" in shown
        assert "Why there is no text" in shown and "spent 12 tokens thinking" in shown, shown
        assert "thinking_config" in shown, "says what can turn thinking down"
        panel.max_tokens.value = 200
        shown = _click(panel)
        assert "A short answer from a model that thinks first." in shown and "Why there is no text" not in shown


def test_chat_box_follows_the_recorded_conversation(replay: helpers.Settings, shell: InteractiveShell) -> None:
    panel = helpers.chat_box(genai.GenerativeModel(replay.model), [*SUGGESTIONS, "Thanks!"])
    assert panel.recorded_conversation() == SUGGESTIONS
    assert list(panel.message.options) == SUGGESTIONS[:1] and "pick the next message" in panel.status.value
    first = _click(panel)
    assert "**user**: Can you please guide me" in first and "**model**: Stand-in reply" in first
    assert list(panel.message.options) == SUGGESTIONS[1:]
    second = _click(panel)
    assert second.count("**user**") == 2 and len(panel.chat.history) == 4
    assert panel.button.disabled and "ends here" in panel.status.value
    panel.start_over()
    assert panel.chat.history == [] and list(panel.message.options) == SUGGESTIONS[:1]
    assert "the recorded conversation of 2 messages" in repr(panel)


def test_chat_box_refuses_a_message_out_of_order(replay: helpers.Settings, shell: InteractiveShell) -> None:
    panel = helpers.chat_box(genai.GenerativeModel(replay.model), SUGGESTIONS)
    panel.message.options = SUGGESTIONS  # as if the learner had forced a choice
    panel.message.value = SUGGESTIONS[1]
    assert "Not recorded." in _click(panel) and panel.chat.history == []


def test_chat_box_live_sends_what_is_typed(live_against: StandIn, shell: InteractiveShell) -> None:
    settings = helpers.setup("t_live_chat", quiet=True)
    panel = helpers.chat_box(genai.GenerativeModel(settings.model), SUGGESTIONS)
    panel.message.value = "Hello there"
    assert "“Hello there”" in _click(panel)
    panel.message.value = "And again"
    _click(panel)
    assert [c["role"] for c in live_against.received[-1]["body"]["contents"]] == ["user", "model", "user"]


def test_photo_picker_offers_recorded_pairs_and_answers(
    replay: helpers.Settings, shell: InteractiveShell, photos: list[Path]
) -> None:
    panel = helpers.photo_picker(genai.GenerativeModel(replay.model), photos, [*PROMPTS, "Write a poem about it."])
    assert panel.pairs == [(photos[0].name, PROMPTS[0])]
    assert list(panel.photo.options) == [photos[0].name] and list(panel.prompt.options) == PROMPTS
    assert panel.image.value[:2] == b"\xff\xd8", "the photo is shown as a JPEG thumbnail"
    assert "and 1 image(s)" in _click(panel)
    assert "the 1 recorded photo and prompt pairs" in repr(panel) and "gradient.png" in repr(panel)


def test_similarity_picker_compares_recorded_texts(replay: helpers.Settings, shell: InteractiveShell) -> None:
    panel = helpers.similarity_picker(TEXTS[:2], replay.embedding_model)
    assert panel.offered == TEXTS[:2] and list(panel.first.options) == TEXTS[:2]
    shown = _click(panel)
    expected = w.cosine(panel.vectors[TEXTS[0]], panel.vectors[TEXTS[1]])
    assert f"Cosine similarity: {expected:.3f}" in shown and 0 < expected < 1
    assert "the 2 recorded texts" in repr(panel)


def test_similarity_picker_offers_nothing_for_other_texts(replay: helpers.Settings) -> None:
    panel = helpers.similarity_picker(TEXTS, f"models/{replay.embedding_model}")
    assert panel.offered == [] and "not recorded" in panel.status.value
    assert "the 0 recorded texts" in repr(panel) and "Best pasta" not in repr(panel)


def test_similarity_picker_live_embeds_typed_text(live_against: StandIn, shell: InteractiveShell) -> None:
    settings = helpers.setup("t_live_sim", quiet=True)
    panel = helpers.similarity_picker(TEXTS, settings.embedding_model, dimensions=8)
    panel.first.value, panel.second.value = "cats and dogs", "cats and dogs"
    assert "Cosine similarity: 1.000" in _click(panel)
    assert len(live_against.received) == 1, "the same text is embedded once"
    assert live_against.received[0]["body"]["requests"][0]["outputDimensionality"] == 8


def test_construction_is_deterministic_and_silent(replay: helpers.Settings, photos: list[Path], capsys) -> None:
    first = {name: panel._repr_mimebundle_() for name, panel in _make_all(replay, photos).items()}
    second = {name: panel._repr_mimebundle_() for name, panel in _make_all(replay, photos).items()}
    assert capsys.readouterr().out == ""
    for name in first:
        assert first[name]["text/plain"] == second[name]["text/plain"]
        assert "0x" not in first[name]["text/plain"]
        assert first[name]["application/vnd.jupyter.widget-view+json"]["model_id"]


def test_nothing_recorded_says_so(replay: helpers.Settings) -> None:
    model = genai.GenerativeModel(replay.model)
    panel = helpers.playground(model, "Another prompt", PRESETS)
    assert panel.offered == [] and "offers the 0 recorded settings" in repr(panel)
    chat = helpers.chat_box(model, ["Something else"])
    assert chat.button.disabled and "ends here" in chat.status.value
