"""What every command module shares: console, error exit, the project and graph options, enums.

The command modules import this one; it imports none of them (and not the app), so the CLI has
no import circle. Library errors reach the user through one handler (`PolicygraphGroup`), not
a try/except in every command.
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from typer.core import TyperGroup

from policygraph.errors import EXIT_INPUT, PolicygraphError

if TYPE_CHECKING:
    from rich.console import Console

    from policygraph.project import Project
    from policygraph.store.engines import Engine

RootOption = Annotated[Path | None, typer.Option(
    "--root", help="Project folder (with data/records/; its own ontology/, queries/ and viz/ override the shipped ones). Default: $POLICYGRAPH_ROOT, the current "
                   "folder, or this checkout.", file_okay=False)]
GraphOption = Annotated[Path | None, typer.Option(
    "--graph", help="Read this graph file (Turtle, N-Triples, JSON-LD …) instead of the store.", dir_okay=False)]
StoreOption = Annotated[str | None, typer.Option(
    "--store", help="The store: a folder written by `policygraph build` (default: build/store; when it is "
                    "missing or older than the data, the graph is built in memory and a note says so), or "
                    "the http(s) URL of a SPARQL 1.1 query endpoint holding a graph written by `build --store "
                    "URL` (default: [store] url in policygraph.toml). Credentials: $POLICYGRAPH_STORE_USER and "
                    "$POLICYGRAPH_STORE_PASSWORD (or _PASSWORD_FILE).")]


class TableOrJson(str, Enum):
    """--format of commands that print one report: a table for people, JSON for programs."""
    table = "table"
    json = "json"


class OutputFormat(str, Enum):
    """--format of commands that print rows."""
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


class EngineName(str, Enum):
    oxigraph = "oxigraph"
    rdflib = "rdflib"


def file_path(value: str) -> Path:
    """An output file given on the command line: `newdir/` names a folder, not a file to create."""
    if value.endswith(("/", os.sep)):
        raise typer.BadParameter(f"{value!r} names a folder; give a file name inside it")
    return Path(value)


TimeoutOption = Annotated[float, typer.Option(
    "--timeout", min=0.1, help="Stop with exit 2 when the command's queries run longer than this many seconds "
                               "(a runaway query, e.g. a cartesian product); every engine.")]
DEFAULT_TIMEOUT = 60.0
#: `export` reads and writes every row of the graph: a workbook of a million-triple project takes about a
#: minute (with the 60 s of the other commands it stopped with exit 2 at 1M).
EXPORT_TIMEOUT = 600.0


#: Exit codes of a command stopped by a signal (128 + the signal's number, the shells' convention).
SIGNAL_EXITS = {"SIGINT": 130, "SIGTERM": 143, "SIGHUP": 129}
#: Set by `handle_signals` (the console entry point): then `time_limit` also ends the process on these.
_signals_handled = False


def handle_signals() -> None:
    """SIGINT (Ctrl-C), SIGTERM and SIGHUP end every command with 130 / 143 / 129 and one line on stderr:
    a running reasoner (Java) is killed with its process group and every clean-up runs (the signal
    raises SystemExit in the main thread). While a query runs inside an engine, where Python cannot
    act, `time_limit`'s watchdog ends the process at once instead."""
    import signal

    def terminate(signum, _frame):
        _kill_children()
        sys.stderr.write(f"policygraph: stopped by {signal.Signals(signum).name}\n")
        raise SystemExit(128 + signum)

    global _signals_handled
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, terminate)
    _signals_handled = True


def _kill_children() -> None:
    reason = sys.modules.get("policygraph.graph.reason")
    if reason is not None:
        reason.kill_children()


@contextlib.contextmanager
def time_limit(seconds: float | None, what: str = "the queries", grace: float = 0.0):
    """End the process with exit 2 and a clear message when the block runs longer than `seconds` (None:
    no limit), and with 130 / 143 / 129 on SIGINT / SIGTERM / SIGHUP (once `handle_signals` has run):
    at once, or — with `grace` — when the block has not ended `grace` seconds after the signal (the
    handler's SystemExit ends it sooner, with every clean-up, unless an engine call holds the thread).

    A query runs inside the engine (Rust for Oxigraph, rdflib's evaluator) and cannot be interrupted
    from Python — a signal handler waits until the query returns — so a watchdog thread ends the whole
    process: it waits for the deadline and on the signal wake-up file (Python's C-level handler writes
    the signal's number there as the signal arrives). Nothing is half-written: the block only reads,
    and every file the CLI writes is written atomically after it."""
    import select
    import signal
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    armed = _signals_handled and threading.current_thread() is threading.main_thread()
    previous = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False) if armed else None
    names = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}
    end = time.monotonic() + seconds if seconds is not None else None

    def stop(message: str, code: int):
        _kill_children()
        sys.stderr.write(message)
        sys.stderr.flush()
        os._exit(code)

    def watch():
        signalled = None  # (signal number, when the grace ends)
        while True:
            now = time.monotonic()
            if end is not None and now >= end:
                stop(f"policygraph: error:\n  {what} ran longer than {seconds:g} s (--timeout); stopped. "
                     "Narrow the query, or raise --timeout\n", EXIT_INPUT)
            if signalled is not None and now >= signalled[1]:
                stop(f"policygraph: stopped by {names[signalled[0]]} while {what} ran\n", 128 + signalled[0])
            waits = [t - now for t in (end, signalled and signalled[1]) if t is not None]
            ready, _, _ = select.select([wake_r], [], [], min(waits) if waits else None)
            if not ready:
                continue
            for signum in os.read(wake_r, 64):
                if signum == 0:  # the block ended
                    return
                if signum in names and not grace:
                    stop(f"policygraph: stopped by {names[signum]} while {what} ran; nothing was written\n",
                         128 + signum)
                if signum in names and signalled is None:
                    signalled = (signum, time.monotonic() + grace)

    watchdog = threading.Thread(target=watch, name="policygraph-time-limit", daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        if armed:
            signal.set_wakeup_fd(previous)
        os.write(wake_w, b"\0")
        watchdog.join()
        os.close(wake_r)
        os.close(wake_w)


def signals_end(what: str, grace: float = 3.0):
    """A block that writes (a build) ends on a signal through its own clean-up when it can, and within
    `grace` seconds when an engine call holds it (see `time_limit`)."""
    return time_limit(None, what, grace)


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="table (default), csv (UTF-8 with a "
                                                  "byte-order mark, for spreadsheets), tsv (plain UTF-8, for "
                                                  "machines) or json.")]
EngineOption = Annotated[EngineName, typer.Option("--engine", help="SPARQL engine: oxigraph (the embedded "
                                                  "store, default) or rdflib (for cross-checks); both give the "
                                                  "same rows.")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="What was known on this date (YYYY-MM-DD): values "
                       "measured after it (a 2016年度 value counts from 2017-03-31), grades and estimates given after "
                       "it are left out, and attainment and deadlines are judged as of it (default: the build date).")]
PublishedByOption = Annotated[str | None, typer.Option("--published-by", help="Only what documents issued by this "
                              "date (YYYY-MM-DD) say, as an auditor saw it then; attainment judged as of it. A "
                              "document dated to a month or a period counts from its last possible day.")]


def console(stderr: bool = False) -> Console:
    """A Rich console that prints data as text: no markup, no emoji codes, no highlighting (a label
    holding `[red]`, `[/]` or `:x:` prints as written); wide when piped."""
    from rich.console import Console
    # Wide enough that Japanese table cells do not wrap into illegibility when piped.
    return Console(stderr=stderr, width=None if sys.stdout.isatty() else 160, highlight=False,
                   markup=False, emoji=False)


def fail(exc: PolicygraphError) -> NoReturn:
    """Print every problem of `exc` on stderr, one plain line each, and exit with its code."""
    # Plain, unwrapped lines: editors and CI parse "file:line: ..." from stderr. A message may quote
    # what a file or a remote store holds: control characters are shown escaped, never sent raw.
    from policygraph.controls import printable
    n = len(exc.problems)
    typer.echo(f"policygraph: {n} problems:" if n > 1 else "policygraph: error:", err=True)
    for problem in exc.problems:
        typer.echo(f"  {printable(str(problem))}", err=True)
    raise typer.Exit(exc.exit_code)


def open_project(root: Path | None) -> Project:
    from policygraph.project import Project
    return Project.locate(root)


def open_graph(root: Path | None, store: str | None = None, graph_file: Path | None = None,
               engine: EngineName = EngineName.oxigraph, as_of: str | None = None,
               published_by: str | None = None) -> tuple[Project, Engine]:
    """(project, engine) through the one graph-loading path; its note, if any, goes to stderr."""
    from policygraph.pipeline import open_graph as do_open
    project = open_project(root)
    opened = do_open(project, store, graph_file, engine.value, parse_as_of(as_of),
                     parse_as_of(published_by, "--published-by"))
    if opened.note:
        from policygraph.controls import printable
        typer.echo(f"policygraph: {printable(opened.note)}", err=True)
    return project, opened


def parse_as_of(text: str | None, option: str = "--as-of"):
    """--as-of (or --published-by) as a date, or None; a located error (exit 2) for anything else. Only
    YYYY-MM-DD, as the help says: `date.fromisoformat` also takes 20171130 and 2017-W48-4.

    >>> parse_as_of("2017-11-30"), parse_as_of(None)
    (datetime.date(2017, 11, 30), None)
    >>> parse_as_of("2017-W48-4")
    Traceback (most recent call last):
    policygraph.errors.PolicygraphError: option --as-of: not a date (YYYY-MM-DD) (value: '2017-W48-4')
    """
    import datetime as dt
    import re
    if text is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PolicygraphError.single("not a date (YYYY-MM-DD)", EXIT_INPUT, field=option, value=text) from None


class PolicygraphGroup(TyperGroup):
    """The one error handler of every command: a PolicygraphError becomes located lines and its exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PolicygraphError as exc:
            fail(exc)
