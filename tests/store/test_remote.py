"""A remote store (issue #14): `build --store URL` then trace, gaps, query, viz and export on Virtuoso 7
and Oxigraph server give what the embedded store gives; a store that is down, slow, refuses the
credentials or answers garbage stops the command with one line and exit 2, and leaves the current
build as it was.

The servers are started once per session (`remote_servers` in tests/conftest.py).
"""
from __future__ import annotations

import http.server
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from typer.testing import CliRunner

from policygraph.cli.app import app
from policygraph.errors import PolicygraphError
from policygraph.query.gaps import gap_report
from policygraph.query.sparql import QueryLibrary
from policygraph.query.trace import trace
from policygraph.store.remote import GRAPH_PREFIX, META, Endpoints, configured
from tests.conftest import REMOTE_SERVERS
from tests.servers import free_port

PASSWORD = "s3cret-Pa55word"


def _roots(engine, lib) -> list[str]:
    return sorted({str(r["id"]) for r in engine.run(lib.get("trace-roots"))})


def test_gap_report_is_identical(remote_engine, engine, project):
    lib = QueryLibrary(project.query_dirs)
    assert gap_report(remote_engine, lib).as_dict() == gap_report(engine, lib).as_dict()


def test_trace_is_identical_for_every_root(remote_engine, engine, project):
    lib = QueryLibrary(project.query_dirs)
    roots = _roots(engine, lib)
    assert len(roots) > 20 and _roots(remote_engine, lib) == roots
    # Four traces at a time: the server answers requests in parallel (one at a time took 81 s on Virtuoso).
    with ThreadPoolExecutor(max_workers=4) as pool:
        remote = dict(zip(roots, pool.map(lambda root: trace(remote_engine, lib, root), roots)))
    for root in roots:
        assert remote[root] == trace(engine, lib, root), root


def test_long_values_lists_go_in_batches(remote_engine, engine, project, monkeypatch):
    """Virtuoso refuses a VALUES list of ~9,000 nodes in some shapes (the gap report's evidence at a
    million triples): the engine sends batches, and the report is the same."""
    from policygraph.store import remote
    lib = QueryLibrary(project.query_dirs)
    monkeypatch.setattr(remote, "VALUES_BATCH", 3)
    assert gap_report(remote_engine, lib).as_dict() == gap_report(engine, lib).as_dict()
    assert trace(remote_engine, lib, "未来投資戦略2017") == trace(engine, lib, "未来投資戦略2017")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory, remote_servers):
    """A 20k-triple `synth` project (shapes the corpus lacks: a preliminary and a final value on one date,
    later values), as the embedded engine and, per server, an engine over it in a named graph of its own
    (the servers' current build stays the corpus)."""
    from policygraph.pipeline import _build
    from policygraph.project import Project
    from policygraph.records.synth import synthesize
    from policygraph.store import serialize
    from policygraph.store.engines import OxigraphEngine
    from policygraph.store.remote import Current, RemoteEngine
    root = tmp_path_factory.mktemp("synth")
    synthesize(root, 20_000, seed=3)
    project = Project(root)
    _corpus, _graph, store = _build(project, rdflib_graph=False)
    nt = serialize.ntriples(store)
    graph = "https://w3id.org/policygraph/test/synth"  # outside GRAPH_PREFIX: not a build graph
    remote = {}
    for name, (_server, server_store) in remote_servers.items():
        server_store.upload(graph, nt)
        remote[name] = RemoteEngine(server_store, Current(graph, {}))
    yield project, OxigraphEngine(store=store), remote
    for _name, (_server, server_store) in remote_servers.items():
        server_store.update(f"DROP SILENT GRAPH <{graph}>")


@pytest.mark.parametrize("name", REMOTE_SERVERS)
def test_a_synthetic_project_gives_identical_rows(synthetic, name):
    """Every named query without parameters, the gap report and a trace, on a synthetic project: the
    corpus alone missed that Virtuoso read sameTerm(?status, pg:Final) in preliminary-only-gap as false."""
    from tests.store.test_engines import rows_of
    project, embedded, engines = synthetic
    remote = engines[name]
    lib = QueryLibrary(project.query_dirs)
    differing = [n for n in lib.names() if not lib.get(n).params
                 and rows_of(remote, lib.get(n), {}) != rows_of(embedded, lib.get(n), {})]
    assert differing == []
    assert len(embedded.run(lib.get("preliminary-only-gap"))) > 0
    assert gap_report(remote, lib).as_dict() == gap_report(embedded, lib).as_dict()
    root = str(embedded.run(lib.get("trace-roots"))[0]["id"])
    assert trace(remote, lib, root) == trace(embedded, lib, root)


def test_the_whole_graph_comes_back_for_the_views(remote_engine, engine):
    from rdflib.compare import isomorphic
    remote, embedded = remote_engine.rdflib_graph(), engine.rdflib_graph()
    assert len(remote) == len(embedded) and isomorphic(remote, embedded)  # blank node labels differ


# ------------------------------------------------------------------------------------ through the CLI
def _invoke(args: list[str], env: dict | None = None):
    return CliRunner().invoke(app, args, env=env)


def _assert_one_line_exit_2(result, *expected: str) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "policygraph: error:" and len(lines) == 2, result.stderr
    for text in expected:
        assert text in lines[1], lines[1]
    return lines[1]


@pytest.fixture(scope="module")
def cli_built(remote_servers, project, store_dir):
    """`policygraph build --store URL` on each server (replacing the session's upload), as a user runs it."""
    out = {}
    for name, (server, remote) in remote_servers.items():
        before = remote.current().graph
        result = _invoke(["build", "--store", server.url, "--root", str(project.root)], env=server.env)
        assert result.exit_code == 0, result.stderr
        assert f"wrote {remote.where} <{GRAPH_PREFIX}" in result.stdout
        out[name] = (server, remote, before)
    return out


@pytest.mark.parametrize("name", REMOTE_SERVERS)
def test_build_switches_to_the_new_graph_and_drops_the_old(cli_built, name):
    _server, remote, before = cli_built[name]
    current = remote.current()
    assert current.graph != before
    _vars, graphs = remote.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                                  f"FILTER(STRSTARTS(STR(?g), \"{GRAPH_PREFIX}\")) }}")
    assert [g["g"]["value"] for g in graphs] == [current.graph]
    _vars, records = remote.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH <{META}> {{ <{META}> ?p ?g }} }}")
    assert [g["g"]["value"] for g in records] == [current.graph]


@pytest.mark.parametrize("name", REMOTE_SERVERS)
def test_a_parameter_naming_no_node_is_a_note_on_remote_stores_too(cli_built, name):
    """The check for a mistyped id (#23: no silent empties) runs on the remote store as on the embedded one."""
    server = cli_built[name][0]
    result = _invoke(["query", "kpi-history", "-p", "kpi=kpi-cloud-municpalities", "-f", "json", "--store", server.url])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert "did you mean kpi-cloud-municipalities?" in result.stderr
    found = _invoke(["query", "kpi-history", "-p", "kpi=kpi-cloud-municipalities", "-f", "json", "--store", server.url])
    assert found.exit_code == 0 and "note:" not in found.stderr


@pytest.mark.parametrize("name", REMOTE_SERVERS)
@pytest.mark.parametrize("args", [["trace", "未来投資戦略2017", "--format", "json"], ["gaps", "--format", "json"],
                                  ["query", "kpi-status", "--format", "csv"],
                                  ["query", "kpi-history", "--param", "kpi=kpi-cloud-municipalities", "-f", "json"],
                                  ["query", "kpi-status", "--format", "csv", "--engine", "rdflib"],
                                  ["gaps", "--format", "json", "--as-of", "2030-01-01"]])
def test_reading_commands_print_what_the_embedded_store_prints(cli_built, store_dir, name, args):
    server = cli_built[name][0]
    embedded = _invoke([*args, "--store", str(store_dir)])
    remote = _invoke([*args, "--store", server.url])
    assert embedded.exit_code == remote.exit_code == 0, remote.stderr
    if args[0] == "gaps":  # the report names the engine it ran on (--as-of: a copy in memory)
        expected = json.loads(embedded.stdout)
        assert expected.pop("engine") == "oxigraph"
        assert json.loads(remote.stdout) == {**expected, "engine": "oxigraph" if "--as-of" in args else "remote"}
    else:
        assert remote.stdout == embedded.stdout
    assert remote.stderr == ""  # no note: the store holds this project's current build


@pytest.mark.parametrize("name", REMOTE_SERVERS)
def test_viz_and_export_read_the_remote_store(cli_built, store_dir, tmp_path, name):
    server = cli_built[name][0]
    for where, store in (("embedded", str(store_dir)), ("remote", server.url)):
        result = _invoke(["export", "--format", "csv", "-o", str(tmp_path / f"{where}.csv"), "--store", store])
        assert result.exit_code == 0, result.stderr
        result = _invoke(["viz", "trace", "dir-honebuto-2017-cloud", "-o", str(tmp_path / f"{where}.html"),
                          "--store", store])
        assert result.exit_code == 0, result.stderr
    assert (tmp_path / "remote.csv").read_bytes() == (tmp_path / "embedded.csv").read_bytes()
    assert (tmp_path / "remote.html").stat().st_size > 10_000


def test_the_project_settings_name_the_store(cli_built, project_copy, store_dir):
    """`[store] url` in policygraph.toml: reading commands go there without --store."""
    server = cli_built["oxigraph-server"][0]
    (project_copy.root / "policygraph.toml").write_text(f'[store]\nurl = "{server.url}"\ntimeout = 30\n')
    result = _invoke(["trace", "dir-honebuto-2017-cloud", "--format", "json", "--root", str(project_copy.root)])
    assert result.exit_code == 0, result.stderr
    embedded = _invoke(["trace", "dir-honebuto-2017-cloud", "--format", "json", "--store", str(store_dir)])
    assert result.stdout == embedded.stdout
    # The copy's path differs from the project the store was built from, its data does not: no note.
    assert result.stderr == ""


def test_a_store_built_from_other_data_is_named(cli_built, project_copy):
    server = cli_built["oxigraph-server"][0]
    records = sorted(project_copy.records_dir.glob("*.yaml"))[0]
    records.write_text(records.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    result = _invoke(["gaps", "--format", "json", "--store", server.url, "--root", str(project_copy.root)])
    assert result.exit_code == 0
    assert "built from other data" in result.stderr and "policygraph build --store URL" in result.stderr


# ------------------------------------------------------------------------------------------- failures
class _Fake(http.server.BaseHTTPRequestHandler):
    """A misbehaving store: `mode` says how."""

    mode = "garbage"

    def _answer(self):
        if self.mode == "slow":
            time.sleep(3)
        body = {"garbage": b"<html>Welcome to nginx!</html>", "401": b"nope",
                "json": b'{"unexpected": true}',
                "cut": b'{"head": {"vars": ["g"]}, "results": {"bindings": []}}'}.get(self.mode, b"")
        self.send_response(401 if self.mode == "401" else 200)
        if self.mode == "401":
            self.send_header("WWW-Authenticate", 'Basic realm="store"')
        if self.mode == "cut":  # as Virtuoso says it cut a result at its ResultSetMaxRows
            self.send_header("X-SPARQL-MaxRows", "10000")
        self.send_header("Content-Type", "text/html" if self.mode == "garbage" else "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:  # the client gave up (the slow case): nothing to tell it
            pass

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_store():
    """A local HTTP server answering like a broken store; yields (url, set_mode)."""
    handler = type("Handler", (_Fake,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.handle_error = lambda *args: None  # a client that gave up is not an error of the test
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/query", lambda mode: setattr(handler, "mode", mode)
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("command", [["trace", "dir-honebuto-2017-cloud"], ["gaps"], ["query", "kpi-status"],
                                     ["build"]])
def test_a_store_that_is_down(command):
    url = f"http://127.0.0.1:{free_port()}/query"
    result = _invoke([*command, "--store", url])
    _assert_one_line_exit_2(result, "cannot reach the store at", "connection refused")


@pytest.mark.parametrize("mode, expected", [
    ("garbage", "answered something that is not SPARQL JSON results (text/html: <html>Welcome to nginx!</html>)"),
    ("json", "answered something that is not SPARQL JSON results"),
    ("401", "the store refused the credentials (HTTP 401)"),
    ("cut", "cut the answer at 10000 rows (its own result limit, e.g. Virtuoso's [SPARQL] ResultSetMaxRows)"),
])
@pytest.mark.parametrize("command", [["trace", "dir-honebuto-2017-cloud"], ["gaps"], ["build"]])
def test_a_store_that_answers_garbage_or_refuses(fake_store, mode, expected, command):
    url, set_mode = fake_store
    set_mode(mode)
    result = _invoke([*command, "--store", url], env={"POLICYGRAPH_STORE_USER": "u",
                                                      "POLICYGRAPH_STORE_PASSWORD": PASSWORD})
    line = _assert_one_line_exit_2(result, expected)
    assert PASSWORD not in result.stdout + result.stderr and PASSWORD not in line


def test_a_slow_store_times_out(fake_store, project_copy):
    url, set_mode = fake_store
    set_mode("slow")
    (project_copy.root / "policygraph.toml").write_text(f'[store]\nurl = "{url}"\ntimeout = 0.5\n')
    start = time.monotonic()
    result = _invoke(["gaps", "--root", str(project_copy.root)])
    _assert_one_line_exit_2(result, f"the store at {url} did not answer within 0.5 s")
    assert time.monotonic() - start < 3


def test_virtuoso_refuses_a_wrong_password_and_it_is_never_shown(cli_built, project):
    server, remote, _ = cli_built["virtuoso"]
    current = remote.current().graph
    result = _invoke(["build", "--store", server.url, "--root", str(project.root)],
                     env={"POLICYGRAPH_STORE_USER": "dba", "POLICYGRAPH_STORE_PASSWORD": PASSWORD})
    _assert_one_line_exit_2(result, "the store refused the credentials (HTTP 401)")
    assert PASSWORD not in result.stdout + result.stderr
    assert remote.current().graph == current


def test_credentials_in_the_url_are_refused_and_not_echoed():
    result = _invoke(["trace", "x", "--store", f"http://dba:{PASSWORD}@127.0.0.1:9/sparql"])
    _assert_one_line_exit_2(result, "holds credentials", "POLICYGRAPH_STORE_USER")
    assert PASSWORD not in result.stdout + result.stderr
    assert PASSWORD not in repr(Endpoints.derive("http://127.0.0.1:9/sparql", user="dba", password=PASSWORD))


def test_a_password_file(tmp_path, monkeypatch, remote_servers, project):
    server = remote_servers["virtuoso"][0]
    secret = tmp_path / "password"
    secret.write_text("dba\n")
    monkeypatch.delenv("POLICYGRAPH_STORE_PASSWORD", raising=False)
    monkeypatch.setenv("POLICYGRAPH_STORE_USER", "dba")
    monkeypatch.setenv("POLICYGRAPH_STORE_PASSWORD_FILE", str(secret))
    remote = configured(project, server.url)
    assert remote.endpoints.password == "dba"
    remote.update(f"INSERT DATA {{ GRAPH <{GRAPH_PREFIX}probe> {{ <urn:a> <urn:b> <urn:c> }} }}")
    remote.update(f"DROP SILENT GRAPH <{GRAPH_PREFIX}probe>")
    monkeypatch.setenv("POLICYGRAPH_STORE_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(PolicygraphError, match="cannot read the store password file"):
        configured(project, server.url)


@pytest.mark.parametrize("name", REMOTE_SERVERS)
def test_a_failed_upload_leaves_the_current_build_and_no_half_graph(cli_built, project, name, tmp_path):
    """The graph store endpoint fails mid-build (here: a wrong one): exit 2, the previous build stays
    current, and the half-made graph and its record are gone."""
    server, remote, _ = cli_built[name]
    current = remote.current().graph
    broken = tmp_path / "project"
    broken.mkdir()
    (broken / "data").symlink_to(project.root / "data")
    (broken / "policygraph.toml").write_text(
        f'[store]\nurl = "{server.url}"\ngraph_store = "{server.url.rsplit("/", 1)[0]}/no-such-endpoint"\n')
    result = _invoke(["build", "--root", str(broken)], env=server.env)
    _assert_one_line_exit_2(result, "the store answered HTTP ", "/no-such-endpoint")
    assert remote.current().graph == current
    _vars, records = remote.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH <{META}> {{ <{META}> ?p ?g }} }}")
    assert [g["g"]["value"] for g in records] == [current]


def test_a_store_with_no_build_says_so(tmp_path, project):
    from tests import servers
    with servers.oxigraph_server(tmp_path) as server:
        result = _invoke(["gaps", "--store", server.url])
    _assert_one_line_exit_2(result, "holds no policygraph graph", "policygraph build --store")


@pytest.mark.parametrize("name", REMOTE_SERVERS)
def test_serve_runs_on_a_remote_store_and_diff_and_published_by_too(cli_built, store_dir, project, name, monkeypatch):
    """`policygraph serve --store URL` serves a snapshot of the remote store's current build (taken at
    start-up): its pages and /sparql give the embedded store's rows; diff and --published-by read it too."""
    import shutil

    from policygraph.cli.serve import snapshot_store
    from tests.serve.conftest import make_client
    server = cli_built[name][0]
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)
    folder = snapshot_store(project, server.url, None, None)
    try:
        with make_client(project, folder) as remote, make_client(project, store_dir) as local:
            for path in ("/queries/kpi-status.json", "/gaps.json", "/diff.json?a=doc-progress-2016&b=doc-progress-2017"):
                assert remote.get(path).json() == local.get(path).json(), path
    finally:
        shutil.rmtree(folder.parent)
    for args in (["diff", "doc-progress-2016", "doc-progress-2017", "-f", "json"],
                 ["query", "kpi-status", "-f", "json", "--published-by", "2017-11-30"]):
        embedded = _invoke([*args, "--store", str(store_dir)])
        remote = _invoke([*args, "--store", server.url], env=server.env)
        assert remote.exit_code == embedded.exit_code == 0, remote.stderr
        assert remote.stdout == embedded.stdout
