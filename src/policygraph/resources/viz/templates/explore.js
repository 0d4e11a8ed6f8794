// policygraph graph explorer: /explore in `policygraph serve` and `policygraph viz`'s files, one script.
// Inlined into explore.html.j2 and pinned by SHA-256 in its CSP. Served, it reads /api/node, /api/path,
// /api/search and /id/<id>?fragment=1 of its own origin; in a file, the same answers embedded as JSON.
// Every label reaches the page as text (textContent, vis-network's canvas), never as HTML; the record
// panel's HTML is the server's autoescaped node template.
(function () {
  "use strict";
  var t0 = performance.now();
  var data = JSON.parse(document.getElementById("pg-explore-data").textContent);
  var SITE = document.body.getAttribute("data-mode") === "site";
  var LIMIT = data.limit || 25;
  var CLASS = (data.styles && data.styles.classes) || {};
  var STATUS = (data.styles && data.styles.status) || {};
  var LABEL_MAX = 14;

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function short(s) { s = String(s || ""); return s.length > LABEL_MAX ? s.slice(0, LABEL_MAX - 1) + "…" : s; }
  function localName(iri) { return String(iri).split(/[#\/]/).pop(); }
  function msg(s) { $("pg-msg").textContent = s || ""; }

  // ------------------------------------------------------------------ data sources
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error || ("HTTP " + r.status)); }
        return body;
      });
    });
  }
  var api = SITE ? {
    node: function (id, offset, predicate, limit) {
      var q = "?limit=" + (limit === undefined ? LIMIT : limit) + "&offset=" + (offset || 0);
      if (predicate) { q += "&predicates=" + encodeURIComponent(predicate); }
      return getJSON("/api/node/" + encodeURIComponent(id) + q);
    },
    path: function (a, b) {
      return getJSON("/api/path?from=" + encodeURIComponent(a) + "&to=" + encodeURIComponent(b) + "&max=6&k=5");
    },
    search: function (q) { return getJSON("/api/search?q=" + encodeURIComponent(q)); },
    fragment: function (id) {
      return fetch("/id/" + encodeURIComponent(id) + "?fragment=1").then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); });
    }
  } : {
    node: function (id, offset, predicate, limit) {
      var full = (data.nodes || {})[id];
      if (!full) { return Promise.reject(new Error("not in this file: " + id + " (use policygraph serve, or viz --focus)")); }
      limit = limit === undefined ? LIMIT : limit; offset = offset || 0;
      var groups = full.groups.filter(function (g) { return !predicate || g.predicate === predicate; })
        .map(function (g) { return Object.assign({}, g, { offset: offset, nodes: g.nodes.slice(offset, offset + limit) }); });
      return Promise.resolve(Object.assign({}, full, { groups: groups, offset: offset, limit: limit }));
    },
    path: function (a, b) { return Promise.resolve(localPath(a, b, 6)); },
    search: function (q) {
      var needle = q.normalize("NFKC").toLowerCase().trim(), out = [];
      Object.keys(data.nodes || {}).sort().forEach(function (id) {
        var n = data.nodes[id];
        if ((id + "\n" + n.label + "\n" + n.label_en).normalize("NFKC").toLowerCase().indexOf(needle) >= 0) {
          out.push({ id: id, label: n.label, label_en: n.label_en, cls: n.cls });
        }
      });
      return Promise.resolve(out.slice(0, 50));
    },
    fragment: function (id) {
      var f = (data.fragments || {})[id];
      return f ? Promise.resolve(f) : Promise.reject(new Error("no details for " + id + " in this file"));
    }
  };

  // Shortest paths in a file: breadth-first over the links the file holds (the server's /api/path
  // does the same on the store).
  function localPath(a, b, max) {
    var adj = {};
    Object.keys(data.nodes || {}).forEach(function (id) {
      data.nodes[id].groups.forEach(function (g) {
        g.nodes.forEach(function (n) {
          var s = g.direction === "out" ? id : n.id, o = g.direction === "out" ? n.id : id;
          (adj[id] = adj[id] || []).push([n.id, s, g.predicate, o]);
          (adj[n.id] = adj[n.id] || []).push([id, s, g.predicate, o]);
        });
      });
    });
    var prev = {}, seen = {}, q = [a]; seen[a] = 0;
    for (var h = 0; h < q.length && seen[b] === undefined; h++) {
      var x = q[h];
      if (seen[x] >= max) { continue; }
      (adj[x] || []).slice().sort().forEach(function (e) {
        if (seen[e[0]] === undefined) { seen[e[0]] = seen[x] + 1; prev[e[0]] = [x, e]; q.push(e[0]); }
      });
    }
    if (seen[b] === undefined) {
      return { from: a, to: b, length: null, paths: [], nodes: {}, message: "no path of " + max + " links or fewer in this file" };
    }
    var nodes = [b], steps = [], cur = b;
    while (cur !== a) { var p = prev[cur]; steps.unshift({ from: p[0], to: cur, links: [{ subject: p[1][1], predicate: p[1][2], object: p[1][3] }] }); cur = p[0]; nodes.unshift(cur); }
    return { from: a, to: b, length: nodes.length - 1, paths: [{ nodes: nodes, steps: steps }], nodes: {}, message: "1 shortest path" };
  }

  // ------------------------------------------------------------------ graph
  var nodes = new vis.DataSet(), edges = new vis.DataSet();
  var state = { focus: null, expanded: [], more: [], hidden: [], classesOff: [], predicatesOff: [], status: "", document: "", body: "",
                layout: "force", path: null, pinned: [] };
  var known = {};      // id → {id, label, label_en, cls, status}
  var addedBy = {};    // id → the node whose expansion first added it
  var restoring = false;

  function tip(n) {
    var d = el("div", null, "pg-tip");
    d.appendChild(el("strong", n.label));
    if (n.label_en && n.label_en !== n.label) { d.appendChild(document.createElement("br")); d.appendChild(el("span", n.label_en)); }
    d.appendChild(document.createElement("br"));
    var st = n.status && STATUS[n.status];
    d.appendChild(el("code", n.cls + " · " + n.id + (n.status ? " · " + (st ? st[3] + " " + st[1] + " " : "") + n.status : "")));
    return d;
  }
  function styleOf(n) {
    var c = CLASS[n.cls] || ["#cccccc", "dot", 6];
    var st = n.status && STATUS[n.status];
    return { color: { background: c[0], border: st ? st[0] : "#555" }, borderWidth: st ? 4 : 1,
             shape: c[1] === "text" ? "dot" : c[1], level: c[2] };
  }
  function ensureNode(n, parent) {
    var old = known[n.id] || {};
    var merged = Object.assign({}, old, n);
    if (!merged.status) { merged.status = old.status || null; }
    known[n.id] = merged;
    if (parent && addedBy[n.id] === undefined) { addedBy[n.id] = parent; }
    var s = styleOf(merged);
    var pinned = state.pinned.indexOf(n.id) >= 0;
    var st = merged.status && STATUS[merged.status];  // a KPI's status: its colour, and its mark by the label
    nodes.update({ id: n.id, label: (st ? st[3] + " " : "") + short(merged.label), title: tip(merged), color: s.color, borderWidth: pinned ? 5 : s.borderWidth,
                   shape: s.shape, level: s.level, cls: merged.cls, size: 14, font: { size: 14 } });
  }
  function edgeId(s, p, o) { return s + "\u0000" + p + "\u0000" + o; }
  function ensureEdge(s, p, o, label) {
    var id = edgeId(s, p, o);
    if (!edges.get(id)) {
      edges.add({ id: id, from: s, to: o, predicate: p, title: el("div", (label || localName(p)) + "\n" + s + " → " + o, "pg-tip"),
                  arrows: "to", color: { color: "#999" } });
    }
  }
  function moreId(id, dir, pred) { return "more\u0000" + id + "\u0000" + dir + "\u0000" + pred; }

  function addAnswer(ans, onlyPredicate) {
    ensureNode({ id: ans.id, label: ans.label, label_en: ans.label_en, cls: ans.cls, status: ans.status });
    ans.groups.forEach(function (g) {
      if (onlyPredicate && (g.predicate !== onlyPredicate.predicate || g.direction !== onlyPredicate.direction)) { return; }
      g.nodes.forEach(function (n) {
        ensureNode(n, ans.id);
        if (g.direction === "out") { ensureEdge(ans.id, g.predicate, n.id, g.label); } else { ensureEdge(n.id, g.predicate, ans.id, g.label); }
      });
      var mid = moreId(ans.id, g.direction, g.predicate), shown = g.offset + g.nodes.length;
      if (shown < g.count) {
        nodes.update({ id: mid, label: "+" + (g.count - shown) + " more", shape: "box", more: { id: ans.id, direction: g.direction, predicate: g.predicate, offset: shown },
                       color: { background: "#f3f3f3", border: "#999" }, font: { size: 13 }, title: el("div", g.label + " (" + g.count + ")", "pg-tip") });
        if (!edges.get(mid)) { edges.add({ id: mid, from: ans.id, to: mid, dashes: true, predicate: g.predicate, color: { color: "#bbb" } }); }
      } else if (nodes.get(mid)) { nodes.remove(mid); edges.remove(mid); }
    });
    fetchStatuses();
  }
  // KPIs reached as neighbours: their attainment status from /api/node/<id>?limit=0 (head only).
  function fetchStatuses() {
    if (!SITE) { return; }
    Object.keys(known).forEach(function (id) {
      var n = known[id];
      if (n.cls === "KPI" && !n.status && !n.statusAsked) {
        n.statusAsked = true;
        api.node(id, 0, null, 0).then(function (a) { if (a.status) { ensureNode({ id: id, status: a.status }); refreshFilters(); } }, function () {});
      }
    });
  }

  var container = $("pg-graph");
  var view = new vis.DataView(nodes, { filter: nodeVisible });
  var edgeView = new vis.DataView(edges, { filter: edgeVisible });
  var network = new vis.Network(container, { nodes: view, edges: edgeView }, {
    physics: { enabled: false, solver: "forceAtlas2Based", stabilization: { iterations: 150, fit: false },
               forceAtlas2Based: { gravitationalConstant: -160, springLength: 150, avoidOverlap: 0.8 } },
    interaction: { hover: true, multiselect: true, tooltipDelay: 150 },
    edges: { smooth: false, arrows: { to: { scaleFactor: 0.5 } } },
    nodes: { font: { size: 14, face: "Noto Sans CJK JP, sans-serif" } }
  });
  var timings = { scriptStart: t0, firstDraw: null };
  network.once("afterDrawing", function () { timings.firstDraw = performance.now(); });

  function nodeVisible(n) {
    if (n.more) { return state.hidden.indexOf(n.more.id) < 0 && state.predicatesOff.indexOf(localName(n.more.predicate)) < 0; }
    if (state.hidden.indexOf(n.id) >= 0) { return false; }
    if (n.id === state.focus) { return true; }
    if (state.classesOff.indexOf(n.cls) >= 0) { return false; }
    var k = known[n.id];
    if (state.status && k && k.cls === "KPI" && k.status !== state.status) { return false; }
    if (state.document && !linkedTo(n.id, state.document)) { return false; }
    if (state.body && !linkedTo(n.id, state.body)) { return false; }
    return true;
  }
  // Document and body filters keep the chosen record and the records linked to it directly.
  function linkedTo(id, other) {
    return id === other || edges.get({ filter: function (e) {
      return (e.from === id && e.to === other) || (e.to === id && e.from === other); } }).length > 0;
  }
  function edgeVisible(e) { return state.predicatesOff.indexOf(localName(e.predicate)) < 0; }

  // ------------------------------------------------------------------ layout
  function layout() {
    var ids = view.getIds();
    if (state.layout === "chain") {
      // document → directive → reform item → step/KPI → values, left to right (class layers).
      network.setOptions({ physics: { enabled: false } });
      var rows = {}, updates = [];
      ids.slice().sort(function (a, b) { return (known[a] ? known[a].label : a) < (known[b] ? known[b].label : b) ? -1 : 1; })
        .forEach(function (id) {
          var n = nodes.get(id), lv = n.more ? (styleOf(known[n.more.id] || {}).level + 1) : (n.level === undefined ? 6 : n.level);
          rows[lv] = (rows[lv] || 0) + 1;
          if (state.pinned.indexOf(id) < 0) { updates.push({ id: id, x: lv * 260, y: rows[lv] * 46, fixed: false }); }
        });
      nodes.update(updates);
      fitLegibly();
    } else {
      network.setOptions({ physics: { enabled: true } });
      network.stabilize(150);
    }
  }
  // The default zoom keeps labels legible: fit the view, but never below MIN_SCALE (then centre on the
  // focus; the rest is a pan away).
  var MIN_SCALE = 0.85;
  function fitLegibly() {
    network.fit({ maxZoomLevel: 1.2 });
    if (network.getScale() < MIN_SCALE) {
      var at = state.focus && network.getPositions([state.focus])[state.focus];
      if (at && state.layout === "chain") {
        // left to right: the focus near the left edge, what it leads to on its right
        at = { x: at.x + Math.max(container.clientWidth / 2 - 140, 0) / MIN_SCALE, y: at.y };
      }
      network.moveTo({ position: at || network.getViewPosition(), scale: MIN_SCALE });
    }
  }
  network.on("stabilized", function () {
    if (state.layout === "force") { network.setOptions({ physics: { enabled: false } }); fitLegibly(); }
    timings.laidOut = performance.now();
  });
  function refresh() { view.refresh(); edgeView.refresh(); layout(); counts(); }
  function counts() { $("pg-count").textContent = view.length + " nodes · " + edgeView.getIds().filter(function (id) {
    var e = edges.get(id); return view.get(e.from) && view.get(e.to); }).length + " links"; }

  // ------------------------------------------------------------------ filters
  function refreshFilters() {
    var classes = {}, preds = {};
    Object.keys(known).forEach(function (id) { classes[known[id].cls] = true; });
    edges.forEach(function (e) { if (e.predicate) { preds[localName(e.predicate)] = true; } });
    fillBoxes($("pg-classes"), Object.keys(classes).sort(), state.classesOff, "pg-class", function (c) { return (CLASS[c] || ["#ccc"])[0]; });
    fillBoxes($("pg-predicates"), Object.keys(preds).sort(), state.predicatesOff, "pg-predicate", null);
    fillSelect($("pg-document"), "PolicyDocument", state.document);
    fillSelect($("pg-body"), "Body", state.body);
  }
  function fillSelect(select, cls, chosen) {
    var ids = Object.keys(known).filter(function (id) { return known[id].cls === cls; }).sort();
    if (chosen && ids.indexOf(chosen) < 0) { ids.push(chosen); }
    var have = Array.prototype.slice.call(select.options, 1).map(function (o) { return o.value; });
    if (have.join("\n") !== ids.join("\n")) {
      while (select.options.length > 1) { select.remove(1); }
      ids.forEach(function (id) { var o = el("option", short((known[id] || {}).label || id) + " · " + id); o.value = id; select.appendChild(o); });
    }
    select.value = chosen || "";
  }
  ["document", "body"].forEach(function (key) {
    $("pg-" + key).addEventListener("change", function () { state[key] = this.value; refresh(); save(); });
  });
  function fillBoxes(box, values, off, cls, colour) {
    var have = Array.prototype.map.call(box.querySelectorAll("input"), function (i) { return i.value; });
    if (have.join("\n") === values.join("\n")) { return; }
    box.textContent = "";
    values.forEach(function (v) {
      var label = el("label"), input = el("input");
      input.type = "checkbox"; input.value = v; input.className = cls; input.checked = off.indexOf(v) < 0;
      input.addEventListener("change", function () {
        var list = cls === "pg-class" ? state.classesOff : state.predicatesOff;
        var i = list.indexOf(v);
        if (input.checked && i >= 0) { list.splice(i, 1); } else if (!input.checked && i < 0) { list.push(v); }
        refresh(); save();
      });
      label.appendChild(input);
      if (colour) { var sw = el("span", null, "pg-swatch"); sw.style.background = colour(v); label.appendChild(sw); }
      label.appendChild(document.createTextNode(v));
      box.appendChild(label);
    });
  }
  Object.keys(STATUS).forEach(function (s) { var o = el("option", STATUS[s][1] + " " + s); o.value = s; $("pg-status").appendChild(o); });
  $("pg-status").addEventListener("change", function () { state.status = this.value; refresh(); save(); });

  // ------------------------------------------------------------------ actions
  function focus(id) {
    return api.node(id).then(function (ans) {
      state.focus = id; addAnswer(ans); if (state.expanded.indexOf(id) < 0) { state.expanded.push(id); }
      refreshFilters(); refresh(); network.selectNodes([id]); showPanel(id); return ans;
    });
  }
  function drawChain(root) {
    data.chain.nodes.forEach(function (id) {
      var a = data.nodes[id];
      ensureNode({ id: id, label: a.label, label_en: a.label_en, cls: a.cls, status: a.status }, id === root ? undefined : root);
    });
    data.chain.links.forEach(function (l) { ensureEdge(l[0], l[1], l[2]); });
    state.focus = root;
    refreshFilters(); refresh(); network.selectNodes([root]); showPanel(root);
    return Promise.resolve();
  }
  function expand(id) {
    if (state.expanded.indexOf(id) >= 0) { return Promise.resolve(); }
    return api.node(id).then(function (ans) { state.expanded.push(id); addAnswer(ans); refreshFilters(); refresh(); });
  }
  function more(m) {
    return api.node(m.id, m.offset, m.predicate).then(function (ans) {
      addAnswer(ans, m); var key = [m.id, m.direction, m.predicate, m.offset].join("~");
      if (state.more.indexOf(key) < 0) { state.more.push(key); }
      refreshFilters(); refresh();
    });
  }
  function collapse(id) {
    var keep = {}; keep[state.focus] = true;
    state.pinned.forEach(function (p) { keep[p] = true; });
    state.expanded.forEach(function (e) { if (e !== id) { keep[e] = true; } });
    var drop = Object.keys(addedBy).filter(function (n) {
      if (addedBy[n] !== id || keep[n]) { return false; }
      return network.getConnectedNodes(n).every(function (m) { return m === id || String(m).indexOf("more\u0000") === 0; });
    });
    nodes.remove(drop.concat(nodes.getIds().filter(function (m) { var n = nodes.get(m); return n.more && n.more.id === id; })));
    edges.remove(edges.getIds().filter(function (e) { var x = edges.get(e); return !nodes.get(x.from) || !nodes.get(x.to); }));
    drop.forEach(function (n) { delete addedBy[n]; delete known[n]; });
    state.expanded = state.expanded.filter(function (e) { return e !== id; });
    state.more = state.more.filter(function (k) { return k.split("~")[0] !== id; });
    refreshFilters(); refresh();
  }
  function showPath(a, b) {
    $("pg-path-msg").textContent = "…";
    return api.path(a, b).then(function (ans) {
      $("pg-path-msg").textContent = ans.message;
      Object.keys(ans.nodes || {}).forEach(function (id) { ensureNode(ans.nodes[id]); });
      edges.forEach(function (e) { if (e.onPath) { edges.update({ id: e.id, onPath: false, width: 1, color: { color: "#999" } }); } });
      ans.paths.forEach(function (p) {
        p.nodes.forEach(function (id) { if (!known[id]) { ensureNode({ id: id, label: id, cls: "" }); } });
        p.steps.forEach(function (s) { s.links.forEach(function (l) {
          ensureEdge(l.subject, l.predicate, l.object);
          edges.update({ id: edgeId(l.subject, l.predicate, l.object), onPath: true, width: 4, color: { color: "#d62728" } });
        }); });
      });
      state.path = [a, b]; refreshFilters(); refresh(); return ans;
    }, function (e) { $("pg-path-msg").textContent = String(e.message || e); });
  }
  function selected() { return network.getSelectedNodes().filter(function (id) { return !nodes.get(id).more; }); }
  function act(f) { return function () { var s = selected(); if (s.length) { Promise.all(s.map(f)).then(save, report); } }; }
  function report(e) { msg(String(e && e.message || e)); }
  $("pg-expand").addEventListener("click", act(expand));
  $("pg-collapse").addEventListener("click", act(function (id) { collapse(id); return Promise.resolve(); }));
  $("pg-hide").addEventListener("click", act(function (id) { if (id !== state.focus) { state.hidden.push(id); } refresh(); return Promise.resolve(); }));
  $("pg-unhide").addEventListener("click", function () { state.hidden = []; refresh(); save(); });
  $("pg-pin").addEventListener("click", act(function (id) {
    var i = state.pinned.indexOf(id);
    if (i >= 0) { state.pinned.splice(i, 1); nodes.update({ id: id, fixed: false }); } else { state.pinned.push(id); nodes.update({ id: id, fixed: true }); }
    ensureNode(known[id]); return Promise.resolve(); }));
  $("pg-path").addEventListener("click", function () {
    var s = selected();
    if (s.length !== 2) { $("pg-path-msg").textContent = "select two nodes (Ctrl+click) 2つ選択"; return; }
    showPath(s[0], s[1]).then(save);
  });
  document.querySelectorAll("input[name=pg-layout]").forEach(function (r) {
    r.addEventListener("change", function () {
      var keep = network.getSelectedNodes(); state.layout = this.value; layout(); network.selectNodes(keep); save(); });
  });
  network.on("click", function (params) {
    if (!params.nodes.length) { return; }
    var id = params.nodes[params.nodes.length - 1], n = nodes.get(id);
    if (n && n.more) { more(n.more).then(save, report); return; }
    if (params.event && params.event.srcEvent && (params.event.srcEvent.ctrlKey || params.event.srcEvent.metaKey || params.event.srcEvent.shiftKey)) { return; }
    showPanel(id);
    expand(id).then(save, report);
  });

  // ------------------------------------------------------------------ panel: the node page's own template
  function showPanel(id) {
    var panel = $("pg-panel");
    panel.hidden = false; panel.textContent = "";
    var k = known[id] || { label: id };
    var h = el("h2", k.label); h.id = "pg-panel-title"; panel.appendChild(h);
    var links = el("p");
    if (SITE) {
      var a = el("a", "record page 記録"); a.href = "/id/" + encodeURIComponent(id); links.appendChild(a);
    }
    panel.appendChild(links);
    var body = el("div"); body.id = "pg-panel-body"; panel.appendChild(body);
    api.fragment(id).then(function (html) {
      // The server's autoescaped template; parsed inertly, scripts never run (and the CSP forbids them).
      var doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll("script, iframe, object, embed").forEach(function (x) { x.remove(); });
      Array.prototype.forEach.call(doc.body.childNodes, function (c) { body.appendChild(document.importNode(c, true)); });
      if (!SITE) { localLinks(body); }
    }, function (e) { body.appendChild(el("p", String(e.message || e))); });
  }
  // In a file the panel's links to the web app's pages would go nowhere: a link to a record the file
  // holds opens it here (#focus=<id>); any other becomes plain text.
  // (The coverage map's bands too: a document the file does not hold is drawn without a link.)
  function localLinks(root) {
    root.querySelectorAll("a[href]").forEach(function (a) {
      var h = a.getAttribute("href"), m = /^(?:\/id\/([a-z0-9-]+)|\/explore\?focus=([a-z0-9-]+)|#focus=([a-z0-9-]+)(?:&layout=chain)?)$/.exec(h);
      var id = m && (m[1] || m[2] || m[3]);
      if (id && (data.nodes || {})[id]) {
        a.setAttribute("href", "#focus=" + id + (m[3] ? h.slice(7 + id.length) : ""));
        a.setAttribute("class", ((a.getAttribute("class") || "") + " pg-local").trim());
      } else if (a.namespaceURI === "http://www.w3.org/2000/svg") {
        while (a.firstChild) { a.parentNode.insertBefore(a.firstChild, a); }
        a.remove();
      } else {
        var t = el("span", a.textContent, "pg-inert"); t.title = "policygraph serve のみ · only in policygraph serve";
        a.replaceWith(t);
      }
    });
  }
  if (!SITE && $("pg-coverage-box")) { localLinks($("pg-coverage-box")); }

  // ------------------------------------------------------------------ search
  var results = $("pg-results");
  $("pg-search").addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter") { return; }
    var q = this.value.trim();
    if (!q) { return; }
    api.search(q).then(function (found) {
      results.textContent = "";
      msg(found.length ? found.length + " found" : "no match");
      found.slice(0, 30).forEach(function (f) {
        var li = el("li"), b = el("button", f.label + " · " + f.cls + " · " + f.id);
        b.type = "button"; b.setAttribute("data-id", f.id);
        b.addEventListener("click", function () { results.hidden = true; start(f.id); });
        li.appendChild(b); results.appendChild(li);
      });
      results.hidden = !found.length;
    }, report);
  });
  function start(id) {
    nodes.clear(); edges.clear(); known = {}; addedBy = {};
    state = Object.assign(state, { focus: null, expanded: [], more: [], hidden: [], path: null, pinned: [] });
    return focus(id).then(function () { save(); }, report);
  }

  // ------------------------------------------------------------------ export
  function download(name, mime, text) {
    var a = el("a"); a.download = name;
    a.href = text.indexOf("data:") === 0 ? text : "data:" + mime + ";charset=utf-8," + encodeURIComponent(text);
    document.body.appendChild(a); a.click(); a.remove();
  }
  function visible() {
    var ns = view.get().filter(function (n) { return !n.more; }).map(function (n) {
      var k = known[n.id] || {}; return { id: n.id, label: k.label || n.id, label_en: k.label_en || "", cls: k.cls || "", status: k.status || "" }; });
    var ids = {}; ns.forEach(function (n) { ids[n.id] = true; });
    var es = edgeView.get().filter(function (e) { return ids[e.from] && ids[e.to]; })
      .map(function (e) { return { from: e.from, predicate: e.predicate, to: e.to }; });
    return { nodes: ns, edges: es };
  }
  function csvCell(v) { v = String(v === null || v === undefined ? "" : v); if (/^[=+\-@\t\r]/.test(v)) { v = "'" + v; } return '"' + v.replace(/"/g, '""') + '"'; }
  function xml(v) { return String(v).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"); }
  var exporters = {
    png: function () { download("explore.png", "image/png", container.querySelector("canvas").toDataURL("image/png")); },
    json: function () { download("explore.json", "application/json", JSON.stringify(visible(), null, 1)); },
    csv: function () {
      var v = visible(), rows = [["kind", "id", "label", "label_en", "class", "status", "from", "predicate", "to"]];
      v.nodes.forEach(function (n) { rows.push(["node", n.id, n.label, n.label_en, n.cls, n.status, "", "", ""]); });
      v.edges.forEach(function (e) { rows.push(["link", "", "", "", "", "", e.from, e.predicate, e.to]); });
      download("explore.csv", "text/csv", "\ufeff" + rows.map(function (r) { return r.map(csvCell).join(","); }).join("\r\n") + "\r\n");
    },
    graphml: function () {
      var v = visible(), out = ['<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
        '<key id="label" for="node" attr.name="label" attr.type="string"/>', '<key id="cls" for="node" attr.name="class" attr.type="string"/>',
        '<key id="status" for="node" attr.name="status" attr.type="string"/>', '<key id="predicate" for="edge" attr.name="predicate" attr.type="string"/>',
        '<graph id="explore" edgedefault="directed">'];
      v.nodes.forEach(function (n) { out.push('<node id="' + xml(n.id) + '"><data key="label">' + xml(n.label) + '</data><data key="cls">' + xml(n.cls) +
        '</data><data key="status">' + xml(n.status) + '</data></node>'); });
      v.edges.forEach(function (e, i) { out.push('<edge id="e' + i + '" source="' + xml(e.from) + '" target="' + xml(e.to) + '"><data key="predicate">' + xml(e.predicate) + '</data></edge>'); });
      out.push("</graph>", "</graphml>");
      download("explore.graphml", "application/xml", out.join("\n") + "\n");
    },
    svg: function () {
      var v = visible(), pos = network.getPositions(v.nodes.map(function (n) { return n.id; }));
      var xs = Object.keys(pos).map(function (k) { return pos[k].x; }), ys = Object.keys(pos).map(function (k) { return pos[k].y; });
      var x0 = Math.min.apply(null, xs.concat([0])) - 120, y0 = Math.min.apply(null, ys.concat([0])) - 40;
      var w = Math.max.apply(null, xs.concat([0])) - x0 + 240, h = Math.max.apply(null, ys.concat([0])) - y0 + 80;
      var out = ['<svg xmlns="http://www.w3.org/2000/svg" viewBox="' + [x0, y0, w, h].join(" ") + '" width="' + Math.round(w) + '" height="' + Math.round(h) + '" font-family="Noto Sans CJK JP, sans-serif" font-size="14">'];
      v.edges.forEach(function (e) { var a = pos[e.from], b = pos[e.to];
        out.push('<line x1="' + a.x + '" y1="' + a.y + '" x2="' + b.x + '" y2="' + b.y + '" stroke="#999"><title>' + xml(localName(e.predicate)) + '</title></line>'); });
      v.nodes.forEach(function (n) { var p = pos[n.id], c = (CLASS[n.cls] || ["#ccc"])[0];
        out.push('<g class="node"><circle cx="' + p.x + '" cy="' + p.y + '" r="10" fill="' + xml(c) + '" stroke="#444"/><text x="' + p.x + '" y="' + (p.y + 28) +
                 '" text-anchor="middle">' + xml(short(n.label)) + '</text><title>' + xml(n.label + " " + n.id) + '</title></g>'); });
      out.push("</svg>");
      download("explore.svg", "image/svg+xml", out.join("\n") + "\n");
    }
  };
  Object.keys(exporters).forEach(function (k) { $("pg-" + k).addEventListener("click", function () { exporters[k](); }); });

  // ------------------------------------------------------------------ state in the URL
  function encodeState() {
    var p = new URLSearchParams();
    if (state.focus) { p.set("focus", state.focus); }
    var x = state.expanded.filter(function (e) { return e !== state.focus; });
    if (x.length) { p.set("expand", x.join(",")); }
    if (state.more.length) { p.set("more", state.more.join(",")); }
    if (state.hidden.length) { p.set("hide", state.hidden.join(",")); }
    if (state.classesOff.length) { p.set("noclass", state.classesOff.join(",")); }
    if (state.predicatesOff.length) { p.set("nolink", state.predicatesOff.join(",")); }
    if (state.status) { p.set("status", state.status); }
    if (state.document) { p.set("document", state.document); }
    if (state.body) { p.set("body", state.body); }
    if (state.layout !== "force") { p.set("layout", state.layout); }
    if (state.pinned.length) { p.set("pin", state.pinned.join(",")); }
    if (state.path) { p.set("path", state.path.join(",")); }
    return p.toString();
  }
  function save() {
    if (restoring) { return; }
    var qs = encodeState(), now = SITE ? location.search.slice(1) : location.hash.slice(1);
    if (qs !== now) { history.pushState(null, "", SITE ? "?" + qs : "#" + qs); }
  }
  function list(p, k) { return (p.get(k) || "").split(",").filter(Boolean); }
  function restore() {
    var p = new URLSearchParams(SITE ? location.search : location.hash.slice(1));
    var focusId = p.get("focus") || data.focus;
    restoring = true;
    nodes.clear(); edges.clear(); known = {}; addedBy = {};
    state = { focus: null, expanded: [], more: [], hidden: list(p, "hide"), classesOff: list(p, "noclass"), predicatesOff: list(p, "nolink"),
              status: p.get("status") || "", document: p.get("document") || "", body: p.get("body") || "", layout: (p.get("layout") || data.layout) === "chain" ? "chain" : "force", path: null, pinned: list(p, "pin") };
    document.querySelectorAll("input[name=pg-layout]").forEach(function (r) { r.checked = r.value === state.layout; });
    $("pg-status").value = state.status;
    $("pg-classes").textContent = ""; $("pg-predicates").textContent = "";
    var chain = Promise.resolve();
    if (data.chain && focusId === data.focus) {
      // `viz trace`'s file: it opens on the trace's own chain (root → directives → reform items →
      // steps / KPIs → values), not on the root's whole neighbourhood; a click expands any of them.
      chain = chain.then(function () { return drawChain(focusId); });
    } else if (focusId) { chain = chain.then(function () { return focus(focusId); }); }
    list(p, "expand").forEach(function (id) { chain = chain.then(function () { return expand(id); }); });
    list(p, "more").forEach(function (k) {
      var f = k.split("~"); chain = chain.then(function () { return more({ id: f[0], direction: f[1], predicate: f[2], offset: +f[3] }); }); });
    var path = list(p, "path");
    if (path.length === 2) { chain = chain.then(function () { return showPath(path[0], path[1]); }); }
    return chain.then(function () {
      state.pinned.forEach(function (id) { if (nodes.get(id)) { nodes.update({ id: id, fixed: true }); } });
      restoring = false; refreshFilters(); refresh(); ready.done = true;
      if (!focusId) { msg("search to start 検索して開始"); }
    }, function (e) { restoring = false; ready.done = true; report(e); });
  }
  window.addEventListener("popstate", function () { restore(); });
  if (!SITE) { window.addEventListener("hashchange", function () { if (!restoring && location.hash.slice(1) !== encodeState()) { restore(); } }); }
  var ready = { done: false };
  window.pgexplore = { network: network, nodes: nodes, edges: edges, view: view, edgeView: edgeView, timings: timings,
                       state: function () { return state; }, ready: ready, known: function () { return known; },
                       start: start, expand: expand, showPath: showPath, exporters: exporters, visible: visible };
  restore();
})();
