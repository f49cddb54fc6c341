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
    // The interval as a pale bar from low to high, the rate (only from enough
    // inspections) as a dot: one inspection never draws a point at 100 %.
    var band = function (x, lo, hi, horizontal) {
      var size = lo.map(function (v, i) { return v === null ? null : hi[i] - v; });
      var t = {base: lo, type: "bar", name: "95% interval", marker: {color: "rgba(31,95,168,0.25)"},
        hoverinfo: "skip"};
      if (horizontal) { t.y = x; t.x = size; t.orientation = "h"; } else { t.x = x; t.y = size; }
      return t;
    };
    var hitLayout = Object.assign(layout("hit rate", ".0%"),
      {yaxis: {title: {text: "hit rate"}, tickformat: ".0%", range: [0, 1.05]}, showlegend: false});
    Plotly.newPlot("chart-hit",
      [band(s.weeks, s.hit_low, s.hit_high, false),
        {x: s.weeks, y: s.hit_rate, name: "hit rate", mode: "markers", marker: {color: "#1f5fa8", size: 9}}],
      hitLayout, CONFIG);
    Plotly.newPlot("chart-revenue",
      [{x: s.weeks, y: s.revenue, name: "revenue found", type: "bar", marker: {color: "#1a7a43"}}],
      Object.assign(layout("KRW"), {showlegend: false}), CONFIG);
    Plotly.newPlot("chart-workload",
      [{x: s.weeks, y: s.selected, name: "selected", type: "bar"},
        {x: s.weeks, y: s.inspected, name: "inspected", type: "bar"}],
      layout("declarations"), CONFIG);
    if (document.getElementById("chart-offices") && s.office_labels.length) {
      // One row per office (small multiples would be 34 charts): rate and interval.
      var el = document.getElementById("chart-offices");
      el.style.height = Math.max(320, 22 * s.office_labels.length + 80) + "px";
      Plotly.newPlot(el,
        [band(s.office_labels, s.office_hit_low, s.office_hit_high, true),
          {y: s.office_labels, x: s.office_hit_rate, mode: "markers", name: "hit rate",
            marker: {color: "#1f5fa8", size: 9}}],
        {margin: {t: 10, r: 10, b: 40, l: 10}, showlegend: false, barmode: "overlay",
          xaxis: {tickformat: ".0%", range: [0, 1.05]},
          yaxis: {type: "category", automargin: true, autorange: "reversed"}}, CONFIG);
    }
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

  // A declaration's price against its valuation benchmark group: the group's histogram
  // (bins of the valuation engine, KRW per kg on a log axis labelled in plain KRW), the
  // benchmark median and this declaration marked and named.
  function benchmarks() {
    var krw = function (v) { return Math.round(v).toLocaleString("en") + " " + "KRW"; };
    document.querySelectorAll(".benchmark-chart").forEach(function (el) {
      var b = data(el.dataset.source);
      if (!b || !b.prices.length) { return; }
      var lg = function (v) { return Math.log10(v); };
      var xs = b.prices.map(lg);
      var marks = xs.concat(b.value ? [lg(b.value)] : []);
      var lo = Math.floor(Math.min.apply(null, marks) - 0.1);
      var hi = Math.ceil(Math.max.apply(null, marks) + 0.1);
      var ticks = [];
      for (var k = lo; k <= hi; k += 1) { ticks.push(k); }
      var width = xs.length > 1 ? Math.max(0.01, (Math.max.apply(null, xs) - Math.min.apply(null, xs)) / 40) : 0.02;
      var traces = [{x: xs, y: b.counts, type: "bar", width: width, name: "comparable declarations",
        marker: {color: "#6d8fb3"}, customdata: b.prices,
        hovertemplate: "%{customdata:,.0f} " + b.unit + ": %{y} declarations<extra></extra>"}];
      var line = function (x, color, dash) {
        return {type: "line", x0: x, x1: x, yref: "paper", y0: 0, y1: 1, line: {color: color, width: 3, dash: dash}};
      };
      var shapes = [line(lg(b.median), "#1d2733", "dash")];
      var notes = [{x: lg(b.median), y: 1, yref: "paper", yanchor: "bottom", showarrow: false,
        text: "median " + krw(b.median) + "/kg", font: {size: 12}}];
      if (b.value) {
        shapes.push(line(lg(b.value), "#c0392b", "solid"));
        notes.push({x: lg(b.value), y: 0.85, yref: "paper", showarrow: true, arrowcolor: "#c0392b",
          ax: 40, ay: -20, text: "this declaration " + krw(b.value) + "/kg", font: {color: "#8e2a1f", size: 12},
          bgcolor: "#ffffff"});
      }
      Plotly.newPlot(el, traces, {margin: {t: 30, r: 20, b: 55, l: 60}, shapes: shapes, annotations: notes,
        bargap: 0, showlegend: false,
        xaxis: {title: {text: "Unit price, " + b.unit + " (log scale)"}, range: [lo, hi],
          tickvals: ticks, ticktext: ticks.map(function (t) { return Math.pow(10, t).toLocaleString("en"); })},
        yaxis: {title: {text: "Declarations"}, rangemode: "tozero"}}, CONFIG);
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
