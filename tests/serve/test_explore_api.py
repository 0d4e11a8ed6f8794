"""The explorer's path API: `views.explore.paths` on the corpus against networkx's shortest paths over
the same links, and `GET /api/path` (shape, bounds, unknown and hostile ids)."""
import random

import networkx as nx
import pytest
from rdflib import URIRef

from policygraph.graph.namespaces import PGR
from policygraph.query.sparql import QueryLibrary
from policygraph.views import explore

#: Every link /api/node and /api/path follow, read whole (the test's independent reference).
LINKS = """
PREFIX pg:   <https://w3id.org/policygraph/ontology#>
PREFIX pgr:  <https://w3id.org/policygraph/id/>
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?s ?o WHERE {
  ?s ?p ?o . ?s a ?c1 . ?o a ?c2 .
  FILTER(STRSTARTS(STR(?c1), STR(pg:)) && STRSTARTS(STR(?c2), STR(pg:)))
  FILTER(isIRI(?o) && STRSTARTS(STR(?o), STR(pgr:)) && !CONTAINS(STRAFTER(STR(?o), STR(pgr:)), "/evidence/"))
  FILTER(STRSTARTS(STR(?s), STR(pgr:)) && !CONTAINS(STRAFTER(STR(?s), STR(pgr:)), "/evidence/"))
  FILTER(?p NOT IN (rdf:type, rdfs:label, pg:hasEvidence, pg:identifier, pg:reaches))
}"""
PREFIX = str(PGR)


@pytest.fixture(scope="module")
def library(project):
    return QueryLibrary(project.query_dirs)


@pytest.fixture(scope="module")
def links_graph(engine) -> nx.Graph:
    """Read on the store's own SPARQL, not through `explore` (rdflib took 74 s for this join)."""
    g = nx.Graph()
    for row in engine.store.query(LINKS):
        g.add_edge(row["s"].value[len(PREFIX):], row["o"].value[len(PREFIX):])
    return g


def pairs(g: nx.Graph, n: int = 25) -> list[tuple[str, str]]:
    nodes = sorted(g)
    rnd = random.Random(22)
    return [("doc-honebuto-2017", "kpi-cloud-municipalities")] + [tuple(rnd.sample(nodes, 2)) for _ in range(n)]


def test_paths_equal_networkx_shortest_paths_on_the_corpus(engine, library, links_graph):
    checked = 0
    for a, b in pairs(links_graph):
        found = explore.paths(engine, library, a, b, max_links=explore.MAX_LINKS, k=explore.MAX_PATHS)
        try:
            expected = {tuple(p) for p in nx.all_shortest_paths(links_graph, a, b)}
        except nx.NetworkXNoPath:
            expected = set()
        length = nx.shortest_path_length(links_graph, a, b) if expected else None
        if length is not None and length > explore.MAX_LINKS:
            expected, length = set(), None
        assert found["length"] == length, (a, b, found["message"])
        got = {tuple(p["nodes"]) for p in found["paths"]}
        if found["more"]:  # more shortest paths than k: k of them, every one a shortest path
            assert len(got) == explore.MAX_PATHS and got < expected
        else:
            assert got == expected, (a, b)
        checked += bool(expected)
    assert checked >= 10  # most sampled pairs are connected: the comparison is not vacuous


def test_each_step_names_the_links_between_its_records(engine, library, graph):
    found = explore.paths(engine, library, "doc-honebuto-2017", "kpi-cloud-municipalities")
    assert found["length"] == 2 and found["paths"]
    for path in found["paths"]:
        assert path["nodes"][0] == "doc-honebuto-2017" and path["nodes"][-1] == "kpi-cloud-municipalities"
        for step in path["steps"]:
            assert step["links"] and {step["from"], step["to"]} == {l["subject"] for l in step["links"]} | {
                l["object"] for l in step["links"]}
            for link in step["links"]:  # each link is a triple of the graph
                assert (PGR[link["subject"]], URIRef(link["predicate"]), PGR[link["object"]]) in graph
    assert set(found["nodes"]) == {n for p in found["paths"] for n in p["nodes"]}
    assert found["nodes"]["kpi-cloud-municipalities"]["label"] == "クラウド導入市区町村数"


def test_no_path_within_the_bound_is_said(engine, library, links_graph):
    a, b = next((a, b) for a, b in pairs(links_graph, 200)
                if nx.has_path(links_graph, a, b) and nx.shortest_path_length(links_graph, a, b) >= 4)
    found = explore.paths(engine, library, a, b, max_links=2)
    assert found["length"] is None and found["paths"] == []
    assert found["message"] == f"no path of 2 links or fewer between {a} and {b}"


def test_a_frontier_over_the_cap_stops_the_search(engine, library):
    found = explore.paths(engine, library, "doc-honebuto-2017", "kpi-local-system-operating-cost", frontier_cap=1)
    assert found["length"] is None and found["message"].startswith("search stopped: ")


def test_unknown_ids_are_named(engine, library):
    with pytest.raises(explore.UnknownRecords) as info:
        explore.paths(engine, library, "kpi-cloud-municipalities", "no-such-record")
    assert info.value.ids == ["no-such-record"]


def test_api_path_shape(client):
    r = client.get("/api/path", params={"from": "doc-honebuto-2017", "to": "kpi-cloud-municipalities", "max": 6})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"from", "to", "max", "length", "paths", "more", "nodes", "message"}
    assert body["length"] == 2 and body["max"] == 6
    assert set(body["paths"][0]) == {"nodes", "steps"}
    assert set(body["paths"][0]["steps"][0]) == {"from", "to", "links"}
    assert set(body["nodes"]["kpi-cloud-municipalities"]) == {"id", "label", "label_en", "cls", "status"}


@pytest.mark.parametrize("ends", [("no-such-record", "kpi-cloud-municipalities"),
                                  ("<script>alert(1)</script>", "kpi-cloud-municipalities"),
                                  ("kpi-cloud-municipalities", "x> } DROP ALL { <y"), ("", "")])
def test_api_path_unknown_or_hostile_ids_are_a_404(client, ends):
    r = client.get("/api/path", params={"from": ends[0], "to": ends[1]})
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    assert r.json()["unknown"] == [e for e in ends if e != "kpi-cloud-municipalities"]


@pytest.mark.parametrize("params", [{"max": "0"}, {"max": "11"}, {"k": "x"}, {"k": "0"}])
def test_api_path_bounds(client, params):
    r = client.get("/api/path", params={"from": "doc-honebuto-2017", "to": "kpi-cloud-municipalities", **params})
    assert r.status_code == 400


@pytest.mark.parametrize("path", ["/id/kpi-cloud-municipalities", "/kpis", "/gaps", "/trace/doc-future-investment-2017"])
def test_pages_link_into_the_explorer(client, path):
    import re
    html = client.get(path, headers={"accept": "text/html"}).text
    found = re.findall(r'href="/explore\?focus=([a-z0-9-]+)', html)
    assert found, path
    for rid in sorted(set(found))[:5]:  # each names a record the explorer can open
        assert client.get(f"/api/node/{rid}", params={"limit": 0}).status_code == 200


COUNT = """
PREFIX pg:   <https://w3id.org/policygraph/ontology#>
PREFIX pgr:  <https://w3id.org/policygraph/id/>
SELECT (COUNT(DISTINCT ?other) AS ?n) WHERE {
  { ?node ?p ?other } UNION { ?other ?p ?node }
  ?other a ?c . FILTER(STRSTARTS(STR(?c), STR(pg:)))
  FILTER(isIRI(?other) && STRSTARTS(STR(?other), STR(pgr:)) && !CONTAINS(STRAFTER(STR(?other), STR(pgr:)), "/evidence/"))
  FILTER(?p NOT IN (rdf:type, rdfs:label, pg:hasEvidence, pg:identifier, pg:reaches))
}"""


@pytest.mark.parametrize("rid", ["kpi-cloud-municipalities", "doc-honebuto-2017", "body-mic"])
def test_api_node_pages_visit_every_neighbour_once(client, graph, rid):
    """What the explorer's '+N more' nodes page through: every neighbour exactly once, limit 7 at a time,
    and the groups' neighbours are those a SPARQL count finds."""
    from rdflib import Variable
    first = client.get(f"/api/node/{rid}", params={"limit": 7})
    if first.status_code == 404:
        pytest.skip(f"{rid} is not in the corpus")
    seen: dict[tuple, list] = {}
    for g in first.json()["groups"]:
        offset = 0
        while offset < g["count"]:
            page = client.get(f"/api/node/{rid}", params={"limit": 7, "offset": offset, "predicates": g["predicate"]}).json()
            [same] = [x for x in page["groups"] if x["direction"] == g["direction"] and x["predicate"] == g["predicate"]]
            assert same["count"] == g["count"] and 0 < len(same["nodes"]) <= 7
            seen.setdefault((g["direction"], g["predicate"]), []).extend(n["id"] for n in same["nodes"])
            offset += 7
    for key, ids in seen.items():
        assert len(ids) == len(set(ids)), key  # no neighbour twice within a group
    [row] = graph.query(COUNT, initBindings={Variable("node"): PGR[rid]})
    assert len({i for ids in seen.values() for i in ids}) == int(row[0])


DIRECTIVES = """PREFIX pg: <https://w3id.org/policygraph/ontology#>
SELECT (COUNT(DISTINCT ?d) AS ?n) (COUNT(DISTINCT ?c) AS ?carried) WHERE {
  ?doc pg:hasDirective ?d . OPTIONAL { ?d pg:isCarriedBy ?i . BIND(?d AS ?c) } }"""
KPI_STATUS = """PREFIX pg: <https://w3id.org/policygraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s (COUNT(DISTINCT ?k) AS ?n) WHERE { ?k a pg:KPI . ?k pg:attainment ?a . ?a skos:notation ?s } GROUP BY ?s"""


def test_coverage_map_counts_equal_sparql_counts(engine, library, graph):
    cov = explore.coverage_map(engine, library)
    [row] = graph.query(DIRECTIVES)
    band1 = [l for l in cov["links"] if l["to"] in ("carried", "not_carried")]
    assert sum(l["count"] for l in band1) == int(row["n"]) == cov["totals"]["directives"]
    assert sum(l["count"] for l in band1 if l["to"] == "carried") == int(row["carried"])
    by_status = {str(r["s"]): int(r["n"]) for r in graph.query(KPI_STATUS)}
    drawn = {}
    for l in cov["links"]:
        if l["to"] in by_status:
            drawn[l["to"]] = drawn.get(l["to"], 0) + l["count"]
    assert drawn == by_status
    heights = {n["id"]: n["h"] for n in cov["nodes"]}  # widths by count
    assert heights["achieved"] < heights["unverified"] or by_status["achieved"] >= by_status["unverified"]


def test_coverage_map_keeps_its_size_with_many_documents(engine, library):
    cov = explore.coverage_map(engine, library, top=3)
    docs = [n for n in cov["nodes"] if n["column"] == 0]
    assert len(docs) == 4 and docs[-1]["id"] == "other-documents"
    assert docs[-1]["label"].endswith("documents") or "他の文書" in docs[-1]["label"]


def test_coverage_map_labels_only_documents_tall_enough_for_them(engine, library):
    """At 1M triples 14 documents of 8 directives each were drawn 2 px tall with their labels on top of one
    another: a document too thin for its label goes into the other documents' band."""
    roomy = explore.coverage_map(engine, library)
    cramped = explore.coverage_map(engine, library, height=150)
    def docs(cov):
        return [n for n in cov["nodes"] if n["column"] == 0 and n["id"] != "other-documents"]
    assert 0 < len(docs(cramped)) < len(docs(roomy))
    assert all(n["h"] + explore.BAND_GAP >= explore.LABEL_HEIGHT for n in docs(cramped))
    total = sum(n["count"] for n in cramped["nodes"] if n["column"] == 0)
    assert total == sum(n["count"] for n in roomy["nodes"] if n["column"] == 0)  # nothing dropped, regrouped


def test_overview_shows_the_coverage_map_with_links(client):
    html = client.get("/", headers={"accept": "text/html"}).text
    assert 'id="pg-coverage"' in html and html.count('class="pg-flow"') >= 5
    assert 'href="/explore?focus=doc-ten-guidelines-draft&amp;layout=chain"' in html
    assert 'href="/queries/directive-no-kpi-gap"' in html


@pytest.mark.parametrize("text, rid", [("骨太2017", "doc-honebuto-2017"),  # an alias
                                       ("2017年度までに倍増", "kpi-cloud-municipalities"),  # a quote
                                       ("kpi-cloud-municipalities", "kpi-cloud-municipalities"),  # an id
                                       ("Number of municipalities that have adopted cloud", "kpi-cloud-municipalities")])
def test_api_search_finds_ids_labels_aliases_and_quotes(client, text, rid):
    r = client.get("/api/search", params={"q": text})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    found = r.json()
    assert rid in [f["id"] for f in found] and len(found) <= 50
    assert set(found[0]) == {"id", "label", "label_en", "cls"}


def test_api_search_of_hostile_text_is_inert(client):
    r = client.get("/api/search", params={"q": '"> } DROP ALL { <script>'})
    assert r.status_code == 200 and r.json() == []


def test_explore_page_forbids_every_other_origin(client):
    r = client.get("/explore?focus=kpi-cloud-municipalities")
    assert r.status_code == 200
    import re
    import html
    [csp] = [html.unescape(c) for c in re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', r.text)]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "'unsafe-eval'" not in csp
    assert "script-src 'sha256-" in csp and "http" not in csp  # inline scripts pinned by hash, no host
    assert "https://" not in re.sub(r'"https://w3id.org/policygraph/[^"]*"', "", r.text.split("<script>", 1)[0])
