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


def attainment(store: ox.Store, as_of: dt.date | None = None) -> dict[URIRef, _attainment.Attainment]:
    """Replace every KPI's attainment triples in a writable store, judged as of `as_of` (default today)."""
    for prop in _attainment.DERIVED:
        store.update(f"DELETE WHERE {{ ?s <{prop}> ?o }}")
    results = compute_attainment(OxigraphEngine(store=store), as_of)
    store.extend([ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))
                  for s, p, o in _attainment.triples(results)])
    return results


#: The build's derive stages, in order: attainment reads reasoned facts, so it comes after reaches.
STAGES = (("reasoning", reaches), ("attainment", attainment))
#: Every predicate a derive stage writes.
DERIVED = (PG.reaches, *_attainment.DERIVED)

__all__ = ["DERIVED", "STAGES", "attainment", "compute_attainment", "reach_links", "reaches"]
