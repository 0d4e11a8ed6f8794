"""Open view pages in Debian's headless Chromium through Playwright (tests, benchmarks, screenshots).

Never downloads a browser: it drives /usr/bin/chromium (or $POLICYGRAPH_CHROMIUM). Every page is
instrumented: it records each request, console error, page error and dialog, aborts any request
that is not file: or data:, and logs every assignment to window.__xss (the XSS probe).

Usage (needs Chromium, so not a doctest; tests/test_viz_browser.py runs exactly this):

    with chromium() as browser:
        page, log = instrumented_page(browser)
        open_view(page, Path("build/viz-graph.html"))
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from policygraph import settings

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--no-default-browser-check"]

_XSS_PROBE = """(() => { let v; window.__xss_log = [];
  Object.defineProperty(window, '__xss', {configurable: true,
    get() { return v; }, set(x) { v = x; window.__xss_log.push(String(x)); }}); })();"""


def chromium_missing() -> str | None:
    """Why the browser cannot run, or None."""
    binary = settings.chromium_path()
    if not Path(binary).is_file():
        return (f"{binary} not found: install Debian's chromium (`apt-get install -y chromium`, which "
                "`make test` does when run as root); set POLICYGRAPH_SKIP_BROWSER=1 to skip browser tests")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright Python package is missing: pip install -e '.[test]'"
    return None


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=settings.chromium_path(), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def instrumented_page(browser, viewport=(1400, 900)):
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = ctx.new_page()
    log = {"requests": [], "console_errors": [], "page_errors": [], "dialogs": []}
    page.on("request", lambda r: log["requests"].append(r.url))
    page.on("console", lambda m: log["console_errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log["page_errors"].append(str(e)))

    def on_dialog(dialog):
        log["dialogs"].append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()
    page.on("dialog", on_dialog)
    page.add_init_script(_XSS_PROBE)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else route.abort())
    return page, log


def open_view(page, path: Path, timeout_ms: float = 30000) -> None:
    """Load a view page and wait for vis-network's first draw.

    The wait uses a function predicate: the page's CSP forbids eval, which string predicates need.
    """
    page.goto(Path(path).resolve().as_uri(), wait_until="load")
    page.wait_for_function("() => window.pgviz && window.pgviz.timings.firstDraw !== null", timeout=timeout_ms)


def node_screen_xy(page, node_id: str) -> tuple[float, float]:
    """Viewport coordinates of a node's centre (for real mouse clicks)."""
    box = page.eval_on_selector("#pg-graph canvas", "c => c.getBoundingClientRect().toJSON()")
    p = page.evaluate("id => pgviz.network.canvasToDOM(pgviz.network.getPositions([id])[id])", node_id)
    return box["x"] + p["x"], box["y"] + p["y"]
