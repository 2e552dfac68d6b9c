/* Draws the Plotly figures built in Python (reports/charts.py). Each chart element names the
   json_script block holding fig.to_json(); no inline script, so the CSP stays strict. */
(function () {
  "use strict";

  function readFigure(id) {
    var source = document.getElementById(id);
    if (!source) return null;
    var value = JSON.parse(source.textContent);
    // json_script wraps the JSON text produced by fig.to_json() in a JSON string.
    return typeof value === "string" ? JSON.parse(value) : value;
  }

  function draw(el) {
    var fig = readFigure(el.dataset.chart);
    if (!fig || !window.Plotly) return;
    window.Plotly.newPlot(el, fig.data, fig.layout, {
      displayModeBar: false,
      responsive: true,
    }).then(function () {
      el.setAttribute("data-drawn", "1");
    });
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
})();
