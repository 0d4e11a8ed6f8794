"""`policygraph viz trace`: the explorer as one offline file, opened on the chain of one directive or
document (views.explore.trace_file; the same explore.js as /explore). What the old trace page's tests
asked of it, asked of the new file: every record of the trace is there, KPIs are marked by attainment,
labels stay text, nothing is fetched; and the panel's links to the web app's pages do not go nowhere."""
import json
import re

import pytest

from policygraph.cli.app import app
from policygraph.query.sparql import QueryLibrary
from policygraph.query.trace import trace
from policygraph.store.engines import RdflibEngine
from policygraph.views.explore import trace_file
from policygraph.views.viz import ATTAINMENT_STYLE, trace_ids, write_page
from policygraph.views.viz_browser import instrumented_page
from tests.views.test_viz import with_attainment
from tests.views.test_viz_xss import XSS_1, XSS_2, XSS_3, XSS_HREF, hostile_graph

DOC = "doc-future-investment-2017"
KPI = "kpi-cloud-municipalities"


def embedded(path) -> dict:
    html = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'id="pg-explore-data">(.*?)</script>', html, re.DOTALL).group(1))


def ready(page):
    page.wait_for_function("() => window.pgexplore && window.pgexplore.ready.done", timeout=30000)
    page.wait_for_timeout(300)


@pytest.fixture(scope="module")
def trace_out(tmp_path_factory, store_dir):
    from tests.conftest import StoreRunner
    out = tmp_path_factory.mktemp("trace") / "trace.html"
    result = StoreRunner(store_dir).invoke(app, ["viz", "trace", "未来投資戦略2017", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout and f"chain of {DOC}" in result.stdout
    return out


def test_the_file_holds_the_trace_chain_and_each_records_links(trace_out, engine, project):
    library = QueryLibrary(project.query_dirs)
    result = trace(engine, library, "未来投資戦略2017")
    data = embedded(trace_out)
    assert data["focus"] == DOC and data["layout"] == "chain"
    assert data["chain"]["nodes"] == trace_ids(result)          # every record the trace reaches, once
    assert KPI in data["chain"]["nodes"] and len(data["chain"]["nodes"]) > 30
    assert set(data["nodes"]) == set(data["fragments"]) == set(trace_ids(result))
    # each link of the chain is a link of the graph, as /api/node lists it at one of its ends
    from policygraph.views.records import node_links
    links = data["chain"]["links"]
    assert len(links) == len(trace_ids(result)) - 1            # a tree on the corpus: the root and one link per record
    for s, p, o in links:
        out = [n["id"] for g in node_links(engine, library, s, 1000)["groups"]
               if g["predicate"] == p and g["direction"] == "out" for n in g["nodes"]]
        assert o in out, (s, p, o)
    assert data["nodes"][KPI] == node_links(engine, library, KPI)
    # the coverage map is there too
    assert 'id="pg-coverage"' in trace_out.read_text(encoding="utf-8")


def test_the_file_opens_on_the_chain_left_to_right_offline(browser, trace_out):
    data = embedded(trace_out)
    page, log = instrumented_page(browser)
    page.goto(trace_out.as_uri(), wait_until="load")
    ready(page)
    assert sorted(page.evaluate("() => pgexplore.view.getIds()")) == sorted(data["chain"]["nodes"])
    assert page.evaluate("() => pgexplore.edgeView.length") == len(data["chain"]["links"])
    assert page.evaluate("() => pgexplore.state().layout") == "chain"
    x = page.evaluate("ids => { const p = pgexplore.network.getPositions(ids); return ids.map(i => p[i].x); }",
                      [DOC, "dir-future-investment-2017-cloud", "ri-15", KPI, "obs-cloud-municipalities-2015-04-01-briefing"])
    assert x == sorted(x) and len(set(x)) == 5                 # document → directive → item → KPI → value
    # legible at the default zoom: 14 px labels drawn at ≥ 0.85
    assert page.evaluate("() => 14 * pgexplore.network.getScale()") >= 11
    assert page.locator("#pg-panel-title").text_content() == "未来投資戦略2017"
    # a click expands a record from the embedded answers
    page.evaluate("id => pgexplore.expand(id)", KPI)
    page.wait_for_function("id => pgexplore.state().expanded.includes(id)", arg=KPI)
    assert len(page.evaluate("() => pgexplore.view.getIds()")) > len(data["chain"]["nodes"])
    assert all(u.startswith(("file://", "data:")) for u in log["requests"]), log["requests"]
    assert log["page_errors"] == [] and log["console_errors"] == [] and log["dialogs"] == []


def test_panel_links_open_embedded_records_or_are_plain_text(browser, trace_out):
    """Defect: the embedded panel's /id/…, /explore?…, /trace/… and /source/… links went nowhere offline."""
    data = embedded(trace_out)
    assert any('href="/id/' in f for f in data["fragments"].values())   # what the served panel links to
    page, log = instrumented_page(browser)
    page.goto(trace_out.as_uri(), wait_until="load")
    ready(page)
    page.evaluate("id => pgexplore.start(id)", KPI)
    page.wait_for_selector("#pg-panel blockquote.pg-quote")
    hrefs = page.eval_on_selector_all("#pg-panel a", "as => as.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith("#focus=") and h[len("#focus="):] in data["nodes"] for h in hrefs), hrefs
    assert page.locator("#pg-panel .pg-inert").count() > 0         # Turtle, JSON-LD, file:line … as text
    # the coverage map's document bands: a link only for a document the file holds, every band drawn
    html = trace_out.read_text(encoding="utf-8")
    assert html.count('class="pg-band"') > 1
    bands = page.eval_on_selector_all("#pg-coverage-box a", "as => as.map(a => a.getAttribute('href'))")
    assert bands == [f"#focus={DOC}&layout=chain"]
    assert page.locator("#pg-coverage-box svg rect").count() == html.count("<rect ")
    target = page.eval_on_selector("#pg-panel a.pg-local", "a => a.getAttribute('href')")[len("#focus="):]
    page.click("#pg-panel a.pg-local")
    page.wait_for_function("id => pgexplore.state().focus === id", arg=target)
    assert all(u.startswith(("file://", "data:")) for u in log["requests"]), log["requests"]
    assert log["page_errors"] == [] and log["console_errors"] == []


def test_kpis_are_marked_by_attainment(browser, graph, project, tmp_path):
    statuses = {"kpi-cloud-municipalities": "achieved", "kpi-15-spending-efficiency": "no_data",
                "kpi-local-system-operating-cost": "missed"}
    g = with_attainment(graph, statuses)
    engine = RdflibEngine(g)
    library = QueryLibrary(project.query_dirs)
    html, data = trace_file(engine, library, project, trace(engine, library, "未来投資戦略2017"))
    for kpi, status in statuses.items():
        assert data["nodes"][kpi]["status"] == status
    path = write_page(tmp_path / "t.html", html)
    page, log = instrumented_page(browser)
    page.goto(path.as_uri(), wait_until="load")
    ready(page)
    drawn = page.evaluate("ids => pgexplore.nodes.get(ids).map(n => [n.id, n.color.border, n.borderWidth])", list(statuses))
    assert {i: (c, w) for i, c, w in drawn} == {k: (ATTAINMENT_STYLE[s][0], 4) for k, s in statuses.items()}
    # the status filter keeps the KPIs of that status (and what is not a KPI)
    page.select_option("#pg-status", "missed")
    kpis = page.evaluate("() => pgexplore.view.get().filter(n => n.cls === 'KPI').map(n => n.id)")
    assert kpis == ["kpi-local-system-operating-cost"]


def test_hostile_labels_in_the_trace_file_stay_text(browser, project, tmp_path):
    g = hostile_graph(project)
    engine = RdflibEngine(g)
    library = QueryLibrary(project.query_dirs)
    html, data = trace_file(engine, library, project, trace(engine, library, "doc-x"))
    assert len(data["chain"]["nodes"]) >= 5
    path = write_page(tmp_path / "x.html", html)
    page, log = instrumented_page(browser)
    page.goto(path.as_uri(), wait_until="load")
    ready(page)
    for rid in page.evaluate("() => pgexplore.view.getIds()"):
        page.evaluate("id => pgexplore.start(id)", rid)
        page.wait_for_timeout(150)
        assert page.eval_on_selector_all("#pg-panel a", "as => as.filter(a => !a.getAttribute('href').startsWith('#focus=')).length") == 0
    text = page.inner_text("body")
    assert any(x in text for x in (XSS_1, XSS_2, XSS_3, XSS_HREF))    # shown, as text
    assert page.evaluate("() => typeof window.__xss") == "undefined" and page.evaluate("() => window.__xss_log") == []
    dom = page.evaluate("""() => ({imgs: document.querySelectorAll('img').length,
        scripts: document.querySelectorAll('script:not([type])').length,
        handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length})""")
    assert dom == {"imgs": 0, "scripts": 2, "handlers": 0}
    assert all(u.startswith(("file://", "data:")) for u in log["requests"]), log["requests"]
    assert log["page_errors"] == [] and log["dialogs"] == []


def test_node_links_many_answers_as_node_links_one_by_one(engine, project):
    """`viz trace` reads its records' links in batches (node-link-counts-batch, node-links-batch); each
    answer equals /api/node's (`node_links`), for every record of the corpus, a hub included, and at a
    limit small enough that some records take the page-by-page path."""
    from policygraph.views import records
    library = QueryLibrary(project.query_dirs)
    ids = sorted(records.classes(engine, library))
    assert len(ids) > 500
    for limit in (25, 3):
        many = records.node_links_many(engine, library, ids + ["no-such-record"], limit)
        assert list(many) == ids                                  # unknown ids are left out
        for rid in ids:
            assert many[rid] == records.node_links(engine, library, rid, limit), (limit, rid)
