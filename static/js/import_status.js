// A large import file's job (templates/targets/import.html, targets/import_jobs.py): the worker
// reads, checks (and when asked, writes) it; this follows the job's state, showing the rows read,
// and reloads the page when it is done, which then shows the preview, the import's message or
// why it stopped. Without script the page's link does the same.
(function () {
  "use strict";
  var box = document.querySelector("#import-job[data-import-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-import-status-url");
  var statusText = box.querySelector(".import-status");
  var elapsed = box.querySelector(".import-elapsed");
  var refresh = box.querySelector(".import-refresh");
  var started = Date.now();
  var tries = 0;

  if (refresh) refresh.hidden = true;

  function tick() {
    var seconds = Math.round((Date.now() - started) / 1000);
    if (elapsed) elapsed.textContent = seconds > 0 ? "(" + seconds + " s)" : "";
  }

  function poll() {
    tries += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json().catch(function () { return null; }); })
      .then(function (data) {
        if (data && (data.state === "done" || data.state === "failed")) {
          window.location.reload();
          return;
        }
        if (data && data.label && statusText) statusText.textContent = data.label;
        if (tries < 600) window.setTimeout(poll, 1000);
        else if (refresh) refresh.hidden = false;
      })
      .catch(function () {
        if (tries < 600) window.setTimeout(poll, 3000);
        else if (refresh) refresh.hidden = false;
      });
  }

  window.setInterval(tick, 1000);
  window.setTimeout(poll, 1000);
})();
