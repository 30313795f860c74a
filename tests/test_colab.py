"""Launching elsewhere: the Colab cell and badges, Colab secrets, and Binder's configuration.

Colab and Binder cannot be reached from here; what can be checked without them is:
the notebooks match ``helpers/project.py``; the first cell does nothing outside
Colab and the right things inside a simulated one; the key path through a
simulated ``google.colab.userdata``; and the files repo2docker reads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell

import helpers
from helpers import keys
from helpers.__main__ import main
from helpers.plumbing import project, refresh
from helpers.plumbing.recording import REPO_ROOT
from tests.conftest import quiet_shell_config

NOTEBOOKS = refresh.notebook_names()
KEY = "AIza" + "SyC-colab-secret-0000000000000000COLB"  # two pieces: no file holds a key


EDITIONS = [(name, edition) for name in NOTEBOOKS for edition in refresh.editions_of(name)]


@pytest.mark.parametrize(("name", "edition"), EDITIONS, ids=[f"{n}-{e}" for n, e in EDITIONS])
def test_notebook_badges_and_first_code_cell_match_project(name: str, edition: str) -> None:
    notebook = nbformat.read(refresh.notebook_path(name, edition), as_version=4)
    first_markdown = next(c for c in notebook.cells if c.cell_type == "markdown")
    first_code = next(c for c in notebook.cells if c.cell_type == "code")
    assert project.badges(name, edition) in first_markdown.source.split("\n"), "run: python -m helpers badges"
    assert first_code.source == project.colab_cell(edition), "run: python -m helpers badges"
    assert not first_code.get("outputs")
    assert not project.apply(notebook, name, edition)


def test_badges_command_rewrites_a_stale_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers.plumbing import editions

    for folder in ("en", "zh"):
        stale = nbformat.v4.new_notebook()
        stale.cells = [
            nbformat.v4.new_markdown_cell("# 9 · Old\n\n[![Open in Colab](old)](old)\n\nText."),
            nbformat.v4.new_code_cell("import helpers"),
        ]
        (tmp_path / folder).mkdir()
        nbformat.write(stale, tmp_path / folder / "99_old.ipynb")
    monkeypatch.setattr(editions, "FOLDERS", {"en": str(tmp_path / "en"), "zh": str(tmp_path / "zh")})
    assert main(["badges", "--check"]) == 1
    assert main(["badges"]) == 0
    for edition in ("en", "zh"):
        fixed = nbformat.read(tmp_path / edition / "99_old.ipynb", as_version=4)
        assert fixed.cells[0].source == f"# 9 · Old\n\n{project.badges('99_old', edition)}\n\nText."
        assert [c.source for c in fixed.cells[1:]] == [project.colab_cell(edition), "import helpers"]
    assert main(["badges", "--check"]) == 0
    monkeypatch.undo()
    assert "/blob/main/notebooks-zh/99_old.ipynb" in project.badges("99_old", "zh")


def test_colab_cell_installs_the_pinned_versions() -> None:
    requirements = (REPO_ROOT / "requirements.txt").read_text()
    for pin in project.pinned():
        assert f"\n{pin}\n" in f"\n{requirements}", pin
        assert pin in project.colab_cell()
    assert project.REPOSITORY in project.colab_cell() and project.REPOSITORY in project.badges("00_setup")


class Spy:
    """Stands in for the shell's ``!`` and ``%`` commands: records them unexpanded, runs nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def system(self, command: str) -> None:
        self.calls.append(("!", command))

    def magic(self, name: str, line: str, _stack_depth: int = 1) -> None:
        self.calls.append(("%", name, line))


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[InteractiveShell, Spy]]:
    """A plain IPython shell whose shell commands and magics are only recorded."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    shell = InteractiveShell.instance(config=quiet_shell_config())
    spy = Spy()
    monkeypatch.setattr(shell, "system", spy.system)
    monkeypatch.setattr(shell, "run_line_magic", spy.magic)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield shell, spy
    InteractiveShell.clear_instance()


def test_first_cell_does_nothing_outside_colab(shell: tuple[InteractiveShell, Spy]) -> None:
    ipython, spy = shell
    assert "google.colab" not in sys.modules
    path, cwd = list(sys.path), os.getcwd()
    result = ipython.run_cell(project.colab_cell())
    assert result.success
    assert spy.calls == [], "no clone, no pip, no cd"
    assert sys.path == path and os.getcwd() == cwd


def test_first_cell_on_simulated_colab_clones_installs_and_moves_in(
    shell: tuple[InteractiveShell, Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    ipython, spy = shell
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(os.path, "isdir", lambda path: path == "/content/series/helpers")  # the clone worked
    assert ipython.run_cell(project.colab_cell()).success
    clone, pip, cd = spy.calls
    assert clone == (
        "!",
        "test -d /content/series || git clone -q --depth 1 --branch main {repository} /content/series",
    )
    assert ipython.user_ns["repository"] == f"https://github.com/{project.REPOSITORY}"
    assert pip[:2] == ("%", "pip") and pip[2] == f"install --quiet {' '.join(project.pinned())}"
    assert cd == ("%", "cd", "/content/series/notebooks")
    assert sys.path[0] == "/content/series"


def test_first_cell_on_colab_stops_loudly_when_the_clone_fails(
    shell: tuple[InteractiveShell, Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed clone must stop the notebook here, not one cell later with ModuleNotFoundError: helpers."""
    ipython, spy = shell
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(os.path, "isdir", lambda path: False)  # the clone failed: no folder
    result = ipython.run_cell(project.colab_cell())
    assert not result.success and "Could not fetch" in str(result.error_in_exec)
    assert "run this cell again" in str(result.error_in_exec)
    assert len(spy.calls) == 1, "nothing is installed after a failed clone"


def _colab(monkeypatch: pytest.MonkeyPatch, secrets: dict[str, str], denied: tuple[str, ...] = (), slow=()) -> None:
    """Put a simulated ``google.colab`` with ``userdata`` in ``sys.modules``, shaped like Colab's own."""

    class SecretNotFoundError(Exception):
        def __init__(self, key: str) -> None:
            super().__init__(f"Secret {key} does not exist.")

    class NotebookAccessError(Exception):
        def __init__(self, key: str) -> None:
            super().__init__(f"Notebook does not have access to secret {key}")

    class TimeoutException(Exception):
        def __init__(self, key: str) -> None:
            super().__init__(f"Requesting secret {key} timed out.")

    def get(key: str) -> str:
        if key in slow:
            raise TimeoutException(key)
        if key in denied:
            raise NotebookAccessError(key)
        if key not in secrets:
            raise SecretNotFoundError(key)
        return secrets[key]

    colab = types.ModuleType("google.colab")
    userdata = types.ModuleType("google.colab.userdata")
    userdata.get = get  # type: ignore[attr-defined]
    userdata.SecretNotFoundError = SecretNotFoundError  # type: ignore[attr-defined]
    userdata.NotebookAccessError = NotebookAccessError  # type: ignore[attr-defined]
    userdata.TimeoutException = TimeoutException  # type: ignore[attr-defined]
    colab.userdata = userdata  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.userdata", userdata)


def _replayable(name: str) -> None:
    """Put the notebook's committed cassette where this test's replay looks."""
    folder = Path(os.environ["GEMINI_CASSETTE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "notebooks" / "cassettes" / f"{name}.yaml", folder)


def _no_env_file() -> Path:
    return Path("/nonexistent/.env")


def test_colab_secret_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    _colab(monkeypatch, {"GEMINI_API_KEY": KEY})
    assert keys.running_on_colab()
    found = keys.find_key({}, env_file=_no_env_file())
    assert found is not None and found.value == KEY and found.source == "Colab secret GEMINI_API_KEY"
    assert KEY not in str(found)


def test_colab_secret_setup_goes_live(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _colab(monkeypatch, {"GEMINI_API_KEY": KEY})
    settings = helpers.setup("00_setup")
    banner = capsys.readouterr().out
    assert settings.mode == "live" and "from Colab secret GEMINI_API_KEY" in banner and KEY not in banner


def test_colab_without_the_secret_replays_and_says_how_to_add_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _colab(monkeypatch, {})
    assert keys.find_key({}, env_file=_no_env_file()) is None
    _replayable("00_setup")
    settings = helpers.setup("00_setup")
    *banner, hint = capsys.readouterr().out.splitlines()
    assert settings.mode == "replay" and banner[0].startswith("Mode     replay")
    assert "secret named GEMINI_API_KEY" in hint and "Notebook access" in hint


def test_colab_secret_without_notebook_access_says_what_to_switch_on(monkeypatch: pytest.MonkeyPatch) -> None:
    _colab(monkeypatch, {"GEMINI_API_KEY": KEY}, denied=("GEMINI_API_KEY",))
    with pytest.raises(keys.KeyProblem, match="switch on 'Notebook access'") as caught:
        keys.find_key({}, env_file=_no_env_file())
    assert KEY not in str(caught.value)


def test_colab_secret_dialog_timeout_says_run_again(monkeypatch: pytest.MonkeyPatch) -> None:
    _colab(monkeypatch, {"GEMINI_API_KEY": KEY}, slow=("GEMINI_API_KEY",))
    with pytest.raises(keys.KeyProblem, match="Run this cell again"):
        keys.find_key({}, env_file=_no_env_file())


def test_launch_hints_only_where_there_is_no_shell() -> None:
    assert project.launch_hint("00_setup", {}) == ""
    hint = project.launch_hint("04_vision", {"BINDER_LAUNCH_HOST": "https://mybinder.org/"})
    assert 'helpers.setup("04_vision", ask_for_key=True)' in hint and "memory only" in hint


def test_binder_banner_says_how_to_paste_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BINDER_REPO_URL", f"https://github.com/{project.REPOSITORY}")
    _replayable("00_setup")
    helpers.setup("00_setup")
    assert "ask_for_key=True" in capsys.readouterr().out
    monkeypatch.delenv("BINDER_REPO_URL")
    helpers.setup("00_setup")
    assert "ask_for_key" not in capsys.readouterr().out, "elsewhere the banner alone, as nbval stored it"


def test_readme_badges_match_project() -> None:
    assert project.badges("00_setup") in (REPO_ROOT / "README.md").read_text()


# --- Binder: what repo2docker reads -----------------------------------------------

BINDER = REPO_ROOT / "binder"


def test_binder_pins_python_and_installs_the_same_requirements() -> None:
    assert re.fullmatch(r"python-3\.\d+\n?", (BINDER / "runtime.txt").read_text())
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    assert "-r ../requirements.txt" in [line for line in lines if line and not line.startswith("#")]
    assert (REPO_ROOT / "requirements.txt").read_text().rstrip().endswith("-e ."), "installs ./helpers"


def test_binder_turns_off_jupyterlab_news() -> None:
    overrides = json.loads((BINDER / "overrides.json").read_text())
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}
    post_build = (BINDER / "postBuild").read_text()
    assert os.access(BINDER / "postBuild", os.X_OK)
    assert "share/jupyter/lab/settings" in post_build and "overrides.json" in post_build


def _colab_hook(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Wrap genai.configure as Colab's import hook does (a partial with its own transport and endpoint)."""
    import functools

    import google.generativeai as genai

    calls: list[dict[str, object]] = []

    def configure(**kwargs: object) -> None:
        calls.append(kwargs)

    hooked = functools.partial(configure, transport="rest", client_options={"api_endpoint": "http://localhost:9"})
    monkeypatch.setattr(genai, "configure", hooked)
    monkeypatch.setattr("helpers.plumbing.retry.install", lambda *args, **kwargs: None)
    return calls


def test_on_colab_the_import_hooks_browser_proxy_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Colab routes google.generativeai through the learner's browser; setup must not bypass that."""
    calls = _colab_hook(monkeypatch)
    _replayable("00_setup")
    helpers.setup("00_setup", quiet=True)
    assert calls[-1]["client_options"] == {"api_endpoint": "http://localhost:9"}, "the hook's endpoint, not ours"


def test_on_colab_an_explicit_gateway_still_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _colab_hook(monkeypatch)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "https://gateway.example")
    _replayable("00_setup")
    helpers.setup("00_setup", quiet=True)
    assert calls[-1]["client_options"] == {"api_endpoint": "https://gateway.example"}


def test_binder_environment_is_consistent() -> None:
    """Every installed package's requirements hold (Binder's image adds `notebook`, which must match jupyterlab)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", project.REQUIREMENTS.read_text(), re.MULTILINE))
    assert "notebook" in pins, "pin notebook: Binder's image has it, and an unpinned one conflicts with jupyterlab"
    for requirement in map(Requirement, metadata.requires("notebook") or []):
        if requirement.name == "jupyterlab" and not requirement.marker:
            assert requirement.specifier.contains(pins["jupyterlab"]), (str(requirement), pins["jupyterlab"])
            break
    else:
        pytest.fail("notebook does not declare its jupyterlab range")
