"""Show Gemini's answers in a notebook: Markdown, candidates, streams, chats.

None of these functions raises because an answer has no text: a blocked or
cut-off answer is shown with its finish reason and safety ratings instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from IPython.display import Markdown, display

from .plumbing.i18n import later, tr

#: What each finish reason means, in a learner's words (English; :func:`finish_meaning` translates).
FINISH_MEANINGS = {
    "STOP": later("the answer ended naturally or at a stop sequence"),
    "MAX_TOKENS": later("the answer reached max_output_tokens and was cut off"),
    "SAFETY": later("the answer was blocked by the safety filters"),
    "RECITATION": later("the answer was stopped because it repeated existing text too closely"),
    "OTHER": later("the answer was stopped for another reason"),
    "BLOCKLIST": later("the answer contained a blocked term"),
    "PROHIBITED_CONTENT": later("the answer was blocked as prohibited content"),
    "SPII": later("the answer was blocked because it contained sensitive personal information"),
    "MALFORMED_FUNCTION_CALL": later("the model produced an invalid function call"),
}
UNKNOWN_FINISH_MEANING = later("see the API reference for this finish reason")


def finish_meaning(reason: str) -> str:
    """What a finish reason means, in the learner's language."""
    return tr(FINISH_MEANINGS.get(reason, UNKNOWN_FINISH_MEANING))


def md(text: str) -> None:
    """Render ``text`` as Markdown."""
    display(Markdown(text))


def candidate_text(candidate: Any) -> str:
    """The answer's text parts, joined; ``""`` when there are none.

    Thought summaries (parts with ``thought`` set, from ``include_thoughts=True``) are not the
    answer, and are left out, as ``response.text`` leaves them out.
    """
    content = getattr(candidate, "content", None)
    parts = getattr(content, "parts", []) or []
    return "".join(getattr(part, "text", "") or "" for part in parts if not getattr(part, "thought", False))


def _name(enum_value: Any) -> str:
    return getattr(enum_value, "name", str(enum_value))


def finish_reason(candidate: Any) -> str:
    """The candidate's finish reason as a name such as ``"STOP"``."""
    return _name(getattr(candidate, "finish_reason", "FINISH_REASON_UNSPECIFIED"))


def safety_table(ratings: Iterable[Any]) -> str:
    """Safety ratings as a Markdown table ("" when there are none)."""
    rows = [
        f"| {_name(r.category).removeprefix('HARM_CATEGORY_').replace('_', ' ').lower()} "
        f"| {_name(r.probability).lower()} | {tr('yes') if getattr(r, 'blocked', False) else tr('no')} |"
        for r in ratings
    ]
    if not rows:
        return ""
    return tr("| category | probability | blocked |") + "\n|---|---|---|\n" + "\n".join(rows)


def describe_candidate(candidate: Any) -> str:
    """Markdown for one candidate: its text, or why it has none."""
    text = candidate_text(candidate)
    reason = finish_reason(candidate)
    meaning = finish_meaning(reason)
    table = safety_table(getattr(candidate, "safety_ratings", []) or [])
    if not text:
        return (
            tr("**No text in this answer.** Finish reason `{reason}`: {meaning}.", reason=reason, meaning=meaning)
            + f"\n\n{table}"
        ).rstrip()
    if reason not in ("STOP", "FINISH_REASON_UNSPECIFIED"):
        ratings = f"\n\n{table}" if table and reason != "MAX_TOKENS" else ""
        return f"{text}\n\n" + tr("*(Finish reason `{reason}`: {meaning}.)*", reason=reason, meaning=meaning) + ratings
    return text


def show(response: Any) -> None:
    """Render every candidate of a response as Markdown, never raising.

    A stream that has not been read yet is read to its end first. Something
    that is not a response (``None``, text, a number) is not shown as one: the
    output says what ``show`` expected instead.
    """
    if getattr(response, "_done", True) is False and hasattr(response, "resolve"):
        response.resolve()
    if not hasattr(response, "candidates") and not hasattr(response, "prompt_feedback"):
        md(_not_a_response(response))
        return
    candidates = list(getattr(response, "candidates", []) or [])
    if not candidates:
        feedback = getattr(response, "prompt_feedback", None)
        reason = _name(getattr(feedback, "block_reason", "unknown"))
        table = safety_table(getattr(feedback, "safety_ratings", []) or [])
        md(
            (
                tr("**No answer: the prompt itself was blocked** (block reason `{reason}`).", reason=reason)
                + f"\n\n{table}"
            ).rstrip()
        )
        return
    for number, candidate in enumerate(candidates, start=1):
        if len(candidates) > 1:
            md(tr("**Candidate {number} of {count}**", number=number, count=len(candidates)))
        md(describe_candidate(candidate))


def _not_a_response(value: Any) -> str:
    """What :func:`show` says when it is given something other than a response."""
    if value is None:
        return tr(
            "**Nothing to show:** `helpers.show` expects a response: what `generate_content` or a chat's "
            "`send_message` returns, and it got `None`. If that was `response.text`: google-genai gives "
            "`None` when an answer has no text (blocked, or cut off before any): pass the response itself, "
            "`helpers.show(response)`, to see why."
        )
    if isinstance(value, str):
        return tr(
            "**Not a response:** `helpers.show` expects a response: what `generate_content` or a chat's "
            "`send_message` returns, and it got text. To show text as Markdown, use `helpers.md(text)`."
        )
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:60] + "…"
    return tr(
        "**Not a response:** `helpers.show` expects a response: what `generate_content` or a chat's "
        "`send_message` returns, and it got {kind} `{shown}`.",
        kind=type(value).__name__,
        shown=shown,
    )


@dataclass
class StreamSummary:
    """What :func:`show_stream` saw: the text and how it arrived."""

    text: str
    chunks: int
    seconds_to_first_chunk: float
    seconds_total: float


def show_stream(response: Iterable[Any]) -> StreamSummary:
    """Render a streamed response in one output that grows chunk by chunk.

    While chunks arrive, one output is updated in place. When the stream ends,
    that live view is emptied and the whole answer is displayed once more as
    an output of its own: the saved notebook and a re-execution (nbval, which
    ignores in-place updates) then hold the same outputs.

    If the stream breaks, what arrived stays shown, marked as cut off, and the
    error is raised for ``helpers.plumbing.errors`` to explain.
    """
    start = time.perf_counter()
    first = 0.0
    text = ""
    chunks = 0
    live_view = display(Markdown(""), display_id=True)
    last_candidate = None
    try:
        for chunk in response:
            chunks += 1
            if chunks == 1:
                first = time.perf_counter() - start
            candidates = list(getattr(chunk, "candidates", []) or [])
            if candidates:
                last_candidate = candidates[0]
                text += candidate_text(candidates[0])
            live_view.update(Markdown(text))
    except Exception:
        _settle(live_view, f"{text}\n\n" + tr("*(The stream broke off here: the rest of the answer never arrived.)*"))
        raise
    final = text
    if last_candidate is not None and finish_reason(last_candidate) not in ("STOP", "FINISH_REASON_UNSPECIFIED"):
        reason = finish_reason(last_candidate)
        final = f"{text}\n\n" + tr(
            "*(Finish reason `{reason}`: {meaning}.)*", reason=reason, meaning=finish_meaning(reason)
        )
    _settle(live_view, final or tr("*(The stream ended without any text.)*"))
    return StreamSummary(text, chunks, first, time.perf_counter() - start)


def _settle(live_view: Any, markdown: str) -> None:
    """Empty the live view and show ``markdown`` as a plain, final output."""
    live_view.update(Markdown(""))
    md(markdown)


def show_chat(history: Iterable[Any]) -> None:
    """Render a chat's history, one Markdown block per message, by role."""
    for message in history:
        role = getattr(message, "role", "?")
        text = "".join(getattr(part, "text", "") or "" for part in message.parts)
        md(f"**{role}**: {text}")
