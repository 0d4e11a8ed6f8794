"""Benchmark the browser views: node budget refusal on a synthetic large graph, and time to a usable
page in headless Chromium. Prints figures; not part of the test suite.

    python benchmarks/viz_views.py                   # ~100k triples, 2,000-node page, real corpus
    python benchmarks/viz_views.py --triples 1000000 # the 1M-triple case (rdflib load takes ~1 min)
    python benchmarks/viz_views.py --no-browser      # Python side only

"Usable" = vis-network's first draw after navigation (physics is off and positions are precomputed,
so the first draw is the final layout); the goal is under 3 s for the real corpus.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import PROV

from policygraph.errors import PolicygraphError
from policygraph.graph.convert import PG, PGR, load_ontology
from policygraph.pipeline import open_graph
from policygraph.project import Project
from policygraph.views.viz import DEFAULT_MAX_NODES, graph_view, render_page, write_page
from policygraph.views.viz_model import RecordGraph, Selection


def synthetic(project: Project, triples: int) -> Graph:
    """A graph shaped like ours: documents → directives → items → steps/KPIs → observations, bodies,
    Japanese and English labels, one evidence excerpt per record (about 11 triples per record)."""
    g = load_ontology(project.ontology)
    src = PGR["src-syn"]
    g.add((src, RDF.type, PG.SourceText))
    g.add((src, PG.fileName, Literal("synthetic.txt")))
    bodies = [PGR[f"body-{i}"] for i in range(50)]
    n = 0

    def rec(rid, cls, ja, en):
        nonlocal n
        node = PGR[rid]
        g.add((node, RDF.type, PG[cls]))
        g.add((node, PG.identifier, Literal(rid)))
        g.add((node, RDFS.label, Literal(ja, lang="ja")))
        g.add((node, RDFS.label, Literal(en, lang="en")))
        ex = URIRef(f"{node}/evidence/1")
        g.add((node, PG.hasEvidence, ex))
        g.add((ex, PROV.wasQuotedFrom, src))
        g.add((ex, PG.locator, Literal("p. 1")))
        g.add((ex, PG.quote, Literal(f"{ja}について定める。")))
        n += 1
        return node

    for i, b in enumerate(bodies):
        rec(f"body-{i}", "Body", f"機関{i}", f"Body {i}")
    d = 0
    while len(g) < triples:
        doc = rec(f"doc-{d}", "PolicyDocument", f"方針{d}", f"Policy {d}")
        for j in range(5):
            dv = rec(f"dir-{d}-{j}", "Directive", f"指示{d}-{j}", f"Directive {d}-{j}")
            g.add((doc, PG.hasDirective, dv))
            g.add((dv, PG.statedIn, doc))
            it = rec(f"ri-{d}-{j}", "ReformItem", f"改革項目{d}-{j}", f"Item {d}-{j}")
            g.add((dv, PG.isCarriedBy, it))
            g.add((it, PG.responsibleBody, bodies[(d + j) % 50]))
            for s in range(2):
                st = rec(f"st-{d}-{j}-{s}", "ScheduleStep", f"工程{d}-{j}-{s}", f"Step {d}-{j}-{s}")
                g.add((it, PG.hasStep, st))
            kpi = rec(f"kpi-{d}-{j}", "KPI", f"成果指標{d}-{j}", f"KPI {d}-{j}")
            g.add((it, PG.measuredBy, kpi))
            g.add((kpi, PG.responsibleBody, bodies[(d + j) % 50]))
            for y in range(3):
                ob = rec(f"obs-{d}-{j}-{y}", "Observation", f"実績値{d}-{j}-{y}", f"Observation {d}-{j}-{y}")
                g.add((kpi, PG.hasObservation, ob))
                g.add((ob, PG.value, Literal(100 + 10 * y, datatype=XSD.decimal)))
                g.add((ob, PG.referenceDate, Literal(f"{2015 + y}-04-01", datatype=XSD.date)))
                g.add((ob, PG.reportedIn, doc))
        d += 1
    return g


def browser_first_draw(paths: list[Path], runs: int) -> dict[str, list[float]]:
    from policygraph.views.viz_browser import chromium, instrumented_page, open_view
    out: dict[str, list[float]] = {}
    with chromium() as browser:
        for path in paths:
            for _ in range(runs):
                page, log = instrumented_page(browser)
                t = time.perf_counter()
                open_view(page, path, timeout_ms=120000)
                wall = time.perf_counter() - t
                first = page.evaluate("() => pgviz.timings.firstDraw") / 1000
                out.setdefault(path.name, []).append((wall, first, len(log["requests"])))
                page.context.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    project = Project.locate()
    tmp = Path(tempfile.mkdtemp(prefix="pg-viz-bench-"))

    t = time.perf_counter()
    big = synthetic(project, args.triples)
    print(f"synthetic graph: {len(big):,} triples built in {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    rg = RecordGraph(big)
    print(f"RecordGraph: {len(rg.classes):,} records indexed in {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    try:
        graph_view(rg)
        print("viz graph: NOT refused (unexpected)")
    except PolicygraphError as exc:
        print(f"viz graph refused in {time.perf_counter() - t:.3f} s (exit {exc.exit_code}):\n  {exc}")
    t = time.perf_counter()
    kpis = rg.select(Selection(classes=frozenset({"KPI"})))
    print(f"--class KPI selects {len(kpis):,} nodes in {time.perf_counter() - t:.2f} s "
          f"({'refused' if len(kpis) > DEFAULT_MAX_NODES else 'drawn'})")
    t = time.perf_counter()
    body = rg.select(Selection(classes=frozenset({"KPI", "ReformItem"}), body="body-0"))
    print(f"--class KPI --class ReformItem --body body-0 selects {len(body):,} nodes in "
          f"{time.perf_counter() - t:.2f} s")

    # A page at the budget: the first DEFAULT_MAX_NODES records of the synthetic graph.
    ids = sorted(rg.classes)[:DEFAULT_MAX_NODES]
    sub = Graph()
    keep = {rg.iris[i] for i in ids}
    for s, p, o in big:
        if s in keep or not str(s).startswith(str(PGR)):  # the kept records and the ontology
            sub.add((s, p, o))
    for s, p, o in big.triples((None, PG.hasEvidence, None)):
        if s in keep:
            for t3 in big.triples((o, None, None)):
                sub.add(t3)
    t = time.perf_counter()
    view = graph_view(RecordGraph(sub))
    t_view = time.perf_counter() - t
    t = time.perf_counter()
    html = render_page(view, project)
    t_render = time.perf_counter() - t
    budget_page = write_page(tmp / "budget.html", html)
    print(f"{len(view.nodes):,}-node page: view {t_view:.2f} s, render {t_render:.2f} s, "
          f"{len(html.encode()) / 1e6:.2f} MB")

    opened = open_graph(project)
    real, where = opened.rdflib_graph(), opened.where
    t = time.perf_counter()
    rview = graph_view(RecordGraph(real))
    rhtml = render_page(rview, project)
    print(f"real corpus ({where}): {len(rview.nodes):,} nodes, {len(rview.edges):,} edges, "
          f"view+render {time.perf_counter() - t:.2f} s, {len(rhtml.encode()) / 1e6:.2f} MB")
    real_page = write_page(tmp / "real.html", rhtml)

    if not args.no_browser:
        for name, samples in browser_first_draw([real_page, budget_page], args.runs).items():
            walls = [s[0] for s in samples]
            firsts = [s[1] for s in samples]
            print(f"chromium {name}: first draw {statistics.median(firsts):.2f} s after navigation "
                  f"(median of {len(samples)}; wall incl. load {statistics.median(walls):.2f} s; "
                  f"requests per load {samples[0][2]})")
    print(f"pages kept in {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
