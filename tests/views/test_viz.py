"""viz: the record graph, the three views and their HTML (no browser here; see test_viz_browser.py)."""
import hashlib
import json
import re
import shutil
from collections import namedtuple
from html import unescape
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from policygraph.cli.app import app
from policygraph.errors import PolicygraphError
from policygraph.graph.convert import PG, PGR
from policygraph.query.sparql import QueryLibrary
from policygraph.store.engines import RdflibEngine
from policygraph.query.trace import kpis_reached, trace
from policygraph.views.viz import (
    ATTAINMENT_STYLE,
    DEFAULT_MAX_NODES,
    VIS_VERSION,
    gaps_view,
    graph_view,
    load_assets,
    render_page,
    trace_view,
)
from policygraph.views.viz_model import RecordGraph, Selection

ROOT = Path(__file__).resolve().parents[2]
GapRow = namedtuple("GapRow", "kind title node label document quote")

RECORDS = """
PREFIX pg: <https://w3id.org/policygraph/ontology#>
SELECT DISTINCT ?s WHERE {
  ?s a ?c . FILTER(STRSTARTS(STR(?c), STR(pg:)))
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/policygraph/id/") && !CONTAINS(STR(?s), "/evidence/"))
}"""


@pytest.fixture(scope="module")
def future(engine, project):
    return trace(engine, QueryLibrary(project.query_dirs), "未来投資戦略2017")


def with_attainment(graph: Graph, statuses: dict[str, str]) -> Graph:
    """A copy of `graph` with `?kpi pg:attainment ?status . ?status skos:notation "…"` triples."""
    g = Graph()
    for t in graph:
        if t[1] != PG.attainment:  # replace whatever the build materialised
            g.add(t)
    for kpi, notation in statuses.items():
        concept = URIRef(f"{PG}Attainment-{notation}")
        g.add((PGR[kpi], PG.attainment, concept))
        g.add((concept, SKOS.notation, Literal(notation)))
    return g


# the networkx view of the records ----------------------------------------------------------
def test_nodes_are_the_records_without_evidence_excerpts(graph, rg):
    expected = {str(r["s"])[len(str(PGR)):] for r in graph.query(RECORDS)}
    assert set(rg.classes) == expected
    assert not [r for r in rg.classes if "/evidence/" in r]
    G = rg.to_networkx()
    assert set(G.nodes) == expected
    assert G.nodes["kpi-cloud-municipalities"]["cls"] == "KPI"
    assert G.nodes["kpi-cloud-municipalities"]["label_ja"] == "クラウド導入市区町村数"
    # evidence is not a node but its quote is in the panel details
    details = rg.details("obs-cloud-municipalities-2015-04-01-briefing")
    assert details["evidence"][0]["quote"] == "クラウド化市区町村数は、728団体(H27.4.1)から"
    assert details["evidence"][0]["file"].startswith("001")


def test_kpi_series_has_observations_baseline_and_target_with_dates(rg):
    series = rg.kpi_series("kpi-cloud-municipalities")
    obs = {(s["value"], s["date"]) for s in series if s["kind"] == "observation"}
    assert {(728, "2015-04-01"), (842, "2016-04-01"), (950, "2017-04-01"), (1067, "2018-04-01")} <= obs
    baseline = next(s for s in series if s["kind"] == "baseline")
    assert baseline["value"] == 550 and baseline["date"] == "2015-03-31"  # 2014年度 → end of FY2014
    roadmap = next(s for s in series if s["kind"] == "target" and s["document"] == "doc-roadmap-2016")
    assert roadmap["value"] == 1000 and roadmap["date"] == "2018-03-31"  # 2017年度まで


def test_selection_by_class_body_document_and_status(graph, rg):
    kpis = rg.select(Selection(classes=frozenset({"KPI"})))
    assert kpis and all(rg.classes[k] == "KPI" for k in kpis)
    by_body = rg.select(Selection(body="body-mic-regional-vitalization"))
    assert "ri-15" in by_body and "kpi-cloud-municipalities" in by_body
    assert "body-mic-regional-vitalization" in by_body
    # a parent body matches its sub-units' records
    assert set(by_body) <= set(rg.select(Selection(body="body-mic")))
    docs = rg.select(Selection(document="doc-future-investment-2017"))
    assert "doc-future-investment-2017" in docs
    assert all("doc-future-investment-2017" in rg.facets(r).documents for r in docs)
    rg2 = RecordGraph(with_attainment(graph, {"kpi-cloud-municipalities": "achieved"}))
    achieved = rg2.select(Selection(status="achieved"))
    assert "kpi-cloud-municipalities" in achieved and "obs-cloud-municipalities-2015-04-01-briefing" in achieved
    assert all(rg2.facets(r).status == "achieved" for r in achieved)


# views ----------------------------------------------------------------------------------------
def test_graph_view_every_record_with_position_class_style_and_legend(rg):
    view = graph_view(rg)
    assert {n["id"] for n in view.nodes} == set(rg.classes)
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in view.nodes)
    assert len({(n["x"], n["y"]) for n in view.nodes}) == len(view.nodes)  # no two nodes on one spot
    legend = {c["name"]: c["count"] for c in view.legend}
    assert sum(legend.values()) == len(view.nodes) and legend["KPI"] == len(rg.select(Selection(frozenset({"KPI"}))))
    kpi = next(n for n in view.nodes if n["id"] == "kpi-cloud-municipalities")
    assert kpi["label"] == "クラウド導入市区町村数"
    assert "Number of municipalities that have adopted cloud" in kpi["title"]  # English on hover


def test_graph_view_refuses_over_the_node_budget(rg):
    with pytest.raises(PolicygraphError) as err:
        graph_view(rg, max_nodes=10)
    assert err.value.exit_code == 2
    message = str(err.value)
    assert "viz trace" in message and "--class" in message and f"{len(rg.classes):,} nodes" in message
    assert DEFAULT_MAX_NODES == 2000


def test_trace_view_is_the_trace_laid_out_top_down(rg, future):
    view = trace_view(rg, future)
    ids = {n["id"] for n in view.nodes}
    kpis = kpis_reached(future)
    expected = {future["root"]["id"]} | {d["id"] for d in future["directives"]}
    for d in future["directives"]:
        for item in d["reform_items"]:
            expected |= {item["id"]} | {s["id"] for s in item["steps"]}
            expected |= {p["id"] for s in item["steps"] for p in s["progress"]}
    for k in kpis.values():
        expected |= {k["id"]} | {st["id"] for key in ("baselines", "targets", "observations", "projections",
                                                       "assessments") for st in k[key]}
    assert ids == expected
    y = {n["id"]: n["y"] for n in view.nodes}
    [directive] = future["directives"]
    assert y[future["root"]["id"]] < y[directive["id"]] < y["ri-15"] < y["kpi-cloud-municipalities"]
    assert all(y["kpi-cloud-municipalities"] < y[o["id"]] for o in kpis["kpi-cloud-municipalities"]["observations"])


def test_trace_view_colours_kpis_by_attainment(graph, project):
    statuses = {"kpi-cloud-municipalities": "achieved", "kpi-15-spending-efficiency": "no_data",
                "kpi-local-system-operating-cost": "missed"}
    g = with_attainment(graph, statuses)
    result = trace(RdflibEngine(g), QueryLibrary(project.query_dirs), "未来投資戦略2017")
    view = trace_view(RecordGraph(g), result)
    colours = {n["id"]: n["color"]["background"] for n in view.nodes}
    for kpi, status in statuses.items():
        assert colours[kpi] == ATTAINMENT_STYLE[status][0]
    assert view.details["kpi-cloud-municipalities"]["status"] == "achieved"
    # without the triples (attainment not materialised) KPIs are "unknown"
    bare = with_attainment(graph, {})
    plain = trace_view(RecordGraph(bare), trace(RdflibEngine(bare), QueryLibrary(project.query_dirs), "未来投資戦略2017"))
    assert {n["color"]["background"] for n in plain.nodes if n["group"] == "KPI"} == {ATTAINMENT_STYLE["unknown"][0]}


def test_gaps_view_marks_rows_and_draws_broken_chains(rg):
    rows = [GapRow("kpi_without_observation", "KPI without observation", str(PGR["kpi-local-system-operating-cost"]),
                   "地方公共団体の情報システム運用コスト", "doc-roadmap-2016", "3割圧縮"),
            GapRow("directive_without_kpi", "Directive reaches no KPI", "https://example.org/not-in-graph",
                   "?", "", "")]
    view = gaps_view(rg, rows)
    marked = next(n for n in view.nodes if n["id"] == "kpi-local-system-operating-cost")
    assert marked["borderWidth"] == 4 and marked["color"]["border"] == "#d7191c"
    ghosts = [n for n in view.nodes if n["id"].startswith("gap:")]
    assert len(ghosts) == 2 and view.record_count == len(rg.classes)
    dashed = [e for e in view.edges if e.get("dashes")]
    assert dashed == [{"from": "kpi-local-system-operating-cost", "to": "gap:0", "title":
                       "broken chain: KPI without observation", "dashes": [6, 4], "width": 2.5,
                       "color": {"color": "#d7191c"}}]
    assert view.details["kpi-local-system-operating-cost"]["gaps"] == ["gap:0"]
    assert view.gaps[1]["node"] is None  # a row about a node outside the graph is listed, not linked


# HTML ---------------------------------------------------------------------------------------
def test_page_is_offline_and_scripts_are_hash_pinned(rg, project):
    html = render_page(graph_view(rg), project)
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html, re.IGNORECASE)
    assert "jsdelivr" not in html and "cdnjs" not in html and "unpkg" not in html
    assert "bootstrap" not in html.lower() and "tom-select" not in html.lower()
    csp = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert "default-src 'none'" in csp
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(inline) == 2  # vis-network and app.js; data blocks are type=application/json
    import base64
    for js in inline:
        digest = base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert f"vis-network {VIS_VERSION}" in html


def test_hostile_strings_are_escaped_in_the_html(graph, project):
    g = Graph()
    for t in graph:
        g.add(t)
    payloads = ['<img src=x onerror=alert(1)>', '"><script>alert(2)</script>', "</script><script>alert(3)//"]
    kpi = PGR["kpi-cloud-municipalities"]
    for p in payloads:
        g.add((kpi, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(p)))
    g.add((PGR["kpi-cloud-municipalities/evidence/1"], PG.quote, Literal(payloads[2])))
    html = render_page(graph_view(RecordGraph(g)), project)
    for p in payloads:
        assert p not in html
    assert "alert(" in html  # the text is there, escaped
    assert "<script>alert" not in html and "<img src=x" not in html


def test_vendored_vis_network_matches_its_checksums(project):
    vendor = project.root / "viz" / "vendor" / f"vis-network-{VIS_VERSION}"
    sums = dict(reversed(line.split()) for line in (vendor / "SHA256SUMS").read_text().splitlines())
    for name in ("vis-network.min.js", "LICENSE-MIT", "LICENSE-APACHE-2.0"):
        assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == sums[name]
    assert load_assets(project)["vis_version"] == VIS_VERSION


def test_tampered_vendor_file_is_refused(project_copy):
    shutil.copytree(ROOT / "viz", project_copy.root / "viz")
    js = project_copy.root / "viz" / "vendor" / f"vis-network-{VIS_VERSION}" / "vis-network.min.js"
    js.write_text(js.read_text() + "\n;fetch('https://example.org')")
    with pytest.raises(PolicygraphError, match="SHA256SUMS"):
        load_assets(project_copy)


# CLI ----------------------------------------------------------------------------------------
def test_cli_viz_graph_and_trace_write_pages(runner, tmp_path):
    out = tmp_path / "g.html"
    result = runner.invoke(app, ["viz", "graph", "--class", "KPI", "--body", "総務省地域力創造グループ", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    nodes = json.loads(re.search(r'id="pg-nodes">(.*?)</script>', page, re.DOTALL).group(1))
    assert nodes and {n["group"] for n in nodes} == {"KPI"}
    assert "kpi-cloud-municipalities" in {n["id"] for n in nodes}
    out2 = tmp_path / "t.html"
    result = runner.invoke(app, ["viz", "trace", "未来投資戦略2017", "-o", str(out2)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out2}" in result.stdout
    # the explorer file, opened on the trace's chain (tests/views/test_trace_file.py opens it in chromium)
    data = json.loads(re.search(r'id="pg-explore-data">(.*?)</script>', out2.read_text(encoding="utf-8"), re.DOTALL).group(1))
    assert data["layout"] == "chain" and "kpi-cloud-municipalities" in data["chain"]["nodes"]


def test_cli_viz_graph_over_budget_writes_the_coverage_map_and_a_focused_view(runner, tmp_path):
    """A graph too large to draw whole gets the explorer instead of a refusal: the coverage map and the
    neighbourhood of the document with most directives."""
    out = tmp_path / "g.html"
    result = runner.invoke(app, ["viz", "graph", "--max-nodes", "5", "--depth", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "more than --max-nodes 5" in result.stderr and "doc-ten-guidelines-draft" in result.stderr
    html = out.read_text(encoding="utf-8")
    assert 'id="pg-coverage"' in html and '"focus": "doc-ten-guidelines-draft"' in html
    assert "records within 1 links of doc-ten-guidelines-draft" in result.stdout


def test_cli_viz_graph_focus(runner, tmp_path):
    out = tmp_path / "f.html"
    result = runner.invoke(app, ["viz", "graph", "--focus", "kpi-cloud-municipalities", "--depth", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert '"focus": "kpi-cloud-municipalities"' in out.read_text(encoding="utf-8")
    result = runner.invoke(app, ["viz", "graph", "--focus", "<script>", "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "not a record id" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--class", "Nope"], "unknown class 'Nope'"),
    (["--status", "great"], "unknown status 'great'"),
    (["--body", "省"], "matches"),
    (["--document", "存在しない文書"], "no PolicyDocument matches"),
])
def test_cli_viz_graph_bad_arguments(runner, tmp_path, args, message):
    result = runner.invoke(app, ["viz", "graph", "-o", str(tmp_path / "x.html"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_cli_viz_trace_unknown_target(runner, tmp_path):
    result = runner.invoke(app, ["viz", "trace", "no-such-thing-anywhere", "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "no node to trace from matches" in result.stderr


def test_cli_viz_gaps_uses_the_gap_report(runner, tmp_path, monkeypatch):
    import policygraph.query.gaps as gaps_module
    rows = [GapRow("kpi_without_observation", "KPI without observation",
                   str(PGR["kpi-local-system-operating-cost"]), "運用コスト", "doc-roadmap-2016", "3割圧縮")]
    monkeypatch.setattr(gaps_module, "gap_report", lambda engine, library: gaps_module.GapReport([], rows))
    out = tmp_path / "gaps.html"
    result = runner.invoke(app, ["viz", "gaps", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 gaps" in result.stdout
    meta = json.loads(re.search(r'id="pg-meta">(.*?)</script>', out.read_text(encoding="utf-8"), re.DOTALL).group(1))
    assert meta["gaps"][0]["node"] == "kpi-local-system-operating-cost"


def test_every_view_command_has_an_example(runner):
    for cmd in (["viz", "graph"], ["viz", "trace"], ["viz", "gaps"], ["export"]):
        result = runner.invoke(app, [*cmd, "--help"])
        assert result.exit_code == 0 and "Example: policygraph " in result.stdout


def test_gaps_view_with_the_real_gap_report(engine, project, rg):
    from policygraph.query.gaps import gap_report
    from policygraph.query.sparql import QueryLibrary
    rows = gap_report(engine, QueryLibrary(project.query_dirs)).rows  # as `policygraph viz gaps` runs it
    view = gaps_view(rg, rows)
    assert len(view.gaps) == len(rows) > 0
    in_graph = {str(r.node)[len(str(PGR)):] for r in rows} & set(rg.classes)
    marked = {g["node"] for g in view.gaps if g["node"]}
    assert marked == in_graph
    assert all(n["borderWidth"] == 4 for n in view.nodes if n["id"] in marked)
    assert sum(1 for e in view.edges if e.get("dashes")) == sum(1 for g in view.gaps if g["node"])


def test_missing_chromium_is_reported_not_skipped(monkeypatch):
    import policygraph.views.viz_browser as vb
    monkeypatch.setenv("POLICYGRAPH_CHROMIUM", "/nonexistent/chromium")
    why = vb.chromium_missing()
    assert why and "apt-get install -y chromium" in why and "POLICYGRAPH_SKIP_BROWSER=1" in why
