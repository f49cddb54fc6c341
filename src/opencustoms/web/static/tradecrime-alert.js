/* The trade-crime alert page: the monthly declared-vs-settled timeline (plotly, vendored)
   and the subgraph of related entities (cytoscape.js, vendored); data come in JSON blocks. */
(function () {
  "use strict";
  var COLOURS = {company: "#2b6cb0", person: "#2f855a", wallet: "#b7791f",
    foreign_counterparty: "#c53030"};

  function timeline() {
    var el = document.getElementById("timeline");
    var dataEl = document.getElementById("timeline-data");
    if (!el || !dataEl || typeof Plotly === "undefined") { return; }
    var rows = JSON.parse(dataEl.textContent);
    var months = rows.map(function (r) { return r.month; });
    var series = [["exports_declared", "exports declared"], ["received", "received"],
      ["imports_declared", "imports declared"], ["paid", "paid"]];
    var traces = series.map(function (s) {
      return {x: months, y: rows.map(function (r) { return r[s[0]]; }), name: s[1],
        type: "scatter", mode: "lines+markers"};
    });
    Plotly.newPlot(el, traces, {margin: {t: 10}, yaxis: {title: "KRW"}}, {displaylogo: false});
  }

  function subgraph() {
    var el = document.getElementById("subgraph");
    var dataEl = document.getElementById("subgraph-data");
    if (!el || !dataEl || typeof cytoscape === "undefined") { return; }
    cytoscape({
      container: el,
      elements: JSON.parse(dataEl.textContent),
      style: [
        {selector: "node", style: {"label": "data(label)", "font-size": 9,
          "background-color": function (n) { return COLOURS[n.data("kind")] || "#718096"; }}},
        {selector: "edge", style: {"label": "data(label)", "font-size": 7, "width": 1,
          "curve-style": "bezier"}}
      ],
      layout: {name: "cose", animate: false}
    });
  }

  document.addEventListener("DOMContentLoaded", function () { timeline(); subgraph(); });
}());
