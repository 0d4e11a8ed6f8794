"""Every column of the library's named queries has a Japanese and an English heading (`labels.COLUMNS`):
the query pages and downloads' headings showed 132 of them as bare SPARQL variable names."""
from policygraph import labels
from policygraph.query.sparql import QueryLibrary


def test_every_column_of_the_named_queries_has_a_heading_in_both_languages(project):
    library = QueryLibrary(project.query_dirs)
    missing = sorted({c for name in library.names() for c in library.get(name).projected} - set(labels.COLUMNS))
    assert missing == []
    assert all(ja and en for ja, en in labels.COLUMNS.values())


def test_a_heading_is_shown_in_both_languages_and_a_project_column_as_it_is():
    assert str(labels.column("latestValue")) == str(labels.bi(("最新値", "latest value")))
    assert "myOwnColumn" in str(labels.column("myOwnColumn"))


def test_curie_shortens_every_known_namespace_and_leaves_other_text():
    """Defect: curie took len() of rdflib's DefinedNamespace (RDFS, XSD …) and raised TypeError, so a table
    cell or facet holding rdfs:label broke its page (every named query page caught it)."""
    from policygraph.graph.namespaces import PREFIXES, curie
    for prefix, ns in PREFIXES.items():
        assert curie(f"{ns}Thing") == f"{prefix}:Thing"
        assert curie(str(ns)) == str(ns)  # the namespace alone: nothing to name
    assert curie("http://www.w3.org/2000/01/rdf-schema#label") == "rdfs:label"
    assert [curie(t) for t in ("urn:x", "データ", "")] == ["urn:x", "データ", ""]
