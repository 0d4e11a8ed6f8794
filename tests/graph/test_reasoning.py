"""OWL axioms and reasoning: pg:reaches is inferred, materialised by the build, and what trace walks;
inconsistent data is reported with the node named. HermiT needs Java (CI has it); owlrl is the fallback.
"""
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rdflib import RDF, Graph

from policygraph import pipeline as build
from policygraph.errors import PolicygraphError
from policygraph.graph import reason
from policygraph.graph.convert import PG, PGR, load_ontology
from policygraph.query.sparql import QueryLibrary, run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OWL_CASES = sorted((FIXTURES / "owl").glob("*.ru"))
PREFIXES = """
PREFIX pg:  <https://w3id.org/policygraph/ontology#>
PREFIX pgr: <https://w3id.org/policygraph/id/>
"""


def _fixture_graph(ontology: Graph, update: str | None = None) -> Graph:
    g = Graph()
    g += ontology
    g.parse(FIXTURES / "shapes" / "base.ttl", format="turtle")
    if update:
        g.update(PREFIXES + update)
    return g


@pytest.fixture(scope="module")
def ontology(project):
    return load_ontology(project.ontology)


@pytest.fixture(scope="module")
def hermit_on_corpus(graph):
    assert reason.java_available(), "HermiT needs Java: install a JRE (CI has one)"
    return reason.check(graph, "hermit")


def test_reaches_is_built_from_the_documented_links(ontology):
    forward = {p for p, back in reason.reach_links(ontology) if not back}
    backward = {p for p, back in reason.reach_links(ontology) if back}
    assert forward == {PG.hasDirective, PG.hasPart, PG.isCarriedBy, PG.hasStep, PG.measuredBy}
    # Their declared inverses, walked backwards: the data states partOf, not hasPart.
    assert backward == {PG.statedIn, PG.partOf, PG.carries, PG.stepOf, PG.measures}
    assert (PG.reaches, RDF.type, __import__("rdflib").OWL.TransitiveProperty) in ontology


def test_reasoning_is_the_first_derive_stage():
    from policygraph.store import derive
    name, stage = build._derive_stages()[0]
    assert name == "reasoning" and stage is derive.reaches


def test_build_materialises_directive_and_document_reaches_kpi(graph):
    kpi = PGR["kpi-cloud-municipalities"]
    assert (PGR["dir-future-investment-2017-cloud"], PG.reaches, kpi) in graph
    assert (PGR["doc-future-investment-2017"], PG.reaches, kpi) in graph
    assert (PGR["dir-guideline-1"], PG.reaches, PGR["dir-guideline-1-action-1"]) in graph
    # Only downward: a KPI reaches nothing, a directive never reaches its document.
    assert not set(graph.objects(kpi, PG.reaches))
    assert (PGR["dir-future-investment-2017-cloud"], PG.reaches, PGR["doc-future-investment-2017"]) not in graph


def test_hermit_finds_the_corpus_consistent_and_infers_the_same_reaches(graph, hermit_on_corpus):
    report = hermit_on_corpus
    assert report.reasoner == "HermiT" and report.consistent and report.clashes == []
    materialised = reason.reaches_pairs(graph)
    assert report.reaches == materialised
    # HermiT's own contribution: multi-step links no single assertion states.
    two_steps = (PGR["doc-future-investment-2017"], PGR["kpi-cloud-municipalities"])
    assert two_steps in report.reaches and two_steps not in reason._one_step_links(graph)


def test_sparql_update_derives_the_same_links_as_the_build_stage(graph):
    bare = Graph()
    for triple in graph:
        if triple[1] != PG.reaches:
            bare.add(triple)
    bare.update(reason.reaches_update(bare))
    assert reason.reaches_pairs(bare) == reason.reaches_pairs(graph)


def test_trace_query_returns_exactly_the_inferred_links(project, graph):
    query = QueryLibrary(project.query_dirs).get("trace")
    kpis = set(graph.subjects(RDF.type, PG.KPI))
    directives = set(graph.subjects(RDF.type, PG.Directive))
    # Every directive that reaches a KPI, a guideline that reaches only its actions, and documents
    # with and without KPIs (a document root costs ~1 s on rdflib, so not all of them).
    roots = {r for r in directives if set(graph.objects(r, PG.reaches)) & kpis}
    roots |= {PGR[i] for i in ("dir-guideline-1", "doc-future-investment-2017", "doc-honebuto-2017",
                               "doc-ten-guidelines-draft")}
    assert len(roots) >= 10, "too few roots reach a KPI for this test to mean much"
    for root in sorted(roots):
        rows = run(graph, query, root=root)
        reached = set(graph.objects(root, PG.reaches))
        assert {r["kpi"] for r in rows if r["kpi"] is not None} == reached & kpis, root
        expected_directives = (reached & directives) | ({root} & directives)
        assert {r["directive"] for r in rows} == expected_directives, root


def test_without_java_owlrl_takes_over_and_says_so(monkeypatch, ontology):
    import owlready2
    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/java")
    assert not reason.java_available()
    g = _fixture_graph(ontology)
    report = reason.check(g)
    assert report.reasoner == "owlrl" and report.consistent
    assert report.note == reason.FALLBACK_NOTE and "\n" not in report.note
    reason.materialise(None, g)
    assert report.reaches == reason.reaches_pairs(g)
    with pytest.raises(PolicygraphError) as err:
        reason.check(g, "hermit")
    assert err.value.exit_code == 2 and "Java" in str(err.value)


@pytest.fixture(scope="module")
def owl_results(ontology):
    """Every OWL fixture through HermiT and through owlrl (HermiT runs in parallel: JVM start-up dominates)."""
    assert reason.java_available(), "HermiT needs Java: install a JRE (CI has one)"
    jobs = {(case.stem, r): _fixture_graph(ontology, case.read_text(encoding="utf-8").split("\n", 1)[1])
            for case in OWL_CASES for r in ("hermit", "owlrl", "sparql")}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(reason.check, g, key[1]) for key, g in jobs.items()}
        return {key: f.result() for key, f in futures.items()}


def test_base_fixture_is_consistent(ontology):
    assert reason.check(_fixture_graph(ontology), "hermit").consistent
    assert reason.check(_fixture_graph(ontology), "sparql").consistent  # the check of large graphs agrees


@pytest.mark.parametrize("reasoner", ["hermit", "owlrl", "sparql"])
@pytest.mark.parametrize("case", OWL_CASES, ids=[c.stem for c in OWL_CASES])
def test_each_axiom_fails_its_fixture_with_the_node_named(case, reasoner, owl_results):
    node, words = (s.strip() for s in case.read_text(encoding="utf-8").splitlines()[0][len("# expect:"):].split("|"))
    report = owl_results[(case.stem, reasoner)]
    assert not report.consistent, f"{case.stem}: {reasoner} found no inconsistency"
    named = [c for c in report.clashes if c.node == PGR[node]]
    assert named, [(str(c.node), c.message) for c in report.clashes]
    assert any(words in c.message for c in named), [c.message for c in named]
