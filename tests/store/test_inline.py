"""Parameters written into the query as constants for Oxigraph's planner (store/engines.py:
inline_parameters) — only where that cannot change the answer."""
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from policygraph.store.engines import inline_parameters

X = URIRef("urn:x")


def test_the_projection_keeps_the_parameter_and_the_body_reads_the_constant():
    text, done = inline_parameters("SELECT ?kpi ?v WHERE { ?kpi <urn:p> ?v . FILTER(?kpi != <urn:y>) } ORDER BY ?kpi",
                                   {"kpi": X})
    assert done == {"kpi"}
    assert text == ("SELECT (<urn:x> AS ?kpi) ?v WHERE { <urn:x> <urn:p> ?v . FILTER(<urn:x> != <urn:y>) } "
                    "ORDER BY ?kpi")


def test_strings_iris_and_comments_are_left_alone():
    text, _ = inline_parameters('# ?kpi here\nSELECT ?v WHERE { ?kpi <urn:p?kpi> "?kpi" . BIND(?kpi AS ?v) }',
                                {"kpi": Literal("2019-08-01", datatype=XSD.date)})
    assert '# ?kpi here' in text and "<urn:p?kpi>" in text and '"?kpi"' in text
    assert text.count("2019-08-01") == 2


@pytest.mark.parametrize("query", [
    "SELECT ?v WHERE { BIND(<urn:y> AS ?kpi) ?kpi <urn:p> ?v }",                 # assigned
    "SELECT ?v WHERE { ?kpi <urn:p> ?v FILTER(BOUND(?kpi)) }",                   # BOUND needs a variable
    "SELECT ?v WHERE { VALUES ?kpi { <urn:a> } ?kpi <urn:p> ?v }",               # listed
    "SELECT ?kpi (COUNT(?v) AS ?n) WHERE { ?kpi <urn:p> ?v } GROUP BY ?kpi",     # grouped
    "SELECT ?v WHERE { { SELECT ?kpi ?v WHERE { ?kpi <urn:p> ?v } } }",          # a subquery
    "SELECT * WHERE { ?kpi <urn:p> ?v }",                                        # SELECT *
])
def test_unsafe_places_keep_the_substitution(query):
    assert inline_parameters(query, {"kpi": X}) == (query, set())


def test_an_iri_that_could_end_early_is_never_written_in():
    assert inline_parameters("SELECT ?v WHERE { ?kpi <urn:p> ?v }", {"kpi": URIRef("urn:x> } DROP ALL {")})[1] == set()
