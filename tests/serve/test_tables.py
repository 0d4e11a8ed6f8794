"""Datasette's URL conventions on every table of the web app (`serve.sqltables`): filters, `_search`,
`_sort` / `_sort_desc`, `_size`, `_next`, facets, `_col` / `_nocol`, the `.json` shape and the streamed
downloads with no row cap — on the corpus and on a synth project larger than the old 10,000-row cap.
Every expectation is computed from the store (the CLI's rows), not from the server."""
import csv
import html
import io
import re
from collections import Counter

import pytest
from openpyxl import load_workbook

from policygraph.cli.app import app
from policygraph.graph.terms import plain
from policygraph.query.sparql import QueryLibrary, parse_param
from policygraph.serve import pages
from tests.serve.conftest import make_client

KPI = "kpi-cloud-municipalities"
DOCUMENT = "doc-ten-guidelines-draft"  # a trace of 50 rows


def cli_rows(engine, folders, name, **params):
    rows = engine.run(QueryLibrary(folders).get(name), **{k: parse_param(v) for k, v in params.items()})
    return [{c: plain(r.get(c)) for c in rows.columns} for r in rows]


def expected_rows(engine, project, path):
    """The whole table behind a page, read from the store as the CLI reads it."""
    folders = project.query_dirs
    if path == "/kpis":  # kpi-status, and the Japanese labels of each KPI's responsible bodies (`responsible`)
        return [{**r, "body": " / ".join(sorted({b["bodyJa"] for b in cli_rows(engine, folders, "responsible",
                                                                                node=r["kpi"])})) or None}
                for r in cli_rows(engine, folders, "kpi-status")]
    if path == "/gaps":
        return pages.gap_table(engine, folders)[0].rows
    if path.startswith("/trace/"):
        return pages.trace_table(engine, project, path.rsplit("/", 1)[1]).rows
    name, _, query = path.removeprefix("/queries/").partition("?")
    return cli_rows(engine, folders, name, **dict(p.split("=") for p in query.split("&") if p))


def everything(client, path, **params):
    """Every row of a table page, followed through `next_url` of its `.json` (a page at a time)."""
    got = client.get(_json_path(path), params=[*_own(path), *params.items()])
    assert got.status_code == 200, got.text
    body = got.json()
    rows = list(body["rows"])
    pages_read = 1
    while body["next_url"]:
        body = client.get(body["next_url"]).json()
        rows += body["rows"]
        pages_read += 1
    return rows, pages_read


TABLES = ["/kpis", "/gaps", "/queries/evidence", f"/queries/kpi-history?kpi={KPI}", f"/trace/{DOCUMENT}"]


def _json_path(path):
    """The .json of a table page (its own query string goes in `params`: httpx replaces a URL's query)."""
    return path.partition("?")[0] + ".json"


def _takes(project, path):
    """The parameters of a named query page's query (a name that binds the query, not a filter)."""
    if not path.startswith("/queries/"):
        return {}
    return QueryLibrary(project.query_dirs).get(path.removeprefix("/queries/").partition("?")[0]).params


def _own(path):
    """The (name, value) pairs of a page's own query string (a named query's parameters)."""
    from urllib.parse import parse_qsl
    return parse_qsl(path.partition("?")[2])


def _sort_key(v):
    """SQLite's order: numbers before text, text by code point."""
    return (0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v))


def _ascii_lower(text):
    """LIKE's case folding (ASCII letters only)."""
    return "".join(c.lower() if c.isascii() else c for c in text)


def _facet_matches(results, counts):
    """A facet lists the most frequent values (at most 30) with their counts."""
    shown = {r["value"]: r["count"] for r in results}
    assert len(shown) == min(len(counts), 30)
    assert all(counts[v] == n for v, n in shown.items())
    assert min(shown.values()) >= max([n for v, n in counts.items() if v not in shown], default=0)


# ----------------------------------------------------------------------------------------------- corpus
@pytest.mark.parametrize("path", TABLES)
def test_paging_through_next_yields_every_row_once_in_order(client, engine, project, path):
    expected = expected_rows(engine, project, path)
    assert len(expected) > 7
    rows, read = everything(client, path, _size=7)
    assert rows == [dict(r) for r in _jsonable(expected)]
    assert read == -(-len(expected) // 7)


def _jsonable(rows):
    import json
    return json.loads(json.dumps(rows, ensure_ascii=False))


@pytest.mark.parametrize("path", TABLES)
def test_exact_contains_not_and_range_filters(client, engine, project, path):
    expected = _jsonable(expected_rows(engine, project, path))
    columns = [c for c in expected[0] if c not in _takes(project, path)]
    # a column with several values: an exact filter that keeps some rows and drops others
    column = next(c for c in columns if 1 < len({str(r[c]) for r in expected if r[c] is not None}) <= len(expected)
                  and all(isinstance(r[c], str) or r[c] is None for r in expected))
    value = Counter(r[column] for r in expected if r[column] is not None).most_common(1)[0][0]
    keep = [r for r in expected if r[column] == value]
    base, own = _json_path(path), _own(path)
    got = client.get(base, params={**dict(own), column: value, "_size": 1000}).json()
    assert got["count"] == len(keep) < len(expected) and got["rows"] == keep
    assert got["total"] == len(expected) and got["filters"] == [{"column": column, "op": "exact", "value": value}]
    other = client.get(base, params={**dict(own), f"{column}__not": value, "_size": 1000}).json()
    assert other["count"] == len(expected) - len(keep)
    part = value[1:4] if len(value) > 4 else value
    contains = [r for r in expected if r[column] is not None and _ascii_lower(part) in _ascii_lower(str(r[column]))]
    assert client.get(base, params={**dict(own), f"{column}__contains": part}).json()["count"] == len(contains)
    nulls = [r for r in expected if r[column] is None]
    assert client.get(base, params={**dict(own), f"{column}__isnull": "1"}).json()["count"] == len(nulls)
    # ranges: text compares as text (ISO dates order), numbers as numbers
    gte = [r for r in expected if r[column] is not None and str(r[column]) >= value]
    lte = [r for r in expected if r[column] is not None and str(r[column]) <= value]
    assert client.get(base, params={**dict(own), f"{column}__gte": value}).json()["count"] == len(gte)
    assert client.get(base, params={**dict(own), f"{column}__lte": value}).json()["count"] == len(lte)


def test_numeric_range_filters_compare_numbers(client, engine, project):
    expected = cli_rows(engine, project.query_dirs, "kpi-history", kpi=KPI)
    values = sorted(r["value"] for r in expected if isinstance(r["value"], (int, float)))
    middle = values[len(values) // 2]
    base, own = "/queries/kpi-history.json", {"kpi": KPI}
    assert client.get(base, params={**dict(own), "value__gte": str(middle)}).json()["count"] == sum(v >= middle for v in values)
    assert client.get(base, params={**dict(own), "value__lt": str(middle)}).json()["count"] == sum(v < middle for v in values)
    assert client.get(base, params={**dict(own), "value": str(middle)}).json()["count"] == values.count(middle)  # "550" = 550


@pytest.mark.parametrize("path", TABLES)
def test_sort_and_sort_desc(client, engine, project, path):
    expected = _jsonable(expected_rows(engine, project, path))
    column = next(c for c in expected[0] if len({str(r[c]) for r in expected}) > 2)
    for option, desc in (("_sort", False), ("_sort_desc", True)):
        rows, _ = everything(client, path, **{option: column, "_size": 1000})
        values = [r[column] for r in rows]
        present = [v for v in values if v is not None]
        assert values == present + [None] * (len(values) - len(present))  # no value: last, either way
        assert present == sorted(present, key=_sort_key, reverse=desc)
        assert sorted(map(str, values)) == sorted(str(r[column]) for r in expected)


@pytest.mark.parametrize("path", TABLES)
def test_columns_chosen_and_dropped_in_pages_and_downloads(client, engine, project, path):
    expected = _jsonable(expected_rows(engine, project, path))
    columns = list(expected[0])
    two = columns[-1], columns[0]
    base, _, query = path.partition("?")
    params = [*_own(path), *(("_col", c) for c in two)]
    got = client.get(_json_path(path), params=params).json()
    assert got["columns"] == [columns[0], columns[-1]] and set(got["rows"][0]) == set(two)  # the table's order
    dropped = client.get(_json_path(path), params=[*_own(path), ("_nocol", columns[0])]).json()
    assert dropped["columns"] == columns[1:]
    text = client.get(f"{base}.csv", params=[*_own(path), ("_nocol", columns[0])]).content
    assert text.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert header == columns[1:]


@pytest.mark.parametrize("path, column", [("/kpis", "status"), ("/kpis", "tier"), ("/gaps", "kind"),
                                          ("/gaps", "document"), ("/queries/evidence", "source")])
def test_facets_count_the_filtered_rows_and_toggle_their_filter(client, engine, project, path, column):
    expected = _jsonable(expected_rows(engine, project, path))
    counts = Counter(r[column] for r in expected)
    got = client.get(_json_path(path), params=_own(path)).json()
    facet = got["facet_results"][column]  # a default facet of this table
    if column == "status":  # the board's "unknown": a KPI without a status (the coverage map's word)
        counts = Counter(v if v is not None else pages.NO_STATUS for v in counts.elements())
    _facet_matches(facet["results"], counts)
    value, n = next((r["value"], r["count"]) for r in facet["results"] if r["value"] is not None)
    chosen = client.get(next(r["toggle_url"] for r in facet["results"] if r["value"] == value)).json()  # .json
    assert chosen["count"] == n and all(r[column] == value for r in chosen["rows"])
    again = next(r for r in chosen["facet_results"][column]["results"] if r["value"] == value)
    assert again["selected"] and again["count"] == n
    assert client.get(again["toggle_url"]).json()["count"] == len(expected)  # off again


def test_an_asked_facet_on_any_column(client, engine, project):
    expected = cli_rows(engine, project.query_dirs, "evidence")
    got = client.get("/queries/evidence.json", params={"_facet": "reading", "_nofacet": "1"}).json()
    assert list(got["facet_results"]) == ["reading"]
    _facet_matches(got["facet_results"]["reading"]["results"], Counter(r["reading"] for r in expected))


def test_a_facet_of_class_iris_shows_them_as_prefixed_names(client):
    """trace-roots' class facet: pg:KPI, not a full IRI cut off at the facet's width; the link still
    filters on the IRI, the full IRI is its title, and the filter's chip names it the same way; so do the
    table's class cells (they showed the whole IRI)."""
    from html import unescape
    kpi = "https://w3id.org/policygraph/ontology#KPI"
    page = client.get("/queries/trace-roots", params={"_facet": "class"}).text
    assert ">pg:KPI</a>" in page and f'title="{kpi}"' in page and f">{kpi}</a>" not in page
    chosen = client.get("/queries/trace-roots", params={"_facet": "class", "class": kpi})
    assert chosen.status_code == 200 and "class = pg:KPI" in unescape(chosen.text)
    assert f'<td><span class="pg-iri" title="{kpi}">pg:KPI</span></td>' in chosen.text
    assert f"<td>{kpi}</td>" not in chosen.text
    rows = client.get("/queries/trace-roots.json", params={"class": kpi, "_size": 1000}).json()["rows"]
    assert rows and {r["class"] for r in rows} == {kpi}


def test_search_in_every_column(client, engine, project):
    expected = cli_rows(engine, project.query_dirs, "evidence")
    keep = [r for r in expected if any("クラウド" in str(v) for v in r.values() if v is not None)]
    got = client.get("/queries/evidence.json", params={"_search": "クラウド", "_size": 1000}).json()
    assert 0 < got["count"] == len(keep) < len(expected)


def test_the_json_shape(client):
    got = client.get("/kpis.json", params={"_size": 5, "status": "achieved"}).json()
    assert {"rows", "columns", "truncated", "count", "total", "next", "next_url", "facet_results", "filters",
            "sort", "sort_desc", "filtered_table_rows_count"} <= set(got)
    assert got["truncated"] is False and len(got["rows"]) == 5 and got["next"] == "5"
    assert got["next_url"].startswith("http://127.0.0.1/kpis.json?") and "status=achieved" in got["next_url"]
    last = client.get("/kpis.json", params={"_size": 1000}).json()
    assert last["next"] is None and last["next_url"] is None


def test_the_streamed_downloads_keep_filters_sort_and_columns(client, engine, project):
    expected = [r for r in _jsonable(cli_rows(engine, project.query_dirs, "kpi-status")) if r["status"] == "unverified"]
    expected.sort(key=lambda r: (r["label"] is None, r["label"] or ""), reverse=False)
    params = {"status": "unverified", "_sort": "label", "_col": ["kpi", "label", "status"]}
    rows = list(csv.DictReader(io.StringIO(client.get("/kpis.csv", params=params).content.decode("utf-8-sig"))))
    assert [r["kpi"] for r in rows] == [r["kpi"] for r in expected] and list(rows[0]) == ["kpi", "label", "status"]
    import json
    lines = client.get("/kpis.jsonl", params=params).text.splitlines()
    assert [json.loads(x)["kpi"] for x in lines] == [r["kpi"] for r in expected]
    assert client.get("/kpis.json", params={**params, "_shape": "array"}).json() == \
        [{c: r[c] for c in ("kpi", "label", "status")} for r in expected]
    sheet = load_workbook(io.BytesIO(client.get("/kpis.xlsx", params=params).content))["kpi-status"]
    assert [c.value for c in sheet[1]] == ["kpi", "label", "status"]
    assert [r[0].value for r in sheet.iter_rows(min_row=2)] == [r["kpi"] for r in expected]


def test_the_csv_equals_the_clis_csv(client, runner):
    for name, params in (("evidence", {}), ("kpi-history", {"kpi": KPI}), ("kpi-status", {})):
        args = ["query", name, "--format", "csv", *(x for k, v in params.items() for x in ("-p", f"{k}={v}"))]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        cli = list(csv.reader(io.StringIO(result.output.lstrip("\ufeff"))))
        web = list(csv.reader(io.StringIO(client.get(f"/queries/{name}.csv", params=params).content
                                          .decode("utf-8-sig"))))
        assert web == cli and len(web) > 1, name


@pytest.mark.parametrize("url, words", [
    ("/queries/kpi-history?kpi=kpi-x&nope=1", ["nope", "it takes kpi", "statement"]),  # both: params and columns
    ("/kpis?_sort=nope", ["_sort", "names no column", "status"]),
    ("/gaps?_size=0", ["_size"]), ("/gaps?_size=x", ["_size"]), ("/gaps?_next=-1", ["_next"]),
    ("/gaps?_col=nope", ["_col"]), ("/kpis?_facet=nope", ["_facet"]), ("/kpis?nope__contains=1", ["nope__contains"]),
])
def test_bad_parameters_are_a_400_that_says_why(client, url, words):
    r = client.get(url)
    assert r.status_code == 400 and all(w in r.text for w in words), r.text


def test_a_query_parameter_named_like_a_column_binds_the_query(client, engine, project):
    """kpi-history takes `kpi` and has a `kpi` column: the name keeps its meaning as the query's parameter."""
    got = client.get("/queries/kpi-history.json", params={"kpi": KPI, "_size": 1000}).json()
    assert got["filters"] == [] and got["count"] == len(cli_rows(engine, project.query_dirs, "kpi-history", kpi=KPI))


def test_the_page_shows_facets_chips_sort_links_pager_and_downloads_with_the_filters(client):
    r = client.get("/kpis", params={"status": "unverified", "_sort": "label", "_size": 5})
    text = html.unescape(r.text)
    assert '<li class="pg-chip">status = unverified <a href="/kpis?_sort=label&_size=5"' in text  # removable
    assert '<div class="pg-facet" data-column="status"' in text
    assert re.search(r'<a href="/kpis\?_sort=label&_size=5" class="pg-facet-value pg-selected" aria-current="true">'
                     r'unverified</a> <span class="pg-count">(\d+)</span>', text)
    assert re.search(r'<th scope="col" class="pg-th-label" aria-sort="ascending">'
                     r'<a href="/kpis\?status=unverified&_size=5&_sort_desc=label" class="pg-sort">[^<]*<span[^>]*>KPI'
                     r'</span> ▲</a></th>', text)                       # a real link: focusable
    assert re.search(r'rows 1–5 of \d+</span> · <a href="/kpis\?status=unverified&_sort=label&_size=5&_next=5" rel="next"', text)
    for fmt in ("csv", "jsonl", "xlsx"):
        assert f'href="/kpis.{fmt}?status=unverified&_sort=label"' in text
    second = html.unescape(client.get("/kpis", params={"status": "unverified", "_sort": "label", "_size": 5,
                                                       "_next": 5}).text)
    assert "rows 6–10 of" in second and 'href="/kpis?status=unverified&_sort=label&_size=5" rel="prev"' in second


def test_hostile_filter_values_stay_text(client):
    hostile = '"><script>alert(1)</script>'
    r = client.get("/gaps", params={"kind": hostile, "_search": hostile})
    assert r.status_code == 200 and "<script>alert(1)" not in r.text and "&lt;script&gt;" in r.text
    assert client.get("/gaps.json", params={"kind": "x' OR 1=1 --"}).json()["count"] == 0


def test_a_table_is_written_once_per_generation_beside_the_store(client, store_dir):
    from policygraph.serve import sqltables
    client.get("/gaps")
    folder = sqltables.cache_dir(store_dir)
    assert folder.parent.name.startswith(".gen-") and folder.parent == store_dir.resolve().parent  # goes with it
    files = sorted(folder.glob("gaps-*.sqlite"))
    assert len(files) == 1
    before = files[0].stat().st_ino
    client.get("/gaps", params={"kind": "x"})
    client.get("/gaps.csv")
    assert sorted(folder.glob("gaps-*.sqlite")) == files and files[0].stat().st_ino == before  # not written again
    assert not list(folder.glob(".*.tmp"))


# ------------------------------------------------------------------------------ beyond the old row cap
@pytest.fixture(scope="module")
def big(synth_200k):
    """A client over the synth project, with a max-rows well below its tables (the cap is /sparql's only)."""
    project, store_dir, engine = synth_200k
    with make_client(project, store_dir, max_rows=1000) as c:
        yield c, project, engine


def test_a_table_larger_than_the_old_cap_pages_through_every_row_once(big):
    client, project, engine = big
    expected = _jsonable(cli_rows(engine, project.query_dirs, "evidence"))
    assert len(expected) > 10_000
    rows, read = everything(client, "/queries/evidence", _size=1000)
    assert read == -(-len(expected) // 1000)
    assert rows == expected
    page = html.unescape(client.get("/queries/evidence", params={"_next": 10_000}).text)
    assert f"rows 10001–10100 of {len(expected)}" in page


def test_the_downloads_of_a_large_table_have_every_row_and_equal_the_cli(big):
    client, project, engine = big
    from typer.testing import CliRunner
    result = CliRunner().invoke(app, ["query", "evidence", "--format", "csv", "--root", str(project.root)])
    assert result.exit_code == 0
    cli = list(csv.reader(io.StringIO(result.output.lstrip("\ufeff"))))
    web = list(csv.reader(io.StringIO(client.get("/queries/evidence.csv").content.decode("utf-8-sig"))))
    assert len(web) > 10_001 and web == cli
    assert len(client.get("/queries/evidence.jsonl").text.splitlines()) == len(cli) - 1
    assert len(client.get("/queries/evidence.json", params={"_shape": "array"}).json()) == len(cli) - 1


def test_filters_sort_and_facets_on_a_large_table(big):
    client, project, engine = big
    expected = _jsonable(cli_rows(engine, project.query_dirs, "evidence"))
    by_source = Counter(r["source"] for r in expected)
    got = client.get("/queries/evidence.json", params={"_facet": "source"}).json()
    _facet_matches(got["facet_results"]["source"]["results"], by_source)
    source, n = by_source.most_common(1)[0]
    rows, _ = everything(client, "/queries/evidence", source=source, _sort_desc="line", _size=50)
    assert len(rows) == n and [r["line"] for r in rows] == sorted((r["line"] for r in expected
                                                                   if r["source"] == source), reverse=True)
    kpis = _jsonable(cli_rows(engine, project.query_dirs, "kpi-status"))
    board = client.get("/kpis.json").json()
    assert board["total"] == len(kpis) > 500
    _facet_matches(board["facet_results"]["status"]["results"], Counter(r["status"] or pages.NO_STATUS for r in kpis))


def test_search_json_pages_through_every_hit_once_with_facets(client):
    first = client.get("/search.json", params={"q": "クラウド", "_size": 10}).json()
    assert first["count"] > 10 and len(first["rows"]) == 10 and first["next"] == "10"
    rows, body = list(first["rows"]), first
    while body["next_url"]:
        body = client.get(body["next_url"]).json()
        rows += body["rows"]
    keys = [(r["node"], r["kind"], r["text"], r["excerpt"]) for r in rows]
    assert len(rows) == first["count"] and len(set(keys)) == len(keys)
    cls = first["facet_results"]["cls"]["results"][0]
    chosen = client.get(cls["toggle_url"]).json()
    assert chosen["count"] == cls["count"] and {r["cls"] for r in chosen["rows"]} == {cls["value"]}
    assert client.get("/search.docx", params={"q": "x"}).status_code == 404


def test_a_diff_section_is_a_table_with_the_same_rows(client):
    docs = {"a": "doc-progress-2016", "b": "doc-progress-2017"}
    whole = client.get("/diff.json", params=docs).json()
    section = max((k for k, v in whole.items() if isinstance(v, list)), key=lambda k: len(whole[k]))
    assert len(whole[section]) > 2
    page = client.get(f"/diff/{section}.json", params={**docs, "_size": 1000}).json()
    assert page["rows"] == whole[section]
    assert f'href="/diff/{section}?a=doc-progress-2016&amp;b=doc-progress-2017"' in client.get("/diff", params=docs).text
    column = page["columns"][0]
    ordered = client.get(f"/diff/{section}.json", params={**docs, "_sort_desc": column, "_size": 1000}).json()["rows"]
    values = [r[column] for r in ordered if r[column] is not None]
    assert values == sorted(values, key=_sort_key, reverse=True)
    text = client.get(f"/diff/{section}.csv", params=docs).content.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(text)))) == len(whole[section])
    assert client.get("/diff/no-such-section", params=docs).status_code == 404
    assert client.get(f"/diff/{section}").status_code == 400


def test_the_board_filters_by_responsible_body_one_of_several(client, engine, project):
    """Done-when of issue #23: the off-track KPIs of one body, as a link. A KPI with two responsible bodies
    counts under each (an array facet), and `body=` keeps it for either."""
    expected = _jsonable(expected_rows(engine, project, "/kpis"))
    by_body = Counter(b for r in expected for b in (r["body"] or "").split(" / ") if b)
    by_body[None] = sum(1 for r in expected if r["body"] is None)  # "— なし none": the KPIs of no body
    assert any(" / " in (r["body"] or "") for r in expected) and by_body[None]  # two bodies; none
    board = client.get("/kpis.json").json()
    _facet_matches(board["facet_results"]["body"]["results"], by_body)
    two = next(r for r in expected if " / " in (r["body"] or ""))
    for body in two["body"].split(" / "):
        rows, _ = everything(client, "/kpis", body=body, status=two["status"])
        assert two["kpi"] in {r["kpi"] for r in rows}
        assert {r["kpi"] for r in rows} == {r["kpi"] for r in expected if body in (r["body"] or "").split(" / ")
                                            and r["status"] == two["status"]}
    page = client.get("/kpis", params={"body": two["body"].split(" / ")[0], "status": two["status"]}).text
    assert "pg-chip" in page and f'href="/id/{two["kpi"]}"' in page


def test_the_trace_page_links_its_rows_as_a_table_with_the_conventions(client, engine, project):
    """/trace/<id> shows the chain; /trace/<id>/rows the same rows as a flat table: facets, filters, sort."""
    page = client.get(f"/trace/{DOCUMENT}").text
    assert f'href="/trace/{DOCUMENT}/rows"' in page
    expected = _jsonable(expected_rows(engine, project, f"/trace/{DOCUMENT}"))
    r = client.get(f"/trace/{DOCUMENT}/rows", params={"_size": 1000})
    assert r.status_code == 200 and 'class="pg-facets"' in r.text and 'class="pg-sort"' in r.text
    assert f'rows 1–{len(expected)} of {len(expected)}' in r.text
    n = sum(1 for r in expected if "guideline-1" in (r["directive"] or ""))
    assert 1 < n < len(expected)
    kept = client.get(f"/trace/{DOCUMENT}/rows", params={"directive__contains": "guideline-1", "_size": 1000}).text
    assert f'rows 1–{n} of {n}' in kept and '<li class="pg-chip">' in kept


def test_table_files_beyond_the_most_are_pruned_least_recently_used_first(tmp_path):
    """A named query's parameters, a trace or a diff each make a table file: a long-running server asked
    for many keeps the `most` recently used, never one used within `keep_seconds`, and always the board's
    and the gap report's."""
    import os
    import time

    from policygraph.serve import sqltables
    now = time.time()
    for i in range(6):
        f = tmp_path / f"query-{i}.sqlite"
        f.write_bytes(b"x")
        os.utime(f, (now - 3600 + i, now - 3600 + i))  # query-0 the least recently used
    (tmp_path / "kpis-a.sqlite").write_bytes(b"x")
    os.utime(tmp_path / "kpis-a.sqlite", (now - 7200, now - 7200))
    (tmp_path / "query-fresh.sqlite").write_bytes(b"x")  # used just now
    removed = sqltables.prune(tmp_path, most=3, keep_seconds=600)
    assert sorted(p.name for p in removed) == ["query-0.sqlite", "query-1.sqlite", "query-2.sqlite", "query-3.sqlite"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kpis-a.sqlite", "query-4.sqlite", "query-5.sqlite",
                                                          "query-fresh.sqlite"]
    assert sqltables.prune(tmp_path, most=0, keep_seconds=10_000) == []  # all used within the window: kept


def test_a_pruned_table_is_written_again_when_asked_for(client, store_dir):
    """The server remembers a table's Meta; a file `prune` removed since is written again, not a 500."""
    from policygraph.serve import sqltables
    params = {"kpi": KPI}
    first = client.get("/queries/kpi-history.json", params=params).json()
    folder = sqltables.cache_dir(store_dir)
    files = set(folder.glob("query-*.sqlite"))
    assert files
    for f in files:
        f.unlink()  # as prune does for the least recently used
    again = client.get("/queries/kpi-history.json", params=params)
    assert again.status_code == 200 and again.json()["rows"] == first["rows"]
    after = set(folder.glob("query-*.sqlite"))
    assert len(after) == 1 and after <= files  # this table's file, written again (other tests' stay gone)


def test_facet_labels_say_what_a_boolean_an_empty_text_and_no_value_are(client):
    """A facet of a true/false column reads はい/いいえ, not 1/0; an empty text is named, not a blank link;
    the board's body facet counts the KPIs of no body (the link filters them)."""
    gaps = client.get("/gaps.json").json()["facet_results"]
    assert {r["label"] for r in gaps["acknowledged"]["results"]} <= {"はい true", "いいえ false"}
    board = client.get("/kpis.json").json()["facet_results"]["body"]["results"]
    none = next(r for r in board if r["value"] is None)
    kept = client.get(none["toggle_url"]).json()
    assert kept["count"] == none["count"] and all(r["body"] is None for r in kept["rows"])


def test_an_empty_text_in_a_facet_is_named_and_not_a_link(tmp_path):
    from policygraph.serve import pages, sqltables
    table = pages.Table(["doc", "ok"], [{"doc": "", "ok": True}, {"doc": "a", "ok": False}, {"doc": "", "ok": True}])
    sqltables.write(table, tmp_path / "t.sqlite")
    page = sqltables.select(tmp_path / "t.sqlite", sqltables.Query(facets=["doc", "ok"]))
    assert [(r["label"], r["count"]) for r in page.facets["doc"]["results"]] == [("（空）empty", 2), ("a", 1)]
    assert [(r["label"], r["count"]) for r in page.facets["ok"]["results"]] == [("はい true", 2), ("いいえ false", 1)]
