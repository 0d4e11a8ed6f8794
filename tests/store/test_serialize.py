"""The exports written from the store: each format parses back to the built graph."""
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from policygraph.pipeline import exports_of
from policygraph.store import serialize


@pytest.fixture(scope="module")
def exports(built_all):
    return exports_of(built_all[2])


@pytest.mark.parametrize("name,fmt", [("policygraph.ttl", "turtle"), ("policygraph.nt", "nt"),
                                      ("policygraph.jsonld", "json-ld")])
def test_each_export_is_the_built_graph(exports, graph, name, fmt):
    parsed = Graph().parse(data=exports[name], format=fmt)
    assert len(parsed) == len(graph) > 10_000
    assert isomorphic(parsed, graph)


def test_ntriples_are_sorted_and_turtle_and_jsonld_use_the_prefixes(exports):
    lines = exports["policygraph.nt"].decode().splitlines()
    assert lines == sorted(lines)
    ttl = exports["policygraph.ttl"].decode()
    assert "@prefix pg: <https://w3id.org/policygraph/ontology#> ." in ttl
    assert "pgr:kpi-cloud-municipalities a pg:KPI ;" in ttl
    assert '"^^xsd:date' in ttl
    jsonld = exports["policygraph.jsonld"].decode()
    assert '"pg:hasTarget"' in jsonld and '"@context"' in jsonld


def test_hostile_literals_survive_every_format():
    import pyoxigraph as ox
    store = ox.Store()
    nasty = 'a "quoted" \\ back\nslash <tag> ; . # {x} @en ^^'
    s = ox.NamedNode("https://w3id.org/policygraph/id/x")
    for p, o in ((ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal(nasty, language="ja")),
                 (ox.NamedNode("https://w3id.org/policygraph/ontology#quote"), ox.Literal(nasty)),
                 (ox.NamedNode("https://w3id.org/policygraph/ontology#value"),
                  ox.Literal("1.5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")))):
        store.add(ox.Quad(s, p, o))
    prefixes = {"pg": "https://w3id.org/policygraph/ontology#", "pgr": "https://w3id.org/policygraph/id/",
                "xsd": "http://www.w3.org/2001/XMLSchema#"}
    nt = serialize.ntriples(store)
    graphs = [Graph().parse(data=nt, format="nt"),
              Graph().parse(data=serialize.turtle(nt, prefixes), format="turtle"),
              Graph().parse(data=serialize.jsonld(nt, prefixes), format="json-ld")]
    assert all(isomorphic(g, graphs[0]) for g in graphs)
    assert nasty in {str(o) for o in graphs[2].objects()}


def test_two_builds_of_the_same_data_write_the_same_bytes(project, tmp_path):
    """Byte-reproducible exports (hardening issue, defect 9): the ontology's 46 blank-node triples
    used to get new labels in every build."""
    from policygraph.pipeline import build
    first, second = build(project, tmp_path / "a"), build(project, tmp_path / "b")
    assert first.generation != second.generation
    for name in ("policygraph.nt", "policygraph.ttl", "policygraph.jsonld"):
        a, b = (tmp_path / "a" / name).read_bytes(), (tmp_path / "b" / name).read_bytes()
        assert a == b, name
    assert b"_:" in (tmp_path / "a" / "policygraph.nt").read_bytes()  # blank nodes there, labelled alike


def test_jsonld_text_is_what_json_dumps_writes_for_every_kind_of_literal():
    """The JSON-LD export is written as text (not through a dict per node): every node line is exactly
    what json.dumps(node, ensure_ascii=False, separators=(",", ":")) writes, escapes and control
    characters included, and a literal holding U+2028 or U+0085 (which str.splitlines splits at) stays whole."""
    import json

    import pyoxigraph as ox
    store = ox.Store()
    s = ox.NamedNode("https://w3id.org/policygraph/id/x")
    texts = ['tab\there', 'bell\x07 and \x1f', 'quote " and \\ back', 'line\u2028sep and \x85 next',
             'slash / ok', '日本語 plain', 'cr\r lf\n']
    for i, text in enumerate(texts):
        store.add(ox.Quad(s, ox.NamedNode(f"https://w3id.org/policygraph/ontology#p{i}"), ox.Literal(text, language="ja")))
    store.add(ox.Quad(s, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("https://w3id.org/policygraph/ontology#KPI")))
    prefixes = {"pg": "https://w3id.org/policygraph/ontology#", "pgr": "https://w3id.org/policygraph/id/"}
    out = serialize.jsonld(serialize.ntriples(store), prefixes).decode()
    doc = json.loads(out)
    (node,) = doc["@graph"]
    assert node["@id"] == "pgr:x" and node["@type"] == ["pg:KPI"]
    assert {node[f"pg:p{i}"][0]["@value"] for i in range(len(texts))} == set(texts)
    line = out.split("\n")[-3]  # the node's line
    assert line == json.dumps(node, ensure_ascii=False, separators=(",", ":"))


def test_turtle_and_jsonld_read_once_give_what_each_gives_alone(exports):
    """The build makes both from one reading of the N-Triples; either alone is the same bytes."""
    from policygraph.graph.namespaces import PREFIXES
    nt = exports["policygraph.nt"]
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    both = serialize.turtle_and_jsonld(nt, prefixes)
    assert both == (serialize.turtle_and_jsonld(nt, prefixes, jsonld=False)[0],
                    serialize.turtle_and_jsonld(nt, prefixes, turtle=False)[1])
    assert serialize.turtle_and_jsonld(nt, prefixes, turtle=False)[0] is None
    assert isomorphic(Graph().parse(data=both[0], format="turtle"), Graph().parse(data=both[1], format="json-ld"))
