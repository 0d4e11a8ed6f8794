"""The three views in a real browser: Debian's headless Chromium driven by Playwright.

Every page must load from file:// with no other request, no console or page error, show every
node, and answer to filters, search and clicks. Screenshots go to test-artifacts/.
Chromium missing = failure, unless POLICYGRAPH_SKIP_BROWSER=1 is set explicitly.
"""
from collections import namedtuple
from pathlib import Path

import pytest

from policygraph.graph.convert import PGR
from policygraph.query.sparql import QueryLibrary
from policygraph.query.trace import trace
from policygraph.views.viz import gaps_view, graph_view, render_page, trace_view, write_page
from policygraph.views.viz_browser import instrumented_page, node_screen_xy, open_view
from policygraph.views.viz_model import Selection

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
GapRow = namedtuple("GapRow", "kind title node label document quote")

RECORDS = """
PREFIX pg: <https://w3id.org/policygraph/ontology#>
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?c . FILTER(STRSTARTS(STR(?c), STR(pg:)))
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/policygraph/id/") && !CONTAINS(STR(?s), "/evidence/"))
}"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory, engine, project, rg):
    """name → (path, View): the three views of the real corpus (gaps with two fixture rows)."""
    out = tmp_path_factory.mktemp("views")
    result = trace(engine, QueryLibrary(project.query_dirs), "未来投資戦略2017")
    rows = [GapRow("kpi_without_observation", "KPI without observation",
                   str(PGR["kpi-local-system-operating-cost"]), "地方公共団体の情報システム運用コスト",
                   "doc-roadmap-2016", "3割圧縮"),
            GapRow("directive_without_kpi", "Directive reaches no KPI", str(PGR["doc-future-investment-2017"]),
                   "未来投資戦略2017", "doc-future-investment-2017", "")]
    views = {"graph": graph_view(rg), "trace": trace_view(rg, result), "gaps": gaps_view(rg, rows)}
    return {name: (write_page(out / f"{name}.html", render_page(v, project)), v) for name, v in views.items()}


def load(browser, path):
    page, log = instrumented_page(browser)
    open_view(page, path)
    return page, log


def assert_clean(page, log):
    assert log["requests"] and all(u.startswith("file://") for u in log["requests"]), log["requests"]
    assert log["console_errors"] == [] and log["page_errors"] == [] and log["dialogs"] == []
    assert page.evaluate("() => typeof window.__xss") == "undefined"


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def shown(page) -> int:
    return page.evaluate("() => pgviz.view.length")


@pytest.mark.parametrize("name", ["graph", "trace", "gaps"])
def test_view_loads_offline_with_every_node(browser, pages, graph, name):
    path, view = pages[name]
    page, log = load(browser, path)
    total = page.evaluate("() => pgviz.nodes.length")
    assert total == len(view.nodes) and shown(page) == total
    assert page.evaluate("() => pgviz.edges.length") == len(view.edges)
    assert page.evaluate("() => pgviz.timings.firstDraw") > 0
    assert page.evaluate("() => Object.keys(pgviz.network.getPositions()).length") == total
    if name in ("graph", "gaps"):  # every record of the graph, counted independently
        [row] = graph.query(RECORDS)
        assert view.record_count == int(row["n"])
    if name == "gaps":
        assert total == view.record_count + 2
        assert page.locator("#pg-gaps li").count() == 2
    assert page.locator("#pg-count").text_content().startswith(f"{total} / {total} nodes")
    shot(page, f"viz-{name}")
    assert_clean(page, log)


def test_graph_filters_by_class_body_document_and_status(browser, pages, rg):
    page, log = load(browser, pages["graph"][0])
    for box in page.locator("input.pg-class").all():
        if box.get_attribute("value") != "KPI":
            box.uncheck()
    assert shown(page) == len(rg.select(Selection(classes=frozenset({"KPI"})))) > 0
    for box in page.locator("input.pg-class").all():
        box.check()
    page.select_option("#pg-filter-body", "body-mic-regional-vitalization")
    expected = rg.select(Selection(body="body-mic-regional-vitalization"))
    assert shown(page) == len(expected) and page.evaluate("() => pgviz.view.getIds().sort()") == expected
    page.select_option("#pg-filter-body", "")
    page.select_option("#pg-filter-document", "doc-future-investment-2017")
    assert shown(page) == len(rg.select(Selection(document="doc-future-investment-2017")))
    page.select_option("#pg-filter-document", "")
    statuses = {rg.attainment(k) for k, c in rg.classes.items() if c == "KPI"}
    status = sorted(statuses)[0]
    page.select_option("#pg-filter-status", status)
    assert shown(page) == len(rg.select(Selection(status=status))) > 0
    shot(page, "viz-graph-filtered")
    assert_clean(page, log)


def test_graph_search_finds_and_opens_a_node(browser, pages):
    page, log = load(browser, pages["graph"][0])
    page.fill("#pg-search", "クラウド導入市区町村数")
    page.press("#pg-search", "Enter")
    assert page.locator("#pg-panel").is_visible()
    assert page.locator("#pg-panel h2").text_content() == "クラウド導入市区町村数"
    assert page.evaluate("() => pgviz.network.getSelectedNodes()")[0] == "kpi-cloud-municipalities"
    assert page.locator("#pg-search-msg").text_content().endswith(("match", "matches"))
    page.fill("#pg-search", "Number of municipalities that have adopted cloud")  # English label works too
    page.press("#pg-search", "Enter")
    assert page.evaluate("() => pgviz.network.getSelectedNodes()")[0] == "kpi-cloud-municipalities"
    page.fill("#pg-search", "zzz-nothing-like-this")
    page.press("#pg-search", "Enter")
    assert page.locator("#pg-search-msg").text_content() == "no match"
    assert_clean(page, log)


def test_clicking_a_kpi_opens_its_panel_with_quote_and_chart(browser, pages, rg):
    page, log = load(browser, pages["trace"][0])
    kpi = "kpi-cloud-municipalities"
    page.evaluate("id => pgviz.network.focus(id, {scale: 1.2, animation: false})", kpi)
    x, y = node_screen_xy(page, kpi)
    page.mouse.click(x, y)  # a real click on the canvas
    page.wait_for_selector("#pg-panel:not([hidden])")
    assert page.locator("#pg-panel h2").text_content() == "クラウド導入市区町村数"
    quotes = page.locator("#pg-panel blockquote.quote").all_text_contents()
    assert quotes == [e["quote"] for e in rg.evidence(rg.iris[kpi])] and quotes
    series = rg.kpi_series(kpi)
    numeric = [s for s in series if isinstance(s["value"], (int, float)) and s["date"] and s["unit"] == "団体"]
    chart = page.locator("#pg-chart svg")
    assert chart.count() == 1
    # every observation a marker (the total's circles, each sub-series' own shape), one line per series
    assert chart.locator(".pg-obs").count() == sum(s["kind"] == "observation" for s in numeric) >= 5
    assert chart.locator("polyline.pg-obs-line").count() == 3
    assert chart.locator("rect.pg-base").count() == sum(s["kind"] == "baseline" for s in numeric)
    assert chart.locator("polygon.pg-target").count() == sum(s["kind"] == "target" for s in numeric)
    assert "1,067" in " ".join(chart.locator(".pg-obs title").all_text_contents())
    shot(page, "viz-trace-kpi-panel")
    assert_clean(page, log)


def test_preliminary_values_and_projections_are_drawn_differently(browser, pages, rg):
    def first_kpi(pred):
        return next((k for k in sorted(rg.classes) if rg.classes[k] == "KPI" and pred(rg.kpi_series(k))), None)
    prelim = first_kpi(lambda s: any(x["status"] == "preliminary" and isinstance(x["value"], (int, float))
                                     and x["date"] for x in s))
    proj = first_kpi(lambda s: any(x["kind"] == "projection" and isinstance(x["value"], (int, float))
                                   and x["date"] for x in s))
    assert prelim and proj, "the corpus has preliminary observations and projections"
    page, log = load(browser, pages["graph"][0])
    page.evaluate("id => pgviz.focusNode(id)", prelim)
    circles = page.locator("#pg-chart circle.pg-prelim")
    assert circles.count() >= 1
    assert {c.get_attribute("fill") for c in circles.all()} == {"#ffffff"}  # hollow
    page.evaluate("id => pgviz.focusNode(id)", proj)
    assert page.locator("#pg-chart circle.pg-proj").count() >= 1
    dashed = page.locator("#pg-chart circle.pg-proj").first.get_attribute("stroke-dasharray")
    assert dashed
    assert_clean(page, log)


def test_gaps_view_marks_the_rows(browser, pages):
    page, log = load(browser, pages["gaps"][0])
    page.locator("#pg-gaps button").first.click()
    assert page.locator("#pg-panel h2").text_content() == "KPI without observation"
    assert page.locator("#pg-panel blockquote").text_content() == "3割圧縮"
    edge = page.evaluate("() => pgviz.edges.get({filter: e => e.to === 'gap:0'})[0]")
    assert edge["from"] == "kpi-local-system-operating-cost" and edge["dashes"]
    shot(page, "viz-gaps-panel")
    assert_clean(page, log)
