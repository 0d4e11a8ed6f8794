"""The load test's short form (benchmarks/serve_load.py): a mix of node pages, trace pages, named
queries, ad-hoc SPARQL and the report pages (/, /kpis, /gaps) from concurrent clients, while one more client runs a query into the time
limit, ends with zero errors; the time-limited query is answered 503 and the server keeps answering."""
import sys
from pathlib import Path

from policygraph.serve.app import Settings, create_app
from tests.serve.conftest import LiveServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from serve_load import report, run_load  # noqa: E402


def test_short_load_has_no_errors_while_a_query_hits_the_time_limit(project, store_dir):
    app = create_app(Settings(project, store_dir, time_limit=1.0, workers=2))
    with LiveServer(app) as server:
        result = run_load(server.url, requests=300, clients=8, slow=True)
    print(report(result))
    assert result["errors"] == []
    assert result["slow"] and set(result["slow"]) == {503}
    assert result["by_kind"]["node"]["n"] and result["by_kind"]["trace"]["n"] and result["by_kind"]["report"]["n"]
