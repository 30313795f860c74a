"""The stand-in, driven by the real google-genai client, for everything Part II teaches.

Each test starts a stand-in answering from authored entries (the answers-file
format of ``authoring``), points ``genai.Client()`` at it through the
environment, as a learner's notebook does, and checks one behaviour. Raw
answers are also parsed into the SDK's own types with their strictest settings
(``extra="forbid"``, no unknown union variants), so the shapes are the ones the
SDK expects from Gemini.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import importlib.util
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pydantic
import pytest
from google import genai
from google.genai import errors, types
from google.genai._gaos.types.interactions import Interaction, InteractionSSEStreamEvent

from authoring import IMAGES, AuthoredAnswerer
from helpers.plumbing.standin import LESSON_FAULT_HEADER, STANDIN_HEADER, EchoAnswerer, StandIn

MODEL = "gemini-3.8-flash"
FIG = "fig.jpg"
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def answerer(*entries: dict[str, Any]) -> AuthoredAnswerer:
    """An authored answerer holding ``entries``, as if read from an answers file."""
    return AuthoredAnswerer(Path("test.yaml"), list(entries))


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Start a stand-in with given entries and return it with a ``genai.Client()`` pointed at it."""
    servers: list[StandIn] = []

    def start(*entries: dict[str, Any], echo: bool = False, **options: Any) -> tuple[StandIn, genai.Client]:
        server = StandIn(EchoAnswerer() if echo else answerer(*entries), **options).start()
        servers.append(server)
        backend = "httpx" if importlib.util.find_spec("httpx") else "httpx2"
        monkeypatch.setenv("GOOGLE_GENAI_HTTP_CLIENT", backend)
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        monkeypatch.setenv("GEMINI_API_KEY", "standin-test-key")
        return server, genai.Client()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(autouse=True)
def no_sdk_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The SDK logs no warning about what the stand-in sent."""
    with caplog.at_level(logging.WARNING, logger="google_genai"):
        yield
    assert [r.getMessage() for r in caplog.records if r.name.startswith("google_genai")] == []


def strict_response(body: dict[str, Any]) -> types.GenerateContentResponse:
    """Parse a raw generateContent answer with the SDK's own type, refusing any unknown field."""
    return types.GenerateContentResponse.model_validate_json(json.dumps(body))


def strict_interaction(body: dict[str, Any]) -> Interaction:
    """Parse a raw Interaction and make sure no step is of a kind the SDK does not know."""
    interaction = Interaction.model_validate(body)
    assert not any(getattr(step, "is_unknown", False) for step in interaction.steps or [])
    return interaction


# --- 1. models: v1 and v1beta, stream, count, embed, list ------------------------------------------


def test_generate_content_answers_on_v1_and_v1beta(serve: Any) -> None:
    """google-genai calls /v1/ by default; /v1beta/ answers the same, marked as the stand-in's."""
    server, client = serve({"prompt": "Hello", "text": "Hi there."})
    assert client.models.generate_content(model=MODEL, contents="Hello").text == "Hi there."
    beta = genai.Client(http_options=types.HttpOptions(api_version="v1beta"))
    response = beta.models.generate_content(model=MODEL, contents="Hello")
    assert response.text == "Hi there." and STANDIN_HEADER in response.sdk_http_response.headers
    assert [r["path"] for r in server.received] == [
        f"/v1/models/{MODEL}:generateContent",
        f"/v1beta/models/{MODEL}:generateContent",
    ]
    strict_response(server.sent[0]["body"])


def test_stream_is_sse_ending_with_a_textless_chunk(serve: Any) -> None:
    """One SSE event per chunk; the last holds finish reason and usage and no part, as Gemini's."""
    story = " ".join(f"word{i}" for i in range(30))
    server, client = serve({"prompt": "Tell", "text": story}, chunk_words=10)
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="Tell"))
    assert "".join(c.text or "" for c in chunks[:-1]) == story and len(chunks) == 4
    last = chunks[-1]
    assert last.candidates[0].finish_reason == types.FinishReason.STOP and not last.candidates[0].content.parts
    assert last.usage_metadata.candidates_token_count == 30
    assert [strict_response(e) for e in server.sent[0]["events"]]


def test_count_tokens_takes_google_genai_body(serve: Any) -> None:
    """countTokens counts words and punctuation of the contents (the stand-in's way)."""
    server, client = serve()
    assert client.models.count_tokens(model=MODEL, contents="Hello, world!").total_tokens == 4
    assert server.received[0]["body"] == {"contents": [{"parts": [{"text": "Hello, world!"}], "role": "user"}]}


def test_embed_content_takes_string_task_types(serve: Any) -> None:
    """google-genai sends task types as names; a title goes with RETRIEVAL_DOCUMENT only."""
    server, client = serve(echo=True)
    config = types.EmbedContentConfig(task_type="RETRIEVAL_DOCUMENT", title="T", output_dimensionality=8)
    result = client.models.embed_content(model="gemini-embedding-001", contents=["a cat", "a dog"], config=config)
    assert [len(e.values) for e in result.embeddings] == [8, 8]
    assert server.received[0]["body"]["requests"][0]["taskType"] == "RETRIEVAL_DOCUMENT"
    with pytest.raises(errors.ClientError, match="Title is only applicable"):
        client.models.embed_content(
            model="gemini-embedding-001",
            contents="x",
            config=types.EmbedContentConfig(task_type="CLUSTERING", title="T"),
        )


def test_models_list_and_get(serve: Any) -> None:
    """models.list pages through every model; models.get describes one, thinking included."""
    _, client = serve(models_per_page=2)
    names = [m.name for m in client.models.list()]
    assert f"models/{MODEL}" in names and len(names) == 5
    model = client.models.get(model=MODEL)
    assert model.display_name == "Gemini 3.8 Flash" and model.thinking is True


# --- 2. system instruction and thinking ------------------------------------------------------------


def test_answers_are_matched_on_the_system_instruction(serve: Any) -> None:
    """The same prompt answers differently under different system instructions."""
    _, client = serve(
        {"prompt": "Greet me", "system": "You are a pirate.", "text": "Ahoy!"},
        {"prompt": "Greet me", "text": "Hello."},
    )
    pirate = types.GenerateContentConfig(system_instruction="You are a pirate.")
    assert client.models.generate_content(model=MODEL, contents="Greet me", config=pirate).text == "Ahoy!"
    assert client.models.generate_content(model=MODEL, contents="Greet me").text == "Hello."


def test_thought_summary_comes_only_with_include_thoughts(serve: Any) -> None:
    """include_thoughts adds a thought=True part; the thinking is counted either way."""
    server, client = serve({"prompt": "Why?", "thoughts": "Considering the sky.", "text": "Because."})
    config = types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True))
    response = client.models.generate_content(model=MODEL, contents="Why?", config=config)
    parts = response.candidates[0].content.parts
    assert [(p.text, p.thought) for p in parts] == [("Considering the sky.", True), ("Because.", None)]
    assert response.text == "Because."
    assert response.usage_metadata.thoughts_token_count == 4 * 4  # MEDIUM, the default level
    assert parts[-1].thought_signature.startswith(b"standin-thought-signature:")  # Gemini 3 signs the last part
    plain = client.models.generate_content(model=MODEL, contents="Why?")
    assert len(plain.candidates[0].content.parts) == 1 and plain.usage_metadata.thoughts_token_count == 16
    strict_response(server.sent[0]["body"])


def test_thinking_level_scales_the_thinking_tokens(serve: Any) -> None:
    """Thought-summary tokens times 1, 2, 4, 8 for MINIMAL, LOW, MEDIUM, HIGH."""
    _, client = serve({"prompt": "Why?", "thoughts": "One two three.", "text": "Because."})
    counts = {}
    for level in ("MINIMAL", "LOW", "MEDIUM", "HIGH"):
        config = types.GenerateContentConfig(thinking_config=types.ThinkingConfig(thinking_level=level))
        response = client.models.generate_content(model=MODEL, contents="Why?", config=config)
        counts[level] = response.usage_metadata.thoughts_token_count
    assert counts == {"MINIMAL": 4, "LOW": 8, "MEDIUM": 16, "HIGH": 32}


def test_thinking_that_takes_the_whole_limit_leaves_no_text(serve: Any) -> None:
    """The article's 200-token story on a thinking model: MAX_TOKENS, no parts, text None."""
    entry = {"prompt": "Write a story.", "thoughts": "Planning.", "thinking_tokens": 900, "text": "Once upon a time."}
    server, client = serve(entry)
    config = types.GenerateContentConfig(max_output_tokens=200)
    response = client.models.generate_content(model=MODEL, contents="Write a story.", config=config)
    assert response.text is None and response.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert response.usage_metadata.thoughts_token_count == 200
    assert client.models.generate_content(model=MODEL, contents="Write a story.").text == "Once upon a time."
    strict_response(server.sent[0]["body"])


def test_thinking_spends_the_limit_before_the_text(serve: Any) -> None:
    """What thinking leaves of max_output_tokens is all the text gets."""
    entry = {"prompt": "Count.", "thinking_tokens": 5, "text": "one two three four five six"}
    _, client = serve(entry)
    config = types.GenerateContentConfig(max_output_tokens=8)
    response = client.models.generate_content(model=MODEL, contents="Count.", config=config)
    assert response.text == "one two three" and response.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS


def test_thinking_budget_zero_turns_thinking_off(serve: Any) -> None:
    """thinking_budget=0: no thinking tokens, no thought part."""
    _, client = serve({"prompt": "Why?", "thoughts": "Hmm.", "text": "Because."})
    thinking = types.ThinkingConfig(thinking_budget=0, include_thoughts=True)
    response = client.models.generate_content(
        model=MODEL, contents="Why?", config=types.GenerateContentConfig(thinking_config=thinking)
    )
    assert response.usage_metadata.thoughts_token_count is None and len(response.candidates[0].content.parts) == 1


# --- 3. structured output --------------------------------------------------------------------------


class Person(pydantic.BaseModel):
    """A response schema, as a notebook declares it."""

    name: str
    born: int


class Colour(enum.Enum):
    """An enum response schema."""

    RED = "Red"
    BLUE = "Blue"


def test_pydantic_schema_answer_parses(serve: Any) -> None:
    """A `json:` entry comes back as JSON that response.parsed turns into the model."""
    _, client = serve({"prompt": "Who?", "json": {"name": "Ada", "born": 1815}})
    config = types.GenerateContentConfig(response_mime_type="application/json", response_schema=Person)
    response = client.models.generate_content(model=MODEL, contents="Who?", config=config)
    assert response.parsed == Person(name="Ada", born=1815)


def test_json_schema_and_list_schemas_are_checked(serve: Any) -> None:
    """response_json_schema and list[Model] are both honoured."""
    _, client = serve({"prompt": "Who?", "json": [{"name": "Ada", "born": 1815}]})
    config = types.GenerateContentConfig(response_mime_type="application/json", response_schema=list[Person])
    assert client.models.generate_content(model=MODEL, contents="Who?", config=config).parsed[0].name == "Ada"
    raw = {"type": "array", "items": Person.model_json_schema()}
    config = types.GenerateContentConfig(response_mime_type="application/json", response_json_schema=raw)
    assert (
        json.loads(client.models.generate_content(model=MODEL, contents="Who?", config=config).text)[0]["born"] == 1815
    )


def test_enum_answer_parses(serve: Any) -> None:
    """text/x.enum: the authored text is one of the values."""
    _, client = serve({"prompt": "Sky?", "text": "Blue"})
    config = types.GenerateContentConfig(response_mime_type="text/x.enum", response_schema=Colour)
    assert client.models.generate_content(model=MODEL, contents="Sky?", config=config).parsed == Colour.BLUE


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"prompt": "Who?", "json": {"name": "Ada"}}, "'born' is a required property"),
        ({"prompt": "Who?", "json": {"name": "Ada", "born": "1815"}}, "is not of type 'integer'"),
        ({"prompt": "Who?", "json": {"name": "Ada", "born": 1815, "died": 1852}}, "Additional properties"),
        ({"prompt": "Who?", "text": "Ada, 1815"}, "is not JSON"),
    ],
)
def test_authored_json_that_does_not_fit_is_a_loud_500(serve: Any, entry: dict[str, Any], problem: str) -> None:
    """No cassette can hold JSON that does not fit its schema."""
    _, client = serve(entry)
    config = types.GenerateContentConfig(response_mime_type="application/json", response_schema=Person)
    with pytest.raises(errors.ServerError, match="stand-in: authored answer does not validate") as caught:
        client.models.generate_content(model=MODEL, contents="Who?", config=config)
    assert problem in str(caught.value)


def test_enum_answer_outside_the_values_is_a_loud_500(serve: Any) -> None:
    """An enum answer must be one of the enum's values."""
    _, client = serve({"prompt": "Sky?", "text": "Green"})
    config = types.GenerateContentConfig(response_mime_type="text/x.enum", response_schema=Colour)
    with pytest.raises(errors.ServerError, match="not one of the enum values"):
        client.models.generate_content(model=MODEL, contents="Sky?", config=config)


# --- 4. function calling ---------------------------------------------------------------------------


def get_weather(city: str) -> dict[str, Any]:
    """The weather in a city (a tool for automatic function calling)."""
    return {"city": city, "temperature": 21}


WEATHER_DECLARATION = types.FunctionDeclaration(
    name="get_weather",
    description="The weather in a city.",
    parameters=types.Schema(type="OBJECT", properties={"city": types.Schema(type="STRING")}, required=["city"]),
)
WEATHER_CONFIG = types.GenerateContentConfig(
    tools=[types.Tool(function_declarations=[WEATHER_DECLARATION])],
    automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
)
PARALLEL_CALLS = {
    "prompt": "Weather in Lisbon and Porto?",
    "function_calls": [
        {"name": "get_weather", "args": {"city": "Lisbon"}},
        {"name": "get_weather", "args": {"city": "Porto"}},
    ],
}


def test_parallel_function_calls_carry_one_thought_signature(serve: Any) -> None:
    """Parallel calls come back in order; as on Gemini 3, the first part carries the signature."""
    server, client = serve(PARALLEL_CALLS)
    response = client.models.generate_content(model=MODEL, contents=PARALLEL_CALLS["prompt"], config=WEATHER_CONFIG)
    assert [(c.name, c.args) for c in response.function_calls] == [
        ("get_weather", {"city": "Lisbon"}),
        ("get_weather", {"city": "Porto"}),
    ]
    parts = response.candidates[0].content.parts
    assert parts[0].thought_signature.startswith(b"standin-thought-signature:") and parts[1].thought_signature is None
    strict_response(server.sent[0]["body"])


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        ({"name": "get_time", "args": {}}, "is not declared"),
        ({"name": "get_weather", "args": {"town": "Lisbon"}}, "do not fit its parameters"),
    ],
)
def test_authored_calls_must_fit_the_declarations(serve: Any, call: dict[str, Any], problem: str) -> None:
    """An undeclared function, or args its parameters refuse: a loud 500."""
    _, client = serve({"prompt": "Weather?", "function_calls": [call]})
    with pytest.raises(errors.ServerError, match=problem):
        client.models.generate_content(model=MODEL, contents="Weather?", config=WEATHER_CONFIG)


def test_history_without_its_thought_signature_is_refused(serve: Any) -> None:
    """A functionCall step sent back without its signature: 400, in Gemini's words."""
    _, client = serve()
    contents = [
        types.Content(role="user", parts=[types.Part(text="Weather?")]),
        types.Content(role="model", parts=[types.Part.from_function_call(name="get_weather", args={"city": "Lisbon"})]),
        types.Content(role="user", parts=[types.Part.from_function_response(name="get_weather", response={"t": 21})]),
    ]
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents=contents, config=WEATHER_CONFIG)
    assert caught.value.code == 400 and caught.value.status == "INVALID_ARGUMENT"
    assert "Function call is missing a thought_signature in functionCall parts." in caught.value.message
    assert "`default_api:get_weather` , position 2" in caught.value.message


def test_automatic_function_calling_runs_end_to_end(serve: Any) -> None:
    """Python functions as tools: the call, the SDK runs it, the answer matched on its result."""
    server, client = serve(
        {"prompt": "Weather in Lisbon?", "function_calls": [{"name": "get_weather", "args": {"city": "Lisbon"}}]},
        {"function_results": {"get_weather": {"result": {"temperature": 21}}}, "text": "21 °C in Lisbon."},
    )
    chat = client.chats.create(model=MODEL, config=types.GenerateContentConfig(tools=[get_weather]))
    assert chat.send_message("Weather in Lisbon?").text == "21 °C in Lisbon."
    sent_back = server.received[1]["body"]["contents"][1]["parts"][0]
    assert sent_back["thoughtSignature"] and sent_back["functionCall"]["name"] == "get_weather"


def test_function_results_entry_can_also_match_the_question(serve: Any) -> None:
    """`prompt:` next to `function_results:` is the question that started the turn."""
    _, client = serve(
        {"prompt": "Weather in Lisbon?", "function_calls": [{"name": "get_weather", "args": {"city": "Lisbon"}}]},
        {"prompt": "Something else?", "function_results": ["get_weather"], "text": "Wrong entry."},
        {"prompt": "Weather in Lisbon?", "function_results": ["get_weather"], "text": "Right entry."},
    )
    chat = client.chats.create(model=MODEL, config=types.GenerateContentConfig(tools=[get_weather]))
    assert chat.send_message("Weather in Lisbon?").text == "Right entry."


def test_function_calling_mode_is_enforced_on_authored_replies(serve: Any) -> None:
    """Mode NONE refuses authored calls; mode ANY refuses authored text."""
    _, client = serve({"prompt": "Weather?", "function_calls": [{"name": "get_weather", "args": {"city": "Oslo"}}]})
    for mode, problem in (("NONE", "mode is NONE"), ("ANY", None)):
        calling = types.FunctionCallingConfig(mode=mode)
        config = WEATHER_CONFIG.model_copy(update={"tool_config": types.ToolConfig(function_calling_config=calling)})
        if problem:
            with pytest.raises(errors.ServerError, match=problem):
                client.models.generate_content(model=MODEL, contents="Weather?", config=config)
        else:
            assert client.models.generate_content(model=MODEL, contents="Weather?", config=config).function_calls


def test_echo_answers_fit_schemas_and_call_functions(serve: Any) -> None:
    """With no authored answers (a live workshop), JSON fits its schema and tools get called."""
    _, client = serve(echo=True)
    config = types.GenerateContentConfig(response_mime_type="application/json", response_schema=list[Person])
    people = client.models.generate_content(model=MODEL, contents="Who?", config=config).parsed
    assert people[0].name.startswith("Stand-in reply") and people[0].born == 0
    config = types.GenerateContentConfig(response_mime_type="text/x.enum", response_schema=Colour)
    assert client.models.generate_content(model=MODEL, contents="Sky?", config=config).parsed == Colour.RED
    chat = client.chats.create(model=MODEL, config=types.GenerateContentConfig(tools=[get_weather]))
    assert chat.send_message("Weather?").text.endswith("to the results of get_weather.")


# --- 5. files --------------------------------------------------------------------------------------


def test_upload_is_resumable_and_keyless_after_start(serve: Any) -> None:
    """Start with the key, then bytes to an upload URL that carries none."""
    server, client = serve()
    client.files.upload(file=IMAGES / FIG)
    start, chunk = server.received[:2]
    assert start["path"] == "/upload/v1/files" and start["key"] == "standin-test-key"
    assert chunk["path"] == "/upload/v1/files" and chunk["key"] == ""
    url = server.sent[0]
    assert url["status"] == 200 and "key" not in json.dumps(url)


def test_file_resource_has_gemini_fields(serve: Any) -> None:
    """Name from the content's sha256, fixed-clock times, 48 h expiry, ACTIVE, sha256Hash."""
    server, client = serve(clock=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    content = (IMAGES / FIG).read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    file = client.files.upload(file=IMAGES / FIG, config={"display_name": "A fig"})
    assert file.name == f"files/{digest[:12]}" and file.display_name == "A fig"
    assert file.mime_type == "image/jpeg" and file.size_bytes == len(content) and file.state == types.FileState.ACTIVE
    assert file.create_time == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC) == file.update_time
    assert file.expiration_time == datetime(2026, 1, 4, 3, 4, 5, tzinfo=UTC)
    assert base64.b64decode(file.sha256_hash).decode() == digest and file.uri.endswith(file.name)
    types.File.model_validate_json(json.dumps(server.sent[1]["body"]["file"]))


def test_uploads_are_deterministic_across_servers(serve: Any) -> None:
    """The same uploads on a new stand-in get the same names (so cassettes do not churn)."""
    names = []
    for _ in range(2):
        _, client = serve()
        names.append([client.files.upload(file=IMAGES / FIG).name for _ in range(2)])
    assert names[0] == names[1] and names[0][0] != names[0][1]


def test_files_get_list_delete(serve: Any) -> None:
    """get, list (paged, newest first), delete; a deleted file answers 403 as on Gemini."""
    _, client = serve()
    first = client.files.upload(file=IMAGES / FIG)
    second = client.files.upload(file=IMAGES / FIG)
    assert client.files.get(name=first.name).name == first.name
    pager = client.files.list(config={"page_size": 1})
    assert pager.page_size == 1 and [f.name for f in pager] == [second.name, first.name]
    client.files.delete(name=first.name)
    with pytest.raises(errors.ClientError) as caught:
        client.files.get(name=first.name)
    assert caught.value.code == 403 and "may not exist" in caught.value.message
    assert [f.name for f in client.files.list()] == [second.name]


def test_uploaded_file_is_matched_like_an_image(serve: Any) -> None:
    """A fileData part reaches the answerer as its content's digest: `file:` (or `image:`) matches it."""
    _, client = serve({"prompt": "What is this?", "file": FIG, "text": "A fig."})
    file = client.files.upload(file=IMAGES / FIG)
    assert client.models.generate_content(model=MODEL, contents=[file, "What is this?"]).text == "A fig."


def test_inline_bytes_of_any_mime_type_are_matched(serve: Any) -> None:
    """Inline bytes (a PDF, audio...) are matched on their content, like an image."""
    _, client = serve({"prompt": "Summarise.", "image": FIG, "text": "Matched."})
    part = types.Part.from_bytes(data=(IMAGES / FIG).read_bytes(), mime_type="application/pdf")
    assert client.models.generate_content(model=MODEL, contents=[part, "Summarise."]).text == "Matched."


def test_a_deleted_file_in_a_prompt_is_refused(serve: Any) -> None:
    """generate_content with a file that no longer exists: 403."""
    _, client = serve({"prompt": "What is this?", "file": FIG, "text": "A fig."})
    file = client.files.upload(file=IMAGES / FIG)
    client.files.delete(name=file.name)
    with pytest.raises(errors.ClientError, match="PERMISSION_DENIED"):
        client.models.generate_content(model=MODEL, contents=[file, "What is this?"])


# --- 6. interactions -------------------------------------------------------------------------------


def test_interaction_has_steps_output_text_and_usage(serve: Any) -> None:
    """An Interaction: deterministic id, thought then model_output steps, output_text, usage."""
    server, client = serve({"prompt": "Hi", "thoughts": "Saying hello.", "text": "Hello!"})
    interaction = client.interactions.create(
        model=MODEL, input="Hi", generation_config={"thinking_level": "low", "thinking_summaries": "auto"}
    )
    assert interaction.id.startswith("v1_standin") and interaction.status == "completed"
    assert [s.type for s in interaction.steps] == ["thought", "model_output"]
    assert interaction.steps[0].summary[0].text == "Saying hello." and interaction.output_text == "Hello!"
    assert interaction.usage.total_thought_tokens == 2 * 3 and interaction.usage.total_output_tokens == 2
    strict_interaction(server.sent[0]["body"])


def test_interaction_ids_are_deterministic(serve: Any) -> None:
    """The same requests on a new stand-in get the same ids."""
    ids = []
    for _ in range(2):
        _, client = serve({"prompt": "Hi", "text": "Hello!"})
        ids.append(client.interactions.create(model=MODEL, input="Hi").id)
    assert ids[0] == ids[1]


def test_previous_interaction_is_history_and_system_instruction_matches(serve: Any) -> None:
    """previous_interaction_id puts the earlier turns in the history; system_instruction is matched."""
    _, client = serve(
        {"prompt": "My name is Ada.", "system": "Be brief.", "text": "Noted."},
        {"prompt": "What is my name?", "text": "Ada."},
    )
    first = client.interactions.create(model=MODEL, input="My name is Ada.", system_instruction="Be brief.")
    second = client.interactions.create(model=MODEL, input="What is my name?", previous_interaction_id=first.id)
    assert (first.output_text, second.output_text) == ("Noted.", "Ada.")
    assert second.previous_interaction_id == first.id
    assert second.usage.total_input_tokens == 5 + 2 + 5  # the first turn, its answer, the question


def test_unstored_or_unknown_interactions_cannot_be_continued(serve: Any) -> None:
    """store=False is not kept: continuing it (or an unknown id) answers 404."""
    _, client = serve({"prompt": "Hi", "text": "Hello!"})
    unstored = client.interactions.create(model=MODEL, input="Hi", store=False)
    for missing in (unstored.id, "v1_nosuchinteraction"):
        with pytest.raises(Exception, match="404") as caught:
            client.interactions.create(model=MODEL, input="Hi", previous_interaction_id=missing)
        assert missing in str(caught.value)


def test_interaction_function_call_round_trip(serve: Any) -> None:
    """function_call steps (requires_action), then function_result input answered on the results."""
    server, client = serve(
        {
            "prompt": "Weather?",
            "api": "interactions",
            "function_calls": [{"name": "get_weather", "args": {"city": "Lisbon"}}],
        },
        {"function_results": {"get_weather": {"temperature": 21}}, "text": "21 degrees."},
    )
    asked = client.interactions.create(model=MODEL, input="Weather?", tools=[WEATHER_TOOL])
    assert asked.status == "requires_action" and [s.type for s in asked.steps] == ["thought", "function_call"]
    call = asked.steps[1]
    result = {"type": "function_result", "call_id": call.id, "name": call.name, "result": {"temperature": 21}}
    answered = client.interactions.create(
        model=MODEL, input=[result], previous_interaction_id=asked.id, tools=[WEATHER_TOOL]
    )
    assert answered.status == "completed" and answered.output_text == "21 degrees."
    strict_interaction(server.sent[0]["body"])
    with pytest.raises(Exception, match="does not match any function_call"):
        client.interactions.create(
            model=MODEL, input=[result | {"call_id": "call_x"}], previous_interaction_id=asked.id
        )


def test_interaction_response_format_is_validated(serve: Any) -> None:
    """response_format's schema is checked like generateContent's."""
    fmt = {"type": "text", "mime_type": "application/json", "schema": Person.model_json_schema()}
    _, client = serve(
        {"prompt": "Who?", "json": {"name": "Ada", "born": 1815}}, {"prompt": "Bad?", "json": {"name": 1}}
    )
    good = client.interactions.create(model=MODEL, input="Who?", response_format=fmt)
    assert Person.model_validate_json(good.output_text) == Person(name="Ada", born=1815)
    once = genai.Client(http_options=types.HttpOptions(retry_options=types.HttpRetryOptions(attempts=1)))
    with pytest.raises(Exception, match="authored answer does not validate"):
        once.interactions.create(model=MODEL, input="Bad?", response_format=fmt)


def test_interaction_stream_events(serve: Any) -> None:
    """stream=True: created, status update, step start/delta/stop, completed; every event typed."""
    server, client = serve({"prompt": "Count", "thoughts": "Counting.", "text": "one two three"})
    events = list(
        client.interactions.create(
            model=MODEL, input="Count", stream=True, generation_config={"thinking_summaries": "auto"}
        )
    )
    kinds = [e.event_type for e in events]
    assert kinds[:2] == ["interaction.created", "interaction.status_update"] and kinds[-1] == "interaction.completed"
    text = "".join(e.delta.text for e in events if e.event_type == "step.delta" and e.delta.type == "text")
    summaries = [
        e.delta.content.text for e in events if e.event_type == "step.delta" and e.delta.type == "thought_summary"
    ]
    assert text == "one two three" and summaries == ["Counting."] and events[-1].interaction.status == "completed"
    raw = [e for e in server.sent[0]["events"] if e != "[DONE]"]
    assert all(
        not getattr(InteractionSSEStreamEvent.model_validate({"data": e}).data, "is_unknown", False) for e in raw
    )


def test_background_interaction_completes_after_polls(serve: Any) -> None:
    """background=True: in_progress at once and for the first polls, then completed."""
    _, client = serve({"prompt": "Research", "text": "Done."}, background_polls=2)
    created = client.interactions.create(model=MODEL, input="Research", background=True)
    polls = [client.interactions.get(created.id) for _ in range(3)]
    assert created.status == "in_progress" and [p.status for p in polls] == ["in_progress", "in_progress", "completed"]
    assert polls[-1].output_text == "Done."
    with_input = client.interactions.get(created.id, include_input=True)
    assert with_input.steps[0].type == "user_input"


def test_interaction_get_and_delete(serve: Any) -> None:
    """get returns a stored interaction; after delete it is gone (404)."""
    _, client = serve({"prompt": "Hi", "text": "Hello!"})
    created = client.interactions.create(model=MODEL, input="Hi")
    assert client.interactions.get(created.id).output_text == "Hello!"
    client.interactions.delete(created.id)
    with pytest.raises(Exception, match="404"):
        client.interactions.get(created.id)


def test_interaction_max_tokens_is_incomplete(serve: Any) -> None:
    """Thinking that takes max_output_tokens: status incomplete, no output text."""
    _, client = serve({"prompt": "Story", "thinking_tokens": 500, "text": "Once."})
    interaction = client.interactions.create(model=MODEL, input="Story", generation_config={"max_output_tokens": 100})
    assert interaction.status == "incomplete" and interaction.output_text == ""


# --- 7. safety thresholds and a lesson's faults ---------------------------------------------------

STORY = {
    "prompt": "Tell of a duel.",
    "text": "The knight won.",
    "safety_ratings": {"HARM_CATEGORY_HARASSMENT": "NEGLIGIBLE", "HARM_CATEGORY_DANGEROUS_CONTENT": "LOW"},
}
QUOTA_FAULT = {
    "status": 429,
    "retry_delay": "0.5s",
    "quota_metric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
    "quota_id": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
}


def safety(category: str, threshold: str) -> types.GenerateContentConfig:
    """A config with one safety setting."""
    return types.GenerateContentConfig(safety_settings=[types.SafetySetting(category=category, threshold=threshold)])


@pytest.mark.parametrize(
    ("threshold", "blocked"),
    [("BLOCK_LOW_AND_ABOVE", True), ("BLOCK_MEDIUM_AND_ABOVE", False), ("BLOCK_ONLY_HIGH", False), ("OFF", False)],
)
def test_answer_ratings_block_at_the_requested_threshold(serve: Any, threshold: str, blocked: bool) -> None:
    """A LOW rating blocks only under BLOCK_LOW_AND_ABOVE: SAFETY, no content, that rating marked blocked."""
    server, client = serve(STORY)
    response = client.models.generate_content(
        model=MODEL, contents="Tell of a duel.", config=safety("HARM_CATEGORY_DANGEROUS_CONTENT", threshold)
    )
    candidate = response.candidates[0]
    if blocked:
        assert candidate.finish_reason == types.FinishReason.SAFETY and response.text is None
        assert candidate.content is None and response.usage_metadata.candidates_token_count == 0
        marked = {r.category.value: bool(r.blocked) for r in candidate.safety_ratings}
        assert marked == {"HARM_CATEGORY_HARASSMENT": False, "HARM_CATEGORY_DANGEROUS_CONTENT": True}
    else:
        assert response.text == "The knight won." and candidate.safety_ratings is None
    strict_response(server.sent[0]["body"])


def test_answer_ratings_block_nothing_without_settings_or_for_another_category(serve: Any) -> None:
    """No safety settings (or a setting for another category): the answer is sent, without its ratings."""
    _, client = serve(STORY)
    assert client.models.generate_content(model=MODEL, contents="Tell of a duel.").text == "The knight won."
    other = safety("HARM_CATEGORY_HARASSMENT", "BLOCK_LOW_AND_ABOVE")
    assert client.models.generate_content(model=MODEL, contents="Tell of a duel.", config=other).text


def test_prompt_ratings_block_the_prompt_itself(serve: Any) -> None:
    """prompt_safety_ratings at the threshold: promptFeedback SAFETY, no candidates; default settings: the answer."""
    boast = {"prompt": "Boast!", "text": "Arr!", "prompt_safety_ratings": {"HARM_CATEGORY_HARASSMENT": "LOW"}}
    server, client = serve(boast)
    strict = safety("HARM_CATEGORY_HARASSMENT", "BLOCK_LOW_AND_ABOVE")
    refused = client.models.generate_content(model=MODEL, contents="Boast!", config=strict)
    assert refused.candidates is None and refused.text is None
    assert refused.prompt_feedback.block_reason == types.BlockedReason.SAFETY
    assert [(r.category.value, r.blocked) for r in refused.prompt_feedback.safety_ratings] == [
        ("HARM_CATEGORY_HARASSMENT", True)
    ]
    strict_response(server.sent[0]["body"])
    assert client.models.generate_content(model=MODEL, contents="Boast!").text == "Arr!"


def test_a_blocked_answer_streams_as_one_closing_chunk(serve: Any) -> None:
    """Streamed, a blocked answer is the closing chunk alone: SAFETY, the ratings, no text."""
    server, client = serve(STORY)
    config = safety("HARM_CATEGORY_DANGEROUS_CONTENT", "BLOCK_LOW_AND_ABOVE")
    chunks = list(client.models.generate_content_stream(model=MODEL, contents="Tell of a duel.", config=config))
    assert [(c.text, c.candidates[0].finish_reason) for c in chunks] == [(None, types.FinishReason.SAFETY)]
    assert [strict_response(e) for e in server.sent[0]["events"]]


def test_explicit_safety_finish_still_blocks_whatever_the_settings(serve: Any) -> None:
    """finish_reason: SAFETY (the older form) is sent as authored, MEDIUM and HIGH marked blocked."""
    _, client = serve(
        {"prompt": "Hm.", "finish_reason": "SAFETY", "safety_ratings": {"HARM_CATEGORY_HATE_SPEECH": "HIGH"}}
    )
    candidate = client.models.generate_content(model=MODEL, contents="Hm.").candidates[0]
    assert candidate.finish_reason == types.FinishReason.SAFETY and candidate.safety_ratings[0].blocked


def test_lesson_faults_come_first_once_each_in_order_then_the_answer(serve: Any) -> None:
    """Each authored fault once, in order, in Gemini's error shape and marked with the lesson header."""
    server, client = serve({"prompt": "Busy?", "text": "Not now.", "faults": [QUOTA_FAULT, {"status": 503}]})
    with pytest.raises(errors.ClientError) as quota:
        client.models.generate_content(model=MODEL, contents="Busy?")
    assert (quota.value.code, quota.value.status) == (429, "RESOURCE_EXHAUSTED")
    assert "exceeded your current quota" in quota.value.message
    assert quota.value.details["error"]["details"] == [
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [{"quotaMetric": QUOTA_FAULT["quota_metric"], "quotaId": QUOTA_FAULT["quota_id"]}],
        },
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.5s"},
    ]
    assert quota.value.response.headers[LESSON_FAULT_HEADER].startswith("1 of 2")
    assert STANDIN_HEADER in quota.value.response.headers
    with pytest.raises(errors.ServerError) as overloaded:
        client.models.generate_content(model=MODEL, contents="Busy?")
    assert (overloaded.value.code, overloaded.value.status) == (503, "UNAVAILABLE")
    assert overloaded.value.message == "The model is overloaded. Please try again later."
    assert overloaded.value.response.headers[LESSON_FAULT_HEADER].startswith("2 of 2")
    for _ in range(2):
        answer = client.models.generate_content(model=MODEL, contents="Busy?")
        assert answer.text == "Not now." and LESSON_FAULT_HEADER not in answer.sdk_http_response.headers
    assert len(server.received) == 4 and len(server.sent) == 2


def test_the_sdk_retry_gets_past_lesson_faults(serve: Any) -> None:
    """HttpRetryOptions retries the authored 429 and 503 and returns the answer (three requests)."""
    server, _ = serve({"prompt": "Busy?", "text": "Not now.", "faults": [QUOTA_FAULT, {"status": 503}]})
    no_wait = types.HttpRetryOptions(attempts=4, initial_delay=0.0, max_delay=0.0, jitter=0.0)
    retrying = genai.Client(http_options=types.HttpOptions(retry_options=no_wait))
    assert retrying.models.generate_content(model=MODEL, contents="Busy?").text == "Not now."
    assert len(server.received) == 3


def test_lesson_faults_precede_a_stream(serve: Any) -> None:
    """A stream's request gets the fault as its HTTP status, before any event."""
    _, client = serve({"prompt": "Busy?", "text": "Not now.", "faults": [{"status": 429, "retry_delay": "1s"}]})
    with pytest.raises(errors.ClientError, match="429"):
        list(client.models.generate_content_stream(model=MODEL, contents="Busy?"))
    assert "".join(c.text or "" for c in client.models.generate_content_stream(model=MODEL, contents="Busy?"))


def test_lesson_faults_precede_an_interaction_and_leave_its_id_alone(serve: Any) -> None:
    """An interaction's fault is the Interactions API's RateLimitError; the id is the one it has without it."""
    from google.genai._interactions import RateLimitError

    entry = {"prompt": "Fruit?", "api": "interactions", "text": "Persimmons."}
    _, plain = serve(entry)
    expected = plain.interactions.create(model=MODEL, input="Fruit?").id
    server, _ = serve({**entry, "faults": [QUOTA_FAULT]})
    once = genai.Client(http_options=types.HttpOptions(retry_options=types.HttpRetryOptions(attempts=1)))
    with pytest.raises(RateLimitError) as caught:
        once.interactions.create(model=MODEL, input="Fruit?")
    assert caught.value.status_code == 429
    assert caught.value.body["error"]["details"][-1]["retryDelay"] == "0.5s"
    interaction = once.interactions.create(model=MODEL, input="Fruit?")
    assert interaction.output_text == "Persimmons." and interaction.id == expected
    assert len(server.received) == 2


def test_the_lesson_fault_header_is_the_one_the_recorder_keeps() -> None:
    """The recorder keeps a failure marked with this header (it drops other 429 and 5xx in record mode)."""
    from helpers.plumbing import recording

    assert LESSON_FAULT_HEADER == recording.LESSON_FAULT_HEADER
    assert LESSON_FAULT_HEADER in recording.KEPT_RESPONSE_HEADERS


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"faults": [{"status": 200}]}, "HTTP error status"),
        ({"faults": [{"status": 429, "retry_delay": "2 seconds"}]}, "protobuf Duration"),
        ({"faults": [{"status": 418}]}, "needs a status_name"),
        ({"faults": [{"status": 429, "retry_after": "1s"}]}, "unknown key"),
        ({"faults": [429]}, "a fault is a mapping"),
        ({"faults": {"status": 429}}, "faults is a list"),
        ({"safety_ratings": {"HARM_CATEGORY_VIOLENCE": "LOW"}}, "safety_ratings maps a category"),
        ({"prompt_safety_ratings": {"HARM_CATEGORY_HARASSMENT": "SOME"}}, "prompt_safety_ratings maps a category"),
    ],
)
def test_bad_faults_and_ratings_are_refused_when_the_file_loads(entry: dict[str, Any], problem: str) -> None:
    """A fault or a rating the stand-in could not serve is refused at once, naming what is wrong."""
    with pytest.raises(ValueError, match=problem):
        answerer({"prompt": "Hi", "text": "Hello", **entry})


# --- 8. the answers-file format --------------------------------------------------------------------


def test_api_key_matches_one_api(serve: Any) -> None:
    """`api:` keeps an entry to generateContent or interactions."""
    _, client = serve(
        {"prompt": "Which API?", "api": "interactions", "text": "Interactions."},
        {"prompt": "Which API?", "api": "generateContent", "text": "generateContent."},
    )
    assert client.interactions.create(model=MODEL, input="Which API?").output_text == "Interactions."
    assert client.models.generate_content(model=MODEL, contents="Which API?").text == "generateContent."


def test_no_answer_is_a_loud_error_naming_the_prompt(serve: Any) -> None:
    """A prompt with no entry: 500 naming the prompt (and the system instruction)."""
    _, client = serve({"prompt": "Known", "text": "Yes."})
    config = types.GenerateContentConfig(system_instruction="Be kind.")
    with pytest.raises(errors.ServerError, match=r"no authored answer in test\.yaml for prompt 'Unknown'.*Be kind"):
        client.models.generate_content(model=MODEL, contents="Unknown", config=config)


def test_unknown_entry_keys_are_refused() -> None:
    """A misspelt key would match everything: refused when the file loads."""
    with pytest.raises(ValueError, match="unknown key"):
        answerer({"prompt": "Hi", "txet": "Hello"})
