"""The message catalogue: every message the helpers show has its Chinese, and the Chinese edition shows it."""

from __future__ import annotations

import ast
import json
import string
from pathlib import Path

import pytest

from helpers.plumbing import i18n
from helpers.plumbing.recording import REPO_ROOT

HELPERS = REPO_ROOT / "helpers"
MARKERS = {"tr", "later"}


def _called_name(node: ast.Call) -> str | None:
    function = node.func
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return None


def messages_in_code() -> tuple[dict[str, str], list[str]]:
    """Every ``tr("...")``/``later("...")`` literal in helpers/ (message -> where), and the calls without one."""
    found: dict[str, str] = {}
    unreadable: list[str] = []
    for path in sorted(HELPERS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _called_name(node) not in MARKERS or not node.args:
                continue
            where = f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, where)
            elif _called_name(node) == "later":
                unreadable.append(where)  # later() exists to mark literals
    return found, unreadable


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_marked_message_is_a_literal() -> None:
    _, unreadable = messages_in_code()
    assert not unreadable, f"later() needs a string literal: {unreadable}"


def test_every_message_has_its_chinese_with_the_same_fields() -> None:
    messages, _ = messages_in_code()
    assert len(messages) > 50, "the scan found too few messages: is it reading helpers/?"
    chinese = i18n.catalogue("zh")
    missing = [f"{where}: {message[:80]!r}" for message, where in messages.items() if message not in chinese]
    assert not missing, "no Chinese in helpers/locale/zh.json for:\n" + "\n".join(missing)
    mismatched = [m[:80] for m in messages if fields_of(m) != fields_of(chinese[m])]
    assert not mismatched, f"the Chinese has other {{fields}} than the English: {mismatched}"


def test_the_catalogue_holds_nothing_the_code_no_longer_says() -> None:
    messages, _ = messages_in_code()
    stale = [message[:80] for message in i18n.catalogue("zh") if message not in messages]
    assert not stale, f"helpers/locale/zh.json has messages no code shows (edited or removed?): {stale}"


def test_the_chinese_is_chinese() -> None:
    untranslated = [m[:60] for m, t in i18n.catalogue("zh").items() if not any("\u4e00" <= c <= "\u9fff" for c in t)]
    # A few messages are only names or symbols (a table header's column names may stay English).
    assert len(untranslated) <= 3, f"these 'translations' have no Chinese: {untranslated}"


def test_the_catalogue_is_sorted_json_that_a_diff_can_read() -> None:
    path = i18n.CATALOGUE_DIR / "zh.json"
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize(
    ("variable", "folder", "expected"),
    [
        ("", "notebooks", "en"),
        ("", "notebooks-zh", "zh"),
        ("zh", "notebooks", "zh"),
        ("en", "notebooks-zh", "en"),
        ("zh-CN", "elsewhere", "zh"),
    ],
)
def test_the_language_follows_the_variable_then_the_notebook_folder(
    variable: str, folder: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = tmp_path / folder
    where.mkdir()
    monkeypatch.chdir(where)
    monkeypatch.setenv("GEMINI_TUTORIAL_LANGUAGE", variable)
    assert i18n.language() == expected


def test_the_banner_and_a_message_in_each_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import display

    monkeypatch.setenv("GEMINI_TUTORIAL_LANGUAGE", "zh")
    chinese = display.finish_meaning("MAX_TOKENS")
    assert chinese == i18n.catalogue("zh")[display.FINISH_MEANINGS["MAX_TOKENS"]] and "max_output_tokens" in chinese
    assert i18n.tr("Mode") != "Mode"
    monkeypatch.setenv("GEMINI_TUTORIAL_LANGUAGE", "en")
    assert display.finish_meaning("MAX_TOKENS") == "the answer reached max_output_tokens and was cut off"
    assert i18n.tr("Mode") == "Mode"


def test_a_message_missing_from_the_catalogue_is_shown_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_TUTORIAL_LANGUAGE", "zh")
    assert i18n.tr("Not a message anyone {verb}", verb="wrote") == "Not a message anyone wrote"
