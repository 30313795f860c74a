"""The key leaks nowhere: not into git, a cassette, a notebook's outputs, a log line or an error.

The repository scan looks for anything shaped like a Google API key in every
git-tracked file, every notebook and every cassette, with no exceptions: the
tests build their fake keys from two pieces, so no file holds one. A planted
key proves the scan can find one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import traceback
from collections.abc import Iterable
from pathlib import Path

import google.generativeai as genai
import nbformat
import pytest
from nbclient import NotebookClient

import helpers
from helpers import keys, session
from helpers.plumbing import errors, retry
from helpers.plumbing.recording import REPO_ROOT
from helpers.plumbing.standin import Fault, StandIn
from tests.conftest import FAKE_KEY

KEY_SHAPE = re.compile(r"AIza[0-9A-Za-z_\-]{35}")
#: The key as a scan finds it, and its middle: a leak of either fails a test.
LEAKS = (FAKE_KEY, FAKE_KEY[4:-4])


def shaped_like_keys(text: str) -> set[str]:
    return set(KEY_SHAPE.findall(text))


def files_to_scan(root: Path) -> list[Path]:
    """Every git-tracked file, and every notebook and cassette, tracked or not."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True, text=True)
    tracked = {root / name for name in listed.stdout.split("\0") if name}
    stored = set(root.glob("notebooks/*.ipynb")) | set(root.glob("notebooks/cassettes/**/*.yaml"))
    return sorted(p for p in tracked | stored if p.is_file())


def find_keys(root: Path, paths: Iterable[Path]) -> list[str]:
    """``path: …abcd`` for every key-shaped string (masked: the report leaks nothing)."""
    found = []
    for path in paths:
        relative = path.relative_to(root).as_posix()
        text = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix == ".ipynb":  # outputs hold JSON-escaped text: scan them decoded as well
            text += json.dumps(json.loads(text), ensure_ascii=False)
        found += [f"{relative}: {keys.mask(key)}" for key in sorted(shaped_like_keys(text))]
    return found


# --- the repository -------------------------------------------------------------


def test_no_key_in_any_tracked_file_notebook_or_cassette() -> None:
    paths = files_to_scan(REPO_ROOT)
    assert any(p.suffix == ".ipynb" for p in paths) and any(p.name == "conftest.py" for p in paths)
    assert find_keys(REPO_ROOT, paths) == []


def test_the_scan_finds_a_planted_key(tmp_path: Path) -> None:
    planted = "AI" + "za" + "SyPLANTED-by-the-test-0000000000abc"
    assert KEY_SHAPE.fullmatch(planted)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "notebooks" / "cassettes").mkdir(parents=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tracked.py").write_text(f'KEY = "{planted}"\n')
    (tmp_path / "clean.py").write_text("nothing here\n")
    (tmp_path / "tests" / "conftest.py").write_text(f'OTHER = "{planted}"\n')
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(key)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"key={planted}\n")]
    notebook.cells.append(cell)
    nbformat.write(notebook, tmp_path / "notebooks" / "untracked.ipynb")
    (tmp_path / "notebooks" / "cassettes" / "x.yaml").write_text(f"uri: http://h/?key={planted}\n")
    subprocess.run(["git", "add", "tracked.py", "clean.py", "tests/conftest.py"], cwd=tmp_path, check=True)
    found = find_keys(tmp_path, files_to_scan(tmp_path))
    masked = keys.mask(planted)
    assert found == [
        f"notebooks/cassettes/x.yaml: {masked}",
        f"notebooks/untracked.ipynb: {masked}",
        f"tests/conftest.py: {masked}",  # test files get no exception
        f"tracked.py: {masked}",
    ]
    assert all(planted not in line for line in found)


def test_env_file_is_ignored_by_git_everywhere() -> None:
    for path in (".env", "notebooks/.env"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO_ROOT).returncode == 0, path


def test_env_example_holds_no_key() -> None:
    example = REPO_ROOT / ".env.example"
    values = keys.read_env_file(example)
    assert "GEMINI_API_KEY" in values
    assert all(values.get(name, "") == "" for name in keys.KEY_NAMES)
    assert not shaped_like_keys(example.read_text(encoding="utf-8"))


# --- a record run ---------------------------------------------------------------


def _everything_about(error: BaseException, context: errors.Context) -> str:
    return "\n".join(
        [str(error), repr(error), *traceback.format_exception(error), errors.explain(error, context) or ""]
    )


def test_a_record_run_leaks_the_key_into_no_cassette_log_line_or_error(
    live_against: StandIn,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(retry, "sleep", lambda seconds: None)
    monkeypatch.setenv("GEMINI_MODE", "record")
    caplog.set_level(logging.DEBUG)
    settings = helpers.setup("t_leak")
    context = settings.error_context()
    model = genai.GenerativeModel(settings.model)
    model.generate_content("Who is the GOAT in the NBA?")
    list(model.generate_content("Write a Julia function.", stream=True))
    chat = model.start_chat()
    chat.send_message("Hello")
    genai.embed_content(model=settings.embedding_model, content=["a", "b"], output_dimensionality=8)
    list(genai.list_models())
    live_against.inject(Fault(status=500), Fault(kind="reset"))
    model.generate_content("Retried twice, then answered.")
    failures: list[BaseException] = []
    live_against.inject(
        Fault(status=429, status_name="RESOURCE_EXHAUSTED", message="Quota.", retry_delay="1s", times=4),
        Fault(status=503, status_name="UNAVAILABLE", message="Overloaded.", times=4),
    )
    for call in (
        lambda: model.generate_content("Quota."),
        lambda: chat.send_message("Overloaded."),
        lambda: genai.GenerativeModel("gemini-pro").generate_content("Retired."),
        lambda: genai.embed_content(model="models/embedding-001", content="Retired."),
    ):
        with pytest.raises(Exception) as caught:
            call()
        failures.append(caught.value)
    session.teardown()

    assert all(r["key"] == FAKE_KEY for r in live_against.received)  # the key was really sent, every time
    cassette = (Path(os.environ["GEMINI_CASSETTE_DIR"]) / ".recording" / "t_leak.yaml").read_text(encoding="utf-8")
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    shown = capsys.readouterr()
    told = "\n".join(_everything_about(error, context) for error in failures)
    assert len(caplog.records) > 10  # the libraries did log: the check below looked at something
    for place, text in {"cassette": cassette, "log": logged, "output": shown.out + shown.err, "errors": told}.items():
        for leak in LEAKS:
            assert leak not in text, f"the key leaked into the {place}"
    assert keys.mask(FAKE_KEY) in shown.out  # the banner shows the masked form: the check above looked at output


# --- a notebook, run in a real kernel -------------------------------------------

CELLS = [
    'import logging, os\nimport google.generativeai as genai\nimport helpers\nsettings = helpers.setup("t_kernel")',
    "print(settings, repr(settings.key))\nsettings.key",
    'genai.GenerativeModel(settings.model).generate_content("Hello").text',
    'genai.GenerativeModel("gemini-pro").generate_content("Hello")',
    'raise RuntimeError("GET https://h/v1beta/models?key=" + os.environ["GEMINI_API_KEY"])',
    "%tb",
    'logging.getLogger("a.library").warning("header x-goog-api-key: %s", os.environ["GEMINI_API_KEY"])',
]


def test_a_notebook_recorded_in_a_kernel_shows_the_key_in_no_output(
    live_against: StandIn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GEMINI_MODE", "record")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    NotebookClient(
        notebook, timeout=60, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    stored = nbformat.writes(notebook)
    outputs = [o for cell in notebook.cells for o in cell.outputs]
    errors_shown = {o.get("ename") for o in outputs if o.output_type == "error"}
    assert {"NotFound", "RuntimeError"} <= errors_shown, "the cells that should fail did fail"
    assert keys.mask(FAKE_KEY) in stored and "key=…(key removed)" in stored and "(key removed)" in stored
    for leak in LEAKS:
        assert leak not in stored
    cassette = Path(os.environ["GEMINI_CASSETTE_DIR"]) / ".recording" / "t_kernel.yaml"
    assert "Hello" in cassette.read_text(encoding="utf-8")
    assert all(leak not in cassette.read_text(encoding="utf-8") for leak in LEAKS)


def test_a_piece_of_the_key_is_removed_even_without_its_start_or_its_header() -> None:
    """IPython shortens long values in the middle: '...ey-0123456789abcdefXYZ' names neither the key nor its header."""
    from helpers.plumbing import errors

    shortened = f"headers={{'Accept': 'x', ...{FAKE_KEY[-22:]}', 'Content-Length': '151'}}"
    shown = errors.scrub(shortened, FAKE_KEY)
    assert all(FAKE_KEY[i : i + 6] not in shown for i in range(len(FAKE_KEY) - 5)), shown
    assert "Content-Length" in shown and "(key removed)" in shown
