"""Query workers: a long warm-up is not timed as a call, a call past the time limit ends its worker
and a fresh one takes its place, and errors come back whole."""
import time

import pytest

from policygraph.errors import PolicygraphError
from policygraph.serve import protocol
from policygraph.serve.workers import QueryWorkers, TimeLimitHit


def slow_warm_up(_engine):
    time.sleep(2.0)


def fail(_engine):
    raise PolicygraphError.single("broken on purpose", field="x")


def test_a_long_warm_up_is_not_a_call_past_the_time_limit(store_dir):
    with QueryWorkers(store_dir, size=1, time_limit=0.5, warm=slow_warm_up) as workers:
        assert workers.ready == 0
        answer = workers.call(protocol.execute, "ASK {}", "text/csv")  # waits for the warm-up, then runs
        assert answer.status == 200 and workers.ready == 1


def test_time_limit_replaces_the_worker_and_errors_come_back_whole(store_dir):
    with QueryWorkers(store_dir, size=1, time_limit=0.5) as workers:
        with pytest.raises(TimeLimitHit):
            workers.call(protocol.execute, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert workers.call(protocol.execute, "ASK {}").status == 200
        with pytest.raises(PolicygraphError) as caught:
            workers.call(fail)
        assert caught.value.problems[0].field == "x" and caught.value.exit_code == 2


def test_health_reports_ready_workers(client):
    deadline = time.monotonic() + 30
    while True:
        workers = client.get("/health").json()["workers"]
        if workers["pages"] == workers["sparql"] == workers["size"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert workers == {"size": 2, "sparql": 2, "pages": 2}
