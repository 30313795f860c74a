"""The Interactions API: create (plain, streamed, background), get, delete, cancel.

An interaction is answered by the same answerer as ``generateContent`` (its
:class:`~.replies.Request` says ``api="interactions"``), through the same
thinking, limits and checks; only the shapes differ. Its answer is a list of
*steps*: a ``thought`` step (with its signature, and the thought summary when
``generation_config.thinking_summaries`` is ``"auto"``), then ``function_call``
steps or a ``model_output`` step.

Stored interactions (``store`` is true unless the request says otherwise) are
kept in memory: ``previous_interaction_id`` puts their turns in the history the
answerer sees, ``get`` returns them. An interaction made with ``store=False`` is
not kept, so it cannot be continued or fetched, as on Gemini.

A ``background=True`` interaction is answered at once but shows ``in_progress``
to the first ``background_polls`` calls of ``get`` (the stand-in's setting),
then ``completed``: deterministic, so a cassette always holds the same polls.

Ids are deterministic: ``v1_standin`` and hex digits from the request and how
many interactions came before it; function-call ids likewise.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import generate
from .contents import media_digests, question, signature_for, user_texts
from .problems import StandInError, invalid_argument
from .replies import Reply, Request, as_reply
from .wire import Answer, Call, Event

if TYPE_CHECKING:
    from .server import StandIn

#: Status of an answer, by its finish reason (anything else that stops early: ``failed``).
STATUS_BY_FINISH = {"STOP": "completed", "MAX_TOKENS": "incomplete"}


@dataclass
class Stored:
    """One interaction the stand-in keeps."""

    resource: dict[str, Any]
    #: The whole conversation up to and including this interaction, in ``generateContent`` form.
    conversation: list[dict[str, Any]]
    #: This interaction's input, as steps (``get(include_input=True)`` shows them).
    input_steps: list[dict[str, Any]]
    #: ``call_id -> name`` of the function calls this interaction asked for.
    calls: dict[str, str] = field(default_factory=dict)
    #: ``get`` calls left that still see a background interaction in progress.
    polls_left: int = 0
    cancelled: bool = False


def no_such_interaction(interaction_id: str) -> StandInError:
    """A 404 for an interaction that does not exist (never made, deleted, or made with ``store=False``)."""
    return StandInError(404, "NOT_FOUND", f"Interaction {interaction_id} not found.")


class InteractionStore:
    """Stored interactions, in memory."""

    def __init__(self, server: StandIn, background_polls: int) -> None:
        """An empty store; background interactions stay in progress for ``background_polls`` polls."""
        self.server = server
        self.background_polls = background_polls
        self.stored: dict[str, Stored] = {}
        self._count = 0
        self._lock = threading.Lock()

    def new_id(self, body: dict[str, Any]) -> str:
        """A deterministic id: from the request and how many interactions came before it."""
        with self._lock:
            self._count += 1
            seed = f"{self._count}:{json.dumps(body, sort_keys=True, ensure_ascii=False)}"
        return "v1_standin" + hashlib.sha256(seed.encode()).hexdigest()[:22]

    def find(self, interaction_id: str) -> Stored:
        """A stored interaction, or the 404 Gemini answers."""
        stored = self.stored.get(interaction_id)
        if stored is None:
            raise no_such_interaction(interaction_id)
        return stored


# --- reading a request ----------------------------------------------------------------------------


def input_steps(raw: Any) -> list[dict[str, Any]]:
    """``input`` in every form the API takes (text, content, contents, steps, turns) as steps."""
    if isinstance(raw, str):
        return [{"type": "user_input", "content": [{"type": "text", "text": raw}]}]
    items = raw if isinstance(raw, list) else [raw]
    steps: list[dict[str, Any]] = []
    loose: list[dict[str, Any]] = []
    for item in items:
        if "role" in item:  # a turn: {"role": "user", "content": ...}
            content = item.get("content")
            content = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
            kind = "user_input" if item["role"] == "user" else "model_output"
            steps.append({"type": kind, "content": content})
        elif item.get("type") in ("user_input", "model_output", "function_result", "function_call", "thought"):
            steps.append(item)
        else:
            loose.append(item)
    if loose:
        steps.append({"type": "user_input", "content": loose})
    return steps


def content_part(item: dict[str, Any]) -> dict[str, Any]:
    """One Interactions content item as a ``generateContent`` part."""
    if item.get("type") == "text":
        return {"text": item.get("text", "")}
    if item.get("data"):
        return {"inlineData": {"data": item["data"], "mimeType": item.get("mime_type", "")}}
    if item.get("uri"):
        return {"fileData": {"fileUri": item["uri"], "mimeType": item.get("mime_type", "")}}
    raise invalid_argument(f"The stand-in cannot read input content of type {item.get('type')!r}.")


def as_contents(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps as ``generateContent`` contents, so that an answerer sees one history format."""
    contents: list[dict[str, Any]] = []
    for step in steps:
        kind = step.get("type")
        if kind in ("user_input", "model_output"):
            role = "user" if kind == "user_input" else "model"
            contents.append({"role": role, "parts": [content_part(c) for c in step.get("content") or []]})
        elif kind == "function_call":
            call = {"functionCall": {"name": step["name"], "args": step.get("arguments", {})}}
            contents.append({"role": "model", "parts": [call]})
        elif kind == "function_result":
            result = step.get("result")
            response = result if isinstance(result, dict) else {"result": result}
            contents.append(
                {"role": "user", "parts": [{"functionResponse": {"name": step.get("name", ""), "response": response}}]}
            )
    return _merged(contents)


def _merged(contents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Neighbouring contents of the same role merged (parallel calls and their results are one turn each)."""
    merged: list[dict[str, Any]] = []
    for content in contents:
        if merged and merged[-1]["role"] == content["role"]:
            merged[-1] = {"role": content["role"], "parts": merged[-1]["parts"] + content["parts"]}
        else:
            merged.append(content)
    return merged


def response_config(body: dict[str, Any]) -> dict[str, Any]:
    """``response_format`` (and the older ``response_mime_type``) as ``generateContent`` settings."""
    formats = body.get("response_format")
    formats = formats if isinstance(formats, list) else [formats] if formats else []
    for fmt in formats:
        if fmt.get("type") in ("text", None) and ("schema" in fmt or "mime_type" in fmt):
            config = {"responseMimeType": fmt.get("mime_type") or "application/json"}
            if fmt.get("schema") is not None:
                config["responseJsonSchema"] = fmt["schema"]
            return config
        if fmt.get("type") not in ("text", "audio", "image", "video"):  # a bare schema, the older form
            return {"responseMimeType": body.get("response_mime_type") or "application/json", "responseJsonSchema": fmt}
    return {"responseMimeType": body["response_mime_type"]} if body.get("response_mime_type") else {}


def generation_config(body: dict[str, Any]) -> dict[str, Any]:
    """The request's settings in ``generateContent`` form, for the shared answering code."""
    given = body.get("generation_config") or {}
    config: dict[str, Any] = {}
    for name, target in (
        ("max_output_tokens", "maxOutputTokens"),
        ("temperature", "temperature"),
        ("top_p", "topP"),
        ("seed", "seed"),
        ("stop_sequences", "stopSequences"),
    ):
        if given.get(name) is not None:
            config[target] = given[name]
    thinking: dict[str, Any] = {}
    if given.get("thinking_level"):
        thinking["thinkingLevel"] = str(given["thinking_level"]).upper()
    if given.get("thinking_summaries") == "auto":
        thinking["includeThoughts"] = True
    if thinking:
        config["thinkingConfig"] = thinking
    return config | response_config(body)


def functions(tools: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The declared functions (``{"type": "function", "name", "parameters"}`` tools)."""
    return [{"name": t["name"], "parameters": t.get("parameters")} for t in tools or [] if t.get("type") == "function"]


def check_results(steps: list[dict[str, Any]], previous: Stored | None) -> None:
    """Every function result must answer a call the previous interaction made."""
    results = [s for s in steps if s.get("type") == "function_result"]
    if not results:
        return
    calls = previous.calls if previous else {}
    for result in results:
        if result.get("call_id") not in calls:
            raise invalid_argument(
                f"function_result call_id {result.get('call_id')!r} does not match any function_call of the "
                "previous interaction."
            )


# --- answering ------------------------------------------------------------------------------------


def build_request(server: StandIn, body: dict[str, Any], steps: list[dict[str, Any]], history: list[dict]) -> Request:
    """The answerer's view of an interaction."""
    model = str(body.get("model", "")).removeprefix("models/")
    current = as_contents(steps)
    last = current[-1] if current else {"role": "user", "parts": []}
    results = [
        {"name": s.get("name", ""), "response": s.get("result")} for s in steps if s.get("type") == "function_result"
    ]
    return Request(
        model=model,
        prompt="\n".join(user_texts(last)) if not results else "",
        image_digests=media_digests(last, server.files.require),
        history=history + current[:-1],
        config=generation_config(body),
        system=str(body.get("system_instruction") or ""),
        function_results=results,
        api="interactions",
        functions=functions(body.get("tools")),
        question=question(history + current),
        **tool_choice(body.get("generation_config") or {}),
    )


def tool_choice(config: dict[str, Any]) -> dict[str, Any]:
    """``generation_config.tool_choice`` (a mode, or ``{allowed_tools: {mode, tools}}``) as mode and names."""
    choice = config.get("tool_choice") or "auto"
    if isinstance(choice, dict):
        allowed = choice.get("allowed_tools") or {}
        mode, names = allowed.get("mode") or "auto", allowed.get("tools") or []
    else:
        mode, names = choice, []
    mode = str(mode).upper()
    return {"tool_mode": "AUTO" if mode == "VALIDATED" else mode, "allowed_functions": list(names)}


def usage(prompt: int, output: int, thinking: int) -> dict[str, int]:
    """Interactions usage: input, output, thought and total tokens."""
    result = {"total_input_tokens": prompt, "total_output_tokens": output, "total_tokens": prompt + output + thinking}
    if thinking:
        result["total_thought_tokens"] = thinking
    return result


def output_steps(interaction_id: str, request: Request, reply: Reply) -> tuple[list[dict], str, int, int, dict]:
    """The answer as steps, with the status, output and thinking tokens, and the calls it makes."""
    candidate, output, thinking = generate.candidate(reply, 0, request, ints=False)
    parts = candidate.get("content", {}).get("parts", [])
    steps: list[dict[str, Any]] = []
    calls: dict[str, str] = {}
    summary = [{"type": "text", "text": p["text"]} for p in parts if p.get("thought")]
    made = [p["functionCall"] for p in parts if "functionCall" in p]
    if thinking or made:
        seed = made[0] if made else {"name": "", "args": {}}
        thought: dict[str, Any] = {
            "type": "thought",
            "signature": signature_for(request.model, seed["name"], seed["args"], 0),
        }
        if summary:
            thought["summary"] = summary
        steps.append(thought)
    for index, call in enumerate(made):
        call_id = "call_" + hashlib.sha256(f"{interaction_id}:{index}".encode()).hexdigest()[:16]
        steps.append({"type": "function_call", "id": call_id, "name": call["name"], "arguments": call["args"]})
        calls[call_id] = call["name"]
    texts = [p["text"] for p in parts if "text" in p and not p.get("thought")]
    if texts:
        steps.append({"type": "model_output", "content": [{"type": "text", "text": "".join(texts)}]})
    status = "requires_action" if made else STATUS_BY_FINISH.get(candidate["finishReason"], "failed")
    return steps, status, output, thinking, calls


def create(server: StandIn, call: Call) -> Answer:
    """``POST /{version}/interactions``."""
    body = call.body
    store = server.interactions
    model = str(body.get("model", "")).removeprefix("models/")
    if not model:
        raise invalid_argument("The stand-in serves model interactions only: give `model`.")
    generate.known_model(server, model, "interactions", call.groups[0])
    keep, background = body.get("store", True) is not False, bool(body.get("background"))
    if background and not keep:
        raise invalid_argument("background=true requires store=true.")
    previous = store.find(body["previous_interaction_id"]) if body.get("previous_interaction_id") else None
    steps = input_steps(body.get("input", ""))
    check_results(steps, previous)
    history = previous.conversation if previous else []
    request = build_request(server, body, steps, history)
    reply = as_reply(server.answerer.reply(request))
    generate.check_reply(reply, request)
    server.lesson_fault(reply)  # an authored failure first (a lesson's 429), before anything is stored
    interaction_id = store.new_id(body)
    out, status, output, thinking, calls = output_steps(interaction_id, request, reply)
    prompt = generate.prompt_tokens(
        server, {"contents": request.history + as_contents(steps)[-1:], "systemInstruction": request.system}
    )
    now = server.now()
    resource: dict[str, Any] = {
        "id": interaction_id,
        "object": "interaction",
        "model": model,
        "status": status,
        "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "steps": out,
        "usage": usage(prompt, output, thinking),
    }
    if previous is not None:
        resource["previous_interaction_id"] = body["previous_interaction_id"]
    conversation = history + as_contents(steps) + as_contents(out)
    stored = Stored(resource, _merged(conversation), steps, calls, store.background_polls if background else 0)
    if keep:
        store.stored[interaction_id] = stored
    if body.get("stream"):
        return Answer(events=stream_events(resource))
    if background:
        return Answer(pending(resource))
    return Answer(resource)


def pending(resource: dict[str, Any]) -> dict[str, Any]:
    """A background interaction still being worked on: no steps, no usage yet."""
    return {k: v for k, v in resource.items() if k not in ("steps", "usage")} | {"status": "in_progress"}


def stream_events(resource: dict[str, Any]) -> list[Event]:
    """A streamed interaction: created, in progress, each step (start, deltas, stop), completed, ``[DONE]``."""
    head = {k: resource[k] for k in ("id", "status", "object", "model", "created")} | {"status": "in_progress"}
    events = [
        Event({"interaction": head, "event_type": "interaction.created"}, "interaction.created"),
        Event(
            {"interaction_id": resource["id"], "status": "in_progress", "event_type": "interaction.status_update"},
            "interaction.status_update",
        ),
    ]
    for index, step in enumerate(resource.get("steps", [])):
        events.extend(step_events(index, step))
    tail = {k: resource[k] for k in ("id", "status", "object", "model", "created", "updated", "usage") if k in resource}
    events.append(Event({"interaction": tail, "event_type": "interaction.completed"}, "interaction.completed"))
    events.append(Event("[DONE]"))
    return events


def step_events(index: int, step: dict[str, Any]) -> list[Event]:
    """One step streamed: ``step.start`` with the empty step, its deltas, ``step.stop``."""
    kind = step["type"]
    deltas: list[dict[str, Any]] = []
    start: dict[str, Any] = {"type": kind}
    if kind == "model_output":
        start["content"] = []
        for item in step.get("content", []):
            pieces = generate.text_pieces(item["text"], 12) or [item["text"]]
            deltas.extend({"type": "text", "text": piece} for piece in pieces)
    elif kind == "thought":
        deltas.extend({"type": "thought_summary", "content": item} for item in step.get("summary", []))
        deltas.append({"type": "thought_signature", "signature": step["signature"]})
    else:  # a function call comes whole
        start = step
    events = [Event({"index": index, "step": start, "event_type": "step.start"}, "step.start")]
    events.extend(Event({"index": index, "delta": d, "event_type": "step.delta"}, "step.delta") for d in deltas)
    events.append(Event({"index": index, "event_type": "step.stop"}, "step.stop"))
    return events


def get(server: StandIn, call: Call) -> Answer:
    """``GET /{version}/interactions/{id}``: a background interaction shows its progress poll by poll."""
    stored = server.interactions.find(call.groups[1])
    resource = stored.resource
    if stored.cancelled:
        resource = pending(resource) | {"status": "cancelled"}
    elif stored.polls_left > 0:
        stored.polls_left -= 1
        resource = pending(resource)
    if call.param("include_input") == "true":
        resource = resource | {"steps": stored.input_steps + resource.get("steps", [])}
    if call.param("stream") == "true":
        return Answer(events=stream_events(resource))
    return Answer(resource)


def delete(server: StandIn, call: Call) -> Answer:
    """``DELETE /{version}/interactions/{id}``."""
    server.interactions.find(call.groups[1])
    del server.interactions.stored[call.groups[1]]
    return Answer({})


def cancel(server: StandIn, call: Call) -> Answer:
    """``POST /{version}/interactions/{id}/cancel``: only a background interaction still in progress."""
    stored = server.interactions.find(call.groups[1])
    if stored.polls_left <= 0 or stored.cancelled:
        raise invalid_argument("Only a background interaction that is still in progress can be cancelled.")
    stored.cancelled = True
    return Answer(pending(stored.resource) | {"status": "cancelled"})


ROUTES = [
    ("POST", r"/(v1|v1beta)/interactions", create),
    ("GET", r"/(v1|v1beta)/interactions/([^/:]+)", get),
    ("DELETE", r"/(v1|v1beta)/interactions/([^/:]+)", delete),
    ("POST", r"/(v1|v1beta)/interactions/([^/:]+)(?:/|:)cancel", cancel),
]
