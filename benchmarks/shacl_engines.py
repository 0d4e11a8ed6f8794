"""SHACL engines side by side (the store issue's choice, with figures): pySHACL (the reference),
pyshacl-turbo and pyrudof (Rust engines on PyPI) and policygraph's shapes-as-SPARQL on the store.

For each graph: seconds to validate, and the number of results, on the graph with every fixture of
tests/fixtures/shapes applied at once (how many of pySHACL's results each engine reproduces) and on
a synthetic project. An engine that is not installed is shown as such (`pip install pyshacl-turbo
pyrudof` to measure them; they are not dependencies of policygraph).

    python benchmarks/shacl_engines.py --triples 100000
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def _fixture_graph():
    """The shapes' base fixture with every failing fixture applied at once (as the tests build it)."""
    from tests.checks.test_shapes import CASES, PREFIXES, _graph

    from policygraph.graph.convert import load_ontology
    from policygraph.project import Project
    g = _graph(load_ontology(Project.locate().ontology))
    for case in CASES:
        g.update(PREFIXES + case.read_text(encoding="utf-8"))
    return g


def _timed(fn):
    start = time.perf_counter()
    try:
        out = fn()
    except ImportError:
        return None, "not installed"
    except Exception as exc:  # noqa: BLE001 - a cell of the table
        return None, f"error: {type(exc).__name__}: {str(exc)[:80]}"
    return time.perf_counter() - start, out


def measure(graph, shapes, shapes_path: Path) -> dict[str, tuple]:
    """Engine → (seconds or None, number of results or a reason)."""
    from policygraph.checks.validate import shacl, shacl_store
    from policygraph.store.engines import load_store

    store = load_store(graph)
    nt = graph.serialize(format="nt", encoding="utf-8")

    def turbo():
        import pyshacl_turbo
        conforms, results, _text = pyshacl_turbo.validate(graph, shacl_graph=shapes, inference="none",
                                                          advanced=True, allow_warnings=True)
        from rdflib.namespace import SH
        nested = set(results.objects(None, SH.detail))
        return sum(1 for r in results.subjects(SH.focusNode, None) if r not in nested)

    def rudof():
        import pyrudof
        r = pyrudof.Rudof(pyrudof.RudofConfig())
        with tempfile.NamedTemporaryFile(suffix=".nt") as fh:
            fh.write(nt)
            fh.flush()
            r.read_data(fh.name, format=pyrudof.RDFFormat.NTriples)
            r.read_shacl(str(shapes_path))
            return len(r.validate_shacl())

    return {
        "pySHACL (reference)": _timed(lambda: len(shacl(graph, shapes))),
        "pyshacl-turbo": _timed(turbo),
        "pyrudof": _timed(rudof),
        "shapes as SPARQL on Oxigraph (policygraph)": _timed(lambda: len(shacl_store(store, shapes))),
    }


def report(triples: int) -> list[str]:
    from policygraph.checks.validate import load_shapes
    from policygraph.pipeline import build_in_memory
    from policygraph.project import Project
    from policygraph.records.synth import synthesize
    project = Project.locate()
    shapes = load_shapes(project)
    columns = {"every shapes fixture at once": _fixture_graph()}
    with tempfile.TemporaryDirectory() as tmp:
        synthesize(Path(tmp) / "p", triples, seed=1)
        _corpus, graph = build_in_memory(Project(Path(tmp) / "p"))
        columns[f"synth {len(graph):,} triples"] = graph
        figures = {name: measure(g, shapes, project.shapes) for name, g in columns.items()}
    lines = ["## SHACL engines", "",
             "Seconds to validate, and results found (pySHACL's count is the reference; on the fixtures every "
             "result is a violation the tests expect).", "",
             "| engine | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    engines = next(iter(figures.values())).keys()
    for engine in engines:
        cells = []
        for name in columns:
            seconds, out = figures[name][engine]
            cells.append(f"{seconds:.2f} s, {out} results" if seconds is not None else str(out))
        lines.append(f"| {engine} | " + " | ".join(cells) + " |")
    lines += ["", "pySHACL-turbo needs an rdflib graph of the data (at 1M triples ~25 s and ~1.5 GB before it starts); "
              "pyrudof 0.3.35 panics on policygraph's shapes. The shapes as SPARQL run on the store the build "
              "already holds, report exactly pySHACL's results (tests), and are the fastest: the default engine."]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--triples", type=int, default=100_000)
    args = ap.parse_args()
    print("\n".join(report(args.triples)))


if __name__ == "__main__":
    main()
