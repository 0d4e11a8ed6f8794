"""Issue 20, the protocol half: cross-site requests, headers on every response, 405's Allow, formula
guards in /sparql's CSV and TSV, datasets of graphs the store holds, relative IRIs, the service
description, and nesting bounded before parsing."""
from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
from rdflib import Graph

from policygraph.serve.app import Settings, create_app

G1, G2 = "http://example.org/graphs/one", "http://example.org/graphs/two"


@pytest.fixture(scope="module")
def graphs_store(tmp_path_factory):
    """A store holding a default graph and two named graphs."""
    folder = tmp_path_factory.mktemp("graphs") / "store"
    store = ox.Store(str(folder))
    p = ox.NamedNode("http://example.org/p")
    store.add(ox.Quad(ox.NamedNode("http://example.org/in-default"), p, ox.Literal("d"), ox.DefaultGraph()))
    store.add(ox.Quad(ox.NamedNode("http://example.org/in-one"), p, ox.Literal("1"), ox.NamedNode(G1)))
    store.add(ox.Quad(ox.NamedNode("http://example.org/in-two"), p, ox.Literal("2"), ox.NamedNode(G2)))
    store.flush()
    del store
    return folder


@pytest.fixture(scope="module")
def graphs_client(project, graphs_store):
    from starlette.testclient import TestClient
    with TestClient(create_app(Settings(project, graphs_store)), base_url="http://127.0.0.1") as c:
        yield c


# ---------------------------------------------------------------- point 1: cross-site requests


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://127.0.0.1:9999"},  # another port is another origin
])
def test_cross_site_requests_to_sparql_are_refused(client, headers):
    """An <img> or a form on any page the auditor opens made the browser run a query (GET checked nothing)."""
    for r in (client.get("/sparql", params={"query": "ASK {}"}, headers=headers),
              client.post("/sparql", data={"query": "ASK {}"}, headers=headers)):
        assert r.status_code == 403, r.text
        assert "refused" in r.text


def test_same_origin_and_non_browser_requests_are_served(client):
    for headers in ({}, {"Origin": "http://127.0.0.1"}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}):
        r = client.post("/sparql", data={"query": "ASK {}"}, headers=headers)
        assert r.status_code == 200, (headers, r.text)


# ---------------------------------------------------------------- point 15: headers on every response


@pytest.mark.parametrize("path", ["/", "/trace/dir-honebuto-2017-cloud", "/kpis.csv", "/sparql?query=ASK%7B%7D",
                                  "/static/site.css", "/no-such-page", "/sparql?query=nonsense", "/health",
                                  "/query", "/favicon.ico"])
def test_every_response_carries_csp_with_frame_ancestors_and_nosniff(client, path):
    r = client.get(path, follow_redirects=False)
    assert "frame-ancestors 'none'" in r.headers.get("content-security-policy", ""), (path, r.status_code)
    assert r.headers.get("x-content-type-options") == "nosniff", path


def test_a_refused_host_gets_the_headers_too(client):
    r = client.get("/", headers={"Host": "evil.example"})
    assert r.status_code == 400
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_500_gets_the_headers_too(project, store_dir):
    from starlette.routing import Route
    from starlette.testclient import TestClient

    def boom(_request):
        raise RuntimeError("a bug")
    app = create_app(Settings(project, store_dir, workers=1))
    app.router.routes.append(Route("/boom", boom))
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_trace_page_sends_the_apps_policy(client):
    """/trace/* carried its CSP only in a <meta> tag (no frame-ancestors there: it could be framed). It is
    now an app page: the app's policy in the header (scripts from this origin only, no framing), no inline
    script and no policy of its own."""
    r = client.get("/trace/dir-honebuto-2017-cloud")
    assert r.status_code == 200
    header = r.headers["content-security-policy"]
    assert "script-src 'self'" in header and header.endswith("frame-ancestors 'none'")
    assert 'http-equiv="Content-Security-Policy"' not in r.text and "<script>" not in r.text


# ---------------------------------------------------------------- point 25: 405 with Allow


def test_405_carries_allow(client):
    for method in ("DELETE", "PUT", "PATCH"):
        r = client.request(method, "/sparql")
        assert r.status_code == 405
        assert set(r.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    r = client.post("/kpis")
    assert r.status_code == 405 and "GET" in r.headers["allow"]


# ---------------------------------------------------------------- point 9: formulas in CSV and TSV


FORMULAS = ("SELECT ?v WHERE { VALUES ?v { \"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\" \"+1\" \"@SUM(A1)\" \"-2+3\" "
            "\"plain\" -5 4.5 } }")


def test_sparql_csv_cells_that_a_spreadsheet_would_run_are_guarded(client):
    r = client.get("/sparql", params={"query": FORMULAS}, headers={"Accept": "text/csv"})
    assert r.status_code == 200
    cells = [row[0] for row in csv.reader(io.StringIO(r.text))][1:]
    assert cells == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1", "'@SUM(A1)", "'-2+3", "plain", "-5", "4.5"]


def test_sparql_tsv_cells_are_quoted_or_guarded(client):
    r = client.get("/sparql", params={"query": FORMULAS}, headers={"Accept": "text/tab-separated-values"})
    assert r.status_code == 200
    cells = r.text.splitlines()[1:]
    for cell in cells:
        assert not cell.startswith(("=", "+", "@")) and (not cell.startswith("-") or cell == "-5"), cell
    assert cells[0].startswith('"=HYPERLINK')  # a string is quoted in SPARQL TSV: never a formula
    booleans = client.get("/sparql", params={"query": "SELECT ?b WHERE { BIND(true AS ?b) }"},
                          headers={"Accept": "text/tab-separated-values"})
    assert booleans.text.splitlines()[1] == "true"


# ---------------------------------------------------------------- point 22: datasets of held graphs


def _ask(client, query, **params):
    r = client.get("/sparql", params={"query": query, **params})
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


def test_default_graph_uri_selects_a_graph_the_store_holds(graphs_client):
    q = "ASK { <http://example.org/in-one> ?p ?o }"
    assert _ask(graphs_client, q) is False  # the store's default graph
    assert _ask(graphs_client, q, **{"default-graph-uri": G1}) is True
    assert _ask(graphs_client, "ASK { <http://example.org/in-default> ?p ?o }", **{"default-graph-uri": G1}) is False


def test_named_graph_uri_and_from_named_select_named_graphs(graphs_client):
    q = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    only_two = graphs_client.get("/sparql", params={"query": q, "named-graph-uri": G2}).json()
    assert [b["g"]["value"] for b in only_two["results"]["bindings"]] == [G2]
    both = graphs_client.get("/sparql", params={"query": q.replace("WHERE", f"FROM NAMED <{G1}> FROM NAMED <{G2}> WHERE")})
    assert sorted(b["g"]["value"] for b in both.json()["results"]["bindings"]) == [G1, G2]
    assert _ask(graphs_client, f"ASK FROM <{G2}> {{ <http://example.org/in-two> ?p ?o }}") is True


def test_protocol_dataset_wins_over_the_query_dataset(graphs_client):
    assert _ask(graphs_client, f"ASK FROM <{G2}> {{ <http://example.org/in-one> ?p ?o }}",
                **{"default-graph-uri": G1}) is True


def test_a_graph_not_held_is_a_400_naming_it_and_nothing_is_fetched(graphs_client):
    r = graphs_client.get("/sparql", params={"query": f"ASK FROM <{G1}> FROM <http://127.0.0.1:9/x.ttl> {{ }}"})
    assert r.status_code == 400
    assert "<http://127.0.0.1:9/x.ttl>" in r.text and G1 not in r.text


# ---------------------------------------------------------------- point 23: relative IRIs


def test_relative_iris_resolve_against_the_endpoint(client):
    r = client.get("/sparql", params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    assert r.text.startswith("<http://127.0.0.1/s> <http://127.0.0.1/p> ")
    r = client.get("/sparql", params={"query": "ASK { <x> ?p ?o }"})
    assert r.status_code == 200 and r.json()["boolean"] is False


# ---------------------------------------------------------------- point 24: service description


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                          ("application/rdf+xml", "xml"), ("", "turtle"), ("*/*", "turtle")])
def test_get_sparql_without_a_query_describes_the_service(graphs_client, accept, fmt):
    r = graphs_client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    g = Graph().parse(data=r.content, format=fmt)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    q = f"""PREFIX sd: <{sd}> SELECT ?endpoint ?name WHERE {{ ?s a sd:Service ; sd:endpoint ?endpoint ;
            sd:supportedLanguage sd:SPARQL11Query ; sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_CSV> ;
            sd:defaultDataset/sd:namedGraph/sd:name ?name }}"""
    rows = list(g.query(q))
    assert {str(r_.name) for r_ in rows} == {G1, G2}
    assert {str(r_.endpoint) for r_ in rows} == {"http://127.0.0.1/sparql"}
    text = r.content.decode()
    assert "10 s" in text and "10,000 rows" in text and "refused" in text


def test_a_browser_still_gets_the_editor_and_the_editor_links_the_description(client):
    r = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/query"
    editor = client.get("/query")
    assert 'href="/sparql?format=turtle"' in editor.text
    linked = client.get("/sparql?format=turtle", headers={"Accept": "text/html"})
    assert linked.status_code == 200 and linked.headers["content-type"].startswith("text/turtle")


# ---------------------------------------------------------------- point 13: nesting


def test_a_deeply_nested_query_is_a_400_with_a_reason_not_a_crashed_worker(client):
    deep = "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000  # 20 KB
    r = client.post("/sparql", data={"query": deep})
    assert r.status_code == 400
    assert "nests brackets more than" in r.text
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200  # the worker is fine
