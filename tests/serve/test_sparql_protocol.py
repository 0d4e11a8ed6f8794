"""The SPARQL 1.1 Protocol at /sparql: methods, formats, refusals, limits, hostile input."""
import csv
import io
import json
import re
import threading
import time

import pytest
from rdflib import Graph

from tests.serve.conftest import make_client

KPIS = "SELECT ?kpi ?label WHERE { ?kpi a pg:KPI ; rdfs:label ?label FILTER(lang(?label) = 'ja') } ORDER BY ?kpi"
KPI = "https://w3id.org/policygraph/id/kpi-cloud-municipalities"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def bindings(response):
    return response.json()["results"]["bindings"]


def test_get_defaults_to_sparql_results_json(client):
    r = client.get("/sparql", params={"query": KPIS})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/sparql-results+json"
    assert r.json()["head"]["vars"] == ["kpi", "label"]
    rows = bindings(r)
    assert {"type": "uri", "value": KPI} in [b["kpi"] for b in rows]
    assert rows[0]["label"]["xml:lang"] == "ja"


@pytest.mark.parametrize("accept, media, first", [
    ("application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
    ("text/csv", "text/csv; charset=utf-8", b"kpi,label\r\n"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", b"?kpi\t?label\n"),
    ("application/json", "application/sparql-results+json", b"{"),
    ("text/csv;q=0.2, application/sparql-results+xml;q=0.9", "application/sparql-results+xml", b"<?xml"),
    ("text/html,*/*;q=0.8", "application/sparql-results+json", b"{"),
])
def test_select_formats_by_content_negotiation(client, accept, media, first):
    r = client.get("/sparql", params={"query": KPIS}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == media
    assert r.content.startswith(first)
    assert r.headers["vary"] == "Accept"


def test_every_select_format_holds_the_same_rows(client):
    as_json = [b["kpi"]["value"] for b in bindings(client.get("/sparql", params={"query": KPIS}))]
    as_csv = [row["kpi"] for row in csv.DictReader(io.StringIO(
        client.get("/sparql", params={"query": KPIS}, headers={"Accept": "text/csv"}).text))]
    tsv = client.get("/sparql", params={"query": KPIS}, headers={"Accept": "text/tab-separated-values"}).text
    as_tsv = [line.split("\t")[0].strip("<>") for line in tsv.splitlines()[1:]]
    assert as_json == as_csv == as_tsv and len(as_json) > 10


def test_post_form_and_post_query_body(client):
    form = client.post("/sparql", data={"query": KPIS}, headers={"Accept": "text/csv"})
    body = client.post("/sparql", content=KPIS.encode(), headers={"Content-Type": "application/sparql-query",
                                                                  "Accept": "text/csv"})
    got = client.get("/sparql", params={"query": KPIS}, headers={"Accept": "text/csv"})
    assert form.status_code == body.status_code == 200
    assert form.text == body.text == got.text


def test_format_parameter_as_clients_send_it(client):
    # SPARQLWrapper adds format=…/output=… to the URL; Fuseki reads them as the format.
    r = client.get("/sparql", params={"query": KPIS, "format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")


def test_ask(client):
    r = client.get("/sparql", params={"query": f"ASK {{ <{KPI}> a pg:KPI }}"})
    assert r.json() == {"head": {}, "boolean": True}
    xml = client.get("/sparql", params={"query": "ASK { <urn:nothing> ?p ?o }"},
                     headers={"Accept": "application/sparql-results+xml"})
    assert b"<boolean>false</boolean>" in xml.content


@pytest.mark.parametrize("accept, media, fmt", [
    ("", "text/turtle; charset=utf-8", "turtle"),
    ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
def test_construct_and_describe_as_graphs(client, accept, media, fmt):
    for query in (f"CONSTRUCT {{ <{KPI}> ?p ?o }} WHERE {{ <{KPI}> ?p ?o }}", f"DESCRIBE <{KPI}>"):
        r = client.get("/sparql", params={"query": query}, headers={"Accept": accept} if accept else {})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == media
        graph = Graph().parse(data=r.content, format=fmt)
        assert len(graph) > 5
        assert any(str(s) == KPI for s in graph.subjects())


def test_syntax_error_is_400_with_line_and_column(client):
    r = client.get("/sparql", params={"query": "SELECT ?s WHERE {\n  ?s ?p \n}"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert re.match(r"SPARQL syntax error at line 3, column \d+: expected", r.text)


@pytest.mark.parametrize("request_args", [
    {"method": "GET", "url": "/sparql", "params": {"update": "DROP ALL"}},
    {"method": "POST", "url": "/sparql", "data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    {"method": "POST", "url": "/sparql", "content": b"CLEAR DEFAULT",
     "headers": {"Content-Type": "application/sparql-update"}},
    {"method": "GET", "url": "/sparql", "params": {"query": "LOAD <http://127.0.0.1:9/data.ttl>"}},
    {"method": "GET", "url": "/sparql", "params": {"query": "PREFIX ex: <urn:x>\nINSERT DATA { ex:a ex:b ex:c }"}},
    {"method": "POST", "url": "/sparql", "content": b"load <http://127.0.0.1:9/x>",
     "headers": {"Content-Type": "application/sparql-query"}},
])
def test_updates_and_load_are_refused(client, request_args):
    r = client.request(**request_args)
    assert r.status_code == 403
    assert "read-only" in r.text
    # nothing changed
    assert client.get("/sparql", params={"query": "ASK { <urn:a> ?p ?o }"}).json()["boolean"] is False


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service <http://127.0.0.1:9/> { ?s ?p ?o } }",
])
def test_queries_reaching_the_network_are_refused(client, query):
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 403
    assert "never sends queries" in r.text


@pytest.mark.parametrize("params", [
    {"query": "SELECT * FROM <http://127.0.0.1:9/g.ttl> WHERE { ?s ?p ?o }"},
    {"query": "SELECT * FROM NAMED <http://127.0.0.1:9/g.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }"},
    {"query": "ASK {}", "default-graph-uri": "http://127.0.0.1:9/g.ttl"},
    {"query": "ASK {}", "named-graph-uri": "http://127.0.0.1:9/g.ttl"},
])
def test_a_dataset_naming_a_graph_the_store_does_not_hold_is_a_400_naming_it(client, params):
    """Point 22: FROM and the dataset parameters select graphs the store holds; another is never fetched."""
    r = client.get("/sparql", params=params)
    assert r.status_code == 400
    assert "<http://127.0.0.1:9/g.ttl>" in r.text and "holds no graph" in r.text


def test_bad_requests(client):
    assert client.post("/sparql", data={"format": "json"}).status_code == 400  # no query
    assert client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False).status_code == 303
    assert client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"}).status_code == 415
    assert client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400
    assert client.post("/sparql", content=b"\xff\xfe", headers={"Content-Type": "application/sparql-query"}
                       ).status_code == 400
    long = "ASK {} #" + "x" * 200_000
    assert client.post("/sparql", data={"query": long}).status_code == 413
    assert client.delete("/sparql").status_code == 405


def test_row_limit_is_a_clear_413(client):
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 413
    assert "more than 5,000 rows" in r.text and "LIMIT" in r.text
    assert client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5000"}).status_code == 200
    graph = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert graph.status_code == 413 and "triples" in graph.text


def test_hostile_strings_stay_data(client):
    hostile = '</script><script>alert(1)</script>"><img src=x onerror=alert(1)>'
    query = "SELECT ?x WHERE { BIND(" + json.dumps(hostile) + " AS ?x) }"
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/sparql-results+json"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert bindings(r)[0]["x"]["value"] == hostile
    # an error message echoing the query is plain text, never HTML
    bad = client.get("/sparql", params={"query": hostile}, headers={"Accept": "text/html"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/plain")


def test_other_host_headers_are_refused(client):
    # DNS rebinding: a page of another site resolving its name to 127.0.0.1 cannot read the endpoint.
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Host": "evil.example"})
    assert r.status_code == 400


def test_health(client):
    deadline = time.monotonic() + 60
    while (r := client.get("/health")).status_code == 503 and time.monotonic() < deadline:
        assert r.json()["status"] == "starting"  # 503 until every pool has a ready worker
        time.sleep(0.2)
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["store"]["triples"] > 10_000


def test_time_limit_stops_the_query_and_others_are_answered(project, store_dir):
    with make_client(project, store_dir, time_limit=1.5, workers=2) as client:
        slow: dict = {}

        def run_slow():
            start = time.perf_counter()
            slow["response"] = client.get("/sparql", params={"query": SLOW})
            slow["seconds"] = time.perf_counter() - start

        thread = threading.Thread(target=run_slow)
        thread.start()
        time.sleep(0.3)
        # while the slow query holds one worker, the other answers at once
        for _ in range(5):
            start = time.perf_counter()
            fast = client.get("/sparql", params={"query": KPIS})
            assert fast.status_code == 200 and time.perf_counter() - start < 1.0
        thread.join()
        assert slow["response"].status_code == 503
        assert "time limit (1.5 s" in slow["response"].text
        assert slow["seconds"] < 5
        # the stopped worker was replaced: the server still answers with both workers
        for _ in range(4):
            assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
