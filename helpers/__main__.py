"""Command line for maintainers and for checking a set-up: python -m helpers COMMAND.

record [NOTEBOOK ...]   re-record cassettes with your key, then refresh outputs
record --standin [...]  author cassettes against the local stand-in (marked authored)
outputs [NOTEBOOK ...]  re-execute in replay and store the outputs, both editions (no API calls)
doctor                  versions, mode, key source (masked), endpoint, cassettes
standin [--port N]      serve the local stand-in for Gemini until Ctrl-C
badges [--check]        rewrite every notebook's launch badges and Colab cell from helpers/project.py
editions                check that every Chinese twin (notebooks-zh/) is in step with its English notebook
"""

from __future__ import annotations

import argparse
import errno
import importlib
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from importlib import metadata

import nbformat
import yaml

from . import keys, models, session
from .plumbing import errors, project, refresh
from .plumbing.recording import REPO_ROOT, cassette_path
from .plumbing.standin import StandIn

STANDIN_KEY = "standin-authoring-key-not-a-secret"
#: A fixed port, so that re-authored cassettes differ only where their answers do.
AUTHORING_PORT = 47719


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__.split("\n\n")[0].strip())
    commands = parser.add_subparsers(dest="command", required=True)
    record = commands.add_parser("record", help="re-record cassettes and refresh stored outputs")
    record.add_argument("notebooks", nargs="*", help="names such as 01_text (default: all)")
    record.add_argument("--standin", action="store_true", help="author against the local stand-in")
    outputs = commands.add_parser("outputs", help="re-execute in replay and store the outputs")
    outputs.add_argument("notebooks", nargs="*")
    outputs.add_argument("--edition", choices=["en", "zh", "both"], default="both", help="default: both")
    commands.add_parser("doctor", help="show what the helpers see")
    serve = commands.add_parser("standin", help="serve the local stand-in for Gemini")
    serve.add_argument("--port", type=int, default=8765)
    badges = commands.add_parser("badges", help="rewrite every notebook's launch badges and Colab cell")
    badges.add_argument("--check", action="store_true", help="only report notebooks that differ (exit 1 if any)")
    commands.add_parser("editions", help="check that the Chinese twins are in step with the English notebooks")
    args = parser.parse_args(argv)
    run = {
        "record": _record,
        "outputs": _outputs,
        "doctor": _doctor,
        "standin": _standin,
        "badges": _badges,
        "editions": _editions,
    }
    if args.command != "record":
        return run[args.command](args)
    previous = signal.signal(signal.SIGHUP, _hang_up) if hasattr(signal, "SIGHUP") else None
    try:
        return run[args.command](args)
    except KeyboardInterrupt:
        print(
            "Stopped: every cassette and notebook not reported 'ok' above is as it was (nothing half-written).",
            file=sys.stderr,
        )
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGHUP, previous)


def _hang_up(signum: int, frame: object) -> None:
    """A closed terminal (SIGHUP) stops a recording the way Ctrl-C does: cleanly, old cassettes kept."""
    raise KeyboardInterrupt


def _record(args: argparse.Namespace) -> int:
    names = refresh.notebook_names(args.notebooks)
    if args.standin:
        return _record_against_standin(names)
    key = keys.find_key(session.settings_environment())
    if key is None:
        print("Recording calls Gemini and needs a key: set GEMINI_API_KEY (or use a .env file).", file=sys.stderr)
        return 2
    print(
        f"Recording {len(names)} notebook(s) with key {key} at "
        f"{session.shown_endpoint(session.endpoint_from(session.settings_environment()))}"
    )
    return _report(refresh.record_one(name, {"GEMINI_API_KEY": key.value}) for name in names)


def _record_against_standin(names: list[str]) -> int:
    sys.path.insert(0, str(REPO_ROOT))
    authoring = importlib.import_module("authoring")

    def outcomes() -> Iterator[refresh.Outcome]:
        for name in names:
            answerer = authoring.answerer_for(name)
            with _authoring_standin(answerer) as server:
                env = {
                    "GEMINI_API_KEY": STANDIN_KEY,
                    "GOOGLE_GEMINI_BASE_URL": server.url,
                    "GEMINI_PROVENANCE_NOTE": answerer.note,
                    "GEMINI_PROVENANCE_EMBEDDINGS": answerer.embedding_note,
                }
                yield refresh.record_one(name, env)

    return _report(outcomes())


def _authoring_standin(answerer: object, wait: float = 300.0) -> StandIn:
    """The stand-in on :data:`AUTHORING_PORT`, waiting while another authoring run holds the port."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return StandIn(answerer, description=answerer.description, port=AUTHORING_PORT)  # type: ignore[attr-defined]
        except OSError as error:
            if error.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                raise
            print(f"Port {AUTHORING_PORT} is busy (another authoring run?); waiting…", file=sys.stderr, flush=True)
            time.sleep(3)


def _outputs(args: argparse.Namespace) -> int:
    def outcomes() -> Iterator[refresh.Outcome]:
        for name in refresh.notebook_names(args.notebooks):
            for edition in refresh.editions_of(name):
                if args.edition not in ("both", edition):
                    continue
                start = time.perf_counter()
                notebook = refresh.refresh_outputs(name, edition)
                nbformat.write(notebook, refresh.notebook_path(name, edition))
                label = name if edition == "en" else f"{name} ({edition})"
                yield refresh.Outcome(
                    label, True, "outputs refreshed from replay", round(time.perf_counter() - start, 1)
                )

    return _report(outcomes())


def _report(outcomes: Iterable[refresh.Outcome]) -> int:
    """Print each outcome as it arrives (so an interrupted run has said what it finished)."""
    ok = True
    for outcome in outcomes:
        print(f"{'ok  ' if outcome.ok else 'FAIL'} {outcome.notebook}: {outcome.message} ({outcome.seconds} s)")
        ok = ok and outcome.ok
    return 0 if ok else 1


def _doctor(args: argparse.Namespace) -> int:
    environ = session.settings_environment()
    key = keys.find_key(environ)
    for package in ("google-generativeai", "google-api-core", "vcrpy", "requests", "nbval", "jupyterlab"):
        try:
            print(f"{package:22} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            print(f"{package:22} not installed")
    print(f"{'key':22} {key if key else 'none found (replay only)'}")
    try:
        mode = session.choose_mode(environ.get("GEMINI_MODE"), key)
    except errors.TutorialError as problem:
        mode = f"none: {problem}"
    print(f"{'mode':22} {mode}")
    print(f"{'endpoint':22} {session.endpoint_from(environ)}")
    print(f"{'models':22} {models.text_model(environ)}, {models.embedding_model(environ)}")
    for name in refresh.notebook_names():
        path = cassette_path(name)
        if path.is_file():
            provenance = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("provenance", {})
            print(f"{name:22} {session.describe_provenance(provenance)}")
        else:
            print(f"{name:22} no cassette")
    return 0


def _badges(args: argparse.Namespace) -> int:
    differ = []
    for name in refresh.notebook_names():
        for edition in refresh.editions_of(name):
            path = refresh.notebook_path(name, edition)
            notebook = nbformat.read(path, as_version=4)
            if project.apply(notebook, name, edition):
                differ.append(name if edition == "en" else f"{name} ({edition})")
                if not args.check:
                    nbformat.write(notebook, path)
    verb = "differ from helpers/project.py" if args.check else "rewritten"
    print(f"{len(differ)} notebook(s) {verb}{': ' + ', '.join(differ) if differ else ''}")
    return 1 if args.check and differ else 0


def _editions(args: argparse.Namespace) -> int:
    from .plumbing import editions

    problems = []
    for name in refresh.notebook_names():
        twin = refresh.notebook_path(name, "zh")
        if not twin.is_file():
            problems.append(f"{name}: no Chinese twin at {twin.relative_to(REPO_ROOT)}")
            continue
        english = nbformat.read(refresh.notebook_path(name), as_version=4)
        chinese = nbformat.read(twin, as_version=4)
        problems += [f"{name}: {p}" for p in editions.differences(english, chinese, project.colab_cell("zh"))]
    print("\n".join(problems) if problems else "Every Chinese twin is in step with its English notebook.")
    return 1 if problems else 0


def _standin(args: argparse.Namespace) -> int:
    with StandIn(port=args.port) as server:
        print(f"Stand-in for Gemini at {server.url}. In another shell:")
        print(f"  export GOOGLE_GEMINI_BASE_URL={server.url} GEMINI_API_KEY=any-non-empty-value")
        print("Answers are marked as coming from the stand-in. Ctrl-C stops it.")
        try:
            import threading

            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
