"""The graph explorer's reads beyond one node (`views.records.node_links` answers /api/node/<id>):
the shortest paths between two records (/api/path), on the store, bounded.

`paths(engine, library, a, b, max_links, k)` is a bidirectional breadth-first search along the links
/api/node lists, in either direction: each step expands the smaller frontier with one named query
(path-step, a VALUES batch of the frontier), so a search costs at most `max_links` steps whatever the
size of the graph, and a step that would expand more than `frontier_cap` records stops the search
with a message instead of reading a hub's whole neighbourhood.

    >>> found = paths(engine, library, "doc-honebuto-2017", "kpi-cloud-municipalities")
    >>> found["length"], found["paths"][0]["nodes"]
    (2, ['doc-honebuto-2017', 'doc-cloud-briefing-2017', 'kpi-cloud-municipalities'])
"""
from __future__ import annotations

import itertools
from urllib.parse import urlencode

from policygraph.graph.namespaces import PG, PGR
from policygraph.views.records import Reader, library_of
from policygraph.views.viz_model import record_id

#: Default and largest path length (links) /api/path searches.
DEFAULT_MAX_LINKS = 6
MAX_LINKS = 10
#: Default and largest number of shortest paths returned.
DEFAULT_PATHS = 5
MAX_PATHS = 50
#: Records a single step may expand; past it the search stops (a hub such as a ministry links to
#: thousands of records in a national corpus) and says so.
FRONTIER_CAP = 2000


class UnknownRecords(LookupError):
    """Ids that name no record."""

    def __init__(self, ids: list[str]):
        super().__init__(", ".join(ids))
        self.ids = ids


def summaries(engine, library, ids) -> dict[str, dict]:
    """id → {label, label_en, cls, status} of the records among `ids` (node-summary, batched)."""
    from policygraph.views.records import _label_pair
    from policygraph.views.viz_model import CLASS_STYLE
    out: dict[str, dict] = {}
    for r in Reader(engine, library).run("node-summary", [PGR[i] for i in ids]):
        rid = record_id(r["node"])
        cls = str(r["cls"])[len(str(PG)):]
        known = out.get(rid)
        if known and (known["cls"] in CLASS_STYLE or cls not in CLASS_STYLE) and known["cls"] <= cls:
            continue
        ja, en = _label_pair(r["labelJa"], r["labelEn"], rid)
        out[rid] = {"id": rid, "label": ja, "label_en": en, "cls": cls,
                    "status": str(r["status"]) if r["status"] is not None else None}
    return out


def paths(engine, library, source: str, target: str, max_links: int = DEFAULT_MAX_LINKS,
          k: int = DEFAULT_PATHS, frontier_cap: int = FRONTIER_CAP) -> dict:
    """The shortest paths (at most `k`, in a stable order) from `source` to `target` of at most
    `max_links` links, following links either way. Raises UnknownRecords for ids that name no record.

    The answer: {"from", "to", "max", "length" (None when no path), "paths": [{"nodes": [ids],
    "steps": [{"from", "to", "links": [{"subject", "predicate", "object"}]}]}], "more" (more shortest
    paths than `k`), "nodes": {id: summary}, "message"}.
    """
    lib = library_of(library)
    known = summaries(engine, lib, [source, target])
    missing = [i for i in dict.fromkeys([source, target]) if i not in known]
    if missing:
        raise UnknownRecords(missing)
    answer = {"from": source, "to": target, "max": max_links, "length": None, "paths": [], "more": False,
              "nodes": known, "message": ""}
    if source == target:
        answer.update(length=0, paths=[{"nodes": [source], "steps": []}], message="the same record")
        return answer
    reader = Reader(engine, lib)
    ends = (source, target)
    dist: tuple[dict, dict] = ({source: 0}, {target: 0})
    # parents[side][node][previous node] = links between them (subject, predicate, object)
    parents: tuple[dict, dict] = ({source: {}}, {target: {}})
    frontier = [[source], [target]]
    depth = [0, 0]
    while depth[0] + depth[1] < max_links:
        side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
        if not frontier[side]:
            answer["message"] = f"no path: every record linked to {ends[side]} is reached within {depth[side]} links"
            return answer
        if len(frontier[side]) > frontier_cap:
            answer["message"] = (f"search stopped: {len(frontier[side]):,} records lie {depth[side]} links from "
                                 f"{ends[side]} (more than {frontier_cap:,}); no path of {depth[0] + depth[1]} links "
                                 f"or fewer exists")
            return answer
        here = dist[side]
        reached: list[str] = []
        for r in reader.run("path-step", [PGR[n] for n in frontier[side]]):
            a, b = record_id(r["node"]), record_id(r["other"])
            seen = here.get(b)
            if seen is not None and seen <= depth[side]:
                continue
            if seen is None:
                here[b] = depth[side] + 1
                parents[side][b] = {}
                reached.append(b)
            p = str(r["p"])
            link = (a, p, b) if str(r["direction"]) == "out" else (b, p, a)
            parents[side][b].setdefault(a, []).append(link)
        depth[side] += 1
        frontier[side] = sorted(reached)
        other = dist[1 - side]
        meets = [m for m in frontier[side] if m in other]
        if meets:
            length = min(depth[side] + other[m] for m in meets)
            meets = [m for m in meets if depth[side] + other[m] == length]
            found = _enumerate(parents, meets, side)
            chosen = list(itertools.islice(found, k + 1))
            answer["more"] = len(chosen) > k
            chosen = sorted(chosen[:k]) if not answer["more"] else chosen[:k]
            answer["length"] = length
            answer["paths"] = [{"nodes": list(seq), "steps": _steps(parents, seq, dist)} for seq in chosen]
            on_paths = {n for seq in chosen for n in seq}
            answer["nodes"] = summaries(engine, lib, sorted(on_paths))
            answer["message"] = f"{len(chosen)} shortest path{'s' if len(chosen) != 1 else ''} of {length} links" + (
                f" (more exist; ask for up to {MAX_PATHS} with k=)" if answer["more"] else "")
            return answer
    answer["message"] = f"no path of {max_links} links or fewer between {source} and {target}"
    return answer


def path_api(engine, folders, source: str, target: str, max_links: int = DEFAULT_MAX_LINKS,
             k: int = DEFAULT_PATHS) -> dict:
    """`GET /api/path`: `paths`, or {"unknown": [ids]} for ids that name no record (the worker
    returns it rather than raising, for the 404)."""
    try:
        return paths(engine, folders, source, target, max_links, k)
    except UnknownRecords as exc:
        return {"unknown": exc.ids}


def _chains(parents: dict, node: str):
    """Node sequences from a search's end to `node`, following parents (in sorted order)."""
    if not parents[node]:
        yield (node,)
        return
    for prev in sorted(parents[node]):
        for chain in _chains(parents, prev):
            yield chain + (node,)


def _enumerate(parents, meets: list[str], side: int):
    for m in sorted(meets):
        for left in _chains(parents[0], m):
            for right in _chains(parents[1], m):
                yield left + tuple(reversed(right))[1:]


def _steps(parents, seq: tuple, dist) -> list[dict]:
    steps = []
    for a, b in zip(seq, seq[1:]):
        links = parents[0].get(b, {}).get(a) or parents[1].get(a, {}).get(b) or []
        steps.append({"from": a, "to": b, "links": [{"subject": s, "predicate": p, "object": o}
                                                    for s, p, o in sorted(set(links))]})
    return steps


#: The coverage map's states: (column, Japanese, English, link into the app or None).
_STATES = {
    "carried": (1, "実施項目あり", "directives carried by a reform item", None),
    "not_carried": (1, "実施項目なし", "directives no reform item carries", "/queries/directive-no-kpi-gap"),
    "no_directive": (1, "指示なし", "reform items no directive names", None),
    "measured": (2, "KPIあり", "reform items a KPI measures", None),
    "not_measured": (2, "KPIなし", "reform items without a KPI", "/queries/item-no-kpi-gap"),
    "no_item": (2, "項目なし", "KPIs of no reform item", "/queries/kpi-status"),
}


#: The least room (its band and the gap below it, in px) a document needs for its label (12 px text,
#: centred on the band): thinner documents go into the band of the other documents, so labels do not run
#: over one another (at 1M triples, 14 documents of 8 directives each were 2 px bands).
LABEL_HEIGHT = 11
#: The gap between two bands of a column, in px.
BAND_GAP = 6


def coverage_map(engine, library, top: int = 14, width: int = 1000, height: int = 420, rows=None) -> dict:
    """The coverage map: documents → directives → reform items → KPIs by attainment status, from one
    grouped query (coverage-flow), laid out as a Sankey diagram in SVG coordinates. Its size does not
    grow with the graph: the `top` documents with most directives — as many of them as are tall enough to
    carry their label (`LABEL_HEIGHT`) — the rest as one band. `rows`: coverage-flow's rows, if read.

    {"nodes": [{id, label, title, count, x, y, w, h, colour, href}], "links": [{d, width, colour, title}],
     "width", "height", "totals": {"directives", "items", "kpis"}}
    """
    from policygraph.views.records import _label_pair
    from policygraph.views.viz_model import ATTAINMENT_STYLE
    lib = library_of(library)
    if rows is None:
        rows = [(int(r["band"]), str(r["from"]), str(r["to"]), int(r["n"])) for r in engine.run(lib.get("coverage-flow"))]
    per_doc: dict[str, int] = {}
    for band, src, _, n in rows:
        if band == 1:
            per_doc[src] = per_doc.get(src, 0) + n
    ranked = sorted(per_doc, key=lambda d: (-per_doc[d], d))
    kept = ranked[:top]
    rest = len(ranked) - len(kept)
    names = {}
    if kept:
        for r in Reader(engine, lib).run("node-summary", [PGR[record_id(d)] for d in kept]):
            rid = record_id(r["node"])
            names[rid] = _label_pair(r["labelJa"], r["labelEn"], rid)
    links: dict[tuple[str, str], int] = {}
    for band, src, dst, n in rows:
        if band == 1:
            src = record_id(src) if src in kept else "other-documents"
        links[(src, dst)] = links.get((src, dst), 0) + n
    column: dict[str, int] = {}
    for src, dst in links:
        for node in (src, dst):
            column[node] = _STATES[node][0] if node in _STATES else (3 if node in ATTAINMENT_STYLE else 0)
    size = {n: max(sum(v for (a, _), v in links.items() if a == n), sum(v for (_, b), v in links.items() if b == n))
            for n in column}
    gap, node_w, left, right = BAND_GAP, 14, 290, 130
    cols = [[n for n in column if column[n] == c] for c in range(4)]
    order = {record_id(k): i for i, k in enumerate(kept)}
    order["other-documents"] = len(kept)
    state_order = list(_STATES) + list(ATTAINMENT_STYLE)
    for c, members in enumerate(cols):
        members.sort(key=lambda n: order.get(n, 0) if c == 0 else state_order.index(n))
    scale = min((height - gap * max(len(m) - 1, 0)) / max(sum(size[n] for n in m), 1) for m in cols if m)
    step = (width - left - right) / 3
    xs = [left, left + step, left + 2 * step, left + 3 * step]
    nodes, place = [], {}
    for c, members in enumerate(cols):
        y = 0.0
        for n in members:
            h = max(size[n] * scale, 1.5)
            place[n] = {"x": xs[c], "y": y, "h": h, "out": y, "in": y}
            if c == 0:
                ja, en = names.get(n, (f"他の文書 {rest}", f"{rest} other documents"))
                href = f"/explore?focus={n}&layout=chain" if n != "other-documents" else None
                colour = "#4e79a7"
            elif c == 3:
                colour, ja, en = ATTAINMENT_STYLE[n]
                href = "/kpis?" + urlencode({"status": n})  # the board's rows of that status
            else:
                _, ja, en, href = _STATES[n]
                colour = "#d7191c" if n in ("not_carried", "not_measured", "no_item") else "#8c8c8c"
            short = ja if len(ja) <= 20 else ja[:19] + "…"
            nodes.append({"id": n, "label": short, "title": f"{ja} · {en}: {size[n]}", "count": size[n],
                          "x": xs[c], "y": y, "w": node_w, "h": h, "colour": colour, "href": href, "column": c})
            y += h + gap
    out = []
    for (src, dst), n in sorted(links.items(), key=lambda kv: (column[kv[0][0]], place[kv[0][0]]["y"], place[kv[0][1]]["y"])):
        w = max(n * scale, 1.0)
        a, b = place[src], place[dst]
        y0, y1 = a["out"] + w / 2, b["in"] + w / 2
        a["out"] += w
        b["in"] += w
        x0, x1 = a["x"] + node_w, b["x"]
        mid = (x0 + x1) / 2
        colour = ATTAINMENT_STYLE[dst][0] if dst in ATTAINMENT_STYLE else (
            "#d7191c" if dst in ("not_carried", "not_measured") else "#9fb7d3")
        out.append({"d": f"M{x0:.1f},{y0:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}",
                    "width": round(w, 1), "colour": colour, "title": f"{src} → {dst}: {n}", "from": src, "to": dst,
                    "count": n})
    thin = sum(1 for n in nodes if n["column"] == 0 and n["id"] != "other-documents" and n["h"] + gap < LABEL_HEIGHT)
    if thin:
        return coverage_map(engine, library, max(0, len(kept) - thin), width, height, rows)
    totals = {"directives": sum(n for b, _, _, n in rows if b == 1), "items": sum(n for b, _, _, n in rows if b == 2),
              "kpis": sum(n for b, _, _, n in rows if b == 3)}
    return {"nodes": nodes, "links": out, "width": width, "height": max(height, max((n["y"] + n["h"] for n in nodes),
                                                                                     default=0)), "totals": totals}


def neighbourhood(engine, library, focus: str, depth: int = 2, limit: int = 25, max_nodes: int = 2000) -> dict:
    """{id: /api/node answer} of `focus` and the records within `depth` links of it, breadth first
    (each group's first `limit` records), at most `max_nodes` answers: what a `policygraph viz`
    explorer file embeds. Raises UnknownRecords for an unknown focus."""
    from policygraph.views.records import node_links
    lib = library_of(library)
    answers: dict[str, dict] = {}
    level = [focus]
    for d in range(depth + 1):
        nxt: list[str] = []
        for rid in level:
            if rid in answers or len(answers) >= max_nodes:
                continue
            ans = node_links(engine, lib, rid, limit)
            if ans is None:
                raise UnknownRecords([rid])
            answers[rid] = ans
            nxt.extend(n["id"] for g in ans["groups"] for n in g["nodes"])
        level = [n for n in dict.fromkeys(nxt) if n not in answers]
    return answers


def explorer_file(engine, library, project, focus: str, depth: int = 2, limit: int = 25,
                  max_nodes: int = 2000, layout: str = "force", title: str | None = None) -> tuple[str, dict]:
    """A self-contained explorer page (`policygraph viz explore`, `viz graph --focus`): the coverage
    map, and the neighbourhood of `focus` with each record's panel (the node page's own template)
    embedded; no request leaves the file. Returns (html, the embedded data)."""
    lib = library_of(library)
    answers = neighbourhood(engine, lib, focus, depth, limit, max_nodes)
    data = {"focus": focus, "nodes": answers, "fragments": _fragments(engine, lib, project, answers), "limit": limit,
            "layout": layout}
    head = answers[focus]
    html = render_explorer(project, title or f"探索 {head['label']} ({depth} links)", data, site=False,
                           coverage_html=_coverage_html(engine, lib, project))
    return html, data


def trace_file(engine, library, project, result: dict, limit: int = 25) -> tuple[str, dict]:
    """`policygraph viz trace`: the explorer as one offline file, opened on the chain of one directive
    or document (`query.trace.trace`'s `result`: root → directives → reform items → steps and
    progress reports / KPIs → their values) in the chain layout, KPIs marked by attainment, with each
    record's links (`/api/node`'s answer) and panel embedded, and the coverage map. Read with the
    same bounded queries as the web app: the trace's queries, then `node_links_many` and `records.load`,
    a batch of records at a time. Returns (html, the embedded data); data["chain"] = {"nodes": ids,
    "links": [[subject, predicate IRI, object]]}, the trace's own links."""
    from policygraph.views.records import node_links_many
    from policygraph.views.viz import trace_ids
    lib = library_of(library)
    ids = trace_ids(result)
    answers = node_links_many(engine, lib, ids, limit)
    links = []
    for parent, child in _trace_pairs(result):
        link = _link_between(answers, parent, child)
        if link is not None and link not in links:
            links.append(link)
    root = result["root"]["id"]
    data = {"focus": root, "nodes": answers, "fragments": _fragments(engine, lib, project, answers), "limit": limit,
            "layout": "chain", "chain": {"nodes": [rid for rid in ids if rid in answers], "links": links}}
    html = render_explorer(project, f"policygraph: trace — {result['root']['label']}", data, site=False,
                           coverage_html=_coverage_html(engine, lib, project))
    return html, data


def _trace_pairs(result: dict):
    """(parent, child) ids of a trace's links, in the order the trace lists them."""
    root = result["root"]["id"]
    is_doc = result["root"]["type"] == "PolicyDocument"
    for d in result["directives"]:
        if is_doc:
            yield root, d["id"]
        for item in d["reform_items"]:
            yield d["id"], item["id"]
            for step in item["steps"]:
                yield item["id"], step["id"]
                for rep in step["progress"]:
                    yield step["id"], rep["id"]
            for kpi in item["kpis"]:
                yield item["id"], kpi["id"]
                for key in ("baselines", "targets", "observations", "projections", "assessments"):
                    for st in kpi[key]:
                        yield kpi["id"], st["id"]


def _link_between(answers: dict, a: str, b: str) -> list[str] | None:
    """[subject, predicate, object] of a link between `a` and `b` that the embedded answers list (from
    either end: a group may page past `b` at one end but not at the other), or None."""
    for this, other in ((a, b), (b, a)):
        for g in answers.get(this, {}).get("groups", ()):
            if any(n["id"] == other for n in g["nodes"]):
                return [this, g["predicate"], other] if g["direction"] == "out" else [other, g["predicate"], this]
    return None


def _fragments(engine, lib, project, answers: dict) -> dict[str, str]:
    """id → the record panel's HTML (the node page's own template) for each of `answers`, the records
    read in batches (`records.load`), not one by one."""
    from policygraph.serve import pages
    from policygraph.serve.templates import environment
    from policygraph.views import records
    from policygraph.views.viz_model import ATTAINMENT_STYLE
    body = environment(project).get_template("serve-node-body.html.j2")
    fragments = {}
    for chunk in records.batches(list(answers)):
        rg = records.load(engine, lib, chunk, incoming_limit=0)
        for rid in chunk:
            if rid in rg.iris:
                details = pages.node_details(rg, rid, answers[rid])
                fragments[rid] = body.render(node=details, iri=details["iri"], styles=ATTAINMENT_STYLE, query={})
    return fragments


def _coverage_html(engine, lib, project) -> str:
    from policygraph.serve.templates import environment
    cov = coverage_map(engine, lib)
    return environment(project).from_string(
        '{% from "coverage-map.html.j2" import coverage %}{{ coverage(cov, False) }}').render(cov=cov)


def explorer_styles() -> dict:
    """Colours, shapes and chain layers by class; colour, names and mark by attainment status (the palette)."""
    from policygraph.views.palette import PALETTE, UNKNOWN
    from policygraph.views.viz_model import CLASS_STYLE
    return {"classes": {c: list(v) for c, v in CLASS_STYLE.items()},
            "status": {s: [w.fill, w.ja, w.en, w.mark] for s, w in PALETTE.items() if s != UNKNOWN}}


def render_explorer(project, title: str | tuple[str, str], data: dict | None = None, site: bool = False,
                    coverage_html: str | None = None) -> str:
    """The explorer page (explore.html.j2 + explore.js, vis-network inlined): served (`site`), it reads
    /api/node, /api/path and /api/search of its origin; as a file, `data` holds what it shows
    ({"focus", "nodes": {id: /api/node answer}, "fragments": {id: record panel HTML}}). `title`: a string,
    or a (Japanese, English) pair (policygraph.labels), the English marked lang="en"."""
    from jinja2 import Environment, FileSystemLoader

    from policygraph.errors import EXIT_INPUT, PolicygraphError
    from policygraph.views.viz import _csp_hash, _first, load_assets
    assets = load_assets(project)
    js_path = _first(assets["templates"], "explore.js")
    explore_js = js_path.read_text(encoding="utf-8")
    if "</script" in explore_js.lower() or "<!--" in explore_js:
        raise PolicygraphError.single("script cannot be inlined safely (contains </script or <!--)", EXIT_INPUT,
                                      file=js_path)
    # Only the two inline scripts run, pinned by hash; served, fetch may reach the same origin only.
    origin = "'self'" if site else "'none'"
    csp = ("default-src 'none'; "
           f"script-src {_csp_hash(assets['vis_js'])} {_csp_hash(explore_js)}; "
           "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
           f"connect-src {origin}; base-uri 'none'; form-action {origin}")
    env = Environment(loader=FileSystemLoader([str(d) for d in assets["templates"]]), autoescape=True)
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    payload = {"limit": 25, "styles": explorer_styles(), **(data or {})}
    return env.get_template("explore.html.j2").render(
        csp=csp, vis_js=assets["vis_js"], explore_js=explore_js, vis_version=assets["vis_version"],
        title=title[0] if isinstance(title, tuple) else title, title_en=title[1] if isinstance(title, tuple) else "",
        site=site, data=payload, coverage_html=coverage_html, palette_css=assets["palette_css"])


__all__ = ["coverage_map", "explorer_file", "trace_file", "neighbourhood", "DEFAULT_MAX_LINKS", "DEFAULT_PATHS", "FRONTIER_CAP", "MAX_LINKS", "MAX_PATHS", "UnknownRecords",
           "explorer_styles", "path_api", "paths", "render_explorer", "summaries"]
