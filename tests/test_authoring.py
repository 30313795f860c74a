"""The answers files' own format: an answers file can include another's entries."""

from __future__ import annotations

from pathlib import Path

import pytest

import authoring
from authoring import AuthoredAnswerer, read_entries

ANSWERS = Path(authoring.__file__).resolve().parent / "answers"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_include_puts_the_other_files_entries_in_its_place(tmp_path: Path) -> None:
    write(tmp_path, "shared.yaml", "- {prompt: One, text: '1'}\n- {prompt: Two, text: '2'}\n")
    mine = "- {prompt: Zero, text: '0'}\n- include: shared.yaml\n- {prompt: Three, text: '3'}\n"
    path = write(tmp_path, "mine.yaml", mine)
    included: list[str] = []
    entries = read_entries(path, included)
    assert [entry["prompt"] for entry in entries] == ["Zero", "One", "Two", "Three"]
    assert included == ["shared.yaml"]


def test_the_provenance_names_the_included_files(tmp_path: Path) -> None:
    write(tmp_path, "shared.yaml", "- {prompt: One, text: '1'}\n")
    path = write(tmp_path, "mine.yaml", "- include: shared.yaml\n")
    included: list[str] = []
    answerer = AuthoredAnswerer(path, read_entries(path, included), tuple(included))
    assert "authoring/answers/mine.yaml (including shared.yaml)" in answerer.note
    assert answerer.description == "authored answers from authoring/answers/mine.yaml (including shared.yaml)"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"mine.yaml": "- include: mine.yaml\n"}, "includes itself"),
        ({"mine.yaml": "- include: a.yaml\n", "a.yaml": "- include: mine.yaml\n"}, "includes itself"),
        ({"mine.yaml": "- include: nowhere.yaml\n"}, "does not exist"),
    ],
)
def test_a_loop_or_a_missing_file_is_refused(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(ValueError, match=message):
        read_entries(tmp_path / "mine.yaml", [])


def test_08_shares_the_answers_of_07() -> None:
    shared = authoring.answerer_for("08_migrate_your_code")
    assert shared.included == ("07_migrate.yaml",)
    assert shared.entries == authoring.answerer_for("07_migrate").entries
