"""Exports for other tools: the record graph as GraphML (Gephi, Cytoscape, yEd), the KPI table as
CSV (spreadsheets), and an Excel workbook of the KPI status board, gap report, KPI values with their
quotes, the trace of every document, the evidence and the trace roots.

Each is read from the store in batches of records (`views.records`: named queries with VALUES
lists), never as a model of the whole graph: GraphML has the record graph with the attributes the
browser views show (class, labels, bodies, documents, attainment); the CSV has one row per KPI
statement (baseline, target, observation, projection, assessment) with its document and first
quote, read a batch of KPIs at a time.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = export("csv", Path(tmp) / "kpis.csv", engine, library)
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
from policygraph.query.gaps import COLUMNS as GAPS_COLUMNS
from policygraph.views import records
from policygraph.views.viz_model import _HIDDEN_PROPS, RecordGraph, is_record, pick_labels, record_id

DEFAULT_FILES = {"graphml": "policygraph.graphml", "csv": "kpis.csv", "xlsx": "policygraph.xlsx"}
#: Gap sheet columns: the gap's, then the acknowledgement's (acknowledged, ackReason, ackBy, ackUntil).
GAP_COLUMNS = GAPS_COLUMNS

KPI_COLUMNS = ["kpi_id", "kpi_label_ja", "kpi_label_en", "tier", "attainment", "responsible", "kind",
               "statement_id", "value", "unit", "value_text", "derived", "date", "date_text", "status",
               "projection_kind", "grade", "document_id", "document_label", "quote", "locator", "source_file"]


def graphml_bytes(engine, library) -> bytes:
    """Every record and link as GraphML; node attributes: iri, cls, label_ja, label_en, bodies,
    documents, attainment (KPIs and their statements); edge attributes: predicate, label.

    Read in batches: the records' classes and facets (`records.index`), then each batch's
    statements (node-triples) for its labels and links; nodes in id order, each node's links by
    property and target."""
    from rdflib import RDFS
    index = records.index(engine, library, labelled=())
    reader = records.Reader(engine, library)
    ids = sorted(index.classes)
    graph = nx.MultiDiGraph()
    links = []
    for batch in records.batches(ids):
        labels: dict = {}
        for s, p, o in reader.triples(index.iris[rid] for rid in batch):
            if p == RDFS.label:
                labels.setdefault(s, []).append(o)
            elif p not in _HIDDEN_PROPS and is_record(o) and record_id(o) in index.classes and o != s:
                links.append((record_id(s), record_id(o), p))
        for rid in batch:
            iri = index.iris[rid]
            ja, en = pick_labels(str(iri), labels.get(iri, []))
            f = index.facets(rid)
            attrs = {"iri": str(iri), "cls": f.cls, "label_ja": ja, "label_en": en,
                     "bodies": ";".join(f.bodies), "documents": ";".join(f.documents)}
            if f.status is not None:
                attrs["attainment"] = f.status
            graph.add_node(rid, **attrs)
    predicates = sorted({p for *_, p in links})
    for triple in reader.triples(predicates):
        index.rdf.add(triple)
    for s, o, p in links:
        name = index.predicate_label(p)
        graph.add_edge(s, o, key=name, predicate=str(p), label=name)
    return _graphml(graph)


def _graphml(graph: nx.MultiDiGraph) -> bytes:
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


def kpi_rows(engine, library, batch: int = 200):
    """One row per KPI statement (a KPI with no statement gets one row with empty statement columns),
    KPIs in id order, read a batch of KPIs at a time (`records.load`)."""
    kpis = sorted(records.classes(engine, library, "KPI"))
    for chunk in records.batches(kpis, batch):
        yield from kpi_rows_of(records.load(engine, library, chunk, incoming_limit=0), chunk)


def kpi_rows_of(rg: RecordGraph, kpis: list[str]) -> list[dict]:
    """The CSV's rows of the KPIs `kpis` from a record model that holds them."""
    rows = []
    for kid in kpis:
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


def csv_bytes(rows) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Japanese text correctly."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=KPI_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_safe(row.get(k)) for k in KPI_COLUMNS})
    return buf.getvalue().encode("utf-8-sig")


#: The workbook's sheets in order: key → (Japanese name, English name, what it holds). `--lang` picks the name.
WORKBOOK_SHEETS = {
    "kpi-status": ("KPI状況", "KPI status", "KPI ごとの目標・最新値・評価と計算した達成状況（query kpi-status）",
                   "Every KPI: target, latest value, published grade and computed status (query kpi-status)"),
    "gaps": ("欠落", "Gaps", "欠落の一覧。各行に根拠の引用（policygraph gaps）",
             "The gap report, a row per gap with its quote (policygraph gaps)"),
    "kpi-values": ("KPI値と引用", "KPI values", "KPI の基準値・目標・実績・見込み・評価を 1 行ずつ、引用付き（build/kpis.csv と同じ）",
                   "One row per KPI baseline, target, observation, projection and grade, with its quote "
                   "(as build/kpis.csv)"),
    "trace": ("トレース", "Trace", "文書 → 指示 → 改革項目 → KPI の連鎖。指示の引用付き（query trace、全文書）",
              "Document → directive → reform item → KPI, with the directive's quote (query trace, every document)"),
    "evidence": ("根拠", "Evidence", "すべての引用と出典・位置（query evidence）",
                 "Every quote with its source, locator and line (query evidence)"),
    "trace-roots": ("トレース起点", "Trace roots", "トレースできる指示と文書（query trace-roots）",
                    "The directives and documents that can be traced (query trace-roots)"),
}
#: Columns of the trace sheet: the `trace` query's ids and Japanese labels, then the directive's first quote.
TRACE_COLUMNS = ["document", "documentJa", "directive", "directiveNumber", "directiveJa", "directiveKind", "item",
                 "itemNumber", "itemJa", "kpi", "kpiJa", "tier", "attainment", "attainmentAsOf", "quote", "locator",
                 "file", "line"]
#: The KPI values sheet's date column, typed as an Excel date (the others are text or numbers).
KPI_TYPES = {"date": "date"}


def workbook_bytes(engine, library, kpi_values: list[dict], lang: str = "ja") -> bytes:
    """One Excel workbook for auditors (`views.tables.xlsx_bytes`: typed dates and numbers, verbatim
    quotes, widths, filters): the KPI status board, the gap report, every KPI value with its quote
    (`kpi_values`, the rows of build/kpis.csv), the trace of every document, the evidence and the trace
    roots, a sheet each, named in `lang` ("ja" or "en"), with a contents sheet first. Record IRIs are
    written as ids everywhere, as the web app's downloads write them."""
    from policygraph.graph.namespaces import record_id
    from policygraph.graph.terms import plain
    from policygraph.query.gaps import first_excerpts, gap_report
    from policygraph.views.tables import Sheet, column_types, xlsx_bytes

    def named(key: str, query: str, found=None) -> Sheet:
        if found is None:  # kept with the store once computed (`query.reports`)
            from policygraph.query.reports import plain_result
            result = plain_result(engine, library.get(query))
            return sheet(key, result.columns, result.rows, result.types, f"query {query}")
        columns = list(found.columns)
        return sheet(key, columns, [{c: plain(r.get(c)) for c in columns} for r in found],
                     column_types(found, columns), f"query {query}")

    def sheet(key, columns, rows, types, source) -> Sheet:
        ja, en, about_ja, about_en = WORKBOOK_SHEETS[key]
        return Sheet(ja if lang == "ja" else en, columns, rows, types, about_ja if lang == "ja" else about_en, source)

    gaps = []
    for r in gap_report(engine, library).rows:
        row = {c: v for c, v in r.as_dict().items() if c in GAP_COLUMNS}
        row["node"] = record_id(r.node)
        gaps.append(row)
    roots = engine.run(library.get("trace-roots"))
    documents = list(dict.fromkeys(r["node"] for r in roots if str(r["class"]).endswith("#PolicyDocument")))
    trace_rows = engine.run(library.get("trace"), values={"root": documents}) if documents else []
    quotes = first_excerpts(engine, library, (r["directive"] for r in trace_rows))
    traced, seen = [], set()
    for r in trace_rows:
        row = {c: plain(r.get(c)) for c in TRACE_COLUMNS if c in r}
        first = quotes.get(r["directive"]) or {}
        row.update({c: plain(first.get(c)) for c in ("quote", "locator", "file", "line")})
        key = tuple(row.get(c) for c in TRACE_COLUMNS)
        if key not in seen:
            seen.add(key)
            traced.append(row)
    traced.sort(key=lambda row: tuple(str(row.get(c) or "") for c in ("document", "directive", "item", "kpi")))
    types = column_types(trace_rows, [c for c in TRACE_COLUMNS if c in getattr(trace_rows, "columns", [])])
    return xlsx_bytes([
        named("kpi-status", "kpi-status"),
        sheet("gaps", GAP_COLUMNS, gaps, {}, "policygraph gaps"),
        sheet("kpi-values", KPI_COLUMNS, kpi_values, KPI_TYPES, "policygraph export --format csv"),
        sheet("trace", TRACE_COLUMNS, traced, types, "query trace"),
        named("evidence", "evidence"),
        named("trace-roots", "trace-roots", roots),
    ], lang=lang)


def export(fmt: str, out: Path, engine, library, lang: str = "ja") -> Path:
    """Write the graph (graphml), the KPI table (csv) or the audit workbook (xlsx: its sheets named in
    `lang`) to `out`, atomically, each read from the engine's store by named queries."""
    write_atomically({out: export_bytes(fmt, engine, library, lang)})
    return out


def export_bytes(fmt: str, engine, library, lang: str = "ja") -> bytes:
    """What `export` writes: every query runs here, before anything is written."""
    if fmt == "graphml":
        payload = graphml_bytes(engine, library)
    elif fmt == "csv":
        payload = csv_bytes(kpi_rows(engine, library))
    elif fmt == "xlsx":
        payload = workbook_bytes(engine, library, list(kpi_rows(engine, library)), lang)
    else:
        raise PolicygraphError.single(f"unknown export format {fmt!r}; use {' or '.join(DEFAULT_FILES)}", EXIT_INPUT,
                                      field="format")
    return payload
