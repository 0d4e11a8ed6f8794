"""`--as-of` on a remote store at scale (issue #21 point 4): a built project's N-Triples published to an
Oxigraph server started on loopback (tests/servers.py), then `policygraph query kpi-status --store URL
--as-of D -f csv` run as new processes: the first command (copies the build to local disk and makes the
dated store), the same command again, and another date; with --old SRC, the same first command with the
code at SRC (a checkout's src/ folder, e.g. one before the local copy existed) for a side-by-side figure.
Prints wall seconds and peak memory (GNU time's maximum resident set size); not part of the test suite.

    python benchmarks/remote_asof.py --root /tmp/a-1m            # a project built with `policygraph build`
    python benchmarks/remote_asof.py --root /tmp/a-1m --old /tmp/old/src
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(1, str(ROOT))  # tests/servers.py starts the server


def main() -> None:
    from policygraph.project import Project
    from policygraph.store import embedded
    from policygraph.store.remote import configured
    from tests import servers
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, required=True, help="a project built with `policygraph build`")
    ap.add_argument("--dates", default="2018-09-30,2017-03-31", help="two dates: the first is asked twice")
    ap.add_argument("--old", help="src/ of another checkout, run for the first command too")
    args = ap.parse_args()
    project = Project(args.root.resolve())
    store_dir = project.build_dir / embedded.STORE
    nt = (store_dir.resolve().parent / "policygraph.nt").read_bytes()
    info = embedded.read_info(store_dir)
    first, other = args.dates.split(",")
    policygraph = Path(sys.executable).parent / "policygraph"
    with tempfile.TemporaryDirectory(prefix="remote-asof-") as work, servers.oxigraph_server(Path(work)) as server:
        remote = configured(project, server.url)
        start = time.perf_counter()
        remote.publish(nt, info.to_json(), info.triples)
        print(f"{info.triples:,} triples published to Oxigraph server in {time.perf_counter() - start:.1f} s")

        def run(label: str, date: str, cache: str, src: str | None = None) -> None:
            env = {**os.environ, "XDG_CACHE_HOME": cache, **({"PYTHONPATH": src} if src else {})}
            start = time.perf_counter()
            r = subprocess.run(["/usr/bin/time", "-f", "%M", str(policygraph), "query", "kpi-status", "--root",
                                str(project.root), "--store", server.url, "--as-of", date, "-f", "csv"],
                               capture_output=True, text=True, env=env)
            wall = time.perf_counter() - start
            peak = int(r.stderr.strip().splitlines()[-1]) // 1024
            print(f"| {label} | {date} | {wall:.1f} s | {peak:,} MB | exit {r.returncode}, "
                  f"{len(r.stdout.splitlines()) - 1:,} rows |", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f}\n\n| command | date | wall | peak memory | result |\n|---|---|---:|---:|---|")
        cache = str(Path(work) / "cache")
        run("first (copies the build, makes the dated store)", first, cache)
        run("again", first, cache)
        run("another date (makes its dated store)", other, cache)
        if args.old:
            run(f"first, code at {args.old}", first, str(Path(work) / "cache-old"), args.old)
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
