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
