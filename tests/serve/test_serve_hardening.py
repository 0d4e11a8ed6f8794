"""The server process under stress (issue #20): one generation per server while builds run, pools that
heal, a bounded queue per pool, a memory limit per worker, refused hosts, start-up checks, snapshots
that never outlive their server, and bad requests that get a clear 4xx instead of a 500."""
import datetime as dt
import functools
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from policygraph.cli.app import app as cli
from policygraph.cli.serve import allowed_hosts, remove_stale_snapshots
from policygraph.serve import protocol
from policygraph.serve.app import Settings, create_app
from policygraph.serve.workers import QueryWorkers
from policygraph.store.embedded import pinned, publish, read_info
from tests.serve.conftest import LiveServer, make_client

ROOT = Path(__file__).resolve().parents[2]
#: Runs far past any time limit here (three copies of the store joined).
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: Needs gigabytes: the store joined with itself, every row kept for the sort.
GREEDY = "SELECT ?a ?b ?c ?d WHERE { ?a ?p ?b . ?c ?q ?d } ORDER BY ?a ?d"


def store_path(engine) -> str:
    """The store folder a worker opened (runs in the worker)."""
    return engine.where


def flaky_warm(counter: str, failures: int, _engine) -> None:
    """A warm-up that fails the first `failures` times it runs (counted in a file: each run is a process)."""
    path = Path(counter)
    runs = int(path.read_text()) if path.exists() else 0
    path.write_text(str(runs + 1))
    if runs < failures:
        raise OSError(f"store briefly unreadable (start {runs + 1})")


def wait_for(check, seconds: float = 60, step: float = 0.2):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def healthy(client) -> dict:
    response = wait_for(lambda: (r := client.get("/health")).status_code == 200 and r)
    assert response, client.get("/health").text
    return response.json()


@pytest.fixture(scope="module")
def ntriples(store_dir) -> bytes:
    return (store_dir.parent / "policygraph.nt").read_bytes()  # the session build's export


# ---------------------------------------------------------------- 2. one generation per server
def test_one_generation_per_server_while_builds_run_and_a_worker_respawns(project, store_dir, ntriples, tmp_path):
    build_dir = tmp_path / "build"
    info = read_info(store_dir)
    first = publish(build_dir, ntriples, {}, info)
    # (a limit long enough for a fresh worker to import this module, where store_path is defined)
    with make_client(project, build_dir / "store", workers=1, time_limit=3) as client:
        assert healthy(client)["store"]["generation"] == first.name
        second = publish(build_dir, ntriples, {}, info)
        third = publish(build_dir, ntriples, {}, info)
        assert (build_dir / "store").resolve().parent == third
        # Two builds later the server's generation is still there (a build removes every generation no
        # reader holds, the one it replaced too: the second is gone).
        assert (first / "store").is_dir()
        assert not second.exists()
        answer = client.get("/sparql", params={"query": ENDLESS})
        assert answer.status_code == 503 and "time limit" in answer.text, answer.text  # its worker was respawned
        pools = client.app.state.pools
        assert wait_for(lambda: pools["sparql"].ready == 1), pools["sparql"].last_error
        assert pools["sparql"].call(store_path) == str(first / "store")
        assert pools["pages"].call(store_path) == str(first / "store")
        assert client.get("/health").json()["store"]["generation"] == first.name
        count = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                           headers={"Accept": "text/csv"})
        assert count.text.split()[1] == str(info.triples)
    publish(build_dir, ntriples, {}, info)  # the server has stopped: now the next build removes it
    assert not first.exists()


def test_pinned_resolves_once_and_a_snapshot_folder_is_only_resolved(ntriples, store_dir, tmp_path):
    build_dir = tmp_path / "build"
    first = publish(build_dir, ntriples, {}, read_info(store_dir))
    with pinned(build_dir / "store") as path:
        assert path == first / "store"
    plain = tmp_path / "copy" / "store"
    shutil.copytree(first / "store", plain)
    with pinned(plain) as path:
        assert path == plain and not (plain.parent / ".readers.lock").exists()


# ---------------------------------------------------------------- 3. a pool that drains heals
def test_a_worker_that_fails_to_start_is_started_again(store_dir, tmp_path):
    warm = functools.partial(flaky_warm, str(tmp_path / "starts"), 2)
    with QueryWorkers(store_dir, size=1, time_limit=5, warm=warm) as workers:
        assert wait_for(lambda: workers.ready == 1, 60), workers.last_error
        assert workers.call(protocol.execute, "ASK {}", "text/csv").status == 200
        assert workers.state == "ok" and workers.failures == 0 and workers.last_error is None
    assert (tmp_path / "starts").read_text() == "3"


def test_health_is_degraded_503_while_no_worker_can_start_and_ok_once_they_can(project, store_dir, tmp_path):
    later = tmp_path / "later" / "store"
    with make_client(project, later, workers=1) as client:
        response = wait_for(lambda: (r := client.get("/health")).json()["status"] == "degraded" and r, 30)
        assert response and response.status_code == 503
        assert "No such file or directory" in response.json()["errors"]["sparql"]
        refused = client.get("/sparql", params={"query": "ASK {}"})
        assert refused.status_code == 503 and "no query worker could start" in refused.text
        staging = tmp_path / "staging"
        shutil.copytree(store_dir.resolve(), staging)
        later.parent.mkdir()
        staging.rename(later)  # the store appears: the pools retry with back-off and heal
        assert healthy(client)["workers"] == {"size": 1, "sparql": 1, "pages": 1}
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


# ---------------------------------------------------------------- 4. capacity per pool
def test_a_full_sparql_queue_gets_503_with_retry_after_while_a_page_still_answers(project, store_dir):
    app = create_app(Settings(project, store_dir, workers=1, queue=1, time_limit=5))
    with LiveServer(app) as server:
        def get(path, **headers):
            try:
                with urllib.request.urlopen(urllib.request.Request(server.url + path, headers=headers),
                                            timeout=60) as r:
                    return r.status, r.headers, r.read().decode()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.headers, exc.read().decode()
        assert wait_for(lambda: get("/health")[0] == 200)
        slow = "/sparql?query=" + urllib.request.quote(ENDLESS)
        threads = [threading.Thread(target=get, args=(slow + f"%23{i}",)) for i in range(2)]  # one runs, one waits
        for t in threads:
            t.start()
        assert wait_for(lambda: app.state.pending["sparql"] == 2, 10)
        status, headers, body = get(slow + "%23third")
        assert status == 503 and "busy" in body
        assert int(headers["Retry-After"]) >= 1
        status, _, body = get("/id/kpi-cloud-municipalities", Accept="text/html")
        assert status == 200 and "kpi-cloud-municipalities" in body
        for t in threads:
            t.join(30)


# ---------------------------------------------------------------- 7. a memory limit per worker
def test_a_query_past_the_worker_memory_limit_gets_a_clear_503_and_the_server_goes_on(project, store_dir):
    with make_client(project, store_dir, workers=1, worker_memory=768 * 2**20, time_limit=60) as client:
        answer = client.get("/sparql", params={"query": GREEDY}, headers={"Accept": "text/csv"})
        assert answer.status_code == 503
        assert "more memory than a query worker may use (768 MB, --worker-memory)" in answer.text
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_a_worker_memory_too_small_to_open_the_store_is_refused_at_start(runner, store_dir, no_serving):
    result = runner.invoke(cli, ["serve", "--worker-memory", "100", "--port", "0", "--store", str(store_dir),
                                 "--root", str(ROOT)])
    assert result.exit_code == 2 and "--worker-memory 100 is too small" in result.output and not no_serving


# ---------------------------------------------------------------- 8. public hosts
def test_a_public_server_still_refuses_hosts_not_allowed(project, store_dir):
    hosts = allowed_hosts("0.0.0.0", True, ["policy.example.org"])
    assert "*" not in hosts and "0.0.0.0" not in hosts
    client = TestClient(create_app(Settings(project, store_dir, hosts=hosts)))  # no lifespan: no workers
    assert client.get("/favicon.ico", headers={"Host": "evil.com"}).status_code == 400
    assert client.get("/favicon.ico", headers={"Host": "policy.example.org:8000"}).status_code == 204
    assert client.get("/favicon.ico", headers={"Host": "127.0.0.1:8000"}).status_code == 204
    assert "192.0.2.7" in allowed_hosts("192.0.2.7", True, []) and "[2001:db8::1]" in allowed_hosts("2001:db8::1",
                                                                                                   True, [])


@pytest.fixture
def no_serving(monkeypatch):
    """uvicorn's Server.run replaced: records the config and the addresses of its sockets instead of serving."""
    import uvicorn
    calls = []
    monkeypatch.setattr(uvicorn.Server, "run",
                        lambda self, sockets=None: calls.append((self.config, [s.getsockname() for s in sockets])))
    return calls


def test_a_non_loopback_host_needs_public(runner, store_dir, no_serving):
    refused = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "0", "--store", str(store_dir),
                                  "--root", str(ROOT)])
    assert refused.exit_code == 2 and "add --public" in refused.output and not no_serving
    ok = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--public", "--allowed-host", "policy.example.org",
                             "--port", "0", "--store", str(store_dir), "--root", str(ROOT)])
    assert ok.exit_code == 0, ok.output
    config, sockets = no_serving[-1]
    assert sockets[0][0] == "0.0.0.0"
    assert "policy.example.org" in config.app.state.settings.hosts
    assert "*" not in config.app.state.settings.hosts


# ---------------------------------------------------------------- 16. port in use, unresolvable host
def test_a_port_in_use_or_an_unresolvable_host_exits_2_before_any_worker(runner, store_dir, no_serving, monkeypatch):
    import policygraph.serve.app as serve_app
    monkeypatch.setattr(serve_app, "create_app", lambda *a, **k: pytest.fail("the app was made"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = runner.invoke(cli, ["serve", "--port", str(port), "--store", str(store_dir), "--root", str(ROOT)])
    assert busy.exit_code == 2, busy.output
    assert f"cannot listen on 127.0.0.1 port {port}: Address already in use" in busy.output
    nowhere = runner.invoke(cli, ["serve", "--host", "nowhere.invalid", "--public", "--store", str(store_dir),
                                  "--root", str(ROOT)])
    assert nowhere.exit_code == 2 and "cannot resolve --host 'nowhere.invalid'" in nowhere.output
    assert not no_serving


# ---------------------------------------------------------------- 10. snapshots
def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_snapshots_are_named_by_pid_stale_ones_removed_and_health_has_built_at(runner, store_dir, monkeypatch,
                                                                                tmp_path, no_serving):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / f"policygraph-serve-{dead_pid()}-x1"
    (stale / "store").mkdir(parents=True)
    running = tmp_path / f"policygraph-serve-{os.getpid()}-x2"
    running.mkdir()
    seen = {}

    def serve(self, sockets=None):
        seen["snapshots"] = sorted(p.name for p in tmp_path.glob("policygraph-serve-*"))
        with TestClient(self.config.app, base_url="http://127.0.0.1") as client:
            seen["health"] = client.get("/health").json()
    import uvicorn
    monkeypatch.setattr(uvicorn.Server, "run", serve)
    result = runner.invoke(cli, ["serve", "--published-by", "2017-11-30", "--port", "0", "--store", str(store_dir),
                                 "--root", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert not stale.exists() and running.exists()
    # --published-by reads the store as of the date, made beside the built store: no snapshot of its own.
    assert seen["snapshots"] == [running.name]
    assert (store_dir.resolve().parent / "as-of").is_dir()
    assert seen["health"]["store"]["built_at"] == read_info(store_dir).built_at
    assert sorted(p.name for p in tmp_path.glob("policygraph-serve-*")) == [running.name]
    assert remove_stale_snapshots() == []


def test_an_interrupted_start_leaves_no_snapshot_and_the_dated_store_whole(runner, store_dir, monkeypatch, tmp_path):
    import tempfile

    import uvicorn

    from policygraph.store import dated
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def interrupted(self, sockets=None):
        raise KeyboardInterrupt
    monkeypatch.setattr(uvicorn.Server, "run", interrupted)
    result = runner.invoke(cli, ["serve", "--as-of", "2017-11-30", "--port", "0", "--store", str(store_dir),
                                 "--root", str(ROOT)])
    assert result.exit_code == 130
    assert not list(tmp_path.glob("policygraph-serve-*"))
    home = store_dir.resolve().parent / dated.FOLDER
    made = home / dated.name(dt.date(2017, 11, 30), None)
    assert (made / dated.RECORD).is_file() and not list(home.glob(".making-*"))  # kept for the next command


# ---------------------------------------------------------------- 12. clear 4xx, no 500
def test_bad_requests_get_a_clear_4xx(client):
    form = client.post("/sparql", data={f"f{i}": "x" for i in range(60)})
    assert form.status_code == 400 and "more than 50 fields" in form.text
    assert client.get("/static/" + "a" * 300 + ".css").status_code == 404
    assert client.get("/static/vendor/" + "b" * 300 + "/x.js").status_code == 404


def test_a_value_over_16_mb_is_served_as_csv_and_a_413_that_says_why_as_tsv(client):
    # CSV is written by policygraph itself (guarded cells), so it takes the value whole; Oxigraph's TSV
    # and XML writers hold one value in a 16 MB buffer: a clear 413 instead of a 500 with a traceback.
    parts = ['BIND("aaaaaaaaaaaaaaaa" AS ?a0)'] + [f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(21)]
    query = "SELECT ?a21 WHERE { " + " ".join(parts) + " }"
    as_csv = client.post("/sparql", content=query,
                         headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert as_csv.status_code == 200 and len(as_csv.content) > 16 * 2 ** 21
    as_tsv = client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query",
                                                            "Accept": "text/tab-separated-values"})
    assert as_tsv.status_code == 413 and "16 MB" in as_tsv.text and "JSON" in as_tsv.text


def test_a_client_that_disconnects_mid_body_is_no_server_error(project, store_dir):
    import anyio
    app = create_app(Settings(project, store_dir))
    sent = []

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/sparql", "raw_path": b"/sparql", "query_string": b"",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/sparql-query"),
                         (b"content-length", b"1000")], "scheme": "http", "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 5000), "http_version": "1.1", "root_path": "", "app": app}
    anyio.run(app, scope, receive, send)  # raised ClientDisconnect (a 500 and a traceback) before
    assert sent[0]["status"] == 400
