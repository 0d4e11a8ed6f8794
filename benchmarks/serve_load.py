"""A bounded load test of `policygraph serve` on loopback: N requests from C concurrent clients, a mix of
node pages, trace pages, named queries (HTML and JSON), ad-hoc SPARQL and the report pages (`/`, `/kpis`,
`/gaps`), while one more client keeps sending a query that runs into the server's time limit. Prints p50 / p99 latency, the error count,
and how the time-limited queries ended.

    python benchmarks/serve_load.py                                  # the corpus: build/store
    python benchmarks/serve_load.py --root /tmp/synth-1m --requests 2000 --clients 20

An error is any status but 200 (or a transport failure) among the mix; the time-limited client's 503
answers are the expected outcome and counted apart. tests/serve/test_load.py runs a short form.
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: A query that runs until the time limit stops it (a three-way cartesian product of the graph).
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ADHOC = [
    "SELECT ?kpi ?label WHERE { ?kpi a pg:KPI ; rdfs:label ?label } LIMIT 100",
    "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n)",
    "ASK { ?s pg:attainment ?o }",
    "SELECT ?d ?l WHERE { ?d a pg:Directive ; rdfs:label ?l FILTER(lang(?l) = 'ja') } LIMIT 50",
]


def get(conn: http.client.HTTPConnection, path: str, accept: str = "*/*") -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Accept": accept})
    response = conn.getresponse()
    return response.status, response.read()


def targets(base: str) -> dict[str, list[str]]:
    """Paths of each kind, read from the server itself (record ids, directives, KPIs)."""
    host = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)

    def ids(query: str) -> list[str]:
        status, body = get(conn, "/sparql?" + urllib.parse.urlencode({"query": query}),
                           "application/sparql-results+json")
        assert status == 200, body
        return [b["x"]["value"].rsplit("/", 1)[-1] for b in json.loads(body)["results"]["bindings"]]
    records = ids("SELECT ?x WHERE { ?x a pg:KPI } ORDER BY ?x LIMIT 200") + ids(
        "SELECT ?x WHERE { ?x a pg:ReformItem } ORDER BY ?x LIMIT 100")
    directives = ids("SELECT ?x WHERE { ?x a pg:Directive ; pg:isCarriedBy ?i } ORDER BY ?x LIMIT 50")
    kpis = ids("SELECT ?x WHERE { ?x a pg:KPI } ORDER BY ?x LIMIT 50")
    conn.close()
    return {
        "node": [f"/id/{r}" for r in records],
        "trace": [f"/trace/{d}" for d in directives],
        "named": ["/queries/kpi-status", "/queries/kpi-status.json", "/queries/body-workload.json"]
                 + [f"/queries/kpi-history.json?kpi={k}" for k in kpis],
        "sparql": ["/sparql?" + urllib.parse.urlencode({"query": q}) for q in ADHOC],
        "report": list(REPORTS),
    }


#: The report pages: the overview, the KPI board and the gap report (each a bounded page).
REPORTS = ("/", "/kpis", "/gaps")
#: Share of each kind in the mix.
MIX = {"node": 0.35, "named": 0.2, "sparql": 0.2, "trace": 0.1, "report": 0.15}


def run_load(base: str, requests: int = 2000, clients: int = 20, slow: bool = True, seed: int = 1) -> dict:
    """Run the mix against `base`; latency per request in ms, errors, and the slow client's outcomes."""
    paths = targets(base)
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=requests)
    plan = [(k, rng.choice(paths[k])) for k in kinds]
    host = urllib.parse.urlsplit(base)
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {k: [] for k in MIX}
    errors: list[str] = []
    slow_outcomes: list[int] = []
    done = threading.Event()

    def client(part):
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        for kind, path in part:
            start = time.perf_counter()
            try:
                status, _ = get(conn, path, "text/html,application/json;q=0.9")
            except (OSError, http.client.HTTPException) as exc:
                status = f"{type(exc).__name__}"
                conn.close()
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
            ms = (time.perf_counter() - start) * 1000
            with lock:
                latencies[kind].append(ms)
                if status != 200:
                    errors.append(f"{status} {path[:80]}")
        conn.close()

    def slow_client():
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        path = "/sparql?" + urllib.parse.urlencode({"query": SLOW})
        while not done.is_set():
            try:
                status, _ = get(conn, path)
            except (OSError, http.client.HTTPException):
                status = 0
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
            slow_outcomes.append(status)

    threads = [threading.Thread(target=client, args=(plan[i::clients],)) for i in range(clients)]
    slow_thread = threading.Thread(target=slow_client, daemon=True)
    start = time.perf_counter()
    if slow:
        slow_thread.start()
        time.sleep(0.2)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    done.set()
    every = sorted(ms for values in latencies.values() for ms in values)

    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, int(q * len(values)))] if values else None
    return {"requests": requests, "clients": clients, "wall_s": wall, "rps": requests / wall,
            "p50_ms": statistics.median(every), "p99_ms": pct(every, 0.99), "errors": errors,
            "by_kind": {k: {"n": len(v), "p50_ms": pct(v, 0.5), "p99_ms": pct(v, 0.99)} for k, v in latencies.items()},
            "slow": slow_outcomes}


def report(result: dict) -> str:
    lines = [f"{result['requests']} requests from {result['clients']} clients in {result['wall_s']:.1f} s "
             f"({result['rps']:.0f} req/s): p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
             f"errors {len(result['errors'])}"]
    for kind, s in result["by_kind"].items():
        lines.append(f"  {kind:7} n={s['n']:5}  p50 {s['p50_ms']:.1f} ms  p99 {s['p99_ms']:.1f} ms")
    lines.append(f"  time-limited client: {len(result['slow'])} queries, answers {sorted(set(result['slow']))}")
    for e in result["errors"][:10]:
        lines.append(f"  error: {e}")
    return "\n".join(lines)


def start_server(root: Path, *extra: str, store: Path | None = None, time_limit: float = 5.0, workers: int = 2,
                 queue: int = 21, limit: float = 600.0) -> tuple[subprocess.Popen, str, float, float]:
    """`policygraph serve` on a free loopback port: the process, its base URL, the seconds until /health
    first answered 200 and until every worker of both pools was ready (both from the process's start)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("policygraph")
    cmd = [str(exe), "serve", "--root", str(root), "--port", str(port), "--time-limit", str(time_limit),
           "--workers", str(workers), "--queue", str(queue), *extra]
    if store is not None:
        cmd += ["--store", str(store)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    health = None
    while True:
        if proc.poll() is not None or time.monotonic() - started > limit:
            stop_server(proc)
            raise RuntimeError(f"the server did not start (exit {proc.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            status, body = get(conn, "/health")
            conn.close()
        except OSError:
            time.sleep(0.1)
            continue
        if health is None and status == 200:
            health = time.monotonic() - started
        w = json.loads(body)["workers"]
        if status == 200 and w["sparql"] == w["pages"] == workers:
            return proc, base, health, time.monotonic() - started
        time.sleep(0.1)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (the query workers are children of the forkserver)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(Path(entry, "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [pid], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def memory(pid: int) -> list[dict]:
    """RSS and PSS (MB) of the server and each process below it, with its name (PSS shares the pages the
    processes have in common: their sum is the whole server's memory)."""
    out = []
    for p in descendants(pid):
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ")
            ppid = int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        values = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in rollup.splitlines()[1:]}
        # the workers are forked from the forkserver and keep its command line: told apart by their parent
        if p == pid:
            name = "server"
        elif ppid == pid and b"forkserver" in cmd:
            name = "forkserver"
        elif ppid == pid and b"resource_tracker" in cmd:
            name = "resource tracker"
        else:
            name = "worker"
        out.append({"pid": p, "name": name, "rss_mb": values.get("Rss", 0.0), "pss_mb": values.get("Pss", 0.0)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="project folder (built with `policygraph build`)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=5.0, help="the server's --time-limit")
    parser.add_argument("--workers", type=int, default=2, help="the server's --workers")
    parser.add_argument("--queue", type=int, default=None, help="the server's --queue (default: the clients, so "
                        "that every client waits for a /sparql worker instead of getting 503 with Retry-After)")
    parser.add_argument("--url", help="an already running server instead of starting one")
    parser.add_argument("--passes", type=int, default=2, help="runs of the same mix: the first meets cold "
                        "pages (rendered for the first time), later ones the server's result cache")
    args = parser.parse_args()
    proc = None
    base = args.url
    if base is None:
        try:
            proc, base, health, ready = start_server(args.root, time_limit=args.time_limit, workers=args.workers,
                                                     queue=args.clients + 1 if args.queue is None else args.queue)
        except RuntimeError as exc:
            sys.exit(str(exc))
        print(f"/health after {health:.1f} s, every worker ready after {ready:.1f} s")
    try:
        for n in range(args.passes):
            print(f"pass {n + 1}:", report(run_load(base, args.requests, args.clients)))
        if proc is not None:
            mem = memory(proc.pid)
            print("memory after the passes: " + ", ".join(f"{m['name']} {m['rss_mb']:.0f} MB" for m in mem)
                  + f"; whole server {sum(m['pss_mb'] for m in mem):.0f} MB (PSS)")
    finally:
        if proc is not None:
            stop_server(proc)


if __name__ == "__main__":
    main()
