/* Loads plotly (1.5 MB, the heaviest file of the workspace) and the chart code only once the
   page has loaded, so the facts, items and reasons of a page show without waiting for the
   charts' library to be parsed (issue 19, item 8). The scripts to load are listed in this
   tag's data-scripts attribute (fingerprinted URLs, in order); charts.js draws on execution
   when the document is already complete. The time the last one ran is kept in
   <html data-charts-at> (ms from navigation start) for benchmarks/bench_workspace_pages.py. */
(function () {
  "use strict";
  var tag = document.currentScript;
  var urls = ((tag && tag.getAttribute("data-scripts")) || "").split(" ").filter(Boolean);

  function inject() {
    var left = urls.length;
    urls.forEach(function (url) {
      var s = document.createElement("script");
      s.src = url;
      s.async = false; // run in the listed order: plotly before the code that draws with it
      s.onload = function () {
        left -= 1;
        if (left === 0) { document.documentElement.setAttribute("data-charts-at", String(Math.round(performance.now()))); }
      };
      document.head.appendChild(s);
    });
  }

  if (document.readyState === "complete") { inject(); } else { window.addEventListener("load", inject); }
})();
