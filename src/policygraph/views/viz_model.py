"""The records of a built RDF graph as a networkx graph, with the facets and details the views show.

A node is a record (an IRI under https://w3id.org/policygraph/id/ with a pg: class); evidence
excerpts (<record>/evidence/<n>) are not nodes, their quotes travel with the record they support.
This module reads the graph only; layout and HTML live in policygraph.viz.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import networkx as nx
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, SKOS

from policygraph.graph.attainment import relative_value
from policygraph.graph.namespaces import PG, PGR
from policygraph.graph.terms import literal_value
# KPI attainment status → (colour, Japanese, English), from the one palette (views.palette: site.css);
# "unknown": the graph states no attainment for the KPI. Re-exported for the views.
from policygraph.views.palette import ATTAINMENT_STYLE  # noqa: F401

_PGR = str(PGR)
_PG = str(PG)

#: Class → (colour, vis shape, layer). Layers run top-down along the chain of the domain.
CLASS_STYLE = {
    "PolicyDocument": ("#4e79a7", "box", 0),
    "Directive": ("#f28e2b", "diamond", 1),
    "ReformItem": ("#e15759", "hexagon", 2),
    "ScheduleStep": ("#76b7b2", "square", 3),
    "Measure": ("#59a14f", "triangle", 3),
    "KPI": ("#edc948", "star", 3),
    "ProgressReport": ("#b07aa1", "dot", 4),
    "Baseline": ("#9c9ede", "triangleDown", 4),
    "Target": ("#d62728", "diamond", 4),
    "Observation": ("#1f77b4", "dot", 4),
    "Projection": ("#aec7e8", "dot", 4),
    "Assessment": ("#8c564b", "square", 4),
    "Placeholder": ("#bbbbbb", "square", 4),
    "EmptyPlaceholder": ("#bbbbbb", "square", 4),
    "BudgetLine": ("#bcbd22", "triangle", 4),
    "Body": ("#9c755f", "ellipse", 5),
    "SourceText": ("#7f7f7f", "box", 6),
    "FiscalYear": ("#c7c7c7", "text", 6),
}
OTHER_STYLE = ("#cccccc", "dot", 6)

STATEMENT_PROPS = {PG.hasBaseline: "baseline", PG.hasTarget: "target", PG.hasObservation: "observation",
                   PG.hasProjection: "projection", PG.hasAssessment: "assessment"}

# Shown as the node's label, class, evidence or structure, not as a property line in the panel.
# pg:reaches is derived (the transitive closure of the chain links): drawing it would double every path.
_HIDDEN_PROPS = {RDF.type, RDFS.label, PG.hasEvidence, PG.identifier, PG.reaches}


def _decimal(term) -> Decimal | None:
    return Decimal(str(term)) if term is not None else None


def is_record(node) -> bool:
    """A data record: an IRI under the id namespace that is not an evidence excerpt."""
    return isinstance(node, URIRef) and str(node).startswith(_PGR) and "/evidence/" not in str(node)[len(_PGR):]


def record_id(node) -> str:
    s = str(node)
    return s.removeprefix(_PGR)


def _plain(value):
    return literal_value(value) if isinstance(value, Literal) else str(value)


def pick_labels(key: str, labels) -> tuple[str, str]:
    """(Japanese, English) label of the node `key` from its rdfs:label literals: the first of each
    language, each falling back to the other language, then to another label, then to the id."""
    ja = en = other = None
    for lbl in labels:
        lang = getattr(lbl, "language", None)
        if lang == "ja" and ja is None:
            ja = str(lbl)
        elif lang == "en" and en is None:
            en = str(lbl)
        elif other is None:
            other = str(lbl)
    fallback = other or (record_id(key) if key.startswith(_PGR) else key.rsplit("#", 1)[-1])
    return (ja or en or fallback, en or ja or fallback)


@dataclass
class Selection:
    """Narrowing of a view. Every field empty = the whole graph. Same meaning in the CLI and the page."""

    classes: frozenset[str] = frozenset()
    body: str | None = None        # record id; matches sub-organisations too
    document: str | None = None    # record id of a PolicyDocument
    status: str | None = None      # KPI attainment notation

    def is_empty(self) -> bool:
        return not (self.classes or self.body or self.document or self.status)

    def describe(self) -> str:
        parts = []
        if self.classes:
            parts.append("class " + "|".join(sorted(self.classes)))
        for name in ("body", "document", "status"):
            if getattr(self, name):
                parts.append(f"{name} {getattr(self, name)}")
        return ", ".join(parts)


@dataclass
class Facets:
    cls: str
    bodies: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    status: str | None = None


class RecordGraph:
    """Read access to the records of one built graph (rdflib Graph including the ontology).

    >>> rg = RecordGraph(graph); rg.classes["kpi-cloud-municipalities"]
    'KPI'
    """

    def __init__(self, graph: Graph):
        self.rdf = graph
        self.classes: dict[str, str] = {}
        self.iris: dict[str, URIRef] = {}
        for s, o in graph.subject_objects(RDF.type):
            if is_record(s) and isinstance(o, URIRef) and str(o).startswith(_PG):
                rid = record_id(s)
                name = str(o)[len(_PG):]
                # One pg: class per record in practice; prefer a styled one if a record has several.
                if rid not in self.classes or (name in CLASS_STYLE and self.classes[rid] not in CLASS_STYLE):
                    self.classes[rid] = name
                    self.iris[rid] = s
        self._labels: dict[str, tuple[str, str]] = {}
        self._kpi_of: dict[str, str] | None = None
        self._facets: dict[str, Facets] = {}

    # labels -------------------------------------------------------------------------------
    def labels(self, node) -> tuple[str, str]:
        """(Japanese, English) label of any IRI; falls back to the other language, then the id."""
        key = str(node)
        if key not in self._labels:
            self._labels[key] = pick_labels(key, self.rdf.objects(URIRef(key), RDFS.label))
        return self._labels[key]

    def class_labels(self, name: str) -> tuple[str, str]:
        return self.labels(PG[name])

    # facets -------------------------------------------------------------------------------
    def kpi_of(self, rid: str) -> str | None:
        """The KPI a statement (baseline, target, observation, projection, assessment) belongs to."""
        if self._kpi_of is None:
            self._kpi_of = {}
            for prop in STATEMENT_PROPS:
                for kpi, st in self.rdf.subject_objects(prop):
                    if is_record(kpi) and is_record(st):
                        self._kpi_of[record_id(st)] = record_id(kpi)
        return self._kpi_of.get(rid)

    def attainment(self, rid: str) -> str:
        """The KPI's attainment notation (see ATTAINMENT_STYLE), or "unknown" when the graph states none."""
        for status in self.rdf.objects(self.iris.get(rid, PGR[rid]), PG.attainment):
            for notation in self.rdf.objects(status, SKOS.notation):
                return str(notation)
            # No notation: a literal, or a concept named like pg:attainment-on-track.
            name = str(status).rsplit("#", 1)[-1].removeprefix("attainment-").replace("-", "_")
            return name if name in ATTAINMENT_STYLE else "unknown"
        return "unknown"

    def _ancestors(self, body: URIRef) -> list[str]:
        out, seen = [], set()
        todo = [body]
        while todo:
            b = todo.pop()
            if b in seen:
                continue
            seen.add(b)
            out.append(record_id(b))
            todo.extend(o for o in self.rdf.objects(b, ORG.subOrganizationOf) if is_record(o))
        return out

    def facets(self, rid: str) -> Facets:
        if rid in self._facets:
            return self._facets[rid]
        g, node, cls = self.rdf, self.iris[rid], self.classes[rid]
        owner = self.kpi_of(rid)
        direct = {o for p in (PG.responsibleBody, DCTERMS.publisher) for o in g.objects(node, p) if is_record(o)}
        if not direct and owner:
            direct = {o for o in g.objects(self.iris.get(owner, PGR[owner]), PG.responsibleBody) if is_record(o)}
        if not direct and cls == "ProgressReport":
            direct = {o for t in g.objects(node, PG.reportsOn) for o in g.objects(t, PG.responsibleBody)
                      if is_record(o)}
        if cls == "Body":
            direct.add(node)
        bodies = sorted({a for b in direct for a in self._ancestors(b)})
        docs = {o for p in (PG.reportedIn, PG.statedIn) for o in g.objects(node, p) if is_record(o)}
        if cls == "PolicyDocument":
            docs.add(node)
        if cls == "SourceText":
            docs.update(s for s in g.subjects(PG.hasSourceText, node) if is_record(s))
        status = None
        if cls == "KPI":
            status = self.attainment(rid)
        elif owner:
            status = self.attainment(owner)
        facets = Facets(cls, bodies, sorted(record_id(d) for d in docs), status)
        self._facets[rid] = facets
        return facets

    def select(self, selection: Selection) -> list[str]:
        """Record ids that pass the selection, sorted."""
        out = []
        for rid, cls in self.classes.items():
            if selection.classes and cls not in selection.classes:
                continue
            if not (selection.body or selection.document or selection.status):
                out.append(rid)
                continue
            f = self.facets(rid)
            if selection.body and selection.body not in f.bodies:
                continue
            if selection.document and selection.document not in f.documents:
                continue
            if selection.status and f.status != selection.status:
                continue
            out.append(rid)
        return sorted(out)

    # edges, details -----------------------------------------------------------------------
    def edges(self, ids: set[str]):
        """(source id, target id, predicate IRI) between records in `ids`."""
        for rid in sorted(ids):  # by property and target: the same order whatever order the graph was read in
            for p, o in sorted(self.rdf.predicate_objects(self.iris[rid]), key=lambda po: (str(po[0]), str(po[1]))):
                if p in _HIDDEN_PROPS or not is_record(o):
                    continue
                oid = record_id(o)
                if oid in ids and oid != rid:
                    yield rid, oid, p

    def predicate_label(self, p: URIRef) -> str:
        _ja, en = self.labels(p)
        name = str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return en if en != str(p) and en != name else name

    def evidence(self, node: URIRef) -> list[dict]:
        g, out = self.rdf, []
        for ex in g.objects(node, PG.hasEvidence):
            source = next(g.objects(ex, PROV.wasQuotedFrom), None)
            item = {"quote": _plain(next(g.objects(ex, PG.quote), "")),
                    "locator": _plain(next(g.objects(ex, PG.locator), "")),
                    "source": record_id(source) if source is not None else None,
                    "source_label": self.labels(source)[0] if source is not None else None,
                    "file": _plain(next(g.objects(source, PG.fileName), "")) if source is not None else None,
                    "excerpt": record_id(ex), "_order": str(ex)}
            reading = next(g.objects(ex, PG.reading), None)
            if reading is not None:
                item["reading"] = _plain(reading)
            line = next(g.objects(ex, PG.sourceLine), None)
            if line is not None:
                item["line"] = _plain(line)
            out.append(item)

        def order(item):
            tail = item["_order"].rsplit("/", 1)[-1]
            return (int(tail) if tail.isdigit() else 0, item["_order"])
        out.sort(key=order)
        for item in out:
            del item["_order"]
        return out

    def _value_text(self, o) -> tuple[str, str | None]:
        """(shown text, record id if it links to a record) for a property's object."""
        if is_record(o):
            return self.labels(o)[0], record_id(o)
        if isinstance(o, URIRef):
            notation = next(self.rdf.objects(o, SKOS.notation), None)
            ja, _ = self.labels(o)
            if notation is not None and ja != str(notation):
                return f"{ja} ({notation})", None
            return ja, None
        return str(_plain(o)), None

    def incoming_links(self, node, limit: int) -> tuple[list, int]:
        """The first `limit` (property, record) links into `node`, by property then record, and their number."""
        found = [(p, s) for s, p in sorted(self.rdf.subject_predicates(node), key=lambda sp: (str(sp[1]), str(sp[0])))
                 if is_record(s) and p not in _HIDDEN_PROPS]
        return found[:limit], len(found)

    def details(self, rid: str, incoming_limit: int = 100) -> dict:
        """What the side panel shows: labels, class, properties, evidence, KPI series."""
        g, node, cls = self.rdf, self.iris[rid], self.classes[rid]
        ja, en = self.labels(node)
        cja, cen = self.class_labels(cls)
        props = []
        for p, o in sorted(g.predicate_objects(node), key=lambda po: (self.predicate_label(po[0]), str(po[1]))):
            if p in _HIDDEN_PROPS:
                continue
            text, ref = self._value_text(o)
            props.append([self.predicate_label(p), text, ref])
        links, total = self.incoming_links(node, incoming_limit)
        incoming = [[self.predicate_label(p), self.labels(s)[0], record_id(s)] for p, s in links]
        f = self.facets(rid)
        out = {"id": rid, "iri": str(node), "cls": cls, "cls_ja": cja, "cls_en": cen, "label_ja": ja,
               "label_en": en, "props": props, "incoming": incoming,
               "incoming_total": total, "evidence": self.evidence(node),
               "bodies": f.bodies, "documents": f.documents, "status": f.status}
        if cls == "KPI":
            out["series"] = self.kpi_series(rid)
        return out

    # KPI series for the chart ---------------------------------------------------------------
    def _fy_date(self, fy, end: bool) -> str | None:
        if fy is None:
            return None
        d = next(self.rdf.objects(fy, PG.endDate if end else PG.beginDate), None)
        return _plain(d) if d is not None else None

    def kpi_series(self, rid: str) -> list[dict]:
        """Every baseline, target, observation, projection and assessment of a KPI, with a date to plot.

        Fiscal-year values are placed at the end of the fiscal year (a 2014年度 value is the state at
        2015-03-31); a relative target without a value gets factor × base value, marked derived.
        """
        g, kpi = self.rdf, self.iris[rid]
        out = []
        for prop, kind in STATEMENT_PROPS.items():
            for st in g.objects(kpi, prop):
                one = lambda p: next(g.objects(st, p), None)
                value = one(PG.value)
                derived = False
                if value is None and one(PG.relativeTo) is not None:
                    base = next(g.objects(one(PG.relativeTo), PG.value), None)
                    number = relative_value(None, _decimal(one(PG.relativeFactor)), _decimal(base))
                    if number is not None:
                        value, derived = Literal(number), True
                date = (one(PG.referenceDate) or one(PG.asOf) or one(PG.deadline))
                date = _plain(date) if date is not None else (
                    self._fy_date(one(PG.deadlineFiscalYear), True) or self._fy_date(one(PG.fiscalYear), True))
                status = one(PG.observationStatus)
                unit = one(PG.unit)
                if derived:  # base × factor is in the base's unit (半減 of 1,450 システム), not the factor's (割合)
                    unit = next(g.objects(one(PG.relativeTo), PG.unit), unit)
                grade = one(PG.grade)
                doc = one(PG.reportedIn)
                item = {"kind": kind, "id": record_id(st), "label": self.labels(st)[0],
                        "value": _plain(value) if value is not None else None, "derived": derived,
                        "value_text": _plain(one(PG.valueText)) if one(PG.valueText) is not None else None,
                        "unit": _plain(next(g.objects(unit, SKOS.notation), unit)) if unit is not None else None,
                        "date": date,
                        "date_text": _plain(one(PG.dateText)) if one(PG.dateText) is not None else None,
                        "status": _plain(next(g.objects(status, SKOS.notation), status)) if status else None,
                        "projection_kind": _plain(one(PG.statusText)) if kind == "projection" and
                        one(PG.statusText) is not None else None,
                        "grade": _plain(next(g.objects(grade, SKOS.notation), grade)) if grade else None,
                        "series": _plain(one(PG.series)) if one(PG.series) is not None else None,
                        # the level a printed cut leaves (894 システムの減 → 556): what a chart draws
                        "level": _plain(one(PG.level)) if one(PG.level) is not None else None,
                        "document": record_id(doc) if doc is not None else None,
                        "document_label": self.labels(doc)[0] if doc is not None else None}
                if item["value"] is not None and not isinstance(item["value"], (int, float)):
                    try:  # a non-numeric literal in pg:value: keep it out of the chart
                        item["value"] = float(item["value"])
                    except (TypeError, ValueError):
                        item["value"] = None
                if item["level"] is not None and not isinstance(item["level"], (int, float)):
                    try:  # an xsd:decimal level: a number the chart can place
                        item["level"] = float(item["level"])
                    except (TypeError, ValueError):
                        item["level"] = None
                out.append(item)
        out.sort(key=lambda i: (i["date"] or "9999", i["kind"], i["id"]))
        return out

    # networkx -------------------------------------------------------------------------------
    def to_networkx(self, ids: set[str] | None = None) -> nx.MultiDiGraph:
        """The records (all, or `ids`) and the links between them; attributes are plain scalars
        so the graph can be written as GraphML."""
        ids = set(self.classes) if ids is None else set(ids)
        G = nx.MultiDiGraph()
        for rid in sorted(ids):
            ja, en = self.labels(self.iris[rid])
            f = self.facets(rid)
            attrs = {"iri": str(self.iris[rid]), "cls": f.cls, "label_ja": ja, "label_en": en,
                     "bodies": ";".join(f.bodies), "documents": ";".join(f.documents)}
            if f.status is not None:
                attrs["attainment"] = f.status
            G.add_node(rid, **attrs)
        for s, o, p in self.edges(ids):
            G.add_edge(s, o, key=self.predicate_label(p), predicate=str(p), label=self.predicate_label(p))
        return G


def ontology_classes(graph: Graph) -> list[str]:
    """pg: classes declared in the ontology part of the graph."""
    return sorted(str(c)[len(_PG):] for c in graph.subjects(RDF.type, OWL.Class) if str(c).startswith(_PG))


def layered_positions(layers: list[list[str]], neighbours: dict[str, set[str]], *, row_width: int = 40,
                      dx: float = 150.0, dy: float = 120.0) -> dict[str, tuple[float, float]]:
    """Top-down positions: each layer is a band of rows (at most `row_width` nodes per row), nodes
    ordered by the mean position of their neighbours in the bands above (one barycentre sweep)."""
    pos: dict[str, tuple[float, float]] = {}
    y = 0.0
    for layer in layers:
        if not layer:
            continue

        index = {n: i for i, n in enumerate(layer)}

        def key(n, _index=index):
            xs = [pos[m][0] for m in neighbours.get(n, ()) if m in pos]
            return (sum(xs) / len(xs) if xs else float("inf"), _index[n])
        ordered = sorted(layer, key=key) if pos else list(layer)
        for start in range(0, len(ordered), row_width):
            row = ordered[start:start + row_width]
            x0 = -dx * (len(row) - 1) / 2
            for i, n in enumerate(row):
                pos[n] = (x0 + i * dx, y)
            y += dy
        y += dy * 0.5
    return pos


def neighbours_of(edges) -> dict[str, set[str]]:
    nb: dict[str, set[str]] = defaultdict(set)
    for s, o, *_ in edges:
        nb[s].add(o)
        nb[o].add(s)
    return nb


def resolve_record(rg: RecordGraph, cls: str, text: str, option: str) -> str:
    """A record of class `cls` by id, exact label or label substring (NFKC, case-insensitive).

    Raises PolicygraphError (exit 2) naming the option when nothing or several records match.
    """
    from policygraph.query.names import pick
    candidates = sorted(r for r, c in rg.classes.items() if c == cls)
    names = {r: list(rg.labels(rg.iris[r])) + [str(a) for a in rg.rdf.objects(rg.iris[r], SKOS.altLabel)]
             for r in candidates}
    return pick(text, names, one=cls, many=f"{cls} records", field=option,
                show=lambda r: f"{r:45} {rg.labels(rg.iris[r])[0]}")
