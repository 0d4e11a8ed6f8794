"""The explorer's reads on the store: p50 / p99 of /api/node (node_links), /api/path (paths), the search
box and the coverage map, in process on the embedded store (what a page worker runs). Prints figures;
not part of the test suite.

    python benchmarks/explore_api.py                                # the corpus and a 100k synth project
    python benchmarks/explore_api.py --sizes corpus,100000,1000000  # … and 1M (builds it: minutes, 2 GB)
    python benchmarks/explore_api.py --sizes 1000000 --project 1000000=/tmp/s1m   # reuse a built project
    python benchmarks/explore_api.py --sizes corpus                 # the corpus only

Goal (issue #22): /api/node p99 ≤ 50 ms at 1M triples. Samples: random records (seeded), random pairs
for paths (max 6 links, k 5).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pct(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(round(q * (len(times) - 1))))]


def bench(name: str, store_dir: Path, project, samples: int) -> None:
    import pyoxigraph as ox

    from policygraph.query.sparql import QueryLibrary
    from policygraph.serve.pages import search
    from policygraph.store.engines import OxigraphEngine
    from policygraph.views.explore import coverage_map, paths
    from policygraph.views.records import node_links
    engine = OxigraphEngine(store=ox.Store.read_only(str(store_dir)), sort_in_python=True)
    library = QueryLibrary(project.query_dirs)
    from policygraph.query.sparql import RECORD_ID
    ids = sorted(i for i in (str(r["s"].value).removeprefix("https://w3id.org/policygraph/id/") for r in engine.store.query(
        "SELECT DISTINCT ?s WHERE { ?s a ?c FILTER(STRSTARTS(STR(?s), 'https://w3id.org/policygraph/id/') "
        "&& STRSTARTS(STR(?c), 'https://w3id.org/policygraph/ontology#')) } LIMIT 200000")) if RECORD_ID.match(i))
    rnd = random.Random(22)
    figures = {}

    def run(label, func, args_list):
        times = []
        for args in args_list:
            t = time.perf_counter()
            func(*args)
            times.append((time.perf_counter() - t) * 1000)
        figures[label] = times

    run("/api/node", lambda rid: node_links(engine, library, rid), [(rnd.choice(ids),) for _ in range(samples)])
    run("/api/path", lambda a, b: paths(engine, library, a, b), [tuple(rnd.sample(ids, 2)) for _ in range(samples // 2)])
    run("search", lambda text: search(engine, library.folders, text),
        [(t,) for t in ("クラウド", "kpi-", "2017", "団体", "cloud")])
    run("coverage map", lambda: coverage_map(engine, library), [() for _ in range(3)])
    triples = len(engine.store)
    print(f"\n{name}: {triples:,} triples, {len(ids):,} records")
    print(f"{'read':>14} | {'n':>4} | {'p50 ms':>8} | {'p99 ms':>8} | {'max ms':>8}")
    for label, times in figures.items():
        print(f"{label:>14} | {len(times):>4} | {statistics.median(times):>8.1f} | {pct(times, 0.99):>8.1f} | "
              f"{max(times):>8.1f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="*", default=["corpus", "100000"],
                    help="corpus and/or synth sizes in triples, comma- or space-separated")
    ap.add_argument("--project", action="append", default=[], metavar="SIZE=DIR",
                    help="a synth project already written and built (`policygraph synth --triples SIZE --out DIR "
                         "--seed 1`, then `policygraph build --root DIR`): benchmarked as it is")
    ap.add_argument("--samples", type=int, default=200)
    args = ap.parse_args(argv)
    from policygraph.pipeline import build
    from policygraph.project import Project
    sizes = [x for arg in args.sizes for x in arg.split(",") if x]
    built = {int(k): Path(v) for k, v in (p.split("=", 1) for p in args.project)}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            if size == "corpus":
                corpus = Project(ROOT)
                out = Path(tmp) / "corpus"
                build(corpus, out)
                bench("corpus", out / "store", corpus, args.samples)
                continue
            size = int(size)
            root = built.get(size)
            if root is None or not (root / "build" / "store").exists():
                from policygraph.records.synth import synthesize
                root = Path(tmp) / f"synth-{size}"
                t = time.perf_counter()
                synthesize(root, size, seed=1)
                build(Project(root), root / "build")
                print(f"synth {size:,}: written and built in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            bench(f"synth {size:,}", root / "build" / "store", Project(root), args.samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
