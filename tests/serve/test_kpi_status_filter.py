"""/kpis?status=<value>: the KPI board (and its downloads) filtered on kpi-status's `status` column, as
Datasette filters a column; the coverage map's status bands link to it. Values are whatever the column
holds (no list of statuses here), and a KPI without one is what the coverage map calls "unknown"."""
import csv
import io
import re
from collections import Counter
from html import unescape

from policygraph.serve import pages
from policygraph.views.explore import coverage_map


def expected(corpus_engine, folders) -> Counter:
    rows = pages.named_rows(corpus_engine, folders, "kpi-status", {}).rows
    return Counter(r["status"] if r["status"] else pages.NO_STATUS for r in rows)


def test_the_board_and_its_downloads_keep_the_kpis_of_one_status(client, engine, project):
    folders = project.query_dirs
    by_status = expected(engine, folders)
    assert len(by_status) >= 2                                      # a filter that can fail
    for status, n in by_status.items():
        r = client.get("/kpis", params={"status": status, "_size": 1000})
        assert r.status_code == 200
        assert f"{n} KPIs" in r.text and f'<li class="pg-chip">status = {status} ' in r.text  # a removable chip
        tbody = r.text.split('id="pg-kpis"', 1)[1].split("</tbody>", 1)[0]
        shown = re.findall(r'class="pg-status pg-status-([^"]*)"', tbody)
        assert len(shown) == n and set(shown) <= {status, "None"}
        assert f'href="/kpis.csv?status={status}"' in r.text     # the downloads keep the filter
        body = client.get("/kpis.csv", params={"status": status}).content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(body)))
        assert len(rows) == n and {row["status"] or pages.NO_STATUS for row in rows} == {status}
        got = client.get("/kpis.json", params={"status": status}).json()
        assert got["count"] == n and len(client.get("/kpis.json", params={"status": status, "_shape": "array"}).json()) == n
    assert "KPIs" in client.get("/kpis").text and sum(by_status.values()) == client.get("/kpis.json").json()["count"]


def test_a_status_no_kpi_has_is_an_empty_board_and_hostile_text_stays_text(client):
    r = client.get("/kpis", params={"status": "no-such-status"})
    assert r.status_code == 200 and "0 KPIs" in r.text
    r = client.get("/kpis", params={"status": "<script>alert(1)</script>"})
    assert r.status_code == 200 and "<script>alert(1)" not in r.text and "&lt;script&gt;" in r.text
    assert client.get("/kpis.csv", params={"status": "<x>"}).status_code == 200


def test_coverage_map_status_bands_link_to_the_filtered_board(client, engine, project):
    cov = coverage_map(engine, project.query_dirs)
    bands = [n for n in cov["nodes"] if n["column"] == 3]
    assert bands
    overview = client.get("/").text
    for band in bands:
        href = f"/kpis?status={band['id']}"
        assert band["href"] == href and f'href="{href}"' in unescape(overview)
        page = client.get(href + "&_size=1000").text
        assert f"{band['count']} KPIs" in page, band
