"""Choose the explorer's renderer with figures: vis-network (canvas 2D) against sigma.js + graphology
(WebGL), both vendored from npm, in Debian's headless Chromium. Prints the figures side by side; not
part of the test suite.

    python benchmarks/viz_renderers.py                  # 300, 1k and 5k visible nodes, 3 runs each
    python benchmarks/viz_renderers.py --sizes 300 1000 --runs 1 --pan-seconds 1

For each renderer and size: *first draw* (ms from creating the renderer, positions given, to the end of
its first frame) and *frames per second while panning* (the camera moves every animation frame for
--pan-seconds; frames that were really drawn, divided by the time). Then *layout* of a 500-node chain
(document → directive → reform item → step/KPI → values, left to right): vis-network's hierarchical
layout, and for sigma (which has no layout of its own) the layered layout the explorer computes in
JavaScript, each until the first frame. Goals (issue #22): first draw ≤ 1 s and ≥ 30 frames/s at 1k
visible nodes.

The graphs are the shape the explorer shows: nodes with short Japanese labels (drawn), about 1.4
edges per node, positions precomputed (vis-network's physics off). Headless Chromium has no GPU here:
WebGL runs on SwiftShader (software), canvas 2D on Skia's CPU path; the machine is shared, so compare
the ratios of one run, not absolute figures across runs.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from policygraph.views.viz_browser import ARGS, chromium_missing
from policygraph import settings

VENDOR = Path(__file__).resolve().parents[1] / "src" / "policygraph" / "resources" / "viz" / "vendor"
VIS = VENDOR / "vis-network-10.1.5" / "vis-network.min.js"
SIGMA = VENDOR / "sigma-4.0.4" / "sigma.min.js"
GRAPHOLOGY = VENDOR / "graphology-0.26.0" / "graphology.umd.min.js"

HARNESS = r"""
<!doctype html><meta charset="utf-8"><title>renderer bench</title>
<style>html,body{margin:0;height:100%} #g{width:100vw;height:100vh}</style>
<div id="g"></div>
%SCRIPTS%
<script>
// A deterministic graph of n nodes: a tree of 5 levels (like a neighbourhood or a trace) plus
// cross links, so about 1.4 edges per node; positions on a layered grid.
function rng(seed) { return function () { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }; }
var KINDS = ["文書", "指示", "改革項目", "成果指標", "実績値"];
var COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2"];
function makeGraph(n, chain) {
  var r = rng(42), nodes = [], edges = [], level = [], parent = [];
  for (var i = 0; i < n; i++) {
    var p = i === 0 ? -1 : Math.floor(r() * Math.max(1, Math.min(i, Math.ceil(i / 3))));
    var lv = p < 0 ? 0 : Math.min(4, level[p] + 1);
    level.push(lv); parent.push(p);
    nodes.push({ id: "n" + i, label: KINDS[lv] + i, level: lv, color: COLORS[lv] });
    if (p >= 0) edges.push({ id: "e" + edges.length, from: "n" + p, to: "n" + i });
  }
  if (!chain) for (var k = 0; k < n * 0.4; k++) {
    var a = Math.floor(r() * n), b = Math.floor(r() * n);
    if (a !== b) edges.push({ id: "e" + edges.length, from: "n" + a, to: "n" + b });
  }
  var side = Math.ceil(Math.sqrt(n));
  nodes.forEach(function (nd, i) { nd.x = (i % side) * 120; nd.y = Math.floor(i / side) * 80; });
  return { nodes: nodes, edges: edges };
}
// The explorer's layered layout: depth by breadth-first order from the roots, one column per
// depth, rows in order of discovery.
function layered(g) {
  var out = {}, depth = {}, rows = {}, q = [];
  g.edges.forEach(function (e) { (out[e.from] = out[e.from] || []).push(e.to); });
  g.nodes.forEach(function (nd) { if (nd.level === 0) { depth[nd.id] = 0; q.push(nd.id); } });
  for (var h = 0; h < q.length; h++) (out[q[h]] || []).forEach(function (t) {
    if (depth[t] === undefined) { depth[t] = depth[q[h]] + 1; q.push(t); } });
  var pos = {};
  q.forEach(function (id) { var d = depth[id]; rows[d] = (rows[d] || 0) + 1; pos[id] = { x: d * 260, y: rows[d] * 40 }; });
  return pos;
}
var frames = 0, firstDraw = null, t0 = 0;
window.bench = {};
function panFps(seconds, move) {
  return new Promise(function (resolve) {
    var start = performance.now(), startFrames = frames, i = 0;
    function step() {
      var now = performance.now();
      if (now - start >= seconds * 1000) { resolve((frames - startFrames) * 1000 / (now - start)); return; }
      move(++i); requestAnimationFrame(step);
    }
    requestAnimationFrame(step);
  });
}
// First draw: from creating the renderer until the animation frame after its first draw has run
// (vis-network draws in an animation frame, sigma synchronously in its constructor).
function drawn() { return new Promise(function (resolve) {
  (function wait() { if (firstDraw !== null) requestAnimationFrame(function () { resolve(performance.now() - t0); });
                     else requestAnimationFrame(wait); })(); }); }
</script>
<script>
var RENDERER = "%RENDERER%", N = %N%, CHAIN = %CHAIN%, PAN = %PAN%;
var g = makeGraph(N, CHAIN), net = null;
async function run() {
  var el = document.getElementById("g");
  if (RENDERER === "vis") {
    var opts = { physics: false, edges: { arrows: "to", smooth: false, color: "#999" },
                 nodes: { shape: "dot", size: 10, font: { size: 14 } }, interaction: { hover: true } };
    var data = { nodes: new vis.DataSet(g.nodes.map(function (nd) {
                   var o = { id: nd.id, label: nd.label, color: nd.color, level: nd.level };
                   if (!CHAIN) { o.x = nd.x; o.y = nd.y; } return o; })),
                 edges: new vis.DataSet(g.edges) };
    if (CHAIN) opts.layout = { hierarchical: { direction: "LR", sortMethod: "directed", levelSeparation: 260, nodeSpacing: 40 } };
    t0 = performance.now();
    net = new vis.Network(el, data, opts);
    net.on("afterDrawing", function () { frames++; if (firstDraw === null) firstDraw = performance.now(); });
    var first = await drawn();
    var c = net.getViewPosition(), s = net.getScale();
    var fps = CHAIN ? null : await panFps(PAN, function (i) {
      net.moveTo({ position: { x: c.x + Math.sin(i / 20) * 300 / s, y: c.y }, scale: s, animation: false }); });
    return { first: first, fps: fps };
  }
  t0 = performance.now();
  var graph = new graphology.Graph({ multi: true });
  var pos = CHAIN ? layered(g) : null;
  g.nodes.forEach(function (nd) {
    var p = pos ? pos[nd.id] : nd;
    graph.addNode(nd.id, { label: nd.label, x: p.x, y: -p.y, size: 6, color: nd.color }); });
  g.edges.forEach(function (e) { graph.addEdgeWithKey(e.id, e.from, e.to, { color: "#999", type: "arrow" }); });
  net = new Sigma(graph, el, { labelRenderedSizeThreshold: 0, renderEdgeLabels: false });
  firstDraw = performance.now();  // the constructor has rendered
  net.on("afterRender", function () { frames++; });
  var first = await drawn();
  var cam = net.getCamera(), st = cam.getState();
  var fps = CHAIN ? null : await panFps(PAN, function (i) {
    cam.setState({ x: st.x + Math.sin(i / 20) * 0.2, y: st.y, ratio: st.ratio, angle: 0 }); });
  return { first: first, fps: fps };
}
window.addEventListener("load", function () {
  run().then(function (r) { window.bench = r; window.benchDone = true; },
             function (e) { window.bench = { error: String(e) }; window.benchDone = true; });
});
</script>
"""


def harness(tmp: Path, renderer: str, n: int, chain: bool, pan: float) -> Path:
    libs = [VIS] if renderer == "vis" else [GRAPHOLOGY, SIGMA]
    scripts = "\n".join(f'<script src="{p.resolve().as_uri()}"></script>' for p in libs)
    html = (HARNESS.replace("%SCRIPTS%", scripts).replace("%RENDERER%", renderer).replace("%N%", str(n))
            .replace("%CHAIN%", "true" if chain else "false").replace("%PAN%", str(pan)))
    path = tmp / f"{renderer}-{n}-{'chain' if chain else 'free'}.html"
    path.write_text(html, encoding="utf-8")
    return path


def measure(browser, path: Path) -> dict:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("() => window.benchDone === true", timeout=300_000)
    result = page.evaluate("() => window.bench")
    ctx.close()
    if errors or "error" in result:
        raise RuntimeError(f"{path.name}: {errors or result['error']}")
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 5000])
    ap.add_argument("--chain", type=int, default=500, help="nodes of the chain whose layout is timed")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure; the median is printed")
    ap.add_argument("--pan-seconds", type=float, default=2.0)
    args = ap.parse_args(argv)
    missing = chromium_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        # SwiftShader gives headless Chromium WebGL without a GPU (sigma needs WebGL).
        browser = p.chromium.launch(executable_path=settings.chromium_path(), headless=True,
                                    args=ARGS + ["--enable-unsafe-swiftshader", "--use-angle=swiftshader"])
        try:
            for n in args.sizes:
                row = {"nodes": n}
                for r in ("vis", "sigma"):
                    runs = [measure(browser, harness(Path(tmp), r, n, False, args.pan_seconds))
                            for _ in range(args.runs)]
                    row[f"{r}_first_ms"] = statistics.median(x["first"] for x in runs)
                    row[f"{r}_fps"] = statistics.median(x["fps"] for x in runs)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
            chain = {}
            for r in ("vis", "sigma"):
                runs = [measure(browser, harness(Path(tmp), r, args.chain, True, 0)) for _ in range(args.runs)]
                chain[r] = statistics.median(x["first"] for x in runs)
        finally:
            browser.close()
    print(f"Renderers in headless Chromium (medians of {args.runs}; first draw in ms, panning in frames/s)")
    print(f"{'visible nodes':>14} | {'vis-network first':>17} | {'sigma first':>11} | {'vis-network fps':>15} | {'sigma fps':>9}")
    for row in rows:
        print(f"{row['nodes']:>14,} | {row['vis_first_ms']:>17.0f} | {row['sigma_first_ms']:>11.0f} | "
              f"{row['vis_fps']:>15.1f} | {row['sigma_fps']:>9.1f}")
    print(f"layout + first draw of a {args.chain}-node chain (ms): vis-network hierarchical {chain['vis']:.0f}, "
          f"sigma with the explorer's layered layout {chain['sigma']:.0f}")
    k = next((row for row in rows if row["nodes"] == 1000), None)
    if k:
        ok = k["vis_first_ms"] <= 1000 and k["vis_fps"] >= 30
        print(f"goal at 1k visible nodes (first draw ≤ 1 s, ≥ 30 frames/s) for vis-network: {'met' if ok else 'missed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
