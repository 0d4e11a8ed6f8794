"""What the web pages read, as functions a query worker runs: each takes the worker's engine first
and returns plain, picklable data (the web app renders it). They reuse the query stage — the named
query runner, the trace, the gap report — and the views' record model, never a second copy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from policygraph.graph.namespaces import PREFIXES
from policygraph.graph.terms import plain

_RECORD = str(PREFIXES["pgr"])


@dataclass
class Table:
    """Rows of plain values (record IRIs as ids) with their columns; `linked[i]` names the columns of
    row i that hold a record id (the page links them to /id/…); `types` the date columns, which the
    .xlsx download writes as Excel dates (`views.tables.column_types`)."""

    columns: list[str]
    rows: list[dict]
    linked: list[set[str]] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    #: Warnings shown above the table (a parameter naming no node: the rows are empty for that reason).
    notes: list[str] = field(default_factory=list)


def table_of(rows, columns: list[str] | None = None) -> Table:
    """A `Rows` result (dicts of RDF terms) as a Table."""
    from policygraph.views.tables import column_types
    columns = list(columns if columns is not None else rows.columns)
    linked = [{c for c in columns if isinstance(r.get(c), URIRef) and str(r[c]).startswith(_RECORD)} for r in rows]
    return Table(columns, [{c: plain(r.get(c)) for c in columns} for r in rows], linked, column_types(rows, columns))


def named_rows(engine, folders: list[Path], name: str, params: dict[str, str]) -> Table:
    """The rows of a named query with its parameters bound, as `policygraph query NAME --param …`
    prints them: values are bound (`parse_param`), never pasted into the query text."""
    from policygraph.query.names import unmatched_parameters
    from policygraph.query.sparql import QueryLibrary, parse_param
    query = QueryLibrary(folders).get(name)
    bound = {k: parse_param(v) for k, v in params.items()}
    table = table_of(engine.run(query, **bound))
    table.notes = list(unmatched_parameters(engine, bound).values())
    return table


# ------------------------------------------------------------------ the record model, once per worker
_record_graph = None


def record_graph(engine):
    """The views' record model (`RecordGraph`) over the worker's store, made on first use and kept:
    node pages, the trace view and search read it as `policygraph viz` does."""
    global _record_graph
    if _record_graph is None:
        from policygraph.views.viz_model import RecordGraph
        _record_graph = RecordGraph(engine.rdflib_graph())
    return _record_graph


def node(engine, rid: str) -> dict | None:
    """What a node page shows (the viz side panel's details, plus each KPI statement's quotes and the
    chart's geometry), or None when no record has that id."""
    rg = record_graph(engine)
    if rid not in rg.iris:
        return None
    details = rg.details(rid, incoming_limit=500)
    if details["cls"] == "KPI":
        for item in details["series"]:
            item["evidence"] = rg.evidence(rg.iris[item["id"]]) if item["id"] in rg.iris else []
        details["chart"] = kpi_chart(details["series"])
    return details


def search(engine, text: str, limit: int = 100) -> list[dict]:
    """Records whose id, Japanese or English label holds `text` (NFKC, case-insensitive), exact ids first."""
    import unicodedata
    rg = record_graph(engine)
    needle = unicodedata.normalize("NFKC", text).casefold().strip()
    if not needle:
        return []
    found = []
    for rid, iri in rg.iris.items():
        ja, en = rg.labels(iri)
        hay = unicodedata.normalize("NFKC", f"{rid}\n{ja}\n{en}").casefold()
        if needle in hay:
            found.append((rid != needle, len(ja), rid, ja, en, rg.classes[rid]))
    found.sort()
    return [{"id": rid, "label": ja, "label_en": en, "cls": cls} for _, _, rid, ja, en, cls in found[:limit]]


def trace_page(engine, project, target: str) -> str:
    """The interactive trace view of a directive or document: `policygraph viz trace`'s page."""
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.trace import trace
    from policygraph.views.viz import render_page, trace_view
    result = trace(engine, QueryLibrary(project.query_dirs), target)
    return render_page(trace_view(record_graph(engine), result), project, site=True)


def trace_table(engine, project, target: str) -> Table:
    """The trace as rows (one per directive × reform item × KPI), for the CSV and xlsx downloads."""
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.trace import trace
    result = trace(engine, QueryLibrary(project.query_dirs), target)
    columns = ["directive", "directive_label", "item", "item_label", "kpi", "kpi_label", "attainment", "quote"]
    rows = []
    for d in result["directives"]:
        quote = d["evidence"][0]["quote"] if d["evidence"] else ""
        for item in d["reform_items"] or [{}]:
            for kpi in item.get("kpis") or [{}]:
                rows.append({"directive": d["id"], "directive_label": d["label"], "item": item.get("id"),
                             "item_label": item.get("label"), "kpi": kpi.get("id"), "kpi_label": kpi.get("label"),
                             "attainment": (kpi.get("attainment") or {}).get("status"), "quote": quote})
    linked = [{c for c in ("directive", "item", "kpi") if r[c]} for r in rows]
    return Table(columns, rows, linked)


def kpi_board(engine, folders: list[Path]) -> tuple[Table, dict[str, str]]:
    """The KPI status board: kpi-status's rows, and a sparkline (SVG points) of each KPI's observations."""
    board = named_rows(engine, folders, "kpi-status", {})
    rg = record_graph(engine)
    lines = {}
    for row in board.rows:
        rid = row.get("kpi")
        if rid in rg.iris:
            values = [s["value"] for s in rg.kpi_series(rid) if s["kind"] == "observation" and s["value"] is not None]
            lines[rid] = sparkline(values)
    return board, lines


def gap_table(engine, folders: list[Path]) -> tuple[Table, list[dict]]:
    """The gap report as one table (a row per gap, its node linked) and the count per kind."""
    from policygraph.graph.namespaces import record_id
    from policygraph.query.gaps import gap_report
    from policygraph.query.sparql import QueryLibrary
    report = gap_report(engine, QueryLibrary(folders))
    columns = ["kind", "title", "node", "label", "document", "quote", "locator", "file", "line"]
    rows = []
    for r in report.rows:
        row = {c: v for c, v in r.as_dict().items() if c in columns}
        row["node"] = record_id(r.node) if r.node.startswith(_RECORD) else r.node
        rows.append(row)
    by_kind = report.by_kind()
    kinds = [{"name": q.name, "title": q.title, "count": len(by_kind[q.name])} for q in report.kinds]
    return Table(columns, rows, [{"node"} if r.node.startswith(_RECORD) else set() for r in report.rows]), kinds


def overview(engine, folders: list[Path]) -> dict:
    """The overview's numbers: records per class, gaps per kind, KPI attainment by status, body and document."""
    from policygraph.pipeline import count_classes
    board = named_rows(engine, folders, "kpi-status", {})
    _, kinds = gap_table(engine, folders)
    rg = record_graph(engine)
    by_status: dict[str, int] = {}
    by_body: dict[str, dict[str, int]] = {}
    by_document: dict[str, dict[str, int]] = {}
    for row in board.rows:
        rid = row.get("kpi")
        if rid not in rg.iris:
            continue
        status = rg.attainment(rid)
        by_status[status] = by_status.get(status, 0) + 1
        facets = rg.facets(rid)
        for body in facets.bodies or ["—"]:
            label = rg.labels(rg.iris[body])[0] if body in rg.iris else body
            by_body.setdefault(label, {}).setdefault(status, 0)
            by_body[label][status] += 1
        for doc in facets.documents or ["—"]:
            label = rg.labels(rg.iris[doc])[0] if doc in rg.iris else doc
            by_document.setdefault(label, {}).setdefault(status, 0)
            by_document[label][status] += 1
    return {"classes": count_classes(engine.store), "gaps": kinds, "by_status": by_status,
            "by_body": dict(sorted(by_body.items(), key=lambda kv: -sum(kv[1].values()))),
            "by_document": dict(sorted(by_document.items(), key=lambda kv: -sum(kv[1].values()))),
            "kpis": len(board.rows)}


def node_graph(engine, rid: str, accept: str, forced: str | None) -> object:
    """The node's triples (DESCRIBE) in the negotiated RDF format; `rid` is a checked record id."""
    from policygraph.query.sparql import RECORD_ID
    from policygraph.serve.protocol import execute
    if not RECORD_ID.match(rid):
        raise ValueError("not a record id")
    return execute(engine, f"DESCRIBE <{_RECORD}{rid}>", accept, forced)


# ------------------------------------------------------------------ chart geometry (drawn as SVG by the templates)
def sparkline(values: list[float], width: int = 90, height: int = 22) -> str:
    """SVG polyline points of a series, scaled into width × height ("" for fewer than two values)."""
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1
    step = width / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}" for i, v in enumerate(values))


def kpi_chart(series: list[dict], width: int = 560, height: int = 240) -> dict | None:
    """Points of a KPI's chart: observations (preliminary hollow, final filled), projections (dashed),
    baselines and targets (diamonds and dashed lines), on a time × value plane; None without numbers."""
    import datetime as dt
    dated = [s for s in series if s.get("value") is not None and s.get("date")]
    if not dated:
        return None
    left, right, top, bottom = 60, 20, 16, 34
    times = [dt.date.fromisoformat(s["date"][:10]).toordinal() for s in dated]
    values = [float(s["value"]) for s in dated]
    t0, t1 = min(times), max(times)
    v0, v1 = min(0.0, min(values)), max(values)
    t_span, v_span = (t1 - t0) or 365, (v1 - v0) or 1
    v1 += v_span * 0.08

    def x(t):
        return left + (t - t0) / t_span * (width - left - right) if t1 != t0 else (left + width - right) / 2

    def y(v):
        return top + (v1 - v) / ((v1 - v0) or 1) * (height - top - bottom)

    points = []
    for s, t, v in zip(dated, times, values):
        points.append({"x": round(x(t), 1), "y": round(y(v), 1), "kind": s["kind"], "status": s.get("status"),
                       "derived": s.get("derived", False), "value": s["value"], "unit": s.get("unit") or "",
                       "date": s["date"], "id": s["id"]})
    observed = sorted((p for p in points if p["kind"] in ("observation", "baseline")), key=lambda p: p["x"])
    projected = sorted((p for p in points if p["kind"] in ("observation", "projection")), key=lambda p: p["x"])
    ticks = [{"y": round(y(v0 + (v1 - v0) * i / 4), 1), "label": f"{v0 + (v1 - v0) * i / 4:,.4g}"} for i in range(5)]
    years = sorted({dt.date.fromordinal(t).year for t in times})
    return {"width": width, "height": height, "left": left, "bottom": height - bottom, "right": width - right,
            "points": points, "line": " ".join(f"{p['x']},{p['y']}" for p in observed),
            "projection": " ".join(f"{p['x']},{p['y']}" for p in projected) if any(
                p["kind"] == "projection" for p in points) else "",
            "targets": [p for p in points if p["kind"] == "target"], "ticks": ticks,
            "years": [{"x": round(x(dt.date(yr, 1, 1).toordinal()), 1), "label": str(yr)} for yr in years
                      if t0 <= dt.date(yr, 1, 1).toordinal() <= t1] or [{"x": round(x(t0), 1),
                                                                          "label": str(years[0])}]}


def diff_tables(engine, folders: list[Path], a: str, b: str) -> tuple[dict, list[dict]]:
    """`policygraph diff A B` as page data: the two documents and one table per section
    ({"name", "ja", "en", "table"}), KPI and subject columns linked to their pages."""
    from policygraph.query.diff import SECTIONS, diff
    from policygraph.query.sparql import QueryLibrary
    result = diff(engine, QueryLibrary(folders), a, b)
    sections = []
    for name, (ja, en) in SECTIONS.items():
        rows = [{k: (" / ".join(map(str, v)) if isinstance(v, list) else v) for k, v in r.items()}
                for r in result[name]]
        columns = list(rows[0]) if rows else []
        ids = {"kpi", "subject", "replaced_by"} & set(columns)
        sections.append({"name": name, "ja": ja, "en": en, "table": Table(columns, rows, [ids for _ in rows])})
    return {"a": result["a"], "b": result["b"]}, sections


def documents(engine, folders: list[Path]) -> list[dict]:
    """Every policy document (id and label), for the diff form."""
    from policygraph.graph.namespaces import record_id
    from policygraph.query.sparql import QueryLibrary
    found: dict[str, str] = {}
    for r in engine.run(QueryLibrary(folders).get("trace-roots")):
        if str(r["class"]).endswith("PolicyDocument") and (r["label"].language == "ja" or record_id(r["node"])
                                                           not in found):
            found[record_id(r["node"])] = str(r["label"])
    return [{"id": k, "label": v} for k, v in sorted(found.items())]
