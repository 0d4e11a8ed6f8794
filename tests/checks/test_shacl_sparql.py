"""The shapes run as SPARQL on the store (checks/shacl_sparql.py) report exactly what pySHACL reports.

pySHACL is the reference: on every fixture in tests/fixtures/shapes, on all of them applied at
once, on the real corpus, on a synthetic project and on shapes written to exercise each
translated feature, both engines must give the same problems (record, field, message, value).
"""
import pytest
from rdflib import Graph

from policygraph.checks.shacl_sparql import Untranslatable, compile_shapes
from policygraph.checks.validate import check_graph, shacl, shacl_store
from policygraph.store.engines import load_store

from policygraph.cli.app import app

from .test_shapes import CASES, PREFIXES, _graph, ontology, shapes  # noqa: F401 (fixtures)


def _both(graph: Graph, shapes: Graph, corpus=None):
    reference = shacl(graph, shapes, corpus)
    translated = shacl_store(load_store(graph), shapes, corpus)
    return reference, translated


def _key(problems):
    return sorted(tuple(str(x) for x in (p.file, p.line, p.record, p.field, p.message, p.value)) for p in problems)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_each_fixture_gives_the_same_problems_on_both_engines(case, ontology, shapes):
    reference, translated = _both(_graph(ontology, case.read_text(encoding="utf-8")), shapes)
    assert reference, f"{case.stem}: the fixture no longer breaks its rule"
    assert _key(translated) == _key(reference)


def test_all_fixtures_at_once_give_the_same_problems(ontology, shapes):
    g = _graph(ontology)
    for case in CASES:
        g.update(PREFIXES + case.read_text(encoding="utf-8"))
    reference, translated = _both(g, shapes)
    assert len(reference) >= len(CASES) // 2
    assert _key(translated) == _key(reference)


def test_the_real_corpus_and_its_build_store_are_clean_on_both(built_all, shapes):
    corpus, graph, store = built_all
    assert shacl_store(store, shapes, corpus) == [] == shacl(graph, shapes, corpus)


def test_a_synthetic_project_broken_in_many_places_gives_the_same_located_problems(tmp_path, shapes):
    """Records of a synthetic project, each broken in the graph: the problems are located at the same
    file, line and field by both engines."""
    from policygraph.pipeline import _build
    from policygraph.project import Project
    from policygraph.records.synth import synthesize
    synthesize(tmp_path / "p", 3000, seed=7)
    corpus, g, _store = _build(Project(tmp_path / "p"))
    g.update(PREFIXES + """
        DELETE { ?o pg:referenceDate ?d } INSERT { ?o pg:referenceDate "2017-13-45"^^xsd:date }
            WHERE { { SELECT ?o ?d WHERE { ?o a pg:Observation ; pg:referenceDate ?d } ORDER BY ?o LIMIT 3 } } ;
        DELETE { ?s pg:text ?t } WHERE { { SELECT ?s ?t WHERE { ?s a pg:ScheduleStep ; pg:text ?t } ORDER BY ?s LIMIT 2 } } ;
        INSERT { ?k rdfs:label "重複"@ja } WHERE { { SELECT ?k WHERE { ?k a pg:KPI } ORDER BY ?k LIMIT 2 } } ;
        DELETE { ?e pg:quote ?q } INSERT { ?e pg:quote ""@ja } WHERE {
            { SELECT ?e ?q WHERE { ?e a pg:SourceExcerpt ; pg:quote ?q } ORDER BY ?e LIMIT 2 } } ;
        INSERT { ?t pg:relativeFactor "-1.5"^^xsd:decimal , "2.0"^^xsd:decimal } WHERE { { SELECT ?t WHERE { ?t a pg:Target } ORDER BY ?t LIMIT 1 } }
    """)
    reference, translated = _both(g, shapes, corpus)
    assert len(reference) >= 10
    assert any(p.file and p.line for p in reference)
    assert _key(translated) == _key(reference)
    # The queries run in threads: the same results, in the same order, as one after another.
    from policygraph.checks.shacl_sparql import run
    store = load_store(g)
    one = run(store, shapes, threads=1)
    assert len(one) >= 10 and run(store, shapes, threads=3) == one


EXTRA_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Thing a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:property ex:two-names , ex:short-code , ex:kind , ex:both , ex:chain , ex:below , ex:lang , ex:date , ex:ym .
ex:two-names a sh:PropertyShape ; sh:path ex:name ; sh:minCount 2 ; sh:maxCount 2 ; sh:message "two names" .
ex:short-code a sh:PropertyShape ; sh:path ex:code ; sh:maxLength 3 ; sh:pattern "^ab" ; sh:flags "i" ;
  sh:message "a short code" .
ex:kind a sh:PropertyShape ; sh:path ex:link ; sh:nodeKind sh:IRI ; sh:message "links are IRIs" .
ex:both a sh:PropertyShape ; sh:path ex:size ;
  sh:and ( [ sh:datatype xsd:integer ] [ sh:maxExclusive 10 ] ) ; sh:message "a size is an integer below 10" .
ex:chain a sh:PropertyShape ; sh:path ( ex:link [ sh:zeroOrMorePath ex:next ] ) ; sh:class ex:Thing ;
  sh:message "every linked node is a Thing" .
ex:below a sh:PropertyShape ; sh:path ex:low ; sh:lessThan ex:high ; sh:maxInclusive 100 ;
  sh:message "low is below high" .
ex:lang a sh:PropertyShape ; sh:path ex:title ; sh:datatype xsd:string ; sh:message "a title is a plain string" .
ex:date a sh:PropertyShape ; sh:path ex:when ; sh:datatype xsd:date ; sh:message "a date" .
ex:ym a sh:PropertyShape ; sh:path ex:month ; sh:datatype xsd:gYearMonth ; sh:message "a month" .
ex:Pointed a sh:NodeShape ; sh:targetObjectsOf ex:link ; sh:targetNode ex:lone ;
  sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "a linked node has a name" ] .
ex:Special a sh:NodeShape ; sh:targetClass ex:Special ; sh:hasValue ex:x ; sh:message "only x is special" .
"""
EXTRA_DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Sub rdfs:subClassOf ex:Thing .
ex:a a ex:Thing ; ex:name "a1" , "a2" ; ex:code "ABC" ; ex:link ex:b ; ex:size 3 ; ex:low 1 ; ex:high 2 ;
  ex:title "t" ; ex:when "2017-04-01"^^xsd:date ; ex:month "2017-04"^^xsd:gYearMonth .
ex:b a ex:Sub ; ex:name "b" ; ex:code "xabcd" ; ex:link "literal" , _:blank ; ex:size 12 , 2.5 , "4" ;
  ex:low 5 , "x" ; ex:high 4 ; ex:title "t"@en ; ex:when "2017-13-45"^^xsd:date , "2017-04"^^xsd:date ;
  ex:month "2017-4"^^xsd:gYearMonth ; ex:next ex:c .
ex:c ex:next ex:d ; ex:name "c" .
ex:d a ex:Thing ; ex:name "d1" , "d2" , "d3" ; ex:low 200 ; ex:month "2017-04" .
ex:x a ex:Special . ex:y a ex:Special .
"""


def test_each_translated_feature_agrees_with_pyshacl():
    shapes = Graph().parse(data=EXTRA_SHAPES, format="turtle")
    data = Graph().parse(data=EXTRA_DATA, format="turtle")
    reference, translated = _both(data, shapes)
    rules = {p.message.rsplit("[", 1)[1] for p in reference}
    assert len(rules) >= 11, rules  # every shape above fires somewhere
    assert _key(translated) == _key(reference)


def test_an_untranslated_feature_is_named_and_pyshacl_runs_instead(project, built_all, shapes):
    corpus, graph, store = built_all
    extended = Graph()
    extended += shapes
    extended.parse(data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:closed> a sh:NodeShape ; sh:targetClass <https://w3id.org/policygraph/ontology#Body> ;
            sh:closed false ; sh:message "closed shapes are not translated" .""", format="turtle")
    with pytest.raises(Untranslatable, match="closed"):
        compile_shapes(extended)
    report = check_graph(project, corpus, graph, reasoner="owlrl", shapes=extended, store=store)
    assert report.shacl_engine == "pySHACL" and report.problems == []
    assert any("closed" in n for n in report.notes)


def test_validate_runs_the_shapes_on_the_store_and_pyshacl_on_request(runner, project_copy):
    for flag, engine in ((), "SPARQL on Oxigraph"), (("--shacl", "pyshacl"), "pySHACL"):
        result = runner.invoke(app, ["validate", "--root", str(project_copy.root), "--reasoner", "owlrl", *flag])
        assert result.exit_code == 0, result.output
        assert engine in result.output
