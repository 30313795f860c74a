"""One call at the top of every notebook: ``settings = helpers.setup("01_text")``.

It finds the key, decides the mode, configures ``google.generativeai`` with
``transport="rest"``, tells ``google-genai`` the same through the variables a
bare ``genai.Client()`` reads, opens the notebook's cassette, and prints the
banner. Notebooks never branch on the mode: only this module knows it.

* ``live``: calls go to Gemini (or ``GOOGLE_GEMINI_BASE_URL``); default with a key.
* ``replay``: calls are answered from the cassette; no key, no network. Default
  without a key.
* ``record``: calls go live and are written to a new cassette (maintainers).
"""

from __future__ import annotations

import atexit
import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

from . import keys, models
from .plumbing import errors, retry
from .plumbing.i18n import tr

if TYPE_CHECKING:  # recording (vcrpy, PyYAML) is imported only in the modes that use it
    from .plumbing.recording import OpenCassette
from .plumbing.sdk import import_sdk

MODES = ("live", "replay", "record")
DEFAULT_ENDPOINT = "https://generativelanguage.googleapis.com"
#: Sent instead of a key in replay mode, so the SDK does not look for other credentials.
REPLAY_PLACEHOLDER_KEY = "replay-mode-sends-no-key"


@dataclass
class Settings:
    """What :func:`setup` decided, for the notebook to use and show."""

    notebook: str
    mode: str
    model: str
    embedding_model: str
    endpoint: str
    key: keys.FoundKey | None = field(default=None, repr=False)
    cassette: OpenCassette | None = field(default=None, repr=False)

    @property
    def provenance(self) -> dict[str, Any]:
        """Where the replayed responses come from (empty outside replay)."""
        return self.cassette.provenance if self.cassette else {}

    def error_context(self) -> errors.Context:
        """What error messages may say about this session."""
        return errors.Context(
            notebook=self.notebook,
            mode=self.mode,
            endpoint=self.endpoint,
            key_masked=self.key.masked() if self.key else "",
            key_source=self.key.source if self.key else "",
            cassette=_relative(self.cassette.path if self.cassette else _cassette_path(self.notebook)),
            secret=self.key.value if self.key else "",
        )


_current: Settings | None = None

#: The variables a bare ``google.genai.Client()`` reads: the key (``GOOGLE_API_KEY`` wins over
#: ``GEMINI_API_KEY`` there) and the endpoint.
GENAI_VARIABLES = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL")
#: What those variables held before :func:`setup` exported its choice (restored by :func:`teardown`).
_exported_over: dict[str, str | None] = {}
#: What :func:`setup` exported, to tell it from what the learner set since.
_exported: dict[str, str | None] = {}


def settings_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment, with names from ``.env`` filling in what is unset there."""
    environ = dict(os.environ if environ is None else environ)
    env_file = keys.find_env_file()
    from_file = keys.readable_env_file(env_file)
    names = [n for n in keys.SETTING_NAMES if n not in keys.KEY_NAMES]  # the key: keys.find_key
    return {**{n: from_file[n] for n in names if n in from_file}, **environ}


def choose_mode(requested: str | None, key: keys.FoundKey | None) -> str:
    """``GEMINI_MODE`` if set, else ``live`` with a key and ``replay`` without."""
    requested = (requested or "").strip().lower()
    if requested and requested not in MODES:
        message = tr(
            "GEMINI_MODE={requested} is not a mode; use one of: {modes}.",
            requested=repr(requested),
            modes=", ".join(MODES),
        )
        raise errors.TutorialError(message)
    mode = requested or ("live" if key else "replay")
    if mode != "replay" and key is None:
        raise errors.MissingKey(
            tr(
                "GEMINI_MODE={mode} needs an API key, and none was found. Get one at Google AI Studio "
                "(https://aistudio.google.com/apikey), then {sources}. Without a key, "
                "the notebooks replay recorded responses: unset GEMINI_MODE (or set it to replay).",
                mode=mode,
                sources=errors.key_sources_help(),
            )
        )
    return mode


def endpoint_from(environ: Mapping[str, str]) -> str:
    """``GOOGLE_GEMINI_BASE_URL`` (as ``google-genai`` reads it) or Gemini's own."""
    return (environ.get("GOOGLE_GEMINI_BASE_URL") or DEFAULT_ENDPOINT).strip().rstrip("/")


def setup(notebook: str, *, ask_for_key: bool = False, quiet: bool = False) -> Settings:
    """Configure the SDK for ``notebook`` and print the banner.

    Running it again (re-running the cell) closes the previous cassette first.
    ``ask_for_key=True`` offers a hidden prompt when no key is found.
    """
    global _current
    teardown()
    _install_error_handler(errors.Context(notebook=notebook))
    environ = settings_environment()
    key = keys.find_key(environ, prompt=ask_for_key)
    mode = choose_mode(environ.get("GEMINI_MODE"), key)
    settings = Settings(
        notebook=notebook,
        mode=mode,
        model=models.text_model(environ),
        embedding_model=models.embedding_model(environ),
        endpoint=endpoint_from(environ),
        key=key,
    )
    genai = import_sdk()
    api_key = key.value if key and mode != "replay" else REPLAY_PLACEHOLDER_KEY
    if settings.endpoint == DEFAULT_ENDPOINT and colab_routes_through_the_browser(genai):
        genai.configure(api_key=api_key)  # Colab's own transport and endpoint: see colab_routes_through_the_browser
    else:
        genai.configure(api_key=api_key, transport="rest", client_options={"api_endpoint": settings.endpoint})
    retry.install(mode)
    export_for_genai(settings.endpoint, key.value if key and mode != "replay" else REPLAY_PLACEHOLDER_KEY)
    if mode in ("replay", "record"):
        from .plumbing.recording import open_cassette

        settings.cassette = open_cassette(
            notebook,
            recording=mode == "record",
            endpoint=settings.endpoint,
            provenance=_recording_provenance(settings),
            secrets=[key.value] if key else [],
        )
    _install_hooks(settings)
    _current = settings
    if not quiet:
        _show(banner(settings))
        if mode == "replay" and key is None:
            from .plumbing.project import launch_hint  # on Colab and Binder only: how to add a key there

            hint = launch_hint(notebook)
            if hint:
                print(hint)
    return settings


def colab_routes_through_the_browser(genai: Any) -> bool:
    """True when Colab's import hook for ``google.generativeai`` is in place.

    On Colab, importing ``google.generativeai`` wraps ``genai.configure`` so
    that it sets ``transport="rest"`` and a local ``api_endpoint``: a proxy
    that sends each request from the learner's browser, so that Gemini's
    regional availability follows where the learner is, not where the Colab
    machine is (colabtools, ``google/colab/_import_hooks/_generativeai.py``).
    Passing our own ``client_options`` would quietly bypass it. The series
    keeps it, deliberately: it is how Colab means Gemini to be called from a
    notebook. (Answers then arrive whole rather than streamed, because the
    proxy reads each answer in full.) An explicit ``GOOGLE_GEMINI_BASE_URL``
    is the learner's own choice, and wins.
    """
    configure = getattr(genai, "configure", None)
    return isinstance(configure, functools.partial) and "client_options" in (configure.keywords or {})


def teardown() -> None:
    """Close the current cassette (writing it in record mode) and restore what setup exported."""
    global _current
    if _current and _current.cassette:
        _current.cassette.close()
    _current = None
    restore_environment()


def export_for_genai(endpoint: str, key: str) -> None:
    """Make a learner's bare ``genai.Client()`` use this session's key and endpoint.

    ``google-genai`` reads its key and endpoint from the environment when a
    client is created with no arguments. The chosen key goes to
    ``GEMINI_API_KEY`` and ``GOOGLE_API_KEY`` is set aside (it would win
    there, with a warning), so both SDKs use the same key; in replay the key
    is a placeholder, which never leaves the machine. The variables change in
    this Python process only (never on disk) and :func:`teardown` restores
    them, so running the setup cell again starts from the learner's own.
    """
    wanted: dict[str, str | None] = {
        "GEMINI_API_KEY": key,
        "GOOGLE_API_KEY": None,
        "GOOGLE_GEMINI_BASE_URL": None if endpoint == DEFAULT_ENDPOINT else endpoint,
    }
    for name, value in wanted.items():
        _exported_over.setdefault(name, os.environ.get(name))
        _exported[name] = value
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def restore_environment() -> None:
    """Put back the variables :func:`export_for_genai` changed."""
    for name, value in _exported_over.items():
        if os.environ.get(name) != _exported.get(name):  # changed since setup exported it: the learner's wins
            continue
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _exported_over.clear()
    _exported.clear()


atexit.register(teardown)


def current() -> Settings | None:
    """The settings of the last :func:`setup`, if any."""
    return _current


def _recording_provenance(settings: Settings) -> dict[str, Any]:
    from datetime import date

    return {
        "source": "recorded",
        "endpoint": settings.endpoint,
        "date": date.today().isoformat(),
        "models": [settings.model, settings.embedding_model],
        "sdk": ", ".join(f"{name} {metadata.version(name)}" for name in ("google-generativeai", "google-genai")),
        "note": os.environ.get("GEMINI_PROVENANCE_NOTE", ""),
        # Kept only in cassettes that hold embedding calls (see recording._update_provenance).
        "embeddings": os.environ.get("GEMINI_PROVENANCE_EMBEDDINGS", ""),
    }


def _cassette_path(notebook: str) -> Any:
    from .plumbing.recording import cassette_path

    return cassette_path(notebook)


def _relative(path: Any) -> str:
    """A path as the learner sees it: relative to the repository when inside it."""
    from .plumbing.recording import REPO_ROOT

    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def describe_provenance(provenance: Mapping[str, Any]) -> str:
    """One phrase: where replayed responses come from."""
    source = provenance.get("source", "unknown")
    when = provenance.get("date") or tr("an unknown date")
    if source == "recorded":
        endpoint = shown_endpoint(str(provenance.get("endpoint", "?")))
        return tr("recorded from Gemini ({endpoint}) on {when}", endpoint=endpoint, when=when)
    if source == "authored":
        return tr("AUTHORED on {when}, not recorded from Gemini (see the README)", when=when)
    if source == "mixed":
        return tr("partly AUTHORED, partly recorded from Gemini, on {when}", when=when)
    return tr("of unknown origin (the cassette has no provenance block)")


def shown_endpoint(endpoint: str) -> str:
    """An endpoint as it may be shown: a user, password or ``key=`` parameter in it replaced, once, by a marker."""
    return errors.shown_endpoint(endpoint)


@dataclass(frozen=True)
class Banner:
    """What a notebook shows about its session: a short block, rendered in Jupyter, plain elsewhere."""

    rows: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        width = max(_display_width(label) for label, _ in self.rows)
        return "\n".join(f"{label}{' ' * (width - _display_width(label))}  {value}" for label, value in self.rows)

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return "\n".join(f"> **{label}** {_markdown_code_spans(value)}  " for label, value in self.rows)


def _display_width(text: str) -> int:
    """Columns a label takes in a monospaced font: a Chinese character takes two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _markdown_code_spans(value: str) -> str:
    """Model names, files and endpoints in a banner value as code."""
    return re.sub(r"((?:gemini|text-embedding|embedding)-[\w.-]+|\S+\.yaml|https?://\S+)", r"`\1`", value)


def banner(settings: Settings) -> Banner:
    """Mode, models and where the answers come from, at a glance."""
    models_row = (
        tr("Models"),
        tr("{model} · embeddings {embedding_model}", model=settings.model, embedding_model=settings.embedding_model),
    )
    if settings.mode == "replay":
        assert settings.cassette is not None
        return Banner(
            (
                (tr("Mode"), tr("replay: answers come from a recording; no key, no network")),
                models_row,
                (tr("Answers"), os.environ.get("GEMINI_CASSETTE_SHOWN_AS") or _relative(settings.cassette.path)),
                (tr("Source"), describe_provenance(settings.provenance)),
            )
        )
    where = (tr("Endpoint"), shown_endpoint(settings.endpoint)) if settings.endpoint != DEFAULT_ENDPOINT else None
    key = (tr("Key"), str(settings.key) if settings.key else tr("none"))
    if settings.mode == "record":
        assert settings.cassette is not None
        mode = (tr("Mode"), tr("record: live calls, written to {cassette}", cassette=_relative(settings.cassette.path)))
    else:
        mode = (tr("Mode"), tr("live: every call goes to Gemini"))
    return Banner(tuple(row for row in (mode, models_row, where, key) if row is not None))


def _show(shown: Banner) -> None:
    """Render the banner in IPython; print it as text elsewhere."""
    if _shell() is None:
        print(shown)
        return
    from IPython.display import display

    display(shown)


def _shell() -> Any:
    from IPython import get_ipython

    return get_ipython()


def _install_error_handler(context: errors.Context) -> None:
    shell = _shell()
    if shell is not None:
        errors.install_handler(shell, context)


def _install_hooks(settings: Settings) -> None:
    """In IPython: friendly errors, and (record mode) save after every cell."""
    shell = _shell()
    if shell is None:
        return
    errors.install_handler(shell, settings.error_context())
    if settings.mode == "record" and settings.cassette is not None:
        cassette = settings.cassette

        def save_after_cell(*_: Any) -> None:
            cassette.save()

        for callback in list(shell.events.callbacks["post_run_cell"]):
            if getattr(callback, "__name__", "") == "save_after_cell":
                shell.events.unregister("post_run_cell", callback)
        shell.events.register("post_run_cell", save_after_cell)
