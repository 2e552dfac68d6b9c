/* Draws a map built in Python (reports/maps.py): a plain scatter of longitude against latitude.
   A click on a unit opens its page (the URL is the point's customdata[0]). The country's tiles
   are sized to their grid cell once the plot knows its width, so they touch on a phone too. */
(function () {
  "use strict";
  var el = document.querySelector("[data-map]");
  if (!el || !window.Plotly) return;
  var source = document.getElementById(el.dataset.map);
  var fig = JSON.parse(source.textContent);
  if (typeof fig === "string") fig = JSON.parse(fig);
  var tile = (fig.layout.meta && fig.layout.meta.tile) || 0;

  function fitTiles() {
    if (!tile || !el._fullLayout) return;
    var xa = el._fullLayout.xaxis;
    var perDegree = xa._length / Math.abs(xa.range[1] - xa.range[0]);
    var size = Math.max(8, Math.floor(tile * perDegree * 0.94));
    var update = { "marker.size": size, "textfont.size": Math.max(6, Math.min(10, Math.floor(size / 4))) };
    var tiles = [];
    fig.data.forEach(function (trace, i) { if (trace.marker && trace.marker.symbol === "square") tiles.push(i); });
    if (tiles.length) window.Plotly.restyle(el, update, tiles);
  }

  // Equal aspect: on a narrow screen the map is only as tall as its width allows (no blank band).
  var xs = [], ys = [];
  fig.data.forEach(function (trace) { xs = xs.concat(trace.x); ys = ys.concat(trace.y); });
  if (xs.length > 1) {
    var spanX = Math.max.apply(null, xs) - Math.min.apply(null, xs) + 2 * (tile || 0.2);
    var spanY = Math.max.apply(null, ys) - Math.min.apply(null, ys) + 2 * (tile || 0.2);
    var fit = Math.round((el.clientWidth - 16) * spanY / spanX) + 80;
    fig.layout.height = Math.max(240, Math.min(fig.layout.height, fit));
  }

  window.Plotly.newPlot(el, fig.data, fig.layout, { displayModeBar: false, responsive: true })
    .then(function () {
      fitTiles();
      el.on("plotly_click", function (event) {
        var point = event.points && event.points[0];
        if (point && point.customdata) window.location.assign(point.customdata[0]);
      });
      window.addEventListener("resize", function () { window.setTimeout(fitTiles, 200); });
      el.setAttribute("data-drawn", "1");
    });
})();
