"""Real triple stores started for the tests and the benchmarks: Virtuoso Open Source 7 (Debian's
`virtuoso-opensource-7-bin`) and Oxigraph server (the `oxigraph` package on PyPI), each on free
loopback ports, in a temporary folder, in its own process group (stopped with it).

    with virtuoso(tmp) as server:
        server.url          # the SPARQL query endpoint, for `--store`
        server.env          # POLICYGRAPH_STORE_USER / _PASSWORD for writing to it
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

#: Virtuoso's default administrator; the server listens on loopback only and lives for one session.
VIRTUOSO_USER = ("dba", "dba")
INSTALL = "apt-get install -y --no-install-recommends virtuoso-opensource-7-bin (or `make system-deps`)"


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    folder: Path
    env: dict = field(default_factory=dict)
    log: Path | None = None

    def stop(self) -> None:
        stop_group(self.process)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    query = url + "?query=" + urllib.request.quote("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {process.returncode}): {log.read_text()[-2000:]}")
        try:
            request = urllib.request.Request(query, headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(request, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    stop_group(process)
    raise RuntimeError(f"the server did not answer at {url} within {seconds:g} s: {log.read_text()[-2000:]}")


def _start(argv: list[str], folder: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(argv, cwd=folder, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DirsAllowed = ., {db}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
CheckpointInterval = 0
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerThreads = 4
[SPARQL]
; policygraph reads whole results: no row cap (Virtuoso's default cuts at 10,000 rows)
ResultSetMaxRows = 100000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


@contextlib.contextmanager
def virtuoso(folder: Path, buffers: int = 30000):
    """Virtuoso 7 on free loopback ports with a temporary database in `folder` (8 KB per buffer)."""
    binary = virtuoso_binary()
    if binary is None:
        raise RuntimeError(f"virtuoso-t is not installed: {INSTALL}")
    db = folder / "virtuoso"
    db.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = db / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=db, sql_port=sql_port, http_port=http_port, buffers=buffers,
                                       dirty=buffers * 3 // 4))
    log = db / "server.log"
    process = _start([binary, "+foreground", "+configfile", str(ini)], db, log)
    url = f"http://127.0.0.1:{http_port}/sparql"
    server = Server("virtuoso", url, process, db, {"POLICYGRAPH_STORE_USER": VIRTUOSO_USER[0],
                                                   "POLICYGRAPH_STORE_PASSWORD": VIRTUOSO_USER[1]}, log)
    server.sql_port = sql_port
    try:
        _wait_for(url, process, log)
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def oxigraph_server(folder: Path):
    """`oxigraph serve` (the PyPI package's CLI, beside this Python) on a free loopback port."""
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if binary is None:
        raise RuntimeError("the oxigraph server is not installed: pip install oxigraph (the [test] extra)")
    db = folder / "oxigraph"
    db.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "oxigraph-server.log"
    process = _start([binary, "serve", "--location", str(db), "--bind", f"127.0.0.1:{port}"], folder, log)
    url = f"http://127.0.0.1:{port}/query"
    server = Server("oxigraph-server", url, process, db, {}, log)
    try:
        _wait_for(url, process, log)
        yield server
    finally:
        server.stop()
