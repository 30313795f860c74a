"""Build the series' website from the committed notebooks and their stored outputs.

    python site/build.py [--clean] [--work DIR] [--serve [PORT]]

Nothing is executed and nothing is downloaded: the notebooks' stored outputs are
rendered by Sphinx + MyST-NB (``nb_execution_mode = "off"``) with the
sphinx-book-theme, all installed from requirements-site.txt. The site goes to
``site/_build/html`` (``scripts/site`` runs this).

Sphinx reads from a staging folder, ``site/_build/src``, made afresh on each
build: the landing page ``index.md`` (the README, with the series' table of
contents in two parts after it), a copy of every ``notebooks/NN_name.ipynb``
there is at that moment, and of ``images/``. Copies keep their modification
times, so a second build only reads again what changed, and a notebook someone
saves while the site builds cannot half-change under Sphinx.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import sys
import time
from pathlib import Path

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent
WORK = SITE / "_build"
NOTEBOOK_NAME = re.compile(r"^(\d\d)_[A-Za-z0-9_]+\.ipynb$")
#: Notebooks numbered below this are Part I (the article's series, google-generativeai); the rest are Part II.
PART_II_FROM = 7
PARTS = ("Part I: google-generativeai, after the article", "Part II: google-genai in depth")

sys.path.insert(0, str(SITE))
from series_site import replace_badges  # noqa: E402


def notebooks(folder: Path = ROOT / "notebooks") -> list[Path]:
    """Every numbered notebook, in the series' order."""
    return sorted(p for p in folder.iterdir() if NOTEBOOK_NAME.match(p.name))


def part_of(notebook: Path) -> int:
    """0 for Part I, 1 for Part II."""
    return int(int(NOTEBOOK_NAME.match(notebook.name).group(1)) >= PART_II_FROM)


def landing_page(readme: str, pages: list[Path]) -> str:
    """README.md as the landing page, then the table of contents of both parts (also the sidebar)."""
    text, _ = replace_badges(readme, "00_setup")
    toc = []
    for part, caption in enumerate(PARTS):
        entries = [f"notebooks/{p.stem}" for p in pages if part_of(p) == part]
        if entries:
            toc += ["", "```{toctree}", f":caption: {caption}", ":maxdepth: 1", "", *entries, "```"]
    return f"{text.rstrip()}\n\n## The series, page by page\n{chr(10).join(toc)}\n"


def stage(source: Path) -> list[Path]:
    """Make the staging folder afresh from README.md, notebooks/ and images/; the notebooks staged."""
    pages = notebooks()
    shutil.rmtree(source, ignore_errors=True)
    (source / "notebooks").mkdir(parents=True)
    for page in pages:
        shutil.copy2(page, source / "notebooks" / page.name)
    shutil.copytree(ROOT / "images", source / "images")
    (source / "index.md").write_text(landing_page((ROOT / "README.md").read_text("utf-8"), pages), "utf-8")
    return pages


def build(work: Path = WORK, clean: bool = False, quiet: bool = True) -> int:
    """Stage and run Sphinx into ``work/html``; Sphinx's exit status."""
    from sphinx.cmd.build import build_main

    if clean:
        shutil.rmtree(work, ignore_errors=True)
    started = time.monotonic()
    pages = stage(work / "src")
    arguments = ["-b", "html", "-c", str(SITE), "-d", str(work / "doctrees"), "-j", "auto"]
    status = build_main([*arguments, *(["-q"] if quiet else []), str(work / "src"), str(work / "html")])
    if status == 0:
        seconds = time.monotonic() - started
        print(f"Site: the landing page and {len(pages)} notebooks in {work / 'html'} ({seconds:.1f} s)")
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
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress, not only its warnings")
    parser.add_argument("--serve", nargs="?", type=int, const=8000, metavar="PORT", help="then serve it (port 8000)")
    arguments = parser.parse_args(argv)
    work = arguments.work.resolve()
    status = build(work, arguments.clean, quiet=not arguments.verbose)
    if status == 0 and arguments.serve is not None:
        serve(work / "html", arguments.serve)
    return status


if __name__ == "__main__":
    sys.exit(main())
