"""Accessibility of `policygraph serve`'s pages in Debian's chromium: axe-core (vendored for the tests only,
tests/vendor/axe-core-<version>/, by viz/vendor_axe.sh) finds no WCAG 2.0/2.1 A or AA violation on the
overview, the board, a KPI's page, the gaps, a search and the explorer; the skip link comes first and
moves the focus to the content; sortable headers are buttons a keyboard can focus and press."""
import json
from pathlib import Path

import pytest

from tests.serve.test_explore_browser import ready
from tests.serve.test_serve_browser import clean, open_page

AXE_VERSION = "4.14.1"
AXE = Path(__file__).resolve().parents[1] / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
KPI = "kpi-cloud-municipalities"
#: The pages issue 23 names, then the other pages of the app's own templates.
PAGES = ["/", "/kpis", f"/id/{KPI}", "/gaps", "/search?q=クラウド", "/explore",
         "/queries", "/queries/kpi-status", "/diff?a=doc-progress-2016&b=doc-progress-2017",
         "/source/src-001?quote=dir-future-investment-2017-cloud/evidence/1", "/query",
         "/trace/dir-future-investment-2017-cloud", "/id/no-such-record"]
#: Markup that is not the project's: YASGUI (vendored) draws the editor inside #yasgui; axe-core 4.14.1 finds
#: aria-required-children, color-contrast (CodeMirror's #ff5500 strings), label and scrollable-region-focusable
#: there. The page around it is checked.
NOT_OURS = {"/query": ["#yasgui"]}


def axe_violations(page, exclude=()) -> list[dict]:
    """axe-core's violations on the page as shown. The script is evaluated through the DevTools protocol,
    as a test harness does, so it is never a script of the page (the pages' CSP allows none from here)."""
    session = page.context.new_cdp_session(page)
    done = session.send("Runtime.evaluate", {"expression": AXE.read_text(encoding="utf-8") + "\n;typeof axe"})
    assert done["result"].get("value") == "object", done
    return page.evaluate("""([tags, exclude]) => axe.run({include: [['html']], exclude: exclude.map(s => [s])},
            {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
        .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, tags: v.tags,
            nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary}))})))""",
                         [TAGS, list(exclude)])


def checked(browser, live, path) -> list[dict]:
    page, log = open_page(browser, live, path)
    assert page.request.get(live.url + path).status == (404 if "no-such" in path else 200)
    if path == "/explore":
        ready(page)
    if path == "/query":
        page.wait_for_selector(".yasqe .CodeMirror")
    found = axe_violations(page, NOT_OURS.get(path, ()))
    if path != "/id/no-such-record":
        clean(log)
    page.context.close()
    return found


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_wcag_a_or_aa_violation(browser, live, path):
    """The status chips included: white on the 達成 chip was 3.83:1 until the one attainment palette
    (views/palette.py, issue 23 point 6) replaced it."""
    found = checked(browser, live, path)
    assert found == [], f"axe-core {AXE_VERSION} on {path}:\n" + json.dumps(found, ensure_ascii=False, indent=1)


# (not /query: YASGUI puts the focus in its editor on load; the skip link is first there too, in the same frame)
@pytest.mark.parametrize("path", ["/", "/kpis", f"/id/{KPI}", "/gaps", "/search?q=クラウド", "/queries/kpi-status",
                                  "/diff", "/trace/dir-future-investment-2017-cloud", "/id/no-such-record"])
def test_the_skip_link_comes_first_and_moves_the_focus_to_the_content(browser, live, path):
    page, _log = open_page(browser, live, path)
    page.keyboard.press("Tab")
    first = page.evaluate("() => [document.activeElement.className, document.activeElement.textContent]")
    assert first == ["pg-skip", "本文へ移動 Skip to content"]
    assert page.locator("a.pg-skip").is_visible()  # shown while it has the focus
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "pg-page-title"  # the <h1>, first in <main>
    assert page.evaluate("() => document.activeElement.parentElement.tagName") == "MAIN"
    assert page.locator("header nav").count() == 1 and page.locator("main").count() == 1
    page.context.close()


def test_the_explorer_has_its_skip_link_first(browser, live):
    page, _log = open_page(browser, live, "/explore")
    ready(page)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "pg-skip"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "pg-search"
    page.context.close()


def test_sortable_headers_are_links_a_keyboard_reaches_and_presses(browser, live):
    """The tables sort on the server (`?_sort=` / `?_sort_desc=`, issue #23): each heading is a real link,
    in the tab order, its focus visible; Enter on it sorts, and again sorts the other way; aria-sort says so."""
    page, log = open_page(browser, live, "/gaps")
    heading = "#pg-gaps thead th:nth-child(3)"  # node
    assert page.locator(f"{heading} a.pg-sort").count() == 1 and page.get_attribute(heading, "aria-sort") is None

    def tab_to_heading():  # Tab until the focus is on that heading's link: it is in the page's tab order
        for _ in range(300):
            page.keyboard.press("Tab")
            if page.evaluate(f"() => document.activeElement.closest('{heading}') !== null"):
                return
        pytest.fail("the heading's sort link is never reached with Tab")
    tab_to_heading()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"  # visible
    cells = ("() => [...document.querySelectorAll('#pg-gaps tbody tr td:nth-child(3)')]"
             ".map(td => (td.querySelector('a') || td).textContent.trim())")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "_sort=node" in page.url and page.get_attribute(heading, "aria-sort") == "ascending"
    ascending = page.evaluate(cells)
    assert ascending == sorted(ascending) and len(set(ascending)) > 1
    tab_to_heading()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "_sort_desc=node" in page.url and page.get_attribute(heading, "aria-sort") == "descending"
    descending = page.evaluate(cells)
    assert descending == sorted(descending, reverse=True) and descending != ascending
    clean(log)
    page.context.close()


@pytest.mark.parametrize("path", [p for p in PAGES if p not in ("/explore", "/id/no-such-record")])
def test_no_page_scrolls_sideways_on_a_narrow_screen(browser, live, path):
    """WCAG 1.4.10 (reflow): at 400 CSS px wide the page itself does not scroll sideways; a wide table, the
    coverage map and a bar chart scroll inside their own box, which a keyboard can focus. The overview
    was 1,065 px wide (the coverage map), the gaps page 885 px (its table), the diff and query pages
    740 and 643 px (long document titles in a select)."""
    page, log = open_page(browser, live, path)
    page.set_viewport_size({"width": 400, "height": 800})
    if path == "/query":
        page.wait_for_selector(".yasqe .CodeMirror")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{path} is {width[0]} px wide at {width[1]} px"
    boxes = page.evaluate("() => [...document.querySelectorAll('.pg-scroll')].map(b => b.tabIndex)")
    assert all(t == 0 for t in boxes)
    clean(log)
    page.context.close()
