"""The authored answers about the newsletter PDF and the announcement clip say only what is in them.

``authoring/media.py`` made both files and holds every word of them; the answers
in ``authoring/answers/12_files.yaml`` are checked against that text (and, when
pypdf is installed, against the text read back out of the PDF itself, so the
PDF and ``media.py`` cannot drift apart). The audio's words are the ones given
to espeak-ng.
"""

from __future__ import annotations

import re
import wave
from pathlib import Path
from typing import Any

import pytest
import yaml

from authoring import media

ANSWERS = Path(__file__).resolve().parent.parent / "authoring" / "answers" / "12_files.yaml"
PDF, WAV = media.PDF_PATH.name, media.WAV_PATH.name


def fold(text: str) -> str:
    """Whitespace folded and Markdown emphasis dropped, for comparing text."""
    return " ".join(text.replace("**", "").split())


def words(text: str) -> list[str]:
    """The words of a text, lower case, without punctuation."""
    return re.findall(r"[a-z0-9']+", text.lower())


def entries() -> list[dict[str, Any]]:
    return yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))


def answer(prompt: str) -> str:
    found = [e["text"] for e in entries() if e["prompt"] == prompt]
    assert len(found) == 1, f"one answer for {prompt!r}, found {len(found)}"
    return fold(found[0])


def files_of(entry: dict[str, Any]) -> list[str]:
    named = entry.get("file") or entry.get("image") or []
    return [named] if isinstance(named, str) else list(named)


def source_text(entry: dict[str, Any]) -> str:
    """What the files an entry is tied to really say."""
    parts = []
    if PDF in files_of(entry):
        parts.append(media.pdf_text())
    if WAV in files_of(entry):
        parts.append(media.ANNOUNCEMENT)
    return fold("\n".join(parts))


def row(ride: str) -> tuple[str, ...]:
    return next(r for r in media.RIDES if r[1] == ride)


def test_every_answer_is_tied_to_the_files_it_is_about() -> None:
    for entry in entries():
        assert files_of(entry), f"{entry['prompt']!r} names no file"
        assert set(files_of(entry)) <= {PDF, WAV}
        assert source_text(entry)


def test_every_number_in_an_answer_is_in_the_file() -> None:
    """Amounts, dates, times and distances are quoted, never invented."""
    for entry in entries():
        source = source_text(entry)
        for number in re.findall(r"\d+(?:[,:]\d+)*", entry["text"]):
            assert number in source, f"{number} in the answer to {entry['prompt']!r} is not in {files_of(entry)}"


@pytest.mark.parametrize(
    ("prompt", "facts"),
    [
        (
            "How much does adult membership cost for 2027, and by when should I renew?",
            ["£45 a year", "31 January 2027"],
        ),
        ("How much did the autumn charity ride raise, and for whom?", ["£3,180", "Millbrook Food Bank", "64 riders"]),
        (
            "What is the new rule about lights?",
            ["From 1 November", "front and rear lights are required on every club ride"],
        ),
        ("Summarize this announcement in one sentence.", ["ice is forecast", "ten o'clock instead of nine"]),
        ("What time does the Reservoir Loop start now, and why?", ["ten o'clock", "ice is forecast", "Station Square"]),
        ("Who is speaking, and for which club?", ["Helen", "Millbrook Cycling Club"]),
        (
            "Summarize this newsletter in three bullet points.",
            ["£45", "£15", "£90", "31 January 2027", "Thursday 14 January 2027 at 7:30 pm", "£3,180", "£68"],
        ),
    ],
)
def test_answer_quotes_the_file(prompt: str, facts: list[str]) -> None:
    entry = next(e for e in entries() if e["prompt"] == prompt)
    for fact in facts:
        assert fact.lower() in answer(prompt).lower(), f"the answer to {prompt!r} should say {fact!r}"
        assert fact.lower() in source_text(entry).lower(), f"{fact!r} is not in {files_of(entry)}"


@pytest.mark.parametrize(
    ("prompt", "ride", "cells"),
    [
        ("Which December ride is the longest, and who leads it?", "Reservoir Loop", ["42 km", "Priya Natarajan"]),
        ("Who leads the Mince Pie Ride, and where does it start?", "Mince Pie Ride", ["Ana Souza", "Station Square"]),
    ],
)
def test_answer_reads_the_right_row_of_the_table(prompt: str, ride: str, cells: list[str]) -> None:
    said = answer(prompt)
    assert ride in said
    for cell in cells:
        assert cell in said and any(cell in value for value in row(ride)), f"{cell!r} is not in the {ride} row"


def test_the_longest_ride_is_the_longest() -> None:
    longest = max(media.RIDES, key=lambda r: int(r[2].split()[0]))
    assert longest[1] == "Reservoir Loop"
    assert answer("Summarize this newsletter in three bullet points.").startswith(
        f"Here is a summary of the {media.CLUB}'s December 2026 newsletter"
    )
    count = {2: "Two", 3: "Three", 4: "Four", 5: "Five"}[len(media.RIDES)]
    assert f"{count} club rides" in answer("Summarize this newsletter in three bullet points.")


def test_station_square_rides_are_the_ones_listed() -> None:
    said = answer("List the December rides that start at Station Square.")
    from_square = {r[1] for r in media.RIDES if r[3].startswith("Station Square")}
    assert {r[1] for r in media.RIDES if r[1] in said} == from_square
    count = {1: "One", 2: "Two", 3: "Three", 4: "Four"}[len(from_square)]
    assert said.startswith(f"{count} December rides")
    for ride in from_square:
        _, _, distance, meet, leader = row(ride)
        assert all(value in said for value in (meet.split(", ")[1], distance, leader))


def test_transcript_is_what_espeak_ng_said() -> None:
    assert words(answer("Generate a transcript of this audio clip.")) == words(media.ANNOUNCEMENT)


def test_announcement_changes_the_newsletter_as_the_answer_says() -> None:
    said = answer("Does the audio announcement change anything in the newsletter? Answer in two sentences.")
    reservoir = row("Reservoir Loop")
    assert reservoir[3] == "Station Square, 9:00" and "Station Square at 9:00" in said
    assert "ten o'clock instead of nine" in media.ANNOUNCEMENT and "ten o'clock" in said
    assert "Sunday the sixth" in media.ANNOUNCEMENT and reservoir[0] == "Sun 6 Dec" and "Sunday 6 December" in said


def test_the_pdf_says_what_media_py_wrote() -> None:
    import pypdf  # requirements-dev.txt

    reader = pypdf.PdfReader(media.PDF_PATH)
    assert len(reader.pages) == 2
    extracted = fold(" ".join(page.extract_text() for page in reader.pages))
    pieces = [media.CLUB, media.SUBTITLE, media.INTRO, media.RIDES_HEADING, *media.RIDES_COLUMNS]
    pieces += [cell for ride in media.RIDES for cell in ride]
    pieces += [media.RIDES_NOTE, media.MEMBERSHIP_HEADING, *media.MEMBERSHIP, media.MEMBERSHIP_NOTE]
    pieces += [media.AGM_HEADING, media.AGM, media.NEWS_HEADING, media.footer(1), media.footer(2)]
    pieces += [text for item in media.NEWS for text in item]
    for piece in pieces:
        assert fold(piece) in extracted, f"not in the PDF: {piece!r}"


def test_the_clip_is_short_small_speech_audio() -> None:
    with wave.open(str(media.WAV_PATH)) as clip:
        assert (clip.getframerate(), clip.getnchannels(), clip.getsampwidth()) == (media.SAMPLE_RATE, 1, 2)
        assert 10 <= clip.getnframes() / clip.getframerate() <= 20
