"""Interactive graph views: self-contained, offline HTML pages drawn with pyvis / vis-network.

Three views, each a function returning a `View` (nodes, edges, panel details, legend):
graph_view (every record, or a selection of them), trace_view (one directive or document down to
its observations, laid out top-down), gaps_view (the graph with the gap report's rows marked).
`render` turns a View into one HTML file with pyvis and our template (the project's viz/templates/
where it has one, else the one shipped in the package); the page loads nothing from the network:

- vis-network is vendored from npm (resources/viz/vendor/vis-network-<version>/, SHA-256 checked) and
  inlined; pyvis' own templates, which fetch Bootstrap and vis from CDNs, are never used;
- every string reaches the page as JSON inside <script type="application/json"> (Jinja's tojson
  escapes < > & '), the page script uses textContent only, pyvis' select menu and its innerHTML
  tooltip are not in our template;
- a Content-Security-Policy allows only our two inline scripts (by SHA-256) and no fetch at all.

Example:
    >>> from policygraph.views import records
    >>> rg = records.index(engine, library)
    >>> html = render_page(graph_view(rg, load=lambda ids: records.load(engine, library, ids)), project)
    >>> html.startswith("<!DOCTYPE html>"), "https://" in html.split("<script", 1)[0]
    (True, False)
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.output import write_atomically
from policygraph.project import Project
from policygraph.views.chart import kpi_chart
from policygraph.views.palette import PALETTE, UNKNOWN
from policygraph.views.palette import css as palette_css
from policygraph.views.viz_model import (
    ATTAINMENT_STYLE,
    CLASS_STYLE,
    OTHER_STYLE,
    RecordGraph,
    Selection,
    layered_positions,
    neighbours_of,
    record_id,
)

VIS_VERSION = "10.1.5"
#: Above this many nodes `viz graph` / `viz gaps` refuse: the page would be too slow to use.
from policygraph.views import DEFAULT_MAX_NODES  # noqa: E402 (re-exported)

LABEL_MAX = 28

TEMPLATE = "page.html.j2"

BASE_OPTIONS = {
    "physics": {"enabled": False},
    "layout": {"improvedLayout": False},
    "nodes": {"size": 12, "font": {"size": 13, "face": "Noto Sans CJK JP, Noto Sans JP, sans-serif"},
              "borderWidth": 1, "widthConstraint": {"maximum": 150}},
    "edges": {"smooth": False, "color": {"color": "#a0a8b0", "highlight": "#333", "hover": "#555"},
              "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}, "width": 1},
    "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": True, "hideEdgesOnZoom": True,
                    "navigationButtons": False, "keyboard": False},
}


@dataclass
class View:
    kind: str                      # "graph" | "trace" | "gaps"
    title: str
    nodes: list[dict]              # vis-network node objects (positions precomputed)
    edges: list[dict]
    details: dict[str, dict]       # node id → side-panel content
    legend: list[dict]             # classes present: name, ja, en, color, shape, count
    status_legend: list[dict] = field(default_factory=list)
    facets: dict[str, list] = field(default_factory=dict)   # filter choices: bodies, documents, statuses
    gaps: list[dict] = field(default_factory=list)
    note: str = ""

    @property
    def record_count(self) -> int:
        return sum(1 for n in self.nodes if not n["id"].startswith("gap:"))


def _clip_label(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _vis_node(rg: RecordGraph, rid: str, pos, color: str | None = None) -> dict:
    cls = rg.classes[rid]
    ja, en = rg.labels(rg.iris[rid])
    cja, cen = rg.class_labels(cls)
    ccolor, shape, _ = CLASS_STYLE.get(cls, OTHER_STYLE)
    x, y = pos[rid]
    fill = color or ccolor
    # Keep the fill when selected or hovered (vis would repaint it blue): a KPI's status stays readable.
    return {"id": rid, "label": _clip_label(ja), "title": f"{en}\n{cen} · {cja}\n{rid}", "group": cls,
            "shape": shape, "color": {"background": fill, "border": "#444",
                                      "highlight": {"background": fill, "border": "#000"},
                                      "hover": {"background": fill, "border": "#000"}},
            "x": round(x, 1), "y": round(y, 1)}


def _legend(rg: RecordGraph, ids) -> list[dict]:
    counts: dict[str, int] = {}
    for rid in ids:
        counts[rg.classes[rid]] = counts.get(rg.classes[rid], 0) + 1
    order = {name: i for i, name in enumerate(CLASS_STYLE)}
    out = []
    for name in sorted(counts, key=lambda n: (order.get(n, 99), n)):
        ja, en = rg.class_labels(name)
        color, shape, _ = CLASS_STYLE.get(name, OTHER_STYLE)
        out.append({"name": name, "ja": ja, "en": en, "color": color, "shape": shape, "count": counts[name]})
    return out


def _status_legend() -> list[dict]:
    return [{"name": k, "color": w.fill, "mark": w.mark, "ja": w.ja, "en": w.en} for k, w in PALETTE.items()]


def _facets(rg: RecordGraph, ids) -> dict[str, list]:
    bodies, docs, statuses = set(), set(), set()
    for rid in ids:
        f = rg.facets(rid)
        bodies.update(f.bodies)
        docs.update(f.documents)
        if f.status:
            statuses.add(f.status)

    def labelled(xs):
        return sorted(([x, rg.labels(rg.iris[x])[0] if x in rg.iris else x] for x in xs), key=lambda p: p[1])
    return {"bodies": labelled(bodies), "documents": labelled(docs),
            "statuses": [s for s in ATTAINMENT_STYLE if s in statuses]}


def _check_budget(count: int, max_nodes: int, what: str) -> None:
    if count > max_nodes:
        raise PolicygraphError.single(
            f"{what} has {count:,} nodes, more than the budget of {max_nodes:,} a browser page stays usable "
            "with; narrow it: `policygraph viz trace TARGET` for one directive or document, or filter with "
            "--class, --body, --document or --status (or raise --max-nodes)", EXIT_INPUT, field="--max-nodes")


def _class_layers(rg: RecordGraph, ids) -> list[list[str]]:
    layers: dict[int, list[str]] = {}
    for rid in sorted(ids):
        layers.setdefault(CLASS_STYLE.get(rg.classes[rid], OTHER_STYLE)[2], []).append(rid)
    return [layers[k] for k in sorted(layers)]


def _records_view(rg: RecordGraph, ids: list[str], kind: str, title: str) -> View:
    idset = set(ids)
    edges = list(rg.edges(idset))
    row = max(12, int(len(ids) ** 0.5 * 1.6))
    pos = layered_positions(_class_layers(rg, ids), neighbours_of(edges), row_width=row)
    nodes = [_vis_node(rg, rid, pos) for rid in ids]
    vis_edges = [{"from": s, "to": o, "title": rg.predicate_label(p)} for s, o, p in edges]
    details = {rid: rg.details(rid) for rid in ids}
    return View(kind, title, nodes, vis_edges, details, _legend(rg, ids), _status_legend(), _facets(rg, ids))


def graph_view(rg: RecordGraph, selection: Selection | None = None,
               max_nodes: int = DEFAULT_MAX_NODES, load=None) -> View:
    """Every record of the graph (or those passing `selection`), coloured and shaped by class.

    `rg` selects the records (`records.index` knows every record's class and facets); `load(ids)`
    (e.g. `records.load` on the store) gives the model the view is drawn from, once the selection
    is known to be within the budget; without it, `rg` is both.
    Raises PolicygraphError (exit 2) if more than `max_nodes` records remain.
    """
    selection = selection or Selection()
    ids = rg.select(selection)
    what = "the graph" + (f" ({selection.describe()})" if not selection.is_empty() else "")
    _check_budget(len(ids), max_nodes, what)
    if not ids:
        raise PolicygraphError.single(f"no record matches {selection.describe()}", EXIT_INPUT)
    title = "policygraph: graph" + (f" — {selection.describe()}" if not selection.is_empty() else "")
    return _records_view(load(ids) if load is not None else rg, ids, "graph", title)


def trace_ids(trace_result: dict) -> list[str]:
    """Every record a trace view draws (root, directives, reform items, steps, progress reports, KPIs
    and their statements), in the order the view adds them: what it reads from the store."""
    out = [trace_result["root"]["id"]]
    for d in trace_result["directives"]:
        out.append(d["id"])
        for item in d["reform_items"]:
            out.append(item["id"])
            for step in item["steps"]:
                out.append(step["id"])
                out.extend(rep["id"] for rep in step["progress"])
            for kpi in item["kpis"]:
                out.append(kpi["id"])
                for key in ("baselines", "targets", "observations", "projections", "assessments"):
                    out.extend(st["id"] for st in kpi[key])
    return list(dict.fromkeys(out))


def trace_view(rg: RecordGraph, trace_result: dict) -> View:
    """The sub-graph of one trace (policygraph.trace.trace's result): root → directives → reform
    items → schedule steps → progress reports, and items → KPIs → baselines, targets, observations,
    projections, assessments. Laid out top-down by depth; KPIs coloured by attainment."""
    layers: list[list[str]] = [[] for _ in range(6)]
    edges: list[tuple[str, str, str]] = []
    seen: set[str] = set()

    def add(rid, depth, parent=None, link=None):
        if rid not in rg.iris:
            return False
        if rid not in seen:
            seen.add(rid)
            layers[depth].append(rid)
        if parent is not None and (parent, rid, link) not in edges:
            edges.append((parent, rid, link))
        return True

    root = trace_result["root"]["id"]
    is_doc = trace_result["root"]["type"] == "PolicyDocument"
    if is_doc:
        add(root, 0)
    for d in trace_result["directives"]:
        ddepth = 1 if is_doc else 0
        add(d["id"], ddepth, root if is_doc else None, "has directive")
        for item in d["reform_items"]:
            add(item["id"], ddepth + 1, d["id"], "is carried by")
            for step in item["steps"]:
                add(step["id"], ddepth + 2, item["id"], "has step")
                for rep in step["progress"]:
                    add(rep["id"], ddepth + 3, step["id"], "progress report")
            for kpi in item["kpis"]:
                add(kpi["id"], ddepth + 2, item["id"], "measured by")
                for key in ("baselines", "targets", "observations", "projections", "assessments"):
                    for st in kpi[key]:
                        add(st["id"], ddepth + 3, kpi["id"], f"has {key[:-1]}")
    ids = [rid for layer in layers for rid in layer]
    pos = layered_positions(layers, neighbours_of(edges), row_width=14, dx=170, dy=130)
    nodes = []
    for rid in ids:
        if rg.classes[rid] != "KPI":
            nodes.append(_vis_node(rg, rid, pos))
            continue
        # A KPI in its status's colour, and its mark and name beside it: never told by colour alone.
        swatch = PALETTE.get(rg.attainment(rid), PALETTE[UNKNOWN])
        node = _vis_node(rg, rid, pos, swatch.fill)
        node["label"] = f"{swatch.mark} {node['label']}"
        node["title"] += f"\n{swatch.ja} · {swatch.en}"
        nodes.append(node)
    vis_edges = [{"from": s, "to": o, "title": link} for s, o, link in edges]
    details = {rid: rg.details(rid) for rid in ids}
    label = trace_result["root"]["label"]
    return View("trace", f"policygraph: trace — {label}", nodes, vis_edges, details, _legend(rg, ids),
                _status_legend(), _facets(rg, ids))


GAP_COLOR = "#d7191c"


def gaps_view(rg: RecordGraph, rows, selection: Selection | None = None,
              max_nodes: int = DEFAULT_MAX_NODES, load=None) -> View:
    """The graph with the gap report's rows marked: each row's node gets a thick red border, and a
    dashed red edge leads to a dashed box naming what is missing (the broken link of the chain).

    `rows`: objects with kind, title, node (IRI), label, document, quote (policygraph.gaps.GapRow).
    """
    view = graph_view(rg, selection, max_nodes, load)
    view.kind = "gaps"
    view.title = view.title.replace("policygraph: graph", "policygraph: gaps", 1)
    by_id = {n["id"]: n for n in view.nodes}
    for i, row in enumerate(rows):
        node_id = record_id(str(row.node))
        gap_id = f"gap:{i}"
        gap = {"id": gap_id, "node": node_id if node_id in by_id else None, "kind": str(row.kind),
               "title": str(row.title), "label": str(row.label or ""), "document": str(row.document or ""),
               "quote": str(row.quote or ""), "locator": str(getattr(row, "locator", "") or ""),
               "file": str(getattr(row, "file", "") or ""), "line": getattr(row, "line", None)}
        view.gaps.append(gap)
        target = by_id.get(node_id)
        if target is not None:
            target["borderWidth"] = 4
            target["color"] = dict(target["color"], border=GAP_COLOR)
            target.setdefault("gaps", 0)
            target["gaps"] += 1
            view.details[node_id].setdefault("gaps", []).append(gap_id)
            x, y = target["x"] + 40 + 20 * (target["gaps"] - 1), target["y"] + 55
        else:
            x, y = 0.0, -150.0 - 40 * i
        view.nodes.append({"id": gap_id, "label": _clip_label(f"⚠ {row.title}", 34), "title": f"{row.kind}\n{row.title}",
                           "group": "gap", "shape": "box", "shapeProperties": {"borderDashes": [5, 4]},
                           "color": {"background": "#fff0f0", "border": GAP_COLOR}, "borderWidth": 2,
                           "font": {"color": GAP_COLOR, "size": 11}, "x": round(x, 1), "y": round(y, 1)})
        if target is not None:
            view.edges.append({"from": node_id, "to": gap_id, "title": f"broken chain: {row.title}",
                               "dashes": [6, 4], "width": 2.5, "color": {"color": GAP_COLOR}})
    for n in view.nodes:
        n.pop("gaps", None)
    view.note = f"{len(view.gaps)} gap(s)"
    return view


# rendering -----------------------------------------------------------------------------------
def _csp_hash(js: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode() + "'"


def load_assets(project: Project) -> dict:
    """The template folders and inlined scripts: the project's viz/ files where it has them, else the
    ones shipped in the package; checked (SHA-256 of vis-network, safe to inline)."""
    vendor = project.vendor_dir / f"vis-network-{VIS_VERSION}"
    templates = project.template_dirs
    vis_path = vendor / "vis-network.min.js"
    app_path = _first(templates, "app.js")
    for path in (vis_path, app_path, _first(templates, TEMPLATE), vendor / "SHA256SUMS"):
        if not path.is_file():
            raise PolicygraphError.single("view asset missing (see viz/vendor_vis.sh)", EXIT_INPUT, file=path)
    vis_bytes = vis_path.read_bytes()
    sums = dict(line.split()[::-1] for line in (vendor / "SHA256SUMS").read_text().splitlines() if line.strip())
    if hashlib.sha256(vis_bytes).hexdigest() != sums.get("vis-network.min.js"):
        raise PolicygraphError.single("vendored vis-network does not match its SHA256SUMS", EXIT_INPUT,
                                      file=vis_path)
    vis_js, app_js = vis_bytes.decode("utf-8"), app_path.read_text(encoding="utf-8")
    for path, js in ((vis_path, vis_js), (app_path, app_js)):
        if "</script" in js.lower() or "<!--" in js:
            raise PolicygraphError.single("script cannot be inlined safely (contains </script or <!--)",
                                          EXIT_INPUT, file=path)
    # Only our two inline scripts may run, pinned by hash: injected <script> or on*= handlers are
    # refused, and default-src 'none' forbids every fetch (no CDN, no image beacons).
    csp = ("default-src 'none'; "
           f"script-src {_csp_hash(vis_js)} {_csp_hash(app_js)}; "
           "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
           "base-uri 'none'; form-action 'none'")
    # The attainment palette's block of site.css, inlined into the offline pages' <style> (views.palette).
    return {"templates": templates, "vis_js": vis_js, "app_js": app_js, "csp": csp,
            "vis_version": VIS_VERSION, "palette_css": palette_css()}


def _first(folders: list[Path], name: str) -> Path:
    """`name` in the first folder that has it (else in the first folder, to name in an error)."""
    return next((d / name for d in folders if (d / name).is_file()), folders[0] / name)


def render_page(view: View, project: Project, site: bool = False) -> str:
    """The page for `view`, as one self-contained HTML string (built with a pyvis Network). `site`:
    the page is served by `policygraph serve`, so it carries the site's navigation and search box (a
    form to the same origin: form-action 'self' instead of 'none')."""
    from pyvis.network import Network

    assets = load_assets(project)
    if site:
        assets = {**assets, "csp": assets["csp"].replace("form-action 'none'", "form-action 'self'")}
    options = json.loads(json.dumps(BASE_OPTIONS))
    if len(view.nodes) > 500:
        options["nodes"]["font"]["size"] = 11
    if view.kind == "trace":
        options["nodes"]["size"] = 16
    # pyvis builds the page from our template; nodes/edges are assigned as lists (its add_node is
    # quadratic), and in_line keeps write_html from copying its CDN-bound lib/ folder anywhere.
    net = Network(height="100%", width="100%", directed=True, heading=view.title, cdn_resources="in_line",
                  select_menu=False, filter_menu=False)
    net.nodes = view.nodes
    net.edges = view.edges
    net.node_ids = [n["id"] for n in view.nodes]
    net.node_map = {n["id"]: n for n in view.nodes}
    net.set_options(json.dumps(options))
    net.set_template_dir(str(assets["templates"][0]) + "/", TEMPLATE)
    # set_template_dir makes a non-escaping Environment: replace it with an autoescaping one.
    env = Environment(loader=FileSystemLoader([str(d) for d in assets["templates"]]), autoescape=True)
    # tojson stays HTML-safe (it escapes < > & ' as \u003c …) with real UTF-8: half the size for Japanese.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    # A KPI's chart is drawn here, once, by the renderer every page uses (views.chart), and travels as markup.
    details = {rid: {**d, "chart": str(kpi_chart(d["series"], title=d.get("label_ja", "")) or "")}
               if d.get("series") is not None else d for rid, d in view.details.items()}
    env.globals.update(assets, view=view, site=site, meta={
        "kind": view.kind, "details": details, "legend": view.legend, "status_legend": view.status_legend,
        "facets": view.facets, "gaps": view.gaps, "record_count": view.record_count})
    net.templateEnv = env
    return net.generate_html()


def write_page(path: Path, html: str) -> Path:
    write_atomically({path: html.encode("utf-8")})
    return path


def default_output(project: Project, kind: str, suffix: str = "") -> Path:
    return project.build_dir / f"viz-{kind}{'-' + suffix if suffix else ''}.html"
