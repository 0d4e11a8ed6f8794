"""`policygraph viz explore`: the explorer as one offline file (the same explore.js as /explore), in
Debian's chromium from file:// with every other request aborted."""
import pytest

from policygraph.cli.app import app
from policygraph.views.viz_browser import instrumented_page

KPI = "kpi-cloud-municipalities"


@pytest.fixture(scope="module")
def explore_file(tmp_path_factory, store_dir):
    from tests.conftest import StoreRunner
    out = tmp_path_factory.mktemp("explore") / "cloud.html"
    result = StoreRunner(store_dir).invoke(app, ["viz", "explore", KPI, "--depth", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout
    return out


def ready(page):
    page.wait_for_function("() => window.pgexplore && window.pgexplore.ready.done", timeout=30000)
    page.wait_for_timeout(300)


def test_the_file_explores_offline(browser, explore_file, engine, project):
    from policygraph.query.sparql import QueryLibrary
    from policygraph.views.records import node_links
    page, log = instrumented_page(browser)
    page.goto(explore_file.as_uri(), wait_until="load")
    ready(page)
    api = node_links(engine, QueryLibrary(project.query_dirs), KPI)
    shown = set(page.evaluate("() => pgexplore.view.getIds()"))
    assert {KPI} | {n["id"] for g in api["groups"] for n in g["nodes"]} <= shown
    page.wait_for_selector("#pg-panel blockquote.pg-quote")  # the node page's template, embedded
    assert page.locator("#pg-panel-title").text_content() == "クラウド導入市区町村数"
    # expand a neighbour (embedded: depth 2), the state goes into the hash; reload restores it
    item = sorted(n["id"] for g in api["groups"] for n in g["nodes"] if n["cls"] == "ReformItem")[0]
    page.evaluate("id => pgexplore.expand(id)", item)
    page.wait_for_function("id => pgexplore.state().expanded.includes(id)", arg=item)
    before = sorted(page.evaluate("() => pgexplore.view.getIds()"))
    page.evaluate("() => history.pushState(null, '', '#focus=kpi-cloud-municipalities&expand=' + pgexplore.state().expanded.filter(x => x !== 'kpi-cloud-municipalities').join(','))")
    page.reload(wait_until="load")
    ready(page)
    assert sorted(page.evaluate("() => pgexplore.view.getIds()")) == before
    # search within the file
    page.fill("#pg-search", "クラウド")
    page.press("#pg-search", "Enter")
    page.wait_for_selector("#pg-results button")
    # a path within the file's links
    page.evaluate("ids => pgexplore.showPath(ids[0], ids[1])", [KPI, item])
    page.wait_for_function("() => /shortest path/.test(document.getElementById('pg-path-msg').textContent)")
    # the coverage map is there too
    assert page.locator("#pg-coverage-box svg path.pg-flow").count() >= 5
    assert all(u.startswith("file://") or u.startswith("data:") for u in log["requests"]), log["requests"]
    assert log["page_errors"] == [] and log["console_errors"] == [] and log["dialogs"] == []
    assert page.evaluate("() => typeof window.__xss") == "undefined"


def test_unknown_focus_is_a_usage_error(runner, tmp_path):
    out = tmp_path / "x.html"
    result = runner.invoke(app, ["viz", "explore", "no-such-record", "-o", str(out)])
    assert result.exit_code == 2 and "no record 'no-such-record'" in result.stderr
    assert not out.exists()
