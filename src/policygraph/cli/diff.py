"""`policygraph diff`: what changed between two editions of a document series."""
from __future__ import annotations

import json
from typing import Annotated

import typer

from policygraph.cli.options import (
    DEFAULT_TIMEOUT,
    AsOfOption,
    EngineName,
    EngineOption,
    GraphOption,
    PublishedByOption,
    RootOption,
    StoreOption,
    TableOrJson,
    TimeoutOption,
    console,
    open_graph,
    time_limit,
)


def diff(
    doc_a: Annotated[str, typer.Argument(metavar="DOC_A", help="The earlier document: id, label or alias.")],
    doc_b: Annotated[str, typer.Argument(metavar="DOC_B", help="The later document: id, label or alias.")],
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="table (default) or json.")] = TableOrJson.table,
    as_of: AsOfOption = None,
    published_by: PublishedByOption = None,
    engine: EngineOption = EngineName.oxigraph,
    store: StoreOption = None,
    graph_file: GraphOption = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    root: RootOption = None,
):
    """Compare two documents: KPIs added, dropped, replaced or renamed; targets changed; new values;
    grade moves; progress reports whose printed status changed.

    Example: policygraph diff doc-progress-2016 doc-progress-2017 --format json
    """
    from policygraph.query.diff import diff as do_diff
    from policygraph.query.sparql import QueryLibrary
    project, graph = open_graph(root, store, graph_file, engine, as_of, published_by)
    with time_limit(timeout, "diff's queries"):  # a project may replace edition-statements.rq
        result = do_diff(graph, QueryLibrary(project.query_dirs), doc_a, doc_b)
    if fmt is TableOrJson.json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    render_diff(result)
    console(stderr=True).print(f"(graph: {graph.where})", style="dim")


def render_diff(result: dict) -> None:
    """The diff as one table per section that has rows, Japanese first."""
    from rich.table import Table

    from policygraph.controls import printable
    from policygraph.query.diff import SECTIONS
    out = console()
    out.print(f"{printable(result['a']['label'])} ({result['a']['id']}) → "
              f"{printable(result['b']['label'])} ({result['b']['id']})")
    for name, (ja, en) in SECTIONS.items():
        rows = result[name]
        out.print(f"{ja} {en}: {len(rows)}")
        if not rows:
            continue
        columns = [c for c in rows[0] if c != "label"]
        table = Table(show_lines=False)
        table.add_column("label")
        for c in columns:
            table.add_column(c)
        for r in rows:
            table.add_row(printable(str(r.get("label", ""))), *(
                printable(" / ".join(map(str, r[c])) if isinstance(r[c], list) else str(r[c] if r[c] is not None
                                                                                        else "—"))
                for c in columns))
        out.print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("diff")(diff)
