"""Model names live in one place and can be overridden."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import models

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_defaults_are_current_and_not_retired() -> None:
    assert models.replacement_for(models.DEFAULT_TEXT_MODEL) is None
    assert models.replacement_for(models.DEFAULT_EMBEDDING_MODEL) is None


def test_article_models_are_known_as_retired() -> None:
    assert models.replacement_for("gemini-pro") == models.DEFAULT_TEXT_MODEL
    assert models.replacement_for("models/gemini-pro-vision") == models.DEFAULT_TEXT_MODEL
    assert models.replacement_for("embedding-001") == models.DEFAULT_EMBEDDING_MODEL


def test_environment_overrides_and_strips_models_prefix() -> None:
    environ = {"GEMINI_MODEL": "models/gemini-3.6-flash", "GEMINI_EMBEDDING_MODEL": " gemini-embedding-2 "}
    assert models.text_model(environ) == "gemini-3.6-flash"
    assert models.embedding_model(environ) == "gemini-embedding-2"
    assert models.text_model({"GEMINI_MODEL": ""}) == models.DEFAULT_TEXT_MODEL


def test_notebook_code_names_no_model_literally() -> None:
    """Notebooks use settings.model / settings.embedding_model, never a hard-coded name."""
    names = [*models.RETIRED_MODELS, models.DEFAULT_TEXT_MODEL, models.DEFAULT_EMBEDDING_MODEL]
    offenders = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and any(f'"{n}"' in source or f"'{n}'" in source for n in names):
                offenders.append(f"{path.name}: {source.splitlines()[0]}")
    assert offenders == []


def test_notebooks_are_stored_with_the_kernelspec_jupyterlab_writes() -> None:
    """Opening a notebook must not mark it modified: its kernelspec is the installed kernel's own."""
    import nbformat

    from helpers.plumbing import refresh

    expected = refresh.kernelspec()
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        assert nbformat.read(path, as_version=4).metadata.kernelspec == expected, path.name


def test_importing_helpers_loads_only_what_a_live_session_needs() -> None:
    """`import helpers` stays close to the SDK's own import time: no recorder, stand-in or schema checker."""
    import subprocess
    import sys

    probe = (
        "import sys, helpers; "
        "print(sorted(m for m in ('vcr', 'yaml', 'jsonschema', 'helpers.plumbing.standin', "
        "'helpers.plumbing.recording', 'ipywidgets', 'google.genai') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
