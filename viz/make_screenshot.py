"""Regenerate docs/screenshot-trace.png (the README's picture of `viz trace`).

    python viz/make_screenshot.py

Uses Debian's /usr/bin/chromium; install fonts-noto-cjk first or Japanese shows as boxes.
"""
from pathlib import Path

from policygraph.pipeline import load_graph
from policygraph.project import Project
from policygraph.query.sparql import QueryLibrary
from policygraph.query.trace import trace
from policygraph.views.viz import render, trace_view, write_page
from policygraph.views.viz_browser import chromium, instrumented_page, node_screen_xy, open_view
from policygraph.views.viz_model import RecordGraph

project = Project.locate()
graph, _ = load_graph(project)
result = trace(graph, QueryLibrary(project.queries_dir), "未来投資戦略2017")
page_path = write_page(project.build_dir / "viz-trace-screenshot.html", render(trace_view(RecordGraph(graph), result), project))
out = project.root / "docs" / "screenshot-trace.png"
with chromium() as browser:
    page, log = instrumented_page(browser, viewport=(1500, 900))
    open_view(page, page_path)
    page.evaluate("""() => { const n = pgviz.network, p = n.getPositions(['kpi-cloud-municipalities'])
        ['kpi-cloud-municipalities']; n.moveTo({position: {x: p.x, y: p.y - 120}, scale: 0.95, animation: false}); }""")
    x, y = node_screen_xy(page, "kpi-cloud-municipalities")
    page.mouse.click(x, y)
    page.wait_for_selector("#pg-panel:not([hidden])")
    page.mouse.move(x - 300, y - 330)  # an empty spot of the canvas: no tooltip in the picture
    page.wait_for_timeout(200)
    assert not log["console_errors"] and all(u.startswith("file://") for u in log["requests"])
    page.screenshot(path=str(out))
print(f"wrote {out}")
