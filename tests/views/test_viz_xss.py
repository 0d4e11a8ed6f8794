"""Hostile labels, ids, titles and quotes must not execute in a real browser (Debian Chromium).

A fixture graph puts `<img src=x onerror=…>` and `"><script>…</script>` payloads into every string a
page shows: node ids, Japanese and English labels, quotes, readings, locators, body and document
names, dates, the attainment notation, gap rows. Each view is opened, every node hovered (the
tooltip path pyvis turns into innerHTML when a title contains "href") and clicked, the panel's
links and the search used; a probe records any assignment to window.__xss. A negative control shows
the probe catches the same payloads in pyvis' stock template.
"""
from collections import namedtuple

import pytest
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import PROV, SKOS

from policygraph.graph.convert import PG, PGR, load_ontology
from policygraph.query.sparql import QueryLibrary
from policygraph.store.engines import RdflibEngine
from policygraph.query.trace import trace
from policygraph.views.viz import gaps_view, graph_view, render_page, trace_view, write_page
from policygraph.views.viz_browser import instrumented_page, node_screen_xy, open_view
from policygraph.views.viz_model import RecordGraph

XSS_1 = "<img src=x onerror=window.__xss=1>"
XSS_2 = '"><script>window.__xss=2</script>'
XSS_3 = "</script><script>window.__xss=3</script>"
XSS_HREF = '<a href="javascript:window.__xss=4">x</a><img src=x onerror=window.__xss=5>'
GapRow = namedtuple("GapRow", "kind title node label document quote")


def hostile_graph(project):
    from rdflib.namespace import (
        XSD,  # imported here: pytest's collector trips over XSD at module level
    )
    g = load_ontology(project.ontology)
    doc, src = PGR["doc-x"], PGR["src-x"]
    directive = URIRef(str(PGR) + "dir-" + XSS_2)           # a hostile IRI / node id
    item, kpi, body = PGR["ri-x"], PGR["kpi-x"], PGR["body-x"]
    obs, obs2, target = PGR["obs-x-1"], PGR["obs-x-2"], PGR["tg-x"]

    def record(node, cls, ja, en, rid):
        g.add((node, RDF.type, PG[cls]))
        g.add((node, PG.identifier, Literal(rid)))
        g.add((node, RDFS.label, Literal(ja, lang="ja")))
        g.add((node, RDFS.label, Literal(en, lang="en")))

    def evidence(node, quote):
        ex = URIRef(f"{node}/evidence/1")
        g.add((node, PG.hasEvidence, ex))
        g.add((ex, RDF.type, PG.SourceExcerpt))
        g.add((ex, PROV.wasQuotedFrom, src))
        g.add((ex, PG.locator, Literal(XSS_2)))
        g.add((ex, PG.quote, Literal(quote)))
        g.add((ex, PG.reading, Literal(XSS_3)))

    record(src, "SourceText", XSS_1, XSS_2, "src-x")
    g.add((src, PG.fileName, Literal(XSS_3)))
    record(doc, "PolicyDocument", XSS_1, XSS_HREF, "doc-x")
    g.add((doc, PG.hasDirective, directive))
    record(directive, "Directive", XSS_2, XSS_HREF, "dir-" + XSS_2)
    g.add((directive, PG.statedIn, doc))
    g.add((directive, PG.directiveKind, PG.CabinetDecision))
    g.add((directive, PG.isCarriedBy, item))
    g.add((directive, PG.text, Literal(XSS_HREF)))
    evidence(directive, XSS_1 + XSS_2)
    record(item, "ReformItem", XSS_3, XSS_1, "ri-x")
    g.add((item, PG.measuredBy, kpi))
    g.add((item, PG.responsibleBody, body))
    g.add((item, PG.number, Literal(XSS_2)))
    record(body, "Body", XSS_HREF, XSS_2, "body-x")
    record(kpi, "KPI", XSS_1, XSS_HREF, "kpi-x")
    g.add((kpi, PG.responsibleBody, body))
    evidence(kpi, XSS_HREF)
    status = URIRef(str(PG) + "attainment-x")
    g.add((kpi, PG.attainment, status))
    g.add((status, SKOS.notation, Literal(XSS_2)))
    for node, prop, value, date, cls in ((obs, PG.hasObservation, 5, "2016-04-01", "Observation"),
                                         (obs2, PG.hasObservation, 7, "2017-04-01", "Observation"),
                                         (target, PG.hasTarget, 10, "2018-03-31", "Target")):
        record(node, cls, XSS_2 + " 実績", XSS_1, str(node).rsplit("/", 1)[-1])
        g.add((kpi, prop, node))
        g.add((node, PG.value, Literal(value, datatype=XSD.decimal)))
        g.add((node, PG.referenceDate if cls == "Observation" else PG.deadline, Literal(date, datatype=XSD.date)))
        g.add((node, PG.dateText, Literal(XSS_1)))
        g.add((node, PG.valueText, Literal(XSS_HREF)))
        g.add((node, PG.reportedIn, doc))
        if cls == "Observation":
            g.add((node, PG.observationStatus, PG.Preliminary))
        evidence(node, XSS_2)
    # the build's reasoning stage (pg:reaches links the trace queries walk); not its attainment
    # stage, which would replace the hostile attainment notation above
    from policygraph.graph import reason
    reason.materialise(None, g)
    return g


@pytest.fixture(scope="module")
def pages(tmp_path_factory, project):
    g = hostile_graph(project)
    rg = RecordGraph(g)
    result = trace(RdflibEngine(g), QueryLibrary(project.query_dirs), "doc-x")
    rows = [GapRow(XSS_1, XSS_2, str(PGR["kpi-x"]), XSS_HREF, XSS_3, XSS_1),
            GapRow(XSS_2, XSS_HREF, "urn:" + XSS_1, XSS_1, XSS_2, XSS_3)]
    out = tmp_path_factory.mktemp("xss")
    views = {"graph": graph_view(rg), "trace": trace_view(rg, result), "gaps": gaps_view(rg, rows)}
    for v in views.values():
        v.title = v.title + " " + XSS_2 + XSS_1
    return {name: write_page(out / f"{name}.html", render_page(v, project)) for name, v in views.items()}


def exercise(page, log):
    """Hover every node long enough for its tooltip, click it, follow panel links, search."""
    ids = page.evaluate("() => pgviz.nodes.getIds()")
    assert len(ids) >= 7
    for nid in ids:
        page.evaluate("() => pgviz.network.fit({animation: false})")
        x, y = node_screen_xy(page, nid)
        page.mouse.move(x, y)
        page.wait_for_timeout(320)  # tooltipDelay is 150 ms
        tip = page.evaluate("""() => { const t = document.querySelector('div.vis-tooltip');
            return t && t.style.visibility !== 'hidden' ?
              {text: t.textContent, tags: [...t.querySelectorAll('*')].map(e => e.tagName)} : null; }""")
        if tip is not None:
            assert tip["tags"] == ["DIV"], tip  # our text-only element, never parsed HTML
        page.mouse.click(x, y)
        page.wait_for_selector("#pg-panel:not([hidden])")
        assert page.evaluate("() => pgviz.network.getSelectedNodes()") == [nid]
        for _ in range(2):  # follow a link in the panel (it re-renders the panel)
            links = page.locator("#pg-panel button.link")
            if links.count():
                links.first.click()
        page.mouse.move(5, 5)
    for q in (XSS_1, XSS_2, "x"):
        page.fill("#pg-search", q)
        page.press("#pg-search", "Enter")
    for button in page.locator("#pg-gaps button").all():
        button.click()
    return ids


def assert_inert(page, log):
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.evaluate("() => window.__xss_log") == []
    assert log["dialogs"] == [] and log["page_errors"] == []
    assert log["console_errors"] == []  # not even a CSP refusal: no injected script reached the parser
    assert all(u.startswith("file://") for u in log["requests"])
    dom = page.evaluate("""() => ({
        imgs: document.querySelectorAll('img').length,
        scripts: document.querySelectorAll('script:not([type])').length,
        handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(
                    a => a.name.startsWith('on'))).length,
        anchors: document.querySelectorAll('a').length})""")
    assert dom == {"imgs": 0, "scripts": 2, "handlers": 0, "anchors": 0}


@pytest.mark.parametrize("name", ["graph", "trace", "gaps"])
def test_hostile_strings_do_not_execute(browser, pages, name):
    page, log = instrumented_page(browser)
    open_view(page, pages[name])
    title = page.locator("#pg-title").text_content()
    assert XSS_2 in title and XSS_1 in title  # shown as text
    exercise(page, log)
    panel_text = page.locator("#pg-panel").text_content()
    assert "window.__xss" in panel_text  # the payloads are displayed, as text
    assert_inert(page, log)


def test_quotes_and_chart_show_payloads_as_text(browser, pages):
    page, log = instrumented_page(browser)
    open_view(page, pages["graph"])
    page.evaluate("() => pgviz.focusNode('kpi-x')")
    assert page.locator("#pg-panel h2").text_content() == XSS_1
    assert page.locator("#pg-panel blockquote.quote").all_text_contents() == [XSS_HREF]
    assert page.locator("#pg-chart circle.pg-prelim").count() == 2
    titles = " ".join(page.locator("#pg-chart circle title").all_text_contents())
    assert XSS_1 in titles  # the payloads shown as text in the chart's tooltips (the server's escaped SVG)
    assert "attainment: " + XSS_2 in page.locator("#pg-panel .cls").text_content()
    assert_inert(page, log)


def test_probe_catches_the_same_payloads_in_stock_pyvis(browser, tmp_path):
    """Negative control: pyvis 0.3.2's own template with its select menu runs the payloads."""
    from pyvis.network import Network
    net = Network(directed=True, cdn_resources="in_line", select_menu=True)
    net.add_node(XSS_1, label=XSS_2, title=XSS_HREF)
    net.add_node(XSS_2, label=XSS_1, title=XSS_2)
    net.add_edge(XSS_1, XSS_2)
    path = tmp_path / "stock.html"
    path.write_text(net.generate_html(), encoding="utf-8")
    page, log = instrumented_page(browser)
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__xss_log") != []
