"""The graph explorer (/explore) in Debian's chromium against the live server on the corpus: search →
focus → expand → filter → path → reload restores the view from the URL → export; labels legible at
the default zoom; hostile labels inert; no request leaves the origin. Screenshots go to test-artifacts/."""
from pathlib import Path

import pytest

from tests.serve.test_serve_browser import clean, hostile_live, open_page  # noqa: F401 (fixture)
from tests.views.test_viz_xss import XSS_1, XSS_2, XSS_3

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
KPI = "kpi-cloud-municipalities"
DOC = "doc-honebuto-2017"


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def ready(page, timeout=30000):
    page.wait_for_function("() => window.pgexplore && window.pgexplore.ready.done", timeout=timeout)


def settle(page):
    """Wait until the last expansion has been drawn and laid out."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => pgexplore.timings.firstDraw !== null")


def shown(page) -> list[str]:
    return sorted(page.evaluate("() => pgexplore.view.getIds()"))


def click_node(page, node_id):
    """Click a node where the canvas draws it. The layout is stopped first: on a loaded machine it
    can still move the node between reading its position and the click landing (the click missed)."""
    page.evaluate("() => pgexplore.network.stopSimulation()")
    box = page.eval_on_selector("#pg-graph canvas", "c => c.getBoundingClientRect().toJSON()")
    p = page.evaluate("id => pgexplore.network.canvasToDOM(pgexplore.network.getPositions([id])[id])", node_id)
    page.mouse.click(box["x"] + p["x"], box["y"] + p["y"])


def test_search_focus_expand_filter_path_reload_export(browser, live, client, tmp_path):
    page, log = open_page(browser, live, "/explore")
    ready(page)
    # search (the server's search) → a result → focus
    page.fill("#pg-search", "クラウド導入市区町村数")
    page.press("#pg-search", "Enter")
    page.wait_for_selector(f"#pg-results button[data-id='{KPI}']")
    page.click(f"#pg-results button[data-id='{KPI}']")
    page.wait_for_function("id => pgexplore.state().focus === id && pgexplore.view.get(id)", arg=KPI)
    settle(page)
    api = client.get(f"/api/node/{KPI}").json()
    neighbours = {n["id"] for g in api["groups"] for n in g["nodes"]}
    assert set(shown(page)) >= neighbours | {KPI}  # the focus and every neighbour of the first page
    assert page.locator("#pg-panel-title").text_content() == "クラウド導入市区町村数"
    page.wait_for_selector("#pg-panel blockquote.pg-quote")  # the node page's evidence, in the panel
    assert "focus=kpi-cloud-municipalities" in page.url
    # expand a neighbour by clicking it
    other = sorted(n["id"] for g in api["groups"] for n in g["nodes"] if n["cls"] == "ReformItem")[0]
    before = len(shown(page))
    page.evaluate("id => pgexplore.network.focus(id, {scale: 1, animation: false})", other)
    click_node(page, other)
    page.wait_for_function("id => pgexplore.state().expanded.includes(id)", arg=other)
    settle(page)
    assert len(shown(page)) > before and f"expand={other}" in page.url
    # filter: drop observations; they leave the view and the URL says so
    if page.locator("input.pg-class[value='Observation']").count():
        page.uncheck("input.pg-class[value='Observation']")
        classes = page.evaluate("() => pgexplore.view.get().map(n => (pgexplore.known()[n.id] || {}).cls)")
        assert "Observation" not in classes and "ReformItem" in classes
        assert "noclass=Observation" in page.url
    # switching the layout keeps the selection, and goes into the URL
    page.evaluate("id => pgexplore.network.selectNodes([id])", other)
    page.check("input[name=pg-layout][value=chain]")
    assert page.evaluate("() => pgexplore.network.getSelectedNodes()") == [other] and "layout=chain" in page.url
    xs = page.evaluate("() => Object.values(pgexplore.network.getPositions()).map(p => p.x)")
    assert len(set(round(x) for x in xs)) <= 8  # a few columns, one per class layer
    # path between the focus and 骨太2017: the server's /api/path, drawn in red
    page.evaluate("ids => pgexplore.showPath(ids[0], ids[1])", [DOC, KPI])
    page.wait_for_function("() => /shortest path/.test(document.getElementById('pg-path-msg').textContent)")
    expected = client.get("/api/path", params={"from": DOC, "to": KPI}).json()
    on_path = set(page.evaluate("() => pgexplore.edges.get({filter: e => e.onPath}).map(e => e.from + '>' + e.to)"))
    assert on_path == {f"{l['subject']}>{l['object']}" for p in expected["paths"] for s in p["steps"] for l in s["links"]}
    page.evaluate("() => history.pushState(null, '', location.pathname + '?' + new URLSearchParams(Object.assign(Object.fromEntries(new URLSearchParams(location.search)), {path: 'doc-honebuto-2017,kpi-cloud-municipalities'})).toString())")
    view_before, url = shown(page), page.url
    shot(page, "explore-path")
    # reload: the same view from the URL
    page.reload(wait_until="load")
    ready(page)
    settle(page)
    assert page.url == url and shown(page) == view_before
    # back: the view before the path
    # export PNG (and the visible subgraph as JSON)
    with page.expect_download() as dl:
        page.click("#pg-png")
    png = tmp_path / "explore.png"
    dl.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    with page.expect_download() as dl:
        page.click("#pg-json")
    import json
    dl.value.save_as(tmp_path / "explore.json")
    exported = json.loads((tmp_path / "explore.json").read_text())
    assert sorted(n["id"] for n in exported["nodes"]) == [i for i in shown(page) if "\x00" not in i]
    clean(log)


#: Screen size (px) of a node's label: vis-network draws its font size times the zoom.
LABEL_PX = "net => { const n = Object.values(net.body.nodes).find(n => n.options.label); return n.options.font.size * net.getScale(); }"


def test_labels_of_the_focused_neighbourhood_are_legible_at_default_zoom(browser, live, store_dir, tmp_path):
    page, log = open_page(browser, live, f"/explore?focus={KPI}")
    ready(page)
    page.wait_for_function("() => pgexplore.timings.laidOut")
    settle(page)
    shot(page, "explore-kpi")
    # its status by its border's colour and, not by colour alone, the palette's mark before its label
    from policygraph.views.palette import PALETTE
    node = page.evaluate("id => pgexplore.nodes.get(id)", KPI)
    assert node["label"].startswith(PALETTE["achieved"].mark + " ") and node["color"]["border"] == PALETTE["achieved"].fill
    # at least 11 px on screen is legible; the explorer's neighbourhood at its default zoom is
    assert page.evaluate(f"() => ({LABEL_PX})(pgexplore.network)") >= 11
    clean(log)
    # and the same check fails on the whole-graph view (`viz graph` of the corpus at its fit zoom)
    from policygraph.cli.app import app
    from policygraph.views.viz_browser import instrumented_page, open_view
    from tests.conftest import StoreRunner
    out = tmp_path / "graph.html"
    assert StoreRunner(store_dir).invoke(app, ["viz", "graph", "-o", str(out)]).exit_code == 0
    whole, _ = instrumented_page(browser)
    open_view(whole, out)
    assert whole.evaluate(f"() => ({LABEL_PX})(pgviz.network)") < 11


@pytest.mark.parametrize("node", ["kpi-x", "ri-x", "doc-x"])
def test_hostile_labels_stay_inert_in_the_explorer(browser, hostile_live, node):  # noqa: F811
    page, log = open_page(browser, hostile_live, f"/explore?focus={node}")
    ready(page)
    page.wait_for_selector("#pg-panel-title")
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("#pg-panel script, #pg-panel img, #pg-results img").count() == 0
    text = page.inner_text("body")
    assert any(x in text for x in (XSS_1, XSS_2, XSS_3))
    clean(log)


def test_the_overview_draws_the_coverage_map(browser, live):
    page, log = open_page(browser, live, "/")
    svg = page.locator("#pg-coverage svg")
    assert svg.count() == 1 and svg.locator("path.pg-flow").count() >= 5
    box = svg.bounding_box()
    assert box["width"] > 600 and box["height"] > 300
    page.locator("#pg-coverage").scroll_into_view_if_needed()
    page.locator("#pg-coverage").screenshot(path=str(ARTIFACTS / "overview-coverage.png"))
    clean(log)


def test_more_nodes_page_through_a_group_and_back_forward_work(browser, live, client):
    """A group over the limit ends in a '+N more' node; clicking it adds the next page; back and
    forward step through the views."""
    doc = "doc-ten-guidelines-draft"  # 50 directives: two pages of 25
    api = client.get(f"/api/node/{doc}", params={"limit": 25}).json()
    big = [g for g in api["groups"] if g["count"] > 25]
    assert big
    g = big[0]
    page, log = open_page(browser, live, f"/explore?focus={doc}")
    ready(page)
    settle(page)
    more_id = "more\x00" + doc + "\x00" + g["direction"] + "\x00" + g["predicate"]
    label = page.evaluate("id => pgexplore.nodes.get(id).label", more_id)
    assert label == f"+{g['count'] - 25} more"
    before = len(shown(page))
    url_before = page.url
    page.evaluate("id => pgexplore.network.focus(id, {scale: 1, animation: false})", more_id)
    click_node(page, more_id)
    page.wait_for_function("n => pgexplore.view.length > n", arg=before, timeout=60000)
    settle(page)
    second = client.get(f"/api/node/{doc}", params={"limit": 25, "offset": 25, "predicates": g["predicate"]}).json()
    [same] = [x for x in second["groups"] if x["direction"] == g["direction"]]
    assert {n["id"] for n in same["nodes"]} <= set(shown(page))
    assert "more=" in page.url
    page.go_back()
    page.wait_for_function("n => pgexplore.ready.done && pgexplore.view.length === n", arg=before)
    assert page.url == url_before
    page.go_forward()
    page.wait_for_function("n => pgexplore.view.length > n", arg=before)
    clean(log)


def test_svg_csv_graphml_exports_hold_the_visible_subgraph(browser, live, tmp_path):
    import csv
    import xml.etree.ElementTree as ET
    page, log = open_page(browser, live, f"/explore?focus={KPI}")
    ready(page)
    settle(page)
    ids = sorted(i for i in shown(page) if "\x00" not in i)
    files = {}
    for fmt in ("svg", "csv", "graphml"):
        with page.expect_download() as dl:
            page.click(f"#pg-{fmt}")
        files[fmt] = tmp_path / f"x.{fmt}"
        dl.value.save_as(files[fmt])
    svg = ET.parse(files["svg"]).getroot()
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}circle")) == len(ids)
    rows = list(csv.DictReader(files["csv"].read_text(encoding="utf-8-sig").splitlines()))
    assert sorted(r["id"] for r in rows if r["kind"] == "node") == ids
    graphml = ET.parse(files["graphml"]).getroot()
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    assert sorted(n.get("id") for n in graphml.iter(f"{ns}node")) == ids
    assert len(list(graphml.iter(f"{ns}edge"))) == sum(r["kind"] == "link" for r in rows) > 0
    clean(log)


def test_document_and_body_filters_keep_what_links_to_them(browser, live, client):
    page, log = open_page(browser, live, f"/explore?focus={KPI}")
    ready(page)
    settle(page)
    api = client.get(f"/api/node/{KPI}").json()
    for select, cls in (("#pg-body", "Body"), ("#pg-document", "PolicyDocument")):
        choice = sorted(n["id"] for g in api["groups"] for n in g["nodes"] if n["cls"] == cls)[0]
        page.select_option(select, choice)
        kept = set(shown(page))
        assert choice in kept and KPI in kept
        edges = page.evaluate("() => pgexplore.edges.get().map(e => [e.from, e.to])")
        linked = {a for a, b in edges if b == choice} | {b for a, b in edges if a == choice}
        assert kept <= linked | {choice, KPI} and len(kept) < len(set(page.evaluate("() => pgexplore.nodes.getIds()")))
        assert f"{select[4:]}={choice}" in page.url
        page.select_option(select, "")
    clean(log)
