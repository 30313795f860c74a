"""The ``models`` resource: list, get, generateContent, streamGenerateContent, countTokens, embed.

Safety, the stand-in's way: an authored reply may carry safety ratings, for the
answer (``safety_ratings``) and for the prompt (``prompt_safety_ratings``); the
request's ``safetySettings`` decide whether they block it, as on Gemini: a
rating at or above its category's threshold (``BLOCK_LOW_AND_ABOVE`` blocks
``LOW``, ``MEDIUM`` and ``HIGH``, and so on; no setting, ``BLOCK_NONE`` or
``OFF``: nothing). A blocked prompt is answered with ``promptFeedback`` and no
candidates, a blocked answer with finish reason ``SAFETY`` and no content, the
rating that blocked marked ``blocked``. Ratings that block nothing are not sent.
(A reply whose finish reason or block reason is authored explicitly is sent as
it is, whatever the settings.)

Thinking, the stand-in's way: a reply's thinking costs ``thinking_tokens`` when
the answer gives it, else the tokens of its thought summary times the level's
factor (``LEVEL_FACTORS``; no level: ``HIGH``, Gemini 3's default).
``thinkingBudget: 0`` turns thinking off; a positive budget caps it. Thinking
counts against ``maxOutputTokens`` first, as on Gemini: when it takes the whole
limit, the answer comes back with ``MAX_TOKENS`` and no parts at all.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ... import models as model_names
from .contents import (
    all_texts,
    check_signatures,
    declared_functions,
    function_results,
    media_digests,
    question,
    signature_for,
    system_text,
    user_texts,
)
from .problems import authoring_error, invalid_argument, not_found
from .replies import FunctionCall, Reply, Request, as_reply
from .schema import check_enum, check_json, from_api_schema, problems
from .text import count_tokens, cut_at_stop_sequence, pick, truncate_to_tokens

if TYPE_CHECKING:
    from .server import StandIn

FINISH_REASONS = ["FINISH_REASON_UNSPECIFIED", "STOP", "MAX_TOKENS", "SAFETY", "RECITATION", "OTHER"]
TASK_TYPES = [
    "TASK_TYPE_UNSPECIFIED",
    "RETRIEVAL_QUERY",
    "RETRIEVAL_DOCUMENT",
    "SEMANTIC_SIMILARITY",
    "CLASSIFICATION",
    "CLUSTERING",
    "QUESTION_ANSWERING",
    "FACT_VERIFICATION",
    "CODE_RETRIEVAL_QUERY",
]
HARM_CATEGORIES = {
    "HARM_CATEGORY_HARASSMENT": 7,
    "HARM_CATEGORY_HATE_SPEECH": 8,
    "HARM_CATEGORY_SEXUALLY_EXPLICIT": 9,
    "HARM_CATEGORY_DANGEROUS_CONTENT": 10,
}
HARM_PROBABILITIES = ["HARM_PROBABILITY_UNSPECIFIED", "NEGLIGIBLE", "LOW", "MEDIUM", "HIGH"]
HARM_THRESHOLDS = [
    "HARM_BLOCK_THRESHOLD_UNSPECIFIED",
    "BLOCK_LOW_AND_ABOVE",
    "BLOCK_MEDIUM_AND_ABOVE",
    "BLOCK_ONLY_HIGH",
    "BLOCK_NONE",
    "OFF",
]
#: The lowest probability each threshold blocks (the others block nothing).
BLOCKS_FROM = {"BLOCK_LOW_AND_ABOVE": "LOW", "BLOCK_MEDIUM_AND_ABOVE": "MEDIUM", "BLOCK_ONLY_HIGH": "HIGH"}
BLOCK_REASONS = ["BLOCK_REASON_UNSPECIFIED", "SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT"]
#: Thinking tokens per token of thought summary, by thinking level.
LEVEL_FACTORS = {"MINIMAL": 1, "LOW": 2, "MEDIUM": 4, "HIGH": 8}
#: Gemini 3.8 Flash thinks at MEDIUM when no level is given (Google's Gemini 3 developer guide, Nov 2026).
DEFAULT_THINKING_LEVEL = "MEDIUM"
#: What one image (or other media part) counts in the prompt: Gemini's count for an image up to 384 px.
MEDIA_TOKENS = 258


def enum_value(names: list[str] | dict[str, int], value: str, ints: bool) -> int | str:
    """An enum as the caller asked for it: its name, or its number (``enum-encoding=int``)."""
    if not ints:
        return value
    return names[value] if isinstance(names, dict) else names.index(value)


# --- the model list -------------------------------------------------------------------------------


def model_page(server: StandIn, token: str, size: int | None = None) -> dict[str, Any]:
    """One page of the model list; the page token is the index of its first model."""
    every = [model_info(name, title) for name, title in server.models.items()]
    size = server.models_per_page or size or len(every)
    start = int(token or 0)
    page: dict[str, Any] = {"models": every[start : start + size]}
    if start + size < len(every):
        page["nextPageToken"] = str(start + size)
    return page


def model_info(name: str, title: str) -> dict[str, Any]:
    """A model as ``models.get`` describes it."""
    embedding = "embedding" in name
    info: dict[str, Any] = {
        "name": f"models/{name}",
        "version": "001" if embedding else "stand-in",
        "displayName": title,
        "description": f"{title}, as served by the local stand-in.",
        "inputTokenLimit": 2048 if embedding else 1048576,
        "outputTokenLimit": 1 if embedding else 65536,
        "supportedGenerationMethods": (
            ["embedContent", "batchEmbedContents", "countTextTokens"]
            if embedding
            else ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]
        ),
    }
    if not embedding:
        info["thinking"] = True
    return info


def known_model(server: StandIn, model: str, action: str | None, version: str) -> None:
    """Refuse a model the stand-in does not serve, as Gemini refuses it."""
    if model in server.models:
        return
    reason = "is retired" if model in model_names.RETIRED_MODELS else "is not found"
    raise not_found(
        f"models/{model} is not found for API version {version}, or is not supported for "
        f"{action or 'get'}. Call ListModels to see the list of available models and their "
        f"supported methods. (stand-in: the model {reason})"
    )


# --- reading a request ----------------------------------------------------------------------------


def parse_request(server: StandIn, model: str, body: dict[str, Any]) -> Request:
    """A generateContent body as the answerer sees it."""
    contents = body.get("contents", [])
    last = contents[-1] if contents else {"parts": []}
    return Request(
        model=model,
        prompt="\n".join(user_texts(last)),
        image_digests=media_digests(last, server.files.require),
        history=contents[:-1],
        config=pick(body, "generationConfig", {}) or {},
        system=system_text(body),
        function_results=function_results(last),
        api="generateContent",
        functions=declared_functions(body.get("tools")),
        question=question(contents),
        **tool_choice(body),
    )


def tool_choice(body: dict[str, Any]) -> dict[str, Any]:
    """``toolConfig.functionCallingConfig`` as the request's ``tool_mode`` and ``allowed_functions``."""
    calling = pick(pick(body, "toolConfig") or {}, "functionCallingConfig") or {}
    mode = str(pick(calling, "mode") or "AUTO").upper()
    return {
        "tool_mode": "AUTO" if mode == "VALIDATED" else mode,
        "allowed_functions": pick(calling, "allowedFunctionNames") or [],
    }


def prompt_tokens(server: StandIn, body: dict[str, Any]) -> int:
    """The prompt's tokens: texts, system instruction, function calls and results, media parts."""
    contents = body.get("contents", [])
    total = sum(count_tokens(t) for t in all_texts(contents)) + count_tokens(system_text(body))
    for content in contents:
        total += MEDIA_TOKENS * len(media_digests(content, server.files.require))
        for part in content.get("parts", []):
            for name in ("functionCall", "functionResponse"):
                if pick(part, name):
                    total += count_tokens(json.dumps(pick(part, name), ensure_ascii=False))
    return total


# --- checking an authored reply -------------------------------------------------------------------


def response_schema(config: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON Schema the request asks the answer to fit, if any."""
    raw = pick(config, "responseJsonSchema")
    if raw is not None:
        return raw
    schema = pick(config, "responseSchema")
    return from_api_schema(schema) if schema is not None else None


def check_reply(reply: Reply, request: Request) -> None:
    """Refuse, loudly, an authored reply that no model could have sent for this request."""
    check_mode(reply, request)
    if reply.function_calls:
        check_calls(reply.function_calls, request.functions)
        return
    if reply.finish_reason != "STOP" or reply.block_reason:
        return
    mime = pick(request.config, "responseMimeType", "")
    schema = response_schema(request.config)
    if mime == "application/json":
        check_json(reply.text, schema, "the answer")
    elif mime == "text/x.enum" and schema is not None:
        check_enum(reply.text, schema)


def check_mode(reply: Reply, request: Request) -> None:
    """Function calls as the calling mode allows: none with NONE, some with ANY, only allowed names."""
    if reply.function_calls and request.tool_mode == "NONE":
        raise authoring_error("authored function calls, but the request's function calling mode is NONE")
    if not reply.function_calls and request.tool_mode == "ANY" and request.functions and not reply.block_reason:
        raise authoring_error("authored text, but the request's function calling mode is ANY: it must call a function")
    refused = [
        c.name for c in reply.function_calls if request.allowed_functions and c.name not in request.allowed_functions
    ]
    if refused:
        raise authoring_error(
            f"authored calls to {refused}, outside allowed_function_names {request.allowed_functions}"
        )


def check_calls(calls: list[FunctionCall], functions: list[dict[str, Any]]) -> None:
    """Every call must name a declared function and fit its parameters."""
    declared = {f["name"]: f["parameters"] for f in functions}
    for call in calls:
        if call.name not in declared:
            raise authoring_error(
                f"authored function call {call.name!r} is not declared in the request's tools "
                f"(declared: {sorted(declared) or 'none'})"
            )
        schema = declared[call.name]
        found = problems(call.args, schema) if schema is not None else ([] if not call.args else ["takes no args"])
        if found:
            raise authoring_error(f"authored args of {call.name} do not fit its parameters: " + "; ".join(found))


# --- answering ------------------------------------------------------------------------------------


def thinking_tokens(reply: Reply, thinking: dict[str, Any]) -> int:
    """The thinking this reply costs (see the module docstring)."""
    budget = pick(thinking, "thinkingBudget")
    if budget is not None and int(budget) == 0:
        return 0
    if reply.thinking_tokens is not None:
        spent = int(reply.thinking_tokens)
    else:
        level = str(pick(thinking, "thinkingLevel") or DEFAULT_THINKING_LEVEL).upper()
        spent = count_tokens(reply.thoughts) * LEVEL_FACTORS.get(level, LEVEL_FACTORS["HIGH"])
    return min(spent, int(budget)) if budget is not None and int(budget) > 0 else spent


def call_parts(model: str, calls: list[FunctionCall]) -> list[dict[str, Any]]:
    """Function-call parts; as on Gemini 3, the first of them carries the step's thought signature."""
    parts = []
    for index, call in enumerate(calls):
        part: dict[str, Any] = {"functionCall": {"name": call.name, "args": call.args}}
        if index == 0:
            part["thoughtSignature"] = signature_for(model, call.name, call.args, index)
        parts.append(part)
    return parts


def call_tokens(calls: list[FunctionCall]) -> int:
    """What function calls count as output."""
    return sum(count_tokens(c.name + json.dumps(c.args, ensure_ascii=False)) for c in calls)


def candidate(reply: Reply, index: int, request: Request, ints: bool) -> tuple[dict[str, Any], int, int]:
    """One candidate, its output tokens and its thinking tokens."""
    config = request.config
    thinking_config = pick(config, "thinkingConfig") or {}
    thinking = thinking_tokens(reply, thinking_config)
    text, finish, calls = reply.text, reply.finish_reason, reply.function_calls
    limit = pick(config, "maxOutputTokens")
    parts: list[dict[str, Any]] = []
    if finish == "STOP":
        text = cut_at_stop_sequence(text, pick(config, "stopSequences", []) or [])
        if limit is not None and thinking >= int(limit):  # the thinking took the whole limit: nothing is left
            thinking, text, calls, finish = int(limit), "", [], "MAX_TOKENS"
        elif limit is not None and count_tokens(text) > int(limit) - thinking:
            text, finish = truncate_to_tokens(text, int(limit) - thinking), "MAX_TOKENS"
    shown = pick(thinking_config, "includeThoughts") and reply.thoughts and thinking
    if shown and (finish != "MAX_TOKENS" or text):
        parts.append({"text": reply.thoughts, "thought": True})
    if text:
        parts.append({"text": text})
        if not ints and not calls and (thinking or request.functions):  # Gemini 3 signs its last part
            parts[-1]["thoughtSignature"] = signature_for(request.model, "", {"text": text}, index)
    parts.extend(call_parts(request.model, calls))
    result: dict[str, Any] = {"finishReason": enum_value(FINISH_REASONS, finish, ints), "index": index}
    if parts:
        result["content"] = {"parts": parts, "role": "model"}
    elif pick(config, "thinkingConfig") is not None or thinking:
        result["content"] = {"role": "model"}
    if reply.finish_reason != "STOP":  # authored as stopped: its ratings as they are (a STOP answer's
        result.update(ratings(reply, ints))  # ratings only count against the request's safety settings)
    return result, count_tokens(text) + call_tokens(calls), thinking


def ratings(reply: Reply, ints: bool) -> dict[str, Any]:
    """The safety ratings of an answer authored as blocked (``MEDIUM`` and ``HIGH`` marked blocked)."""
    high = {category for category, probability in reply.safety_ratings.items() if probability in ("MEDIUM", "HIGH")}
    return rating_list(reply.safety_ratings, ints, high)


def rating_list(given: dict[str, str], ints: bool, blocked: set[str]) -> dict[str, Any]:
    """``safetyRatings``, the categories in ``blocked`` marked ``blocked``."""
    if not given:
        return {}
    return {
        "safetyRatings": [
            {
                "category": enum_value(HARM_CATEGORIES, category, ints),
                "probability": enum_value(HARM_PROBABILITIES, probability, ints),
                **({"blocked": True} if category in blocked else {}),
            }
            for category, probability in given.items()
        ]
    }


def safety_thresholds(body: dict[str, Any]) -> dict[str, str]:
    """The request's ``safetySettings`` as ``{category: threshold}`` names (the old SDK sends numbers)."""
    categories = {number: name for name, number in HARM_CATEGORIES.items()}
    thresholds: dict[str, str] = {}
    for setting in pick(body, "safetySettings") or []:
        category, threshold = setting.get("category"), setting.get("threshold")
        if isinstance(category, int):
            category = categories.get(category, str(category))
        if isinstance(threshold, int):
            threshold = HARM_THRESHOLDS[threshold] if 0 <= threshold < len(HARM_THRESHOLDS) else str(threshold)
        thresholds[str(category)] = str(threshold)
    return thresholds


def blocked_by(given: dict[str, str], thresholds: dict[str, str]) -> set[str]:
    """The categories whose rating is at or above the threshold the request sets for them."""
    blocked = set()
    for category, probability in given.items():
        lowest = BLOCKS_FROM.get(thresholds.get(category, ""))
        if lowest and HARM_PROBABILITIES.index(probability) >= HARM_PROBABILITIES.index(lowest):
            blocked.add(category)
    return blocked


def prompt_feedback(reply: Reply, thresholds: dict[str, str], ints: bool) -> dict[str, Any] | None:
    """``promptFeedback`` when the prompt is blocked: authored so, or by its ratings and the settings."""
    if reply.block_reason:
        return {"blockReason": enum_value(BLOCK_REASONS, reply.block_reason, ints)} | ratings(reply, ints)
    blocked = blocked_by(reply.prompt_safety_ratings, thresholds)
    if not blocked:
        return None
    return {"blockReason": enum_value(BLOCK_REASONS, "SAFETY", ints)} | rating_list(
        reply.prompt_safety_ratings, ints, blocked
    )


def safety_blocked(reply: Reply, index: int, thresholds: dict[str, str], ints: bool) -> dict[str, Any] | None:
    """The candidate of an answer its ratings block under the request's settings (``None``: not blocked)."""
    if reply.finish_reason != "STOP" or reply.function_calls:
        return None
    blocked = blocked_by(reply.safety_ratings, thresholds)
    if not blocked:
        return None
    result = {"finishReason": enum_value(FINISH_REASONS, "SAFETY", ints), "index": index}
    return result | rating_list(reply.safety_ratings, ints, blocked)


def replies(server: StandIn, model: str, body: dict[str, Any]) -> tuple[Request, list[Reply]]:
    """Ask the answerer once per candidate, and check what it answers."""
    check_signatures(body.get("contents", []))
    request = parse_request(server, model, body)
    answers = []
    for index in range(int(pick(request.config, "candidateCount", 1))):
        request.candidate_index = index
        reply = as_reply(server.answerer.reply(request))
        check_reply(reply, request)
        answers.append(reply)
    server.lesson_fault(answers[0])
    return request, answers


def usage(prompt: int, output: int, thinking: int) -> dict[str, int]:
    """``usageMetadata``: thinking counts in the total, apart from the candidates."""
    result = {"promptTokenCount": prompt, "candidatesTokenCount": output, "totalTokenCount": prompt + output + thinking}
    if thinking:
        result["thoughtsTokenCount"] = thinking
    return result


def generate(server: StandIn, model: str, body: dict[str, Any], ints: bool) -> dict[str, Any]:
    """A generateContent answer."""
    request, answers = replies(server, model, body)
    prompt = prompt_tokens(server, body)
    thresholds = safety_thresholds(body)
    feedback = next((f for f in (prompt_feedback(r, thresholds, ints) for r in answers) if f), None)
    if feedback is not None:
        return {"promptFeedback": feedback, "usageMetadata": usage(prompt, 0, 0), "modelVersion": model}
    candidates, output, thinking = [], 0, 0
    for index, reply in enumerate(answers):
        blocked = safety_blocked(reply, index, thresholds, ints)
        if blocked is not None:  # the answer was written, then withheld: nothing of it is sent
            candidates.append(blocked)
            continue
        built, tokens, thought = candidate(reply, index, request, ints)
        candidates.append(built)
        output += tokens
        thinking += thought
    return {"candidates": candidates, "usageMetadata": usage(prompt, output, thinking), "modelVersion": model}


def text_pieces(text: str, words: int) -> list[str]:
    """``text`` in pieces of ``words`` words, leading whitespace kept."""
    pieces = re.findall(r"\S+\s*", text)
    groups = ["".join(pieces[i : i + words]) for i in range(0, len(pieces), words)] or [""]
    if text and not text[0].strip():
        groups[0] = text[: len(text) - len(text.lstrip())] + groups[0]
    return [g for g in groups if g]


def stream_chunks(server: StandIn, model: str, body: dict[str, Any], ints: bool) -> list[dict[str, Any]]:
    """A streamed answer: thought summary, then text in pieces, then calls, then a closing chunk."""
    whole = generate(server, model, body, ints)
    if "candidates" not in whole:  # a blocked prompt: one chunk with the feedback
        return [whole]
    first = whole["candidates"][0]
    chunks: list[dict[str, Any]] = []
    for part in first.get("content", {}).get("parts", []):
        if "text" in part:
            pieces = [part["text"]] if part.get("thought") else text_pieces(part["text"], server.chunk_words)
            extra = {"thought": True} if part.get("thought") else {}
            streamed = [{"text": piece, **extra} for piece in pieces]
            if "thoughtSignature" in part:  # the signature comes with the last piece
                streamed[-1]["thoughtSignature"] = part["thoughtSignature"]
            chunks.extend(content_chunk([piece], model) for piece in streamed)
        else:
            chunks.append(content_chunk([part], model))
    # As Gemini does, the last chunk carries the finish reason and the usage, and no text part at all:
    # `chunk.text` raises on it, which is why the notebooks check `chunk.parts` first.
    final: dict[str, Any] = {"content": {"role": "model"}, "finishReason": first["finishReason"], "index": 0}
    if "safetyRatings" in first:
        final["safetyRatings"] = first["safetyRatings"]
    chunks.append({"candidates": [final], "usageMetadata": whole["usageMetadata"], "modelVersion": model})
    return chunks


def content_chunk(parts: list[dict[str, Any]], model: str) -> dict[str, Any]:
    """One streamed chunk holding ``parts``."""
    return {"candidates": [{"content": {"parts": parts, "role": "model"}, "index": 0}], "modelVersion": model}


def count(server: StandIn, body: dict[str, Any]) -> dict[str, Any]:
    """A countTokens answer; the old SDK wraps the request in ``generateContentRequest``."""
    inner = pick(body, "generateContentRequest") or body
    return {"totalTokens": prompt_tokens(server, inner)}


def embed(server: StandIn, body: dict[str, Any]) -> list[float]:
    """One embedding; ``taskType`` comes as a name (google-genai) or a number (the old SDK)."""
    text = "\n".join(all_texts([body.get("content", {})]))
    task = pick(body, "taskType", 0)
    task_name = TASK_TYPES[task] if isinstance(task, int) else task
    title = body.get("title")
    if title and task_name != "RETRIEVAL_DOCUMENT":
        raise invalid_argument("Title is only applicable for RETRIEVAL_DOCUMENT task type.")
    dimensions = int(pick(body, "outputDimensionality") or 3072)
    return server.answerer.embed(text, task_name, title, dimensions)
