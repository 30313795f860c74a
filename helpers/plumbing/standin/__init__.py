"""A local stand-in for the Gemini REST API.

The stand-in speaks the part of the Gemini API that the series uses, on
``127.0.0.1``, for both SDKs: the old ``google-generativeai`` (``/v1beta``,
enums as numbers) and ``google-genai`` (``/v1`` by default, SSE streams). Point
either at it with ``GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:PORT``.

It exists for three jobs, none of which can reach the real Gemini from here:

* tests prove the live and record paths, the error messages and the retries;
* maintainers author the first cassettes (``python -m helpers record --standin``),
  which are then marked ``authored``, never ``recorded``;
* a workshop can run the notebooks "live" with no internet at all.

Every response carries the header ``x-gemini-standin`` so that a recording made
against the stand-in can never pass for one made against Gemini.

One module per concern: ``server`` (HTTP, routes, SSE), ``generate`` (the
``models`` resource, thinking, usage), ``contents`` (reading requests, thought
signatures), ``schema`` (checking authored JSON), ``files`` (the Files API),
``interactions`` (the Interactions API), ``replies`` (what an answerer is asked
and answers), ``problems`` (errors, injected faults and a lesson's authored
faults), ``text`` (tokens).
"""

from __future__ import annotations

from .generate import BLOCK_REASONS, FINISH_REASONS, HARM_CATEGORIES, HARM_PROBABILITIES, TASK_TYPES
from .problems import LESSON_FAULT_HEADER, Fault, StandInError
from .replies import EchoAnswerer, FunctionCall, Reply, Request
from .server import DEFAULT_CLOCK, DEFAULT_MODELS, STANDIN_HEADER, StandIn
from .text import count_tokens, cut_at_stop_sequence, truncate_to_tokens

__all__ = [
    "BLOCK_REASONS",
    "DEFAULT_CLOCK",
    "DEFAULT_MODELS",
    "FINISH_REASONS",
    "HARM_CATEGORIES",
    "HARM_PROBABILITIES",
    "LESSON_FAULT_HEADER",
    "STANDIN_HEADER",
    "TASK_TYPES",
    "EchoAnswerer",
    "Fault",
    "FunctionCall",
    "Reply",
    "Request",
    "StandIn",
    "StandInError",
    "count_tokens",
    "cut_at_stop_sequence",
    "truncate_to_tokens",
]
