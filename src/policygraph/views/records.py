"""Bounded reads of the records the views show, from the store: never the whole graph.

The views' record model (`viz_model.RecordGraph`) walks an rdflib graph. Here that graph holds only
what the shown records need, read by named queries a VALUES batch at a time (as `trace` does):

- `load(engine, library, ids)`: the records themselves (node-triples), the KPI or document each
  belongs to (node-owners), what they link to, a KPI's statements and what those link to, the
  evidence excerpts of both and their sources, the bodies they answer to up to the top, the first
  `incoming_limit` records linking to each (node-incoming, with the count apart:
  node-incoming-count) and their labels (node-labels).
  Its size follows the records asked for, whatever the size of the graph.
- `index(engine, library)`: every record's class and the links that place it in the views' filters
  (record-classes, record-facet-links): what `viz graph --body/--document/--status` selects from
  and the GraphML export's node attributes come from; no labels, quotes or values.
- `node_links(engine, library, id, …)`: a node and its links grouped by property and direction,
  each group counted and paged (node-summary, node-link-counts, node-links-in/out): the node page
  and `GET /api/node/<id>`.

Example:
    >>> rg = load(engine, library, ["kpi-cloud-municipalities"])
    >>> rg.details("kpi-cloud-municipalities")["cls"]
    'KPI'
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG

from policygraph.graph.namespaces import PG, PGR, PREFIXES
from policygraph.views.viz_model import RecordGraph, is_record, record_id

#: Nodes per VALUES list: long enough to keep the number of queries small, short enough for any store.
BATCH = 400
#: Links not followed when reading around a record: derived (pg:reaches, the closure of the chain).
_NOT_FOLLOWED = {PG.reaches}
#: Steps out from the records asked for: record → statement → excerpt → source (its file and label).
DEPTH = 3
#: Links walked on from a record: to its statements (a KPI's values) and evidence excerpts.
_WALK_INTO = {PG.hasBaseline, PG.hasTarget, PG.hasObservation, PG.hasProjection, PG.hasAssessment, PG.hasEvidence}
#: Links to the bodies a record answers to, and from a body to the one it is part of.
_BODY_LINKS = (PG.responsibleBody, DCTERMS.publisher, ORG.subOrganizationOf)


def batches(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def library_of(library_or_folders):
    """A QueryLibrary from a library or its folders (the page functions get folders: they pickle)."""
    from policygraph.query.sparql import QueryLibrary
    if isinstance(library_or_folders, QueryLibrary):
        return library_or_folders
    return QueryLibrary([Path(f) for f in library_or_folders])


class _Rewritten:
    """A named query whose text is rewritten (`text`), in the shape engines expect of a query: its path
    and parameters are the named query's."""

    query: object

    @property
    def path(self) -> Path:
        return self.query.path

    def prepared(self):
        from policygraph.store.engines import _prepare
        return _prepare(self.text, self.path)

    @property
    def projected(self) -> list[str]:
        from policygraph.store.engines import _projected
        return _projected(self.text, self.path)

    def bind(self, params: dict) -> dict:
        return self.query.bind(params)


@dataclass(frozen=True)
class Paged(_Rewritten):
    """A named query with LIMIT/OFFSET after it."""

    query: object
    limit: int
    offset: int = 0

    @property
    def text(self) -> str:
        return f"{self.query.text.rstrip()}\nLIMIT {int(self.limit)} OFFSET {int(self.offset)}\n"


@dataclass(frozen=True)
class Unordered(_Rewritten):
    """A named query without its closing ORDER BY line, for a reader that files the rows by key or
    sorts them itself: Oxigraph's ORDER BY costs about 0.1 ms a row (9,000 statements of 400 KPIs:
    0.16 s unordered, 1.1–1.7 s ordered)."""

    query: object

    @property
    def text(self) -> str:
        head, sep, last = self.query.text.rstrip().rpartition("\n")
        return head + "\n" if sep and last.lstrip().upper().startswith("ORDER BY") else self.query.text


class Reader:
    """The named queries of this module, run on one engine a batch at a time, unordered (the rows go
    into a graph or a dict; what needs an order sorts them)."""

    def __init__(self, engine, library):
        self.engine = engine
        self.library = library_of(library)

    def query(self, name: str) -> Unordered:
        return Unordered(self.library.get(name))

    def run(self, name: str, nodes: list, var: str = "node", **params):
        out = []
        for batch in batches(list(nodes)):
            out.extend(self.engine.run(self.query(name), values={var: batch}, **params))
        return out

    def triples(self, nodes: Iterable) -> list[tuple]:
        return [(r["node"], r["p"], r["o"]) for r in self.run("node-triples", list(nodes))]


def _followable(term) -> bool:
    return isinstance(term, URIRef) and not isinstance(term, BNode)


class BoundedRecordGraph(RecordGraph):
    """A RecordGraph over the part of the graph `load` read: the links into a record come from the
    store's count and first page (`incoming`), not from the partial graph."""

    def __init__(self, graph: Graph, incoming: dict[URIRef, tuple[list, int]]):
        super().__init__(graph)
        self._incoming = incoming

    def incoming_links(self, node, limit: int) -> tuple[list, int]:
        if node in self._incoming:
            rows, total = self._incoming[node]
            return rows[:limit], total
        return super().incoming_links(node, limit)


def load(engine, library, ids: Iterable[str], incoming_limit: int = 100) -> BoundedRecordGraph:
    """The record model of the records `ids` (and what their views show of their neighbours), read
    from the store in a number of queries that grows with `ids`, not with the graph."""
    reader = Reader(engine, library)
    roots = [PGR[rid] for rid in dict.fromkeys(ids)]
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    seen: set = set()
    owners = reader.run("node-owners", roots)
    for r in owners:
        graph.add((r["owner"], r["p"], r["node"]))
    frontier = list(dict.fromkeys([*roots, *(r["owner"] for r in owners)]))
    # Walked from: the records and their owners, a KPI's statements, and the evidence excerpts of
    # both. Everything they link to is read (its labels, notation, dates, value) but not walked from.
    walked = set(frontier)
    for _step in range(DEPTH + 1):
        seen.update(frontier)
        following = []
        for s, p, o in reader.triples(frontier):
            graph.add((s, p, o))
            if s not in walked or p in _NOT_FOLLOWED:
                continue
            if p in _WALK_INTO and _followable(o):
                walked.add(o)
            for term in (p, o):
                if _followable(term) and term not in seen:
                    following.append(term)
        frontier = list(dict.fromkeys(following))
    # The bodies a record answers to, up to the top of their hierarchy (a few steps at most).
    while True:
        bodies = [o for p in _BODY_LINKS for o in graph.objects(None, p) if _followable(o) and o not in seen]
        if not bodies:
            break
        seen.update(bodies)
        for triple in reader.triples(list(dict.fromkeys(bodies))):
            graph.add(triple)
    incoming = _incoming(reader, roots, incoming_limit)
    named = [s for rows, _ in incoming.values() for _, s in rows] + [p for rows, _ in incoming.values() for p, _ in rows]
    for r in reader.run("node-labels", [n for n in dict.fromkeys(named) if n not in seen]):
        graph.add((r["node"], URIRef(str(PREFIXES["rdfs"]) + "label"), r["label"]))
    return BoundedRecordGraph(graph, incoming)


def _incoming(reader: Reader, roots: list[URIRef], limit: int) -> dict[URIRef, tuple[list, int]]:
    """Per record: the first `limit` (property, record) links into it, in the order the views list
    them, and how many there are."""
    out: dict[URIRef, tuple[list, int]] = {n: ([], 0) for n in roots}
    if limit <= 0:  # not shown: not read
        return out
    counts = {r["node"]: int(r["count"]) for r in reader.run("node-incoming-count", roots)}
    small = [n for n in roots if 0 < counts.get(n, 0) <= limit]
    for r in reader.run("node-incoming", small):
        out[r["node"]][0].append((r["p"], r["subject"]))
    for n in small:  # read unordered: in the order the views list them (node-incoming's ORDER BY)
        out[n] = (sorted(out[n][0], key=lambda ps: (str(ps[0]), str(ps[1]))), counts[n])
    for n in roots:
        if counts.get(n, 0) > limit:  # a page of them, from the store's order
            rows = reader.engine.run(Paged(reader.library.get("node-incoming"), limit), values={"node": [n]})
            out[n] = ([(r["p"], r["subject"]) for r in rows], counts[n])
    return out


# ---------------------------------------------------------------------------------------- the index
def classes(engine, library, cls: str | None = None) -> dict[str, str]:
    """Record id → pg: class name (one per record, preferring a styled class, as RecordGraph does)."""
    from policygraph.views.viz_model import CLASS_STYLE
    params = {"cls": PG[cls]} if cls else {}
    out: dict[str, str] = {}
    for r in engine.run(Unordered(library_of(library).get("record-classes")), **params):
        rid, name = record_id(r["node"]), str(r["cls"])[len(str(PG)):]
        if rid not in out or (name in CLASS_STYLE and out[rid] not in CLASS_STYLE):
            out[rid] = name
    return out


def index(engine, library, of: tuple[str, ...] | None = None,
          labelled: tuple[str, ...] = ("Body", "PolicyDocument"), facets: bool = True) -> RecordGraph:
    """A RecordGraph that knows the class and facets (bodies, documents, status) of every record —
    or of the records of the classes `of` — for selecting and counting them, and the labels of the
    records of the classes `labelled` (to name a body or a document), but not the rest of the graph:
    no labels, quotes or values of the other records. `facets=False`: the classes alone."""
    lib = library_of(library)
    reader = Reader(engine, lib)
    graph = Graph()
    for cls in sorted({*(of or ()), *labelled}) if of else [None]:
        params = {"cls": PG[cls]} if cls else {}
        for r in engine.run(Unordered(lib.get("record-classes")), **params):
            graph.add((r["node"], RDF.type, r["cls"]))
    concepts = set()
    for cls in (sorted(of) if of else [None]) if facets else []:
        params = {"cls": PG[cls]} if cls else {}
        for r in engine.run(Unordered(lib.get("record-facet-links")), **params):
            graph.add((r["node"], r["p"], r["o"]))
            if r["p"] == PG.attainment and _followable(r["o"]):
                concepts.add(r["o"])
    rg = RecordGraph(graph)
    named = [rg.iris[rid] for rid, c in sorted(rg.classes.items()) if c in labelled]
    classes_used = {PG[c] for c in set(rg.classes.values())}
    for triple in reader.triples([*sorted(concepts), *sorted(classes_used), *named]):
        graph.add(triple)
    rg._labels.clear()
    return rg


# ---------------------------------------------------------------------------------------- node links
#: /api/node/<id>'s defaults and bounds.
DEFAULT_LIMIT = 25
MAX_LIMIT = 500


def _matches(term: URIRef, names: set[str]) -> bool:
    """A class or property named by local name (`KPI`, `reportedIn`), prefixed name or full IRI."""
    full = str(term)
    local = full.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    prefixed = {f"{p}:{full[len(str(ns)):]}" for p, ns in PREFIXES.items() if full.startswith(str(ns))}
    return bool(names & ({full, local} | prefixed))


def _label_pair(ja, en, fallback: str) -> tuple[str, str]:
    ja = str(ja) if ja is not None else None
    en = str(en) if en is not None else None
    return ja or en or fallback, en or ja or fallback


def node_links(engine, library, rid: str, limit: int = DEFAULT_LIMIT, offset: int = 0,
               types: Iterable[str] | None = None, predicates: Iterable[str] | None = None) -> dict | None:
    """A record and its links, grouped by property and direction: each group's `count` (of records
    of the kept `types`) and its `nodes` from `offset`, at most `limit`. None when no record has the id.

    `types`: class names to keep (KPI, Observation …); `predicates`: properties to keep, by local
    name, prefixed name or IRI. Within a group, records are ordered by class, then id.
    """
    lib = library_of(library)
    node = PGR[rid]
    summary = engine.run(lib.get("node-summary"), node=node)
    if not summary:
        return None
    head = _head(summary)
    ja, en = _label_pair(head["labelJa"], head["labelEn"], rid)
    keep_types = {t for t in (types or []) if t}
    keep_predicates = {p for p in (predicates or []) if p}
    counts: dict[tuple[str, URIRef], dict[URIRef, int]] = {}
    for r in engine.run(lib.get("node-link-counts"), node=node):
        if keep_types and not _matches(r["cls"], keep_types):
            continue
        if keep_predicates and not _matches(r["p"], keep_predicates):
            continue
        counts.setdefault((str(r["direction"]), r["p"]), {})[r["cls"]] = int(r["count"])
    labels: dict[URIRef, list] = {}
    for r in Reader(engine, lib).run("node-labels", sorted({p for _, p in counts})):
        labels.setdefault(r["node"], []).append(r["label"])
    groups = []
    for direction, p in sorted(counts, key=lambda k: (k[0] != "out", str(k[1]))):
        per_class = counts[(direction, p)]
        query = lib.get(f"node-links-{direction}")
        nodes: list[dict] = []
        if keep_types:  # class by class, in the order the unfiltered group lists them
            skip, need = offset, limit
            for cls in sorted(per_class, key=str):
                if need <= 0:
                    break
                if skip >= per_class[cls]:
                    skip -= per_class[cls]
                    continue
                rows = engine.run(Paged(query, need, skip), node=node, predicate=p, cls=cls)
                nodes.extend(_link_node(r) for r in rows)
                need -= len(rows)
                skip = 0
        elif limit > 0 and offset < sum(per_class.values()):
            nodes = [_link_node(r) for r in engine.run(Paged(query, limit, offset), node=node, predicate=p)]
        pja, pen = _predicate_labels(p, labels.get(p, []))
        groups.append({"predicate": str(p), "label": pen, "label_ja": pja, "direction": direction,
                       "count": sum(per_class.values()), "offset": offset, "nodes": nodes})
    return {"id": rid, "iri": str(node), "label": ja, "label_en": en, "cls": str(head["cls"])[len(str(PG)):],
            "status": str(head["status"]) if head["status"] is not None else None,
            "limit": limit, "offset": offset, "groups": groups}


def _head(summary: list) -> dict:
    """The node-summary row a record is shown by: its first class the views style, else its first."""
    from policygraph.views.viz_model import CLASS_STYLE
    return min(summary, key=lambda r: (str(r["cls"])[len(str(PG)):] not in CLASS_STYLE, str(r["cls"])))


def node_links_many(engine, library, ids: Iterable[str], limit: int = DEFAULT_LIMIT) -> dict[str, dict]:
    """{id: node_links(engine, library, id, limit)} for the records among `ids`, read in batches: one
    node-summary, one node-link-counts-batch and one node-labels query per batch of records, and one
    node-links-batch for the records whose every group fits in `limit` (a trace's records, mostly);
    a record with a larger group is read by `node_links` (a page of each group). The same answers
    as `node_links`, in a few queries instead of five or more per record."""
    lib = library_of(library)
    reader = Reader(engine, lib)
    ids = list(dict.fromkeys(ids))
    summaries: dict[str, list] = {}
    for r in reader.run("node-summary", [PGR[i] for i in ids]):
        summaries.setdefault(record_id(r["node"]), []).append(r)
    counts: dict[str, dict[tuple[str, URIRef], dict[URIRef, int]]] = {rid: {} for rid in summaries}
    for r in reader.run("node-link-counts-batch", [PGR[i] for i in summaries]):
        counts[record_id(r["node"])].setdefault((str(r["direction"]), r["p"]), {})[r["cls"]] = int(r["count"])
    labels: dict[URIRef, list] = {}
    for r in reader.run("node-labels", sorted({p for c in counts.values() for _, p in c})):
        labels.setdefault(r["node"], []).append(r["label"])
    whole = [rid for rid in summaries if all(sum(v.values()) <= limit for v in counts[rid].values())]
    rows: dict[tuple[str, str, URIRef], list] = {}
    for r in reader.run("node-links-batch", [PGR[i] for i in whole]):
        rows.setdefault((record_id(r["node"]), str(r["direction"]), r["p"]), []).append(r)
    out, whole_set = {}, set(whole)
    for rid in ids:
        if rid not in summaries:
            continue
        if rid not in whole_set:
            out[rid] = node_links(engine, lib, rid, limit)
            continue
        head = _head(summaries[rid])
        ja, en = _label_pair(head["labelJa"], head["labelEn"], rid)
        groups = []
        for direction, p in sorted(counts[rid], key=lambda k: (k[0] != "out", str(k[1]))):
            found = sorted(rows.get((rid, direction, p), []), key=lambda r: (str(r["cls"]), str(r["other"])))
            pja, pen = _predicate_labels(p, labels.get(p, []))
            groups.append({"predicate": str(p), "label": pen, "label_ja": pja, "direction": direction,
                           "count": sum(counts[rid][(direction, p)].values()), "offset": 0,
                           "nodes": [_link_node(r) for r in found][:limit]})
        out[rid] = {"id": rid, "iri": str(PGR[rid]), "label": ja, "label_en": en,
                    "cls": str(head["cls"])[len(str(PG)):],
                    "status": str(head["status"]) if head["status"] is not None else None,
                    "limit": limit, "offset": 0, "groups": groups}
    return out


def _link_node(r) -> dict:
    rid = record_id(r["other"])
    ja, en = _label_pair(r["labelJa"], r["labelEn"], rid)
    return {"id": rid, "label": ja, "label_en": en, "cls": str(r["cls"])[len(str(PG)):]}


def _predicate_labels(p: URIRef, found: list) -> tuple[str, str]:
    """(Japanese, English) name of a property: its labels, else its local name."""
    name = str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    ja = next((str(x) for x in found if isinstance(x, Literal) and x.language == "ja"), None)
    en = next((str(x) for x in found if isinstance(x, Literal) and x.language == "en"), None)
    return ja or en or name, en or name


__all__ = ["BoundedRecordGraph", "Paged", "Reader", "Unordered", "classes", "index", "is_record", "load", "node_links", "node_links_many"]
