"""Coverage-gap report: every `queries/*-gap.rq` run on an engine, each row with a label and a quote.

A gap query projects at least ?node (the thing that has the gap) and ?label; it may project
?quoted (the node whose evidence best shows the gap — a target, an observation, an empty box;
default ?node) and ?document / ?documentLabel. This module adds the first source excerpt of the
quoted node, read with evidence.rq (the same reader and order as trace) in one batched query.

Example:
    >>> rows = run_gaps(engine, QueryLibrary(project.query_dirs))
    >>> {"guideline-empty-box-gap", "kpi-no-observation-gap"} <= {r.kind for r in rows}
    True
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from policygraph.query.sparql import NamedQuery, QueryLibrary
from policygraph.store.engines import Engine, TextQuery

GAP_SUFFIX = "-gap"
#: The gap kind of acknowledgements whose gap no longer fires: its query lists every acknowledgement,
#: run_gaps keeps those whose gap kind found no row on their node.
DANGLING = "acknowledgement-dangling-gap"
#: Columns of a gap row in tables, CSV and the workbook (the acknowledgement's beside the gap's).
COLUMNS = ["kind", "title", "node", "label", "document", "quote", "locator", "file", "line",
           "acknowledged", "ackReason", "ackBy", "ackUntil"]


@dataclass
class GapRow:
    kind: str  # the gap query's name, e.g. kpi-no-observation-gap
    title: str  # the query's title
    node: str  # IRI of the node with the gap
    label: str
    document: str  # label of the document stating the quoted node (or its source text)
    quote: str  # verbatim quote of the quoted node's first excerpt
    locator: str = ""
    file: str = ""
    line: int | None = None
    row: dict = field(default_factory=dict)  # the raw query row, RDF terms
    #: The curator's acknowledgement of this gap, if any (an unexpired one keeps it out of --fail-on-gaps).
    acknowledged: bool = False
    ack_reason: str = ""
    ack_by: str = ""
    ack_until: str = ""

    def as_dict(self) -> dict:
        from policygraph.graph.terms import plain as _py
        return {"kind": self.kind, "title": self.title, "node": self.node, "label": self.label,
                "document": self.document, "quote": self.quote, "locator": self.locator, "file": self.file,
                "line": self.line, "acknowledged": self.acknowledged, "ackReason": self.ack_reason,
                "ackBy": self.ack_by, "ackUntil": self.ack_until,
                "details": {k: _py(v) for k, v in self.row.items() if k not in ("node", "label") and v is not None}}


def gap_queries(library: QueryLibrary) -> list[NamedQuery]:
    """Every query named *-gap, in name order."""
    return [library.get(n) for n in library.names() if n.endswith(GAP_SUFFIX)]


def first_excerpts(engine: Engine, library: QueryLibrary, nodes) -> dict[URIRef, dict]:
    """The first source excerpt (evidence.rq's order) of each node, in one query."""
    nodes = list(dict.fromkeys(n for n in nodes if isinstance(n, URIRef)))
    out: dict[URIRef, dict] = {}
    if nodes:
        for r in engine.run(library.get("evidence"), values={"node": nodes}):
            out.setdefault(r["node"], r)
    return out


def run_gaps(engine: Engine, library: QueryLibrary) -> list[GapRow]:
    """Run every gap query and return its rows, grouped by kind in name order, each with its quote and
    the acknowledgement of it, if any (acknowledgements.rq; expired as of the attainment date)."""
    found = [(query, row) for query in gap_queries(library) for row in engine.run(query)]
    fired = {(query.name, str(row.get("node"))) for query, row in found if query.name != DANGLING}
    found = [(query, row) for query, row in found if query.name != DANGLING
             or (str(row.get("gap")), str(row.get("acknowledged"))) not in fired]
    acks = {}
    if "acknowledgements" in library.names():
        acks = {(str(r["gap"]), str(r["node"])): r for r in engine.run(library.get("acknowledgements"))}
    quotes = first_excerpts(engine, library, (row.get("quoted") or row.get("node") for _, row in found))
    out: list[GapRow] = []
    for query, row in found:
        node = row.get("node")
        ev = quotes.get(row.get("quoted") or node) or {}
        document = row.get("documentLabel") or ev.get("sourceLabel") or ""
        ack = acks.get((query.name, str(node)))
        expired = bool(ack and ack.get("asOf") is not None and str(ack["until"]) < str(ack["asOf"]))
        out.append(GapRow(
            kind=query.name, title=query.title, node=str(node), label=str(row.get("label") or node),
            document=str(document), quote=str(ev.get("quote") or ""), locator=str(ev.get("locator") or ""),
            file=str(ev.get("file") or ""), line=int(ev["line"]) if ev.get("line") is not None else None,
            row=row, acknowledged=bool(ack) and not expired, ack_reason=str(ack["reason"]) if ack else "",
            ack_by=str(ack["by"]) if ack else "", ack_until=str(ack["until"]) if ack else ""))
    return out


def group(rows: list[GapRow]) -> dict[str, list[GapRow]]:
    """Rows by kind, kinds in the order they first appear."""
    grouped: dict[str, list[GapRow]] = {}
    for r in rows:
        grouped.setdefault(r.kind, []).append(r)
    return grouped


@dataclass
class GapReport:
    """The whole gap report: every gap kind (even those with no rows), the rows, and the as-of date."""

    kinds: list[NamedQuery]
    rows: list[GapRow]
    as_of: str | None = None

    def by_kind(self) -> dict[str, list[GapRow]]:
        """Rows per kind, every kind present (an empty list where it found nothing), in name order."""
        found = group(self.rows)
        return {q.name: found.get(q.name, []) for q in self.kinds}

    def open_rows(self) -> list[GapRow]:
        """The rows --fail-on-gaps counts: every row not covered by an unexpired acknowledgement."""
        return [r for r in self.rows if not r.acknowledged]

    def as_dict(self) -> dict:
        by_kind = self.by_kind()
        return {"as_of": self.as_of, "total": len(self.rows), "acknowledged": len(self.rows) - len(self.open_rows()),
                "gaps": [{"kind": q.name, "title": q.title, "description": q.description,
                          "count": len(by_kind[q.name]), "rows": [r.as_dict() for r in by_kind[q.name]]}
                         for q in self.kinds]}


_AS_OF = TextQuery("attainment-as-of", "PREFIX pg: <https://w3id.org/policygraph/ontology#>\n"
                   "SELECT ?asOf WHERE { ?kpi pg:attainmentAsOf ?asOf } LIMIT 1")


def gap_report(engine: Engine, library: QueryLibrary) -> GapReport:
    """Run every gap query; the report as `policygraph gaps` and `policygraph viz gaps` show it.

    Example:
        >>> report = gap_report(engine, QueryLibrary(project.query_dirs))
        >>> report.as_dict()["total"] == len(report.rows)
        True
    """
    from policygraph.query import reports
    kinds = gap_queries(library)
    home = reports.folder_of(engine)
    path = None
    if home is not None:  # computed once per store (`query.reports`), read back after
        used = [q.text for q in kinds] + [library.get(n).text for n in ("acknowledgements", "evidence")
                                          if n in library.names()] + [_AS_OF.text]
        path = home / reports.key("gaps", used, code=(__file__,))
        found = reports.read(path)
        if found is not None:
            return GapReport(kinds, [_row(r) for r in found["rows"]], found["as_of"])
    when = next((r["asOf"] for r in engine.run(_AS_OF)), None)
    report = GapReport(kinds, run_gaps(engine, library), str(when) if when else None)
    if path is not None:
        reports.write(path, {"as_of": report.as_of, "rows": [r.as_dict() for r in report.rows]})
    return report


def _row(found: dict) -> GapRow:
    """A GapRow from its `as_dict` (a report file's row): `row` holds the plain values of its details."""
    return GapRow(kind=found["kind"], title=found["title"], node=found["node"], label=found["label"],
                  document=found["document"], quote=found["quote"], locator=found["locator"], file=found["file"],
                  line=found["line"], row=found["details"], acknowledged=found["acknowledged"],
                  ack_reason=found["ackReason"], ack_by=found["ackBy"], ack_until=found["ackUntil"])
