"""`policygraph serve` as a real process on a loopback port: start-up checks, real SPARQL clients
(SPARQLWrapper, rdflib's SPARQLStore) getting the CLI's rows for every named query, clean shutdown."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from rdflib import BNode, Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SELECT, SPARQLWrapper

from policygraph.cli.app import app
from policygraph.query.sparql import QueryLibrary

ROOT = Path(__file__).resolve().parents[2]
POLICYGRAPH = Path(sys.executable).with_name("policygraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(store_dir, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    # The log goes to a file: a pipe nobody reads would fill up and stall the server.
    # --max-rows above the corpus: every named query is run unbound below, and the views' batch readers
    # (node-triples …) then return the whole graph (about 12,000 rows).
    proc = subprocess.Popen([str(POLICYGRAPH), "serve", "--port", str(port), "--store", str(store_dir),
                             "--root", str(ROOT), "--max-rows", "100000"], stdout=log.open("w"),
                            stderr=subprocess.STDOUT, text=True)
    proc.log = log
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the server did not start:\n" + log.read_text())
            time.sleep(0.2)
    yield base, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


UNBOUND = "\0unbound"


def comparable(value) -> str:
    if value is None:
        return UNBOUND
    return "_:b" if isinstance(value, BNode) or (isinstance(value, dict) and value.get("type") == "bnode") else (
        value["value"] if isinstance(value, dict) else str(value))


def cli_rows(engine, query) -> list[tuple]:
    rows = engine.run(query)
    return sorted(tuple(comparable(r[c]) for c in rows.columns) for r in rows)


def test_sparqlwrapper_and_sparqlstore_get_the_cli_rows_for_every_named_query(server, engine, project):
    base, _ = server
    library = QueryLibrary(project.query_dirs)
    store = SPARQLStore(base + "/sparql", returnFormat="json")
    remote = Graph(store=store)
    for name in library.names():
        query = library.get(name)
        expected = cli_rows(engine, query)
        wrapper = SPARQLWrapper(base + "/sparql")
        wrapper.setQuery(query.text)
        # SPARQLWrapper 2.0.0 strips only every other leading comment line before it guesses the query
        # form, so "How a KPI moved …" in kpi-history's header reads as MOVE and it sends update= (which
        # the server refuses, 403). Every named query is a SELECT: say so.
        wrapper.queryType = SELECT
        wrapper.setReturnFormat(JSON)
        data = wrapper.query().convert()
        columns = data["head"]["vars"]
        got = sorted(tuple(comparable(b.get(c)) for c in columns) for b in data["results"]["bindings"])
        assert got == expected, name
        result = remote.query(query.text)
        via_rdflib = sorted(tuple(comparable(v) for v in row) for row in result)
        assert via_rdflib == expected, name


def test_sparqlstore_reads_xml_results_too(server):
    base, _ = server
    graph = Graph(store=SPARQLStore(base + "/sparql"))  # rdflib's default: SPARQL results XML
    rows = list(graph.query("PREFIX pg: <https://w3id.org/policygraph/ontology#> "
                            "SELECT ?k WHERE { ?k a pg:KPI } ORDER BY ?k LIMIT 3"))
    assert len(rows) == 3


def test_access_log_and_clean_shutdown_on_sigterm(server):
    base, proc = server
    urllib.request.urlopen(base + "/health").read()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    out = proc.log.read_text()
    # uvicorn finishes its requests and the app's shutdown, then re-raises SIGTERM: exit 143, as README's
    # exit-code table says for every command stopped by SIGTERM.
    assert proc.returncode == 143, out[-2000:]
    assert '"GET /health HTTP/1.1" 200' in out  # the access log
    assert "Application shutdown complete" in out
    workers = subprocess.run(["pgrep", "-f", "policygraph-query-worker", "-P", str(proc.pid)], capture_output=True)
    assert workers.stdout == b""


def test_start_up_refuses_a_missing_or_stale_store(runner, tmp_path, project_copy):
    result = runner.invoke(app, ["serve", "--store", str(tmp_path / "nothing"), "--root", str(ROOT)])
    assert result.exit_code == 2
    assert "the store is missing; run `policygraph build` first" in result.output
    from policygraph.pipeline import build
    build(project_copy)
    record = next((project_copy.root / "data" / "records").glob("*.yaml"))
    record.write_text(record.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    os.utime(record, (time.time() + 5, time.time() + 5))
    result = runner.invoke(app, ["serve", "--root", str(project_copy.root)])
    assert result.exit_code == 2
    assert "the store is older than the data" in result.output


def test_only_loopback_by_default_and_a_warning_otherwise(monkeypatch, runner, store_dir):
    import uvicorn
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    quiet = runner.invoke(app, ["serve", "--store", str(store_dir), "--root", str(ROOT)])
    assert quiet.exit_code == 0, quiet.output
    assert calls[-1]["host"] == "127.0.0.1" and "warning" not in quiet.output
    loud = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--store", str(store_dir), "--root", str(ROOT)])
    assert calls[-1]["host"] == "0.0.0.0"
    assert "warning: serving on 0.0.0.0, reachable from other machines" in loud.output
