"""Derived facts on an Oxigraph store: pg:reaches and attainment, without rdflib holding the graph.

The build derives on its in-memory store before the checks; `restrict` judges attainment again as of
an earlier date, on the dated store made beside the built store (`policygraph.store.dated`) or on a copy
in memory (a remote store, a graph file). The rules are the graph stage's (the
sub-properties of pg:reaches in the ontology; `policygraph.graph.attainment`); this module only
reads and writes the store. Tests compare both derivations with the rdflib ones and with HermiT.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.load(ontology_bytes, format=ox.RdfFormat.TURTLE)
>>> reaches(store)
0
"""
from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
from rdflib import Literal, URIRef

from policygraph.graph import attainment as _attainment
from policygraph.graph.namespaces import PG
from policygraph.store.engines import OxigraphEngine, TextQuery, to_oxigraph, with_values

_LINKS = ("PREFIX pg: <https://w3id.org/policygraph/ontology#>\n"
          "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
          "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
          "SELECT DISTINCT ?p ?inverse WHERE { ?p rdfs:subPropertyOf+ pg:reaches . FILTER(?p != pg:reaches)\n"
          "  OPTIONAL { { ?p owl:inverseOf ?inverse } UNION { ?inverse owl:inverseOf ?p } } }")


def reach_links(store: ox.Store) -> list[tuple[URIRef, bool]]:
    """`policygraph.graph.reason.reach_links`, read from a store (the ontology is in it with the data)."""
    subs, inverses = set(), set()
    for sol in store.query(_LINKS):
        subs.add(URIRef(sol["p"].value))
        if sol["inverse"] is not None:
            inverses.add(URIRef(sol["inverse"].value))
    return sorted({(p, False) for p in subs} | {(q, True) for q in inverses - subs})


def reaches(store: ox.Store) -> int:
    """Add every pg:reaches link with one SPARQL UPDATE; returns how many links the store then holds."""
    links = reach_links(store)
    if not links:
        return 0
    path = "|".join(f"{'^' if back else ''}<{p}>" for p, back in links)
    store.update(f"INSERT {{ ?a <{PG.reaches}> ?c }} WHERE {{ ?a ({path})+ ?c }}")
    return sum(1 for _ in store.quads_for_pattern(None, ox.NamedNode(str(PG.reaches)), None))


def _attainment_rows(store: ox.Store) -> dict[str, list[dict]]:
    """The rows of the graph stage's attainment queries, read from a store."""
    engine = OxigraphEngine(store=store)
    return {name: engine.run(TextQuery(f"attainment-{name}", text)) for name, text in _attainment.QUERIES.items()}


def attainment(store: ox.Store, as_of: dt.date | None = None,
               measured_by: bool = True) -> dict[URIRef, _attainment.Attainment]:
    """Replace every KPI's attainment triples in a writable store, judged as of `as_of` (default today);
    `measured_by=False` counts every value in the store (see `attainment.assess`). Only what changes is
    written: the triples no longer derived are removed, the new ones added (on a store on disk, judged
    again as of another date, most of them stay; `materialised`). The queries read no derived triple."""
    results, added = _attainment.derived(_attainment_rows(store), as_of, measured_by)
    new = {ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in added}
    old = {q for prop in _attainment.DERIVED
           for q in store.quads_for_pattern(None, ox.NamedNode(str(prop)), None, ox.DefaultGraph())}
    _delete(store, sorted(old - new, key=str))
    store.extend(sorted(new - old, key=str))
    return results


def _delete(store: ox.Store, quads: list[ox.Quad]) -> None:
    """Remove quads of the default graph, in batches of one update each (a transaction per quad is slow
    on disk). The terms come out of the store or the derivation and are written as N-Triples terms."""
    for start in range(0, len(quads), 2000):
        body = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads[start:start + 2000])
        store.update(f"DELETE DATA {{ {body} }}")


_PG = "PREFIX pg: <https://w3id.org/policygraph/ontology#>\n"
#: As of ?day: what was measured, graded or estimated after it is not yet known.
_LATER_THAN = TextQuery("restrict-later-than", _PG + """SELECT DISTINCT ?node WHERE {
  { ?node a pg:Observation ; pg:referenceDate ?d }
  UNION { ?node a pg:Assessment ; pg:gradeDate ?d }
  UNION { ?node a pg:Projection ; pg:estimatedAsOf ?d }
  FILTER(?d > ?day) }""")
#: Published by ?day: documents issued after it, or whose issue date is unknown.
_LATER_DOCUMENTS = TextQuery("restrict-later-documents", _PG + """SELECT DISTINCT ?doc WHERE {
  ?doc a pg:PolicyDocument . OPTIONAL { ?doc pg:issuedBy ?d } FILTER(!BOUND(?d) || ?d > ?day) }""")
#: What the documents ?doc state.
_STATED_IN = TextQuery("restrict-stated-in", _PG + """SELECT DISTINCT ?node WHERE {
  { ?node pg:reportedIn ?doc } UNION { ?node pg:statedIn ?doc } UNION { ?doc pg:hasDirective ?node } }""")
#: Nodes reported in several documents (KPIs, reform items): those reported in any document at all;
#: the caller keeps the ones reported in a document it keeps.
_REPORTED_IN = TextQuery("restrict-reported-in", _PG + """SELECT ?node ?doc WHERE { ?node pg:reportedIn ?doc }""")
#: A removed node's parts (evidence, editions and their evidence) first, then its triples, then links to it.
_REMOVALS = tuple(f"DELETE {{ {deleted} }} WHERE {{ {where} }}" for deleted, where in (
    ("?e ?p ?o", f"?n <{PG.hasEdition}> ?d . ?d <{PG.hasEvidence}> ?e . ?e ?p ?o"),
    ("?e ?p ?o", f"?n <{PG.hasEvidence}> ?e . ?e ?p ?o"),
    ("?e ?p ?o", f"?n <{PG.hasEdition}> ?e . ?e ?p ?o"),
    ("?n ?p ?o", "?n ?p ?o"), ("?s ?p ?n", "?s ?p ?n")))
_BATCH = 5000


def _nodes(engine: OxigraphEngine, query: TextQuery, var: str, values: dict) -> list[URIRef]:
    return sorted({r[var] for r in engine.run(query, values=values)}, key=str)


def _remove_nodes(store: ox.Store, nodes: list[URIRef]) -> None:
    """Remove nodes with every triple about them, their evidence and editions, and every link to them."""
    for start in range(0, len(nodes), _BATCH):
        batch = {"n": nodes[start:start + _BATCH]}
        for update in _REMOVALS:
            store.update(with_values(update, batch))


def restrict(store: ox.Store, as_of: dt.date | None = None, published_by: dt.date | None = None,
             built: bool = False) -> list[str]:
    """Make a writable store what an auditor knew: `as_of` D drops values measured after D (an
    observation's reference date is the last day of its period), grades given after D and estimates
    made after D; `published_by` D drops every document issued after D (or whose issue date is
    unknown) and what it states — directives, steps, reports, values, grades — keeping a KPI or item
    another kept document reports, and counts every value the kept documents print (a 2016年度 value
    printed in December 2016 is what the auditor read then). Then pg:reaches and attainment are
    derived again, as of the earlier date. Returns the IRIs of the documents left out.

    `built`: the store's derived triples are its build's (a store `policygraph build` wrote), so the
    grade dates are there already. pg:reaches is derived again only when a link it follows was removed
    (removing only deletes triples: with every link left, the closure is the same)."""
    engine = OxigraphEngine(store=store)
    docs: list[URIRef] = []
    links = _link_count(store)
    if published_by is not None:
        docs = _nodes(engine, _LATER_DOCUMENTS, "doc", {"day": [Literal(published_by)]})
        if docs:
            stated = _nodes(engine, _STATED_IN, "node", {"doc": docs})
            later = set(docs)
            elsewhere = {r["node"] for r in engine.run(_REPORTED_IN) if r["doc"] not in later}
            _remove_nodes(store, [n for n in stated if n not in elsewhere] + docs)
    if as_of is not None:
        # Grades are dated by the derived pg:gradeDate: derive before dropping by date.
        if not (built and published_by is None):
            attainment(store, as_of)
        _remove_nodes(store, _nodes(engine, _LATER_THAN, "node", {"day": [Literal(as_of)]}))
    if as_of is not None or published_by is not None:
        if _link_count(store) != links:
            _reaches_again(store)
        # Only --published-by: a value a kept document printed counts, even for a period not yet ended.
        attainment(store, min(d for d in (as_of, published_by) if d is not None), measured_by=as_of is not None)
    return [str(d) for d in docs]


def _reaches_again(store: ox.Store) -> None:
    """`reaches` on a store that holds pg:reaches already: the closure is read, and only the links that
    change are written (on disk, an INSERT of the whole closure costs more than reading it)."""
    links = reach_links(store)
    reach = ox.NamedNode(str(PG.reaches))
    path = "|".join(f"{'^' if back else ''}<{p}>" for p, back in links)
    new = {ox.Quad(s["a"], reach, s["c"]) for s in store.query(f"SELECT DISTINCT ?a ?c WHERE {{ ?a ({path})+ ?c }}")}
    old = set(store.quads_for_pattern(None, reach, None, ox.DefaultGraph()))
    _delete(store, sorted(old - new, key=str))
    store.extend(sorted(new - old, key=str))


def _link_count(store: ox.Store) -> int:
    """How many triples pg:reaches follows (its sub-properties) the store holds."""
    return sum(1 for p, _back in reach_links(store)
               for _ in store.quads_for_pattern(None, ox.NamedNode(str(p)), None))


#: The build's derive stages, in order: attainment reads reasoned facts, so it comes after reaches.
STAGES = (("reasoning", reaches), ("attainment", attainment))
#: Every predicate a derive stage writes.
DERIVED = (PG.reaches, *_attainment.DERIVED)

__all__ = ["DERIVED", "STAGES", "attainment", "reach_links", "reaches", "restrict"]
