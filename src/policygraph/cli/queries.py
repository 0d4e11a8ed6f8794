"""Query commands: query, queries, gaps."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from policygraph.cli.options import (
    DEFAULT_TIMEOUT,
    AsOfOption,
    PublishedByOption,
    EngineName,
    EngineOption,
    FormatOption,
    GraphOption,
    OutputFormat,
    RootOption,
    StoreOption,
    TimeoutOption,
    console,
    open_graph,
    open_project,
    time_limit,
)
from policygraph.controls import printable
from policygraph.errors import EXIT_INPUT, EXIT_VIOLATIONS, PolicygraphError


def _resolve_query(project, name_or_file: str):
    from policygraph.query.sparql import NamedQuery, QueryLibrary
    path = Path(name_or_file)
    if name_or_file.endswith(".rq") or "/" in name_or_file:
        if not path.is_file():
            from policygraph.query.names import did_you_mean
            hint = did_you_mean(path.stem, QueryLibrary(project.query_dirs).names()).replace(
                "did you mean ", "did you mean the named query ")
            raise PolicygraphError.single(f"query file not found{hint}", EXIT_INPUT, file=path)
        query = NamedQuery.read(path)
    else:
        query = QueryLibrary(project.query_dirs).get(name_or_file)
    from policygraph.store.safety import check, passed_before
    if not passed_before(query.text, query.path):  # a kept verdict: parsed before, and it passed
        query.prepared()  # syntax errors (with line and column) before any graph is loaded
        check(query.text, query.path)  # refused before the graph is loaded; a passed text's verdict is kept
    return query


def _params(pairs: list[str], query=None) -> dict:
    """`--param NAME=VALUE` pairs as RDF terms, each read as the query's `# param:` line declares it
    (`NamedQuery.parse`)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise PolicygraphError.single("a parameter is NAME=VALUE", EXIT_INPUT, field="--param", value=pair)
        if key.strip() in out:
            raise PolicygraphError.single(f"parameter {key.strip()!r} is given twice; give it once", EXIT_INPUT,
                                          field="--param", value=pair)
        out[key.strip()] = value
    if query is None:
        from policygraph.query.sparql import parse_param
        return {k: parse_param(v, None, k) for k, v in out.items()}
    return query.parse(out)


def _cell(value) -> object:
    from policygraph.graph.terms import plain
    return plain(value)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    return str(value)


#: Rows a terminal table shows unless --limit says otherwise: a longer table is not read, and rich
#: takes seconds to lay out tens of thousands of rows (use --format csv/tsv/json for all of them).
TABLE_ROWS = 200

LimitOption = Annotated[int | None, typer.Option(
    "--limit", min=0, help=f"Print at most N rows, in any format (0: all). A table prints the first {TABLE_ROWS} "
                           "unless --limit is given; csv, tsv and json print every row.")]


def _shown(rows: list, fmt: OutputFormat, limit: int | None) -> list:
    """The rows to print: all, the first `limit`, or (a table without --limit) the first TABLE_ROWS."""
    if limit is None:
        limit = TABLE_ROWS if fmt is OutputFormat.table else 0
    return rows[:limit] if limit else rows


def _more(shown: int, total: int) -> None:
    if shown < total:
        console(stderr=True).print(f"(showing {shown:,} of {total:,} rows: --format csv, tsv or json prints them all, "
                                   "--limit N the first N, --limit 0 all)", style="dim")


#: Terminal columns a table column needs at least; a result with more columns than fit is printed as one
#: block of "column  value" lines per row instead (kpi-status has 33: as a table each cell folded into a
#: few characters, and rendering its first 200 rows took 24 s at 100k triples).
MIN_CELL = 12


def _records(columns: list[str], rows: list[dict], title: str) -> None:
    """Rows as blocks of "column  value" lines (empty values left out), each block headed by its number."""
    name_width = max(map(len, columns))
    lines = [printable(title)] if title else []
    for number, r in enumerate(rows, 1):
        lines.append(f"── {number} " + "─" * 40)
        lines += [f"{c:<{name_width}}  {printable(text)}" for c in columns if (text := _text(r.get(c))) != ""]
    typer.echo("\n".join(lines))


def _emit(columns: list[str], rows: list[dict], fmt: OutputFormat, title: str = "", limit: int | None = None) -> None:
    """Rows of plain values (already converted) in the chosen format, on stdout: csv, tsv and json
    written a block of rows at a time (CSV, for spreadsheets, starts with a byte-order mark so Excel reads
    the Japanese as UTF-8; TSV is the plain form for machines); a table of at most TABLE_ROWS (or `limit`) rows,
    or as many blocks of "column  value" lines when its columns do not fit the terminal."""
    from policygraph.views.tables import delimited_blocks, json_blocks
    shown = _shown(rows, fmt, limit)
    if fmt is OutputFormat.json:
        for text in json_blocks(shown, indent=2):
            typer.echo(text, nl=False)
        typer.echo()
    elif fmt in (OutputFormat.csv, OutputFormat.tsv):
        comma = fmt is OutputFormat.csv
        for text in delimited_blocks(columns, shown, "," if comma else "\t", bom=comma):
            typer.echo(text, nl=False)
    elif len(columns) * MIN_CELL > console().width:
        _records(columns, shown, title)
        _more(len(shown), len(rows))
    else:
        table = Table(title=Text(title) if title else None, show_lines=False, title_justify="left")
        for c in columns:
            table.add_column(c, overflow="fold")
        for r in shown:
            table.add_row(*(Text(printable(_text(r.get(c)))) for c in columns))
        console().print(table)
        _more(len(shown), len(rows))


def query(
    name: Annotated[str, typer.Argument(help="A query name from `policygraph queries`, or a path to a .rq file.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE, repeatable. A record "
                     "id or http(s) IRI is bound as an IRI, YYYY-MM-DD as a date, anything else as text; values "
                     "are bound, never pasted into the query.")] = None,
    fmt: FormatOption = OutputFormat.table,
    limit: LimitOption = None,
    engine: EngineOption = EngineName.oxigraph,
    as_of: AsOfOption = None,
    published_by: PublishedByOption = None,
    store: StoreOption = None,
    graph_file: GraphOption = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    root: RootOption = None,
):
    """Run a named query (or a SPARQL file) over the graph and print its rows.

    Parameters declared in the query's `# param:` header are bound with --param; a broken query
    reports the parser's line and column (exit 2).

    Example: policygraph query kpi-history --param kpi=kpi-cloud-municipalities --format csv
    """
    from policygraph.query.names import unmatched_parameters
    from policygraph.query.sparql import bindings
    from policygraph.query.sparql import QueryLibrary
    q = _resolve_query(open_project(root), name)
    params = _params(param or [], q)
    bindings(q, params)  # unknown parameter names fail before the graph is loaded
    project, graph = open_graph(root, store, graph_file, engine, as_of, published_by)
    with time_limit(timeout, f"query {q.name}"):
        if params or not q.name or q.path.parent not in QueryLibrary(project.query_dirs).folders:
            rows = graph.run(q, **params)
            columns, plain = rows.columns, [{c: _cell(r.get(c)) for c in rows.columns} for r in rows]
        else:  # a named query without parameters: kept with the store once computed (`query.reports`)
            from policygraph.query.reports import plain_result
            result = plain_result(graph, q)
            columns, plain = result.columns, result.rows
        unmatched = unmatched_parameters(graph, params)
    _emit(columns, plain, fmt, title=f"{q.title or q.name} ({len(plain)} rows)", limit=limit)
    for note in unmatched.values():  # a mistyped id is not an empty answer: say so (the exit stays 0)
        typer.echo(f"policygraph: note: {note}", err=True)
    if fmt is OutputFormat.table:
        console(stderr=True).print(f"(graph: {graph.where}; engine: {graph.name})", style="dim")


def queries(
    root: RootOption = None,
    fmt: FormatOption = OutputFormat.table,
):
    """List the named queries in queries/ with their titles and parameters.

    Gap queries (names ending in -gap) are the ones `policygraph gaps` runs.

    Example: policygraph queries --format json
    """
    from policygraph.query.sparql import QueryLibrary
    library = QueryLibrary(open_project(root).query_dirs)
    rows = []
    for n in library.names():
        q = library.get(n)
        rows.append({"name": n, "title": q.title, "params": ", ".join(q.params),
                     "gap": n.endswith("-gap"), "description": q.description})
    columns = ["name", "title", "params"] if fmt is OutputFormat.table else list(rows[0]) if rows else []
    _emit(columns, rows, fmt, title=f"{len(rows)} queries")


def gaps(
    fmt: FormatOption = OutputFormat.table,
    fail_on_gaps: Annotated[bool, typer.Option("--fail-on-gaps", help="Exit 1 when any gap is found (for CI of "
                                               "a data repository).")] = False,
    limit: LimitOption = None,
    engine: EngineOption = EngineName.oxigraph,
    as_of: AsOfOption = None,
    published_by: PublishedByOption = None,
    store: StoreOption = None,
    graph_file: GraphOption = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    root: RootOption = None,
):
    """Run every gap query (queries/*-gap.rq) and report the gaps grouped by kind, with quotes.

    Each row names the node (label and id), the document and the verbatim source quote that shows
    the gap, and the curator's acknowledgement of it, if any (record kind Acknowledgement: reason, by
    whom, until when). With --fail-on-gaps the exit code is 1 when any row is found that no unexpired
    acknowledgement covers (as of the attainment date, --as-of); an expired or dangling acknowledgement
    is itself a gap row (acknowledgement-expired-gap, acknowledgement-dangling-gap).

    Example: policygraph gaps --format json --fail-on-gaps
    """
    from policygraph.graph.namespaces import record_id
    from policygraph.query.gaps import gap_report
    from policygraph.query.sparql import QueryLibrary
    project, graph = open_graph(root, store, graph_file, engine, as_of, published_by)
    with time_limit(timeout, "the gap queries"):
        report = gap_report(graph, QueryLibrary(project.query_dirs))
    kinds, rows, when, by_kind = report.kinds, report.rows, report.as_of, report.by_kind()
    if fmt is OutputFormat.json:
        report_dict = report.as_dict()
        left = limit or len(rows)
        for kind in report_dict["gaps"]:  # `count` stays each kind's whole count
            kind["rows"] = kind["rows"][:left]
            left -= len(kind["rows"])
        typer.echo(json.dumps({**report_dict, "engine": graph.name}, ensure_ascii=False, indent=2))
    elif fmt in (OutputFormat.csv, OutputFormat.tsv):
        from policygraph.views.tables import delimited_blocks
        from policygraph.query.gaps import COLUMNS as columns
        plain = [{c: v for c, v in r.as_dict().items() if c in columns} for r in _shown(rows, fmt, limit)]
        for row in plain:
            row["node"] = record_id(row["node"])  # ids, as in the workbook and the web app's /gaps.csv
        comma = fmt is OutputFormat.csv
        for text in delimited_blocks(columns, plain, "," if comma else "\t", bom=comma):
            typer.echo(text, nl=False)
    else:
        left = len(_shown(rows, fmt, limit))  # rows the tables may still show, kind after kind
        out = console()
        out.print(Text.assemble(("Coverage gaps", "bold"), f": {len(rows)} rows in "
                                    f"{sum(1 for k in by_kind.values() if k)} of {len(kinds)} kinds (as of {when})"))
        for q in kinds:
            found = by_kind[q.name]
            out.print(Text.assemble("\n", (q.title, "bold"), " ", (f"({q.name})", "dim"),
                                        f": {len(found) or 'none'}"))
            if not found or not left:
                continue
            table = Table(show_header=True, show_lines=True)
            table.add_column("node", overflow="fold", max_width=40)
            table.add_column("文書 document", overflow="fold", max_width=30)
            table.add_column("引用 quote", overflow="fold")
            if any(r.ack_until for r in found):
                table.add_column("承認 acknowledged", overflow="fold", max_width=36)
            for r in found[:left]:
                node_id = r.node.rsplit("/", 1)[-1]
                where_text = f" [{r.file[:3]}:{r.line or '?'} {r.locator}]" if r.file else ""
                table.add_row(Text.assemble(printable(r.label), "\n", (printable(node_id), "dim")),
                              Text(printable(r.document)),
                              Text.assemble(printable(f"「{r.quote}」"), (printable(where_text), "dim"))
                              if r.quote else Text(""),
                              *([_acknowledgement(r)] if any(x.ack_until for x in found) else []))
            out.print(table)
            left -= min(left, len(found))
        _more(len(_shown(rows, fmt, limit)), len(rows))
        console(stderr=True).print(f"(graph: {graph.where}; engine: {graph.name})", style="dim")
    open_rows = report.open_rows()  # an unexpired acknowledgement keeps its gap out of --fail-on-gaps
    if fail_on_gaps and open_rows:
        counts: dict[str, int] = {}
        for r in open_rows:
            counts[r.kind] = counts.get(r.kind, 0) + 1
        found = ", ".join(f"{name} ({n})" for name, n in counts.items())
        acknowledged = len(rows) - len(open_rows)
        typer.echo(f"policygraph: --fail-on-gaps: {len(open_rows)} gaps found: {found}"
                   + (f" ({acknowledged} acknowledged, not counted)" if acknowledged else ""), err=True)
        raise typer.Exit(EXIT_VIOLATIONS)


def _acknowledgement(row) -> Text:
    """The acknowledgement cell of a gap table: until when, why, by whom (expired says so)."""
    if not row.ack_until:
        return Text("")
    state = f"承認 until {row.ack_until}" if row.acknowledged else f"期限切れ expired {row.ack_until}"
    return Text.assemble((printable(state), "bold" if row.acknowledged else "red"), "\n",
                         printable(row.ack_reason), "\n", (printable(f"— {row.ack_by}"), "dim"))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("query")(query)
    app.command("queries")(queries)
    app.command("gaps")(gaps)
