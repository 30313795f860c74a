"""Shared fixtures: every test starts with no key, no mode and no .env in sight."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import keys, session
from helpers.plumbing.standin import StandIn

#: Every setting the helpers read, and where a recording goes: none may leak in from outside.
SETTINGS_NAMES = (*keys.SETTING_NAMES, "GEMINI_RECORD_DIR", "GEMINI_TUTORIAL_LANGUAGE")
#: Shaped like a real Google API key, so the leak scanners would see it.
FAKE_KEY = "AIza" + "SyFAKE-test-key-0123456789abcdefXYZ"  # two pieces: no file holds a key


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No key, no mode, no .env; cassettes in a scratch folder."""
    for name in SETTINGS_NAMES:
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("GEMINI_CASSETTE_DIR", str(tmp_path / "cassettes"))
    yield
    session.teardown()


@pytest.fixture
def standin() -> Iterator[StandIn]:
    """A stand-in for Gemini on 127.0.0.1 that accepts only FAKE_KEY."""
    with StandIn(valid_keys={FAKE_KEY}) as server:
        yield server


@pytest.fixture
def live_against(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """Environment for live mode against the stand-in with FAKE_KEY."""
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", standin.url)
    return standin


def recorded_cassette(name: str) -> Path:
    """Where a record-mode run in a test wrote the cassette of ``name``."""
    return Path(os.environ["GEMINI_CASSETTE_DIR"]) / ".recording" / f"{name}.yaml"


def switch_to_replay(name: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Promote the recording of ``name`` to its cassette, then drop mode, key and endpoint."""
    recorded = recorded_cassette(name)
    target = recorded.parent.parent / f"{name}.yaml"
    recorded.rename(target)
    for variable in ("GEMINI_MODE", "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    return target


#: A host name that can never resolve (``.invalid`` is reserved); :func:`unresolvable_gateway` makes its lookup fail.
UNRESOLVABLE_HOST = "gemini-gateway.invalid"


@pytest.fixture
def unresolvable_gateway(monkeypatch: pytest.MonkeyPatch) -> str:
    """Make the lookup of :data:`UNRESOLVABLE_HOST` fail here, without asking any DNS server, and no proxy set."""
    import socket

    real = socket.getaddrinfo

    def no_such_name(host: str, *args: object, **kwargs: object) -> object:
        if host == UNRESOLVABLE_HOST:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    return UNRESOLVABLE_HOST


def quiet_shell_config() -> object:
    """Config for the IPython shells the tests start: history in memory, so that nothing writes to a
    temporary IPYTHONDIR after it is gone (IPython's exit handler would print a traceback)."""
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    return config


# --- a real browser: Debian's Chromium, driven by Playwright (tests/test_browser.py, tests/test_site.py) ----------

CHROMIUM = Path("/usr/bin/chromium")
#: Playwright cannot download its own browser here; these flags keep Debian's quiet and offline.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def skip_without_chromium() -> None:
    """Skip the calling test module when Chromium is not installed (.ci/run installs it)."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is not installed at /usr/bin/chromium (apt-get install chromium; .ci/run does it)",
            allow_module_level=True,
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
