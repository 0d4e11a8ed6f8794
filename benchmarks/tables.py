"""The web app's tables (`serve.sqltables`): what computing a table once costs (the SPARQL report and the
SQLite file) against what each request then costs (a page with its default facets, a deep sorted page,
`_search`, a whole download), in process on the embedded store. Prints figures; not part of the tests.

    python benchmarks/tables.py --root .              # the corpus (needs `policygraph build`)
    python benchmarks/tables.py --root /tmp/t-200k    # a synth project (`policygraph synth --triples 200000
                                                      #  --out /tmp/t-200k && policygraph build --root /tmp/t-200k`)

Before the tables were materialised, every page of /kpis, /gaps and /queries/NAME ran its report on the
store (the "SPARQL" line) unless a result cache kept it, and a filter or facet would have run it again.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("."))
    args = parser.parse_args()
    from policygraph.pipeline import open_graph
    from policygraph.project import Project
    from policygraph.serve import pages, sqltables
    project = Project(args.root.resolve())
    engine = open_graph(project, project.build_dir / "store")
    folders = project.query_dirs
    tmp = Path(tempfile.mkdtemp(prefix="bench-tables-"))
    print(f"project {project.root} · load average {os.getloadavg()[0]:.2f} · medians of 5 (SPARQL: of 1)")
    reports = {"kpis": lambda: pages.named_rows(engine, folders, "kpi-status", {}),
               "gaps": lambda: pages.gap_table(engine, folders)[0],
               "evidence": lambda: pages.named_rows(engine, folders, "evidence", {})}
    for name, report in reports.items():
        sparql, table = timed(report, repeat=1)
        path = tmp / f"{name}.sqlite"
        write, _ = timed(lambda: (path.unlink(missing_ok=True), sqltables.write(table, path)), repeat=1)
        meta = sqltables.read_meta(path)
        facets = [c for c in sqltables.DEFAULT_FACETS if c in meta.columns]
        first, _ = timed(lambda: sqltables.select(path, sqltables.Query(facets=facets), meta))
        deep, _ = timed(lambda: sqltables.select(path, sqltables.Query(sort=meta.columns[1], desc=True, facets=facets,
                                                                      offset=max(len(table.rows) - 100, 0)), meta))
        search, _ = timed(lambda: sqltables.select(path, sqltables.Query(search="クラウド", facets=facets), meta))
        stream, _ = timed(lambda: sum(len(b) for b in sqltables.stream(path, sqltables.Query())), repeat=3)
        print(f"{name:9s} {len(table.rows):6d} rows × {len(table.columns):2d} cols · SPARQL {sparql:7.0f} ms · "
              f"SQLite file {write:5.0f} ms, {path.stat().st_size / 1e6:4.1f} MB · page+facets {first:5.1f} ms · "
              f"deep sorted page {deep:5.1f} ms · _search {search:5.1f} ms · every row {stream:5.0f} ms")


if __name__ == "__main__":
    main()
