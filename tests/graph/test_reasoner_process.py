"""HermiT leaves nothing behind (hardening issue, defect 7).

A SIGTERM during HermiT orphaned the `java` process and left ~1 MB in /tmp; every check that found
the data inconsistent leaked owlready2's temporary file. Files are listed before and after.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from policygraph.graph.reason import check

from .test_reasoning import OWL_CASES, _fixture_graph, ontology  # noqa: F401 (fixture)

def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command name) of the processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            comm = fields[0].split("(", 1)[1]
            ppid = int(fields[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append((int(stat.parent.name), comm))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_during_hermit_kills_java_and_removes_its_files(project, tmp_path):
    """Defect: SIGTERM during HermiT orphaned java and left ~1 MB in /tmp."""
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(private_tmp)}
    proc = subprocess.Popen([sys.executable, "-m", "policygraph", "validate", "--reasoner", "hermit",
                             "--root", str(project.root)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    java = None
    deadline = time.monotonic() + 120
    while java is None and time.monotonic() < deadline and proc.poll() is None:
        java = next((pid for pid, comm in _children(proc.pid) if comm == "java"), None)
        time.sleep(0.05)
    assert java is not None, "HermiT's java process never started"
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    for _ in range(50):
        if not _alive(java):
            break
        time.sleep(0.1)
    assert not _alive(java), f"java (pid {java}) outlived the command"
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("case", OWL_CASES[:2], ids=[c.stem for c in OWL_CASES[:2]])
def test_an_inconsistent_graph_leaves_no_temporary_file(ontology, monkeypatch, tmp_path, case):  # noqa: F811
    """Defect: every check that found the data inconsistent leaked owlready2's temporary file."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    report = check(_fixture_graph(ontology, case.read_text(encoding="utf-8")), "hermit")
    assert not report.consistent
    assert list(tmp_path.iterdir()) == []
