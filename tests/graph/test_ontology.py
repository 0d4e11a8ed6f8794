"""The ontology parses, and every term the data uses is declared with Japanese and English labels."""
from rdflib import OWL, RDF, RDFS, Graph
from rdflib.namespace import SKOS

from policygraph.graph.convert import PG, load_ontology


def _langs(g: Graph, term, prop) -> set[str]:
    return {o.language for o in g.objects(term, prop)}


def test_ontology_parses_and_declares_itself(project):
    onto = load_ontology(project.ontology)
    assert (None, RDF.type, OWL.Ontology) in onto
    assert len(onto) > 500


def test_every_class_and_property_has_ja_en_label_and_definition(project):
    onto = load_ontology(project.ontology)
    terms = set(onto.subjects(RDF.type, OWL.Class)) | set(onto.subjects(RDF.type, OWL.ObjectProperty)) | set(
        onto.subjects(RDF.type, OWL.DatatypeProperty))
    assert len(terms) > 50
    for term in terms:
        assert {"ja", "en"} <= _langs(onto, term, RDFS.label), f"{term} lacks ja/en rdfs:label"
        assert {"ja", "en"} <= _langs(onto, term, SKOS.definition), f"{term} lacks ja/en skos:definition"


def test_every_term_the_data_uses_is_declared(project, graph):
    onto = load_ontology(project.ontology)
    declared = set(onto.subjects(RDF.type, None))
    used_predicates = {p for p in graph.predicates() if str(p).startswith(str(PG))}
    used_classes = {o for o in graph.objects(None, RDF.type) if str(o).startswith(str(PG))}
    used_values = {o for s, p, o in graph if str(p).startswith(str(PG)) and str(o).startswith(str(PG))}
    missing = sorted(str(t) for t in used_predicates | used_classes | used_values if t not in declared)
    assert not missing, f"used but not declared in the ontology: {missing}"
    for term in used_predicates | used_classes:
        assert {"ja", "en"} <= _langs(onto, term, RDFS.label), f"{term} lacks ja/en labels"


def test_grade_legends_are_concept_schemes_tied_to_their_documents(project, graph):
    for scheme, doc, grades in (
        (PG.RoadmapGradeScheme, "doc-progress-2017", {"A", "B", "N", "F"}),
        (PG.EvaluationGradeScheme, "doc-evaluation-2019", {"イ", "ロ", "ハ", "一"}),
    ):
        assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
        source = graph.value(scheme, __import__("rdflib").namespace.DCTERMS.source)
        assert str(source).endswith(doc), f"{scheme} is tied to {source}"
        assert (source, RDF.type, PG.PolicyDocument) in graph, f"{doc} is not a document in the data"
        notations = {str(graph.value(c, SKOS.notation)) for c in graph.subjects(SKOS.inScheme, scheme)}
        assert notations == grades
