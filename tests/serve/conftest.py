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
