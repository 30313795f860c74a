"""Every notebook runs top to bottom in live mode against a stand-in endpoint.

The stand-in (reached through ``GOOGLE_GEMINI_BASE_URL``) answers every prompt
with a deterministic "Stand-in reply …" that no cassette holds, so these runs
prove that live outputs come from the endpoint, not from anything stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.plumbing import refresh
from helpers.plumbing.standin import StandIn
from tests.conftest import FAKE_KEY

NOTEBOOKS = refresh.notebook_names()
#: Every notebook in every edition it exists in: the Chinese twins run live as the English ones do.
EDITIONS = [(name, edition) for name in NOTEBOOKS for edition in refresh.editions_of(name)]
#: Notebooks whose outputs must show generated text (00_setup only lists models).
GENERATES_TEXT = {name for name in NOTEBOOKS if name not in ("00_setup", "06_embeddings")}
#: What the banner's mode row says live, in each edition.
LIVE_MODE = {"en": "live: every call goes to Gemini", "zh": "在线：每次调用都发送给 Gemini"}


@pytest.fixture(scope="module")
def echo_server() -> Iterator[StandIn]:
    with StandIn(valid_keys={FAKE_KEY}) as server:
        yield server


def _texts(notebook: object) -> list[str]:
    texts = []
    for cell in notebook.cells:  # type: ignore[attr-defined]
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            for value in output.get("data", {}).values():
                texts.append("".join(value) if isinstance(value, (list, str)) else "")
    return texts


@pytest.mark.parametrize(("name", "edition"), EDITIONS, ids=[f"{n}-{e}" for n, e in EDITIONS])
def test_notebook_runs_live_against_the_standin(name: str, edition: str, echo_server: StandIn, tmp_path: Path) -> None:
    before = len(echo_server.received)
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    with refresh.environment(
        GEMINI_MODE="live",
        GEMINI_API_KEY=FAKE_KEY,
        GOOGLE_GEMINI_BASE_URL=echo_server.url,
        GEMINI_RECORD_DIR=str(recordings),
    ):
        notebook = refresh.execute(refresh.notebook_path(name, edition))
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    texts = _texts(notebook)
    assert any(LIVE_MODE[edition] in t and echo_server.url in t for t in texts)
    assert len(echo_server.received) > before, "the notebook made no call to the endpoint"
    # The second leg of a resumable upload goes to the upload URL the first leg returned, which is its own
    # credential: google-genai sends no key there (as to Gemini's upload URLs).
    assert all(r["key"] == FAKE_KEY for r in echo_server.received[before:] if not r.get("upload_session"))
    assert not any(FAKE_KEY in t for t in texts)
    if name in GENERATES_TEXT:
        assert any("Stand-in reply" in t for t in texts)
    assert not list(recordings.iterdir()), "live mode wrote a recording"
