"""Where the key comes from, in which order, and that it is never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import keys, session


class FakeUserdata:
    """Stands in for google.colab.userdata: secrets, and Colab's own errors."""

    class SecretNotFoundError(Exception):
        pass

    class NotebookAccessError(Exception):
        pass

    def __init__(self, secrets: dict[str, str], denied: tuple[str, ...] = ()) -> None:
        self.secrets, self.denied = secrets, denied

    def get(self, name: str) -> str:
        if name in self.denied:
            raise self.NotebookAccessError(name)
        if name not in self.secrets:
            raise self.SecretNotFoundError(name)
        return self.secrets[name]


KEY_A = "AIza" + "SyA-first-key-000000000000000000AAAA"  # two pieces: no file holds a key
KEY_B = "AIza" + "SyB-second-key-00000000000000000BBBB"


def test_mask_shows_only_last_four() -> None:
    assert keys.mask(KEY_A) == "…AAAA"
    assert KEY_A[:-4] not in keys.mask(KEY_A)
    assert keys.mask("short") == "…****"


def test_found_key_never_prints_the_key() -> None:
    found = keys.FoundKey(KEY_A, "test")
    assert KEY_A not in repr(found) and KEY_A not in str(found) and KEY_A not in f"{found}"
    assert "…AAAA" in str(found)


def test_environment_gemini_wins_and_differing_keys_warn() -> None:
    with pytest.warns(UserWarning, match="differ"):
        found = keys.key_from_environment({"GEMINI_API_KEY": KEY_A, "GOOGLE_API_KEY": KEY_B})
    assert found is not None and found.value == KEY_A and "GEMINI_API_KEY" in found.source


def test_environment_google_key_alone() -> None:
    found = keys.key_from_environment({"GOOGLE_API_KEY": KEY_B})
    assert found is not None and found.value == KEY_B and "GOOGLE_API_KEY" in found.source


def test_env_file_found_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"# my key\nGEMINI_API_KEY={KEY_A}\n")
    sub = tmp_path / "notebooks"
    sub.mkdir()
    path = keys.find_env_file(sub)
    assert path == tmp_path / ".env"
    found = keys.key_from_env_file(path)
    assert found is not None and found.value == KEY_A and str(path) in found.source


def test_environment_beats_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"GEMINI_API_KEY={KEY_A}\n")
    found = keys.find_key({"GEMINI_API_KEY": KEY_B}, env_file=tmp_path / ".env")
    assert found is not None and found.value == KEY_B


def test_malformed_env_file_names_the_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"GEMINI_MODE=replay\nmy key is {KEY_A}\n")
    with pytest.raises(keys.KeyProblem, match="line 2") as caught:
        keys.key_from_env_file(tmp_path / ".env")
    assert KEY_A not in str(caught.value)


def test_colab_secret_used_when_nothing_else() -> None:
    found = keys.find_key(
        {}, env_file=Path("/nonexistent/.env"), colab_userdata=FakeUserdata({"GEMINI_API_KEY": KEY_A})
    )
    assert found is not None and found.value == KEY_A and found.source == "Colab secret GEMINI_API_KEY"


def test_colab_google_api_key_secret_is_accepted() -> None:
    found = keys.key_from_colab(FakeUserdata({"GOOGLE_API_KEY": KEY_B}))
    assert found is not None and found.value == KEY_B


def test_colab_missing_secret_means_no_key() -> None:
    assert keys.key_from_colab(FakeUserdata({})) is None


def test_colab_access_not_granted_says_what_to_switch_on() -> None:
    with pytest.raises(keys.KeyProblem, match="Notebook access"):
        keys.key_from_colab(FakeUserdata({"GEMINI_API_KEY": KEY_A}, denied=("GEMINI_API_KEY",)))


def test_not_on_colab_means_no_colab_lookup() -> None:
    assert not keys.running_on_colab()
    assert keys.key_from_colab() is None


def test_prompt_only_when_asked() -> None:
    asked: list[str] = []

    def ask(question: str) -> str:
        asked.append(question)
        return KEY_A

    assert keys.find_key({}, env_file=Path("/nonexistent/.env"), ask=ask) is None
    assert asked == []
    found = keys.find_key({}, env_file=Path("/nonexistent/.env"), prompt=True, ask=ask)
    assert found is not None and found.value == KEY_A and len(asked) == 1


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("GEMINI_API_KEY=abc\n".encode("utf-16"), "UTF-16"),
        ("# café\nGEMINI_MODE=replay\n".encode("latin-1"), r"not UTF-8 text \(byte 5 "),
    ],
)
def test_a_dotenv_in_another_encoding_is_named_and_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, says: str
) -> None:
    env = tmp_path / ".env"
    env.write_bytes(content)
    monkeypatch.chdir(tmp_path)
    with pytest.warns(UserWarning, match=says) as caught:
        assert keys.find_key({}) is None  # no key anywhere else: replay, not a traceback
    assert str(env) in str(caught[0].message) and "Going on without it" in str(caught[0].message)
    with pytest.warns(UserWarning, match=says):
        assert session.settings_environment({"GEMINI_MODE": "replay"})["GEMINI_MODE"] == "replay"
    with pytest.raises(keys.UnreadableEnvFile, match=says):
        keys.read_env_file(env)


def test_an_unreadable_dotenv_says_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("GEMINI_MODE=replay\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    def denied(self: Path) -> bytes:  # what chmod 0 does for anyone but root (the tests may run as root)
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.warns(UserWarning, match="permission denied"):
        assert keys.find_key({}) is None
