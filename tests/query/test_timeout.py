"""A runaway query ends with a clear message and exit 2, on every engine (hardening issue, "Also").

Run as a real process: the limit ends the process itself (a query inside the engine cannot be
interrupted from Python), which would end pytest too if run in-process.
"""
import subprocess
import sys
import time

import pytest

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }\n"


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_cartesian_product_is_stopped_at_the_time_limit(store_dir, tmp_path, engine):
    """Defect: a runaway query (a triple cartesian product) ran for minutes with no way to stop it."""
    q = tmp_path / "cartesian.rq"
    q.write_text(CARTESIAN, encoding="utf-8")
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "policygraph", "query", str(q), "--store", str(store_dir),
                           "--engine", engine, "--timeout", "1.5"], capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - start
    assert proc.returncode == 2, proc.stderr
    assert "query cartesian ran longer than 1.5 s (--timeout)" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert elapsed < 60


def test_a_quick_query_is_not_stopped(store_dir):
    proc = subprocess.run([sys.executable, "-m", "policygraph", "query", "kpi-status", "--store", str(store_dir),
                           "--timeout", "60", "--format", "csv"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") > 30
