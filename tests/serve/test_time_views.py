"""The web app and issue 11: the edition diff page, and serving the graph as of a date."""
import json

from policygraph.cli.serve import dated_store

from .conftest import make_client


def test_the_diff_page_shows_each_section_with_linked_kpis(client):
    page = client.get("/diff", params={"a": "doc-progress-2016", "b": "doc-progress-2017"})
    assert page.status_code == 200
    assert "新しい実績値 <span lang=\"en\">New values</span> (7)" in page.text and "301団体 (2017-04)" in page.text
    assert 'href="/id/kpi-11-window-outsourcing"' in page.text
    data = client.get("/diff.json", params={"a": "doc-progress-2016", "b": "doc-progress-2017"}).json()
    window = next(r for r in data["new_values"] if r["kpi"] == "kpi-11-window-outsourcing")
    assert window["a_latest"] == "278団体 (2016-04)"


def test_the_diff_form_lists_documents_and_an_unknown_one_is_a_404(client):
    form = client.get("/diff")
    assert form.status_code == 200 and 'value="doc-progress-2016"' in form.text
    missing = client.get("/diff", params={"a": "doc-progress-2016", "b": "<script>x</script>"})
    assert missing.status_code in (400, 404) and "the later document" in missing.text and "DOC_B" not in missing.text
    assert missing.headers["content-type"].startswith("text/plain")  # the echoed value is inert text


def test_serving_as_published_by_a_date_answers_as_of_that_date(project, store_dir):
    folder = dated_store(store_dir, None, "2017-01-31")  # the store as of the date, beside the built store
    assert folder.parent.parent == store_dir.resolve().parent / "as-of"
    with make_client(project, folder) as c:
        # the store as of a date lives in its generation, and /health names that generation
        assert c.get("/health").json()["store"]["generation"] == store_dir.resolve().parent.name
        rows = c.get("/queries/kpi-status.json?_shape=array").json()
        rows = rows if isinstance(rows, list) else rows["rows"]
        window = next(r for r in rows if str(r["kpi"]).endswith("kpi-11-window-outsourcing"))
        assert (int(window["latestValue"]), window["asOf"]) == (278, "2017-01-31")
        answer = c.get("/sparql", params={"query": "ASK { ?d <https://w3id.org/policygraph/ontology#hasDirective> "
                                                   "?x . FILTER(CONTAINS(STR(?d), 'evaluation-2019')) }"},
                       headers={"Accept": "application/sparql-results+json"})
        assert json.loads(answer.text)["boolean"] is False  # the 2019 evaluation was not published yet


def test_the_trace_page_carries_the_site_navigation_and_search(client):
    page = client.get("/trace/doc-progress-2017")
    assert page.status_code == 200
    assert 'action="/search"' in page.text and 'href="/kpis"' in page.text
    policy = page.headers["content-security-policy"]
    assert "form-action 'self'" in policy and "default-src 'none'" in policy
    assert page.text.count('type="search"') == 1  # one search box: the site's (the old view had its own too)
