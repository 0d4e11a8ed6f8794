// policygraph view page script. Inlined into the page and pinned by SHA-256 in its CSP.
// Safety rule: every string from the graph reaches the DOM through textContent, .value or an SVG
// attribute set with setAttribute — never innerHTML — and tooltips are Elements, not HTML strings. The one
// piece of markup, a KPI's chart, is the server's escaped SVG (views.chart), parsed inertly by DOMParser.
(function () {
  "use strict";
  var t0 = performance.now();

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
    if (d.chart) {
      // The chart is the server's SVG (policygraph.views.chart, every label escaped there), parsed inertly
      // as the explorer parses its panels: scripts never run (and the CSP forbids them).
      var doc = new DOMParser().parseFromString(d.chart, "text/html");
      Array.prototype.forEach.call(doc.body.childNodes, function (c) { chart.appendChild(document.importNode(c, true)); });
    } else {
      chart.appendChild(el("p", "no dated numeric value · 数値なし"));
    }
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
