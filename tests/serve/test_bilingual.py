"""#23.7 and #23.9: the web app's headings, gap titles, value kinds and errors in Japanese and English, the
English marked lang="en" (the pages are lang="ja"), the pairs from one module (policygraph.labels)."""
import re
from html import unescape

import pytest

from policygraph.graph.attainment import LABELS as STATUS_LABELS
from policygraph.labels import COLUMNS, HEADINGS, HTTP_STATUS, VALUE_KINDS
from policygraph.query.sparql import QueryLibrary

KPI = "kpi-cloud-municipalities"
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def pair(ja: str, en: str) -> str:
    return f'{ja} <span lang="en">{en}</span>'


def headings(page: str, level: str) -> list[str]:
    return re.findall(rf"<{level}[^>]*>(.*?)</{level}>", page, re.S)


@pytest.mark.parametrize("path", ["/", "/kpis", "/gaps", f"/id/{KPI}", "/search?q=クラウド", "/diff", "/queries",
                                  "/queries/kpi-no-target-gap", "/query", "/explore", "/id/no-such-record"])
def test_every_heading_is_japanese_and_marked_english(client, path):
    page = client.get(path, headers={"accept": "text/html"}).text
    found = headings(page, "h2") + headings(page, "h3") + ([] if path.startswith(f"/id/{KPI}") else headings(page, "h1"))
    assert found
    for h in found:
        if 'class="pg-link-group"' in h:
            continue
        assert CJK.search(h) and 'lang="en"' in h, (path, h)


def test_the_node_pages_heading_keeps_its_record_label_with_the_english_label_marked(client):
    page = client.get(f"/id/{KPI}").text
    assert re.search(r'<p class="pg-en" id="pg-label-en" lang="en">[^<]+</p>', page)
    for key in ("evidence", "chart", "values", "properties", "links_in"):
        assert pair(*HEADINGS[key]) in page, key


def test_value_kinds_and_observation_statuses_are_shown_in_both_languages(client):
    page = client.get(f"/id/{KPI}").text
    series = page.split('id="pg-series"')[1].split("</table>")[0]
    for kind in ("baseline", "target", "observation"):
        assert pair(*VALUE_KINDS[kind]) in series, kind
    assert pair(*VALUE_KINDS["unstated"]) in series  # this KPI's observations do not say final or preliminary
    assert "<td>unstated</td>" not in series
    for c in ("kind", "value", "date", "status", "grade", "document", "quote"):
        assert f"<th>{pair(*COLUMNS[c])}</th>" in series
    assert ">observation</a>" not in series  # the bare English kind is gone


def test_gap_titles_are_japanese_and_english_on_the_gaps_page_and_overview(client, project):
    library = QueryLibrary(project.query_dirs)
    gaps = [library.get(n) for n in library.names() if n.endswith("-gap")]
    page, home = client.get("/gaps").text, client.get("/").text
    for q in gaps:
        assert f"<th>{pair(q.title_ja, q.title)}</th>" in page, q.name   # the bars by kind
        assert f"<th>{pair(q.title_ja, q.title)}</th>" in home, q.name
    rows = page.split('id="pg-gaps"')[1].split("</table>")[0]
    titles = re.findall(r"<tr><td>[^<]*</td><td>(.*?)</td>", rows)
    assert titles and all('<span lang="en">' in t and CJK.search(t) for t in titles)
    for c in ("kind", "title", "node", "quote"):
        assert f'class="pg-sort">{pair(*COLUMNS[c])}</a></th>' in rows  # a sort link per heading
    # the downloads keep the query's title as it is (one language per cell)
    assert {r["title"] for r in client.get("/gaps.json", params={"_shape": "array"}).json()} <= {q.title for q in gaps}


def test_status_labels_come_from_the_attainment_module(client):
    legend = client.get("/kpis").text.split('class="pg-legend"')[1].split("</p>")[0]
    for status, (ja, en) in STATUS_LABELS.items():
        assert f'<span class="pg-status pg-status-{status}">{ja}</span> <span lang="en">{en}</span>' in legend


def test_an_error_page_says_what_went_wrong_in_both_languages(client):
    r = client.get("/id/no-such-record", headers={"accept": "text/html"})
    assert r.status_code == 404
    assert f'<h1 id="pg-page-title" tabindex="-1">404 {pair(*HTTP_STATUS[404])}</h1>' in r.text
    assert "<p>レコード &#39;no-such-record&#39; はありません</p>" in r.text
    assert "<p lang=\"en\">no record &#39;no-such-record&#39;</p>" in r.text
    assert "<title>404 見つかりません · Not found — policygraph</title>" in r.text


def test_an_error_without_its_own_japanese_gets_the_status_in_japanese(client):
    r = client.post("/kpis", headers={"accept": "text/html"})  # Starlette's own 405, English only
    assert r.status_code == 405
    assert "<p>この方法では使えません</p>" in r.text and '<p lang="en">Method Not Allowed</p>' in r.text
    r = client.get("/kpis.docx", headers={"accept": "text/html"})
    assert r.status_code == 404
    assert "ダウンロード形式 &#39;docx&#39; はありません" in r.text and "no download format &#39;docx&#39;" in r.text


def test_text_and_json_errors_carry_both_languages(client):
    r = client.get("/queries/kpi-stauts", headers={"accept": "text/plain"})
    assert r.status_code == 404
    ja, en = r.text.splitlines()
    assert ja == "'kpi-stauts' という名前のクエリはありません。もしかして kpi-status？"
    assert en == "no query named 'kpi-stauts'; did you mean kpi-status?"
    r = client.get("/kpis?_size=zero")
    assert r.status_code == 400 and r.text.splitlines()[0].startswith("_size は行数")
    r = client.get("/queries/kpi-history", params={"kpi": KPI, "target": "x"})
    assert r.status_code == 400
    ja, en = r.text.splitlines()  # a name that is no parameter is taken for a filter on a column: none is
    assert ja.startswith("クエリ kpi-history にないパラメータ: target（使えるのは kpi。列 ")
    assert en.startswith("unknown parameter(s) target for query kpi-history; it takes kpi, and its columns ")
    r = client.get("/source/NOPE.txt")
    assert r.status_code == 404 and r.text.splitlines()[0] == "出典テキスト 'NOPE.txt' はありません"
    api = client.get("/api/node/no-such-record")
    assert api.status_code == 404
    assert api.json() == {"error": "no record 'no-such-record'", "error_ja": "レコード 'no-such-record' はありません",
                          "id": "no-such-record"}
    path = client.get("/api/path", params={"from": "bad id", "to": KPI})
    assert path.status_code == 404 and path.json()["error_ja"] == "from= と to= にはレコード ID を指定してください"


def test_the_sparql_endpoint_answers_as_the_protocol_does(client):
    """/sparql's errors stay as the protocol's clients read them (English, no Japanese line)."""
    r = client.get("/sparql", params={"query": "SELEC nothing"})
    assert r.status_code == 400 and not CJK.search(r.text)


def test_english_in_the_frame_is_marked(client):
    page = client.get("/gaps").text
    assert '<a class="pg-skip" href="#pg-page-title">本文へ移動 <span lang="en">Skip to content</span></a>' in page
    nav = page.split("<nav")[1].split("</nav>")[0]
    assert all('lang="en"' in a or a.strip().startswith("SPARQL") for a in re.findall(r"<a [^>]*>(.*?)</a>", nav))
    assert unescape(page).count('<html lang="ja">') == 1


def test_a_parameter_naming_no_node_is_told_in_both_languages(client):
    """#23.9: the note above an empty table in the user's words, Japanese and English (the CLI prints the English)."""
    page = client.get("/queries/kpi-history", params={"kpi": "kpi-cloud-municpalities"}).text
    note = page.split('class="pg-warning"')[1].split("</p>")[0]
    assert ("注意: kpi=kpi-cloud-municpalities はグラフのどのノードにも一致しません。もしかして "
            "kpi-cloud-municipalities？ <span lang=\"en\">Note: kpi=kpi-cloud-municpalities matches no node in the graph; "
            "did you mean kpi-cloud-municipalities?</span>") in note
