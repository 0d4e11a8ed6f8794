"""View commands: viz graph|trace|gaps (offline HTML pages), export (GraphML, CSV)."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from policygraph.cli.options import GraphOption, RootOption, open_project
from policygraph.errors import EXIT_INPUT, PolicygraphError

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
    "--out", "-o", help="HTML file to write (default: build/viz-<view>.html).", dir_okay=False)]
ClassOption = Annotated[list[str] | None, typer.Option(
    "--class", help="Keep only records of this class (repeatable), e.g. KPI, Directive, Observation.")]
BodyOption = Annotated[str | None, typer.Option(
    "--body", help="Keep only records a body (or one of its sub-units) is responsible for: id or label.")]
DocumentOption = Annotated[str | None, typer.Option(
    "--document", help="Keep only records stated in a policy document: id, label or alias.")]
StatusOption = Annotated[str | None, typer.Option(
    "--status", help="Keep only KPIs (and their values) with this attainment: achieved, on_track, off_track, "
                     "not_yet_due, no_target, no_data, unknown.")]


def _max_nodes_option():
    from policygraph.views.viz import DEFAULT_MAX_NODES
    return Annotated[int, typer.Option(
        "--max-nodes", min=1, help=f"Refuse (exit 2) to draw more nodes than this (default {DEFAULT_MAX_NODES}); "
                                   "a bigger page becomes too slow to use.")]


MaxNodesOption = _max_nodes_option()


class ExportFormat(str, Enum):
    graphml = "graphml"
    csv = "csv"


def _load(root: Path | None, graph_file: Path | None):
    from policygraph.pipeline import load_graph
    from policygraph.views.viz_model import RecordGraph
    project = open_project(root)
    graph, _where = load_graph(project, graph_file)
    return project, graph, RecordGraph(graph)


def _selection(rg, classes, body, document, status):
    from policygraph.views.viz_model import ATTAINMENT, Selection, resolve_record
    known = sorted(set(rg.classes.values()))
    for c in classes or []:
        if c not in known:
            raise PolicygraphError.single(f"unknown class {c!r}; the graph has {', '.join(known)}", EXIT_INPUT,
                                          field="--class")
    if status is not None and status not in ATTAINMENT:
        raise PolicygraphError.single(f"unknown status {status!r}; use one of {', '.join(ATTAINMENT)}",
                                      EXIT_INPUT, field="--status")
    return Selection(
        classes=frozenset(classes or ()),
        body=resolve_record(rg, "Body", body, "--body") if body else None,
        document=resolve_record(rg, "PolicyDocument", document, "--document") if document else None,
        status=status)


def _write(project, view, out: Path | None, suffix: str = "") -> None:
    from policygraph.views.viz import default_output, render, write_page
    path = out or default_output(project, view.kind, suffix)
    write_page(path, render(view, project))
    typer.echo(f"wrote {path} ({view.record_count} nodes, {len(view.edges)} edges"
               + (f", {len(view.gaps)} gaps" if view.kind == "gaps" else "") + ")")


@viz_app.command("graph")
def viz_graph(
    out: OutOption = None,
    classes: ClassOption = None,
    body: BodyOption = None,
    document: DocumentOption = None,
    status: StatusOption = None,
    max_nodes: MaxNodesOption = 2000,
    graph_file: GraphOption = None,
    root: RootOption = None,
):
    """The whole graph (or a filtered part): colour and shape by class, Japanese labels, English on hover.

    The page filters by class, responsible body, source document and KPI status, and searches
    labels and ids. Refuses (exit 2) when more than --max-nodes records remain.

    Example: policygraph viz graph --class KPI --class Observation -o kpis.html
    """
    from policygraph.views.viz import graph_view
    project, _graph, rg = _load(root, graph_file)
    view = graph_view(rg, _selection(rg, classes, body, document, status), max_nodes)
    _write(project, view, out)


@viz_app.command("trace")
def viz_trace(
    target: Annotated[str, typer.Argument(help="Directive or document: id, label, alias, or a label substring.")],
    out: OutOption = None,
    graph_file: GraphOption = None,
    root: RootOption = None,
):
    """One directive or document down to its observations, top-down, KPIs coloured by attainment.

    Example: policygraph viz trace 未来投資戦略2017 -o trace.html
    """
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.trace import trace
    from policygraph.views.viz import trace_view
    project, graph, rg = _load(root, graph_file)
    result = trace(graph, QueryLibrary(project.query_dirs), target)
    _write(project, trace_view(rg, result), out, result["root"]["id"])


@viz_app.command("gaps")
def viz_gaps(
    out: OutOption = None,
    classes: ClassOption = None,
    body: BodyOption = None,
    document: DocumentOption = None,
    status: StatusOption = None,
    max_nodes: MaxNodesOption = 2000,
    graph_file: GraphOption = None,
    root: RootOption = None,
):
    """The graph with the gap report's rows marked and each broken chain drawn as a dashed red link.

    Example: policygraph viz gaps -o gaps.html
    """
    from policygraph.views.viz import gaps_view
    project, graph, rg = _load(root, graph_file)
    from policygraph.query.gaps import gap_report
    from policygraph.query.sparql import QueryLibrary
    rows = gap_report(graph, QueryLibrary(project.query_dirs)).rows
    view = gaps_view(rg, rows, _selection(rg, classes, body, document, status), max_nodes)
    _write(project, view, out)


def export_command(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="graphml: the record graph for Gephi or "
                                              "Cytoscape; csv: the KPI table for a spreadsheet.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: "
                   "build/policygraph.graphml or build/kpis.csv).", dir_okay=False)] = None,
    graph_file: GraphOption = None,
    root: RootOption = None,
):
    """Export the graph as GraphML or the KPI table as CSV (UTF-8 with BOM, one row per KPI value).

    Example: policygraph export --format csv -o kpis.csv
    """
    from policygraph.views.export import FORMATS, export
    project, _graph, rg = _load(root, graph_file)
    path = export(rg, fmt.value, out or project.build_dir / FORMATS[fmt.value])
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(viz_app, name="viz")
    app.command("export")(export_command)
