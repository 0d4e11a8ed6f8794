"""A page per named query (Datasette's model): /queries/NAME with a form, the rows, and downloads."""
import csv
import io
import json

import pytest
from openpyxl import load_workbook

from policygraph.query.sparql import QueryLibrary, parse_param
from policygraph.graph.terms import plain

KPI = "kpi-cloud-municipalities"
HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def cli_rows(engine, project, name, **params):
    rows = engine.run(QueryLibrary(project.query_dirs).get(name), **{k: parse_param(v) for k, v in params.items()})
    return [{c: plain(r.get(c)) for c in rows.columns} for r in rows]


def test_the_list_names_every_query(client, project):
    r = client.get("/queries")
    assert r.status_code == 200
    for name in QueryLibrary(project.query_dirs).names():
        assert f'href="/queries/{name}"' in r.text


def test_a_query_page_has_title_description_form_rows_and_links(client, engine, project):
    r = client.get("/queries/kpi-history", params={"kpi": KPI})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "<title>KPI history across editions — policygraph</title>" in r.text
    assert 'name="kpi" value="kpi-cloud-municipalities"' in r.text
    assert f"{len(cli_rows(engine, project, 'kpi-history', kpi=KPI))} rows" in r.text
    assert f'href="/id/{KPI}"' in r.text
    for fmt in ("json", "csv", "xlsx"):
        assert f'href="/queries/kpi-history.{fmt}?kpi={KPI}"' in r.text


def test_downloads_hold_the_cli_rows(client, engine, project):
    expected = cli_rows(engine, project, "kpi-history", kpi=KPI)
    assert client.get("/queries/kpi-history.json", params={"kpi": KPI, "_shape": "array"}).json() == expected
    text = client.get("/queries/kpi-history.csv", params={"kpi": KPI}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["statement"] for r in rows] == [r["statement"] for r in expected]
    book = load_workbook(io.BytesIO(client.get("/queries/kpi-history.xlsx", params={"kpi": KPI}).content))
    sheet = book["kpi-history"]
    assert [c.value for c in sheet[1]] == list(expected[0])
    assert sheet.max_row == len(expected) + 1
    # typed as delivered: `date` (xsd:date) an Excel date, `when` (printed precision) text, values numbers
    head = {c.value: c.column - 1 for c in sheet[1]}
    for row, want in zip(sheet.iter_rows(min_row=2), expected):
        assert row[head["date"]].is_date and row[head["date"]].value.date().isoformat() == want["date"]
        assert row[head["when"]].data_type == "s" and row[head["when"]].value == want["when"]
        assert row[head["value"]].value == want["value"]
    assert book.sheetnames[0] == "目次" and book["目次"]["B2"].value == "kpi-history"


def test_every_named_query_page_renders(client, project):
    for name in QueryLibrary(project.query_dirs).names():
        assert client.get(f"/queries/{name}").status_code == 200, name


def test_hostile_parameter_values_stay_values(client):
    r = client.get("/queries/kpi-history", params={"kpi": HOSTILE})
    assert r.status_code == 200
    assert "<script>alert(2)" not in r.text and "<img src=x" not in r.text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in r.text  # shown back, escaped
    assert client.get("/queries/kpi-history.json", params={"kpi": HOSTILE}).json()["rows"] == []
    for value in ("> } ; DROP ALL ; <", "https://x/> } UNION { ?s ?p ?o", "?kpi", "2017-02-30"):
        got = client.get("/queries/kpi-history.json", params={"kpi": value})
        assert got.status_code in (200, 400), value
        if got.status_code == 200:
            assert got.json()["rows"] == []


@pytest.mark.parametrize("path, status", [
    ("/queries/no-such-query", 404),
    ("/queries/kpi-history?nope=1", 400),
    ("/queries/..%2F..%2Fetc%2Fpasswd", 404),
    ("/queries/kpi-history.exe", 404),
])
def test_bad_names_and_parameters(client, path, status):
    assert client.get(path).status_code == status


def test_formula_cells_are_guarded_in_csv_and_xlsx():
    """Defect: the workbook guarded a formula-like cell with a visible leading apostrophe, so a quote
    beginning with "-" was no longer verbatim; it is now a string cell with Excel's quote prefix."""
    from policygraph.views.tables import Sheet, delimited, xlsx_bytes
    rows = [{"a": "=HYPERLINK(\"http://x\")", "b": "+1", "c": "-2", "d": "@SUM(A1)", "e": -3, "f": "ok\x1b[31m"}]
    columns = list(rows[0])
    line = delimited(columns, rows).splitlines()[1]
    assert line.startswith("\"'=HYPERLINK") and ",'+1,'-2,'@SUM(A1),-3," in line
    sheet = load_workbook(io.BytesIO(xlsx_bytes([Sheet("t", columns, rows)])))["t"]
    cells = sheet[2]
    assert [c.value for c in cells[:4]] == ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)"]  # verbatim
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[:4])
    assert cells[4].value == -3 and cells[4].data_type == "n" and cells[5].value == "ok\\x1b[31m"
    assert all(c.data_type != "f" for c in sheet[2])


def test_json_is_the_cli_json(client, engine, project):
    assert client.get("/queries/kpi-status.json?_shape=array").json() == json.loads(json.dumps(
        cli_rows(engine, project, "kpi-status"), ensure_ascii=False))


def test_a_parameter_naming_no_node_is_a_message_above_the_empty_table(client):
    """Defect: the web form gave an empty table for a mistyped id, with no word of why."""
    page = client.get("/queries/kpi-history", params={"kpi": "kpi-cloud-municpalities"})
    assert page.status_code == 200
    assert 'class="pg-warning"' in page.text
    assert "kpi=kpi-cloud-municpalities matches no node in the graph; did you mean kpi-cloud-municipalities?" in page.text
    assert page.text.index("pg-warning") < page.text.index("<table") if "<table" in page.text else True
    assert 'class="pg-warning"' not in client.get("/queries/kpi-history", params={"kpi": KPI}).text
    # Asked again, the table comes from the page cache: its note is still said in Japanese too.
    again = client.get("/queries/kpi-history", params={"kpi": "kpi-cloud-municpalities"})
    assert "はグラフのどのノードにも一致しません" in again.text and "パラメータの値が" not in again.text
    missing = client.get("/queries/kpi-stauts")
    assert missing.status_code == 404 and "did you mean kpi-status?" in missing.text


def test_a_search_text_shaped_like_an_id_stays_text_and_a_bad_iri_is_a_message(client):
    """Defect: the form bound text=cloud as the IRI pgr:cloud (the value's shape decided): no rows."""
    found = client.get("/queries/record-search.json", params={"text": "cloud", "wide": "cloud"}).json()["rows"]
    assert "kpi-cloud-municipalities" in {r["node"] for r in found}
    page = client.get("/queries/kpi-history", params={"kpi": "two words"})
    assert page.status_code == 200 and 'class="pg-warning"' in page.text
    assert "kpi=two words is not an IRI" in page.text and 'value="two words"' in page.text


def test_english_text_on_the_query_and_editor_pages_is_marked_lang_en(client):
    page = client.get("/queries/kpi-history").text
    assert '<p class="pg-description" lang="en">' in page and '<span lang="en">Run</span>' in page
    assert '<span class="pg-hint" lang="en">' in page
    editor = client.get("/query").text
    assert '<span lang="en">Example</span>' in editor and '<span lang="en">endpoint <code>/sparql</code>' in editor


def test_gap_queries_carry_japanese_and_english_titles(client, project):
    """#23.7: gap titles in Japanese and English (a `# title_ja:` header beside `# title:`)."""
    library = QueryLibrary(project.query_dirs)
    gaps = [library.get(n) for n in library.names() if n.endswith("-gap")]
    assert gaps and all(q.title_ja and q.title and q.title_ja != q.title for q in gaps)
    page = client.get("/queries/kpi-no-target-gap").text
    assert '<h1 id="pg-page-title" tabindex="-1">目標のない KPI <span lang="en">KPIs with no target</span></h1>' in page
    assert "<title>目標のない KPI · KPIs with no target — policygraph</title>" in page
    listing = client.get("/queries").text
    assert '目標のない KPI · <span lang="en">KPIs with no target</span>' in listing


def test_no_two_columns_of_a_named_query_share_a_heading(project):
    """Defect: `document` and `documentLabel` were both headed 文書 document on the gap pages."""
    from policygraph.labels import COLUMNS
    for name in QueryLibrary(project.query_dirs).names():
        columns = QueryLibrary(project.query_dirs).get(name).projected
        headings = [COLUMNS.get(c, c) for c in columns]
        assert len(set(headings)) == len(headings), (name, columns, headings)
