import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policygraph import settings
from policygraph.pipeline import _build, build
from policygraph.project import Project
from policygraph.store.engines import OxigraphEngine
from policygraph.views.viz_browser import chromium, chromium_missing
from policygraph.views.viz_model import RecordGraph

ROOT = Path(__file__).resolve().parents[1]

# Nothing the tests run writes into the user's own cache (kept query verdicts, local copies of remote
# builds: `policygraph.output.cache_home`): each test process gets one of its own, removed at its exit.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="policygraph-test-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], True)


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def built_all(project):
    """(corpus, rdflib graph, in-memory Oxigraph store) of the real records, built once per session."""
    return _build(project)


@pytest.fixture(scope="session")
def built(built_all):
    """(corpus, graph) of the real records, built once per session."""
    return built_all[:2]


@pytest.fixture(scope="session")
def graph(built):
    return built[1]


@pytest.fixture(scope="session")
def engine(built_all):
    """The Oxigraph engine over the session's in-memory store (what reading commands query)."""
    return OxigraphEngine(store=built_all[2], where="test session store")


@pytest.fixture(scope="session")
def store_dir(project, tmp_path_factory) -> Path:
    """The real project built once per session with `policygraph build`'s pipeline (store + exports)."""
    out = tmp_path_factory.mktemp("build")
    build(project, out)
    return out / "store"


def built_synth(tmp_path_factory, name: str, seed: int, triples: int = 20_000):
    """(project, store folder) of a `synth` project of `triples` triples, built with `policygraph build`'s
    pipeline in a temporary folder named after `name`."""
    from policygraph.records.synth import synthesize
    root = tmp_path_factory.mktemp(name)
    synthesize(root, triples, seed=seed)
    project = Project(root)
    build(project)
    return project, project.build_dir / "store"


#: Commands that read the graph: the test runner points them at the session's store.
READING = {"trace", "query", "gaps", "viz", "export"}


class StoreRunner(CliRunner):
    """A CliRunner whose reading commands read the session's built store (`--store`), as a user's
    commands read build/store after `policygraph build`: without it each call would build the graph
    in memory again. Calls that name their own --root, --graph or --store are left alone."""

    def __init__(self, store: Path):
        super().__init__()
        self.store = store

    def invoke(self, app, args=None, *rest, **kwargs):
        args = list(args or [])
        if args and args[0] in READING and not {"--root", "--graph", "--store"} & set(args):
            args += ["--store", str(self.store)]
        return super().invoke(app, args, *rest, **kwargs)


@pytest.fixture
def runner(store_dir) -> CliRunner:
    return StoreRunner(store_dir)


@pytest.fixture
def project_copy(tmp_path) -> Project:
    """A writable copy of the real project (ontology, records, sources, queries) to break on purpose."""
    for name in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return Project(tmp_path)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless chromium driven by Playwright. Missing chromium fails the browser tests;
    only POLICYGRAPH_SKIP_BROWSER=1, set explicitly, skips them (CI never sets it)."""
    if settings.skip_browser():
        pytest.skip("POLICYGRAPH_SKIP_BROWSER=1")
    why = chromium_missing()
    if why:
        pytest.fail(why)
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def rg(graph):
    """The views' record graph (networkx) over the real corpus."""
    return RecordGraph(graph)


#: The remote stores every remote test runs on (tests/servers.py starts them).
REMOTE_SERVERS = ("virtuoso", "oxigraph-server")


@pytest.fixture(scope="session")
def remote_servers(project, built_all, tmp_path_factory):
    """Virtuoso 7 and Oxigraph server, started once per session on free loopback ports in a temporary
    folder, each holding the real project's build (published as `build --store` does), stopped (with
    their process groups) at the end. A missing server fails: CI installs both (make system-deps, [test])."""
    import contextlib

    from policygraph import __version__
    from policygraph.pipeline import input_digest, input_stats
    from policygraph.store import embedded, serialize
    from policygraph.store.remote import RemoteStore, configured
    from tests import servers
    store = built_all[2]
    nt = serialize.ntriples(store)
    info = embedded.BuildInfo(__version__, str(project.root), input_digest(project), input_stats(project), "test",
                              len(store))
    with contextlib.ExitStack() as stack:
        started = {}
        for name, start in (("virtuoso", servers.virtuoso), ("oxigraph-server", servers.oxigraph_server)):
            try:
                server = stack.enter_context(start(tmp_path_factory.mktemp(name)))
            except RuntimeError as exc:
                pytest.fail(str(exc))
            with pytest.MonkeyPatch.context() as mp:
                for k, v in server.env.items():
                    mp.setenv(k, v)
                remote: RemoteStore = configured(project, server.url)
            remote.publish(nt, info.to_json(), len(store))
            started[name] = (server, remote)
        yield started


@pytest.fixture(scope="session", params=REMOTE_SERVERS)
def remote_engine(request, remote_servers):
    """The engine over each remote store's current build (the test runs once per server)."""
    _server, remote = remote_servers[request.param]
    return remote.engine()
