/* The workspace's plotly charts (plotly, vendored): the dashboard's weekly charts, the
   detector precision chart and each declaration item's price benchmark. The data come in
   <script type="application/json"> blocks, which the browser does not execute; this file is
   the only code, so the Content-Security-Policy can refuse inline scripts. */
(function () {
  "use strict";
  var CONFIG = {responsive: true, displayModeBar: false};

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function dashboard() {
    var s = data("dashboard-series");
    if (!s) { return; }
    var layout = function (y, fmt) {
      return {margin: {t: 10, r: 10, b: 40, l: 60},
        yaxis: {title: {text: y}, tickformat: fmt || "", rangemode: "tozero"},
        xaxis: {type: "category", nticks: 7, automargin: true},
        legend: {orientation: "h", y: -0.25}};
    };
    Plotly.newPlot("chart-hit",
      s.offices.map(function (o) { return {x: s.weeks, y: s.hit_rate[o], name: o, mode: "lines+markers"}; }),
      Object.assign(layout("hit rate", ".0%"),
        {yaxis: {title: {text: "hit rate"}, tickformat: ".0%", range: [0, 1.05]}}),
      CONFIG);
    Plotly.newPlot("chart-revenue",
      s.offices.map(function (o) { return {x: s.weeks, y: s.revenue[o], name: o, type: "bar"}; }),
      Object.assign(layout("KRW"), {barmode: "stack"}), CONFIG);
    Plotly.newPlot("chart-workload",
      [{x: s.weeks, y: s.selected_total, name: "selected", type: "bar"},
        {x: s.weeks, y: s.inspected_total, name: "inspected", type: "bar"}],
      layout("declarations"), CONFIG);
  }

  function precision() {
    var p = data("precision-series");
    if (!p) { return; }
    var traces = Object.keys(p.series).map(function (s) {
      return {x: p.months, y: p.series[s], name: s, mode: "lines+markers"};
    });
    Plotly.newPlot("chart-precision", traces, {margin: {t: 10, r: 10, b: 40, l: 60},
      yaxis: {tickformat: ".0%", range: [0, 1.05]}, xaxis: {type: "category"}}, CONFIG);
  }

  function benchmarks() {
    document.querySelectorAll(".benchmark-chart").forEach(function (el) {
      var b = data(el.dataset.source);
      if (!b) { return; }
      var traces = [{x: b.log_values, type: "histogram", name: "peers", marker: {color: "#8aa6c1"}}];
      var shapes = b.log_value === null ? [] : [{type: "line", x0: b.log_value, x1: b.log_value,
        yref: "paper", y0: 0, y1: 1, line: {color: "#c0392b", width: 3}}];
      Plotly.newPlot(el, traces, {margin: {t: 10, r: 10, b: 40, l: 40}, shapes: shapes,
        xaxis: {title: {text: "log10 price per kg (KRW)"}}, showlegend: false}, CONFIG);
    });
  }

  function start() {
    if (typeof Plotly === "undefined") { return; }
    dashboard();
    precision();
    benchmarks();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
