"""SIGINT, SIGTERM and SIGHUP end every command promptly, even while a query runs inside an engine,
with the documented exit code (130 / 143 / 129) and no partial output (issue #20, point 7); `export`
and `viz trace` take --timeout like the other reading commands.

Real processes: a signal handler cannot run while Oxigraph (Rust) or rdflib evaluates a query, which is
what these tests check. The slow query is a project's own kpi-status.rq or *-gap.rq: a cartesian product.
"""
from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }\n"
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


@pytest.fixture(scope="module")
def runaway(tmp_path_factory):
    """A project with its store built, whose kpi-status.rq and one *-gap.rq never end (queries are not
    inputs of the store: it stays current)."""
    from policygraph.pipeline import build
    from policygraph.project import Project
    root = tmp_path_factory.mktemp("runaway")
    shutil.copytree(ROOT / "data", root / "data")
    build(Project(root), root / "build")
    (root / "queries").mkdir()
    for name in ("kpi-status.rq", "runaway-gap.rq"):
        (root / "queries" / name).write_text(CARTESIAN, encoding="utf-8")
    return root


def _in_query(pid: int, limit: float = 20.0) -> None:
    """Wait until the process is inside `time_limit` (its watchdog's pipe is open: the process's
    stdout and stderr are files, so a pipe among its descriptors is that one), then a little longer;
    at most `limit` seconds (code without the watchdog never opens one)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(int(fd) > 2 and stat.S_ISFIFO(os.stat(f"/proc/{pid}/fd/{fd}").st_mode) for fd in fds):
                time.sleep(0.5)
                return
        except (FileNotFoundError, ProcessLookupError):
            pass
        time.sleep(0.05)


def _run_and_signal(args: list[str], sig: int, tmp_path: Path, wait=_in_query):
    out, err = (tmp_path / "stdout").open("wb"), (tmp_path / "stderr").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "policygraph", *args], stdout=out, stderr=err,
                            stdin=subprocess.DEVNULL)
    try:
        wait(proc.pid)
        sent = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        out.close()
        err.close()
    return code, took, (tmp_path / "stderr").read_text(encoding="utf-8")


@pytest.mark.parametrize("sig", list(CODES))
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_query_ends_on_a_signal_while_the_query_runs(runaway, tmp_path, sig, engine):
    """Defect: SIGTERM and SIGHUP waited for the query to end (on Oxigraph: until the time limit), and
    Ctrl-C was ignored (rdflib) or waited too, then exited 1 — the code of "gaps found"."""
    code, took, err = _run_and_signal(["query", "kpi-status", "--root", str(runaway), "--engine", engine,
                                       "--timeout", "300"], sig, tmp_path)
    assert code == CODES[sig], err
    assert took < 5, took
    assert f"policygraph: stopped by {signal.Signals(sig).name} while query kpi-status ran" in err
    assert "Traceback" not in err and (tmp_path / "stdout").read_text() == ""


@pytest.mark.parametrize("command, sig", [
    (["export", "-f", "xlsx", "-o", "{out}/audit.xlsx"], signal.SIGTERM),
    (["export", "-f", "xlsx", "-o", "{out}/audit.xlsx"], signal.SIGINT),
    (["viz", "gaps", "-o", "{out}/gaps.html"], signal.SIGHUP),
    (["gaps", "--fail-on-gaps"], signal.SIGINT),
    (["diff", "doc-progress-2016", "doc-progress-2017"], signal.SIGTERM),
])
def test_every_reading_command_ends_on_a_signal_and_writes_nothing(runaway, tmp_path, command, sig):
    out = tmp_path / "out"
    out.mkdir()
    if command[0] == "diff":  # diff's own query, replaced by a runaway one
        (runaway / "queries" / "edition-statements.rq").write_text(
            "# param: document — a document\nSELECT ?document WHERE { ?document ?p ?o . ?a ?b ?c . ?d ?e ?f . "
            "?g ?h ?i FILTER(CONCAT(STR(?c), STR(?f), STR(?i)) = \"never\") }\n", encoding="utf-8")
    try:
        code, took, err = _run_and_signal([a.format(out=out) for a in command] + ["--root", str(runaway),
                                                                                  "--timeout", "300"], sig, tmp_path)
    finally:
        (runaway / "queries" / "edition-statements.rq").unlink(missing_ok=True)
    assert code == CODES[sig], err
    assert took < 5, took
    assert f"stopped by {signal.Signals(sig).name} while" in err and "nothing was written" in err
    assert list(out.iterdir()) == []  # neither the file nor a temporary one


def test_export_takes_a_timeout(runaway, tmp_path):
    """Defect: export had no --timeout; a project's runaway query ran until memory ran out."""
    target = tmp_path / "audit.xlsx"
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "policygraph", "export", "-f", "xlsx", "-o", str(target), "--root",
                           str(runaway), "--timeout", "1.5"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "export xlsx's queries ran longer than 1.5 s (--timeout)" in proc.stderr
    assert not target.exists() and list(tmp_path.iterdir()) == []
    assert time.monotonic() - start < 60


def test_viz_trace_takes_a_timeout(runaway, tmp_path):
    (runaway / "queries" / "trace-links.rq").write_text(
        "# param: root — the traced root\nSELECT ?root WHERE { ?root ?p ?o . ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
        "FILTER(CONCAT(STR(?c), STR(?f), STR(?i)) = \"never\") }\n", encoding="utf-8")
    try:
        proc = subprocess.run([sys.executable, "-m", "policygraph", "viz", "trace", "dir-honebuto-2017-cloud", "-o",
                               str(tmp_path / "t.html"), "--root", str(runaway), "--timeout", "1.5"],
                              capture_output=True, text=True, timeout=120)
    finally:
        (runaway / "queries" / "trace-links.rq").unlink()
    assert proc.returncode == 2, proc.stderr
    assert "viz trace's queries ran longer than 1.5 s (--timeout)" in proc.stderr
    assert not (tmp_path / "t.html").exists()


def test_a_build_stopped_by_a_signal_publishes_nothing(tmp_path):
    """SIGTERM during `build` (its checks): exit 143 promptly, and the build folder holds no generation."""
    out = tmp_path / "build"
    code, took, err = _run_and_signal(["build", "--root", str(ROOT), "--out", str(out)], signal.SIGTERM, tmp_path)
    if code == 0:
        pytest.fail("the build ended before the signal; the test needs a slower build")
    assert code == 143, err
    assert took < 5
    assert "policygraph: stopped by SIGTERM" in err and "Traceback" not in err
    assert not (out / "current").exists() and not (out / "store").exists()
