"""`make serve` (#23, point 10): reuses the install and a current build, and stops quietly on Ctrl-C.

Runs the real Makefile with a stand-in virtualenv folder (links to this interpreter's `policygraph`, and
an install stamp newer than pyproject.toml) over a copy of the project, and stops it as a terminal's
Ctrl-C does: SIGINT to the whole foreground process group (make, its shell, the server, its workers).
"""
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from policygraph.cli.app import app
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def venv(tmp_path):
    """A folder shaped like .venv whose install stamp is current: make must not run pip."""
    folder = tmp_path / "venv"
    (folder / "bin").mkdir(parents=True)
    here = Path(sys.executable).parent
    (folder / "bin" / "python").symlink_to(sys.executable)
    (folder / "bin" / "policygraph").symlink_to(here / "policygraph")
    (folder / ".policygraph-installed").touch()
    os.utime(folder / ".policygraph-installed", (time.time() + 5, time.time() + 5))
    return folder


def make_serve(venv: Path, project_root: Path) -> tuple[int, str]:
    """`make serve` until the server answers, then Ctrl-C; (make's exit status, everything it printed)."""
    port = free_port()
    env = {**os.environ, "POLICYGRAPH_ROOT": str(project_root)}
    proc = subprocess.Popen(["make", "--no-print-directory", "-C", str(ROOT), "serve", f"VENV={venv}",
                             f"SERVE_ARGS=--port {port}"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("make serve did not answer within 120 s")
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return proc.returncode, out


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_serve_reuses_install_and_build_and_stops_quietly(venv, project_copy):
    status, first = make_serve(venv, project_copy.root)
    assert "pip install" not in first  # the install stamp is current
    assert "wrote" in first and "built" in first  # no store yet: built once
    for noise in ("Error", "Traceback", "make: ***", "KeyboardInterrupt"):
        assert noise not in first, first  # Defect: Ctrl-C printed `Error 143` and worker tracebacks
    assert status in (0, -signal.SIGINT), first  # make ends by the same Ctrl-C, with no message
    assert "Finished server process" in first
    status, second = make_serve(venv, project_copy.root)
    assert "is current" in second and "not rebuilt" in second and "wrote" not in second  # Defect: rebuilt every time
    assert not any(noise in second for noise in ("Error", "Traceback", "make: ***")), second


def test_build_if_stale_builds_only_when_the_data_changed(runner, project_copy):
    root = ["--root", str(project_copy.root)]
    first = runner.invoke(app, ["build", "--if-stale", *root])
    assert first.exit_code == 0 and "wrote" in first.stdout  # no store: built
    again = runner.invoke(app, ["build", "--if-stale", *root])
    assert again.exit_code == 0 and "not rebuilt" in again.stderr and "wrote" not in again.stdout
    record = next((project_copy.root / "data" / "records").glob("*.yaml"))
    record.write_text(record.read_text(encoding="utf-8") + "\n# a change of the data\n", encoding="utf-8")
    changed = runner.invoke(app, ["build", "--if-stale", *root])
    assert changed.exit_code == 0 and "wrote" in changed.stdout  # the input digest differs: built again
