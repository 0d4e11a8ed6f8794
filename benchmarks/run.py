"""Write BENCHMARKS.md: the real corpus and `policygraph synth` projects at 10k, 100k and 1M triples,
measured side by side in one run on this machine.

For each project: build time per stage and in total, peak memory and store size (the build runs in
a child process with a time limit); the load rate into the on-disk store; every named query's p50 and
p95 on the store (Oxigraph) and on rdflib, with the ratio (each rdflib run in a forked process with
a time limit, shown as "> limit" past it); trace and the whole gap report in process; and the wall
time of `policygraph trace`, `gaps` and `query kpi-status` through the CLI. Issue #21's read path
(benchmarks/readpath.py): `gaps` and `query kpi-status` in every output format, `viz trace`, the exports
and `kpi-status --as-of` (wall and peak RSS, a new process each); `policygraph serve`'s ready time, its
report pages cold, the load test of benchmarks/serve_load.py (with `/`, `/kpis` and `/gaps` in the mix)
cold and warm, memory per process and of the whole server after it, and `serve --as-of`'s ready time.
Every goal is listed, met or missed with the cause, and each block carries the machine's load average
(the machine is shared: other work moves the figures). Then the same build in
the remote stores (issue #14; tests/servers.py starts them on loopback): Virtuoso 7 and Oxigraph
server, each loaded as `build --store URL` loads it (Graph Store Protocol), with every named query's
p50, trace and the gap report in process, and `trace` / `gaps` through the CLI with `--store URL`.
Not part of the tests:

    python benchmarks/run.py                          # corpus, 10k, 100k, 1M → BENCHMARKS.md
    python benchmarks/run.py --quick --out /tmp/b.md  # corpus and 100k, fewer runs, rdflib on the corpus only
    python benchmarks/run.py --sizes 10000 --out /tmp/b.md --repeat 3
    python benchmarks/run.py --servers oxigraph-server      # one remote store only ('' for none)
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(ROOT))  # tests/servers.py starts the remote stores

#: The remote stores measured beside the embedded store and rdflib (names of tests/servers.py).
SERVERS = ("virtuoso", "oxigraph-server")

#: Goals of the store issue, checked in the summary.
GOALS = {
    "help_s": 0.3, "trace_corpus_s": 0.5, "gaps_corpus_s": 1.0, "build_corpus_s": 5.0,
    "query_100k_ms": 50.0, "build_1m_s": 60.0, "rss_1m_mb": 2048, "load_1m_tps": 250_000,
    "trace_1m_ms": 20.0, "trace_1m_wall_s": 0.5, "query_1m_ms": 200.0, "gaps_1m_s": 2.0, "speedup_100k": 20.0,
    # issue #21
    "build_1m_s_21": 45.0, "rss_1m_mb_21": 1536, "gaps_cli_1m_s": 2.0, "kpi_status_cli_1m_s": 1.0,
    "ready_1m_s": 5.0, "process_1m_mb": 300, "server_1m_mb": 1024, "p99_warm_ms": 200.0, "p99_cold_ms": 1000.0,
    "overview_cold_s": 1.0, "as_of_ratio": 1.5, "as_of_mb": 300, "serve_as_of_ready_s": 5.0, "query_any_ms": 200.0,
}
#: --quick: what CI runs (tests/test_benchmarks.py), so that the report cannot silently go stale.
QUICK = {"sizes": "100000", "repeat": 2, "rdflib_limit": 3.0, "rdflib_max_triples": 50_000, "servers": "",
         "no_shacl_engines": True, "load_requests": 60, "load_clients": 6, "cli_repeat": 1}


# ------------------------------------------------------------------------------------- child: build
def child_build(root: str, out: str) -> None:
    """Run in a child process: build the project, print one JSON line with the stage times and sizes."""
    import pyoxigraph as ox

    from policygraph.pipeline import build
    from policygraph.project import Project
    from policygraph.timing import Stages
    result = build(Project(Path(root)), Path(out), Stages())
    # The build's peaks, before the load rate below is measured in this process too: the build's own, and
    # its children's (the process reading half the record files from 200 files on; HermiT's Java on graphs
    # small enough for it)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    store_dir = Path(out) / "store"
    size = sum(p.stat().st_size for p in store_dir.resolve().rglob("*") if p.is_file())
    nt = (Path(out) / "policygraph.nt").resolve()
    # Load rate: the N-Triples export bulk-loaded into a fresh on-disk store, timed alone.
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        store = ox.Store(tmp)
        store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        load_s = time.perf_counter() - start
        del store
    print(json.dumps({"seconds": result.seconds, "triples": result.triples, "store_bytes": size,
                      "load_s": load_s, "notes": list(result.notes),
                      "peak_rss_mb": peak, "peak_children_rss_mb": children}))


def run_build(root: Path, out: Path, limit: float) -> dict:
    cmd = [sys.executable, __file__, "--child-build", str(root), str(out)]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"error": f"> {limit:.0f} s (time limit)"}
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1] if proc.stderr else ''}"}
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["wall_s"] = wall
    return data


# ------------------------------------------------------------------------------------- queries
#: A node (or a VALUES list of nodes) for each parameter the named queries declare, picked as the
#: callers pick them: one body with the most KPIs (trace from a body), lists of 20-50 as trace, the
#: board and the explorer pass, a real search text. Each picks the first rows by id, so runs repeat.
_PICK = {
    "kpi": "SELECT ?x WHERE { ?x a pg:KPI ; pg:hasObservation ?o } ORDER BY ?x LIMIT 1",
    "item": "SELECT ?x WHERE { ?x a pg:ReformItem ; pg:measuredBy ?k } ORDER BY ?x LIMIT 1",
    "node": "SELECT ?x WHERE { ?x a pg:KPI ; pg:hasEvidence ?e } ORDER BY ?x LIMIT 1",
    "document": "SELECT ?x (COUNT(?d) AS ?n) WHERE { ?x a pg:PolicyDocument . ?d pg:statedIn ?x } "
                "GROUP BY ?x ORDER BY DESC(?n) ?x LIMIT 1",
    "body": "SELECT ?x (COUNT(?k) AS ?n) WHERE { ?k a pg:KPI ; pg:responsibleBody ?x } GROUP BY ?x "
            "ORDER BY DESC(?n) ?x LIMIT 1",
    "predicate": "SELECT (pg:measuredBy AS ?x) WHERE {}",
    "cls": "SELECT (pg:KPI AS ?x) WHERE {}",
}
_LISTS = {
    "kpi": "SELECT DISTINCT ?x WHERE { ?x a pg:KPI ; pg:hasObservation ?o } ORDER BY ?x LIMIT 50",
    "item": "SELECT DISTINCT ?x WHERE { ?x a pg:ReformItem ; pg:hasStep ?s } ORDER BY ?x LIMIT 50",
    "node": "SELECT DISTINCT ?x WHERE { ?x a pg:KPI ; pg:hasEvidence ?e } ORDER BY ?x LIMIT 50",
    "report": "SELECT ?x WHERE { ?x a pg:ProgressReport } ORDER BY ?x LIMIT 20",
    "directive": "SELECT ?x WHERE { ?x a pg:Directive } ORDER BY ?x LIMIT 50",
}
#: Where a query's callers pass something else than the parameter's name says elsewhere: the node page's
#: outgoing links of a KPI, the owners of statements, the statements of a progress report (diff).
_FOR_QUERY = {
    "node-links-out": {"predicate": "SELECT (pg:hasObservation AS ?x) WHERE {}"},
    "node-owners": {"node": "SELECT ?x WHERE { ?k a pg:KPI ; pg:hasObservation ?x } ORDER BY ?x LIMIT 50"},
    "edition-statements": {"document": "SELECT ?x (COUNT(?d) AS ?n) WHERE { ?x a pg:PolicyDocument . ?d "
                                       "pg:reportedIn ?x } GROUP BY ?x ORDER BY DESC(?n) ?x LIMIT 1"},
}
#: Optional parameters are bound for these queries (the index's class filter, README's example of
#: kpi-history, one document's coverage); elsewhere left out, as the node page lists a link group.
_OPTIONAL_BOUND = {"record-classes", "record-facet-links", "kpi-history", "coverage-matrix"}
#: The search box's text (serve.pages.search: lower-cased, and with its ASCII in full-width forms).
SEARCH_TEXT = "デジタル"


def sample_params(engine, library) -> dict:
    """Real nodes for the parameters the named queries declare (so they return rows): {name: term}
    for a single value, and under "values" {name: [terms]} for a parameter its callers pass as a
    VALUES list (its `# param:` line says so). See `arguments`."""
    from rdflib import Literal

    from policygraph.store.engines import TextQuery
    prefix = "PREFIX pg: <https://w3id.org/policygraph/ontology#>\n"
    out: dict = {"values": {}}
    for name, text in _PICK.items():
        rows = engine.run(TextQuery(f"sample-{name}", prefix + text))
        if rows:
            out[name] = rows[0]["x"]
    for name, text in _LISTS.items():
        rows = engine.run(TextQuery(f"sample-{name}s", prefix + text))
        if rows:
            out["values"][name] = [r["x"] for r in rows]
    out["root"] = out.get("document")
    out["text"] = out["wide"] = Literal(SEARCH_TEXT)
    out["for_query"] = {}
    for query, picks in _FOR_QUERY.items():
        for name, text in picks.items():
            rows = engine.run(TextQuery(f"sample-{query}-{name}", prefix + text))
            if rows:
                out["for_query"].setdefault(query, {})[name] = [r["x"] for r in rows]
    return out


def arguments(query, params: dict) -> dict:
    """The keyword arguments `engine.run(query, **…)` gets for `query`: each declared parameter bound,
    as a VALUES list where its callers pass one, else as one value."""
    kwargs, values = {}, {}
    own = params.get("for_query", {}).get(query.name, {})
    for name, doc in query.params.items():
        if "(optional" in doc and query.name not in _OPTIONAL_BOUND:
            continue
        if "VALUES list" in doc and name in own:
            values[name] = own[name]
        elif name in own:
            kwargs[name] = own[name][0]
        elif "VALUES list" in doc and name in params["values"]:
            values[name] = params["values"][name]
        elif name in params:
            kwargs[name] = params[name]
    return {**kwargs, "values": values} if values else kwargs


class Times(list):
    """Run times in seconds, and the rows of the last run."""
    rows: int | None = None


def _measure(engine, query, params, repeat, conn):
    try:
        times = Times()
        # One run first, not timed, on every engine alike: a forked child's first run also fills the
        # caches of this process (the query's check and plan, the store's blocks it reads), which the
        # cold pass of the load test measures; at 1M it took 11-18 ms where the next took 0.6-5 ms.
        engine.run(query, **params)
        for _ in range(repeat):
            start = time.perf_counter()
            rows = engine.run(query, **params)
            times.append(time.perf_counter() - start)
        times.rows = len(rows)
        conn.send(times)
    except Exception as exc:  # noqa: BLE001 - reported as a cell of the table
        conn.send(f"error: {exc}")


def timed(engine, query, params, repeat: int, limit: float):
    """Run times in seconds (with `.rows`), in a forked child with a time limit ("> limit" past it)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_measure, args=(engine, query, params, repeat, child))
    proc.start()
    if not parent.poll(limit):
        proc.kill()
        proc.join()
        return None
    result = parent.recv()
    proc.join()
    return result


def pct(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(round(q * (len(times) - 1))))]


def measure_queries(project, store_dir: Path, repeat: int, rdflib_limit: float, rdflib_max: int, triples: int):
    from policygraph.query.sparql import QueryLibrary
    from policygraph.store.embedded import open_store
    from policygraph.store.engines import OxigraphEngine, RdflibEngine
    library = QueryLibrary(project.query_dirs)
    ox = OxigraphEngine(store=open_store(store_dir), sort_in_python=True)  # as the commands and the server read it
    params = sample_params(ox, library)
    rd = None
    if triples <= rdflib_max:
        rd = RdflibEngine(ox.rdflib_graph())
    out = {}
    for name in library.names():
        q = library.get(name)
        p = arguments(q, params)
        ox_times = timed(ox, q, p, repeat, 600)
        rd_times = timed(rd, q, p, max(1, min(repeat, 3)), rdflib_limit) if rd is not None else "skipped"
        out[name] = (ox_times, rd_times)
    return out, params


def in_process(project, store_dir: Path, params: dict, repeat: int, root: str | None = None, engine=None) -> dict:
    """Trace and the whole gap report in process, on the store at `store_dir` or on `engine`."""
    from policygraph.query.gaps import gap_report
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.trace import trace
    from policygraph.store.embedded import open_store
    from policygraph.store.engines import OxigraphEngine
    library = QueryLibrary(project.query_dirs)
    engine = engine or OxigraphEngine(store=open_store(store_dir), sort_in_python=True)
    root = root or str(params["root"]).rsplit("/", 1)[-1]
    trace_t, gaps_t = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        trace(engine, library, root)
        trace_t.append(time.perf_counter() - start)
    for _ in range(max(1, repeat // 2)):
        start = time.perf_counter()
        gap_report(engine, library)
        gaps_t.append(time.perf_counter() - start)
    return {"trace": statistics.median(trace_t), "gaps": statistics.median(gaps_t), "root": root}


def cli_walls(project_root: Path, store_dir: Path | str, root_id: str, repeat: int = 3, env: dict | None = None,
              commands: tuple[str, ...] = ("--help", "trace", "gaps", "query kpi-status")) -> dict:
    """Median wall seconds of CLI commands reading `store_dir` (a folder or a remote store's URL)."""
    exe = [sys.executable, "-m", "policygraph"]
    cmds = {"--help": ["--help"],
            "trace": ["trace", root_id, "--root", str(project_root), "--store", str(store_dir)],
            "gaps": ["gaps", "--root", str(project_root), "--store", str(store_dir)],
            "query kpi-status": ["query", "kpi-status", "--root", str(project_root), "--store", str(store_dir)]}
    out = {}
    for name, args in ((n, a) for n, a in cmds.items() if n in commands):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            proc = subprocess.run(exe + args, capture_output=True, text=True, env={**os.environ, **(env or {})})
            times.append(time.perf_counter() - start)
            if proc.returncode != 0:
                times = None
                break
        out[name] = statistics.median(times) if times else None
    return out


def measure_remote(project, build_out: Path, params: dict, root: str, repeat: int, servers: list[str], work: Path,
                   limit: float) -> dict:
    """Each remote store, started fresh on loopback: the build loaded as `build --store` loads it (the
    upload, the count check and the switch), every named query's run times (None past `limit`), trace
    and the gap report in process, and `trace` / `gaps` through the CLI."""
    from policygraph.query.sparql import QueryLibrary
    from policygraph.store.embedded import read_info
    from policygraph.store.remote import Endpoints, RemoteStore
    from tests import servers as launch
    library = QueryLibrary(project.query_dirs)
    nt = (build_out / "policygraph.nt").resolve().read_bytes()
    info = read_info((build_out / "store").resolve())
    starters = {"virtuoso": lambda f: launch.virtuoso(f, buffers=120_000), "oxigraph-server": launch.oxigraph_server}
    out = {}
    for name in servers:
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=work))
        try:
            with starters[name](folder) as server:
                env = server.env
                remote = RemoteStore(Endpoints.derive(server.url, user=env.get("POLICYGRAPH_STORE_USER"),
                                                      password=env.get("POLICYGRAPH_STORE_PASSWORD"), timeout=600))
                start = time.perf_counter()
                remote.publish(nt, info.to_json(), info.triples)
                load_s = time.perf_counter() - start
                engine = remote.engine()
                queries = {}
                for q in library.names():
                    query = library.get(q)
                    queries[q] = timed(engine, query, arguments(query, params), repeat,
                                       limit)
                r = {"load_s": load_s, "queries": queries,
                     "in_process": in_process(project, build_out / "store", params, repeat, root, engine),
                     "cli": cli_walls(project.root, server.url, root, env=env, commands=("trace", "gaps"))}
        except Exception as exc:  # noqa: BLE001 - a server that fails is a cell of the report
            r = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        shutil.rmtree(folder, ignore_errors=True)
        out[name] = r
        print(f"  {name}: {'error' if 'error' in r else 'done'}", file=sys.stderr)
    return out


# ------------------------------------------------------------------------------------- report
def ms(t) -> str:
    return f"{t * 1000:,.1f}" if isinstance(t, float) else str(t)


def machine() -> list[str]:
    import pyoxigraph
    import pyshacl
    import rdflib
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "?")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    from policygraph import __version__
    return [f"- machine: {os.cpu_count()} cores ({cpu}), {int(mem) / 1024 / 1024:.1f} GiB memory, {platform.system()}",
            f"- Python {platform.python_version()}; policygraph {__version__}; pyoxigraph "
            f"{getattr(pyoxigraph, '__version__', '?')}; rdflib {rdflib.__version__}; pyshacl {pyshacl.__version__}",
            f"- run at {time.strftime('%Y-%m-%d %H:%M %Z')}; load average at the end "
            f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (other work on the machine moves the figures)"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the corpus and synth 100k, 2 runs per query, 1 per "
                    "command, rdflib on the corpus only and limited to 3 s, a 60-request load test, no remote "
                    "stores and no SHACL engine comparison (each can still be given explicitly)")
    ap.add_argument("--sizes", help="synth sizes in triples, comma-separated (default 10000,100000,1000000)")
    ap.add_argument("--no-corpus", action="store_true", help="leave out the real corpus")
    ap.add_argument("--repeat", type=int, help="runs per query on the store (default 7)")
    ap.add_argument("--cli-repeat", type=int, help="runs of each CLI command, the median reported (default 3)")
    ap.add_argument("--load-requests", type=int, help="requests of each load-test pass (default 400)")
    ap.add_argument("--load-clients", type=int, help="concurrent clients of the load test (default 10)")
    ap.add_argument("--no-readpath", action="store_true", help="leave out issue #21's read path (reports in "
                    "every format, viz, exports, serve)")
    ap.add_argument("--rdflib-limit", type=float, help="seconds per query on rdflib (default 10)")
    ap.add_argument("--rdflib-max-triples", type=int,
                    help="skip rdflib above this size (default 1,200,000; loading alone takes ~1 min per million "
                    "triples)")
    ap.add_argument("--build-limit", type=float, default=1800.0, help="seconds per build")
    ap.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    ap.add_argument("--no-shacl-engines", action="store_true", default=None,
                    help="leave out the SHACL engine comparison (benchmarks/shacl_engines.py)")
    ap.add_argument("--servers",
                    help="remote stores to measure, comma-separated (virtuoso, oxigraph-server; '' for none)")
    ap.add_argument("--server-limit", type=float, default=120.0, help="seconds per query on a remote store")
    ap.add_argument("--child-build", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_build:
        child_build(*args.child_build)
        return
    full = {"sizes": "10000,100000,1000000", "repeat": 7, "rdflib_limit": 10.0, "servers": ",".join(SERVERS),
            "no_shacl_engines": False, "load_requests": 400, "load_clients": 10, "cli_repeat": 3,
            "rdflib_max_triples": 1_200_000}
    for key, value in (QUICK if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    import readpath

    from policygraph.project import Project
    from policygraph.records.synth import synthesize
    work = Path(tempfile.mkdtemp(prefix="pg-bench-"))
    projects: list[tuple[str, Project]] = []
    if not args.no_corpus:
        projects.append(("corpus", Project(ROOT)))
    for size in (int(s) for s in args.sizes.split(",") if s):
        start = time.perf_counter()
        synthesize(work / f"synth-{size}", size, seed=1)
        print(f"synth {size:,}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
        projects.append((f"synth {size // 1000:,}k" if size < 1_000_000 else f"synth {size // 1_000_000}M",
                         Project(work / f"synth-{size}")))

    results = {}
    for name, project in projects:
        out = work / f"build-{name.replace(' ', '-')}"
        print(f"building {name} …", file=sys.stderr)
        r = {"load": {"build": readpath.load_average()}}
        b = r["build"] = run_build(project.root, out, args.build_limit)
        if "error" not in b:
            store_dir = out / "store"
            print(f"querying {name} …", file=sys.stderr)
            r["load"]["queries"] = readpath.load_average()
            r["queries"], params = measure_queries(project, store_dir, args.repeat, args.rdflib_limit,
                                                   args.rdflib_max_triples, b["triples"])
            # The corpus is traced from the example; a synthetic project from its largest document.
            r["in_process"] = in_process(project, store_dir, params, args.repeat,
                                         "未来投資戦略2017" if name == "corpus" else None)
            r["load"]["cli"] = readpath.load_average()
            r["cli"] = cli_walls(project.root, store_dir, r["in_process"]["root"], repeat=args.cli_repeat)
            if not args.no_readpath:
                print(f"read path of {name} …", file=sys.stderr)
                r["readpath"] = readpath.commands(project.root, store_dir, r["in_process"]["root"], out,
                                                  args.cli_repeat)
                print(f"serve {name} …", file=sys.stderr)
                r["serve"] = readpath.serve(project.root, store_dir, args.load_requests, args.load_clients)
            servers = [x for x in args.servers.split(",") if x]
            if servers:
                print(f"remote stores for {name} …", file=sys.stderr)
                r["remote"] = measure_remote(project, out, params, r["in_process"]["root"], args.repeat, servers,
                                             work, args.server_limit)
        results[name] = r
    write_report(args, results)
    shutil.rmtree(work, ignore_errors=True)


#: Sections other scripts write into BENCHMARKS.md (benchmarks/serve_load.py, remote_asof.py …): kept as they are.
KEPT = ("## policygraph serve: load test", "## Read path (issue #21)", "## Explorer (issue #22)",
        "## Remote store: as of a date")


def kept_sections(path: Path) -> list[str]:
    """The KEPT sections of the current file, each up to the next top-level heading."""
    if not path.is_file():
        return []
    out, keep = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            keep = line.startswith(KEPT)
        if keep:
            out.append(line)
    return [""] + out if out else []


def write_report(args, results: dict) -> None:
    names = list(results)
    lines = ["# Benchmarks", "",
             "Written by `python benchmarks/run.py` in one run (the real corpus and `policygraph synth` "
             "projects, seed 1). Times are wall seconds or milliseconds on this machine; medians unless "
             "a percentile is named. Goals are those of the store issue and of issue #21 (listed at the end, "
             "met ✓ or missed ✗ with the cause). The machine is shared: each block names the load average "
             "(1, 5, 15 minutes) when it started.", ""]
    if args.quick:
        lines += [f"**A `--quick` run** ({', '.join(names)}; fewer runs, rdflib limited to {args.rdflib_limit:g} s "
                  f"and left out above {args.rdflib_max_triples:,} triples, "
                  f"a load test of {args.load_requests} requests from {args.load_clients} clients, no remote stores "
                  "and no SHACL engine comparison): what CI runs so that this file cannot go stale; a full run "
                  "(`python benchmarks/run.py`) adds 10k and 1M, the remote stores and the SHACL engines.", ""]
    lines += machine() + [""]
    # builds
    stage_names = ["read records", "check records", "graph", "store", "derive", "checks: shacl", "checks: owl",
                   "checks", "exports", "write store", "total"]
    lines += ["## Build (`policygraph build`, every check included)", "", loads(results, "build"), "",
              "| stage | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for st in stage_names:
        row = []
        for n in names:
            b = results[n]["build"]
            row.append(b.get("error", "") if "error" in b else f"{b['seconds'].get(st, 0):.2f} s")
        lines.append(f"| {st} | " + " | ".join(row) + " |")
    for label, key, fmt in (("triples", "triples", "{:,}"), ("peak memory (MB, the build's process)", "peak_rss_mb",
                            "{:,.0f}"), ("peak memory (MB, the largest child: the reader of half the "
                                         "record files, or HermiT)", "peak_children_rss_mb", "{:,.0f}"), ("store size (MB)", "store_bytes", "{:,.1f}"),
                            ("load rate (triples/s, bulk load on disk)", "load", "{:,.0f}")):
        row = []
        for n in names:
            b = results[n]["build"]
            if "error" in b:
                row.append("—")
            elif key == "store_bytes":
                row.append(fmt.format(b[key] / 1e6))
            elif key == "load":
                row.append(fmt.format(b["triples"] / b["load_s"]))
            else:  # none: no child process (under 200 files, a graph too large for HermiT)
                row.append(fmt.format(b[key]) if b.get(key) else "—")
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    notes = {n for r in results.values() for n in r["build"].get("notes", [])}
    lines += [""] + [f"- note: {n}" for n in sorted(notes)] + [""]
    # queries
    lines += ["## Named queries: p50 / p95 on the store (Oxigraph), p50 on rdflib, and the ratio", "",
              f"rdflib runs each query in a forked process limited to {args.rdflib_limit:.0f} s; "
              f"\"> limit\" means it did not finish. ms.", ""]
    for n in names:
        r = results[n]
        if "queries" not in r:
            continue
        lines += [f"### {n} ({r['build']['triples']:,} triples)", "", f"Load average {r['load']['queries']}.", "",
                  "| query | rows | store p50 | store p95 | rdflib p50 | rdflib ÷ store |", "|---|---:|---:|---:|---:|---:|"]
        ratios = []
        for q, (ox_t, rd_t) in r["queries"].items():
            if not isinstance(ox_t, list):
                lines.append(f"| {q} | | {ox_t} | | | |")
                continue
            p50, p95 = pct(ox_t, 0.5), pct(ox_t, 0.95)
            if isinstance(rd_t, list):
                rd50 = statistics.median(rd_t)
                ratio = rd50 / p50 if p50 > 0 else float("inf")
                ratios.append(ratio)
                rd_cell, ratio_cell = ms(rd50), f"{ratio:,.1f}×"
            elif rd_t is None:
                rd_cell, ratio_cell = f"> {args.rdflib_limit * 1000:,.0f}", f"> {args.rdflib_limit / p50:,.0f}×"
                ratios.append(args.rdflib_limit / p50)
            else:
                rd_cell, ratio_cell = str(rd_t), ""
            rows = "" if getattr(ox_t, "rows", None) is None else f"{ox_t.rows:,}"
            lines.append(f"| {q} | {rows} | {ms(p50)} | {ms(p95)} | {rd_cell} | {ratio_cell} |")
        if ratios:
            geo = statistics.geometric_mean(ratios)
            slower = sum(1 for x in ratios if x < 1)
            lines += ["", f"Geometric-mean speed-up over rdflib: {geo:,.1f}× (a lower bound where rdflib hit "
                          f"its limit); queries slower on the store than on rdflib: {slower}."]
            r["geo"] = geo
            r["slower"] = slower
        ip = r["in_process"]
        lines += ["", f"In process: trace `{ip['root']}` {ms(ip['trace'])} ms; the whole gap report "
                      f"{ip['gaps']:.2f} s.", ""]
    # CLI
    lines += ["## Through the CLI (wall seconds, a new process each time)", "", loads(results, "cli"), "",
              "| command | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for cmd in ("--help", "trace", "gaps", "query kpi-status"):
        cells = []
        for n in names:
            c = results[n].get("cli", {}).get(cmd)
            cells.append(f"{c:.2f}" if isinstance(c, float) else "—")
        lines.append(f"| `policygraph {cmd}` | " + " | ".join(cells) + " |")
    lines += readpath_report(results)
    lines += remote_report(args, results)
    if not args.no_shacl_engines:
        from shacl_engines import report as shacl_engines_report
        print("comparing SHACL engines …", file=sys.stderr)
        lines += shacl_engines_report(100_000) + [""]
    lines += [""] + goals(results, args) + ["", MISSES]
    lines += kept_sections(args.out)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


def loads(results: dict, block: str) -> str:
    """"Load average at the start: corpus 1.2, 1.1, 1.0; …" for one block of every project."""
    cells = [f"{n} {r['load'][block]}" for n, r in results.items() if block in r.get("load", {})]
    return "Load average when each project's block started: " + "; ".join(cells) + "." if cells else ""


def _cmd_cell(c: dict | None) -> str:
    if not c:
        return "—"
    if "error" in c:
        return c["error"]
    return f"{c['wall_s']:.2f} s" + (f", {c['rss_mb']:,.0f} MB" if c.get("rss_mb") is not None else "")


def readpath_report(results: dict) -> list[str]:
    """Issue #21's read path: the CLI reports in every format, viz, exports, --as-of; then serve."""
    names = [n for n in results if "readpath" in results[n]]
    if not names:
        return []
    lines = ["", "## Reports, views and exports (issue #21; wall seconds and peak RSS, a new process each)", "",
             "Each command reads the project's store (`--store`); the median of the runs. A terminal table "
             "(`--format table`) prints the first 200 rows, a count and a hint; csv and json print every row. "
             "`--as-of D` is run once on its own first (it makes the dated store), then the median of later runs. "
             f"`--as-of D` is {__import__('readpath').AS_OF}.", "",
             "Load average when each project's block started: "
             + "; ".join(f"{n} {results[n]['readpath']['load']}" for n in names) + ".", "",
             "| command | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    keys = [k for k in results[names[0]]["readpath"] if k != "load"]
    for k in keys:
        command, _, remark = k.replace("--as-of", "--as-of D").partition(" (")
        lines.append(f"| `policygraph {command}`{' (' + remark if remark else ''} | "
                     + " | ".join(_cmd_cell(results[n]["readpath"].get(k)) for n in names) + " |")
    names = [n for n in results if "serve" in results[n]]
    lines += ["", "## policygraph serve (issue #21)", "",
              "`policygraph serve --store <the build> --workers 2 --time-limit 5` on loopback (2 processes for "
              "`/sparql`, 2 for the pages). Ready: `/health` answers 200 with every worker of both pools "
              "ready, from the process's start. The report pages are then asked once each, cold. The load test "
              "is benchmarks/serve_load.py's mix (35 % node pages, 20 % named queries, 20 % ad-hoc SPARQL, 10 % "
              "trace pages, 15 % `/`, `/kpis`, `/gaps`) while one more client keeps sending a cartesian product "
              "that the time limit stops (503, not counted as an error); pass 1 meets pages not yet rendered, "
              "pass 2 repeats the same requests. Memory after the passes: RSS of each process and the whole "
              "server's PSS (shared pages counted once). Then `serve --as-of D`'s ready time.", "",
              "Load average when each project's block started: "
              + "; ".join(f"{n} {results[n]['serve']['load']}" for n in names) + ".", "",
              "| | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]

    def row(label, fn):
        cells = []
        for n in names:
            x = results[n]["serve"]
            try:
                cells.append(x["error"] if "error" in x else fn(x))
            except (KeyError, IndexError, TypeError):
                cells.append("—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    row("`/health` answers", lambda x: f"{x['health_s']:.1f} s")
    row("every worker ready", lambda x: f"{x['ready_s']:.1f} s")
    for path in ("/", "/kpis", "/gaps"):
        row(f"`{path}` cold", lambda x, p=path: (f"{x['cold_pages'][p][1]:.2f} s" if x["cold_pages"][p][0] == 200
                                                 else f"{x['cold_pages'][p][0]} after {x['cold_pages'][p][1]:.1f} s"))
    for i, label in ((0, "pass 1 (cold)"), (1, "pass 2 (warm)")):
        row(f"{label}: requests / clients, req/s",
            lambda x, i=i: f"{x['passes'][i]['requests']} / {x['passes'][i]['clients']}, {x['passes'][i]['rps']:.0f}")
        row(f"{label}: p50 / p99", lambda x, i=i: f"{x['passes'][i]['p50_ms']:,.0f} / {x['passes'][i]['p99_ms']:,.0f} ms")
        row(f"{label}: errors", lambda x, i=i: f"{len(x['passes'][i]['errors'])}")
        for kind in ("node", "named", "sparql", "trace", "report"):
            row(f"{label}: {kind} p50 / p99", lambda x, i=i, k=kind: (
                f"{x['passes'][i]['by_kind'][k]['p50_ms']:,.0f} / {x['passes'][i]['by_kind'][k]['p99_ms']:,.0f} ms"))
    row("memory: server process (RSS)", lambda x: f"{next(m['rss_mb'] for m in x['memory'] if m['name'] == 'server'):,.0f} MB")
    row("memory: each worker (RSS)", lambda x: ", ".join(f"{m['rss_mb']:,.0f}" for m in x["memory"]
                                                          if m["name"] == "worker") + " MB")
    row("memory: largest process (RSS)", lambda x: f"{max(m['rss_mb'] for m in x['memory']):,.0f} MB")
    row("memory: whole server (PSS)", lambda x: f"{sum(m['pss_mb'] for m in x['memory']):,.0f} MB")
    row("memory right after the pass: largest process (RSS; the time-limited query may still run)",
        lambda x: f"{max(m['rss_mb'] for m in x['memory_in_flight']):,.0f} MB" if x.get("memory_in_flight") else "—")
    row("`serve --as-of D`: `/health` answers", lambda x: x["as_of"].get("error") or f"{x['as_of']['health_s']:.1f} s")
    row("`serve --as-of D`: every worker ready", lambda x: x["as_of"].get("error") or f"{x['as_of']['ready_s']:.1f} s")
    return lines + [""]


def remote_report(args, results: dict) -> list[str]:
    """The remote stores beside the embedded store and rdflib, one table per project."""
    measured = [n for n in results if results[n].get("remote")]
    if not measured:
        return []
    servers = list(results[measured[0]]["remote"])
    titles = {"virtuoso": "Virtuoso 7", "oxigraph-server": "Oxigraph server"}
    lines = ["", "## Remote stores through the SPARQL protocol (`--store URL`)", "",
             "Each store is started fresh on loopback (tests/servers.py) and loaded as `build --store URL` "
             "loads it: the N-Triples in 8 MB Graph Store Protocol requests into a new named graph, the "
             "triple count checked, the pointer switched. Queries are sent over HTTP with the build's graph "
             "as `default-graph-uri`, so each p50 includes the request and the JSON results. The embedded "
             "store and rdflib columns repeat the tables above. p50 in ms; "
             f"\"> limit\": not finished in {args.server_limit:.0f} s (rdflib: {args.rdflib_limit:.0f} s).", ""]
    for n in measured:
        r = results[n]
        head = ["embedded store", "rdflib", *(titles.get(s, s) for s in servers)]
        lines += [f"### {n} ({r['build']['triples']:,} triples)", "",
                  "| | " + " | ".join(head) + " |", "|---|" + "---:|" * len(head)]
        remote = r["remote"]

        def cell(times, limit):
            if isinstance(times, list):
                return ms(statistics.median(times))
            return f"> {limit * 1000:,.0f}" if times is None else str(times)
        b = r["build"]
        row = [f"{b['load_s']:.2f} s (bulk load)", "—"]
        for s in servers:
            x = remote[s]
            row.append(x["error"] if "error" in x else f"{x['load_s']:.2f} s ({b['triples'] / x['load_s']:,.0f}/s)")
        lines.append("| load | " + " | ".join(row) + " |")
        for q, (ox_t, rd_t) in r["queries"].items():
            row = [cell(ox_t, 600), cell(rd_t, args.rdflib_limit) if rd_t != "skipped" else "skipped"]
            row += ["—" if "error" in remote[s] else cell(remote[s]["queries"].get(q), args.server_limit)
                    for s in servers]
            lines.append(f"| {q} | " + " | ".join(row) + " |")
        ip = r["in_process"]
        row = [ms(ip["trace"]), "—"] + ["—" if "error" in remote[s] else ms(remote[s]["in_process"]["trace"])
                                        for s in servers]
        lines.append(f"| trace `{ip['root']}` in process | " + " | ".join(row) + " |")
        row = [ms(ip["gaps"]), "—"] + ["—" if "error" in remote[s] else ms(remote[s]["in_process"]["gaps"])
                                       for s in servers]
        lines.append("| the whole gap report in process | " + " | ".join(row) + " |")
        for cmd in ("trace", "gaps"):
            row = [f"{r['cli'][cmd]:.2f} s" if r["cli"].get(cmd) else "—", "—"]
            for s in servers:
                c = remote[s].get("cli", {}).get(cmd)
                row.append(f"{c:.2f} s" if c else "—")
            lines.append(f"| `policygraph {cmd}` wall | " + " | ".join(row) + " |")
        lines.append("")
    return lines


MISSES = """## Where goals are missed, and what would close them

Causes measured on this machine while writing this report; the figures above are from the run.

- **Named queries at 100k and 1M (p50 ≤ 50 ms / ≤ 200 ms) and the gap report at 1M.** Oxigraph
  0.5's planner evaluates an OPTIONAL or UNION part of more than one pattern over the whole graph
  and hash-joins it, whatever the rows already bound: a query with few rows still costs the size of
  its OPTIONAL parts. It also planned a substituted parameter as unbound; the engine now writes
  parameters in as constants where that is safe. `trace` itself now runs ten small queries (plain
  patterns and one-pattern OPTIONALs over the bound root or a VALUES list): at 1M a trace went from
  2.6 s to about 0.1 s in process. The named report queries that keep large OPTIONALs —
  `kpi-status` and some gap queries — still cost 0.2–1.2 s at 1M (the next point). Fixed where
  it was a plain mistake: projection-as-observation-gap joined its attainment-date branch as a cross
  product (1M: 8 s → 0.6 s). What would close the rest: the same split for each slow report (a key
  query, then batched detail queries of plain patterns — a VALUES list joined with plain patterns
  takes 4 ms at 1M), or Oxigraph's LATERAL (SEP-0006; not SPARQL 1.1, so not on rdflib), or a
  planner with sideways information passing. Flattening an OPTIONAL into one-pattern OPTIONALs is
  not equivalent (an unbound `?kpi` makes the next one a cross product).
- **Since 2026-12-07 (second pass), the report queries rewritten to the measured recipe**: labels and
  other per-row details in OPTIONALs of one pattern joined to the rows found, not every label of the graph
  first; `VALUES` and `FILTER(?x IN …)` after the bound patterns; a NOT EXISTS of one triple pattern (a
  NOT EXISTS of two patterns is 30–140× slower on Oxigraph, so none is used). At 1M: trace-steps 216 →
  ~25 ms, trace-kpi 385 → 32 ms, trace 607 → 2 ms, kpi-no-observation-gap 230 → 111 ms,
  kpi-no-body-gap 291 → 81 ms, source-disagreement-gap 706 → 229 ms, next-measurement-passed-gap 242 →
  36 ms; every engine gives the same rows (tests/store/test_engines.py). Still above 200 ms at 1M: the
  listings of the whole graph (record-facet-links, record-classes, trace-roots: tens of thousands of rows;
  kpi-status: one row per KPI with seven nested OPTIONALs) and the search fallbacks `record-search` /
  `record-search-text`, whose floor is decoding every label and quote from the store's dictionary (~0.4 s
  per 100,000 strings at 1M, measured branch by branch): the web app's `/search` reads the SQLite
  full-text index written at build time instead, and the commands and pages read the listings' answers
  from the generation's reports.
- **Since 2026-12-07 (third pass), a query's final ORDER BY is done in Python on the store on disk**
  (`policygraph.store.ordering`): Oxigraph compares two IRIs or strings by reading both from its
  dictionary, a RocksDB lookup per comparison on disk (sorting 4,308 KPI IRIs: ~190 ms, reading them
  13 ms; in memory 11 ms). Measured at 1M, native against Python, p50 ms: record-classes 273 → 85,
  overview-facets 1,855 → 665, record-facet-links 4,575 → 2,586, coverage-flow 394 → 183, trace-roots
  2,033 → 1,481; the rest within noise. node-triples (every view reads records with it) orders by STR of
  typed values, which rdflib writes in canonical forms of its own; since the fourth pass the engine passes
  the text Oxigraph holds for each, and it is sorted in Python too (1M, 100 KPIs: 223–256 → 62 ms). In memory it gains nothing (some faster, some slower), so only engines
  over a store on disk do it. The order is Oxigraph's own, row for row (tests/store/test_ordering.py:
  every named query on the corpus and a synth project, and generated values of every kind against
  Oxigraph's ORDER BY); values it cannot order with certainty are left to Oxigraph.
- **Since 2026-12-07 (fifth pass).** The search fallbacks: each UNION branch of `record-search` and
  `record-search-text` filters its own scan and then joins the record's class (with the FILTER after the
  UNION Oxigraph joined every typed record to it first): 100k 491 → 135 ms and 342 → 33 ms, 1M 5.4 → 1.4 s
  and 4.0 → 0.33 s, the same rows. At 1M a scan of every label and id stays above 200 ms (~0.3 s per
  100,000 strings decoded); the web app searches the build's full-text index. `record-facet-links` reads
  the records of the class first, then their links by `FILTER IN` (one class: 100k 206 → 80 ms, 1M 1.9 →
  0.5 s). Each query now gets one untimed run before the timed ones, on both engines (a forked child's
  first run filled its caches: 11–18 ms where the next took 0.6–5 ms; the load test's cold pass measures
  that cost). The listings of the whole graph (trace-roots: 36,192 rows, kpi-status: 4,308 rows with
  nested OPTIONALs, overview-facets, the gap queries) stay above 200 ms at 1M: ~0.6 s of Oxigraph for
  trace-roots alone, and making rdflib terms of tens of thousands of rows costs about as much again.
- **Speed-up over rdflib at 100k (geometric mean ≥ 20×) and queries slower than on rdflib.** The
  mean is pulled down by the small lookups, where both engines take a few milliseconds; `evidence` and
  `responsible` take about 1–2 ms on both, so their ratio is noise. A query that rdflib answers after
  binding its parameter (initBindings) can stay faster there on the small corpus.
- **`query kpi-status` and `gaps` in every format (issue #21: ≤ 1 s / ≤ 2 s at 1M): met since 2026-12-07**
  by keeping the reports with their store (`policygraph.query.reports`): `build` computes kpi-status, the
  gap report and the overview beside its checks and writes them into the generation; the commands, the
  board, the gap page, the overview and the workbook read them back (a dated store gets its own on first
  use). The queries themselves still cost what the rows "on the engine" say (kpi-status ~1.2 s at 1M, the whole gap report as the Goals table says): each OPTIONAL group of kpi-status (the latest observation with its seven nested
  OPTIONALs, the latest assessment, the attainment basis) costs what it costs over the whole graph, and
  so do the slowest gap queries (deadline-no-observation, source-disagreement, target-not-met). What would
  close the engine figures: a key query, then each group as plain patterns over a bound VALUES list of the
  keys, joined in Python with the same multiplicity; a VALUES list alone in front of the groups made
  kpi-status slower (3.0 s against 1.3 s at 100k). A query file's rdflib parse (the network check) is
  kept as a verdict in ~/.cache/policygraph/checked, so a new process does not pay it again.
- **Build at 1M (issue #21: ≤ 45 s, ≤ 1.5 GB): SHACL as SPARQL.** At 100k its 256 compiled queries take
  2.2 s of CPU (12.6 s wall at load average 10): `sh:in`/datatype value checks 45 %, `maxCount` 30 %,
  `minCount` 17 %; the slowest are the evidence shapes (`pg:quote`, `pg:locator`, `prov:wasQuotedFrom`,
  `pg:sourceLine`: 0.3–0.5 s wall each) and `rdfs:label`'s `uniqueLang`. What would cut it: one query per
  shape and target for its paths' max/min counts and value checks together, instead of one per
  component and path. Other engines on the same shapes (2026-12-07, a throwaway virtualenv, not a
  dependency): pyshacl-turbo 0.6.5 (needs `advanced=True`) took 6.5 s at 100k (the project's SHACL as
  SPARQL: 0.46 s of queries) and 82 s and 3.6 GB at 1M, conforming; pyrudof 0.3.35 panicked on these
  shapes (`Option::unwrap()` on `None`) in both its native and SPARQL modes at 100k. The project's 256
  queries take 7.4 s alone at 1M, 12–21 s inside the build where they share the 2 cores.
- **Build at 1M (≤ 60 s; issue #21: ≤ 45 s, ≤ 1.5 GB).** Peak memory went from 2.4 to ~1.4 GB
  (the store loaded in pieces from the written N-Triples, the store in memory let go first, streamed
  exports, the garbage collector paused while millions of long-lived objects are made). Time: the
  overview's figures are counted from one plain query (`overview-facets`) instead of an rdflib graph
  of every KPI, body and document (8.5 → 1.1 s alone; in alternating builds on a quiet machine
  56–61 s against 77–82 s before). The same build takes 56–82 s from one run to the next on this
  shared host, so compare builds run back to back. Before the checks ~21–30 s run on one core:
  reading ~51,000 records (YAML, then pydantic), checking them, the graph, loading the store in memory
  (N-Triples text made in Python ~3 s, Oxigraph's parse ~4 s; a pipe to overlap them and a memo of
  term texts were both slower), deriving; then the checks (SHACL ~10 s of queries, the OWL clash
  queries ~5 s) beside the exports (N-Triples 2.8, Turtle 2.4, JSON-LD 3.0, the full-text index
  6–7 s: Python holding the GIL) and the reports (~4.5 s); then the on-disk store (~10 s). What would
  speed it up: parse data files in worker processes (the records are independent per file), cache
  parsed records by file digest, write Turtle and JSON-LD in a process of their own, and bulk-load the
  on-disk store directly instead of loading in memory first and again on disk.
- **Since 2026-12-07 (sixth pass), the build at 1M.** CPU taken out where the two cores are shared and
  work overlapped where one was idle; each measured in alternating runs in one process, since whole builds
  varied by ±20 % on this host during the pass (a fixed Python loop took 2.3–4.7 s from one minute to the
  next). The SHACL queries run in threads (Oxigraph evaluates without the GIL; 256 queries in memory 11 →
  4.8 s alone); the store in memory is loaded while the graph is made (each 50,000 triples' N-Triples
  loaded in a second thread; graph + store 7.5–9.3 → 6.2–7.6 s); Turtle and JSON-LD from one reading of
  the N-Triples (11.7 → 8.6 s of the exports' thread); the quote check's offset map and line starts
  (2.0 → 1.2 s). Whole builds back to back with the last stop's code: 52.6 → 41.9 s and 67.5 → 59.3 s in
  two pairs, but 54.2 → 56.4 s in a third (the checks ended sooner and the build then waited for the
  exports and reports: the phase after the checks is bound by the CPU of two cores). What remains: the
  search index (~6 s, SQLite's trigram FTS5 4.3 s of it), the OWL clash query (~6 s), the reports
  (~8 s of gap queries and kpi-status), the on-disk store's bulk load (~6 s) — all on the same two cores.
  Gap queries rewritten to the recipe in this pass (labels in one-pattern OPTIONALs; a UNION's branches
  in a subquery joined after): projection-as-observation 1.4–1.6 → 0.66–1.07 s, preliminary-only
  0.74–0.85 → 0.35–0.40 s, grade-disagreement 1.15–1.34 → 0.88–1.0 s at 1M, the same rows on every
  engine; deadline-no-observation, directive-no-kpi and kpi-no-target gained nothing from it.
- **Since 2026-12-08 (seventh pass), fewer whole listings behind commands and pages.** `trace` with a
  label written as the graph writes it (the README's `trace 未来投資戦略2017`) looks the label up and
  reads the roots that carry it, instead of listing every root (1M: 2.97 → 1.03 s wall, 145 → 64 MB);
  a part of a label, or another width or case, still lists them all. The diff form reads the new named
  query `documents` (1,786 documents, 3,572 label rows at 1M: a listing of its own, above 200 ms) instead
  of every trace root. No query of the tables above changed otherwise: `kpi-status`, `trace-roots`,
  `record-facet-links` and the other listings of the whole graph remain the misses of this goal.
- **Load rate at 1M (≥ 250k triples/s).** Oxigraph's bulk loader into RocksDB reaches ~260k
  triples/s at 100k here and slows at 1M on 2 cores as compactions compete with parsing; more cores,
  or loading without the final compaction, would close it.
"""


#: Why a goal is missed, as measured on this machine (shown beside a ✗; see "Where goals are missed").
CAUSES = {
    "query": "the slowest are listings of the whole graph without parameters (trace-roots, kpi-status, "
             "overview-facets, record-classes), the gap queries and, at 1M, the search fallback record-search "
             "(a scan of every label; the web app searches the full-text index): measured here on the engine, "
             "while the commands and pages read the listings' answers from the generation's reports "
             "(`query.reports`) once computed",
    "rdflib": "small lookups take 1–2 ms on both engines, and a query whose OPTIONAL rdflib evaluates after "
              "binding its parameter (initBindings) while Oxigraph evaluates it over the whole graph first",
    "speedup": "pulled down by the small lookups, where both engines take a few milliseconds",
    "load": "RocksDB's compactions compete with parsing on 2 cores",
    "build": "~15-18 s before the checks (reading ~50,000 records, half of the files in a second process, "
             "then checking them; the graph, with the store in memory loaded beside it; derive: mostly one "
             "core), then the checks (SHACL in threads) beside the exports and the reports, then the on-disk "
             "store (loaded while the last exports are made): CPU-bound on 2 cores; whole builds varied by "
             "±20 % from one run to the next here (2026-12-07); peak memory: the store in memory, the checks' "
             "and the exports' working sets",
    "gaps": "computed on the engine here (every gap query; the slowest, deadline-no-observation, target-not-met, "
            "source-disagreement, join large OPTIONALs); `gaps` itself reads the build's report",
    "kpi_status": "kpi-status joins every KPI's latest value, target and attainment in OPTIONALs",
    "serve": "10 clients and the time-limited query share 2 cores with the server: a request waits for the "
             "CPU the others use (pages are rendered once per URL, their data computed once per generation)",
    "memory": "each worker maps the store (RocksDB block cache) and imports the page stack",
    "as_of": "a later command reads the dated store and the reports its first use wrote, as the plain one reads "
             "the build's: by hand at 1M, 0.53–0.55 s against 0.55–0.71 s plain (2026-12-07); compare with the load "
             "average beside the block",
    "": "not analysed in this run: compare with the load average beside its block (2 cores shared)",
}


def goals(results: dict, args=None) -> list[str]:
    """The goals of the store issue and of issue #21 against the figures above: ✓ met, ✗ missed with the
    cause, or not measured (a size this run left out)."""
    out = ["## Goals", "", "| goal | measured | | cause when missed |", "|---|---|---|---|"]

    def row(text, value, limit, unit, lower_is_better=True, cause=""):
        if value is None:
            why = "the run left this size out (`--quick`)" if args is not None and getattr(args, "quick", False) \
                else "not measured"
            out.append(f"| {text} | {why} | | |")
            return
        ok = value <= limit if lower_is_better else value >= limit
        out.append(f"| {text} | {value:,.2f} {unit} | {'✓' if ok else '✗'} | {'' if ok else CAUSES.get(cause, cause)} |")

    def wall(r, key):
        c = r.get("readpath", {}).get(key)
        return c["wall_s"] if c and "error" not in c else None

    corpus = results.get("corpus", {})
    cli = corpus.get("cli", {})
    row("corpus: `policygraph --help` ≤ 0.3 s", cli.get("--help"), GOALS["help_s"], "s")
    row("corpus: `trace 未来投資戦略2017`-size trace ≤ 0.5 s wall", cli.get("trace"), GOALS["trace_corpus_s"], "s")
    row("corpus: `gaps` ≤ 1 s wall", cli.get("gaps"), GOALS["gaps_corpus_s"], "s", cause="gaps")
    row("corpus: `build` ≤ 5 s", corpus.get("build", {}).get("seconds", {}).get("total"), GOALS["build_corpus_s"], "s",
        cause="build")
    k100 = results.get("synth 100k", {})
    worst100 = geo100 = slower100 = None
    if "queries" in k100:
        worst100 = max(pct(t, 0.5) for t, _ in k100["queries"].values() if isinstance(t, list)) * 1000
        geo100, slower100 = k100.get("geo"), float(k100.get("slower", 0))
    row("100k: every named query p50 ≤ 50 ms (the slowest)", worst100, GOALS["query_100k_ms"], "ms", cause="query")
    row("100k: geometric-mean speed-up over rdflib ≥ 20×", geo100, GOALS["speedup_100k"], "×", lower_is_better=False,
        cause="speedup")
    row("100k: queries slower than on rdflib = 0", slower100, 0, "", cause="rdflib")
    # issue #21: at every size
    for n, r in results.items():
        if "queries" in r:
            w = max(pct(t, 0.5) for t, _ in r["queries"].values() if isinstance(t, list)) * 1000
            row(f"{n}: every named query p50 ≤ 200 ms on the embedded store (the slowest)", w,
                GOALS["query_any_ms"], "ms", cause="query")
            row(f"{n}: queries slower than on rdflib = 0", float(r.get("slower", 0)) if "geo" in r else None, 0, "",
                cause="rdflib")
    m1 = results.get("synth 1M", {})
    b = m1.get("build", {})
    row("1M: build with every check ≤ 45 s (issue #21)", b.get("seconds", {}).get("total"), GOALS["build_1m_s_21"], "s",
        cause="build")
    row("1M: build peak memory ≤ 1.5 GB (issue #21)", b.get("peak_rss_mb"), GOALS["rss_1m_mb_21"], "MB", cause="build")
    row("1M: load ≥ 250k triples/s", b["triples"] / b["load_s"] if "load_s" in b else None, GOALS["load_1m_tps"],
        "triples/s", lower_is_better=False, cause="load")
    ip = m1.get("in_process", {})
    row("1M: trace ≤ 20 ms in process", ip["trace"] * 1000 if ip else None, GOALS["trace_1m_ms"], "ms")
    row("1M: trace ≤ 0.5 s wall", m1.get("cli", {}).get("trace"), GOALS["trace_1m_wall_s"], "s")
    row("1M: the whole gap report ≤ 2 s in process", ip.get("gaps"), GOALS["gaps_1m_s"], "s", cause="gaps")
    for fmt in ("table", "csv", "json"):
        row(f"1M: `gaps --format {fmt}` ≤ 2 s wall", wall(m1, f"gaps --format {fmt}"), GOALS["gaps_cli_1m_s"], "s",
            cause="gaps")
        row(f"1M: `query kpi-status --format {fmt}` ≤ 1 s wall", wall(m1, f"query kpi-status --format {fmt}"),
            GOALS["kpi_status_cli_1m_s"], "s", cause="kpi_status")
    plain, as_of = wall(m1, "query kpi-status --format json"), wall(m1, "query kpi-status --format json --as-of")
    row("1M: `kpi-status --as-of D` within 1.5× of the plain query (a later command; the first use, which makes "
        "the dated store, is in the table above)", as_of / plain if plain and as_of else None,
        GOALS["as_of_ratio"], "×", cause="as_of")
    runs = [m1.get("readpath", {}).get(k) for k in ("query kpi-status --format json --as-of",
                                                     "query kpi-status --format json --as-of (first use: makes the "
                                                     "dated store)")]
    peaks = [c["rss_mb"] for c in runs if c and "error" not in c and c.get("rss_mb") is not None]
    row("1M: `kpi-status --as-of D` ≤ 300 MB (the first use and later ones)", max(peaks) if peaks else None,
        GOALS["as_of_mb"], "MB")
    sv = m1.get("serve", {})
    ok = "error" not in sv and "passes" in sv
    row("1M: `serve` every worker ready ≤ 5 s", sv.get("ready_s"), GOALS["ready_1m_s"], "s", cause="serve")
    row("1M: `serve` each process ≤ 300 MB RSS after the load", max(m["rss_mb"] for m in sv["memory"]) if ok else None,
        GOALS["process_1m_mb"], "MB", cause="memory")
    row("1M: `serve` whole server ≤ 1 GB after the load (PSS)", sum(m["pss_mb"] for m in sv["memory"]) if ok else None,
        GOALS["server_1m_mb"], "MB", cause="memory")
    row("1M: load test p99 ≤ 200 ms warm", sv["passes"][1]["p99_ms"] if ok else None, GOALS["p99_warm_ms"], "ms",
        cause="serve")
    row("1M: load test p99 ≤ 1 s cold", sv["passes"][0]["p99_ms"] if ok else None, GOALS["p99_cold_ms"], "ms",
        cause="serve")
    row("1M: load test errors = 0", float(sum(len(p["errors"]) for p in sv["passes"])) if ok else None, 0, "",
        cause="serve")
    cold = sv.get("cold_pages", {}).get("/")
    row("1M: the overview `/` ≤ 1 s cold", cold[1] if cold and cold[0] == 200 else None, GOALS["overview_cold_s"], "s",
        cause="serve")
    a = sv.get("as_of", {})
    row("1M: `serve --as-of D` ready ≤ 5 s", a.get("ready_s"), GOALS["serve_as_of_ready_s"], "s", cause="serve")
    return out


if __name__ == "__main__":
    main()
