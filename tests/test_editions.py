"""The Chinese edition (notebooks-zh/) in step with the English one (notebooks/).

Both editions share one set of cassettes, so their code must be the same: a
twin differs only in its Markdown, its comments, and its Colab cell (which
opens its own folder). nbval, over both folders, checks that each edition's
stored outputs are what its code produces.
"""

from __future__ import annotations

import copy

import nbformat
import pytest

from helpers.__main__ import main
from helpers.plumbing import editions, project, refresh

NOTEBOOKS = refresh.notebook_names()
CJK = range(0x4E00, 0xA000)


def _read(name: str, edition: str = "en") -> nbformat.NotebookNode:
    return nbformat.read(refresh.notebook_path(name, edition), as_version=4)


def _has_chinese(text: str) -> bool:
    return any(ord(c) in CJK for c in text)


def test_every_notebook_has_a_chinese_twin_and_no_twin_is_alone() -> None:
    english = {p.stem for p in editions.folder("en").glob("[0-9][0-9]_*.ipynb")}
    chinese = {p.stem for p in editions.folder("zh").glob("[0-9][0-9]_*.ipynb")}
    assert english == chinese


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_twin_has_the_same_cells_and_the_same_code(name: str) -> None:
    problems = editions.differences(_read(name), _read(name, "zh"), project.colab_cell("zh"))
    assert not problems, f"{name}: " + "; ".join(problems) + " (python -m helpers editions lists them all)"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_twin_is_translated_and_shows_the_helpers_in_chinese(name: str) -> None:
    twin = _read(name, "zh")
    untranslated = [c.id for c in twin.cells if c.cell_type == "markdown" and not _has_chinese(c.source)]
    assert not untranslated, f"{name}: Markdown cells with no Chinese: {untranslated}"
    setup = next(c for c in twin.cells if c.cell_type == "code" and "helpers.setup(" in c.source)
    shown = "".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in setup.outputs)
    assert "模式" in shown and "回放" in shown, f"{name}: the stored banner is not in Chinese: {shown[:200]!r}"


def test_a_changed_line_of_code_a_missing_cell_or_a_moved_cell_is_caught() -> None:
    english = _read("01_text")
    colab = project.colab_cell("zh")
    assert editions.differences(english, _read("01_text", "zh"), colab) == []

    changed = copy.deepcopy(_read("01_text", "zh"))
    code = next(c for c in changed.cells if c.cell_type == "code" and "generate_content" in c.source)
    code.source = code.source.replace("GOAT", "best player")
    assert any("the code differs" in p for p in editions.differences(english, changed, colab))

    commented = copy.deepcopy(_read("01_text", "zh"))
    code = next(c for c in commented.cells if c.cell_type == "code" and "generate_content" in c.source)
    code.source = "# 中文注释只是注释\n" + code.source + "  # 行尾注释"
    assert editions.differences(english, commented, colab) == []

    missing = copy.deepcopy(_read("01_text", "zh"))
    del missing.cells[5]
    assert "do not match one to one" in editions.differences(english, missing, colab)[0]

    moved = copy.deepcopy(_read("01_text", "zh"))
    moved.cells[3], moved.cells[4] = moved.cells[4], moved.cells[3]
    assert "another order" in editions.differences(english, moved, colab)[0]

    english_colab = copy.deepcopy(_read("01_text", "zh"))
    first_code = next(c for c in english_colab.cells if c.cell_type == "code")
    first_code.source = first_code.source.replace("notebooks-zh", "notebooks-xx")
    assert any("the code differs" in p for p in editions.differences(english, english_colab, colab))


def test_the_editions_command_reports_a_twin_out_of_step(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["editions"]) == 0
    folder = tmp_path / "notebooks-zh"
    folder.mkdir()
    for name in NOTEBOOKS:
        (folder / f"{name}.ipynb").write_bytes(refresh.notebook_path(name, "zh").read_bytes())
    twin = nbformat.read(folder / "01_text.ipynb", as_version=4)
    twin.cells = twin.cells[:-1]
    nbformat.write(twin, folder / "01_text.ipynb")
    monkeypatch.setitem(editions.FOLDERS, "zh", str(folder))
    capsys.readouterr()
    assert main(["editions"]) == 1
    assert "01_text: the cells do not match one to one" in capsys.readouterr().out
