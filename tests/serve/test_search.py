"""Search that finds quotes (the build's full-text index, views.fulltext) and the source viewer
/source/<id>#L<line>: HTTP tests on the corpus's built store, and in chromium."""
import html
import os
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from markupsafe import escape
from rdflib import URIRef

from policygraph.records.sources import SourceIndex
from policygraph.serve.app import Settings, create_app
from policygraph.store.engines import to_oxigraph
from policygraph.views import fulltext
from tests.serve.conftest import LiveServer, make_client
from tests.views.test_viz_xss import XSS_1, XSS_2, XSS_3, XSS_HREF, hostile_graph

#: In one quote of the corpus (未来投資戦略2017 in source 001), in no label.
PHRASE = "業務の共通化・標準化等を行いつつ"
DIRECTIVE = "dir-future-investment-2017-cloud"
EXCERPT = f"{DIRECTIVE}/evidence/1"


def source_line(project, file: str, phrase: str) -> int:
    """The line of a source text where `phrase` stands (the quote check's matching)."""
    return SourceIndex(project.sources_dir / file).find(phrase).line


def hits(page: str) -> list[tuple[str, str, str]]:
    """(node, kind, the hit's text with its marked match and source link) of every hit on a search page."""
    out = []
    for kind, body in re.findall(r'<li class="pg-hit pg-hit-([a-z_]+)">(.*?)</li>', page, re.S):
        node = re.search(r'class="pg-hit-node" href="/id/([^"]+)"', body).group(1)
        assert body.count("<mark>") >= 1  # the match is marked, in the text the hit is of
        link = re.search(r'class="pg-source-link" href="([^"]+)"', body)
        out.append((node, kind, html.unescape(re.sub(r"<[^>]+>", "", body)) + (link.group(1) if link else "")))
    return out


def test_the_build_writes_the_index_in_the_stores_generation(store_dir):
    index = fulltext.index_of(store_dir)
    assert index.is_file() and index.parent == Path(os.path.realpath(store_dir)).parent
    assert (store_dir.parent / fulltext.FILE).resolve() == index.resolve()  # build/search.sqlite, through current
    from policygraph.store.embedded import read_info
    assert fulltext.state(index, read_info(store_dir).triples) is None
    assert fulltext.state(index, read_info(store_dir).triples + 1) is not None


def test_a_phrase_only_in_a_quote_finds_its_directive(client, engine, project):
    labels = [str(r["label"]) for r in engine.store.query(
        "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }")]
    assert not any(PHRASE in label for label in labels)  # so only the quote can find it
    page = client.get("/search", params={"q": PHRASE})
    assert page.status_code == 200
    assert re.search(r'id="pg-search-total">1 件', page.text)
    assert f'<a class="pg-hit-node" href="/id/{DIRECTIVE}">' in page.text
    assert f"<mark>{PHRASE}</mark>" in page.text
    line = source_line(project, "001_c69d71386cb92e10.txt", PHRASE)
    assert f'href="/source/src-001?quote={EXCERPT}#L{line}"' in page.text
    assert f">001_c69d71386cb92e10.txt:{line}</a>" in page.text


def test_a_short_search_scans_the_same_table(client):
    page = client.get("/search", params={"q": "⑮"}).text  # one character: below the trigram
    total = int(re.search(r'id="pg-search-total">(\d+) 件', page).group(1))
    assert total > 0 and "<mark>⑮</mark>" in page


def test_an_exact_id_still_opens_its_page(client):
    answer = client.get("/search", params={"q": DIRECTIVE}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/id/{DIRECTIVE}"


def _sparql_counts(engine, needle: str) -> tuple[dict[str, int], dict[str, int]]:
    """Hits of `needle` counted on the store with SPARQL (labels, aliases and quotes holding it, white
    space ignored), by record, and by source document (a quote's source; a label's record's first)."""
    query = """
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    PREFIX pg: <https://w3id.org/policygraph/ontology#>
    PREFIX prov: <http://www.w3.org/ns/prov#>
    SELECT ?node ?source (COUNT(*) AS ?n) WHERE {
      { ?node rdfs:label|skos:altLabel ?text .
        OPTIONAL { SELECT ?node (MIN(STR(?s)) AS ?first) WHERE { ?node pg:hasEvidence/prov:wasQuotedFrom ?s }
                   GROUP BY ?node }
        BIND(?first AS ?source) }
      UNION
      { ?node pg:hasEvidence ?excerpt . ?excerpt pg:quote ?text ; prov:wasQuotedFrom ?src . BIND(STR(?src) AS ?source) }
      FILTER(STRSTARTS(STR(?node), "https://w3id.org/policygraph/id/") && !CONTAINS(STR(?node), "/evidence/"))
      FILTER(CONTAINS(REPLACE(STR(?text), "\\\\s", ""), "%s"))
    } GROUP BY ?node ?source""" % needle
    by_node: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for r in engine.store.query(query):
        n = int(r["n"].value)
        node = r["node"].value.removeprefix("https://w3id.org/policygraph/id/")
        by_node[node] = by_node.get(node, 0) + n
        if r["source"] is not None:
            src = r["source"].value.removeprefix("https://w3id.org/policygraph/id/")
            by_source[src] = by_source.get(src, 0) + n
    return by_node, by_source


@pytest.mark.parametrize("needle", ["クラウド", "導入市区町村", "総務省"])
def test_facets_count_what_sparql_counts(client, engine, project, needle):
    from policygraph.views import records
    by_node, by_source = _sparql_counts(engine, needle)
    classes = records.classes(engine, project.query_dirs)
    expected_classes: dict[str, int] = {}
    for node, n in by_node.items():
        expected_classes[classes[node]] = expected_classes.get(classes[node], 0) + n
    page = client.get("/search", params={"q": needle}).text
    shown_classes = {html.unescape(name): int(n) for name, n in re.findall(
        r'<li><a href="[^"]*" data-value="([^"]+)"[^>]*>[^<]*</a> <span class="pg-count">(\d+)</span>',
        page.split('id="pg-facet-class"')[1].split("</ul>")[0])}
    shown_docs = {html.unescape(name): int(n) for name, n in re.findall(
        r'<li><a href="[^"]*" data-value="([^"]+)"[^>]*>[^<]*</a> <span class="pg-count">(\d+)</span>',
        page.split('id="pg-facet-document"')[1].split("</ul>")[0])}
    assert shown_classes == expected_classes and sum(expected_classes.values()) > 5
    assert shown_docs == by_source
    total = int(re.search(r'id="pg-search-total">(\d+) 件', page).group(1))
    assert total == sum(by_node.values())


def test_a_facet_keeps_its_hits_and_the_link_reproduces_it(client):
    page = client.get("/search", params={"q": "クラウド"}).text
    url, count = re.search(r'<li><a href="([^"]+)" data-value="KPI"[^>]*>KPI</a> <span class="pg-count">(\d+)</span>',
                           page).groups()
    chosen = client.get(html.unescape(url)).text
    found = hits(chosen)
    assert len(found) == int(count) and re.search(rf'id="pg-search-total">{count} 件', chosen)
    assert all(re.search(r"KPI · <code>", chosen) for _ in found)
    assert "/search?q=" in html.unescape(url) and "cls=KPI" in html.unescape(url)
    doc_url = re.search(r'<li><a href="([^"]+)" data-value="src-001"', chosen).group(1)
    both = client.get(html.unescape(doc_url)).text
    assert 0 < len(hits(both)) <= int(count)


def test_paging_through_next_yields_every_hit_once(client, project, store_dir):
    seen, url, pages = [], "/search?q=クラウド&_size=17", 0
    while url:
        page = client.get(url).text
        seen += hits(page)
        nxt = re.search(r'<a href="([^"]+)" rel="next"', page)
        url = html.unescape(nxt.group(1)) if nxt else None
        pages += 1
    total = int(re.search(r'id="pg-search-total">(\d+) 件', page).group(1))
    assert pages == -(-total // 17) and pages > 3
    assert len(seen) == total == len(set(seen))
    whole = fulltext.search(fulltext.index_of(store_dir), "クラウド", size=1000)
    assert [(h.node, h.kind) for h in whole.hits] == [(n, k) for n, k, _ in seen]


@pytest.mark.parametrize("text", ['"', 'a" OR "b', "NEAR(x y)", "*", "%_\\", "クラ*", "<script>alert(1)</script>",
                                  XSS_2, "'; DROP TABLE hits; --"])
def test_search_syntax_in_the_text_is_just_text(client, text):
    page = client.get("/search", params={"q": text})
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<script>window.__xss" not in page.text
    assert str(escape(text)) in page.text  # shown back as text (in the title and the box)


# ------------------------------------------------------------------------------ the source viewer
def test_the_source_viewer_marks_the_quote_of_an_excerpt(client, project):
    line = source_line(project, "001_c69d71386cb92e10.txt", PHRASE)
    page = client.get(f"/source/src-001?quote={EXCERPT}")
    assert page.status_code == 200
    text = (project.sources_dir / "001_c69d71386cb92e10.txt").read_text(encoding="utf-8")
    assert len(re.findall(r'<div class="pg-line[^"]*" id="L\d+">', page.text)) == len(text.split("\n"))
    marked = re.findall(r'<div class="pg-line pg-marked" id="L(\d+)">(.*?)</div>', page.text)
    assert [int(n) for n, _ in marked] == [line]
    assert PHRASE in "".join(re.findall(r"<mark>(.*?)</mark>", marked[0][1]))
    assert f'href="#L{line}"' in page.text


def test_the_source_viewer_finds_a_quote_given_as_text_across_white_space(client, project):
    file = "001_c69d71386cb92e10.txt"
    lines = (project.sources_dir / file).read_text(encoding="utf-8").split("\n")
    first = next(i for i, ln in enumerate(lines, 1) if len(ln.strip()) > 12 and i + 1 < len(lines)
                 and len(lines[i].strip()) > 12)
    quote = lines[first - 1].strip()[-6:] + "\n  " + lines[first].strip()[:6]  # spans two lines, spaced
    page = client.get(f"/source/{file}", params={"quote": quote}).text
    marked = [int(n) for n in re.findall(r'class="pg-line pg-marked" id="L(\d+)"', page)]
    assert marked[:2] == [first, first + 1]
    missing = client.get("/source/src-001", params={"quote": "この文はどこにもない引用です"}).text
    assert "the quote was not found" in missing and "<mark>" not in missing


@pytest.mark.parametrize("quote", ["<script>window.__xss=1</script>", XSS_HREF, "x/evidence/1", "../evidence/1",
                                   "dir-future-investment-2017-cloud/evidence/99"])
def test_a_hostile_or_unknown_quote_parameter_marks_nothing(client, quote):
    page = client.get("/source/src-001", params={"quote": quote})
    assert page.status_code == 200
    main = page.text.split("<main>")[1].split("</main>")[0]
    assert "<mark>" not in main and "<script" not in main and "<img" not in main and "javascript:" not in main
    assert ("no evidence excerpt" if quote.endswith("/99") else "the quote was not found") in main


@pytest.mark.parametrize("path", ["/source/../../etc/passwd", "/source/..%2F..%2Fetc%2Fpasswd", "/source/%2Fetc%2Fpasswd",
                                  "/source/%2E%2E", "/source/.env", "/source/src-999", "/source/CATALOG.md",
                                  "/source/records.schema.json", "/source/dir-future-investment-2017-cloud",
                                  "/source/%2E%2E%2F%2E%2E%2Fpolicygraph.toml"])
def test_only_declared_source_texts_are_served(client, project, path):
    assert (project.sources_dir / "CATALOG.md").is_file()  # in the folder, but no SourceText names it
    answer = client.get(path)
    assert answer.status_code == 404
    assert "root:" not in answer.text


def test_every_file_line_links_to_the_source_viewer(client, project):
    node = client.get(f"/id/{DIRECTIVE}").text
    line = source_line(project, "001_c69d71386cb92e10.txt", PHRASE)
    assert f'href="/source/src-001?quote={EXCERPT}#L{line}">001_c69d71386cb92e10.txt:{line}</a>' in node
    gaps = client.get("/gaps?_size=1000").text
    links = re.findall(r'<a class="pg-source-link" href="([^"]+)">', gaps)
    assert links and all(html.unescape(u).startswith("/source/") and "#L" in u for u in links)
    target = html.unescape(links[0])
    viewer = client.get(target.split("#")[0])
    assert viewer.status_code == 200 and "<mark>" in viewer.text
    assert f'id="L{target.rsplit("#L", 1)[1]}"' in re.search(r'class="pg-line pg-marked" id="L\d+"', viewer.text).group(0)
    overview = client.get("/").text
    assert '<a class="pg-source-link" href="/source/src-001">001_c69d71386cb92e10.txt</a>' in overview
    evidence = client.get("/queries/evidence", params={"node": f"https://w3id.org/policygraph/id/{DIRECTIVE}"}).text
    assert f'href="/source/src-001?quote={EXCERPT}#L{line}"' in evidence


# ------------------------------------------------------------------------------ an older build, hostile text
@pytest.fixture(scope="module")
def old_build(store_dir, tmp_path_factory):
    """A copy of the session's generation without its search index: a store an older policygraph built."""
    gen = Path(os.path.realpath(store_dir)).parent
    copy = tmp_path_factory.mktemp("old") / "gen"
    shutil.copytree(gen, copy, ignore=shutil.ignore_patterns(fulltext.FILE))
    return copy / "store"


def test_an_older_build_without_an_index_says_so_and_searches_labels(project, old_build):
    with make_client(project, old_build) as old:
        page = old.get("/search", params={"q": "クラウド導入"}).text
        assert "search index is missing" in page and "run `policygraph build`" in page
        assert 'href="/id/kpi-cloud-municipalities"' in page
        assert "<mark>クラウド導入</mark>" in page
        assert re.search(r'id="pg-search-total">0 件', old.get("/search", params={"q": PHRASE}).text)
        exact = old.get("/search", params={"q": DIRECTIVE}, follow_redirects=False)
        assert exact.status_code == 303


@pytest.fixture(scope="module", params=["index", "no index"])
def hostile_store(project, tmp_path_factory, request):
    """A store (with its index, or without: the label search) whose labels, quotes, locators and file
    names are all XSS payloads."""
    g = hostile_graph(project)
    folder = tmp_path_factory.mktemp("hostile-search") / "store"
    store = ox.Store(str(folder))
    ok = [t for t in g if not any(isinstance(x, URIRef) and ('"' in x or "<" in x or " " in x) for x in t)]
    store.bulk_extend(ox.Quad(*(to_oxigraph(x) for x in t)) for t in ok)
    store.flush()
    if request.param == "index":
        fulltext.write(store, folder.parent / fulltext.FILE)
    del store
    return folder, request.param == "index"


@pytest.mark.parametrize("text", ["img", "script", "window", "x"])
def test_hostile_labels_and_quotes_stay_text_in_hits(project, hostile_store, text):
    folder, indexed = hostile_store
    with make_client(project, folder) as c:
        page = c.get("/search", params={"q": text}).text
    assert ("search index is missing" in page) is not indexed
    assert int(re.search(r'id="pg-search-total">(\d+) 件', page).group(1)) > 0
    main = page.split("<main>")[1].split("</main>")[0]
    for payload in (XSS_1, XSS_2, XSS_3, XSS_HREF):
        assert payload not in main
    assert "<img" not in main and "<script" not in main and 'href="javascript' not in main


# ------------------------------------------------------------------------------ in chromium
@pytest.fixture(scope="module")
def live(project, store_dir):
    with LiveServer(create_app(Settings(project, store_dir))) as server:
        yield server


def test_a_quote_hit_opens_the_source_viewer_at_its_line(browser, live, project):
    from tests.serve.test_serve_browser import clean, open_page
    page, log = open_page(browser, live, "/")
    page.fill("header .pg-search input[name=q]", PHRASE)
    page.press("header .pg-search input[name=q]", "Enter")
    page.wait_for_selector("#pg-search-results")
    hit = page.locator("#pg-search-results li.pg-hit-quote").first
    assert hit.locator("a.pg-hit-node").get_attribute("href") == f"/id/{DIRECTIVE}"
    assert hit.locator("mark").inner_text() == PHRASE
    page.screenshot(path="test-artifacts/serve-search.png")
    hit.locator("a.pg-source-link").click()
    page.wait_for_load_state("load")
    line = source_line(project, "001_c69d71386cb92e10.txt", PHRASE)
    assert page.evaluate("() => location.pathname + location.hash") == f"/source/src-001#L{line}"
    target = page.locator(":target")
    assert target.get_attribute("id") == f"L{line}"
    assert PHRASE in target.locator("mark").inner_text()
    box = target.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]  # scrolled to its line
    page.screenshot(path="test-artifacts/serve-source.png")
    page.goto(live.url + "/search?q=運用コスト", wait_until="load")  # the README's picture: facets, quote hits
    assert page.locator("#pg-facet-class li").count() > 1 and page.locator("li.pg-hit-quote mark").count() > 1
    page.screenshot(path="test-artifacts/serve-search-facets.png")
    clean(log)


def test_the_trace_page_links_its_quote_to_the_source_viewer(browser, live, project):
    from tests.serve.test_serve_browser import clean, open_page
    page, log = open_page(browser, live, f"/trace/{DIRECTIVE}")
    link = page.locator(f"#t-{DIRECTIVE} a.pg-source-link").first
    line = source_line(project, "001_c69d71386cb92e10.txt", PHRASE)
    href = link.get_attribute("href")  # the quote's text marks it (the trace carries texts, not excerpt ids)
    assert href.startswith("/source/src-001?quote=") and href.endswith(f"#L{line}")
    assert link.inner_text() == f"001_c69d71386cb92e10.txt:{line}"
    link.click()
    page.wait_for_load_state("load")
    assert page.locator(":target").get_attribute("id") == f"L{line}"
    assert PHRASE in page.locator(":target mark").inner_text()
    clean(log)


# ------------------------------------------------------------------------------ snapshots, old SQLite
def test_a_snapshot_served_by_date_gets_its_own_index(project, store_dir):
    import time

    from policygraph.cli.serve import snapshot_store
    folder = snapshot_store(project, str(store_dir), None, "2017-01-31")  # before 未来投資戦略2017 (2017-06-09)
    try:
        index = fulltext.index_of(folder)
        deadline = time.monotonic() + 120
        while fulltext.state(index, None) is not None:  # written in a thread after the server can start
            assert time.monotonic() < deadline, "no index for the snapshot"
            time.sleep(0.2)
        with make_client(project, folder) as c:
            assert re.search(r'id="pg-search-total">0 件', c.get("/search", params={"q": PHRASE}).text)
            page = c.get("/search", params={"q": "クラウド"}).text
            assert "search index is missing" not in page and len(hits(page)) > 0
        assert fulltext.search(fulltext.index_of(store_dir), PHRASE).total == 1  # the whole build has it
    finally:
        shutil.rmtree(folder.parent)


def test_without_a_trigram_sqlite_the_build_writes_no_index_and_says_so(project_copy, tmp_path, monkeypatch):
    import sqlite3

    from policygraph.pipeline import build
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    result = build(project_copy, tmp_path / "build")
    assert not (tmp_path / "build" / fulltext.FILE).exists()
    assert not (result.generation / fulltext.FILE).exists()
    assert any("SQLite 3.31.1 has no trigram tokenizer" in n for n in result.notes)
    assert fulltext.state(fulltext.index_of(tmp_path / "build" / "store"), None).startswith("the search index is missing")


# ------------------------------------------------------------------------------ a larger project
@pytest.fixture(scope="module")
def synth_project(tmp_path_factory):
    """A 20,000-triple synth project, built (with its index)."""
    from typer.testing import CliRunner

    from policygraph.cli.app import app
    from policygraph.pipeline import build
    from policygraph.project import Project
    root = tmp_path_factory.mktemp("synth-search")
    result = CliRunner().invoke(app, ["synth", "--triples", "20000", "--out", str(root), "--seed", "3"])
    assert result.exit_code == 0, result.output
    project = Project(root)
    build(project)
    return project


def test_on_a_synth_project_pages_facets_and_quote_links_agree_with_the_store(synth_project):
    from policygraph.store.embedded import open_store
    from policygraph.store.engines import OxigraphEngine
    from policygraph.views import records
    store_dir = synth_project.build_dir / "store"
    engine = OxigraphEngine(store=open_store(store_dir))
    by_node, by_source = _sparql_counts(engine, "導入")
    classes = records.classes(engine, synth_project.query_dirs)
    with make_client(synth_project, store_dir) as c:
        seen, url = [], "/search?q=導入&_size=100"
        while url:
            page = c.get(url).text
            seen += hits(page)
            nxt = re.search(r'<a href="([^"]+)" rel="next"', page)
            url = html.unescape(nxt.group(1)) if nxt else None
        assert len(seen) == len(set(seen)) == sum(by_node.values()) > 100
        shown = {n: int(k) for n, k in re.findall(r'data-value="([^"]+)"[^>]*>[^<]*</a> <span class="pg-count">(\d+)',
                                                  page.split('id="pg-facet-class"')[1].split("</ul>")[0])}
        expected: dict[str, int] = {}
        for node, n in by_node.items():
            expected[classes[node]] = expected.get(classes[node], 0) + n
        assert shown == expected
        quote = next(link for _, kind, link in seen if kind == "quote")
        target = "/source/" + quote.split("/source/", 1)[1]
        viewer = c.get(target.split("#")[0]).text
        line = target.rsplit("#L", 1)[1]
        assert re.search(rf'<div class="pg-line pg-marked" id="L{line}">', viewer)


def test_sort_and_streamed_downloads_of_every_hit(client):
    """Issue #23: the search is a table like the others: `_sort` / `_sort_desc` on a column of its hits,
    and CSV (with a BOM) / JSON lines of every hit (no page, no cap), with the facet of the URL applied."""
    import csv
    import io
    import json
    every = client.get("/search.json", params={"q": "クラウド", "_size": "max"}).json()
    assert every["count"] > 20
    by_label = client.get("/search.json", params={"q": "クラウド", "_sort": "label", "_size": "max"}).json()["rows"]
    labels = [r["label"] for r in by_label]
    present = [v for v in labels if v is not None]
    assert labels == present + [None] * (len(labels) - len(present)) and present == sorted(present)
    desc = client.get("/search.json", params={"q": "クラウド", "_sort_desc": "file", "_size": "max"}).json()["rows"]
    files = [r["file"] for r in desc if r["file"] is not None]
    assert files and files == sorted(files, reverse=True)
    assert client.get("/search", params={"q": "クラウド", "_sort": "nope"}).status_code == 400
    raw = client.get("/search.csv", params={"q": "クラウド"}).content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    key = ("node", "kind", "text")
    assert sorted(tuple(r[k] for k in key) for r in rows) == sorted(tuple(r[k] for k in key) for r in every["rows"])
    cls = every["facet_results"]["cls"]["results"][0]
    lines = client.get("/search.jsonl", params={"q": "クラウド", "cls": cls["value"]}).text.splitlines()
    assert len(lines) == cls["count"] and all(json.loads(x)["cls"] == cls["value"] for x in lines)
    from urllib.parse import unquote
    chosen = client.get("/search.csv", params={"q": "クラウド", "_col": "node,file", "_nocol": "file"}).content
    assert chosen.decode("utf-8-sig").splitlines()[0] == "node"
    assert client.get("/search.csv", params={"q": "クラウド", "_col": "nope"}).status_code == 400
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(client.get("/search.xlsx", params={"q": "クラウド"}).content))
    sheet = book[book.sheetnames[-1]]
    assert sheet.max_row - 1 == every["count"] and [c.value for c in sheet[1]][:2] == ["node", "cls"]
    page = unquote(html.unescape(client.get("/search", params={"q": "クラウド"}).text))
    assert 'href="/search.csv?q=クラウド"' in page and "_sort=label" in page


def test_writing_the_index_removes_what_a_killed_writer_left(tmp_path):
    """A server killed while its thread wrote a dated store's index left `.search.sqlite.<pid>.tmp` behind
    for good. The next write removes such files of writers that are gone, and leaves a running one's."""
    import subprocess
    import sys
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path = tmp_path / fulltext.FILE
    dead = tmp_path / f".{fulltext.FILE}.{int(gone.stdout)}.tmp"
    running = tmp_path / f".{fulltext.FILE}.{os.getppid()}.tmp"
    for leftover in (dead, running):
        leftover.write_bytes(b"half an index")
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/policygraph/id/x"),
                      ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("x", language="ja")))
    fulltext.write_atomic(store, path)
    assert path.is_file() and not dead.exists() and running.exists()
