import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policygraph import settings
from policygraph.pipeline import build_in_memory
from policygraph.project import Project
from policygraph.views.viz_browser import chromium, chromium_missing
from policygraph.views.viz_model import RecordGraph

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def built(project):
    """(corpus, graph) of the real records, built once per session."""
    return build_in_memory(project)


@pytest.fixture(scope="session")
def graph(built):
    return built[1]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


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
