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


@pytest.mark.parametrize("command", [["gaps"], ["viz", "gaps", "-o", "{out}"], ["trace", "dir-honebuto-2017-cloud"]])
def test_every_command_that_runs_project_queries_takes_the_limit(store_dir, project_copy, tmp_path, command):
    """A project may add *-gap.rq files and replace trace's queries: gaps, viz gaps and trace stop too."""
    name = "runaway-gap.rq" if command[0] != "trace" else "trace-links.rq"
    runaway = ("# title: runaway\n# param: root — the traced root\nSELECT ?root WHERE { ?root ?p ?o . ?a ?b ?c . "
               "?d ?e ?f . ?g ?h ?i FILTER(CONCAT(STR(?c), STR(?f), STR(?i)) = \"never\") }\n")
    (project_copy.root / "queries" / name).write_text(runaway if command[0] == "trace" else CARTESIAN,
                                                      encoding="utf-8")
    args = [a.format(out=tmp_path / "v.html") for a in command]
    proc = subprocess.run([sys.executable, "-m", "policygraph", *args, "--root", str(project_copy.root),
                           "--timeout", "1.5"], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 2, proc.stderr
    assert "ran longer than 1.5 s (--timeout)" in proc.stderr
    assert not (tmp_path / "v.html").exists()
