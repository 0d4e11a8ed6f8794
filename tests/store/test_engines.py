"""One answer on every engine: every query in queries/ gives the same rows on rdflib, on Oxigraph (the
embedded store), and on the remote stores the tests start (Virtuoso 7 and Oxigraph server, through
the SPARQL protocol: `remote_engine` in tests/conftest.py)."""
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef

from policygraph.graph.convert import PGR
from policygraph.graph.namespaces import PG
from policygraph.query.sparql import QueryLibrary
from policygraph.store.engines import OxigraphEngine, RdflibEngine, TextQuery, project_parameters

QUERIES = Path(__file__).resolve().parents[2] / "queries"
NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t for t in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")}

#: A real node for each parameter name used in queries/ (so parameterised queries return rows).
SAMPLE = {"root": PGR["doc-future-investment-2017"], "kpi": PGR["kpi-cloud-municipalities"], "item": PGR["ri-15"],
          "node": PGR["kpi-cloud-municipalities"], "document": PGR["doc-future-investment-2017"],
          "report": PGR["pr-2017-15-advice-mic"], "directive": PGR["dir-gyokaku-2016-3-cost-visibility"],
          "body": PGR["body-mic-regional-vitalization"], "predicate": PG.hasObservation, "cls": PG.Observation,
          "text": Literal("クラウド"), "wide": Literal("クラウド")}
#: Where a query is compared on a richer sample than SAMPLE's (the 2017 report: values, grades, reports).
RICHER = {"edition-statements": {"document": PGR["doc-progress-2017"]},
          "node-links-in": {"predicate": PG.measuredBy, "cls": PG.ReformItem},
          "node-incoming": {"node": PGR["doc-future-investment-2017"]},
          "node-incoming-count": {"node": PGR["doc-future-investment-2017"]},
          "record-search": {"text": Literal("kpi-cloud"), "wide": Literal("ｋｐｉ－ｃｌｏｕｄ")},
          "trace-document-items": {"root": PGR["doc-progress-2017"]},
          # A body with sub-organisations (body-mic-regional-vitalization …): both halves of the query.
          "trace-responsible-for": {"body": PGR["body-mic"]},
          # Nodes reached by a directive, a reform item and documents (trace-upward's three classes).
          "trace-upward": {"node": PGR["ri-15"]}}


def canonical(term):
    """A term as comparable data: numbers by value (lexical forms differ: 1000 vs 1000.0), the rest exact."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, BNode):
        return ("bnode",)
    if isinstance(term, Literal):
        if term.datatype is not None and str(term.datatype) in NUMERIC:
            return ("number", Decimal(str(term)).normalize())
        return ("literal", str(term), term.language, str(term.datatype) if term.datatype else None)
    raise TypeError(term)


def rows_of(engine, query, params):
    return sorted((tuple(sorted((k, canonical(v)) for k, v in row.items())) for row in engine.run(query, **params)),
                  key=repr)


@pytest.fixture(scope="module")
def engines(graph):
    return RdflibEngine(graph), OxigraphEngine(graph)


@pytest.mark.parametrize("name", QueryLibrary(QUERIES).names())
def test_query_gives_identical_rows_on_both_engines(name, engines, project):
    query = QueryLibrary(project.query_dirs).get(name)
    assert set(query.params) <= set(SAMPLE), f"add a sample value for the parameters of {name}"
    params = {**{p: SAMPLE[p] for p in query.params}, **RICHER.get(name, {})}
    rdflib_rows, oxigraph_rows = (rows_of(e, query, params) for e in engines)
    assert rdflib_rows == oxigraph_rows
    # Optional parameters: also unbound (every KPI, every document).
    if name in ("kpi-history", "coverage-matrix"):
        assert rows_of(engines[0], query, {}) == rows_of(engines[1], query, {})


@pytest.mark.parametrize("name", QueryLibrary(QUERIES).names())
def test_query_gives_identical_rows_on_the_remote_stores(name, remote_engine, engine, project):
    """The embedded store's rows, from Virtuoso and from Oxigraph server (parameters written into the
    query text: the protocol has no bindings)."""
    query = QueryLibrary(project.query_dirs).get(name)
    params = {**{p: SAMPLE[p] for p in query.params}, **RICHER.get(name, {})}
    assert rows_of(remote_engine, query, params) == rows_of(engine, query, params)
    if name in ("kpi-history", "coverage-matrix"):
        assert rows_of(remote_engine, query, {}) == rows_of(engine, query, {})


@pytest.mark.parametrize("engine_index", [0, 1, 2])
def test_hostile_parameter_value_is_harmless_on_a_remote_store(remote_engine, engine, project, engine_index):
    """A parameter written into the text stays one literal: no rows, nothing changed on the server."""
    lib = QueryLibrary(project.query_dirs)
    count = TextQuery("count", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    before = remote_engine.run(count)
    hostile = [Literal('x" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #'), Literal("x' } #\n", lang="ja"),
               Literal('"""x""" } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } #')][engine_index]
    assert remote_engine.run(lib.get("kpi-history"), kpi=hostile) == []
    assert remote_engine.run(lib.get("trace"), root=hostile) == []
    assert remote_engine.run(count) == before


def test_queries_return_rows_on_the_corpus(engines, project):
    """The comparison above is not vacuous: report queries have rows on the real corpus."""
    lib = QueryLibrary(project.query_dirs)
    for name in ("kpi-status", "kpi-history", "coverage-matrix", "body-workload", "trace", "acknowledgements",
                 "acknowledgement-expired-gap", "next-measurement-passed-gap"):
        query = lib.get(name)
        assert engines[1].run(query, **{p: SAMPLE[p] for p in query.params}), name


@pytest.mark.parametrize("engine_index", [0, 1])
def test_hostile_parameter_value_is_harmless_on_both_engines(engines, project, engine_index, graph):
    size = len(graph)
    lib = QueryLibrary(project.query_dirs)
    hostile = Literal('x" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #')
    assert engines[engine_index].run(lib.get("kpi-history"), kpi=hostile) == []
    assert engines[engine_index].run(lib.get("trace"), root=hostile) == []
    assert len(graph) == size


def test_oxigraph_projects_a_parameter_only_by_name():
    text = "# title: t\n# param: node — x\nPREFIX pg: <urn:x#>\nSELECT DISTINCT ?a ?b\nWHERE { ?node pg:p ?a }\n"
    rewritten, added = project_parameters(text, ["node"])
    assert added == {"node"}
    assert "SELECT DISTINCT ?node ?a ?b" in rewritten
    assert project_parameters("SELECT * WHERE { ?node ?p ?o }", ["node"]) == ("SELECT * WHERE { ?node ?p ?o }", set())


def test_responsible_for_reads_the_body_and_its_direct_sub_organisations(engines, graph, project):
    """trace-responsible-for (one property path since the 1M speed-up) lists what the body or a body one
    level under it is responsible for, as the union form did: computed here from the graph itself."""
    from rdflib import RDF, RDFS
    from rdflib.namespace import Namespace
    org = Namespace("http://www.w3.org/ns/org#")
    body = PGR["body-mic"]
    bodies = {body, *graph.subjects(org.subOrganizationOf, body)}
    assert len(bodies) > 1
    classes = {PG.ReformItem, PG.KPI, PG.ScheduleStep, PG.ProgressReport, PG.Measure}
    expected = {(node, cls) for b in bodies for node in graph.subjects(PG.responsibleBody, b)
                for cls in graph.objects(node, RDF.type) if cls in classes
                and any(lab.language == "ja" for lab in graph.objects(node, RDFS.label))}
    assert {n for n, _ in expected} - set(graph.subjects(PG.responsibleBody, body))  # some only through a sub
    query = QueryLibrary(project.query_dirs).get("trace-responsible-for")
    for engine in engines:
        assert {(r["node"], r["class"]) for r in engine.run(query, body=body)} == expected
