"""Exports for other tools: the record graph as GraphML (Gephi, Cytoscape, yEd), the KPI table as
CSV (spreadsheets), and an Excel workbook of the KPI status board, gap report, evidence and trace roots.

GraphML comes from the same networkx view the browser pages use (policygraph.viz_model); the CSV
has one row per KPI statement (baseline, target, observation, projection, assessment) with its
document and first quote.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from policygraph.views.viz_model import RecordGraph
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = export(RecordGraph(graph), "csv", Path(tmp) / "kpis.csv")
    ...     out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")[:2]  # with a BOM, for Excel
    ['kpi_id', 'kpi_label_ja']
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import networkx as nx
from rdflib.namespace import SKOS

from policygraph.controls import printable, spreadsheet_safe
from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.graph.namespaces import PG
from policygraph.output import write_atomically
from policygraph.views.viz_model import RecordGraph

DEFAULT_FILES = {"graphml": "policygraph.graphml", "csv": "kpis.csv", "xlsx": "policygraph.xlsx"}
#: The workbook's sheets: sheet name → the named query whose rows it holds (the gap report is built apart).
WORKBOOK_QUERIES = {"KPI status": "kpi-status", "Evidence": "evidence", "Trace roots": "trace-roots"}
GAP_COLUMNS = ["kind", "title", "node", "label", "document", "quote", "locator", "file", "line"]

KPI_COLUMNS = ["kpi_id", "kpi_label_ja", "kpi_label_en", "tier", "attainment", "responsible", "kind",
               "statement_id", "value", "unit", "value_text", "derived", "date", "date_text", "status",
               "projection_kind", "grade", "document_id", "document_label", "quote", "locator", "source_file"]


def graphml_bytes(rg: RecordGraph) -> bytes:
    """Every record and link as GraphML; node attributes: iri, cls, label_ja, label_en, bodies,
    documents, attainment (KPIs and their statements); edge attributes: predicate, label."""
    graph = rg.to_networkx()
    # XML 1.0 cannot hold most control characters, even escaped: write them as visible \xNN text.
    safe = nx.relabel_nodes(graph, {n: _xml_text(n) for n in graph if isinstance(n, str)}, copy=True)
    for _n, attrs in safe.nodes(data=True):
        attrs.update({k: _xml_text(v) for k, v in attrs.items() if isinstance(v, str)})
    for *_e, attrs in safe.edges(keys=True, data=True):
        attrs.update({k: _xml_text(v) for k, v in attrs.items() if isinstance(v, str)})
    buf = io.BytesIO()
    nx.write_graphml(safe, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text XML 1.0 can hold: control characters, surrogates and U+FFFE/U+FFFF written as escapes."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group(0)):04x}", printable(text))


def kpi_rows(rg: RecordGraph) -> list[dict]:
    """One row per KPI statement (a KPI with no statement gets one row with empty statement columns)."""
    rows = []
    for kid in sorted(r for r, c in rg.classes.items() if c == "KPI"):
        node = rg.iris[kid]
        ja, en = rg.labels(node)
        tier = next((str(n) for t in rg.rdf.objects(node, PG.tier) for n in rg.rdf.objects(t, SKOS.notation)), "")
        responsible = "; ".join(sorted(rg.labels(b)[0] for b in rg.rdf.objects(node, PG.responsibleBody)))
        head = {"kpi_id": kid, "kpi_label_ja": ja, "kpi_label_en": en, "tier": tier,
                "attainment": rg.attainment(kid), "responsible": responsible}
        series = rg.kpi_series(kid)
        if not series:
            rows.append(head)
        for s in series:
            ev = rg.evidence(rg.iris[s["id"]]) if s["id"] in rg.iris else []
            first = ev[0] if ev else {}
            rows.append({**head, "kind": s["kind"], "statement_id": s["id"], "value": s["value"],
                         "unit": s["unit"], "value_text": s["value_text"], "derived": "yes" if s["derived"] else "",
                         "date": s["date"], "date_text": s["date_text"], "status": s["status"],
                         "projection_kind": s["projection_kind"], "grade": s["grade"],
                         "document_id": s["document"], "document_label": s["document_label"],
                         "quote": first.get("quote"), "locator": first.get("locator"),
                         "source_file": first.get("file")})
    return rows


def csv_bytes(rows: list[dict]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Japanese text correctly."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=KPI_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_safe(row.get(k)) for k in KPI_COLUMNS})
    return buf.getvalue().encode("utf-8-sig")


def workbook_bytes(engine, library) -> bytes:
    """One Excel workbook for auditors: the KPI status board, the gap report, the evidence (every quote
    with its source and locator) and the trace roots, a sheet each; cells guarded as in the CSV."""
    from policygraph.graph.terms import plain
    from policygraph.query.gaps import gap_report
    from policygraph.views.tables import xlsx_bytes
    sheets = {}
    for sheet, name in WORKBOOK_QUERIES.items():
        rows = engine.run(library.get(name))
        sheets[sheet] = (rows.columns, [{c: plain(r.get(c)) for c in rows.columns} for r in rows])
    gaps = [{c: v for c, v in r.as_dict().items() if c in GAP_COLUMNS} for r in gap_report(engine, library).rows]
    ordered = {"KPI status": sheets["KPI status"], "Gaps": (GAP_COLUMNS, gaps), "Evidence": sheets["Evidence"],
               "Trace roots": sheets["Trace roots"]}
    return xlsx_bytes(ordered)


def export(rg: RecordGraph, fmt: str, out: Path, engine=None, library=None) -> Path:
    """Write the graph (graphml), the KPI table (csv) or the audit workbook (xlsx: needs the engine and
    the query library) to `out`, atomically."""
    write_atomically({out: export_bytes(rg, fmt, engine, library)})
    return out


def export_bytes(rg: RecordGraph, fmt: str, engine=None, library=None) -> bytes:
    """What `export` writes: every query runs here, before anything is written."""
    if fmt == "graphml":
        payload = graphml_bytes(rg)
    elif fmt == "csv":
        payload = csv_bytes(kpi_rows(rg))
    elif fmt == "xlsx" and engine is not None and library is not None:
        payload = workbook_bytes(engine, library)
    else:
        raise PolicygraphError.single(f"unknown export format {fmt!r}; use {' or '.join(DEFAULT_FILES)}", EXIT_INPUT,
                                      field="format")
    return payload
