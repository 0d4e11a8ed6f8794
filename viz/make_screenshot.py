"""Regenerate docs/screenshot-trace.png (the README's picture of `viz trace`: the explorer file on the
chain of 未来投資戦略2017, the cloud KPI's panel open).

    python viz/make_screenshot.py      # after `policygraph build`

Uses Debian's /usr/bin/chromium; install fonts-noto-cjk first or Japanese shows as boxes.
"""
import subprocess
import sys

from policygraph.project import Project
from policygraph.views.viz_browser import chromium, instrumented_page

KPI = "kpi-cloud-municipalities"
project = Project.locate()
page_path = project.build_dir / "viz-trace-screenshot.html"
subprocess.run([sys.executable, "-m", "policygraph", "viz", "trace", "未来投資戦略2017", "-o", str(page_path),
                "--root", str(project.root)], check=True)
out = project.root / "docs" / "screenshot-trace.png"
with chromium() as browser:
    page, log = instrumented_page(browser, viewport=(1500, 900))
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("() => window.pgexplore && window.pgexplore.ready.done", timeout=30000)
    page.evaluate("""id => { const n = pgexplore.network, p = n.getPositions([id])[id];
        n.moveTo({position: {x: p.x - 200, y: p.y + 120}, scale: 0.9, animation: false});
        n.selectNodes([id]); }""", KPI)
    box = page.eval_on_selector("#pg-graph canvas", "c => c.getBoundingClientRect().toJSON()")
    p = page.evaluate("id => pgexplore.network.canvasToDOM(pgexplore.network.getPositions([id])[id])", KPI)
    page.mouse.click(box["x"] + p["x"], box["y"] + p["y"])   # opens the panel (and expands the KPI)
    page.wait_for_selector("#pg-panel blockquote.pg-quote")
    page.mouse.move(box["x"] + 20, box["y"] + 20)  # an empty spot of the canvas: no tooltip in the picture
    page.wait_for_timeout(500)
    assert not log["console_errors"] and all(u.startswith(("file://", "data:")) for u in log["requests"])
    page.screenshot(path=str(out))
print(f"wrote {out}")
