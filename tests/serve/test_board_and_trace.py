"""Issue 23, points 2 and 3: a readable KPI board (curated columns with ja/en headings, one status column
with its basis, bodies, a sparkline, a column chooser, no sideways scroll at 1,280 and 400 px) and the
trace as a table in the web app (directive → item → steps → KPI → values with quotes and source lines,
its downloads, one search box, usable at 400 px)."""
import csv
import html
import io
import re

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from policygraph.serve import board, pages
from policygraph.serve.app import CSP

KPI = "kpi-cloud-municipalities"
DOCUMENT = "doc-future-investment-2017"
DIRECTIVE = "dir-future-investment-2017-cloud"
PHRASE = "業務の共通化・標準化等を行いつつ"


def board_rows(text: str) -> dict[str, dict[str, str]]:
    """The board's rows by KPI id: each cell's HTML by column key (pg-td-<key>)."""
    body = text.split('id="pg-kpis"', 1)[1].split("</tbody>", 1)[0].split("<tbody>", 1)[1]
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = dict(re.findall(r'<td class="pg-td-([A-Za-z]+)"[^>]*>(.*?)</td>', tr, re.S))
        rid = re.search(r'href="/id/([a-z0-9-]+)" class="pg-kpi-label"', cells["label"]).group(1)
        rows[rid] = cells
    return rows


@pytest.fixture(scope="module")
def status_rows(client):
    return {r["kpi"]: r for r in client.get("/kpis.json", params={"_shape": "array"}).json()}


# ------------------------------------------------------------------------------------------ the board
def test_the_board_has_the_curated_columns_with_japanese_and_english_headings(client, status_rows):
    text = client.get("/kpis").text
    head = text.split('id="pg-kpis"', 1)[1].split("</thead>", 1)[0]
    headings = re.findall(r'<th scope="col" class="pg-th-([A-Za-z]+)">(.*?)</th>', head)
    assert [key for key, _ in headings] == [c.key for c in board.CURATED]
    for c, (_, shown) in zip(board.CURATED, headings):
        heading = f'{escape(c.ja)} <span class="pg-en" lang="en">{escape(c.en)}</span>'
        # a sortable column's heading is a link that sorts by the kpi-status column its cell leads with
        assert shown == heading or re.fullmatch(f'<a href="/kpis\\?_sort=[A-Za-z]+" class="pg-sort">{re.escape(heading)}</a>',
                                                shown), shown
    assert head.count('class="pg-sort"') >= 6
    for raw in ("statusLabel", "latestWhen", "gradeDocument", "asOf"):  # no SPARQL names as headings
        assert f">{raw}<" not in head
    assert len(board_rows(text)) == len(status_rows)


def test_one_status_column_showing_the_basis_of_each_status(client, status_rows):
    rows = board_rows(client.get("/kpis", params={"_size": 1000}).text)
    assert rows.keys() == status_rows.keys()
    for rid, cells in rows.items():
        whole = "".join(cells.values())
        assert whole.count('class="pg-status pg-status-') == 1, rid  # once per row (was three times)
        expected = status_rows[rid]
        assert f'class="pg-status pg-status-{expected["status"] or "unknown"}"' in cells["status"]
        if expected["rule"]:
            assert str(escape(expected["rule"])) in cells["status"], rid  # value, date, target: the rule
        if expected["asOf"]:
            assert expected["asOf"] in cells["status"]
    systems = html.unescape(rows["kpi-14-government-systems"]["status"])
    assert "未検証" in systems and "1117 (2017-03-31)" in systems and "730 日前" in systems and "→ 556" in systems
    achieved = html.unescape(rows["kpi-11-back-office-consolidation"]["status"])
    assert "達成" in achieved and "413 (2017-04-30) meets ≥ 286 by 2021-03-31" in achieved
    cloud = rows[KPI]
    assert "1,067 団体" in cloud["latest"] and status_rows[KPI]["latestWhen"] in cloud["latest"]
    assert status_rows[KPI]["deadline"] in cloud["deadline"]
    assert status_rows[KPI]["targetText"] in html.unescape(cloud["target"])
    assert 'href="/id/body-mic-regional-vitalization"' in cloud["bodies"]
    grade = rows["kpi-11-back-office-consolidation"]["grade"]
    assert '<strong class="pg-grade">A</strong> 2017-12-31' in grade


def test_a_sparkline_for_every_kpi_with_values_from_one_batched_read(client, engine, project, status_rows):
    series = pages.sparkline_series(engine, project.query_dirs, list(status_rows))
    rows = board_rows(client.get("/kpis", params={"_size": 1000}).text)
    drawn = {rid for rid, cells in rows.items() if '<svg width="90" height="22" class="pg-spark"' in cells["trend"]}
    assert drawn == {rid for rid, values in series.items() if len(values) >= 2} and len(drawn) >= 5
    # its values as text, in order: the totals only (the sub-series 211 / 339 of FY2014 were joined in)
    assert "<title>550 → 728 → 842" in rows[KPI]["trend"] and "211" not in rows[KPI]["trend"]
    assert "<polyline points=" in rows[KPI]["trend"] and "style=" not in rows[KPI]["trend"]


def test_the_board_reads_the_same_number_of_queries_for_a_page_of_5_or_of_every_kpi(engine, project):
    """The page's sparklines and bodies are one VALUES batch each, not a query per row."""
    asked = []

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def run(self, query, *args, **kwargs):
            asked.append(query)
            return self.inner.run(query, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    counts = []
    for size in (5, 1000):
        asked.clear()
        kpis = [r["kpi"] for r in pages.named_rows(engine, project.query_dirs, "kpi-status", {}).rows][:size]
        spark, bodies = pages.kpi_extras(Counting(engine), project.query_dirs, kpis)  # the page's rows: SQLite
        counts.append(len(asked))
        assert len(kpis) == min(size, len(kpis)) and bodies and spark
    assert counts[0] == counts[1] <= 2


def test_the_column_chooser_adds_and_removes_columns_and_keeps_the_filter(client):
    text = client.get("/kpis", params={"_col": ["tier", "rule"], "status": "achieved", "_size": 2}).text
    head = text.split('id="pg-kpis"', 1)[1].split("</thead>", 1)[0]
    assert re.findall(r'class="pg-th-([A-Za-z]+)"', head) == ["label", "tier", "rule"]
    assert 'class="pg-spark"' not in text
    assert '<input type="hidden" name="status" value="achieved">' in text  # the form keeps the filter
    assert re.search(r'<input type="checkbox" name="_col" value="rule" checked>', text)
    assert re.search(r'<input type="checkbox" name="_col" value="grade">', text)  # offered, not shown
    nxt = re.search(r'href="([^"]*)" rel="next"', text).group(1)
    assert "_col=tier" in html.unescape(nxt) and "status=achieved" in html.unescape(nxt)
    hidden = client.get("/kpis", params={"_nocol": "trend,bodies"}).text
    head = hidden.split('id="pg-kpis"', 1)[1].split("</thead>", 1)[0]
    assert "pg-th-trend" not in head and "pg-th-bodies" not in head and "pg-th-status" in head
    assert "pg-th-label" in client.get("/kpis", params={"_nocol": "label"}).text  # always shown
    every = len(board.COLUMNS)
    assert client.get("/kpis", params={"_col": list(board.COLUMNS)}).text.count('<th scope="col"') == every
    assert client.get("/kpis", params={"_col": "<script>"}).text.count('<th scope="col"') == len(board.CURATED)


def test_the_board_downloads_are_unchanged(client, status_rows):
    body = client.get("/kpis.csv").content.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(body)))) == len(status_rows)
    assert "statusLabel" in body.splitlines()[0]  # every kpi-status column, whatever the page shows


# ------------------------------------------------------------------------------------------ the trace
def trace_rows(text: str) -> list[tuple[str, str, str]]:
    """(kind, row id or "", row HTML) of the trace table, in order."""
    body = text.split('id="pg-trace"', 1)[1].split("</tbody>", 1)[0]
    return [(kind, rid or "", row) for kind, rid, row in
            re.findall(r'<tr class="pg-trace-([a-z_]+) pg-level-\d"(?: id="t-([^"]+)")?>(.*?)</tr>', body, re.S)]


def test_the_trace_page_is_the_cli_trace_as_a_table_with_quotes_and_source_lines(client, engine, project):
    from policygraph.query.sparql import QueryLibrary
    r = client.get(f"/trace/{DOCUMENT}")
    assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
    rows = trace_rows(r.text)
    kinds = [k for k, _, _ in rows]
    ids = [rid for _, rid, _ in rows]
    at = {name: ids.index(name) for name in (DIRECTIVE, "ri-15", KPI)}
    assert at[DIRECTIVE] < at["ri-15"] < at[KPI]  # directive → reform item → KPI
    assert "step" in kinds[at["ri-15"]:at[KPI]]  # the item's schedule steps before its KPIs
    values = [row for kind, _, row in rows[at[KPI] + 1:] if kind in ("baselines", "targets", "observations")]
    assert any("1,067 団体" in row for row in values)
    directive = html.unescape(rows[at[DIRECTIVE]][2])
    assert PHRASE in directive and 'href="/source/src-001?quote=' in directive and "001_c69d71386cb92e10.txt:" in directive
    for kind, rid, row in rows:
        if kind != "kpi" and 'class="pg-src"><a href="#t-' not in row:  # shown in full: its quote and source
            assert '<blockquote class="pg-quote">' in row and 'class="pg-source-link"' in row, (kind, rid)
    assert 'class="pg-status pg-status-achieved"' in rows[at[KPI]][2]
    # the KPI row's date is the date its status is judged as of, said so (not read as a value's date)
    judged = engine.run(QueryLibrary(project.query_dirs).get("kpi-status"))
    as_of = {str(r["kpi"]).rsplit("/", 1)[1]: r.get("asOf") for r in judged}[KPI]
    assert as_of and f'{as_of} 時点の判定 <span lang="en">status as of this date</span>' in rows[at[KPI]][2]
    # every KPI the trace reaches, once in full
    from policygraph.query.trace import kpis_reached, trace
    reached = kpis_reached(trace(engine, QueryLibrary(project.query_dirs), DOCUMENT))
    assert {rid for kind, rid, _ in rows if kind == "kpi" and rid} == set(reached)


def test_the_trace_page_links_its_downloads_and_they_work(client):
    text = client.get(f"/trace/{DOCUMENT}").text
    links = dict(re.findall(r'<a href="([^"]+)" class="pg-download-([a-z]+)">', text))
    assert set(links.values()) == {"csv", "xlsx", "json", "jsonl"}
    by_fmt = {fmt: url for url, fmt in links.items()}
    body = client.get(by_fmt["csv"])
    assert body.status_code == 200 and body.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.content.decode("utf-8-sig"))))
    assert any(r["kpi"] == KPI and r["directive"] == DIRECTIVE for r in rows)
    book = load_workbook(io.BytesIO(client.get(by_fmt["xlsx"]).content))
    assert book.sheetnames[0] == "目次" and book.worksheets[1].max_row == len(rows) + 1


def test_the_trace_page_has_one_search_box_and_links_to_the_explorer(client):
    text = client.get(f"/trace/{DOCUMENT}").text
    assert text.count('type="search"') == 1 and 'action="/search"' in text
    explore = html.unescape(re.search(r'<a class="pg-explore" href="([^"]+)">グラフで見る', text).group(1))
    assert explore.startswith(f"/explore?focus={DOCUMENT}&expand=") and DIRECTIVE in explore
    assert explore.endswith("layout=chain")


@pytest.mark.parametrize("target, expect", [(KPI, "What mandates and reports it"),
                                            ("body-mic-regional-vitalization", "Responsible for"),
                                            ("ri-15", "What mandates and reports it")])
def test_every_kind_of_trace_target_gets_its_page(client, target, expect):
    r = client.get(f"/trace/{target}")
    assert r.status_code == 200 and expect in r.text
    shown = {rid for kind, rid, _ in trace_rows(r.text) if kind == "kpi" and rid}
    assert shown
    # and its download has the same KPIs (a KPI or body trace downloaded no rows)
    assert {row["kpi"] for row in client.get(f"/trace/{target}.json", params={"_shape": "array"}).json()} == shown


def test_trace_rows_follow_the_cli_order_and_mark_a_repeat():
    result = {"root": {"id": "doc-x", "type": "PolicyDocument", "label": "x"}, "directives": [
        {"id": f"dir-{n}", "label": n, "kind": "k", "number": None, "part_of": None, "evidence": [],
         "progress": [], "empty_boxes": [], "reform_items": [
             {"id": "ri-1", "number": "①", "label": "item", "label_en": "", "bodies": [], "evidence": [],
              "steps": [], "kpis": []}]} for n in ("a", "b")]}
    rows = pages.trace_rows(result)
    assert [(r["kind"], r["id"], r["again"], r["level"]) for r in rows] == [
        ("directive", "dir-a", False, 0), ("item", "ri-1", False, 1), ("directive", "dir-b", False, 0),
        ("item", "ri-1", True, 1)]
    assert rows[1]["gap"].startswith("KPIなし") and rows[3]["gap"] == ""


# ------------------------------------------------------------------------------------------ in chromium
def no_sideways_scroll(page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("width", [1280, 400])
def test_the_board_fits_the_window(browser, live, width):
    from tests.serve.test_serve_browser import clean, open_page
    page, log = open_page(browser, live, "/kpis")
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(100)
    scroll, inner = no_sideways_scroll(page)
    assert scroll <= inner, (width, scroll)
    label = page.locator(f"#pg-kpis td.pg-td-label:has(a[href='/id/{KPI}'])")
    if width == 1280:  # the label column is the widest, not squeezed to two characters
        assert label.bounding_box()["width"] >= 200
        assert page.locator("#pg-kpis thead th").first.is_visible()
        page.screenshot(path="test-artifacts/serve-board-1280.png")
    else:  # a card per KPI: every cell full width with its heading
        assert page.evaluate("() => getComputedStyle(document.querySelector('#pg-kpis td')).display") == "block"
        assert label.bounding_box()["width"] >= 300
        page.screenshot(path="test-artifacts/serve-board-400.png", full_page=False)
    assert page.locator("#pg-kpis svg.pg-spark").count() >= 5
    clean(log)


def test_the_column_chooser_works_without_script(browser, live):
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = ctx.new_page()
        page.goto(live.url + "/kpis?status=achieved", wait_until="load")
        page.click("details.pg-columns summary")
        page.check("input[name=_col][value=rule]")
        page.uncheck("input[name=_col][value=trend]")
        page.click("details.pg-columns button[type=submit]")
        page.wait_for_load_state("load")
        assert "status=achieved" in page.url and "_col=rule" in page.url and "_col=trend" not in page.url
        assert page.locator("#pg-kpis thead th.pg-th-rule").count() == 1
        assert page.locator("#pg-kpis thead th.pg-th-trend").count() == 0
        rows = page.locator("#pg-kpis tbody tr").count()
        assert rows > 0 and page.locator("#pg-kpis td.pg-td-status .pg-status-achieved").count() == rows
    finally:
        ctx.close()


@pytest.mark.parametrize("width", [400, 1280])
def test_the_trace_page_fits_the_window(browser, live, width):
    from tests.serve.test_serve_browser import clean, open_page
    page, log = open_page(browser, live, f"/trace/{DOCUMENT}")
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(100)
    scroll, inner = no_sideways_scroll(page)
    assert scroll <= inner, (width, scroll)
    assert page.locator("#pg-trace tbody tr").count() > 20
    assert page.locator("input[type=search]").count() == 1
    page.screenshot(path=f"test-artifacts/serve-trace-{width}.png")
    clean(log)


def test_the_trace_pages_graph_link_opens_the_explorer_on_the_chain(browser, live):
    from tests.serve.test_serve_browser import clean, open_page
    page, log = open_page(browser, live, f"/trace/{DOCUMENT}")
    page.click("a.pg-explore >> text=グラフで見る")
    page.wait_for_function("() => window.pgexplore && pgexplore.ready.done", timeout=60000)
    shown = page.evaluate("() => pgexplore.nodes.getIds()")
    assert DOCUMENT in shown and DIRECTIVE in shown and "ri-15" in shown  # the chain, expanded
    assert page.evaluate("() => pgexplore.state().layout") == "chain"
    clean(log)
