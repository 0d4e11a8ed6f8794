import pytest
from starlette.testclient import TestClient

from policygraph.serve.app import Settings, create_app


def make_client(project, store_dir, **limits) -> TestClient:
    """A TestClient over the session's built store (its lifespan starts and ends the query workers)."""
    return TestClient(create_app(Settings(project, store_dir, **limits)), base_url="http://127.0.0.1")


@pytest.fixture(scope="module")
def client(project, store_dir):
    with make_client(project, store_dir, max_rows=5000) as c:
        yield c


class LiveServer:
    """The app on a free loopback port in a thread of this process (uvicorn), for the browser tests."""

    def __init__(self, app):
        import socket
        import threading

        import uvicorn
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        import time
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(20)


@pytest.fixture(scope="module")
def live(project, store_dir):
    with LiveServer(create_app(Settings(project, store_dir))) as server:
        yield server


@pytest.fixture(scope="session")
def synth_200k(tmp_path_factory):
    """(project, store folder, engine) of a synth project of about 200,000 triples, built once per
    session: its `evidence` table has over 13,000 rows, more than the old 10,000-row cap of the pages
    (synth ~2 s and build ~40 s on 2 busy cores)."""
    from typer.testing import CliRunner

    from policygraph.cli.app import app
    from policygraph.pipeline import build
    from policygraph.project import Project
    from policygraph.store.embedded import open_store
    from policygraph.store.engines import OxigraphEngine
    root = tmp_path_factory.mktemp("synth-200k")
    result = CliRunner().invoke(app, ["synth", "--triples", "200000", "--out", str(root), "--seed", "1"])
    assert result.exit_code == 0, result.output
    project = Project(root)
    build(project)
    store_dir = project.build_dir / "store"
    return project, store_dir, OxigraphEngine(store=open_store(store_dir))
