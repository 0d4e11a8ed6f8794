"""View commands: viz graph|trace|gaps (offline HTML pages), export (GraphML, CSV)."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from policygraph.cli.options import (
    DEFAULT_TIMEOUT,
    AsOfOption,
    GraphOption,
    PublishedByOption,
    RootOption,
    StoreOption,
    TimeoutOption,
    file_path,
    open_graph,
    time_limit,
)
from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.views import DEFAULT_MAX_NODES

viz_app = typer.Typer(
    name="viz",
    help="Write interactive graph views as self-contained HTML pages that work offline.\n\n"
         "Each page opens in a browser without any network access: colour and shape by class, filters, "
         "search, and a side panel with each record's properties, quotes and sources (and a chart for "
         "KPIs). Exit codes: 0 written; 2 bad argument, or the view would exceed --max-nodes.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

OutOption = Annotated[Path | None, typer.Option(
    "--out", "-o", help="HTML file to write (default: build/viz-<view>.html).", parser=file_path, metavar="FILE")]
ClassOption = Annotated[list[str] | None, typer.Option(
    "--class", help="Keep only records of this class (repeatable), e.g. KPI, Directive, Observation.")]
BodyOption = Annotated[str | None, typer.Option(
    "--body", help="Keep only records a body (or one of its sub-units) is responsible for: id or label.")]
DocumentOption = Annotated[str | None, typer.Option(
    "--document", help="Keep only records stated in a policy document: id, label or alias.")]
StatusOption = Annotated[str | None, typer.Option(
    "--status", help="Keep only KPIs (and their values) with this attainment: achieved, on_track, behind, "
                     "missed, unverified, not_yet_due, no_target, no_data, unknown.")]


MaxNodesOption = Annotated[int, typer.Option(
    "--max-nodes", min=1, help=f"Refuse (exit 2) to draw more nodes than this (default {DEFAULT_MAX_NODES}); "
                               "a bigger page becomes too slow to use.")]


class ExportFormat(str, Enum):
    graphml = "graphml"
    csv = "csv"
    xlsx = "xlsx"


def _load(root: Path | None, store: str | None, graph_file: Path | None, as_of: str | None = None,
          published_by: str | None = None):
    """(project, engine, record graph): the one graph-loading path, then the views' record graph."""
    from policygraph.views.viz_model import RecordGraph
    project, engine = open_graph(root, store, graph_file, as_of=as_of, published_by=published_by)
    return project, engine, RecordGraph(engine.rdflib_graph())


def _selection(rg, classes, body, document, status):
    from policygraph.views.viz_model import ATTAINMENT_STYLE, Selection, resolve_record
    known = sorted(set(rg.classes.values()))
    for c in classes or []:
        if c not in known:
            raise PolicygraphError.single(f"unknown class {c!r}; the graph has {', '.join(known)}", EXIT_INPUT,
                                          field="--class")
    if status is not None and status not in ATTAINMENT_STYLE:
        raise PolicygraphError.single(f"unknown status {status!r}; use one of {', '.join(ATTAINMENT_STYLE)}",
                                      EXIT_INPUT, field="--status")
    return Selection(
        classes=frozenset(classes or ()),
        body=resolve_record(rg, "Body", body, "--body") if body else None,
        document=resolve_record(rg, "PolicyDocument", document, "--document") if document else None,
        status=status)


def _write(project, view, out: Path | None, suffix: str = "") -> None:
    from policygraph.views.viz import default_output, render_page, write_page
    path = out or default_output(project, view.kind, suffix)
    write_page(path, render_page(view, project))
    typer.echo(f"wrote {path} ({view.record_count} nodes, {len(view.edges)} edges"
               + (f", {len(view.gaps)} gaps" if view.kind == "gaps" else "") + ")")


def _filtered_view(kind: str, doc: str):
    """`viz graph` and `viz gaps`: one option list and one body, two views of the same selection."""

    def command(
        out: OutOption = None,
        classes: ClassOption = None,
        body: BodyOption = None,
        document: DocumentOption = None,
        status: StatusOption = None,
        max_nodes: MaxNodesOption = DEFAULT_MAX_NODES,
        as_of: AsOfOption = None,
        published_by: PublishedByOption = None,
        store: StoreOption = None,
        graph_file: GraphOption = None,
        timeout: TimeoutOption = DEFAULT_TIMEOUT,
        root: RootOption = None,
    ):
        from policygraph.views import viz
        with time_limit(timeout, f"viz {kind}'s queries"):  # a project may add its own *-gap.rq
            project, engine, rg = _load(root, store, graph_file, as_of, published_by)
            selection = _selection(rg, classes, body, document, status)
            if kind == "gaps":
                from policygraph.query.gaps import gap_report
                from policygraph.query.sparql import QueryLibrary
                rows = gap_report(engine, QueryLibrary(project.query_dirs)).rows
                view = viz.gaps_view(rg, rows, selection, max_nodes)
            else:
                view = viz.graph_view(rg, selection, max_nodes)
        _write(project, view, out)

    command.__doc__ = doc
    command.__name__ = f"viz_{kind}"
    return command


viz_app.command("graph")(_filtered_view("graph", """The whole graph (or a filtered part): colour and shape by class, Japanese labels, English on hover.

    The page filters by class, responsible body, source document and KPI status, and searches
    labels and ids. Refuses (exit 2) when more than --max-nodes records remain.

    Example: policygraph viz graph --class KPI --class Observation -o kpis.html
    """))


@viz_app.command("trace")
def viz_trace(
    target: Annotated[str, typer.Argument(help="Directive or document: id, label, alias, or a label substring.")],
    out: OutOption = None,
    as_of: AsOfOption = None,
    published_by: PublishedByOption = None,
    store: StoreOption = None,
    graph_file: GraphOption = None,
    root: RootOption = None,
):
    """One directive or document down to its observations, top-down, KPIs coloured by attainment.

    Example: policygraph viz trace 未来投資戦略2017 -o trace.html
    """
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.trace import trace
    from policygraph.views.viz import trace_view
    project, engine, rg = _load(root, store, graph_file, as_of, published_by)
    result = trace(engine, QueryLibrary(project.query_dirs), target)
    _write(project, trace_view(rg, result), out, result["root"]["id"])


viz_app.command("gaps")(_filtered_view("gaps", """The graph with the gap report's rows marked and each broken chain drawn as a dashed red link.

    Example: policygraph viz gaps -o gaps.html
    """))


def export_command(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="graphml: the record graph for Gephi or "
                                              "Cytoscape; csv: the KPI table for a spreadsheet; xlsx: one workbook with the KPI "
                                              "status board, the gap report, the evidence and the trace roots.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: "
                   "build/policygraph.graphml, build/kpis.csv or build/policygraph.xlsx).", parser=file_path,
                   metavar="FILE")] = None,
    as_of: AsOfOption = None,
    published_by: PublishedByOption = None,
    store: StoreOption = None,
    graph_file: GraphOption = None,
    root: RootOption = None,
):
    """Export the graph as GraphML, the KPI table as CSV (UTF-8 with BOM, one row per KPI value), or an
    Excel workbook (KPI status board, gap report, evidence, trace roots; a sheet each).

    Example: policygraph export --format xlsx -o audit.xlsx
    """
    from policygraph.query.sparql import QueryLibrary
    from policygraph.views.export import DEFAULT_FILES, export
    project, engine, rg = _load(root, store, graph_file, as_of, published_by)
    path = export(rg, fmt.value, out or project.build_dir / DEFAULT_FILES[fmt.value], engine,
                  QueryLibrary(project.query_dirs))
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(viz_app, name="viz")
    app.command("export")(export_command)
