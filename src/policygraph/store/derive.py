"""Derived facts on an Oxigraph store: pg:reaches and attainment, without rdflib holding the graph.

The build derives on its in-memory store before the checks; `open_graph(as_of=…)` judges
attainment again on a copy of the read-only store. The rules are the graph stage's (the
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
from rdflib import URIRef

from policygraph.graph import attainment as _attainment
from policygraph.graph.namespaces import PG
from policygraph.store.engines import OxigraphEngine, TextQuery, to_oxigraph

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


def compute_attainment(engine, as_of: dt.date | None = None) -> dict[URIRef, _attainment.Attainment]:
    """Attainment of every KPI, read with the graph stage's four queries on any engine."""
    rows = {name: engine.run(TextQuery(f"attainment-{name}", text)) for name, text in _attainment.QUERIES.items()}
    return _attainment.compute_rows(rows, as_of)


def attainment(store: ox.Store, as_of: dt.date | None = None,
               measured_by: bool = True) -> dict[URIRef, _attainment.Attainment]:
    """Replace every KPI's attainment triples in a writable store, judged as of `as_of` (default today);
    `measured_by=False` counts every value in the store (see `attainment.assess`)."""
    for prop in _attainment.DERIVED:
        store.update(f"DELETE WHERE {{ ?s <{prop}> ?o }}")
    engine = OxigraphEngine(store=store)
    rows = {name: engine.run(TextQuery(f"attainment-{name}", text)) for name, text in _attainment.QUERIES.items()}
    results, added = _attainment.derived(rows, as_of, measured_by)
    store.extend([ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in added])
    return results


_PG = "PREFIX pg: <https://w3id.org/policygraph/ontology#>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
#: As of D: what was measured after D, graded after D or estimated after D is not yet known.
_LATER_THAN_AS_OF = _PG + """SELECT DISTINCT ?node WHERE {
  { ?node a pg:Observation ; pg:referenceDate ?d }
  UNION { ?node a pg:Assessment ; pg:gradeDate ?d }
  UNION { ?node a pg:Projection ; pg:estimatedAsOf ?d }
  FILTER(?d > "DAY"^^xsd:date) }"""
#: Published by D: documents issued after D, or whose issue date is unknown, and what they state.
_LATER_DOCUMENTS = _PG + """SELECT DISTINCT ?doc WHERE { ?doc a pg:PolicyDocument .
  OPTIONAL { ?doc pg:issuedBy ?d } FILTER(!BOUND(?d) || ?d > "DAY"^^xsd:date) }"""
_STATED_IN = _PG + """SELECT DISTINCT ?node WHERE {
  VALUES ?doc { DOCS }
  { ?node pg:reportedIn ?doc } UNION { ?node pg:statedIn ?doc } UNION { ?doc pg:hasDirective ?node } }"""
#: Nodes reported in several documents (KPIs, reform items) stay while one of them is kept.
_KEPT_ELSEWHERE = _PG + """SELECT DISTINCT ?node WHERE { VALUES ?node { NODES } ?node pg:reportedIn ?other .
  FILTER NOT EXISTS { VALUES ?doc { DOCS } FILTER(?other = ?doc) } }"""


def _remove_nodes(store: ox.Store, nodes: list[str]) -> None:
    """Remove nodes with every triple about them, their evidence and editions, and every link to them."""
    ev, ed = f"<{PG.hasEvidence}>", f"<{PG.hasEdition}>"
    # Parts first (they are found through the node's own links), then the node, then links to it.
    patterns = (("?e ?p ?o", f"?n {ed} ?d . ?d {ev} ?e . ?e ?p ?o"), ("?e ?p ?o", f"?n {ev} ?e . ?e ?p ?o"),
                ("?e ?p ?o", f"?n {ed} ?e . ?e ?p ?o"), ("?n ?p ?o", "?n ?p ?o"), ("?s ?p ?n", "?s ?p ?n"))
    for start in range(0, len(nodes), 500):
        values = " ".join(f"<{n}>" for n in nodes[start:start + 500])
        for deleted, where in patterns:
            store.update(f"DELETE {{ {deleted} }} WHERE {{ VALUES ?n {{ {values} }} {where} }}")


def restrict(store: ox.Store, as_of: dt.date | None = None, published_by: dt.date | None = None) -> dict:
    """Make a writable store what an auditor knew: `as_of` D drops values measured after D (an
    observation's reference date is the last day of its period), grades given after D and estimates
    made after D; `published_by` D drops every document issued after D (or whose issue date is
    unknown) and what it states — directives, steps, reports, values, grades — keeping a KPI or item
    another kept document reports, and counts every value the kept documents print (a 2016年度 value
    printed in December 2016 is what the auditor read then). Then pg:reaches and attainment are
    derived again, as of the earlier date. Returns what was dropped: {"documents": [...], "nodes": n}."""
    dropped: dict = {"documents": [], "nodes": 0}
    if published_by is not None:
        day = published_by.isoformat()
        docs = sorted(s["doc"].value for s in store.query(_LATER_DOCUMENTS.replace("DAY", day)))
        dropped["documents"] = docs
        if docs:
            doc_values = " ".join(f"<{d}>" for d in docs)
            stated = sorted({s["node"].value for s in store.query(_STATED_IN.replace("DOCS", doc_values))})
            kept = set()
            for start in range(0, len(stated), 500):
                chunk = " ".join(f"<{n}>" for n in stated[start:start + 500])
                kept |= {s["node"].value for s in store.query(
                    _KEPT_ELSEWHERE.replace("NODES", chunk).replace("DOCS", doc_values))}
            gone = [n for n in stated if n not in kept] + docs
            # Links from kept nodes to dropped documents go with _remove_nodes ("?s ?p ?n").
            _remove_nodes(store, gone)
            dropped["nodes"] += len(gone)
    if as_of is not None:
        # Grades are dated by the derived pg:gradeDate: derive before dropping by date.
        attainment(store, as_of)
        later = sorted({s["node"].value for s in store.query(_LATER_THAN_AS_OF.replace("DAY", as_of.isoformat()))})
        _remove_nodes(store, later)
        dropped["nodes"] += len(later)
    if as_of is not None or published_by is not None:
        store.update(f"DELETE WHERE {{ ?s <{PG.reaches}> ?o }}")
        reaches(store)
        # Only --published-by: a value a kept document printed counts, even for a period not yet ended.
        attainment(store, min(d for d in (as_of, published_by) if d is not None), measured_by=as_of is not None)
    return dropped


#: The build's derive stages, in order: attainment reads reasoned facts, so it comes after reaches.
STAGES = (("reasoning", reaches), ("attainment", attainment))
#: Every predicate a derive stage writes.
DERIVED = (PG.reaches, *_attainment.DERIVED)

__all__ = ["DERIVED", "STAGES", "attainment", "compute_attainment", "reach_links", "reaches", "restrict"]
