"""Re-record cassettes and refresh the notebooks' stored outputs.

For each notebook:

1. execute it in ``record`` mode, writing a new cassette to a scratch folder;
2. execute it again in ``replay`` mode against that new cassette, with no key;
3. only when both runs were clean, move the cassette into
   ``notebooks/cassettes/`` and save the notebook with the replay run's outputs.

A failed or interrupted recording therefore never replaces a good cassette,
and the stored outputs are exactly what nbval will see in CI.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from ..keys import KEY_NAMES
from . import editions
from .errors import scrub
from .recording import REPO_ROOT, cassette_dir

KERNEL_TIMEOUT_SECONDS = 600


@dataclass
class Outcome:
    """What happened to one notebook."""

    notebook: str
    ok: bool
    message: str
    seconds: float


def notebook_names(selected: list[str] | None = None) -> list[str]:
    """The notebooks to work on: the given names (with or without .ipynb), or all."""
    every = sorted(p.stem for p in editions.folder("en").glob("[0-9][0-9]_*.ipynb"))
    if not selected:
        return every
    names = [Path(name).stem for name in selected]
    unknown = [n for n in names if n not in every]
    if unknown:
        raise SystemExit(f"No such notebook: {', '.join(unknown)}. Known: {', '.join(every)}")
    return names


@contextmanager
def environment(**changes: str | None) -> Iterator[None]:
    """Set (or, with ``None``, unset) environment variables for a while."""
    saved = {name: os.environ.get(name) for name in changes}
    try:
        for name, value in changes.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def execute(path: Path) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel; raise on the first error."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=KERNEL_TIMEOUT_SECONDS,
        kernel_name="python3",
        record_timing=False,  # no timestamps in the stored notebooks: diffs show only what changed
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    notebook.metadata["kernelspec"] = kernelspec()
    return notebook


def kernelspec(name: str = "python3") -> dict[str, str]:
    """The kernelspec block JupyterLab writes for kernel ``name`` (it rewrites a different one on open)."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(name)
    return {"display_name": spec.display_name, "language": spec.language, "name": name}


def notebook_path(name: str, edition: str = "en") -> Path:
    """Where a notebook of an edition is stored: ``notebooks/`` or ``notebooks-zh/``."""
    return editions.folder(edition) / f"{name}.ipynb"


def editions_of(name: str) -> list[str]:
    """The editions a notebook exists in (English first)."""
    return [edition for edition in editions.FOLDERS if notebook_path(name, edition).is_file()]


def refresh_outputs(name: str, edition: str = "en") -> nbformat.NotebookNode:
    """Execute a notebook in replay mode with no key (as CI does) and return it."""
    no_keys: dict[str, str | None] = dict.fromkeys(KEY_NAMES)
    with environment(GEMINI_MODE="replay", GOOGLE_GEMINI_BASE_URL=None, GEMINI_TUTORIAL_LANGUAGE=None, **no_keys):
        return execute(notebook_path(name, edition))


def record_one(name: str, extra_env: Mapping[str, str] | None = None) -> Outcome:
    """Record one notebook's cassette; keep the old one unless everything ran clean.

    The new cassette is recorded into a scratch folder and checked there (the
    notebook is replayed from it with no key); only then does one atomic
    rename put it in place. So however the process ends before both runs are
    clean (a failed cell, Ctrl-C, a closed terminal, a kill), the committed
    cassette is untouched.
    """
    start = time.perf_counter()
    secrets = [value for variable, value in (extra_env or {}).items() if variable in KEY_NAMES]
    target = cassette_dir() / f"{name}.yaml"
    with tempfile.TemporaryDirectory(prefix="gemini-record-") as scratch:
        recorded = Path(scratch) / f"{name}.yaml"
        try:
            with environment(GEMINI_MODE="record", GEMINI_RECORD_DIR=scratch, **(extra_env or {})):
                execute(notebook_path(name))
        except CellExecutionError as error:
            return Outcome(
                name,
                False,
                f"a cell failed while recording, old cassette kept: {_last_line(error, secrets)}",
                _since(start),
            )
        if not _has_interactions(recorded):
            return Outcome(name, False, "the notebook made no API call, so nothing was recorded", _since(start))
        try:
            # Replay from the scratch folder, while the banner names the place the cassette is going to;
            # every edition of the notebook, so that all of them show the new answers.
            shown = str(target.relative_to(REPO_ROOT)) if target.is_relative_to(REPO_ROOT) else str(target)
            with environment(GEMINI_CASSETTE_DIR=scratch, GEMINI_CASSETTE_SHOWN_AS=shown):
                replayed = {"en": refresh_outputs(name)}  # the English notebook always: it made the recording
                replayed.update({e: refresh_outputs(name, e) for e in editions_of(name) if e != "en"})
        except CellExecutionError as error:
            return Outcome(
                name,
                False,
                f"replaying the new cassette failed, old one kept: {_last_line(error, secrets)}",
                _since(start),
            )
        # All files staged beside their targets, then renamed one after the other: each rename is atomic.
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(f".{name}.yaml.new")
        shutil.copyfile(recorded, staged)
        notebooks = []
        for edition, notebook in replayed.items():
            stored = notebook_path(name, edition)
            staged_notebook = stored.with_name(f".{name}.ipynb.new")
            nbformat.write(notebook, staged_notebook)
            notebooks.append((staged_notebook, stored))
        os.replace(staged, target)
        for staged_notebook, stored in notebooks:
            os.replace(staged_notebook, stored)
    return Outcome(name, True, f"cassette {target.relative_to(REPO_ROOT)} and outputs updated", _since(start))


def _has_interactions(cassette: Path) -> bool:
    """True when a recording holds at least one call (an empty one must not replace a cassette)."""
    return cassette.is_file() and bool((yaml.safe_load(cassette.read_text(encoding="utf-8")) or {}).get("interactions"))


def _last_line(error: Exception, secrets: list[str] | None = None) -> str:
    """The error's last line, key removed: the kernel reports the raw exception text."""
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    line = lines[-1] if lines else type(error).__name__
    for secret in secrets or [""]:
        line = scrub(line, secret)
    return line[:300]


def _since(start: float) -> float:
    return round(time.perf_counter() - start, 1)
