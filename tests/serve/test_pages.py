"""The audit pages: overview, node pages (HTML, Turtle, JSON-LD), trace, KPI board, gaps, search, downloads."""
import io
import re
import pytest
from openpyxl import load_workbook

from policygraph.serve.app import CSP
from policygraph.views.tables import short_sheet_name
from rdflib import Graph, URIRef

KPI = "kpi-cloud-municipalities"
IRI = f"https://w3id.org/policygraph/id/{KPI}"
DIRECTIVE = "dir-honebuto-2017-cloud"


@pytest.mark.parametrize("path", ["/", f"/id/{KPI}", "/kpis", "/gaps", "/search?q=クラウド", "/queries"])
def test_pages_are_html_with_a_strict_csp(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert 'name="q"' in r.text  # the search box on every page
    assert "<script>" not in r.text and " style=" not in r.text


def test_overview_counts_sources_gaps_and_attainment(client):
    text = client.get("/").text
    for heading in ("Records by class", "Sources and verified quotes", "Gaps by kind", "By responsible body",
                    "By document"):
        assert heading in text
    assert "<td>KPI</td><td>39</td>" in text
    assert text.count("<svg") > 10


def test_a_kpi_page_shows_quotes_chart_and_grades(client):
    text = client.get(f"/id/{KPI}").text
    assert "クラウド導入市区町村数" in text and "Number of municipalities that have adopted cloud" in text
    assert "<blockquote class=\"pg-quote\">" in text and "550団体" in text
    assert 'id="pg-kpi-chart"' in text and "pg-pt-final" in text and "pg-pt-target" in text
    assert "assessment" in text  # its published grade
    assert IRI in text


def test_preliminary_and_projected_values_are_drawn_differently(client):
    preliminary = client.get("/sparql", params={"query": "SELECT DISTINCT ?k WHERE { ?k pg:hasObservation ?o . "
                             "?o pg:observationStatus/skos:notation 'preliminary' } LIMIT 1"}).json()
    kpi = preliminary["results"]["bindings"][0]["k"]["value"].rsplit("/", 1)[-1]
    assert "pg-pt-preliminary" in client.get(f"/id/{kpi}").text
    projected = client.get("/sparql", params={"query": "SELECT DISTINCT ?k WHERE { ?k pg:hasProjection ?p . "
                           "?p pg:value ?v } LIMIT 1"}).json()["results"]["bindings"]
    if projected:
        kpi = projected[0]["k"]["value"].rsplit("/", 1)[-1]
        assert "pg-pt-projection" in client.get(f"/id/{kpi}").text


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                         ("application/n-triples", "nt")])
def test_a_node_in_rdf_by_content_negotiation(client, accept, fmt):
    r = client.get(f"/id/{KPI}", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    graph = Graph().parse(data=r.content, format=fmt)
    assert (URIRef(IRI), None, None) in graph
    assert client.get(f"/id/{KPI}", params={"format": "turtle"}).headers["content-type"].startswith("text/turtle")
    # a browser's Accept gets the page
    page = client.get(f"/id/{KPI}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/id/no-such-record", "/id/%3Cscript%3E", "/id/..%2F..%2Fetc"])
def test_unknown_nodes_are_404(client, path):
    assert client.get(path).status_code == 404
    assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404


def test_trace_page_is_an_app_page_with_the_trace_table(client):
    """Was the pyvis view (its own scripts and policy, two search boxes); now the app's layout and policy."""
    r = client.get(f"/trace/{DIRECTIVE}")
    assert r.status_code == 200
    assert 'id="pg-trace"' in r.text and 'data-view="trace"' not in r.text
    assert r.headers["content-security-policy"] == CSP and "<script>" not in r.text
    assert client.get("/trace/no-such-thing").status_code == 400


def test_kpi_board_has_status_and_sparklines(client):
    text = client.get("/kpis").text
    assert 'class="pg-table pg-board pg-stack" id="pg-kpis"' in text
    assert re.search(r'<a href="/kpis\?_sort=label" class="pg-sort">指標', text)  # a sort link in the heading
    assert "pg-status-achieved" in text and "<polyline" in text
    assert f'href="/id/{KPI}"' in text


def test_gaps_link_to_their_nodes(client):
    text = client.get("/gaps").text
    assert "Directives that reach no KPI" in text
    assert 'href="/id/dir-' in text


def test_search_finds_ids_japanese_and_english(client):
    assert f'href="/id/{KPI}"' in client.get("/search", params={"q": "クラウド導入"}).text
    assert f'href="/id/{KPI}"' in client.get("/search", params={"q": "adopted cloud"}).text
    exact = client.get("/search", params={"q": KPI}, follow_redirects=False)
    assert exact.status_code == 303 and exact.headers["location"] == f"/id/{KPI}"
    assert "0 件" in client.get("/search", params={"q": "<script>nothing</script>"}).text


@pytest.mark.parametrize("path, sheet", [("/kpis", "kpi-status"), ("/gaps", "gaps"),
                                         (f"/trace/{DIRECTIVE}", f"trace-{DIRECTIVE}")])
def test_every_table_downloads_as_csv_and_xlsx(client, path, sheet):
    csv_text = client.get(path + ".csv").content.decode("utf-8-sig")
    assert len(csv_text.splitlines()) > 1
    book = load_workbook(io.BytesIO(client.get(path + ".xlsx").content))
    tab = short_sheet_name(sheet, set())
    assert book.sheetnames == ["目次", tab] and book.active.title == tab
    assert book["目次"]["B2"].value == sheet  # the full name, when the tab is shortened
    assert book[tab].max_row == len(csv_text.splitlines()) or book[tab].max_row > 1
    assert isinstance(client.get(path + ".json", params={"_shape": "array"}).json(), list)
    assert set(client.get(path + ".json").json()) >= {"rows", "columns", "truncated", "next", "next_url", "count"}
    assert client.get(path + ".exe").status_code in (400, 404)  # no such format (a trace: no such target)


def test_web_workbook_types_dates_and_keeps_quotes_verbatim(client):
    """The web app's .xlsx is written as the CLI's: xsd:date columns as Excel dates, ids, verbatim quotes."""
    sheet = load_workbook(io.BytesIO(client.get("/kpis.xlsx").content))["kpi-status"]
    head = {c.value: c.column - 1 for c in sheet[1]}
    row = next(r for r in sheet.iter_rows(min_row=2) if r[head["kpi"]].value == KPI)
    assert row[head["deadline"]].is_date and row[head["deadline"]].number_format == "yyyy-mm-dd"
    assert row[head["latestValue"]].value == 1067 and sheet.auto_filter.ref and sheet.freeze_panes == "A2"
    gaps = load_workbook(io.BytesIO(client.get("/gaps.xlsx").content))["gaps"]
    quotes = [r[5] for r in gaps.iter_rows(min_row=2) if str(r[5].value or "").startswith("-")]
    assert quotes and all(c.data_type == "s" and c.quotePrefix for c in quotes)
    assert all(not str(c.value).startswith("'") for c in quotes)


def test_static_files_stay_in_their_folders(client):
    assert client.get("/static/site.js").headers["content-type"].startswith("text/javascript")
    for path in ("/static/../../pyproject.toml", "/static/page.html.j2", "/static/vendor/../../x.js",
                 "/static/%2e%2e/%2e%2e/pyproject.toml"):
        assert client.get(path).status_code == 404, path


def test_the_editor_page_loads_yasgui_from_this_origin(client):
    r = client.get("/query", params={"example": "kpi-history"})
    assert r.status_code == 200
    assert '<script src="/static/vendor/yasgui-4.6.2/yasgui.min.js"></script>' in r.text
    assert '<option value="kpi-history" selected>' in r.text
    assert "connect-src 'self'" in r.headers["content-security-policy"]
    js = client.get("/static/vendor/yasgui-4.6.2/yasgui.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/vendor/yasgui-4.6.2/LICENSE").status_code == 404  # not a served type


def test_a_vendored_file_that_does_not_match_its_checksum_is_refused(tmp_path, project):
    import shutil

    from policygraph.errors import PolicygraphError
    from policygraph.project import Project
    from policygraph.serve.templates import static_file
    shutil.copytree(project.vendor_dir, tmp_path / "viz" / "vendor")
    (tmp_path / "data" / "records").mkdir(parents=True)
    copy = Project(tmp_path)
    assert static_file(copy, "vendor/yasgui-4.6.2/yasgui.min.js")[0][:20]
    (tmp_path / "viz" / "vendor" / "yasgui-4.6.2" / "yasgui.min.js").write_text("alert(1)")
    with pytest.raises(PolicygraphError, match="SHA256SUMS"):
        static_file(copy, "vendor/yasgui-4.6.2/yasgui.min.js")


def test_a_page_asked_for_again_is_sent_as_rendered_not_rendered_again(project, store_dir, monkeypatch):
    """Issue #21 (warm p99 at 1M): the board, gap page, overview, node, trace and named-query pages are
    rendered once per URL; the same URL again sends the same bytes without running the template, a
    different query string is a page of its own, and the node's URL asked for as RDF is still RDF."""
    from tests.serve.conftest import make_client
    with make_client(project, store_dir) as c:
        urls = ["/", "/kpis", "/kpis?status=missed", "/gaps", "/id/kpi-cloud-municipalities",
                "/trace/kpi-cloud-municipalities", "/queries/body-workload"]
        first = {u: c.get(u) for u in urls}
        assert all(r.status_code == 200 for r in first.values()), {u: r.status_code for u, r in first.items()}
        assert first["/kpis"].text != first["/kpis?status=missed"].text
        import jinja2
        template_renders = []
        real_render = jinja2.Template.render
        monkeypatch.setattr(jinja2.Template, "render", lambda self, *a, **k: (template_renders.append(1),
                                                                             real_render(self, *a, **k))[1])
        again = {u: c.get(u) for u in urls}
        assert template_renders == []
        for u in urls:
            assert again[u].content == first[u].content
            assert again[u].headers["content-security-policy"] == first[u].headers["content-security-policy"]
            assert again[u].headers["content-type"].startswith("text/html")
        turtle = c.get("/id/kpi-cloud-municipalities", headers={"Accept": "text/turtle"})
        assert turtle.headers["content-type"].startswith("text/turtle") and "@prefix" in turtle.text
        assert c.get("/kpis?status=achieved").text != first["/kpis"].text
        assert template_renders  # a new URL is rendered
