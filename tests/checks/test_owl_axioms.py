"""Every domain and range declaration that data can violate has a failing case, generated from the
ontology: a node of the base fixture whose class is disjoint with the declared class is put in the
subject (domain) or object (range) position, and HermiT must find the data inconsistent and name that
node. A new declaration is covered without writing a fixture by hand."""
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph
from rdflib.collection import Collection

from policygraph.graph import reason
from policygraph.graph.convert import PGR, load_ontology

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "tests" / "fixtures" / "shapes" / "base.ttl"
ONTOLOGY = load_ontology(ROOT / "ontology" / "policygraph.ttl")


def _main_classes(onto: Graph) -> list:
    """The members of the largest owl:AllDisjointClasses axiom: the pairwise disjoint main classes."""
    groups = [list(Collection(onto, onto.value(ax, OWL.members))) for ax in onto.subjects(RDF.type, OWL.AllDisjointClasses)]
    return max(groups, key=len)


MAIN = _main_classes(ONTOLOGY)


def _main_class_of(cls):
    """The main (disjoint) class a class falls under by rdfs:subClassOf, or None."""
    seen, todo = {cls}, [cls]
    while todo:
        c = todo.pop()
        if c in MAIN:
            return c
        for sup in ONTOLOGY.objects(c, RDFS.subClassOf):
            if sup not in seen:
                seen.add(sup)
                todo.append(sup)
    return None


def _base() -> Graph:
    g = Graph()
    g += ONTOLOGY
    g.parse(BASE, format="turtle")
    return g


BASE_GRAPH = _base()
#: A base-fixture node for each main class.
#: A base-fixture node for each main class: a record (pgr:) where there is one, else an individual of
#: the ontology such as a unit or a grade.
NODE_OF = {}
for s, c in sorted(BASE_GRAPH.subject_objects(RDF.type), key=lambda sc: (not str(sc[0]).startswith(str(PGR)), sc)):
    main = _main_class_of(c)
    if main is not None:
        NODE_OF.setdefault(main, s)


def _cases():
    for prop in sorted(ONTOLOGY.subjects(RDF.type, OWL.ObjectProperty)):
        domain, range_ = ONTOLOGY.value(prop, RDFS.domain), ONTOLOGY.value(prop, RDFS.range)
        dmain = _main_class_of(domain) if domain is not None else None
        rmain = _main_class_of(range_) if range_ is not None else None
        for axis, declared in (("domain", dmain), ("range", rmain)):
            if declared is None:
                continue
            wrong = next(c for c in MAIN if c != declared and c in NODE_OF)
            culprit = NODE_OF[wrong]
            if axis == "domain":
                other = NODE_OF.get(rmain) if rmain is not None else NODE_OF[declared]
                triple = (culprit, prop, other)
            else:
                other = NODE_OF.get(dmain) if dmain is not None else NODE_OF[declared]
                triple = (other, prop, culprit)
            if other is None:  # no fixture node of the other end's class
                continue
            name = f"{str(prop).rsplit('#', 1)[-1]}-{axis}"
            yield pytest.param(triple, culprit, id=name)


CASES = list(_cases())


def test_cases_cover_the_declarations():
    assert len(CASES) >= 50
    assert len(MAIN) >= 10 and len(NODE_OF) >= 10


@pytest.fixture(scope="module")
def reports():
    assert reason.java_available(), "HermiT needs Java: install a JRE (CI has one)"

    def run(triple):
        g = Graph()
        g += BASE_GRAPH
        g.add(triple)
        return reason.check(g, "hermit")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {case.id: pool.submit(run, case.values[0]) for case in CASES}
        return {k: f.result() for k, f in futures.items()}


def test_base_is_consistent():
    assert reason.check(BASE_GRAPH, "hermit").consistent


@pytest.mark.parametrize("triple,culprit", CASES)
def test_declaration_violated_is_reported_with_the_node_named(request, triple, culprit, reports):
    report = reports[request.node.callspec.id]
    assert not report.consistent, f"HermiT found {triple} consistent"
    assert any(c.node == culprit for c in report.clashes), [(str(c.node), c.message) for c in report.clashes]


@pytest.fixture(scope="module")
def sparql_reports():
    """Every case through the check that replaces HermiT above HERMIT_MAX_TRIPLES (SPARQL on Oxigraph)."""
    out = {}
    for case in CASES:
        g = Graph()
        g += BASE_GRAPH
        g.add(case.values[0])
        out[case.id] = reason.check(g, "sparql")
    return out


def test_the_sparql_check_finds_the_base_consistent():
    report = reason.check(BASE_GRAPH, "sparql")
    assert report.reasoner == "SPARQL" and report.consistent and report.clashes == []


@pytest.mark.parametrize("triple,culprit", CASES)
def test_the_sparql_check_gives_hermits_verdict_on_every_declaration(request, triple, culprit, sparql_reports,
                                                                      reports):
    """At 1M triples HermiT cannot run: the check that replaces it must agree with it on every case."""
    case = request.node.callspec.id
    report = sparql_reports[case]
    assert report.consistent == reports[case].consistent
    assert {c.node for c in report.clashes} == {c.node for c in reports[case].clashes}
    assert any(c.node == culprit for c in report.clashes)
