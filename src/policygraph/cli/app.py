"""Command-line interface: parses options, calls one library function, formats the result."""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from policygraph import __version__
from policygraph.cli.options import GraphOption, RootOption
from policygraph.errors import EXIT_INPUT, PolicygraphError

app = typer.Typer(
    name="policygraph",
    help="Trace Japanese government reform mandates to measured outcomes, every fact tied to a verbatim quote.\n\n"
         "Exit codes: 0 ok; 1 records or checks found wanting; 2 input could not be read or parsed.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)



class TraceFormat(str, Enum):
    table = "table"
    json = "json"


def _console(stderr: bool = False) -> Console:
    # Wide enough that Japanese table cells do not wrap into illegibility when piped.
    return Console(stderr=stderr, width=None if sys.stdout.isatty() else 160, highlight=False)


def _fail(exc: PolicygraphError) -> None:
    # Plain, unwrapped lines: editors and CI parse "file:line: ..." from stderr.
    n = len(exc.problems)
    typer.echo(f"policygraph: {n} problems:" if n > 1 else "policygraph: error:", err=True)
    for problem in exc.problems:
        typer.echo(f"  {problem}", err=True)
    raise typer.Exit(exc.exit_code)


def _project(root: Path | None):
    from policygraph.project import Project
    return Project.locate(root)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                               callback=_print_version)] = False):
    """Trace Japanese government reform mandates to measured outcomes."""


@app.command()
def build(
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: build/).",
                                                file_okay=False)] = None,
    root: RootOption = None,
):
    """Validate the records and write the graph as Turtle, N-Triples and JSON-LD.

    Every record is checked (types, references, dates, quotes against the sources), then the graph
    (SHACL shapes, OWL consistency), as `policygraph validate` does, before anything is written; the
    files are then replaced atomically.

    Example: policygraph build --out build/
    """
    from policygraph.pipeline import build as do_build
    console = _console()
    try:
        project = _project(root)
        with console.status("building graph…"):
            result = do_build(project, out)
    except PolicygraphError as exc:
        _fail(exc)
    for note in result.notes:
        typer.echo(f"policygraph: {note}", err=True)
    console.print(f"built {len(result.graph):,} triples from {len(result.corpus.records)} records")
    for name, count in result.class_counts.items():
        console.print(f"  {name:16} {count:6,}")
    for path in result.files:
        console.print(f"wrote {path}")


@app.command()
def trace(
    target: Annotated[str, typer.Argument(help="Directive or document: id, label, alias, or a label substring.")],
    fmt: Annotated[TraceFormat, typer.Option("--format", "-f", help="table (default) or json.")] = TraceFormat.table,
    graph_file: GraphOption = None,
    root: RootOption = None,
):
    """Trace a directive or document to every KPI it reaches, with quotes.

    Shows directives, the reform items carrying them, schedule steps and progress, KPIs with tier,
    baselines, targets, every observation and the latest grade, responsible bodies, and for each
    fact its document and verbatim quote.

    Example: policygraph trace 未来投資戦略2017 --format json
    """
    from policygraph.pipeline import load_graph
    from policygraph.views.render import render_trace
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.trace import trace as do_trace
    try:
        project = _project(root)
        if graph_file is not None and not graph_file.is_file():
            raise PolicygraphError.single("graph file not found", EXIT_INPUT, file=graph_file)
        graph, where = load_graph(project, graph_file)
        result = do_trace(graph, QueryLibrary(project.queries_dir), target)
    except PolicygraphError as exc:
        _fail(exc)
    if fmt is TraceFormat.json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        render_trace(result, _console())
        _console(stderr=True).print(f"(graph: {where})", style="dim")


# Commands of later stages live in their own modules (one per capability) and register here.
from policygraph.cli import corpus as cli_corpus
from policygraph.cli import queries as cli_queries
from policygraph.cli import validate as cli_validate
from policygraph.cli import viz as cli_viz  # noqa: E402

for _module in (cli_corpus, cli_queries, cli_validate, cli_viz):
    _module.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()
