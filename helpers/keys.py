"""Find the learner's Gemini API key, and never show it.

Sources, in order:

1. ``GEMINI_API_KEY`` or ``GOOGLE_API_KEY`` in the environment;
2. a ``.env`` file, found from the working directory upward;
3. Colab secrets (``google.colab.userdata``), only when running on Colab;
4. a hidden prompt, only when a notebook asks for one explicitly.

The key itself only ever leaves this module inside :class:`FoundKey`, whose
``repr`` and ``str`` are masked.
"""

from __future__ import annotations

import difflib
import functools
import getpass
import importlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv.parser import parse_stream

from .plumbing.i18n import tr

KEY_NAMES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
#: Every name the series reads from the environment or ``.env``.
SETTING_NAMES = (
    *KEY_NAMES,
    "GEMINI_MODE",
    "GEMINI_MODEL",
    "GEMINI_EMBEDDING_MODEL",
    "GOOGLE_GEMINI_BASE_URL",
    "GEMINI_PROVENANCE_NOTE",
    "GEMINI_PROVENANCE_EMBEDDINGS",
)


class KeyProblem(Exception):
    """A key source exists but cannot be used; the message says what to do."""


@dataclass(frozen=True)
class FoundKey:
    """An API key and where it was read from."""

    value: str = field(repr=False)
    source: str

    def masked(self) -> str:
        """The key as it may be shown: only its last four characters."""
        return mask(self.value)

    def __str__(self) -> str:
        return tr("{key} (from {source})", key=self.masked(), source=self.source)


def mask(key: str) -> str:
    """Show only the last four characters of ``key``: ``'…Ab3d'``."""
    key = key.strip()
    return "…" + key[-4:] if len(key) >= 12 else "…" + "*" * 4


class UnreadableEnvFile(KeyProblem):
    """A ``.env`` file that cannot be read at all: its encoding or its permissions."""


def readable_env_file(path: Path | None) -> dict[str, str]:
    """The settings in ``.env``; one that cannot be read at all is warned about and skipped.

    Replay and a key set in the environment need nothing from the file, so an
    unreadable one (UTF-16 as PowerShell writes it, another encoding, no read
    permission) must not stop the notebook: the warning says which file and
    what to do. A line that cannot be parsed still stops it (see :func:`read_env_file`).
    """
    if path is None or not path.is_file():
        return {}
    try:
        return read_env_file(path)
    except UnreadableEnvFile as problem:
        warnings.warn(tr("{problem} Going on without it.", problem=problem), stacklevel=3)
        return {}


def _check_readable(path: Path) -> None:
    """Raise :class:`UnreadableEnvFile` saying what is wrong, when ``path`` is not readable UTF-8 text."""
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = tr("permission denied") if isinstance(error, PermissionError) else (error.strerror or str(error))
        raise UnreadableEnvFile(
            tr(
                "{path} cannot be read ({reason}). Make it readable (chmod u+r {name}) or delete it.",
                path=path,
                reason=reason,
                name=path.name,
            )
        ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableEnvFile(
            tr(
                "{path} is saved as UTF-16 (PowerShell's > and Out-File write that), and a .env file must be "
                "UTF-8. Save it again as UTF-8 (in PowerShell: Set-Content -Encoding utf8), or recreate it from "
                ".env.example.",
                path=path,
            )
        ) from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableEnvFile(
            tr(
                "{path} is not UTF-8 text (byte {byte} is not valid UTF-8): save it again as UTF-8 "
                "in your editor, or recreate it from .env.example.",
                path=path,
                byte=error.start,
            )
        ) from None


def read_env_file(path: Path) -> dict[str, str]:
    """Read a ``.env`` file; a line that is not ``NAME=value`` is an error.

    One ``setup`` reads the file twice (settings, then the key); a file that has
    not changed since is parsed, and warned about, only once.
    """
    _check_readable(path)
    stat = path.stat()
    return dict(_parse_env_file(path.resolve(), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=8)
def _parse_env_file(path: Path, mtime_ns: int, size: int) -> dict[str, str]:
    """Parse a ``.env`` file (``mtime_ns`` and ``size`` key the cache to its content).

    python-dotenv itself only logs such lines and skips them, and takes a bare
    word (a key pasted alone) for a name without a value; a learner whose key
    sits on such a line would never know why it is not found. A name that is
    almost one of the series' settings is warned about. Messages give the line
    number, never the line: it may hold the key.
    """
    values: dict[str, str] = {}
    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            where = tr("{path}, line {line}", path=path, line=binding.original.line)
            if binding.error:
                raise KeyProblem(
                    tr(
                        "{where}: this line is not NAME=value, so it cannot be read. Fix it "
                        "(compare with .env.example) or delete it.",
                        where=where,
                    )
                )
            if binding.key is None:  # a blank line or a comment
                continue
            if binding.value is None and binding.key.startswith("AIza"):
                raise KeyProblem(
                    tr(
                        "{where}: this line has no '=', so it sets nothing. It looks like a key pasted alone: write "
                        "GEMINI_API_KEY=<your key>. Write it as NAME=value (compare with .env.example), or delete it.",
                        where=where,
                    )
                )
            if binding.value is None:
                raise KeyProblem(
                    tr(
                        "{where}: this line has no '=', so it sets nothing. Write it as NAME=value "
                        "(compare with .env.example), or delete it.",
                        where=where,
                    )
                )
            if binding.key in KEY_NAMES and any(c.isspace() or c in "'\"" for c in binding.value.strip()):
                raise KeyProblem(
                    tr(
                        "{where}: the value of {name} contains a space or a quote, and an API key has "
                        "neither. Copy the key again from Google AI Studio.",
                        where=where,
                        name=binding.key,
                    )
                )
            _warn_if_misspelt(where, binding.key)
            values[binding.key] = binding.value
    return values


def _warn_if_misspelt(where: str, name: str) -> None:
    if name in SETTING_NAMES:
        return
    close = difflib.get_close_matches(name.upper(), SETTING_NAMES, n=2, cutoff=0.8)
    if len(close) > 1:
        message = tr(
            "{where}: {name} is not a setting the series reads, so it is ignored. Did you mean {first} or {second}?",
            where=where,
            name=name,
            first=close[0],
            second=close[1],
        )
    elif close:
        message = tr(
            "{where}: {name} is not a setting the series reads, so it is ignored. Did you mean {first}?",
            where=where,
            name=name,
            first=close[0],
        )
    else:
        return
    warnings.warn(message, stacklevel=4)


def find_env_file(start: Path | None = None) -> Path | None:
    """The nearest ``.env`` from ``start`` (default: the working directory) upward."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        candidate = folder / ".env"
        if candidate.is_file():
            return candidate
    return None


def key_from_environment(environ: Mapping[str, str]) -> FoundKey | None:
    """``GEMINI_API_KEY`` (preferred, as the SDK does) or ``GOOGLE_API_KEY``."""
    gemini = environ.get("GEMINI_API_KEY", "").strip()
    google = environ.get("GOOGLE_API_KEY", "").strip()
    if gemini and google and gemini != google:
        warnings.warn(
            tr(
                "GEMINI_API_KEY ({gemini}) and GOOGLE_API_KEY ({google}) differ; "
                "using GEMINI_API_KEY. Unset one of them to silence this warning.",
                gemini=mask(gemini),
                google=mask(google),
            ),
            stacklevel=3,
        )
    if gemini:
        return FoundKey(gemini, tr("environment variable {name}", name="GEMINI_API_KEY"))
    if google:
        return FoundKey(google, tr("environment variable {name}", name="GOOGLE_API_KEY"))
    return None


def key_from_env_file(path: Path | None) -> FoundKey | None:
    """A key from a ``.env`` file, if it holds one."""
    values = readable_env_file(path)
    for name in KEY_NAMES:
        if values.get(name, "").strip():
            return FoundKey(values[name].strip(), tr("{name} in {path}", name=name, path=path))
    return None


def running_on_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules or importlib.util.find_spec("google.colab") is not None


def key_from_colab(userdata: Any | None = None) -> FoundKey | None:
    """A key from Colab's secrets panel (the key icon in Colab's left bar).

    ``userdata`` is ``google.colab.userdata``; tests pass a stand-in.
    """
    if userdata is None:
        if not running_on_colab():
            return None
        userdata = importlib.import_module("google.colab.userdata")
    missing = []
    for name in KEY_NAMES:
        try:
            value = userdata.get(name)
        except Exception as error:  # Colab's own exception classes, matched by name
            kind = type(error).__name__
            if kind == "SecretNotFoundError":
                missing.append(name)
                continue
            if kind == "NotebookAccessError":
                raise KeyProblem(
                    tr(
                        "Colab has a secret named {name}, but this notebook may not read it. Open the "
                        "key icon in Colab's left bar and switch on 'Notebook access' for it, then run "
                        "this cell again.",
                        name=name,
                    )
                ) from None
            if kind == "TimeoutException":
                raise KeyProblem(
                    tr(
                        "Colab did not answer when asked for the secret (the permission dialog timed "
                        "out). Run this cell again and accept the dialog."
                    )
                ) from None
            raise
        if value and value.strip():
            return FoundKey(value.strip(), tr("Colab secret {name}", name=name))
    return None


def key_from_prompt(ask: Callable[[str], str] = getpass.getpass) -> FoundKey | None:
    """Ask for the key without echoing it; it is kept in memory only."""
    value = ask(tr("Paste your Gemini API key (it will not be shown or saved): ")).strip()
    return FoundKey(value, tr("typed at the prompt (kept in memory only)")) if value else None


def find_key(
    environ: Mapping[str, str] | None = None,
    *,
    env_file: Path | None = None,
    colab_userdata: Any | None = None,
    prompt: bool = False,
    ask: Callable[[str], str] = getpass.getpass,
) -> FoundKey | None:
    """Look for a key in every source, in order; ``None`` when there is none."""
    environ = os.environ if environ is None else environ
    return (
        key_from_environment(environ)
        or key_from_env_file(env_file if env_file is not None else find_env_file())
        or key_from_colab(colab_userdata)
        or (key_from_prompt(ask) if prompt else None)
    )
