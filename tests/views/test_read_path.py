"""One read path: every page, view and export reads the store with bounded named queries — never the
whole graph — and shows what the whole-graph record model (`RecordGraph(engine.rdflib_graph())`, the
reference here) showed, on the corpus and on a synth project."""
import io
from html import escape
import json
from urllib.parse import unquote
import unicodedata
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from policygraph.cli.app import app
from policygraph.graph.namespaces import PG, PGR
from policygraph.pipeline import build
from policygraph.project import Project
from policygraph.query.sparql import QueryLibrary
from policygraph.query.trace import trace
from policygraph.serve import pages, sqltables
from policygraph.serve.overview import overview_page
from policygraph.store.engines import OxigraphEngine, TextQuery
from policygraph.store.remote import RemoteEngine
from policygraph.views import records
from policygraph.views.export import _graphml, graphml_bytes, kpi_rows, kpi_rows_of
from policygraph.views.viz import gaps_view, graph_view, render_page, trace_ids, trace_view
from policygraph.views.viz_model import RecordGraph, Selection

from tests.conftest import StoreRunner


def _refuse(self):
    raise AssertionError("a reading path asked for the whole graph (rdflib_graph)")


@pytest.fixture
def guard(monkeypatch):
    """Any whole-graph copy fails the test: the embedded, in-memory and remote engines refuse it."""
    monkeypatch.setattr(OxigraphEngine, "rdflib_graph", _refuse)
    monkeypatch.setattr(RemoteEngine, "rdflib_graph", _refuse)


class Side:
    """One built project: its engine over the store (what the pages read) and the reference model."""

    def __init__(self, project: Project, store_dir: Path):
        self.project = project
        self.library = QueryLibrary(project.query_dirs)
        self.folders = self.library.folders
        self.engine = OxigraphEngine(store=ox.Store.read_only(str(store_dir)), where=str(store_dir))
        self.full = RecordGraph(OxigraphEngine(store=self.engine.store).rdflib_graph())  # the reference

    def ids(self, cls: str) -> list[str]:
        return sorted(r for r, c in self.full.classes.items() if c == cls)


@pytest.fixture(scope="module")
def corpus(project, store_dir):
    return Side(project, store_dir)


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """A 20,000-triple synth project, built."""
    from typer.testing import CliRunner
    root = tmp_path_factory.mktemp("synth20k")
    result = CliRunner().invoke(app, ["synth", "--triples", "20000", "--out", str(root), "--seed", "7"])
    assert result.exit_code == 0, result.output
    project = Project(root)
    build(project)
    return Side(project, project.build_dir / "store")


@pytest.fixture(scope="module", params=["corpus", "synth"])
def side(request):
    return request.getfixturevalue(request.param)


# ------------------------------------------------------------------------------- the reference views
def old_search(rg: RecordGraph, text: str, limit: int = 100) -> list[dict]:
    """pages.search before the store path (over the whole-graph model)."""
    needle = unicodedata.normalize("NFKC", text).casefold().strip()
    if not needle:
        return []
    found = []
    for rid, iri in rg.iris.items():
        ja, en = rg.labels(iri)
        hay = unicodedata.normalize("NFKC", f"{rid}\n{ja}\n{en}").casefold()
        if needle in hay:
            found.append((rid != needle, len(ja), rid, ja, en, rg.classes[rid]))
    found.sort()
    return [{"id": rid, "label": ja, "label_en": en, "cls": cls} for _, _, rid, ja, en, cls in found[:limit]]


def old_overview(side: Side) -> dict:
    from policygraph.store.embedded import count_classes
    rg = side.full
    board = pages.named_rows(side.engine, side.folders, "kpi-status", {})
    _, kinds = pages.gap_table(side.engine, side.folders)
    by_status, by_body, by_document = {}, {}, {}
    for row in board.rows:
        rid = row.get("kpi")
        if rid not in rg.iris:
            continue
        status = rg.attainment(rid)
        by_status[status] = by_status.get(status, 0) + 1
        facets = rg.facets(rid)
        for body in facets.bodies or ["—"]:
            label = rg.labels(rg.iris[body])[0] if body in rg.iris else body
            by_body.setdefault(label, {}).setdefault(status, 0)
            by_body[label][status] += 1
        for doc in facets.documents or ["—"]:
            label = rg.labels(rg.iris[doc])[0] if doc in rg.iris else doc
            by_document.setdefault(label, {}).setdefault(status, 0)
            by_document[label][status] += 1
    return {"classes": count_classes(side.engine.store), "gaps": kinds, "by_status": by_status,
            "by_body": dict(sorted(by_body.items(), key=lambda kv: -sum(kv[1].values()))),
            "by_document": dict(sorted(by_document.items(), key=lambda kv: -sum(kv[1].values()))),
            "kpis": len(board.rows)}


def sample(ids: list[str], most: int = 150) -> list[str]:
    step = max(1, len(ids) // most)
    return ids[::step]


# ------------------------------------------------------------------------------- the guard
def test_the_guard_catches_a_whole_graph_read(corpus, guard):
    with pytest.raises(AssertionError, match="whole graph"):
        corpus.engine.rdflib_graph()


def test_pages_never_read_the_whole_graph(corpus, guard, tmp_path):
    side = corpus
    for rid in ("kpi-cloud-municipalities", "doc-future-investment-2017", "ri-15", *side.ids("Body")[:2],
                *side.ids("Observation")[:2]):
        assert pages.node(side.engine, side.folders, rid)["id"] == rid
        assert pages.node_api(side.engine, side.folders, rid)["id"] == rid
    assert pages.search(side.engine, side.folders, "クラウド")
    assert pages.trace_page(side.engine, side.project, "未来投資戦略2017")["rows"]
    folders = tuple(str(f) for f in side.folders)
    assert sqltables.materialise(side.engine, "kpis", (folders,), str(tmp_path / "k.sqlite")).total
    assert sqltables.materialise(side.engine, "gaps", (folders,), str(tmp_path / "g.sqlite")).total
    assert sqltables.materialise(side.engine, "query", (folders, "kpi-status", ()), str(tmp_path / "q.sqlite")).total
    assert pages.kpi_extras(side.engine, side.folders, ["kpi-cloud-municipalities"])[0]
    assert pages.overview(side.engine, side.folders)["kpis"]
    assert pages.sources(side.engine, side.folders)


def test_views_and_exports_never_read_the_whole_graph(store_dir, tmp_path, guard):
    runner = StoreRunner(store_dir)
    for args in (["viz", "graph"], ["viz", "graph", "--status", "unverified", "--body", "総務省"],
                 ["viz", "gaps"], ["viz", "trace", "未来投資戦略2017"],
                 ["export", "--format", "csv"], ["export", "--format", "graphml"], ["export", "--format", "xlsx"]):
        out = tmp_path / f"{'-'.join(args)}.out"
        result = runner.invoke(app, [*args, "-o", str(out)])
        assert result.exit_code == 0, (args, result.output)
        assert out.stat().st_size > 0


# ------------------------------------------------------------------------------- identical data
def test_every_record_reads_as_before(side):
    """The record model's content (properties, incoming links and their count, evidence, facets, KPI
    series) of every record (corpus) or a sample (synth), read in batches, equals the whole-graph one."""
    ids = sorted(side.full.classes)
    ids = ids if side is not None and len(ids) < 1000 else sample(ids, 400)
    for chunk in records.batches(ids, 60):
        rg = records.load(side.engine, side.library, chunk)
        for rid in chunk:
            assert rg.details(rid) == side.full.details(rid), rid


def test_a_node_with_more_links_than_the_limit_reads_a_counted_page(corpus):
    """The incoming links past the limit are counted, and the page is the first of them in order."""
    rid = max(corpus.full.classes, key=lambda r: corpus.full.incoming_links(corpus.full.iris[r], 10**6)[1])
    total = corpus.full.incoming_links(corpus.full.iris[rid], 10**6)[1]
    assert total > 20
    rg = records.load(corpus.engine, corpus.library, [rid], incoming_limit=20)
    assert rg.details(rid, 20) == corpus.full.details(rid, 20)
    assert rg.details(rid, 20)["incoming_total"] == total


def test_trace_pages_are_identical(side):
    docs = side.ids("PolicyDocument")
    for target in sample(docs, 6):
        result = trace(side.engine, side.library, target)
        old = render_page(trace_view(side.full, result), side.project, site=True)
        new = render_page(trace_view(records.load(side.engine, side.library, trace_ids(result)), result),
                          side.project, site=True)
        assert new == old, target


@pytest.mark.parametrize("selection", [Selection(frozenset({"KPI"})), Selection(status="unverified"),
                                       Selection(frozenset({"Directive", "ReformItem"})), Selection()])
def test_graph_and_gap_views_are_identical(corpus, selection):
    index = records.index(corpus.engine, corpus.library)
    load = lambda ids: records.load(corpus.engine, corpus.library, ids)  # noqa: E731
    assert graph_view(index, selection, 5000, load) == graph_view(corpus.full, selection, 5000)
    rows = pages.gap_table(corpus.engine, corpus.folders)[0].rows
    from collections import namedtuple
    Row = namedtuple("Row", "kind title node label document quote")
    gap_rows = [Row(r["kind"], r["title"], PGR[r["node"]], r["label"], r["document"], r["quote"]) for r in rows]
    assert gaps_view(index, gap_rows, selection, 5000, load) == gaps_view(corpus.full, gap_rows, selection, 5000)


def test_selection_by_body_and_document_is_identical(corpus):
    index = records.index(corpus.engine, corpus.library)
    for body in corpus.ids("Body")[:4]:
        assert index.select(Selection(body=body)) == corpus.full.select(Selection(body=body))
    for doc in corpus.ids("PolicyDocument")[:4]:
        assert index.select(Selection(document=doc)) == corpus.full.select(Selection(document=doc))


def test_csv_rows_are_identical(side):
    kpis = side.ids("KPI")
    assert list(kpi_rows(side.engine, side.library, batch=37)) == kpi_rows_of(side.full, kpis)


def test_graphml_is_the_same_graph(side):
    new = nx.read_graphml(io.BytesIO(graphml_bytes(side.engine, side.library)))
    old = nx.read_graphml(io.BytesIO(_graphml(side.full.to_networkx())))
    assert list(new.nodes(data=True)) == list(old.nodes(data=True))

    def edges(g):
        return sorted((u, v, k, tuple(sorted(d.items()))) for u, v, k, d in g.edges(keys=True, data=True))
    assert edges(new) == edges(old)


@pytest.mark.parametrize("text", ["クラウド", "kpi", "KPI", "ｋｐｉ", "2017", "２０１７", "骨太", "総務省", "cloud",
                                  "dir-", "  ", "no such text at all"])
def test_search_finds_what_it_found(corpus, text):
    assert pages.search(corpus.engine, corpus.folders, text) == old_search(corpus.full, text)


def test_search_on_synth(synth):
    for text in ("インフラ", "kpi-a0001", "ｉｎｆｒａ", "local tax"):
        assert pages.search(synth.engine, synth.folders, text) == old_search(synth.full, text)


def test_overview_is_identical(side):
    assert pages.overview(side.engine, side.folders) == old_overview(side)


def test_the_overview_page_shows_the_largest_rows_and_counts_the_rest(synth, monkeypatch):
    """A project of many documents gets the OVERVIEW_ROWS largest of each list and a count of the rest
    with a link to all of them (a 1M-triple project's overview was 1 MB of HTML: 1,786 documents; this
    one has 25, shown 10 at a time)."""
    from policygraph.serve import app as web
    from tests.serve.conftest import make_client
    OVERVIEW_ROWS = 10
    monkeypatch.setattr(web, "OVERVIEW_ROWS", OVERVIEW_ROWS)
    data, sources, _ = overview_page(synth.engine, synth.folders)
    assert len(data["by_document"]) > OVERVIEW_ROWS  # the fixture has more documents than the page shows
    with make_client(synth.project, synth.project.build_dir / "store") as c:
        html = c.get("/").text
    more = len(data["by_document"]) - OVERVIEW_ROWS
    assert f"and {more} more documents" in html
    assert html.count('class="pg-bars"') == 4  # gaps by kind, status, body, document
    largest, smallest = list(data["by_document"])[0], list(data["by_document"])[-1]
    assert f"<th>{escape(largest)}</th>" in html and f"<th>{escape(smallest)}</th>" not in html
    assert f"and {len(sources) - OVERVIEW_ROWS} more sources" in html
    assert html.count('<a class="pg-source-link"') == OVERVIEW_ROWS


def test_sparklines_are_identical(side):
    kpis = side.ids("KPI")
    old = {}
    for rid in kpis:
        observed = [s for s in side.full.kpi_series(rid) if s["kind"] == "observation" and s["value"] is not None]
        rdf, iris = side.full.rdf, side.full.iris
        lines = [(next(rdf.objects(iris[s["id"]], PG.series), None), next(rdf.objects(iris[s["id"]], PG.unit), None))
                 for s in observed]
        keys = [(series is not None, str(series or ""), str(unit or "")) for series, unit in lines]
        chosen = pages.sparkline_line(keys)  # one line: a total in one unit, not its parts or another unit
        old[rid] = pages.sparkline([s["value"] for s, key in zip(observed, keys) if key == chosen])
    assert pages.sparklines(side.engine, side.folders, kpis) == old


def test_sources_count_the_quotes_the_records_make(project, corpus):
    """Per source, the quotes of the records (as `policygraph stats` counts them) and of the KPIs'
    editions (which `stats` leaves out)."""
    from policygraph.records.curation import corpus_stats
    stats, _invalid = corpus_stats(project)
    editions = {str(r["source"]).removeprefix(str(PGR)): int(r["n"]) for r in corpus.engine.run(TextQuery("e", """
        SELECT ?source (COUNT(?e) AS ?n) WHERE {
          ?s a <https://w3id.org/policygraph/ontology#KPIEdition> ;
             <https://w3id.org/policygraph/ontology#hasEvidence> ?e .
          ?e <http://www.w3.org/ns/prov#wasQuotedFrom> ?source } GROUP BY ?source"""))}
    assert [{k: s[k] for k in ("source", "file", "quotes", "share")} for s in pages.sources(corpus.engine, corpus.folders)] \
        == [{"source": s.source, "file": s.file, "quotes": s.quotes + editions.get(s.source, 0), "share": s.share}
            for s in stats]


def test_node_page_data_is_the_record_model_with_grouped_links(side):
    for rid in sample(sorted(side.full.classes), 40):
        new = pages.node(side.engine, side.folders, rid, limit=500)
        old = side.full.details(rid, incoming_limit=10**6)
        for key in ("cls", "label_ja", "label_en", "props", "evidence", "bodies", "documents", "status"):
            assert new[key] == old[key], (rid, key)
        if old["cls"] == "KPI":
            for item in old["series"]:
                item["evidence"] = side.full.evidence(side.full.iris[item["id"]])
            assert new["series"] == old["series"]
            assert new["chart"] == pages.kpi_chart(old["series"], title=old["label_ja"])
        incoming = sorted((n["id"], g["predicate"]) for g in new["links"]["groups"] if g["direction"] == "in"
                          for n in g["nodes"])
        assert incoming == sorted((ref, str(p)) for (p, s), ref in
                                  ((ps, str(ps[1]).removeprefix(str(PGR)))
                                   for ps in side.full.incoming_links(side.full.iris[rid], 10**6)[0])
                                  if side.full.classes.get(ref))


# ------------------------------------------------------------------------------- node_links / the API
COUNT = TextQuery("count", """
SELECT (COUNT(DISTINCT ?other) AS ?n) WHERE {{
  {pattern}
  ?other a ?c . FILTER(STRSTARTS(STR(?c), "https://w3id.org/policygraph/ontology#"))
  FILTER(STRSTARTS(STR(?other), "https://w3id.org/policygraph/id/") && !CONTAINS(STR(?other), "/evidence/"))
}}""")


def sparql_count(engine, rid: str, predicate: str, direction: str) -> int:
    pattern = (f"<{PGR[rid]}> <{predicate}> ?other ." if direction == "out" else f"?other <{predicate}> <{PGR[rid]}> .")
    return int(engine.run(TextQuery("count", COUNT.text.format(pattern=pattern)))[0]["n"])


def test_node_links_shape(corpus):
    found = records.node_links(corpus.engine, corpus.library, "kpi-cloud-municipalities")
    assert set(found) == {"id", "iri", "label", "label_en", "cls", "status", "limit", "offset", "groups"}
    assert found["cls"] == "KPI" and found["limit"] == 25 and found["offset"] == 0
    assert found["label"] and found["label_en"] and found["status"]
    assert json.loads(json.dumps(found, ensure_ascii=False)) == found  # plain JSON
    for g in found["groups"]:
        assert set(g) == {"predicate", "label", "label_ja", "direction", "count", "offset", "nodes"}
        assert g["direction"] in ("in", "out") and g["count"] >= len(g["nodes"])
        for n in g["nodes"]:
            assert set(n) == {"id", "label", "label_en", "cls"}
    directions = [g["direction"] for g in found["groups"]]
    assert directions == sorted(directions, key=lambda d: d != "out")
    assert {"hasObservation", "measuredBy"} <= {g["predicate"].rsplit("#", 1)[-1] for g in found["groups"]}


def test_group_counts_equal_a_sparql_count_and_pages_cover_every_link_once(side):
    nodes = [*sample(side.ids("PolicyDocument"), 3), *sample(side.ids("KPI"), 3), *side.ids("Body")[:2]]
    for rid in nodes:
        full = records.node_links(side.engine, side.library, rid, limit=10**5)
        for g in full["groups"]:
            assert g["count"] == sparql_count(side.engine, rid, g["predicate"], g["direction"]), (rid, g["predicate"])
            assert len(g["nodes"]) == g["count"]
            paged, offset = [], 0
            while offset < g["count"]:
                page = records.node_links(side.engine, side.library, rid, limit=3, offset=offset,
                                          predicates=[g["predicate"]])
                [group] = [x for x in page["groups"] if x["direction"] == g["direction"]]
                assert group["count"] == g["count"] and len(group["nodes"]) <= 3
                paged.extend(n["id"] for n in group["nodes"])
                offset += 3
            assert paged == [n["id"] for n in g["nodes"]]  # each once, in order


def test_node_links_filter_by_type_and_predicate(corpus):
    doc = "doc-progress-2017"
    whole = records.node_links(corpus.engine, corpus.library, doc, limit=10**5)
    only = records.node_links(corpus.engine, corpus.library, doc, limit=10**5, types=["Observation"])
    assert only["groups"] and all(n["cls"] == "Observation" for g in only["groups"] for n in g["nodes"])
    for g in only["groups"]:
        [w] = [x for x in whole["groups"] if (x["predicate"], x["direction"]) == (g["predicate"], g["direction"])]
        assert g["nodes"] == [n for n in w["nodes"] if n["cls"] == "Observation"]
    # Paged class by class, still each once in the unfiltered order.
    two = records.node_links(corpus.engine, corpus.library, doc, limit=10**5, types=["Observation", "Target"])
    for g in two["groups"]:
        paged, offset = [], 0
        while offset < g["count"]:
            page = records.node_links(corpus.engine, corpus.library, doc, limit=4, offset=offset,
                                      types=["Observation", "Target"], predicates=[g["predicate"]])
            paged.extend(n["id"] for x in page["groups"] if x["direction"] == g["direction"] for n in x["nodes"])
            offset += 4
        assert paged == [n["id"] for n in g["nodes"]]
    by_name = records.node_links(corpus.engine, corpus.library, doc, predicates=["reportedIn"])
    by_prefixed = records.node_links(corpus.engine, corpus.library, doc, predicates=["pg:reportedIn"])
    assert by_name == by_prefixed and {g["predicate"] for g in by_name["groups"]} == {str(PG.reportedIn)}
    assert records.node_links(corpus.engine, corpus.library, "no-such-record") is None


def test_hostile_labels_are_data(tmp_path):
    g = Graph()
    node, other = PGR["kpi-x"], PGR["obs-x"]
    evil = '<script>alert(1)</script>"\' } ; DROP ALL'
    g.add((node, RDF.type, PG.KPI))
    g.add((node, RDFS.label, Literal(evil, lang="ja")))
    g.add((other, RDF.type, PG.Observation))
    g.add((other, RDFS.label, Literal('<img src=x onerror=alert(1)>', lang="ja")))
    g.add((node, PG.hasObservation, other))
    engine = OxigraphEngine(g)
    found = records.node_links(engine, QueryLibrary(Path(__file__).resolve().parents[2] / "queries"), "kpi-x")
    assert found["label"] == evil
    assert found["groups"][0]["nodes"][0]["label"] == '<img src=x onerror=alert(1)>'


# ------------------------------------------------------------------------------- the web app
def test_api_node(client):
    r = client.get("/api/node/kpi-cloud-municipalities", params={"limit": 2})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["id"] == "kpi-cloud-municipalities" and body["limit"] == 2
    assert all(len(g["nodes"]) <= 2 for g in body["groups"])
    r = client.get("/api/node/doc-progress-2017", params={"types": "Observation,Target", "predicates": "reportedIn",
                                                           "offset": 1, "limit": 5})
    assert {g["predicate"] for g in r.json()["groups"]} == {str(PG.reportedIn)}
    assert r.json()["offset"] == 1


@pytest.mark.parametrize("rid,status", [("no-such-record", 404), ("<script>", 404), ("a%22%3E%3Cscript%3E", 404),
                                         ("..%2F..%2Fetc", 404)])
def test_api_node_unknown_or_hostile_ids(client, rid, status):
    r = client.get(f"/api/node/{rid}")
    assert r.status_code == status
    assert not r.headers["content-type"].startswith("text/html")
    if r.headers["content-type"] == "application/json":  # the route took it: a JSON error naming it as data
        assert r.json()["error"] and r.json()["id"] == unquote(rid)
    else:  # the router did not (a decoded "/"): its plain 404
        assert "/" in unquote(rid)


@pytest.mark.parametrize("args", [{"limit": "x"}, {"limit": "-1"}, {"offset": "-5"}, {"limit": "100000"}])
def test_api_node_bad_paging_is_a_400(client, args):
    assert client.get("/api/node/kpi-cloud-municipalities", params=args).status_code == 400


def test_node_page_is_bounded_with_counts_and_a_next_page(client, corpus):
    rid = "doc-progress-2017"
    whole = records.node_links(corpus.engine, corpus.library, rid, limit=10**5)
    big = max((g for g in whole["groups"] if g["direction"] == "in"), key=lambda g: g["count"])
    assert big["count"] > 5
    r = client.get(f"/id/{rid}", params={"limit": 5})
    assert r.status_code == 200
    assert f"({big['count']})" in r.text
    assert r.text.count(f"{big['label']} ← <a") <= sum(min(5, g["count"]) for g in whole["groups"]
                                                         if g["direction"] == "in" and g["label"] == big["label"])
    assert 'class="pg-next"' in r.text and "offset=5" in r.text
    r2 = client.get(f"/id/{rid}", params={"limit": 5, "offset": 5, "predicates": big["predicate"]})
    assert r2.status_code == 200 and 'class="pg-prev"' in r2.text
    assert big["nodes"][5]["id"] in r2.text


def test_table_pages_show_one_page_with_the_total_and_next(client, corpus):
    total = len(pages.named_rows(corpus.engine, corpus.folders, "kpi-status", {}).rows)
    r = client.get("/kpis", params={"_size": 3})
    assert r.status_code == 200
    assert f"rows 1–3 of {total}" in r.text and "_next=3" in r.text
    assert r.text.count('class="pg-spark"') <= 3
    r = client.get("/kpis", params={"_size": 3, "_next": 3})
    assert "rows 4–6" in r.text and 'class="pg-prev"' in r.text
    gaps_total = len(pages.gap_table(corpus.engine, corpus.folders)[0].rows)
    r = client.get("/gaps", params={"_size": 2})
    assert f"rows 1–2 of {gaps_total}" in r.text
    r = client.get("/queries/evidence", params={"_size": 4})
    assert r.status_code == 200 and "rows 1–4 of" in r.text
    assert client.get("/kpis", params={"_size": "0"}).status_code == 400
    assert client.get("/kpis", params={"_next": "x"}).status_code == 400


def test_downloads_are_whole_and_streamed(project, store_dir, corpus):
    """No 413: a named query over --max-rows pages on screen and downloads whole."""
    from tests.serve.conftest import make_client
    rows = pages.named_rows(corpus.engine, corpus.folders, "evidence", {}).rows
    with make_client(project, store_dir, max_rows=10) as c:
        page = c.get("/queries/evidence")
        assert page.status_code == 200 and f"of {len(rows)}" in page.text
        as_json = c.get("/queries/evidence.json", params={"_shape": "array"})
        assert as_json.status_code == 200 and as_json.json() == json.loads(json.dumps(rows, ensure_ascii=False))
        as_csv = c.get("/queries/evidence.csv")
        assert as_csv.status_code == 200 and as_csv.content.startswith(b"\xef\xbb\xbf")
        assert len(as_csv.text.strip().splitlines()) >= len(rows) + 1
        assert c.get("/kpis.xlsx").status_code == 200


@pytest.fixture(scope="module")
def client(project, store_dir):
    from tests.serve.conftest import make_client
    with make_client(project, store_dir) as c:
        yield c


# ------------------------------------------------------------------------------- terminal tables at scale
def test_a_long_table_shows_its_first_rows_with_the_total_and_a_hint(runner, corpus):
    from policygraph.cli.queries import TABLE_ROWS
    total = len(corpus.engine.run(corpus.library.get("evidence")))
    assert total > TABLE_ROWS
    result = runner.invoke(app, ["query", "evidence"])
    assert result.exit_code == 0
    assert f"showing {TABLE_ROWS:,} of {total:,} rows" in result.stderr and "--format csv" in result.stderr
    every = runner.invoke(app, ["query", "evidence", "--format", "json"])
    assert len(json.loads(every.stdout)) == total  # plain formats print every row
    assert json.loads(every.stdout) == json.loads(json.dumps(
        [{c: pages.plain(r.get(c)) for c in r} for r in corpus.engine.run(corpus.library.get("evidence"))],
        ensure_ascii=False))
    few = runner.invoke(app, ["query", "evidence", "--format", "csv", "--limit", "5"])
    import csv
    assert len(list(csv.reader(io.StringIO(few.stdout)))) == 6
    short = runner.invoke(app, ["query", "kpi-status", "--limit", "2"])
    assert "showing 2 of" in short.stderr
    assert "showing" not in runner.invoke(app, ["query", "kpi-status", "--limit", "0"]).stderr


def test_gaps_table_is_bounded_too(runner):
    whole = json.loads(runner.invoke(app, ["gaps", "--format", "json"]).stdout)
    assert whole["total"] > 3
    result = runner.invoke(app, ["gaps", "--limit", "3"])
    assert result.exit_code == 0 and f"showing 3 of {whole['total']:,} rows" in result.stderr
    limited = json.loads(runner.invoke(app, ["gaps", "--format", "json", "--limit", "3"]).stdout)
    assert sum(len(k["rows"]) for k in limited["gaps"]) == 3 and limited["total"] == whole["total"]
    rows = runner.invoke(app, ["gaps", "--format", "csv"]).stdout
    import csv
    assert len(list(csv.reader(io.StringIO(rows)))) == whole["total"] + 1


def test_concurrent_first_visitors_share_one_overview_computation(project, store_dir, monkeypatch):
    """The overview's figures are computed once, however many visitors ask for them at once (each
    first visitor used to recompute them)."""
    import threading
    import time

    from policygraph.serve.workers import QueryWorkers
    from tests.serve.conftest import make_client
    calls: list[str] = []
    real = QueryWorkers.call

    def counted(self, func, *args, **kwargs):
        calls.append(func.__name__)
        if func.__name__ == "overview_page":
            time.sleep(0.5)  # long enough for every visitor to arrive while it runs
        return real(self, func, *args, **kwargs)
    monkeypatch.setattr(QueryWorkers, "call", counted)
    with make_client(project, store_dir) as c:
        codes = []
        visitors = [threading.Thread(target=lambda: codes.append(c.get("/").status_code)) for _ in range(6)]
        for v in visitors:
            v.start()
        for v in visitors:
            v.join(60)
        assert codes == [200] * 6
        assert c.get("/").status_code == 200
    assert calls.count("overview_page") == 1, calls


def test_a_table_wider_than_the_terminal_prints_each_row_as_lines(runner):
    """kpi-status has 33 columns: as a table each cell folded into a few characters, and rendering the first
    200 rows took 24 s at 100k triples (issue #21). It prints one block of "column  value" lines per row,
    the values whole; a narrow result stays a table."""
    from policygraph.cli.queries import MIN_CELL
    every = json.loads(runner.invoke(app, ["query", "kpi-status", "--format", "json", "--limit", "3"]).stdout)
    assert len(every[0]) * MIN_CELL > 160  # wider than the console of a pipe
    result = runner.invoke(app, ["query", "kpi-status", "--limit", "3"])
    assert result.exit_code == 0 and "showing 3 of" in result.stderr
    blocks = result.stdout.split("── ")[1:]
    assert len(blocks) == 3
    for block, row in zip(blocks, every):
        lines = block.splitlines()
        assert lines[0].startswith(f"{blocks.index(block) + 1} ─")
        for column in ("kpi", "label", "status", "targetText"):
            if row.get(column):
                assert any(line.split(None, 1) == [column, row[column]] for line in lines), (column, row[column])
    narrow = runner.invoke(app, ["query", "trace-roots", "--limit", "3"])
    assert narrow.exit_code == 0 and "── 1 " not in narrow.stdout and "┃" in narrow.stdout
