"""Bounded retries for live and record mode, through the SDK's own ``Retry``.

``google-generativeai`` retries only 503, with waits of up to 10 s for up to
600 s (60 s for embeddings), and never retries 429 (quota), 500, a reset
connection or a timeout:
the errors the free tier produces most. :func:`install` replaces that default
for the calls the series makes, so notebook code stays
``model.generate_content(prompt)``.

How it is installed
    ``genai.configure`` only stores settings; the SDK builds its clients on
    first use and caches them. :func:`install` (called by ``helpers.setup``
    right after ``genai.configure``) builds the generative client (which also
    serves ``genai.embed_content``) and the model client now, and re-wraps
    their transport's ``_wrapped_methods`` with
    ``google.api_core.gapic_v1.method.wrap_method(..., default_retry=...)``,
    exactly as the generated ``_prep_wrapped_messages`` does with Google's own
    defaults. So nothing in the SDK is monkeypatched, a learner's
    ``request_options={"retry": ...}`` still wins, and ``list_models`` retries
    too. Rejected alternatives: ``request_options`` on every call (notebooks
    would show plumbing), patching ``GenerativeModel.generate_content`` (misses
    embeddings, fragile), a ``requests`` adapter with urllib3 retries (below
    the SDK, blind to ``RetryInfo``, and every failed attempt would reach the
    cassette). Only the named read-only methods are re-wrapped: nothing that
    creates or deletes (tuned models, files) is ever repeated.

The policy (:data:`DEFAULT_POLICY`)
    Retried: HTTP 429, 500, 502, 503, 504; a connection reset or aborted
    mid-request; a read timeout. Not retried: every other status (a wrong key
    or a retired model does not get better), and a connection that cannot be
    opened at all (refused, name not found, connect timeout, a failed TLS
    handshake): that is the network being down or a wrong address, said at
    once rather than after a minute of waiting.
    At most 4 attempts. Between attempts, the delay a 429 asks for in its
    ``RetryInfo.retryDelay`` (else the "retry in N s" in its message), or
    else ``google.api_core``'s jittered exponential backoff (a random wait up
    to 1 s, then 2 s, then 4 s); any single wait is capped at 30 s. No attempt
    starts more than 60 s after the first one did, so a call gives up after
    at most 60 s plus one attempt's timeout (120 s per attempt, instead of the
    SDK's 600 s). While it waits, one line on stderr says why. When it gives
    up, the last real error is raised (not a ``RetryError``) with a
    :class:`Retried` record on it, so ``helpers.plumbing.errors`` can say what was tried.

Deadline
    A read timeout bounds each wait for data, not the whole answer: a server
    or proxy that trickles a byte every few seconds keeps a call going for
    minutes. Each attempt therefore has a total deadline, a quarter more than
    the policy's ``attempt_timeout`` (150 s), enforced with a real-time alarm
    (:func:`deadline`); for a stream, it bounds the time spent waiting for
    chunks (not the time the learner's loop spends on each). Past it the call
    raises :class:`AnswerTooSlow`, which is not retried. The alarm works in the
    main thread, where notebook cells and widget callbacks run.

Streaming
    The request that opens a stream is retried like any other, until its
    HTTP status arrives. Once chunks are arriving, a broken stream is not
    retried: what was shown cannot be taken back, and a second answer would
    not continue the first. The error then says the answer was cut off.

Replay
    ``install("replay")`` removes retries altogether: a recorded answer is the
    same every time, and a replayed error should show at once.

Not covered
    The async clients, ``genai.upload_file`` (the File API goes through
    ``googleapiclient``, not these clients), a model object that made its
    first call before the last ``helpers.setup``, and anything after a
    learner's own ``genai.configure`` (which discards the clients: run the
    setup cell again). For one call, ``request_options={"retry":
    GeminiRetry(Policy(...))}`` or any ``google.api_core.retry.Retry`` works.

google-genai (Part II)
    Nothing here touches a ``google.genai.Client``. That SDK has its own
    documented retry setting, ``types.HttpRetryOptions`` (on
    ``HttpOptions(retry_options=...)``, for a client or for one call), and the
    series teaches it instead of hiding it (notebook 14). So a learner's bare
    ``genai.Client()`` keeps the SDK's defaults: ``generate_content``, its
    streams and embeddings are not retried at all (``files.upload`` only sends
    a chunk again, up to 3 times, when an answer lacks its upload status), while
    ``client.interactions`` tries 408, 409, 429 and 5xx up to 5 times, after
    the ``Retry-After`` header if any (not the ``RetryInfo`` body), and
    retries a connection that could not be opened, failed or timed out, but
    not one the server closed without an answer (``RemoteProtocolError``).
    Rejected: wrapping or patching the SDK's methods or its
    ``_api_client`` (fragile across releases, and invisible to the learner),
    and a custom ``httpx2`` transport with its own retries (below the SDK,
    blind to ``RetryInfo``, and every failed attempt would reach the
    cassette). What a failed call needs is said by
    :mod:`helpers.plumbing.errors`, which reads from the traceback how often the
    client really tried (tenacity's attempt count, or the Interactions
    client's retry setting) and says what to do: wait the delay Gemini asked
    for and run the cell again, or give the client ``HttpRetryOptions``.
    ``HttpRetryOptions`` cannot wait for a 429's ``RetryInfo`` delay either
    (its backoff does not read it); it also retries a refused connection.

Tests replace the module-level :data:`sleep`, :data:`clock` and :data:`notify`
(or pass a :class:`Policy`), so they run in milliseconds.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any

from google.api_core import exceptions as api  # its import-time warning: see helpers/sdk.py
from google.api_core.gapic_v1.method import wrap_method
from google.api_core.retry import Retry, exponential_sleep_generator
from google.api_core.timeout import ConstantTimeout

from .i18n import tr

#: HTTP statuses worth another attempt. ``helpers.plumbing.recording`` keeps them out of cassettes.
TRANSIENT_STATUS_CODES = frozenset({429, 500, 502, 503, 504})
#: The methods that get the policy, per SDK client: all read-only.
RETRIED_METHODS = {
    "generative": (
        "generate_content",
        "stream_generate_content",
        "count_tokens",
        "embed_content",
        "batch_embed_contents",
    ),
    "model": ("get_model", "list_models"),
}
#: The attribute that carries a :class:`Retried` record on the error finally raised.
RETRIED_ATTRIBUTE = "helpers_retried"

#: How to wait; tests replace it.
sleep: Callable[[float], None] = time.sleep
#: How to tell the time (seconds, monotonic); tests replace it.
clock: Callable[[], float] = time.monotonic


def _print_notice(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


#: Where the "waiting, then trying again" line goes; tests replace it.
notify: Callable[[str], None] = _print_notice


@dataclass(frozen=True)
class Policy:
    """How often and how long to retry."""

    #: Attempts in all, the first included.
    attempts: int = 4
    #: Backoff: the first wait is random up to ``initial`` s, and each next up to ``multiplier`` times more.
    initial: float = 1.0
    multiplier: float = 2.0
    #: No single wait is longer, not even one a 429 asks for.
    max_wait: float = 30.0
    #: No attempt starts more than this many seconds after the first.
    total: float = 60.0
    #: Seconds each attempt may wait for the server to send anything (the SDK's own default is 600).
    attempt_timeout: float = 120.0
    #: Seconds each attempt may take in all, however the answer trickles in: a quarter (and at least
    #: a second) more than ``attempt_timeout``, so that a server that says nothing at all is reported
    #: as a timeout.
    deadline_factor: float = 1.25

    @property
    def answer_deadline(self) -> float:
        """The total time one attempt may take (see :func:`deadline`)."""
        return max(self.attempt_timeout * self.deadline_factor, self.attempt_timeout + 1.0)


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Retried:
    """What the retry did before it gave up: put on the error it raised."""

    attempts: int
    waited: float


def causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and every exception inside it: arguments, ``reason``, cause and context."""
    seen: set[int] = set()
    pending: list[Any] = [error]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        pending.extend([*item.args, getattr(item, "reason", None), item.__cause__, item.__context__])


def could_not_connect(error: BaseException) -> bool:
    """True when no usable connection could be opened: refused, name not found, connect timeout, TLS failure."""
    import ssl

    import requests
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    if isinstance(error, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    return any(isinstance(e, (NewConnectionError, ConnectTimeoutError, ssl.SSLError)) for e in causes(error))


def is_transient(error: BaseException) -> bool:
    """Whether another attempt may succeed (see the module docstring)."""
    import requests

    if isinstance(error, api.GoogleAPICallError):
        return error.code in TRANSIENT_STATUS_CODES
    if isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return not could_not_connect(error)
    return isinstance(error, requests.exceptions.ChunkedEncodingError)


def error_details(error: BaseException) -> list[Any]:
    """The ``details`` list of a Google error, whichever SDK raised it.

    ``google.api_core`` keeps the list itself; ``google.genai.errors.APIError``
    keeps the whole JSON body in ``details``; the Interactions client keeps it
    in ``body``.
    """
    details = getattr(error, "details", None)
    if isinstance(details, list):
        return details
    for body in (details, getattr(error, "body", None)):
        if isinstance(body, dict):
            inner = body.get("error", body)
            found = inner.get("details") if isinstance(inner, dict) else None
            if isinstance(found, list):
                return found
    return []


def requested_delay(error: BaseException) -> float | None:
    """The wait a 429 asks for: ``RetryInfo.retryDelay``, else "retry in N s" in its message."""
    for detail in error_details(error):
        delay = detail.get("retryDelay") if isinstance(detail, dict) else getattr(detail, "retry_delay", None)
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return float(delay[:-1])
            except ValueError:
                continue
        if hasattr(delay, "seconds") and hasattr(delay, "nanos"):  # a protobuf Duration (gRPC)
            return delay.seconds + delay.nanos / 1e9
    match = re.search(r"retry in ([\d.]+)\s*s", str(error), re.IGNORECASE)
    return float(match.group(1)) if match else None


def describe(error: BaseException) -> str:
    """A few words for the notice: what went wrong on this attempt."""
    if isinstance(error, api.GoogleAPICallError):
        if error.code == 429:
            return tr("429 RESOURCE_EXHAUSTED (quota)")
        try:
            return f"{error.code} {HTTPStatus(error.code or 0).phrase}"
        except ValueError:
            return f"{error.code} {type(error).__name__}"
    import requests

    if isinstance(error, requests.exceptions.Timeout):
        return tr("no answer in time")
    return tr("the connection was reset")


class GeminiRetry(Retry):
    """``google.api_core.retry.Retry`` with a :class:`Policy`: bounded attempts, ``RetryInfo`` honoured.

    ``Retry`` itself bounds only the total time, sleeps with ``time.sleep`` and
    cannot see a 429's ``retryDelay``; this subclass keeps its interface (it is
    installed as the wrapped methods' ``default_retry``) and runs its own loop.
    """

    def __init__(
        self,
        policy: Policy = DEFAULT_POLICY,
        *,
        predicate: Callable[[Exception], bool] = is_transient,
        on_error: Callable[[Exception], Any] | None = None,
    ) -> None:
        super().__init__(
            predicate=predicate,
            initial=policy.initial,
            maximum=policy.max_wait,
            multiplier=policy.multiplier,
            timeout=None if math.isinf(policy.total) else policy.total,
            on_error=on_error,
        )
        self.policy = policy

    def with_timeout(self, timeout: float | None) -> GeminiRetry:
        """A copy that starts no attempt later than ``timeout`` s after the first (``None``: no limit)."""
        total = math.inf if timeout is None else timeout
        return GeminiRetry(replace(self.policy, total=total), predicate=self._predicate, on_error=self._on_error)

    def with_delay(
        self, initial: float | None = None, maximum: float | None = None, multiplier: float | None = None
    ) -> GeminiRetry:
        """A copy with other backoff delays; ``None`` keeps the current one."""
        policy = replace(
            self.policy,
            initial=self.policy.initial if initial is None else initial,
            max_wait=self.policy.max_wait if maximum is None else maximum,
            multiplier=self.policy.multiplier if multiplier is None else multiplier,
        )
        return GeminiRetry(policy, predicate=self._predicate, on_error=self._on_error)

    def with_predicate(self, predicate: Callable[[Exception], bool]) -> GeminiRetry:
        """A copy that retries what ``predicate`` accepts."""
        return GeminiRetry(self.policy, predicate=predicate, on_error=self._on_error)

    def __call__(self, func: Callable[..., Any], on_error: Callable[[Exception], Any] | None = None) -> Callable:
        """Wrap ``func`` so that transient errors are retried under the policy."""
        on_error = self._on_error or on_error

        @functools.wraps(func)
        def retried(*args: Any, **kwargs: Any) -> Any:
            policy = self.policy
            backoff = exponential_sleep_generator(policy.initial, policy.max_wait, policy.multiplier)
            start, waited, attempt = clock(), 0.0, 0
            while True:
                attempt += 1
                try:
                    with deadline(policy.answer_deadline):
                        result = func(*args, **kwargs)
                    return bounded(result, policy.answer_deadline) if isinstance(result, Iterator) else result
                except Exception as error:
                    if not self._predicate(error):
                        raise
                    asked = requested_delay(error) if getattr(error, "code", None) == 429 else None
                    wait = min(policy.max_wait, asked if asked is not None else next(backoff))
                    if attempt >= policy.attempts or clock() - start + wait > policy.total:
                        _mark(error, Retried(attempt, round(waited, 3)))
                        raise
                    if on_error is not None:
                        on_error(error)
                    notify(_notice(error, wait, asked is not None, attempt + 1, policy.attempts))
                    sleep(wait)
                    waited += wait

        return retried


def _notice(error: Exception, wait: float, as_asked: bool, attempt: int, attempts: int) -> str:
    """The line that says why the call waits, and which attempt comes next."""
    fields = {"problem": describe(error), "wait": f"{wait:.1f}", "attempt": attempt, "attempts": attempts}
    if as_asked:
        return tr("Gemini: {problem}; waiting {wait} s as Gemini asked (attempt {attempt} of {attempts})…", **fields)
    return tr("Gemini: {problem}; waiting {wait} s before trying again (attempt {attempt} of {attempts})…", **fields)


class AnswerTooSlow(Exception):
    """No complete answer within the attempt's time, though no single read timed out (a trickling server).

    Not a ``TimeoutError``: ``urllib3`` would take that for a read timeout and the retry would repeat it.
    """

    def __init__(self, seconds: float, streaming: bool = False) -> None:
        super().__init__(tr("no complete answer within {seconds} s", seconds=f"{seconds:g}"))
        self.seconds = seconds
        self.streaming = streaming


@contextlib.contextmanager
def deadline(seconds: float, *, streaming: bool = False) -> Iterator[None]:
    """Raise :class:`AnswerTooSlow` if the block takes longer than ``seconds`` in all.

    A read timeout bounds each wait for data, not the whole answer: a server
    that sends a byte every few seconds keeps a call going for minutes. This
    bounds the whole call with a real-time alarm (``SIGALRM``), which
    interrupts a blocked read. It works in the main thread, where notebook
    cells (and widget callbacks) run; elsewhere the block runs unbounded.
    """
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and not math.isinf(seconds)
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # someone else's alarm is running: leave it alone
    )
    if not usable:
        yield
        return
    if seconds <= 0:
        raise AnswerTooSlow(0, streaming)

    def expire(signum: int, frame: Any) -> None:
        raise AnswerTooSlow(seconds, streaming)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bounded(chunks: Iterator[Any], seconds: float) -> Iterator[Any]:
    """A stream whose chunks must all arrive within ``seconds`` of waiting (the loop body's time not counted)."""
    remaining = seconds
    while True:
        started = time.monotonic()
        with deadline(remaining, streaming=True):
            try:
                chunk = next(chunks)
            except StopIteration:
                return
        remaining -= time.monotonic() - started
        yield chunk


def _mark(error: BaseException, record: Retried) -> None:
    with contextlib.suppress(AttributeError):  # an exception without __dict__: the message says less
        setattr(error, RETRIED_ATTRIBUTE, record)


def retried(error: BaseException) -> Retried | None:
    """The :class:`Retried` record on an error, if the retry gave up on it."""
    record = getattr(error, RETRIED_ATTRIBUTE, None)
    return record if isinstance(record, Retried) else None


def install(mode: str, policy: Policy | None = None) -> None:
    """Make ``policy`` the default retry of the SDK's clients (none in replay).

    Call it after ``genai.configure``, which discards the clients.
    """
    from google.generativeai import client as sdk

    policy = policy or DEFAULT_POLICY
    default_retry = GeminiRetry(policy) if mode in ("live", "record") else None
    client_info = sdk._client_manager.client_config.get("client_info")
    for client_name, method_names in RETRIED_METHODS.items():
        transport = sdk._client_manager.get_default_client(client_name)._transport
        for name in method_names:
            method = getattr(transport, name)
            transport._wrapped_methods[method] = wrap_method(
                method,
                default_retry=default_retry,
                default_timeout=ConstantTimeout(policy.attempt_timeout),
                client_info=client_info,
            )
