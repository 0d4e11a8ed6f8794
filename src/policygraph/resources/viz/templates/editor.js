// policygraph serve /query: YASGUI on this server's /sparql, the named queries as examples.
// Nothing is fetched from elsewhere: no endpoint catalogue, no prefix or vocabulary look-ups, no
// persisted endpoints from other sites.
(function () {
  "use strict";
  var examples = JSON.parse(document.getElementById("pg-examples").textContent);
  var select = document.getElementById("pg-example");
  var byName = {};
  examples.forEach(function (q) { byName[q.name] = q; });
  var endpoint = window.location.origin + "/sparql";
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    populateFromUrl: false,
    yasqe: { autocompleters: ["variables"], value: byName[select.value].text },
  });
  function show(name) {
    var tab = yasgui.getTab();
    tab.setEndpoint(endpoint);
    tab.setQuery(byName[name].text);
  }
  show(select.value);
  select.addEventListener("change", function () { show(select.value); });
  window.pgEditor = { yasgui: yasgui, show: show };
}());
