"""Measure how long each notebook takes under nbval, against its floor.

Usage (from the repository's top folder, in the series' environment)::

    .venv/bin/python scripts/bench.py [--runs N] [NOTEBOOK ...]

For each notebook it prints the median nbval time of N runs, its *floor*,
and their ratio; then three steadier views of that ratio. Notebook and floor
runs alternate, so that a slow spell of the machine slows both: "paired" is
the median of each run's ratio to the floor run beside it; "best" is the ratio
of the fastest run of each (noise on a shared machine only ever adds time);
"cpu" is the ratio of the processor time pytest and the kernel used, which
leaves out waiting (the deliberate waits of a retry lesson too). The floor is
the same driver (pytest with nbval, replay, no key) running a one-cell
notebook that only starts a kernel and imports what the notebook imports
(``helpers``, the SDKs, numpy... and the Interactions client, which
google-genai imports on first use): what no notebook can go below. Then it
prints how much ``import helpers`` adds to importing the SDK.
It is a measuring tool, not a test: run it on a quiet machine, and compare
ratios, not seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
REPLAY = {"GEMINI_MODE": "replay", "GEMINI_API_KEY": "", "GOOGLE_API_KEY": "", "GOOGLE_GEMINI_BASE_URL": ""}


def imports_of(notebook: Path) -> list[str]:
    """The top-level ``import``/``from`` lines of a notebook's code cells (the Colab cell's excepted)."""
    lines = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code" or "google.colab" in cell.source:
            continue
        lines += [line for line in cell.source.splitlines() if re.match(r"(import|from) \S+", line)]
        if "client.interactions" in cell.source:  # the SDK imports its Interactions client on first use
            lines.append("import google.genai.interactions")
    return list(dict.fromkeys(lines))


def floor_notebook(notebook: Path, folder: Path) -> Path:
    """A one-cell notebook beside ``notebook`` that imports what it imports."""
    floor = nbformat.v4.new_notebook()
    floor.cells = [nbformat.v4.new_code_cell("\n".join(imports_of(notebook)))]
    floor.metadata = nbformat.read(notebook, as_version=4).metadata
    path = folder / f"floor_{notebook.name}"
    nbformat.write(floor, path)
    return path


@dataclass(frozen=True)
class Run:
    """One nbval run: its wall time, and the processor time of pytest and the kernel."""

    wall: float
    cpu: float


def nbval_run(notebook: Path) -> Run:
    """Time ``pytest --nbval`` on one notebook, in replay with no key."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--nbval",
        "--nbval-sanitize-with",
        str(NOTEBOOKS / "sanitize.cfg"),
        "--rootdir",
        str(notebook.parent),
        str(notebook),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=notebook.parent, env={**os.environ, **REPLAY}, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"nbval failed on {notebook.name}:\n{done.stdout[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall=seconds, cpu=cpu)


def import_seconds(statement: str) -> float:
    """Wall time of a fresh interpreter running ``statement``."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", statement], check=True, cwd=ROOT, env={**os.environ, **REPLAY}, capture_output=True
    )
    return time.perf_counter() - start


def main() -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (the median is shown)")
    parser.add_argument("notebooks", nargs="*", help="names such as 01_text (default: all)")
    args = parser.parse_args()
    names = args.notebooks or sorted(p.stem for p in NOTEBOOKS.glob("[0-9]*.ipynb"))
    print(f"{'notebook':24} {'nbval s':>8} {'floor s':>8} {'ratio':>6} {'paired':>6} {'best':>6} {'cpu':>6}")
    with tempfile.TemporaryDirectory(prefix="bench-", dir=NOTEBOOKS) as scratch:
        for name in names:
            notebook = NOTEBOOKS / f"{name}.ipynb"
            floor = floor_notebook(notebook, Path(scratch))
            runs, floors = [], []
            for _ in range(args.runs):  # alternate, so that a slow spell of the machine slows both
                runs.append(nbval_run(notebook))
                floors.append(nbval_run(floor))
            real, base = statistics.median(r.wall for r in runs), statistics.median(f.wall for f in floors)
            paired = statistics.median(r.wall / f.wall for r, f in zip(runs, floors, strict=True))
            best = min(r.wall for r in runs) / min(f.wall for f in floors)
            cpu = statistics.median(r.cpu for r in runs) / statistics.median(f.cpu for f in floors)
            print(
                f"{name:24} {real:8.2f} {base:8.2f} {real / base:6.2f} {paired:6.2f} {best:6.2f} {cpu:6.2f}", flush=True
            )
    sdk = statistics.median(import_seconds("import google.generativeai") for _ in range(args.runs))
    both = statistics.median(import_seconds("import google.generativeai, helpers") for _ in range(args.runs))
    print(f"import helpers over the SDK import: {1000 * (both - sdk):+.0f} ms (SDK alone {1000 * sdk:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
