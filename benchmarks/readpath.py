"""Issue #21's read path, measured for benchmarks/run.py on one built project: the reports through the
CLI in every output format, `viz trace`, the exports, `query kpi-status --as-of`, and `policygraph serve`
(ready time, the overview cold, the load test of benchmarks/serve_load.py cold and warm, memory per
process and of the whole server after it, and `serve --as-of` ready time). Each command runs in a new
process; its wall seconds and peak RSS (GNU time's maximum resident set) are measured. Not part of the tests (tests/test_benchmarks.py runs `run.py --quick` for its sections).
"""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_load import REPORTS, get, memory, run_load, start_server, stop_server  # noqa: E402

#: The date of the "as of" figures: inside the corpus's and the synth projects' years of values.
AS_OF = "2018-06-30"
#: The server's --time-limit (start_server's default): the time-limited client's queries end within it.
TIME_LIMIT = 5.0
#: The report formats of `gaps` and `query kpi-status`.
FORMATS = ("table", "csv", "json")


def load_average() -> str:
    """The machine's 1-, 5- and 15-minute load averages, for the line beside each block."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def run_cmd(args: list[str], limit: float = 900.0) -> dict:
    """Wall seconds, peak RSS (MB) and exit code of `policygraph *args` in a new process (stdout to a
    file: a terminal table is rendered as for a pipe, at the width of COLUMNS=120). The peak RSS is
    GNU time's (a process forked from this one would start its high-water mark at this process's size)."""
    exe = str(Path(sys.executable).with_name("policygraph"))
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        timer = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file)] if Path("/usr/bin/time").exists() else []
        start = time.perf_counter()
        try:
            proc = subprocess.run([*timer, exe, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  env={**os.environ, "COLUMNS": "120"}, timeout=limit)
        except subprocess.TimeoutExpired:
            return {"error": f"> {limit:.0f} s"}
        wall = time.perf_counter() - start
        lines = rss_file.read_text().split() if rss_file.exists() else []
        rss = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else None
    if proc.returncode not in (0, 1):  # 1: gaps found
        err = proc.stderr.decode(errors="replace").strip()
        return {"error": f"exit {proc.returncode}: {err.splitlines()[-1][:160] if err else ''}"}
    return {"wall_s": wall, "rss_mb": rss}


def median_run(args: list[str], repeat: int) -> dict:
    """The run with the median wall time of `repeat` runs (its peak RSS with it)."""
    runs = [run_cmd(args) for _ in range(repeat)]
    ok = sorted((r for r in runs if "error" not in r), key=lambda r: r["wall_s"])
    return ok[len(ok) // 2] if len(ok) == len(runs) else next(r for r in runs if "error" in r)


def commands(project_root: Path, store_dir: Path, trace_root: str, work: Path, repeat: int) -> dict:
    """The reports in every format, `viz trace`, the exports and `kpi-status --as-of`, each a new process."""
    common = ["--root", str(project_root), "--store", str(store_dir)]
    out: dict = {"load": load_average()}
    for fmt in FORMATS:
        out[f"gaps --format {fmt}"] = median_run(["gaps", "--format", fmt, *common], repeat)
        out[f"query kpi-status --format {fmt}"] = median_run(["query", "kpi-status", "--format", fmt, *common],
                                                             repeat)
    # The first command for a date makes its dated store; later ones read it: each figure on its own.
    as_of = ["query", "kpi-status", "--format", "json", "--as-of", AS_OF, *common]
    out["query kpi-status --format json --as-of (first use: makes the dated store)"] = run_cmd(as_of)
    out["query kpi-status --format json --as-of"] = median_run(as_of, repeat)
    out["viz trace"] = median_run(["viz", "trace", trace_root, "-o", str(work / "trace.html"), *common], repeat)
    for fmt, name in (("xlsx", "out.xlsx"), ("graphml", "out.graphml"), ("csv", "out.csv")):
        out[f"export --format {fmt}"] = median_run(["export", "--format", fmt, "-o", str(work / name), *common],
                                                   repeat)
    return out


def timed_get(base: str, path: str, timeout: float = 300.0) -> tuple[int | str, float]:
    host = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=timeout)
    start = time.perf_counter()
    try:
        status, _ = get(conn, path, "text/html")
    except (OSError, http.client.HTTPException) as exc:
        status = type(exc).__name__
    finally:
        conn.close()
    return status, time.perf_counter() - start


def serve(project_root: Path, store_dir: Path, requests: int, clients: int) -> dict:
    """`policygraph serve` (2 + 2 workers, --time-limit 5): ready times, each report page cold, the load
    test cold then warm (zero errors expected; a time-limited client runs beside it), memory after it;
    then `serve --as-of` ready time."""
    out: dict = {"load": load_average()}
    try:
        proc, base, health, ready = start_server(project_root, store=store_dir, queue=clients + 1)
    except RuntimeError as exc:
        return {**out, "error": str(exc)}
    try:
        out["health_s"], out["ready_s"] = health, ready
        out["cold_pages"] = {path: timed_get(base, path) for path in REPORTS}
        out["passes"] = [run_load(base, requests, clients) for _ in range(2)]
        # Right after the pass the time-limited client's last query may still be running (a cartesian
        # product of the graph, until the 5 s limit ends its worker): memory then, and once it has ended.
        out["memory_in_flight"] = memory(proc.pid)
        time.sleep(TIME_LIMIT + 2)
        out["memory"] = memory(proc.pid)
    finally:
        stop_server(proc)
    try:
        proc, base, health, ready = start_server(project_root, "--as-of", AS_OF, store=store_dir)
        stop_server(proc)
        out["as_of"] = {"health_s": health, "ready_s": ready}
    except RuntimeError as exc:
        out["as_of"] = {"error": str(exc)}
    return out
