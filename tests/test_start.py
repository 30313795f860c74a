"""The README's launch command: bash scripts/start brings JupyterLab up, also as root."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from helpers.plumbing.recording import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("locale", "first"),
    [("C.UTF-8", "notebooks/00_setup.ipynb"), ("zh_CN.UTF-8", "notebooks-zh/00_setup.ipynb")],
    ids=["english", "chinese"],
)
def test_scripts_start_serves_jupyterlab_with_the_first_notebook(tmp_path: Path, locale: str, first: str) -> None:
    """As root (as in every Docker container) too: the script passes --allow-root itself.

    On a Chinese system (or with GEMINI_TUTORIAL_LANGUAGE=zh) it opens the Chinese edition.
    """
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "GEMINI_MODE": "replay",
        "GEMINI_TUTORIAL_LANGUAGE": "",
        "LC_ALL": "",
        "LANG": locale,
    }
    log = tmp_path / "start.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [
                "bash",
                "scripts/start",
                "--no-browser",
                f"--port={port}",
                "--ServerApp.ip=127.0.0.1",
                "--IdentityProvider.token=",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/status", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        text = log.read_text()
        assert server.poll() is None, f"scripts/start exited:\n{text[-2000:]}"
        page = requests.get(f"http://127.0.0.1:{port}/lab/tree/{first}", timeout=10)
        assert page.ok
        landing = requests.get(f"http://127.0.0.1:{port}/", allow_redirects=False, timeout=10)
        assert landing.headers.get("Location", "").rstrip("?").endswith(f"/lab/tree/{first}"), landing.headers
        if os.geteuid() == 0:
            assert "Running as root" in text
        assert "replay" in text, "it says whether the notebooks will replay"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
