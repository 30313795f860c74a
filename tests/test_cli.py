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
