"""View commands: viz graph|trace|gaps (offline HTML pages), export (GraphML, CSV)."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from policygraph.cli.options import (
    DEFAULT_TIMEOUT,
    EXPORT_TIMEOUT,
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


FocusOption = Annotated[str | None, typer.Option(
    "--focus", help="Write the explorer (coverage map and the records within --depth links of this record id) "
                    "instead of the whole graph; also what a graph over --max-nodes gets, focused on its "
                    "largest document.")]
DepthOption = Annotated[int, typer.Option("--depth", min=0, max=6, help="Links out from --focus to embed.")]

MaxNodesOption = Annotated[int, typer.Option(
    "--max-nodes", min=1, help=f"Refuse (exit 2) to draw more nodes than this (default {DEFAULT_MAX_NODES}); "
                               "a bigger page becomes too slow to use.")]


class ExportFormat(str, Enum):
    graphml = "graphml"
    csv = "csv"
    xlsx = "xlsx"


class SheetLanguage(str, Enum):
    """--lang of `export --format xlsx`: the language of the sheet names."""
    ja = "ja"
    en = "en"


def _load(root: Path | None, store: str | None, graph_file: Path | None, as_of: str | None = None,
          published_by: str | None = None):
    """(project, engine, query library): the one graph-loading path; the views read the store through
    named queries (`views.records`), never a model of the whole graph."""
    from policygraph.query.sparql import QueryLibrary
    project, engine = open_graph(root, store, graph_file, as_of=as_of, published_by=published_by)
    return project, engine, QueryLibrary(project.query_dirs)


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


def _write_explorer(project, engine, library, focus: str, depth: int, max_nodes: int, out: Path | None,
                    limit: int = 25, layout: str = "force") -> None:
    """`viz explore` and `viz graph --focus`: the explorer file of `focus`'s neighbourhood."""
    from policygraph.query.sparql import RECORD_ID
    from policygraph.views.explore import UnknownRecords, explorer_file
    from policygraph.views.viz import default_output, write_page
    if layout not in ("force", "chain"):
        raise PolicygraphError.single(f"unknown layout {layout!r}; use force or chain", EXIT_INPUT, field="--layout")
    if not RECORD_ID.match(focus):
        raise PolicygraphError.single(f"not a record id: {focus!r}", EXIT_INPUT, field="--focus")
    try:
        html, data = explorer_file(engine, library, project, focus, depth, limit, max_nodes, layout)
    except UnknownRecords as exc:
        raise PolicygraphError.single(f"no record {', '.join(map(repr, exc.ids))}", EXIT_INPUT,
                                      field="--focus") from None
    path = out or default_output(project, "explore", focus)
    write_page(path, html)
    typer.echo(f"wrote {path} ({len(data['nodes'])} records within {depth} links of {focus}, and the coverage map)")


def _filtered_view(kind: str, doc: str):
    """`viz graph` and `viz gaps`: one option list and one body, two views of the same selection."""

    def command(
        out: OutOption = None,
        classes: ClassOption = None,
        body: BodyOption = None,
        document: DocumentOption = None,
        status: StatusOption = None,
        max_nodes: MaxNodesOption = DEFAULT_MAX_NODES,
        focus: FocusOption = None,
        depth: DepthOption = 2,
        as_of: AsOfOption = None,
        published_by: PublishedByOption = None,
        store: StoreOption = None,
        graph_file: GraphOption = None,
        timeout: TimeoutOption = DEFAULT_TIMEOUT,
        root: RootOption = None,
    ):
        from policygraph.views import records, viz
        with time_limit(timeout, f"viz {kind}'s queries"):  # a project may add its own *-gap.rq
            project, engine, library = _load(root, store, graph_file, as_of, published_by)
            if kind == "gaps" and focus:
                raise PolicygraphError.single("--focus is for viz graph (or viz explore)", EXIT_INPUT, field="--focus")
            if kind == "graph" and focus:
                _write_explorer(project, engine, library, focus, depth, max_nodes, out)
                return
            # Every record's class and facets to select from; the selected ones read in full.
            rg = records.index(engine, library, facets=bool(body or document or status))
            selection = _selection(rg, classes, body, document, status)
            load = lambda ids: records.load(engine, library, ids)  # noqa: E731
            if kind == "graph" and len(rg.select(selection)) > max_nodes:
                # Too many records for one drawing: the coverage map and the neighbourhood of the
                # document with most directives, in the explorer, instead of a refusal.
                from policygraph.views.explore import coverage_map
                docs = [n["id"] for n in coverage_map(engine, library)["nodes"]
                        if n["column"] == 0 and n["id"] != "other-documents"]
                if docs:
                    typer.echo(f"{len(rg.select(selection)):,} records are more than --max-nodes {max_nodes:,}: "
                               f"writing the coverage map and the records within {depth} links of {docs[0]} "
                               "instead (choose with --focus ID --depth N)", err=True)
                    _write_explorer(project, engine, library, docs[0], depth, max_nodes, out)
                    return
            if kind == "gaps":
                from policygraph.query.gaps import gap_report
                rows = gap_report(engine, library).rows
                view = viz.gaps_view(rg, rows, selection, max_nodes, load)
            else:
                view = viz.graph_view(rg, selection, max_nodes, load)
        _write(project, view, out)

    command.__doc__ = doc
    command.__name__ = f"viz_{kind}"
    return command


viz_app.command("graph")(_filtered_view("graph", """The whole graph (or a filtered part): colour and shape by class, Japanese labels, English on hover.

    The page filters by class, responsible body, source document and KPI status, and searches
    labels and ids. When more than --max-nodes records remain (a large project), or with --focus ID,
    it writes the explorer instead: the coverage map and the records within --depth links of the
    focus (by default the document with most directives), as `viz explore`.

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
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    root: RootOption = None,
):
    """The explorer as one offline file, opened on the chain of one directive or document: root →
    directives → reform items → steps / KPIs → values, left to right, KPIs marked by attainment.

    Each record's facts, quotes and links are embedded (click to expand, as in `viz explore`), with
    the coverage map. It reads the store with the same bounded queries as the web app.

    Example: policygraph viz trace 未来投資戦略2017 -o trace.html
    """
    from policygraph.query.trace import trace
    from policygraph.views.explore import trace_file
    from policygraph.views.viz import default_output, write_page
    with time_limit(timeout, "viz trace's queries"):  # a project may replace trace's queries
        project, engine, library = _load(root, store, graph_file, as_of, published_by)
        result = trace(engine, library, target)
        html, data = trace_file(engine, library, project, result)
    path = out or default_output(project, "trace", result["root"]["id"])
    write_page(path, html)
    typer.echo(f"wrote {path} ({len(data['chain']['nodes'])} nodes, {len(data['chain']['links'])} links in the "
               f"chain of {result['root']['id']}, and the coverage map)")


@viz_app.command("explore")
def viz_explore(
    focus: Annotated[str, typer.Argument(help="Record id to start from, e.g. kpi-cloud-municipalities.")],
    depth: Annotated[int, typer.Option("--depth", min=0, max=6, help="Links out from the focus to embed.")] = 2,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="Records per link group (the rest as "
                                       "'+N more').")] = 25,
    layout: Annotated[str, typer.Option("--layout", help="force or chain (document → … → values, left to right).")]
    = "force",
    max_nodes: MaxNodesOption = DEFAULT_MAX_NODES,
    out: OutOption = None,
    as_of: AsOfOption = None,
    published_by: PublishedByOption = None,
    store: StoreOption = None,
    graph_file: GraphOption = None,
    root: RootOption = None,
):
    """The graph explorer as one offline file: the coverage map, and the records within --depth links
    of FOCUS with their facts and quotes (the same explorer as `policygraph serve`'s /explore: expand,
    collapse, hide, pin, path, filters, two layouts, state in the URL, PNG/SVG/CSV/GraphML/JSON export).

    It reads the store with the same bounded queries as the web app, whatever the size of the graph.

    Example: policygraph viz explore kpi-cloud-municipalities --depth 2 -o cloud.html
    """
    project, engine, library = _load(root, store, graph_file, as_of, published_by)
    _write_explorer(project, engine, library, focus, depth, max_nodes, out, limit, layout)


viz_app.command("gaps")(_filtered_view("gaps", """The graph with the gap report's rows marked and each broken chain drawn as a dashed red link.

    Example: policygraph viz gaps -o gaps.html
    """))


def export_command(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="graphml: the record graph for Gephi or "
                                              "Cytoscape; csv: the KPI table for a spreadsheet; xlsx: one workbook with the KPI "
                                              "status board, the gap report, the KPI values with their quotes, the "
                                              "trace, the evidence and the trace roots.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: "
                   "build/policygraph.graphml, build/kpis.csv or build/policygraph.xlsx).", parser=file_path,
                   metavar="FILE")] = None,
    lang: Annotated[SheetLanguage, typer.Option("--lang", help="xlsx: name the sheets and the contents sheet "
                                                "in Japanese (ja, default) or English (en).")] = SheetLanguage.ja,
    as_of: AsOfOption = None,
    published_by: PublishedByOption = None,
    store: StoreOption = None,
    graph_file: GraphOption = None,
    timeout: TimeoutOption = EXPORT_TIMEOUT,
    root: RootOption = None,
):
    """Export the graph as GraphML, the KPI table as CSV (UTF-8 with BOM, one row per KPI value), or an
    Excel workbook (a contents sheet, then KPI status board, gap report, KPI values with quotes, trace,
    evidence, trace roots; typed dates and numbers, quotes verbatim, record ids as in the web app).

    An export reads every row, so its --timeout defaults to 600 s (the other commands': 60 s); at a
    million triples the workbook takes about a minute.

    Example: policygraph export --format xlsx -o audit.xlsx
    """
    from policygraph.output import write_atomically
    from policygraph.views.export import DEFAULT_FILES, export_bytes
    with time_limit(timeout, f"export {fmt.value}'s queries"):  # a project may replace kpi-status.rq, add *-gap.rq
        project, engine, library = _load(root, store, graph_file, as_of, published_by)
        payload = export_bytes(fmt.value, engine, library, lang=lang.value)
    path = out or project.build_dir / DEFAULT_FILES[fmt.value]
    write_atomically({path: payload})
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(viz_app, name="viz")
    app.command("export")(export_command)
