"""What the web pages read, as functions a query worker runs: each takes the worker's engine first
and returns plain, picklable data (the web app renders it). They reuse the query stage — the named
query runner, the trace, the gap report — and read records through `views.records`: bounded named
queries on the store, never a model of the whole graph.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from policygraph.graph.namespaces import PREFIXES
from policygraph.graph.terms import plain
# Charts are drawn by the one renderer every page and view uses; the names stay here for the pages' callers.
from policygraph.views.chart import kpi_chart, sparkline  # noqa: F401

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
    #: A page of a larger table: the whole table's row count and where the page starts.
    total: int | None = None
    offset: int = 0


def table_of(rows, columns: list[str] | None = None) -> Table:
    """A `Rows` result (dicts of RDF terms) as a Table."""
    from policygraph.views.tables import column_types
    columns = list(columns if columns is not None else rows.columns)
    linked = [{c for c in columns if isinstance(r.get(c), URIRef) and str(r[c]).startswith(_RECORD)} for r in rows]
    return Table(columns, [{c: plain(r.get(c)) for c in columns} for r in rows], linked, column_types(rows, columns))


def named_rows(engine, folders: list[Path], name: str, params: dict[str, str]) -> Table:
    """The rows of a named query with its parameters bound, as `policygraph query NAME --param …`
    prints them: values are bound as the query's `# param:` lines declare (`NamedQuery.kind`), never
    pasted into the query text; a value that is no IRI where one is declared is a note above no rows."""
    from policygraph.query.names import unmatched_parameters
    from policygraph.query.sparql import QueryLibrary
    query = QueryLibrary(folders).get(name)
    if not params:  # kept with the store once computed (`query.reports`)
        from policygraph.query.reports import plain_result
        found = plain_result(engine, query)
        return Table(found.columns, found.rows, [set(c) for c in found.linked], dict(found.types))
    from policygraph.errors import PolicygraphError
    from policygraph.labels import message
    from policygraph.query.sparql import parse_param
    bound, notes = {}, []
    for key, value in params.items():
        try:
            bound[key] = parse_param(value, query.kind(key), key)
        except PolicygraphError:
            if query.kind(key) != "iri":
                raise  # a date that is none: the 400 page, as before
            notes.append(message("not_an_iri", name=key, typed=value))  # a form's typo: said above no rows
    if notes:
        return Table(list(query.projected), [], [], {}, notes=notes)
    table = table_of(engine.run(query, **bound))
    table.notes = list(unmatched_parameters(engine, bound).values())
    return table


# ------------------------------------------------------------------ records, read bounded from the store
def node(engine, folders: list[Path], rid: str, limit: int = 25, offset: int = 0, types: tuple[str, ...] = (),
         predicates: tuple[str, ...] = ()) -> dict | None:
    """What a node page shows, or None when no record has that id: the record's properties, evidence
    and (a KPI) values with their quotes and the chart (`views.chart.kpi_chart`'s SVG), and its links grouped by property
    and direction, each group counted and paged (`records.node_links`, as /api/node/<id>)."""
    from policygraph.views import records
    links = records.node_links(engine, folders, rid, limit, offset, types, predicates)
    if links is None:
        return None
    return node_details(records.load(engine, folders, [rid], incoming_limit=0), rid, links)


def node_details(rg, rid: str, links: dict) -> dict:
    """`node`'s answer from a record model holding `rid` (`records.load`, one record or a batch read
    at once, as `policygraph viz trace` does) and its `records.node_links` answer."""
    details = rg.details(rid, incoming_limit=0)
    del details["incoming"], details["incoming_total"]  # the links come grouped and paged instead
    details["links"] = links
    if details["cls"] == "KPI":
        for item in details["series"]:
            item["evidence"] = rg.evidence(rg.iris[item["id"]]) if item["id"] in rg.iris else []
        details["chart"] = kpi_chart(details["series"], title=details["label_ja"])
    return details


def node_api(engine, folders: list[Path], rid: str, limit: int = 25, offset: int = 0, types: tuple[str, ...] = (),
             predicates: tuple[str, ...] = ()) -> dict | None:
    """`GET /api/node/<id>`: `records.node_links`."""
    from policygraph.views import records
    return records.node_links(engine, folders, rid, limit, offset, types, predicates)


def search(engine, folders: list[Path], text: str, limit: int = 100, deep: bool = False) -> list[dict]:
    """Records whose id, Japanese or English label holds `text` (NFKC, case-insensitive), exact ids first;
    `deep` (the explorer's search, /api/search): also those with an alias or a quote that holds it.

    The store narrows by id and every label (record-search: the text lower-cased, and with its ASCII
    in full-width forms; record-search-text for aliases and quotes); each row is then checked and
    ranked here as the views always did."""
    import unicodedata
    from policygraph.views import records
    needle = unicodedata.normalize("NFKC", text).casefold().strip()
    if not needle:
        return []
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in needle)
    library = records.library_of(folders)
    rows = list(engine.run(records.Unordered(library.get("record-search")), text=needle.lower(), wide=wide.lower()))
    if deep:
        rows += engine.run(records.Unordered(library.get("record-search-text")), text=needle.lower(), wide=wide.lower())
    found = {}
    for r in rows:
        rid = str(r["node"]).removeprefix(_RECORD)
        ja, en = records._label_pair(r["labelJa"], r["labelEn"], rid)
        matched = str(r["matched"]) if r.get("matched") is not None else ""  # an alias or a quote
        hay = unicodedata.normalize("NFKC", f"{rid}\n{ja}\n{en}\n{matched}").casefold()
        if needle in hay:
            cls = str(r["cls"]).rsplit("#", 1)[-1]
            found.setdefault(rid, (rid != needle, len(ja), rid, ja, en, cls))
    ranked = sorted(found.values())
    return [{"id": rid, "label": ja, "label_en": en, "cls": cls} for _, _, rid, ja, en, cls in ranked[:limit]]


#: An evidence excerpt's id: its owner's id, /evidence/, its number.
_EXCERPT = re.compile(r"^([a-z0-9][a-z0-9-]*[a-z0-9])/evidence/([0-9]{1,4})$")


def source_view(engine, folders: list[Path], sources_dir: str, doc: str, quote: str = "") -> dict | None:
    """A source text for the source viewer, or None when the project declares no such source: `doc` is a
    SourceText id or its file name (only files the store names, inside `sources_dir`, are read). Its
    lines as (piece, marked) pieces, marking every place of `quote` — an evidence excerpt's id (its
    quote is read from the store) or a text — found as the build's quote check finds it (NFKC, white
    space ignored: `records.sources.SourceIndex`)."""
    from policygraph.records.sources import SourceIndex
    from policygraph.views import records
    library = records.library_of(folders)
    declared = {plain(r["source"]): str(r["file"]) for r in engine.run(library.get("source-quotes"))}
    by_file = {f: sid for sid, f in declared.items()}
    sid = doc if doc in declared else by_file.get(doc)
    if sid is None:
        return None
    base = Path(sources_dir).resolve()
    path = (base / declared[sid]).resolve()
    if path.parent != base or not path.is_file():
        return None
    index = SourceIndex(path)
    text = index.text
    quote_text, excerpt = quote, None
    found = _EXCERPT.match(quote)
    if found:
        excerpt = quote
        owner = URIRef(_RECORD + found.group(1))
        quote_text = next((str(r["quote"]) for r in engine.run(library.get("evidence"), node=owner)
                           if str(r["excerpt"]) == _RECORD + quote), "")
    matches = index.find_all(quote_text, limit=50) if quote_text.strip() else []
    marked = [(m.start, m.end) for m in matches]
    lines, start = [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        end = start + len(line)
        pieces, at = [], start
        for a, b in marked:
            a, b = max(a, start), min(b, end)
            if a < b and a >= at:
                pieces += [(text[at:a], False), (text[a:b], True)]
                at = b
        pieces.append((text[at:end], False))
        lines.append({"number": number, "pieces": [p for p in pieces if p[0]],
                      "marked": any(m for _, m in pieces)})
        start = end + 1
    labels = sorted((r["label"].language != "ja", str(r["label"]))
                    for r in engine.run(library.get("node-labels"), values={"node": [URIRef(_RECORD + sid)]}))
    label = labels[0][1] if labels else None
    return {"id": sid, "file": declared[sid], "label": label, "lines": lines, "quote": quote_text,
            "excerpt": excerpt, "matches": [{"line": m.line, "end_line": m.end_line} for m in matches]}


#: A trace row's kind → (Japanese, English), in the CLI's words (views.render).
TRACE_KINDS = {"directive": ("指示", "directive"), "progress": ("対応", "progress report"),
               "empty_box": ("空欄", "empty box"), "item": ("改革項目", "reform item"), "step": ("工程", "schedule step"),
               "kpi": ("KPI", "KPI"), "baselines": ("基準値", "baseline"), "targets": ("目標", "target"),
               "observations": ("実績", "observation"), "projections": ("見込み", "projection"),
               "assessments": ("区分", "grade")}
#: The most records the trace page's "view as a graph" link asks the explorer to expand.
EXPLORE_EXPAND = 40


def trace_page(engine, project, target: str) -> dict:
    """The trace of any node as the web page's table (/trace/<id>): `policygraph trace`'s result (the same
    batched queries) flattened into rows in the CLI's order — directive → its progress and reform items →
    each item's steps (with their progress) and KPIs → each KPI's baselines, targets, observations,
    projections and grades — each row with its quote and where it stands (file, line). A reform item or
    KPI reached again is a row pointing back to where it was shown. Raises PolicygraphError for an unknown
    or ambiguous target."""
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.trace import trace
    result = trace(engine, QueryLibrary(project.query_dirs), target)
    return {"root": result["root"], "rows": trace_rows(result), "upward": result.get("upward"),
            "responsible_for": result.get("responsible_for"), "expand": _trace_expand(result)}


def trace_rows(result: dict) -> list[dict]:
    """`trace_page`'s rows of a trace result (query.trace.trace)."""
    from policygraph.views.render import STATUS, _value, _when
    rows: list[dict] = []
    shown: set[str] = set()

    def row(kind: str, level: int, node: dict, **extra) -> dict:
        ja, en = TRACE_KINDS[kind]
        evidence = node.get("evidence") or []
        again = node.get("id") in shown
        r = {"kind": kind, "kind_ja": ja, "kind_en": en, "level": level, "id": node.get("id"),
             "label": node.get("label") or "", "label_en": node.get("label_en") or "", "detail": "", "value": "",
             "when": "", "status": "", "attainment": None, "document": node.get("document"),
             "document_label": node.get("document_label") or "", "evidence": [] if again else evidence[:1],
             "more": 0 if again else max(len(evidence) - 1, 0), "again": again, "gap": ""}
        r.update(extra)
        rows.append(r)
        if node.get("id"):
            shown.add(node["id"])
        return r

    def bodies(node: dict) -> str:
        return "、".join(b["label"] for b in node.get("bodies") or [])

    def progress(p: dict, level: int) -> None:
        row("progress", level, p, label=p.get("document_label") or p.get("id") or "", status=p.get("status") or "",
            when=p.get("as_of") or "", detail=bodies(p))

    def kpi(k: dict, level: int) -> None:
        if k["id"] in shown:
            row("kpi", level, k)
            return
        status = (k.get("attainment") or {}).get("status")
        judged = (k.get("attainment") or {}).get("as_of")  # the date the status is judged as of, not a value's
        row("kpi", level, k, attainment=status or "unknown", detail=bodies(k),
            when=(f"{judged} 時点の判定", "status as of this date") if judged else "")
        for key in ("baselines", "targets", "observations", "projections", "assessments"):
            for fact in k.get(key) or []:
                row(key, level + 1, fact, label="", value=_value(fact), when=_when(fact),
                    status=STATUS.get(fact.get("status"), fact.get("status") or ""))

    def item(i: dict, level: int) -> None:
        if i["id"] in shown:
            row("item", level, i, label=f"{i.get('number') or ''} {i['label']}".strip())
            return
        row("item", level, i, label=f"{i.get('number') or ''} {i['label']}".strip(), detail=bodies(i),
            gap="" if i.get("kpis") else "KPIなし no KPI measures it")
        for step in i.get("steps") or []:
            row("step", level + 1, step, when=step.get("period") or "")
            for p in step.get("progress") or []:
                progress(p, level + 2)
        for k in i.get("kpis") or []:
            kpi(k, level + 1)

    from policygraph.query.trace import directive_tree
    top, parts = directive_tree(result)

    def directive(d: dict, level: int) -> None:
        number = f"{d['number']} " if d.get("number") else ""
        row("directive", level, d, label=number + d["label"], detail=d.get("kind") or "",
            gap="" if d["reform_items"] else "改革項目なし carried by no reform item")
        for p in d.get("progress") or []:
            progress(p, level + 1)
        for box in d.get("empty_boxes") or []:
            row("empty_box", level + 1, box, gap="空欄 empty box")
        for i in d["reform_items"]:
            item(i, level + 1)
        for part in parts.get(d["id"], []):
            directive(part, level + 1)

    for d in top:
        directive(d, 0)
    for i in result.get("reform_items") or []:
        item(i, 0)
    for k in result.get("kpis") or []:
        kpi(k, 0)
    return rows


def _trace_expand(result: dict) -> list[str]:
    """The directives and reform items of a trace, for the explorer link (`/explore?focus=…&expand=…`)."""
    ids = [d["id"] for d in result["directives"]]
    ids += [i["id"] for d in result["directives"] for i in d["reform_items"]]
    ids += [i["id"] for i in result.get("reform_items") or []]
    return [i for i in dict.fromkeys(ids) if i != result["root"]["id"]][:EXPLORE_EXPAND]


def trace_table(engine, project, target: str) -> Table:
    """The trace as rows (one per directive × reform item × KPI; then the reform items and KPIs no directive
    carries), for the CSV, JSON and xlsx downloads; `quote` is the directive's."""
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
    # What no directive carries: a document's own reform items, a reform item's, a KPI's or a body's KPIs
    # (the page shows them too; a KPI or body trace had an empty download).
    shown = {r["kpi"] for r in rows if r["kpi"]}
    for item in result.get("reform_items") or []:
        for kpi in item.get("kpis") or [{}]:
            rows.append({"directive": None, "directive_label": None, "item": item["id"], "item_label": item["label"],
                         "kpi": kpi.get("id"), "kpi_label": kpi.get("label"),
                         "attainment": (kpi.get("attainment") or {}).get("status"), "quote": ""})
            shown.add(kpi.get("id"))
    for kpi in result.get("kpis") or []:
        if kpi["id"] not in shown:
            rows.append({"directive": None, "directive_label": None, "item": None, "item_label": None,
                         "kpi": kpi["id"], "kpi_label": kpi["label"],
                         "attainment": (kpi.get("attainment") or {}).get("status"), "quote": ""})
    linked = [{c for c in ("directive", "item", "kpi") if r[c]} for r in rows]
    return Table(columns, rows, linked)


#: What the coverage map (coverage-flow.rq) and the board call a KPI without an attainment status
#: (`/kpis?status=unknown` keeps them: `serve.sqltables` reads it as "no value").
NO_STATUS = "unknown"


def kpi_extras(engine, folders: list[Path], kpis: list) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """For the KPIs of one page of the board only: a sparkline of each one's observed values ({"points",
    "values", "last"}: kpi-sparkline) and its responsible bodies (responsible): two queries, each a VALUES
    batch of the page's KPIs (the page's rows come from the board's table: `serve.sqltables`)."""
    from policygraph.views import records
    spark = {}
    for k, values in sparkline_series(engine, folders, kpis).items():
        points = sparkline(values)
        if points:
            spark[k] = {"points": points, "values": values, "last": points.rsplit(" ", 1)[-1].split(",")}
    bodies: dict[str, list[dict]] = {}
    ids = [k for k in dict.fromkeys(kpis) if isinstance(k, str) and _is_record_id(k)]
    for r in records.Reader(engine, folders).run("responsible", [URIRef(_RECORD + k) for k in ids]):
        bodies.setdefault(str(r["node"]).removeprefix(_RECORD), []).append(
            {"id": str(r["body"]).removeprefix(_RECORD), "label": plain(r["bodyJa"]), "label_en": plain(r["bodyEn"])})
    for found in bodies.values():
        found.sort(key=lambda b: b["id"])
    return spark, bodies


def kpi_table(engine, folders: list[Path]) -> Table:
    """The board's whole table: kpi-status's rows and columns, and a last column `body`, the Japanese
    labels of each KPI's responsible bodies (a list: `responsible`, read in VALUES batches of KPIs), so
    the board filters and facets by body (`/kpis?status=missed&body=総務省`)."""
    from policygraph.views import records
    table = named_rows(engine, folders, "kpi-status", {})
    iris = list(dict.fromkeys(str(r["kpi"]) for r in table.rows if r.get("kpi")))
    bodies: dict[str, list[str]] = {}
    for r in records.Reader(engine, folders).run("responsible", [URIRef(_RECORD + k) for k in iris]):
        bodies.setdefault(str(r["node"]).removeprefix(_RECORD), []).append(plain(r["bodyJa"]))
    table.columns.append("body")
    for row in table.rows:
        row["body"] = sorted(set(bodies.get(str(row.get("kpi")), [])))
    return table


def _is_record_id(text: str) -> bool:
    from policygraph.query.sparql import RECORD_ID
    return bool(RECORD_ID.match(text))


def sparklines(engine, folders: list[Path], kpis: list[str]) -> dict[str, str]:
    """SVG points of each KPI's observed values in the order of its chart (`sparkline_series`)."""
    return {k: sparkline(values) for k, values in sparkline_series(engine, folders, kpis).items()}


def sparkline_series(engine, folders: list[Path], kpis: list[str]) -> dict[str, list[float]]:
    """Each KPI's observed values in the order of its chart (kpi-sparkline, a VALUES batch of KPIs): the
    date placing a value is its reference date, as-of date or deadline, else the end of its fiscal year;
    undated values last; one line of them (`sparkline_line`)."""
    from policygraph.views import records
    from policygraph.views.viz_model import _plain
    ids = [k for k in dict.fromkeys(kpis) if isinstance(k, str) and _is_record_id(k)]
    series: dict[str, list] = {k: [] for k in ids}
    reader = records.Reader(engine, folders)
    for r in reader.run("kpi-sparkline", [URIRef(_RECORD + k) for k in ids], var="kpi"):
        date = r["referenceDate"] or r["asOf"] or r["deadline"] or r["deadlineFyEnd"] or r["fyEnd"]
        value = _plain(r["value"])
        if not isinstance(value, (int, float)):
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
        rid = str(r["kpi"]).removeprefix(_RECORD)
        line = (r["series"] is not None, str(r["series"] or ""), str(r["unit"] or ""))
        series[rid].append((line, _plain(date) if date is not None else "9999", str(r["statement"]), value))
    out = {}
    for k, points in series.items():
        chosen = sparkline_line([p[0] for p in points])
        out[k] = [v for *_, v in sorted(p for p in points if p[0] == chosen)]
    return out


def sparkline_line(lines: list[tuple[bool, str, str]]) -> tuple[bool, str, str] | None:
    """Which values a sparkline joins, of (has a sub-series, the series, the unit) keys: one line — never
    a total and its parts (550 → 211 → 339 for 自治体クラウド / 単独クラウド) nor two units (430 団体 → 76,930,000
    人): the totals before a sub-series, then the line with most values, then by series and unit."""
    counts: dict = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    return min(counts, key=lambda line: (line[0], -counts[line], line[1], line[2])) if counts else None


def gap_table(engine, folders: list[Path]) -> tuple[Table, list[dict]]:
    """The gap report as one table (a row per gap, its node linked) and the count per kind."""
    from policygraph.graph.namespaces import record_id
    from policygraph.query.gaps import gap_report
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.gaps import COLUMNS as columns
    report = gap_report(engine, QueryLibrary(folders))
    rows = []
    for r in report.rows:
        row = {c: v for c, v in r.as_dict().items() if c in columns}
        row["node"] = record_id(r.node) if r.node.startswith(_RECORD) else r.node
        rows.append(row)
    by_kind = report.by_kind()
    kinds = [{"name": q.name, "title": q.title, "title_ja": q.title_ja, "count": len(by_kind[q.name])}
             for q in report.kinds]
    return Table(columns, rows, [{"node"} if r.node.startswith(_RECORD) else set() for r in report.rows]), kinds


def overview(engine, folders: list[Path]) -> dict:
    """The overview's numbers: records per class, gaps per kind, KPI attainment by status, body and
    document — counted from the links of the KPIs and bodies (`kpi_facets`), not a model of the graph;
    computed at build time into the generation's reports (`serve.overview`)."""
    from policygraph.store.embedded import count_classes
    board = named_rows(engine, folders, "kpi-status", {})
    _, kinds = gap_table(engine, folders)
    facets = kpi_facets(engine, folders)
    by_status: dict[str, int] = {}
    by_body: dict[str, dict[str, int]] = {}
    by_document: dict[str, dict[str, int]] = {}
    for row in board.rows:
        found = facets.get(row.get("kpi"))
        if found is None:
            continue
        status, bodies, documents = found
        by_status[status] = by_status.get(status, 0) + 1
        for label in bodies or ["—"]:
            by_body.setdefault(label, {}).setdefault(status, 0)
            by_body[label][status] += 1
        for label in documents or ["—"]:
            by_document.setdefault(label, {}).setdefault(status, 0)
            by_document[label][status] += 1
    return {"classes": count_classes(engine.store), "gaps": kinds, "by_status": by_status,
            "by_body": dict(sorted(by_body.items(), key=lambda kv: -sum(kv[1].values()))),
            "by_document": dict(sorted(by_document.items(), key=lambda kv: -sum(kv[1].values()))),
            "kpis": len(board.rows)}


def kpi_facets(engine, folders: list[Path]) -> dict[str, tuple[str, list[str], list[str]]]:
    """KPI id → (attainment notation, labels of its bodies, labels of its documents), as the views'
    facets place a KPI (`viz_model.RecordGraph.facets`): its responsible bodies and publisher with every
    body they are part of, the documents that report or state it, its attainment ("unknown" when the
    graph states none). A body or document is named by its Japanese label (one that is not a body or a
    policy document: by its id). One plain query (overview-facets) and the labels of the bodies and
    documents named; at a million triples under a second where the whole-graph model took ~12 s."""
    from rdflib.namespace import DCTERMS, ORG, RDF
    from policygraph.graph.namespaces import PG, PGR, record_id
    from policygraph.views import records
    from policygraph.views.viz_model import ATTAINMENT_STYLE, is_record, pick_labels
    lib = records.library_of(folders)
    kpis, named = set(), set()
    bodies: dict[str, set] = {}
    documents: dict[str, set] = {}
    parents: dict[str, list] = {}
    status: dict[str, str] = {}
    for r in engine.run(records.Unordered(lib.get("overview-facets"))):
        node, p, o = r["node"], r["p"], r["o"]
        if not is_record(node):
            continue
        rid = record_id(node)
        if p == RDF.type:
            (kpis if o == PG.KPI else named).add(rid)
        elif p in (PG.responsibleBody, DCTERMS.publisher) and is_record(o):
            bodies.setdefault(rid, set()).add(o)
        elif p in (PG.reportedIn, PG.statedIn) and is_record(o):
            documents.setdefault(rid, set()).add(o)
        elif p == ORG.subOrganizationOf and is_record(o):
            parents.setdefault(rid, []).append(o)
        elif p == PG.attainment and rid not in status:
            if r["notation"] is not None:
                status[rid] = str(r["notation"])
            else:  # no notation: a literal, or a concept named like pg:attainment-on-track
                name = str(o).rsplit("#", 1)[-1].removeprefix("attainment-").replace("-", "_")
                status[rid] = name if name in ATTAINMENT_STYLE else "unknown"

    def ancestors(body) -> list[str]:
        out, seen, todo = [], set(), [body]
        while todo:
            b = todo.pop()
            if b in seen:
                continue
            seen.add(b)
            out.append(record_id(b))
            todo.extend(parents.get(record_id(b), []))
        return out

    placed = {rid: (sorted({a for b in bodies.get(rid, ()) for a in ancestors(b)}),
                    sorted(record_id(d) for d in documents.get(rid, ()))) for rid in kpis}
    shown = sorted({n for bs, ds in placed.values() for n in (*bs, *ds) if n in named})
    found: dict[str, list] = {}
    for r in records.Reader(engine, lib).run("node-labels", [PGR[n] for n in shown]):
        found.setdefault(record_id(r["node"]), []).append(r["label"])
    label = {n: pick_labels(str(PGR[n]), found.get(n, []))[0] for n in shown}
    return {rid: (status.get(rid, "unknown"), [label.get(b, b) for b in bs], [label.get(d, d) for d in ds])
            for rid, (bs, ds) in placed.items()}


def sources(engine, folders: list[Path]) -> list[dict]:
    """The overview's table of sources: quotes per source text (source-quotes); a built store holds
    only quotes its build found in their source, so all are verified."""
    from policygraph.views import records
    out = []
    for r in engine.run(records.library_of(folders).get("source-quotes")):
        quotes = int(r["quotes"])
        out.append({"source": plain(r["source"]), "file": plain(r["file"]), "quotes": quotes, "verified": quotes,
                    "share": 1.0})
    return out


def node_graph(engine, rid: str, accept: str, forced: str | None) -> object:
    """The node's triples (DESCRIBE) in the negotiated RDF format; `rid` is a checked record id."""
    from policygraph.query.sparql import RECORD_ID
    from policygraph.serve.protocol import execute
    if not RECORD_ID.match(rid):
        raise ValueError("not a record id")
    return execute(engine, f"DESCRIBE <{_RECORD}{rid}>", accept, forced)


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
    for r in engine.run(QueryLibrary(folders).get("documents")):
        if r["label"].language == "ja" or record_id(r["node"]) not in found:
            found[record_id(r["node"])] = str(r["label"])
    return [{"id": k, "label": v} for k, v in sorted(found.items())]
