"""benchmarks/run.py runs from start to end and writes every section of BENCHMARKS.md (issue #21 point 7),
so the report cannot silently go stale. CI checks that it runs, not its figures: this runs `--quick` (the
corpus and a 100k synth project, rdflib on the corpus only), with one run per query and per command and a
20-request load test, into a temporary file."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Every section a run writes (the KEPT, hand-written ones come only from an existing file).
SECTIONS = ("# Benchmarks", "## Build (`policygraph build`, every check included)",
            "## Named queries: p50 / p95 on the store", "### corpus (",
            "## Through the CLI (wall seconds, a new process each time)",
            "## Reports, views and exports (issue #21;", "## policygraph serve (issue #21)", "## Goals",
            "## Where goals are missed, and what would close them")
#: Commands of issue #21's table, each a row of the read-path section.
COMMANDS = ("gaps --format table", "gaps --format csv", "gaps --format json", "query kpi-status --format table",
            "query kpi-status --format csv", "query kpi-status --format json",
            "query kpi-status --format json --as-of D", "viz trace", "export --format xlsx",
            "export --format graphml", "export --format csv")


def test_quick_run_writes_every_section(tmp_path):
    out = tmp_path / "BENCHMARKS.md"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                           "--cli-repeat", "1", "--repeat", "1", "--load-requests", "20", "--load-clients", "4",
                           "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    for heading in SECTIONS:
        assert heading in text, heading
    # Every declared parameter bound as its callers bind it (one body, VALUES lists, a search text): the
    # queries that ran unbound before (whole-graph scans nobody runs) now return the rows of a real call.
    named = text.split("## Named queries")[1].split("## Through the CLI")[0]
    assert "| query | rows | store p50 |" in named
    corpus = named.split("### corpus (")[1].split("### ")[0]  # its parameters are the corpus's
    counts = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in corpus.splitlines()
              if line.startswith("| ") and not line.startswith("| query")}
    for query in ("trace-responsible-for", "trace-steps", "trace-reports", "node-links-batch", "node-owners",
                  "node-links-in", "record-search-text"):
        assert counts[query] not in ("", "0"), (query, counts[query])
    assert int(counts["trace-reports"].replace(",", "")) <= 20 and int(counts["node-links-batch"].replace(",", "")) < 1000
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| `policygraph ")}
    for command in COMMANDS:
        row = rows[f"`policygraph {command}`"]
        assert " s, " in row and "exit" not in row, row  # a wall time and a peak RSS, not an error
    serve = text.split("## policygraph serve (issue #21)")[1].split("## Goals")[0]
    assert "| every worker ready |" in serve and "| `/` cold |" in serve and "| memory: whole server (PSS) |" in serve
    assert "| pass 2 (warm): errors | 0 |" in serve
    assert "| pass 2 (warm): report p50 / p99 |" in serve  # /, /kpis and /gaps are in the mix
    goals = text.split("## Goals")[1].split("## Where goals")[0]
    for goal in ("1M: `gaps --format csv` ≤ 2 s wall", "1M: `query kpi-status --format json` ≤ 1 s wall",
                 "1M: `serve` every worker ready ≤ 5 s", "1M: build with every check ≤ 45 s",
                 "corpus: every named query p50 ≤ 200 ms"):
        assert goal in goals, goal
    assert "Load average when each project's block started: corpus " in text
    # both projects of --quick: the corpus and synth 100k, side by side in each table
    assert "| stage | corpus | synth 100k |" in text and "### synth 100k (" in text
