"""The maintainer's command line: python -m helpers ..."""

from __future__ import annotations

import pytest

from helpers.__main__ import main
from tests.conftest import FAKE_KEY


def test_doctor_lists_cassettes_and_never_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GEMINI_CASSETTE_DIR")
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "google-generativeai" in out and "00_setup" in out and "AUTHORED" in out
    assert FAKE_KEY not in out and "…" + FAKE_KEY[-4:] in out


def test_record_without_key_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "00_setup"]) == 2
    assert "needs a key" in capsys.readouterr().err


def test_record_unknown_notebook_names_the_known_ones() -> None:
    with pytest.raises(SystemExit, match="No such notebook: 99_nope"):
        main(["record", "99_nope"])


def test_outside_the_series_environment_the_command_says_which_python_and_what_to_do() -> None:
    """`python -m helpers doctor` with a Python that lacks the packages: a message, not a traceback."""
    import os
    import subprocess
    import sys

    from helpers.plumbing.recording import REPO_ROOT

    bare = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}  # -S: no site-packages, so none of the series' packages
    done = subprocess.run(
        [sys.executable, "-S", "-m", "helpers", "doctor"], capture_output=True, text=True, env=bare, cwd=REPO_ROOT
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "not the series' environment" in done.stderr and "scripts/start" in done.stderr


def test_help_is_plain_text() -> None:
    """--help shows no reStructuredText markup."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "helpers", "--help"], capture_output=True, text=True, check=True)
    assert "``" not in done.stdout and "record" in done.stdout
