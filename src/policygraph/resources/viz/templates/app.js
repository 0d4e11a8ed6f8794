// policygraph view page script. Inlined into the page and pinned by SHA-256 in its CSP.
// Safety rule: every string from the graph reaches the DOM through textContent, .value or an SVG
// attribute set with setAttribute — never innerHTML — and tooltips are Elements, not HTML strings.
(function () {
  "use strict";
  var t0 = performance.now();
  var SVG = "http://www.w3.org/2000/svg";

  function $(id) { return document.getElementById(id); }
  function readJSON(id) {
    var v = JSON.parse($(id).textContent);
    return typeof v === "string" ? JSON.parse(v) : v; // pyvis hands options over as a JSON string
  }
  function text(s) { return s === undefined || s === null ? "" : String(s); }
  function el(tag, content, cls) {
    var e = document.createElement(tag);
    if (content !== undefined && content !== null) { e.textContent = text(content); }
    if (cls) { e.className = cls; }
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }
  function fold(s) { return text(s).normalize("NFKC").toLowerCase().replace(/\s+/g, ""); }

  var rawNodes = readJSON("pg-nodes") || [];
  var rawEdges = readJSON("pg-edges") || [];
  var options = readJSON("pg-options") || {};
  var meta = readJSON("pg-meta") || {};
  var details = meta.details || {};
  var gaps = new Map((meta.gaps || []).map(function (g) { return [g.id, g]; }));
  if (options.configure) { options.configure = { enabled: false }; }

  function tipEl(s) {
    var d = el("div", s, "pg-tip");
    return d;
  }
  var byId = new Map();
  var visNodes = rawNodes.map(function (n) {
    var o = Object.assign({}, n);
    byId.set(o.id, n);
    o.label = text(o.label);
    if (o.title !== undefined && o.title !== null) { o.title = tipEl(o.title); }
    return o;
  });
  var visEdges = rawEdges.map(function (e, i) {
    var o = Object.assign({ id: "e" + i }, e);
    if (o.label !== undefined) { o.label = text(o.label); }
    if (o.title !== undefined && o.title !== null) { o.title = tipEl(o.title); }
    return o;
  });

  // ---- filters (same meaning as the CLI's --class/--body/--document/--status) ----
  var state = { classes: null, body: "", document: "", status: "" };
  function readFilters() {
    var boxes = document.querySelectorAll("input.pg-class");
    state.classes = new Set();
    boxes.forEach(function (b) { if (b.checked) { state.classes.add(b.value); } });
    state.body = $("pg-filter-body").value;
    state.document = $("pg-filter-document").value;
    state.status = $("pg-filter-status").value;
  }
  function passes(n) {
    if (gaps.has(n.id)) {
      var g = gaps.get(n.id);
      return g.node ? passes({ id: g.node }) : true;
    }
    var d = details[n.id];
    if (!d) { return true; }
    if (state.classes && !state.classes.has(d.cls)) { return false; }
    if (state.body && d.bodies.indexOf(state.body) < 0) { return false; }
    if (state.document && d.documents.indexOf(state.document) < 0) { return false; }
    if (state.status && d.status !== state.status) { return false; }
    return true;
  }

  var nodes = new vis.DataSet(visNodes);
  var edges = new vis.DataSet(visEdges);
  var view = new vis.DataView(nodes, { filter: passes });
  var network = new vis.Network($("pg-graph"), { nodes: view, edges: edges }, options);
  var timings = { scriptStart: t0, built: performance.now(), firstDraw: null };
  network.once("afterDrawing", function () { timings.firstDraw = performance.now(); });

  function updateCount() {
    $("pg-count").textContent = view.length + " / " + nodes.length + " nodes · " + edges.length + " edges";
  }
  function applyFilters() {
    readFilters();
    view.refresh();
    updateCount();
  }
  document.querySelectorAll("input.pg-class").forEach(function (b) { b.addEventListener("change", applyFilters); });
  ["pg-filter-body", "pg-filter-document", "pg-filter-status"].forEach(function (id) {
    $(id).addEventListener("change", applyFilters);
  });
  readFilters();
  updateCount();

  // ---- side panel ----
  function linkButton(label, id) {
    var b = el("button", label, "link");
    b.type = "button";
    b.addEventListener("click", function () { focusNode(id); });
    return b;
  }
  function section(body, title) { body.appendChild(el("h3", title)); }
  // On the site (`policygraph serve`), `file:line` opens the source viewer at that line, the quote marked.
  var onSite = !!document.querySelector("nav.pg-site");
  function whereLine(parts, file, line, source, quoteKey) {
    var box = el("div", null, "src");
    var shown = file ? file + (line ? ":" + line : "") : "";
    parts.forEach(function (part, i) {
      if (i) { box.appendChild(document.createTextNode(" — ")); }
      if (part === shown && onSite) {
        var a = el("a", shown, "pg-source-link");
        a.setAttribute("href", "/source/" + encodeURIComponent(source || file) +
          (quoteKey ? "?quote=" + encodeURIComponent(quoteKey) : "") + (line ? "#L" + encodeURIComponent(line) : ""));
        box.appendChild(a);
      } else { box.appendChild(document.createTextNode(text(part))); }
    });
    return box;
  }
  function evidenceList(body, evidence) {
    section(body, "Evidence · 典拠 (" + evidence.length + ")");
    evidence.forEach(function (ev) {
      body.appendChild(el("blockquote", ev.quote, "quote"));
      if (ev.reading) { body.appendChild(el("div", "reading: " + ev.reading, "src")); }
      var where = [ev.source_label, ev.file ? ev.file + (ev.line ? ":" + ev.line : "") : "", ev.locator]
        .filter(function (x) { return x; });
      body.appendChild(whereLine(where, ev.file, ev.line, ev.source, ev.excerpt || ev.quote));
    });
  }
  function openGap(id) {
    var g = gaps.get(id);
    var body = $("pg-panel-body");
    body.replaceChildren();
    body.appendChild(el("h2", g.title));
    body.appendChild(el("p", "gap · 欠落: " + g.kind, "cls"));
    var dl = el("dl");
    [["node", g.label], ["document", g.document]].forEach(function (kv) {
      dl.appendChild(el("dt", kv[0]));
      var dd = el("dd");
      if (kv[0] === "node" && g.node) { dd.appendChild(linkButton(kv[1] || g.node, g.node)); }
      else { dd.textContent = text(kv[1]); }
      dl.appendChild(dd);
    });
    body.appendChild(dl);
    if (g.quote) {
      section(body, "Quote · 引用");
      body.appendChild(el("blockquote", g.quote, "quote"));
      var where = [g.file ? g.file + (g.line ? ":" + g.line : "") : "", g.locator].filter(function (x) { return x; });
      if (where.length) { body.appendChild(whereLine(where, g.file, g.line, null, g.quote)); }
    }
    $("pg-panel").hidden = false;
  }
  function openPanel(id) {
    if (gaps.has(id)) { openGap(id); return; }
    var d = details[id];
    if (!d) { return; }
    var body = $("pg-panel-body");
    body.replaceChildren();
    body.appendChild(el("h2", d.label_ja, "ja"));
    if (d.label_en !== d.label_ja) { body.appendChild(el("p", d.label_en, "en")); }
    body.appendChild(el("div", d.cls_ja + " · " + d.cls_en + (d.status ? " · attainment: " + d.status : ""), "cls"));
    body.appendChild(el("code", d.iri));
    (d.gaps || []).forEach(function (gid) {
      var g = gaps.get(gid);
      var box = el("div", null, "gap");
      box.appendChild(linkButton("⚠ " + g.title, gid));
      body.appendChild(box);
    });
    if (d.series) { kpiSection(body, d); }
    section(body, "Properties · 属性");
    var dl = el("dl");
    d.props.forEach(function (p) {
      dl.appendChild(el("dt", p[0]));
      var dd = el("dd");
      if (p[2] && byId.has(p[2])) { dd.appendChild(linkButton(p[1], p[2])); } else { dd.textContent = text(p[1]); }
      dl.appendChild(dd);
    });
    body.appendChild(dl);
    if (d.evidence.length) { evidenceList(body, d.evidence); }
    if (d.incoming.length) {
      section(body, "Linked from · 参照元 (" + d.incoming_total + ")");
      var ul = el("ul");
      d.incoming.forEach(function (r) {
        var li = el("li", r[0] + ": ");
        if (byId.has(r[2])) { li.appendChild(linkButton(r[1], r[2])); } else { li.appendChild(el("span", r[1])); }
        ul.appendChild(li);
      });
      body.appendChild(ul);
    }
    $("pg-panel").hidden = false;
  }
  function closePanel() { $("pg-panel").hidden = true; network.unselectAll(); }
  function focusNode(id) {
    if (!byId.has(id)) { return; }
    if (view.get(id) === null) { // hidden by a filter: clear the filters so the node can be shown
      document.querySelectorAll("input.pg-class").forEach(function (b) { b.checked = true; });
      ["pg-filter-body", "pg-filter-document", "pg-filter-status"].forEach(function (f) { $(f).value = ""; });
      applyFilters();
    }
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 0.9), animation: false });
    openPanel(id);
  }
  network.on("click", function (p) {
    if (p.nodes.length) { openPanel(p.nodes[0]); } else if (!p.edges.length) { closePanel(); }
  });
  $("pg-close").addEventListener("click", closePanel);
  document.querySelectorAll("button.pg-gap-link").forEach(function (b) {
    b.addEventListener("click", function () { focusNode(b.dataset.node); });
  });

  // ---- KPI chart: observations against baseline and target over time ----
  function kpiSection(body, d) {
    section(body, "Values over time · 推移");
    var chart = el("div");
    chart.id = "pg-chart";
    chart.appendChild(kpiChart(d.series));
    body.appendChild(chart);
    var table = el("table");
    table.className = "pg-series";
    d.series.forEach(function (s) {
      var tr = el("tr");
      var v = s.value_text || (s.value !== null ? s.value + (s.unit || "") : "") || (s.grade ? "区分 " + s.grade : "");
      [s.kind + (s.status ? " (" + s.status + ")" : "") + (s.projection_kind ? " (" + s.projection_kind + ")" : ""),
        v + (s.derived ? " (derived)" : ""), s.date_text || s.date || "", s.document_label || ""].forEach(function (c) {
        tr.appendChild(el("td", c));
      });
      table.appendChild(tr);
    });
    body.appendChild(table);
  }
  function kpiChart(series) {
    var W = 350, H = 190, L = 46, R = 10, T = 10, B = 30;
    var box = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img" });
    var pts = series.filter(function (s) { return typeof s.value === "number" && s.date; });
    var units = {};
    pts.forEach(function (s) { units[s.unit || ""] = (units[s.unit || ""] || 0) + 1; });
    var unit = Object.keys(units).sort(function (a, b) { return units[b] - units[a]; })[0];
    var omitted = pts.filter(function (s) { return (s.unit || "") !== unit; }).length;
    pts = pts.filter(function (s) { return (s.unit || "") === unit; });
    var legend = el("div");
    legend.id = "pg-chart-legend";
    if (!pts.length) {
      var t = svg("text", { x: L, y: H / 2 });
      t.textContent = "no dated numeric value · 数値なし";
      box.appendChild(t);
      var wrap0 = el("div");
      wrap0.appendChild(box);
      return wrap0;
    }
    var ts = pts.map(function (s) { return Date.parse(s.date); });
    var x0 = Math.min.apply(null, ts), x1 = Math.max.apply(null, ts);
    var pad = Math.max((x1 - x0) * 0.08, 180 * 864e5);
    x0 -= pad; x1 += pad;
    var vs = pts.map(function (s) { return s.value; });
    var y0 = Math.min(0, Math.min.apply(null, vs)), y1 = Math.max.apply(null, vs) * 1.12 || 1;
    function X(d) { return L + (Date.parse(d) - x0) / (x1 - x0) * (W - L - R); }
    function Y(v) { return T + (1 - (v - y0) / (y1 - y0)) * (H - T - B); }
    box.appendChild(svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, "class": "axis" }));
    box.appendChild(svg("line", { x1: L, y1: T, x2: L, y2: H - B, "class": "axis" }));
    [y0, (y0 + y1) / 2, y1].forEach(function (v) {
      var tt = svg("text", { x: L - 4, y: Y(v) + 3, "text-anchor": "end" });
      tt.textContent = String(Math.round(v * 100) / 100);
      box.appendChild(tt);
    });
    var ya = new Date(x0).getUTCFullYear() + 1, yb = new Date(x1).getUTCFullYear();
    var step = Math.max(1, Math.ceil((yb - ya + 1) / 7));
    for (var yr = ya; yr <= yb; yr += step) {
      var d = yr + "-01-01";
      box.appendChild(svg("line", { x1: X(d), y1: H - B, x2: X(d), y2: H - B + 4, "class": "axis" }));
      var yt = svg("text", { x: X(d), y: H - B + 15, "text-anchor": "middle" });
      yt.textContent = String(yr);
      box.appendChild(yt);
    }
    function tip(node, s) {
      var t = svg("title");
      t.textContent = s.kind + ": " + (s.value_text || s.value + (s.unit || "")) + " @ " + (s.date_text || s.date) +
        (s.status ? " (" + s.status + ")" : "") + (s.derived ? " (derived)" : "") + " — " + text(s.document_label);
      node.appendChild(t);
      return node;
    }
    function poly(list, attrs) {
      if (list.length < 2) { return; }
      attrs.points = list.map(function (s) { return X(s.date) + "," + Y(s.value); }).join(" ");
      attrs.fill = "none";
      box.appendChild(svg("polyline", attrs));
    }
    var by = function (k) { return pts.filter(function (s) { return s.kind === k; }); };
    var obs = by("observation"), proj = by("projection");
    by("baseline").forEach(function (s) {
      box.appendChild(svg("line", { x1: L, y1: Y(s.value), x2: W - R, y2: Y(s.value), stroke: "#7b7fc4",
        "stroke-dasharray": "2,3", "class": "pg-base-line" }));
      box.appendChild(tip(svg("rect", { x: X(s.date) - 4, y: Y(s.value) - 4, width: 8, height: 8,
        fill: "#7b7fc4", "class": "pg-base" }), s));
    });
    by("target").forEach(function (s) {
      box.appendChild(svg("line", { x1: L, y1: Y(s.value), x2: X(s.date), y2: Y(s.value), stroke: "#d62728",
        "stroke-dasharray": "6,3", "class": "pg-target-line" }));
      var x = X(s.date), y = Y(s.value);
      box.appendChild(tip(svg("polygon", { points: [x, y - 6, x + 6, y, x, y + 6, x - 6, y].join(" "),
        fill: s.derived ? "#fff" : "#d62728", stroke: "#d62728", "class": "pg-target" }), s));
    });
    poly(obs, { stroke: "#1f77b4", "stroke-width": 2, "class": "pg-obs-line" });
    if (proj.length) {
      var last = obs.length ? [obs[obs.length - 1]] : [];
      poly(last.concat(proj), { stroke: "#1f77b4", "stroke-width": 1.5, "stroke-dasharray": "5,4",
        "class": "pg-proj-line" });
    }
    obs.forEach(function (s) {
      var prelim = s.status === "preliminary";
      box.appendChild(tip(svg("circle", { cx: X(s.date), cy: Y(s.value), r: 4.5, stroke: "#1f77b4",
        "stroke-width": 2, fill: prelim ? "#fff" : "#1f77b4", "class": prelim ? "pg-obs pg-prelim" : "pg-obs" }), s));
    });
    proj.forEach(function (s) {
      box.appendChild(tip(svg("circle", { cx: X(s.date), cy: Y(s.value), r: 4.5, stroke: "#1f77b4",
        "stroke-dasharray": "2,2", fill: "#fff", "class": "pg-proj" }), s));
    });
    legend.textContent = "■ baseline 基準値  ◆ target 目標値  ● observation 実績値  ○ preliminary 速報値  " +
      "◌ projection 見込み (dashed)" + (unit ? "  unit: " + unit : "") +
      (omitted ? "  (" + omitted + " value(s) in other units not drawn)" : "");
    var wrap = el("div");
    wrap.appendChild(box);
    wrap.appendChild(legend);
    return wrap;
  }

  // ---- search: exact label/id first, else substring of Japanese or English label or id ----
  var dl = $("pg-datalist");
  var frag = document.createDocumentFragment();
  var seen = new Set();
  rawNodes.forEach(function (n) {
    var d = details[n.id];
    var lab = d ? d.label_ja : n.label;
    if (seen.has(lab)) { return; }
    seen.add(lab);
    var opt = document.createElement("option");
    opt.value = text(lab);
    frag.appendChild(opt);
  });
  dl.appendChild(frag);
  function search(q) {
    var needle = fold(q);
    if (!needle) { $("pg-search-msg").textContent = ""; return []; }
    var exact = [], partial = [];
    rawNodes.forEach(function (n) {
      var d = details[n.id] || {};
      var keys = [d.label_ja, d.label_en, n.id, n.label].map(fold);
      if (keys.indexOf(needle) >= 0) { exact.push(n.id); }
      else if (keys.some(function (k) { return k.indexOf(needle) >= 0; })) { partial.push(n.id); }
    });
    var hits = exact.concat(partial);
    $("pg-search-msg").textContent = hits.length ? hits.length + " match" + (hits.length > 1 ? "es" : "") : "no match";
    if (hits.length) {
      focusNode(hits[0]);
      network.selectNodes(hits.filter(function (h) { return view.get(h) !== null; }));
    }
    return hits;
  }
  $("pg-search").addEventListener("change", function (ev) { search(ev.target.value); });
  $("pg-search").addEventListener("keydown", function (ev) { if (ev.key === "Enter") { search(ev.target.value); } });

  window.pgviz = { network: network, nodes: nodes, edges: edges, view: view, openPanel: openPanel,
                   focusNode: focusNode, search: search, applyFilters: applyFilters, timings: timings };
})();
