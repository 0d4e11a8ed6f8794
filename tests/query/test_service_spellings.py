"""No query reaches the network by any spelling (issue 20, point 1).

The refusal was a regex over the text with strings, IRIs and comments blanked; three spellings passed
it and both engines connected: a dot right before SERVICE, `pgr:p\\#` (taken for a comment) and
`pgr:p\\'` (taken for a string). A listener on 127.0.0.1 counts connections: the three reproducers
and generated spellings (escapes, comments, dots, case, nesting, SILENT, subqueries, FILTER EXISTS)
go through both engines and every entry point — `/sparql` GET and POST, `policygraph query FILE`,
a project's gap query via `gaps` and a named query via `/queries/NAME` — and nothing ever connects.
"""
from __future__ import annotations

import socket
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from policygraph.cli.app import app
from policygraph.errors import PolicygraphError
from policygraph.store import safety
from policygraph.store.engines import OxigraphEngine, RdflibEngine, TextQuery
from tests.serve.conftest import make_client

PGR = "PREFIX pgr: <https://w3id.org/policygraph/id/>\n"


class Listener:
    """A TCP server on 127.0.0.1 that records every connection made to it (accepts, reads, closes, so
    a client that connected has its answer — and we our record — before its query returns)."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.server.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/sparql"
        self.seen: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                self.seen.append(conn.recv(4096) or b"<connected>")
            except OSError:
                self.seen.append(b"<connected>")
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def listener():
    one = Listener()
    yield one
    one.close()


def reproducers(url: str) -> dict[str, str]:
    """The three spellings of the issue, each of which connected on the old code."""
    return {
        "dot": f"SELECT * WHERE {{ BIND(1 AS ?z) .SERVICE <{url}> {{ ?x ?p ?o }} }}",
        "pname-hash": PGR + f"SELECT * WHERE {{ BIND(pgr:p\\# AS ?z) SERVICE <{url}> {{ ?x ?p ?o }} }}",
        "pname-quote": PGR + f"SELECT * WHERE {{ BIND(pgr:p\\' AS ?z) SERVICE <{url}> {{ ?x ?p ?o }} "
                             f"FILTER(?z != 'z') }}",
    }


# ---------------------------------------------------------------- generated spellings

_CASES = st.sampled_from(["SERVICE", "service", "Service", "sErViCe"])
_LEADS = st.sampled_from([
    "BIND(1 AS ?z)", "BIND(pgr:p\\# AS ?z)", "BIND(pgr:p\\' AS ?z)", "BIND(pgr:a\\.b AS ?z)", "BIND(pgr:p%41 AS ?z)",
    "BIND('it''s' AS ?z)", 'BIND("a\\"b" AS ?z)', "BIND('''x''' AS ?z)", "?s ?p true", "VALUES ?v { 1 }",
    "BIND(<urn:x#y> AS ?z)", "BIND(1.5e3 AS ?z)", "",
])
_SEPS = st.sampled_from([" ", ".", " . ", "\n", "\t", "# SERVICE? no, a comment\n", "#\n.", "", " .\n"])


@st.composite
def spellings(draw, url: str):
    keyword = draw(_CASES)
    if draw(st.booleans()):  # a code-point escape for one letter (the grammar expands them; rdflib does)
        i = draw(st.integers(0, len(keyword) - 1))
        keyword = keyword[:i] + f"\\u{ord(keyword[i]):04X}" + keyword[i + 1:]
    silent = draw(st.sampled_from(["", " SILENT", " silent"]))
    target = draw(st.sampled_from([f"<{url}>", "?endpoint"]))
    service = f"{keyword}{silent} {target} {{ ?x ?p ?o }}"
    if target == "?endpoint":
        service = f"BIND(<{url}> AS ?endpoint) " + service
    body = f"{draw(_LEADS)}{draw(_SEPS)}{service}"
    wrap = draw(st.sampled_from(["{}", "OPTIONAL {{ {} }}", "{{ SELECT * WHERE {{ {} }} }}",
                                 "FILTER EXISTS {{ {} }}", "FILTER NOT EXISTS {{ {} }}", "{{ {} }} UNION {{ ?a ?b ?c }}",
                                 "MINUS {{ {} }}", "GRAPH ?g {{ {} }}", "{{ {{ {{ {} }} }} }}"]))
    return PGR + "SELECT * WHERE { " + wrap.format(body) + " }"


@pytest.fixture(scope="module")
def engines():
    graph = Graph()
    graph.parse(data="<urn:s> <urn:p> <urn:o> .", format="nt")
    return [OxigraphEngine(graph), RdflibEngine(graph)]


def _run_everywhere(engines, text: str) -> None:
    for engine in engines:
        try:
            engine.run(TextQuery("generated", text))
        except PolicygraphError:
            pass


def test_the_three_reproducers_are_refused_by_the_check(listener):
    for name, text in reproducers(listener.url).items():
        with pytest.raises(PolicygraphError) as caught:
            safety.check(text)
        assert "SERVICE" in str(caught.value) or "parsers" in str(caught.value) or "syntax" in str(caught.value), name
    assert listener.seen == []


@pytest.mark.parametrize("name", ["dot", "pname-hash", "pname-quote"])
def test_the_three_reproducers_connect_nowhere_on_either_engine(engines, listener, name):
    text = reproducers(listener.url)[name]
    for engine in engines:
        with pytest.raises(PolicygraphError):
            engine.run(TextQuery(name, text))
    assert listener.seen == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_generated_spelling_of_service_connects_on_either_engine(engines, listener, data):
    text = data.draw(spellings(listener.url))
    with pytest.raises(PolicygraphError):
        safety.check(text)
    _run_everywhere(engines, text)
    assert listener.seen == [], text


@pytest.mark.parametrize("text", [
    "SELECT ?service WHERE { BIND(<urn:SERVICE> AS ?service) FILTER(?service != 'SERVICE') } # SERVICE",
    PGR + "SELECT ?x WHERE { BIND(pgr:service AS ?x) }",
    "PREFIX service: <urn:s#>\nSELECT ?x WHERE { BIND(service:x AS ?x) }",
    'SELECT ?x WHERE { BIND("""SERVICE <http://x/> { }""" AS ?x) }',
    PGR + "SELECT ?x WHERE { BIND(pgr:p\\# AS ?x) }",
])
def test_service_as_a_name_string_iri_or_comment_is_fine(engines, text):
    """The tokenizer knows strings, IRIs, comments, variables and prefixed names (escapes included)."""
    safety.check(text)
    assert len(engines[0].run(TextQuery("fine", text))) == 1


def test_nesting_is_bounded_before_parsing():
    """Point 13: a 20 KB deeply nested query segfaulted a worker (Oxigraph's stack)."""
    deep = "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000
    with pytest.raises(safety.TooDeep) as caught:
        safety.check(deep)
    assert f"more than {safety.MAX_DEPTH} deep" in str(caught.value)
    parens = "SELECT * WHERE { FILTER(" + "(" * 5_000 + "1" + ")" * 5_000 + ") }"
    with pytest.raises(safety.TooDeep):
        safety.check(parens)
    safety.check("SELECT * WHERE " + "{" * 20 + "}" * 20)  # the named queries nest 6 deep


# ---------------------------------------------------------------- every entry point


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("name", ["dot", "pname-hash", "pname-quote"])
def test_policygraph_query_file_connects_nowhere(runner, tmp_path, listener, engine, name):
    path = tmp_path / f"{name}.rq"
    path.write_text(reproducers(listener.url)[name], encoding="utf-8")
    result = runner.invoke(app, ["query", str(path), "--engine", engine])
    assert result.exit_code == 2, result.output
    assert str(path) in result.output
    assert listener.seen == []


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_project_gap_query_spelled_to_pass_the_old_scanner_makes_gaps_connect_nowhere(
        runner, project_copy, listener, engine):
    for name, text in reproducers(listener.url).items():
        (project_copy.root / "queries" / f"sneaky-{name}-gap.rq").write_text(
            "# title: looks like a gap query\n" + text.replace("SELECT *", "SELECT ?x"), encoding="utf-8")
    result = runner.invoke(app, ["gaps", "--engine", engine, "--root", str(project_copy.root)])
    assert result.exit_code == 2, result.output
    assert "sneaky-" in result.output
    assert listener.seen == []


@pytest.fixture(scope="module")
def spelled_project(tmp_path_factory):
    """A project whose queries/ holds the three reproducers as named queries."""
    import shutil

    from tests.conftest import ROOT
    root = tmp_path_factory.mktemp("spelled")
    for name in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / name, root / name)
    return root


def test_every_server_entry_point_connects_nowhere(spelled_project, store_dir, listener):
    from policygraph.project import Project
    for name, text in reproducers(listener.url).items():
        (spelled_project / "queries" / f"sneaky-{name}.rq").write_text("# title: sneaky\n" + text, encoding="utf-8")
    # A gap query too: the home page and /gaps run every *-gap.rq of the project.
    (spelled_project / "queries" / "sneaky-gap.rq").write_text(
        "# title: sneaky gap\n" + reproducers(listener.url)["dot"].replace("SELECT *", "SELECT ?x"), encoding="utf-8")
    with make_client(Project(spelled_project), store_dir) as client:
        for name, text in reproducers(listener.url).items():
            get = client.get("/sparql", params={"query": text})
            form = client.post("/sparql", data={"query": text})
            body = client.post("/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"})
            for r in (get, form, body):
                assert r.status_code in (400, 403), (name, r.status_code, r.text)
            page = client.get(f"/queries/sneaky-{name}")
            assert page.status_code == 400, (name, page.status_code)
        for path in ("/gaps", "/"):
            assert client.get(path).status_code == 400
    assert listener.seen == []


@pytest.fixture(scope="module")
def sparql_client(project, store_dir):
    with make_client(project, store_dir) as client:
        yield client


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_generated_spelling_connects_through_sparql_get_or_post(sparql_client, listener, data):
    text = data.draw(spellings(listener.url))
    for r in (sparql_client.get("/sparql", params={"query": text}),
              sparql_client.post("/sparql", data={"query": text}),
              sparql_client.post("/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"})):
        assert r.status_code in (400, 403), (text, r.status_code, r.text)
    assert listener.seen == [], text


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_generated_spelling_connects_through_policygraph_query_file(runner, tmp_path, listener, data):
    text = data.draw(spellings(listener.url))
    path = tmp_path / "generated.rq"
    path.write_text(text, encoding="utf-8")
    for engine in ("oxigraph", "rdflib"):
        result = runner.invoke(app, ["query", str(path), "--engine", engine])
        assert result.exit_code == 2, (text, result.output)
    assert listener.seen == [], text


# ---------------------------------------------------------------- the barriers behind the check


def test_rdflib_cannot_evaluate_service_even_past_the_check(listener):
    """The second barrier on rdflib: its SERVICE evaluation refuses and no TCP socket opens while it runs."""
    from rdflib.plugins.sparql import prepareQuery
    graph = Graph()
    prepared = prepareQuery(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")  # no check: straight in
    with safety.rdflib_guard(), pytest.raises(PolicygraphError):
        list(graph.query(prepared))
    with safety.rdflib_guard(), pytest.raises(PermissionError):
        socket.create_connection(("127.0.0.1", int(listener.url.split(":")[2].split("/")[0])), timeout=1)
    assert listener.seen == []
    with socket.create_connection(("127.0.0.1", int(listener.url.split(":")[2].split("/")[0])), timeout=1):
        pass  # outside the guard the listener is reachable: the refusal above was the guard's
    import time
    deadline = time.monotonic() + 2
    while not listener.seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(listener.seen) == 1
    listener.seen.clear()


def _oxigraph_service_unchecked(_engine, url: str) -> str:
    """Run in a query worker: SERVICE straight on Oxigraph, past every check."""
    import pyoxigraph as ox
    try:
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "answered"


def _network_denied(_engine) -> bool:
    return safety.network_denied()


def test_a_query_worker_has_no_network(store_dir, listener):
    """The barrier behind the check in `serve`: a worker's own network namespace, so even Oxigraph's
    HTTP client (Rust, not Python's socket module) connects nowhere. It needs root or unprivileged user
    namespaces; where the system allows neither, the check is the barrier (and this test says so)."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        if not pool.apply(safety.deny_network):
            pytest.skip("this system allows no network namespace to an unprivileged process")
    from policygraph.serve.workers import QueryWorkers
    with QueryWorkers(store_dir, size=1, time_limit=20) as workers:
        got = workers.call(_oxigraph_service_unchecked, listener.url)
        assert workers.call(_network_denied) is True
    assert safety.network_denied() is False  # this process (the test's) still has its network
    assert got.startswith("OSError") or "unreachable" in got.lower(), got
    assert listener.seen == []


def test_shapes_are_checked_with_the_prefixes_they_declare():
    """The check parses a shape's SPARQL: the prefixes its sh:declare gives are known, as pySHACL knows them;
    a SERVICE spelled to pass the old scanner is refused there too."""
    from policygraph.checks.validate import refuse_remote_shapes
    shapes = '''@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <urn:ex#> .
ex:decl sh:declare [ sh:prefix "my" ; sh:namespace "urn:my#"^^<http://www.w3.org/2001/XMLSchema#anyURI> ] .
ex:S a sh:NodeShape ; sh:prefixes ex:decl ;
    sh:target [ a sh:SPARQLTarget ; sh:prefixes ex:decl ; sh:select "SELECT ?this WHERE { ?this a my:Thing }" ] .
'''
    refuse_remote_shapes(Graph().parse(data=shapes, format="turtle"))
    sneaky = shapes.replace("?this a my:Thing", "BIND(1 AS ?z) .SERVICE <http://127.0.0.1:9/> { ?this a my:Thing }")
    with pytest.raises(safety.Refused):
        refuse_remote_shapes(Graph().parse(data=sneaky, format="turtle"))


# ---------------------------------------------------------------- kept verdicts of query files

def test_a_query_file_passed_once_is_not_parsed_again(tmp_path, monkeypatch):
    """A query file's passed verdict is kept (no rdflib parse in the next process); a text of no file is
    parsed every time; a damaged verdict is parsed again."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1\n# kept-verdict test"
    path = tmp_path / "q.rq"
    parses = []
    real = safety._rdflib_parse
    monkeypatch.setattr(safety, "_rdflib_parse", lambda *a: (parses.append(1), real(*a))[1])
    safety.check(text, path)
    assert len(parses) == 1
    kept = list(safety.verdict_folder().glob("*.json"))
    assert len(kept) == 1
    safety._check.cache_clear()  # as a new process would start
    safety.check(text, path)
    assert len(parses) == 1  # read from the kept verdict
    safety._check.cache_clear()
    safety.check(text + " ", None)
    safety._check.cache_clear()
    safety.check(text + " ", None)
    assert len(parses) == 3  # no file: parsed each time, nothing kept
    assert len(list(safety.verdict_folder().glob("*.json"))) == 1
    kept[0].write_text("{", encoding="utf-8")
    safety._check.cache_clear()
    safety.check(text, path)
    assert len(parses) == 4


def test_a_forged_verdict_does_not_let_service_through(tmp_path, monkeypatch):
    """The verdict is read only after the grammar's scan has passed the text: a verdict written for a
    SERVICE query (by hand, or by an older policygraph) is never reached."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    path = tmp_path / "q.rq"
    forged = safety._verdict_path(text, False, ())
    forged.parent.mkdir(parents=True)
    forged.write_text('{"dataset": []}', encoding="utf-8")
    safety._check.cache_clear()
    with pytest.raises(safety.Refused):
        safety.check(text, path)
