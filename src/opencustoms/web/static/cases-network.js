/* The case network view (cytoscape.js, vendored): the server sends the subgraph around a
   case (nodes typed company/person/wallet/..., edges labelled with relation, count and
   amount); clicking a node that is not fully drawn asks the server for its neighbours and
   adds them. Layout: force-directed (cose) up to 150 nodes, rings by hop above (cose took
   ~30 s for 500 nodes; see benchmarks/RESULTS-cases.md). */
(function () {
  "use strict";
  var COLOURS = {
    company: "#2b6cb0", person: "#2f855a", wallet: "#b7791f", foreign_counterparty: "#c53030",
    declaration: "#4a5568", settlement: "#6b46c1", parcel: "#dd6b20", declarant: "#718096",
    summary: "#a0aec0", entity: "#718096"
  };
  var SHAPES = {company: "round-rectangle", person: "ellipse", wallet: "diamond",
    foreign_counterparty: "hexagon", declaration: "rectangle", settlement: "tag",
    parcel: "barrel", summary: "round-octagon"};

  function layoutFor(n) {
    if (n > 150) {
      return {name: "concentric", animate: false, minNodeSpacing: 6,
        concentric: function (node) { return 10 - (node.data("hop") || 0); },
        levelWidth: function () { return 1; }};
    }
    return {name: "cose", animate: false, numIter: 500, nodeRepulsion: function () { return 8000; }};
  }

  function start() {
    var el = document.getElementById("network");
    var dataEl = document.getElementById("network-data");
    if (!el || !dataEl || typeof cytoscape === "undefined") { return; }
    var elements = JSON.parse(dataEl.textContent);
    var big = elements.length > 600;
    var cy = cytoscape({
      container: el,
      elements: elements,
      wheelSensitivity: 0.3,
      textureOnViewport: big,
      hideEdgesOnViewport: big,
      style: [
        {selector: "node", style: {
          "label": "data(label)", "font-size": 9, "min-zoomed-font-size": 6,
          "background-color": function (n) { return COLOURS[n.data("type")] || "#718096"; },
          "shape": function (n) { return SHAPES[n.data("type")] || "ellipse"; },
          "text-wrap": "ellipsis", "text-max-width": 140}},
        {selector: "node[?evidence]", style: {"border-width": 3, "border-color": "#e53e3e"}},
        {selector: "node[!expanded][type != 'summary']", style: {"border-style": "dashed", "border-width": 2, "border-color": "#1a202c"}},
        {selector: "edge", style: {
          "label": "data(label)", "font-size": 7, "min-zoomed-font-size": 8, "width": 1.5,
          "curve-style": big ? "haystack" : "bezier", "target-arrow-shape": big ? "none" : "triangle",
          "line-color": "#a0aec0", "target-arrow-color": "#a0aec0", "text-rotation": "autorotate"}}
      ],
      layout: layoutFor(elements.filter(function (e) { return !e.data.source; }).length)
    });
    el.dataset.nodes = String(cy.nodes().length);
    el.dataset.ready = "1";
    var summary = document.getElementById("network-summary");

    cy.on("tap", "node", function (evt) {
      var node = evt.target;
      if (node.data("expanded") || node.data("type") === "summary" || node.data("loading")) { return; }
      node.data("loading", true);
      var url = el.dataset.url + "&hops=1&expand=" + encodeURIComponent(node.id());
      fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var nodes = data.elements.filter(function (e) {
            return !e.data.source && cy.getElementById(e.data.id).length === 0;
          });
          var fresh = {};
          nodes.forEach(function (e) { fresh[e.data.id] = true; });
          var known = function (id) { return fresh[id] || cy.getElementById(id).length > 0; };
          var seen = {};
          cy.edges().forEach(function (e) {
            seen[e.data("source") + "|" + e.data("target") + "|" + e.data("relation")] = true;
          });
          // Edge ids are per response; new edges get ids that cannot clash.
          var stamp = "x" + Date.now() + "-";
          var edges = data.elements.filter(function (e) {
            var key = e.data.source + "|" + e.data.target + "|" + e.data.relation;
            return e.data.source && known(e.data.source) && known(e.data.target) && !seen[key];
          }).map(function (e) { e.data.id = stamp + e.data.id; return e; });
          var added = cy.add(nodes.concat(edges));
          node.data("expanded", true);
          node.data("loading", false);
          var around = added.union(node);
          around.nodes().layout({name: "concentric", animate: false,
            boundingBox: {x1: node.position("x") - 200, y1: node.position("y") - 200, w: 400, h: 400},
            concentric: function (n) { return n.same(node) ? 2 : 1; }, levelWidth: function () { return 1; }}).run();
          el.dataset.nodes = String(cy.nodes().length);
          if (summary) { summary.textContent = cy.nodes().length + " nodes, " + cy.edges().length + " edges. Click a node to expand it."; }
        })
        .catch(function () { node.data("loading", false); });
    });
    window.caseNetwork = cy;
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
