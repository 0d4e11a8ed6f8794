"""Per-query timings of queries/*.rq on rdflib and on Oxigraph, over a synthetic policy graph.

The graph is shaped like ours (documents → directives (with parts) → reform items → KPIs with
baselines, targets of every comparator, observations (some preliminary, some disagreeing), grades,
~50 bodies, Japanese labels, one source excerpt per fact, empty guideline boxes), ~100k triples at
the default scale, with pg:reaches and attainment materialised as the build does. Not part of the test suite:

    python benchmarks/queries.py               # ~100k triples
    python benchmarks/queries.py --scale 0.16  # ~10k
    python benchmarks/queries.py --triples 1000000
    python benchmarks/queries.py --timeout 30 --only directive-no-kpi-gap

Each measurement runs in a forked process with a time limit, so a quadratic plan prints
"> N s" instead of hanging. Prints the median of --repeat runs in milliseconds.
"""
from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import random
import statistics
import sys
import time
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import ORG, PROV

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from policygraph.graph import (
    attainment,
    reason,
)
from policygraph.graph.convert import PG, PGR, load_ontology
from policygraph.query.sparql import QueryLibrary
from policygraph.store.engines import OxigraphEngine, RdflibEngine

COMPARATORS = [PG.AtLeast, PG.AtMost, PG.Approximately, PG.Exactly, PG.RankAtLeast, None]
STATUSES = [PG.Final, PG.Unstated, PG.Unstated, PG.Preliminary]
KANJI = "改革推進地方自治体情報システム運用費用削減導入団体数窓口業務委託標準化電子申請"


def ja(rng: random.Random, n: int = 12) -> str:
    return "".join(rng.choice(KANJI) for _ in range(n))


def synthetic(scale: float, seed: int = 7) -> Graph:
    rng = random.Random(seed)
    g = Graph()
    counter = iter(range(10**9))

    def node(kind: str, label: bool = True) -> URIRef:
        n = PGR[f"{kind}-{next(counter)}"]
        g.add((n, PG.identifier, Literal(str(n).rsplit("/", 1)[-1])))
        if label:
            g.add((n, RDFS.label, Literal(ja(rng), lang="ja")))
            g.add((n, RDFS.label, Literal(f"{kind} {n[-6:]}", lang="en")))
        return n

    def evidence(n: URIRef, source: URIRef):
        ex = URIRef(f"{n}/evidence/1")
        g.add((n, PG.hasEvidence, ex))
        g.add((ex, RDF.type, PG.SourceExcerpt))
        g.add((ex, PROV.wasQuotedFrom, source))
        g.add((ex, PG.locator, Literal(ja(rng, 6))))
        g.add((ex, PG.quote, Literal(ja(rng, 40))))

    sources = []
    for i in range(5):
        s = node("src")
        g.add((s, RDF.type, PG.SourceText))
        g.add((s, PG.fileName, Literal(f"00{i}.txt")))
        sources.append(s)
    bodies = []
    for i in range(50):
        b = node("body")
        g.add((b, RDF.type, PG.Body))
        if bodies and rng.random() < 0.6:
            g.add((b, ORG.subOrganizationOf, rng.choice(bodies[:10])))
        evidence(b, rng.choice(sources))
        bodies.append(b)
    docs = []
    for i in range(max(3, int(20 * scale))):
        d = node("doc")
        g.add((d, RDF.type, PG.PolicyDocument))
        g.add((d, PG.documentKind, PG.RoadmapDocument))
        if rng.random() < 0.5:
            g.add((d, PG.issued if False else URIRef("http://purl.org/dc/terms/issued"),
                   Literal(dt.date(2014 + i % 6, 6, 1), datatype=XSD.date)))
        evidence(d, rng.choice(sources))
        docs.append(d)
    items = []
    for i in range(int(220 * scale)):
        it = node("ri")
        g.add((it, RDF.type, PG.ReformItem))
        g.add((it, PG.reportedIn, rng.choice(docs)))
        g.add((it, PG.responsibleBody, rng.choice(bodies)))
        evidence(it, rng.choice(sources))
        items.append(it)
    for i in range(int(320 * scale)):
        d = node("dir")
        doc = rng.choice(docs)
        g.add((d, RDF.type, PG.Directive))
        g.add((d, PG.statedIn, doc))
        g.add((doc, PG.hasDirective, d))
        g.add((d, PG.directiveKind, PG.Guideline if i % 5 == 0 else PG.CabinetDecision))
        if rng.random() < 0.7:
            g.add((d, PG.isCarriedBy, rng.choice(items)))
        evidence(d, rng.choice(sources))
        if i % 5 == 0:
            for box in (PG.MeasuresBox, PG.KPIExamplesBox):
                ph = node("ph")
                g.add((ph, RDF.type, PG.EmptyPlaceholder))
                g.add((ph, PG.placeholderFor, d))
                g.add((ph, PG.box, box))
                g.add((ph, PG.reportedIn, doc))
                evidence(ph, rng.choice(sources))
            for _ in range(3):
                part = node("dir")
                g.add((part, RDF.type, PG.Directive))
                g.add((part, PG.statedIn, doc))
                g.add((part, PG.partOf, d))
                evidence(part, rng.choice(sources))
    fys = {}
    for year in range(2010, 2026):
        fy = PGR[f"fy-{year}"]
        g.add((fy, RDF.type, PG.FiscalYear))
        g.add((fy, PG.beginDate, Literal(dt.date(year, 4, 1), datatype=XSD.date)))
        g.add((fy, PG.endDate, Literal(dt.date(year + 1, 3, 31), datatype=XSD.date)))
        fys[year] = fy
    for i in range(int(520 * scale)):
        k = node("kpi")
        g.add((k, RDF.type, PG.KPI))
        g.add((k, PG.tier, PG.Tier1 if i % 3 else PG.Tier2))
        for it in rng.sample(items, 1 + (i % 7 == 0)):
            g.add((it, PG.measuredBy, k))
        if rng.random() < 0.9:
            g.add((k, PG.responsibleBody, rng.choice(bodies)))
        doc = rng.choice(docs)
        g.add((k, PG.reportedIn, doc))
        evidence(k, rng.choice(sources))
        base_value = rng.randint(100, 5000)
        bl = node("bl")
        g.add((k, PG.hasBaseline, bl))
        for p, o in ((RDF.type, PG.Baseline), (PG.reportedIn, doc), (PG.value, Literal(base_value, datatype=XSD.decimal)),
                     (PG.unit, PG["unit-dantai"]), (PG.fiscalYear, fys[2014])):
            g.add((bl, p, o))
        evidence(bl, rng.choice(sources))
        if rng.random() < 0.85:
            for _ in range(rng.choice((1, 2))):
                t = node("tg")
                g.add((k, PG.hasTarget, t))
                g.add((t, RDF.type, PG.Target))
                g.add((t, PG.reportedIn, rng.choice(docs)))
                comp = rng.choice(COMPARATORS)
                if comp is not None:
                    g.add((t, PG.comparator, comp))
                if rng.random() < 0.3:
                    g.add((t, PG.relativeFactor, Literal("0.7", datatype=XSD.decimal)))
                    g.add((t, PG.relativeTo, bl))
                else:
                    g.add((t, PG.value, Literal(base_value * 2, datatype=XSD.decimal)))
                    g.add((t, PG.unit, PG["unit-dantai"]))
                g.add((t, PG.valueText, Literal(ja(rng, 8))))
                g.add((t, PG.deadline, Literal(dt.date(2016 + rng.randint(0, 8), 3, 31), datatype=XSD.date)))
                evidence(t, rng.choice(sources))
        if rng.random() < 0.8:
            for j in range(rng.randint(1, 6)):
                o = node("obs")
                g.add((k, PG.hasObservation, o))
                g.add((o, RDF.type, PG.Observation))
                g.add((o, PG.reportedIn, rng.choice(docs)))
                g.add((o, PG.value, Literal(base_value + rng.randint(-50, 3000), datatype=XSD.decimal)))
                g.add((o, PG.unit, PG["unit-dantai"]))
                g.add((o, PG.referenceDate, Literal(dt.date(2015 + rng.randint(0, 5), 4, 1), datatype=XSD.date)))
                g.add((o, PG.observationStatus, rng.choice(STATUSES)))
                evidence(o, rng.choice(sources))
        if rng.random() < 0.5:
            a = node("as")
            g.add((k, PG.hasAssessment, a))
            g.add((a, RDF.type, PG.Assessment))
            g.add((a, PG.reportedIn, doc))
            g.add((a, PG.grade, rng.choice([PG["grade-roadmap-A"], PG["grade-roadmap-B"], PG["grade-eval-i"]])))
            evidence(a, rng.choice(sources))
    return g


TRIPLES_PER_SCALE = 63_000  # triples per unit of --scale, measured (scale 1.6 ≈ 100k)
SAMPLE = {"root": "doc", "kpi": "kpi", "item": "ri", "node": "kpi", "document": "doc"}


def _measure(engine, query, params, repeat, conn):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        rows = engine.run(query, **params)
        times.append(time.perf_counter() - start)
    conn.send((statistics.median(times), len(rows)))


def timed(engine, query, params, repeat: int, timeout: float) -> str:
    parent, child = mp.Pipe()
    proc = mp.get_context("fork").Process(target=_measure, args=(engine, query, params, repeat, child))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return f"> {timeout:.0f} s"
    if not parent.poll():
        return "failed"
    seconds, n = parent.recv()
    return f"{seconds * 1000:9.1f} ms ({n} rows)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.6, help="1.6 ≈ 100k triples")
    ap.add_argument("--triples", type=int, help="approximate graph size; overrides --scale")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per query and engine")
    ap.add_argument("--only", nargs="*", help="query names")
    ap.add_argument("--queries", type=Path, default=ROOT / "queries", help="folder of .rq files (to compare versions)")
    args = ap.parse_args()

    if args.triples:
        args.scale = args.triples / TRIPLES_PER_SCALE
    start = time.perf_counter()
    g = synthetic(args.scale)
    for t in load_ontology(ROOT / "ontology" / "policygraph.ttl"):
        g.add(t)
    built = time.perf_counter() - start
    start = time.perf_counter()
    reason.materialise(None, g)
    attainment.materialise(None, g, dt.date(2020, 4, 1))
    derived = time.perf_counter() - start
    start = time.perf_counter()
    oxigraph = OxigraphEngine(g)
    loaded = time.perf_counter() - start
    print(f"synthetic graph: {len(g):,} triples (generated in {built:.1f} s; reaches + attainment {derived:.2f} s; "
          f"Oxigraph load {loaded:.2f} s)")
    rdflib = RdflibEngine(g)
    library = QueryLibrary(args.queries)
    firsts = {}
    for kind in set(SAMPLE.values()):
        firsts[kind] = next(s for s in sorted(g.subjects(PG.identifier, None), key=str)
                            if str(s).rsplit("/", 1)[-1].startswith(kind + "-"))
    print(f"{'query':32} {'rdflib':>24} {'oxigraph':>24}")
    for name in library.names():
        if args.only and name not in args.only:
            continue
        q = library.get(name)
        params = {p: firsts[SAMPLE[p]] for p in q.params}
        print(f"{name:32} {timed(rdflib, q, params, args.repeat, args.timeout):>24} "
              f"{timed(oxigraph, q, params, args.repeat, args.timeout):>24}", flush=True)


if __name__ == "__main__":
    main()
