"""The trace command: a directive or document down to every KPI it reaches, with quotes."""
from __future__ import annotations

import json
from typing import Annotated

import typer

from policygraph.cli.options import (
    DEFAULT_TIMEOUT,
    AsOfOption,
    PublishedByOption,
    EngineName,
    EngineOption,
    GraphOption,
    RootOption,
    StoreOption,
    TableOrJson,
    TimeoutOption,
    console,
    open_graph,
    time_limit,
)


def trace(
    target: Annotated[str, typer.Argument(help="Directive, document, reform item, KPI or body: id, label, alias, "
                                                "or a label substring.")],
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="table (default) or json.")] = TableOrJson.table,
    as_of: AsOfOption = None,
    published_by: PublishedByOption = None,
    engine: EngineOption = EngineName.oxigraph,
    store: StoreOption = None,
    graph_file: GraphOption = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    root: RootOption = None,
):
    """Trace from any node: a directive or document down to every KPI it reaches; a reform item, a KPI
    (upward: what mandates and reports it) or a body (all it is responsible for), with quotes.

    Shows directives with their own progress reports (a finding's responses, dated), the reform items
    carrying them (a document also those it reports without a directive), schedule steps and progress,
    KPIs with tier, baselines, targets, every observation and the latest grade, responsible bodies,
    and for each fact its document and verbatim quote.

    Example: policygraph trace kpi-cloud-municipalities --format json
    """
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.trace import trace as do_trace
    proj, graph = open_graph(root, store, graph_file, engine, as_of, published_by)
    with time_limit(timeout, "trace's queries"):  # a project may replace them (queries/trace-*.rq)
        result = do_trace(graph, QueryLibrary(proj.query_dirs), target)
    if fmt is TableOrJson.json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        from policygraph.views.render import render_trace
        render_trace(result, console())
        console(stderr=True).print(f"(graph: {graph.where})", style="dim")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("trace")(trace)
