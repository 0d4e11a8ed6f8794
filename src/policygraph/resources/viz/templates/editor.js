// policygraph serve /query: YASGUI on this server's /sparql, the named queries as examples.
// Nothing is fetched from elsewhere: no endpoint catalogue, no prefix or vocabulary look-ups, and a
// shared link's endpoint is replaced by this server's (the page's CSP would refuse another anyway).
//
// - Share links reopen the shared query: YASGUI's populateFromUrl reads `query=` (the share button
//   puts it after `#`), in a tab of its own; no example overwrites it.
// - Tabs (each a saved query), their queries and results are kept in this browser (YASGUI's
//   persistence, in localStorage), so typed work survives a reload; `?example=NAME` opens that example.
// - A result IRI of a record (https://w3id.org/policygraph/id/…) opens its page here, /id/…, in the
//   same tab; the project's prefixes (pg:, pgr: …, predeclared by /sparql) shorten IRIs in results.
(function () {
  "use strict";
  var examples = JSON.parse(document.getElementById("pg-examples").textContent);
  var prefixes = JSON.parse(document.getElementById("pg-prefixes").textContent);
  var select = document.getElementById("pg-example");
  var byName = {};
  examples.forEach(function (q) { byName[q.name] = q; });
  var endpoint = window.location.origin + "/sparql";
  var records = prefixes.pgr;
  var page = new URLSearchParams(window.location.search);
  var shared = new URLSearchParams(window.location.hash.slice(1)).has("query") || page.has("query");

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: "policygraph-editor",
    populateFromUrl: function (config) {
      config.requestConfig.endpoint = endpoint;  // a shared link runs on this server, whatever it names
      if (config.requestConfig.args) {  // the page's own ?example= is not a query argument
        config.requestConfig.args = config.requestConfig.args.filter(function (a) { return a.name !== "example"; });
      }
      return config;
    },
    yasqe: { autocompleters: ["variables"], value: byName[select.value].text },
    yasr: { prefixes: prefixes },
  });
  function show(name) {
    var tab = yasgui.getTab();
    tab.setEndpoint(endpoint);
    tab.setQuery(byName[name].text);
  }
  yasgui.getTab().setEndpoint(endpoint);
  if (!shared && page.has("example")) {
    show(select.value);
  }
  select.addEventListener("change", function () { show(select.value); });
  // A record's IRI opens its page on this server, in the same tab: YASR draws every IRI as a link to
  // itself in a new window (its sanitiser adds target=_blank), so each drawn record link is rewritten,
  // whenever the table draws (a new result, another page of it).
  function localise(root) {
    if (!records || !root.querySelectorAll) {
      return;
    }
    var links = Array.prototype.slice.call(root.querySelectorAll("a.iri"));
    if (root.matches && root.matches("a.iri")) {
      links.push(root);
    }
    links.forEach(function (link) {
      var href = link.getAttribute("href") || "";
      if (href.indexOf(records) === 0) {
        link.setAttribute("href", "/id/" + encodeURIComponent(href.slice(records.length)));
        link.removeAttribute("target");
        link.removeAttribute("rel");
        link.title = href;
      }
    });
  }
  new MutationObserver(function (changes) {
    changes.forEach(function (change) { change.addedNodes.forEach(localise); });
  }).observe(document.getElementById("yasgui"), { childList: true, subtree: true });
  window.pgEditor = { yasgui: yasgui, show: show, shared: shared };
}());
