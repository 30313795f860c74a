"""Build the series' website, English and Simplified Chinese, from the committed notebooks and their stored outputs.

    python site/build.py [--clean] [--work DIR] [--edition en|zh] [--serve [PORT]]

Nothing is executed and nothing is downloaded: the notebooks' stored outputs are
rendered by Sphinx + MyST-NB (``nb_execution_mode = "off"``) with the
sphinx-book-theme, all installed from requirements-site.txt. The site goes to
``site/_build/html`` (``scripts/site`` runs this): the English edition
(``notebooks/``) at its root, the Chinese one (``notebooks-zh/``) in ``zh/``,
each page with a link to its twin in the other language.

Each edition is its own Sphinx build, in its own process, both at once: Sphinx
keeps one language a process (its translations, the theme's, the search
index's word splitter), and ``zh`` needs ``language = "zh_CN"`` throughout.
Sphinx reads from a staging folder made afresh on each build (``src`` for
English, ``src-zh`` for Chinese): the landing page ``index.md`` (the edition's
README, with the series' table of contents in two parts after it), a copy of
every numbered notebook of the edition there is at that moment, and of
``images/``. Copies keep their modification times, so a second build only reads
again what changed, and a notebook someone saves while the site builds cannot
half-change under Sphinx.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent
WORK = SITE / "_build"
NOTEBOOK_NAME = re.compile(r"^(\d\d)_[A-Za-z0-9_]+\.ipynb$")
#: Notebooks numbered below this are Part I (the article's series, google-generativeai); the rest are Part II.
PART_II_FROM = 7


@dataclass(frozen=True)
class Edition:
    """One language of the site: where its notebooks and README are, and its landing page's own words."""

    code: str
    #: The folder of its notebooks, relative to the repository.
    notebooks: str
    readme: str
    #: The table of contents' heading and its two captions (Part I, Part II).
    contents: str
    parts: tuple[str, str]
    #: The landing page while the edition has no README yet.
    placeholder: str
    #: Where its pages go, inside the site.
    folder: str


EDITIONS = {
    "en": Edition(
        code="en",
        notebooks="notebooks",
        readme="README.md",
        contents="The series, page by page",
        parts=("Part I: google-generativeai, after the article", "Part II: google-genai in depth"),
        placeholder="# Gemini API in Python, notebook by notebook\n",
        folder="",
    ),
    "zh": Edition(
        code="zh",
        notebooks="notebooks-zh",
        readme="README.zh.md",
        contents="本系列的全部笔记本",
        parts=("第一部分：google-generativeai，跟随原文章", "第二部分：深入 google-genai"),
        placeholder=(
            "# 用 Python 调用 Gemini API：一个笔记本接一个笔记本\n\n"
            "这是本系列的简体中文版。每个页面都展示笔记本中保存的输出（回放模式，无需密钥）；"
            "页面右上角的 **English** 链接打开同一个笔记本的英文版。\n"
        ),
        folder="zh",
    ),
}
#: The Part I / Part II captions of the English edition (as before the Chinese one existed).
PARTS = EDITIONS["en"].parts


def notebooks(folder: Path = ROOT / "notebooks") -> list[Path]:
    """Every numbered notebook, in the series' order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if NOTEBOOK_NAME.match(p.name))


def part_of(notebook: Path) -> int:
    """0 for Part I, 1 for Part II."""
    return int(int(NOTEBOOK_NAME.match(notebook.name).group(1)) >= PART_II_FROM)


def landing_page(readme: str, pages: list[Path], edition: Edition = EDITIONS["en"]) -> str:
    """The README as the landing page, then the table of contents of both parts (also the sidebar)."""
    sys.path.insert(0, str(SITE))
    from series_site import replace_badges  # imports the helpers: only where a page is made

    text, _ = replace_badges(readme, "00_setup", edition.code)
    toc = []
    for part, caption in enumerate(edition.parts):
        entries = [f"notebooks/{p.stem}" for p in pages if part_of(p) == part]
        if entries:
            toc += ["", "```{toctree}", f":caption: {caption}", ":maxdepth: 1", "", *entries, "```"]
    return f"{text.rstrip()}\n\n## {edition.contents}\n{chr(10).join(toc)}\n"


def folders(work: Path, edition: Edition) -> tuple[Path, Path, Path]:
    """An edition's staging folder, Sphinx's cache (doctrees) and its HTML, under ``work``."""
    suffix = "" if edition.code == "en" else f"-{edition.code}"
    return work / f"src{suffix}", work / f"doctrees{suffix}", work / "html" / edition.folder


def stage(source: Path, edition: Edition = EDITIONS["en"]) -> list[Path]:
    """Make the staging folder afresh from the README, the edition's notebooks and images/; the notebooks staged."""
    pages = notebooks(ROOT / edition.notebooks)
    shutil.rmtree(source, ignore_errors=True)
    (source / "notebooks").mkdir(parents=True)
    for page in pages:
        shutil.copy2(page, source / "notebooks" / page.name)
    shutil.copytree(ROOT / "images", source / "images")
    readme = ROOT / edition.readme
    text = readme.read_text("utf-8") if readme.is_file() else edition.placeholder
    (source / "index.md").write_text(landing_page(text, pages, edition), "utf-8")
    return pages


def build_edition(work: Path, edition: Edition, quiet: bool = True) -> int:
    """Stage one edition and run Sphinx on it, in this process; Sphinx's exit status."""
    os.environ["SERIES_SITE_EDITION"] = edition.code  # read by conf.py
    from sphinx.cmd.build import build_main

    started = time.monotonic()
    source, doctrees, html = folders(work, edition)
    pages = stage(source, edition)
    arguments = ["-b", "html", "-c", str(SITE), "-d", str(doctrees), "-j", "auto"]
    status = build_main([*arguments, *(["-q"] if quiet else []), str(source), str(html)])
    if status == 0:
        seconds = time.monotonic() - started
        print(f"Site ({edition.code}): the landing page and {len(pages)} notebooks in {html} ({seconds:.1f} s)")
    return status


def build(work: Path = WORK, clean: bool = False, quiet: bool = True, codes: tuple[str, ...] = tuple(EDITIONS)) -> int:
    """Build the editions into ``work/html`` (Chinese in ``work/html/zh``), each in its own process, at once."""
    if clean:
        shutil.rmtree(work, ignore_errors=True)
    if len(codes) == 1:
        return build_edition(work, EDITIONS[codes[0]], quiet)
    started = time.monotonic()
    command = [sys.executable, str(Path(__file__).resolve()), "--work", str(work), *([] if quiet else ["--verbose"])]
    runs = [subprocess.Popen([*command, "--edition", code]) for code in codes]
    status = max(run.wait() for run in runs)
    if status == 0:
        print(f"Site: {', '.join(codes)} in {work / 'html'} ({time.monotonic() - started:.1f} s)")
    return status


def serve(folder: Path, port: int) -> None:
    """Serve the built site on 127.0.0.1 until Ctrl-C (opening index.html as a file works too)."""
    import functools
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        print(f"Serving the site at http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            httpd.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clean", action="store_true", help="forget the previous build first")
    parser.add_argument("--work", type=Path, default=WORK, help=f"staging, cache and html/ go here (default {WORK})")
    parser.add_argument("--edition", choices=tuple(EDITIONS), help="build only this one (default: all)")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress, not only its warnings")
    parser.add_argument("--serve", nargs="?", type=int, const=8000, metavar="PORT", help="then serve it (port 8000)")
    arguments = parser.parse_args(argv)
    work = arguments.work.resolve()
    codes = (arguments.edition,) if arguments.edition else tuple(EDITIONS)
    status = build(work, arguments.clean, quiet=not arguments.verbose, codes=codes)
    if status == 0 and arguments.serve is not None:
        serve(work / "html", arguments.serve)
    return status


if __name__ == "__main__":
    sys.exit(main())
