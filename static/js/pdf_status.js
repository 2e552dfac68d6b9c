// The PDF box of a unit page (templates/reports/_pdf_download.html): the "Tạo bản PDF" button asks
// the worker for the summary without leaving the page, then the box shows its progress (a spinner,
// the status and the seconds waited) and the download link once it is ready. Without script the
// form posts and the page, reloaded, says the same.
(function () {
  "use strict";
  var box = document.querySelector(".pdf-download[data-pdf-status-url]");
  if (!box) return;
  var form = box.querySelector(".pdf-request");
  var progress = box.querySelector(".pdf-progress");
  var statusText = box.querySelector(".pdf-status");
  var elapsed = box.querySelector(".pdf-elapsed");
  var hint = box.querySelector(".pdf-hint");
  var failed = box.querySelector(".pdf-failed");
  var ready = box.querySelector(".pdf-ready");
  var link = box.querySelector(".pdf-ready-link");
  var refresh = box.querySelector(".pdf-refresh");
  var url = box.getAttribute("data-pdf-status-url");
  var started = Date.now();
  var tries = 0;
  var timer = null;

  function show(el, visible) { if (el) el.hidden = !visible; }

  function tick() {
    if (!elapsed || progress.hidden) return;
    var seconds = Math.round((Date.now() - started) / 1000);
    elapsed.textContent = seconds > 0 ? "(" + seconds + " s)" : "";
  }

  // What the server says of the summary: the page follows it.
  function apply(data) {
    if (!data) return false;
    if (data.error) {  // refused (no figures for the period): the server's words
      show(progress, false); show(hint, false); show(form, false);
      if (failed) { failed.textContent = data.error; show(failed, true); }
      return true;
    }
    if (data.status === "ready" && data.download_url) {
      link.href = data.download_url;
      show(progress, false); show(form, false); show(hint, false); show(failed, false);
      show(ready, true);
      if (refresh) refresh.hidden = true;
      return true;
    }
    if (data.status === "failed") {
      show(progress, false); show(hint, false);
      show(form, true); show(failed, true);
      return true;
    }
    if (data.status === "pending" || data.status === "running") {
      show(form, false); show(hint, false); show(failed, false);
      show(progress, true);
      if (statusText && data.label) statusText.textContent = data.label + "…";
      if (refresh) refresh.hidden = true;
    }
    return false;
  }

  function poll() {
    tries += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json().catch(function () { return null; }); })
      .then(function (data) {
        if (apply(data)) return;
        if (tries < 150) timer = window.setTimeout(poll, 1000);
      })
      .catch(function () { if (tries < 150) timer = window.setTimeout(poll, 3000); });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      started = Date.now();
      tries = 0;
      show(form, false); show(hint, false); show(failed, false);
      show(progress, true);
      if (refresh) refresh.hidden = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) { return response.json().catch(function () { return null; }); })
        .then(function (data) {
          if (!apply(data)) { window.clearTimeout(timer); timer = window.setTimeout(poll, 1000); }
        })
        .catch(function () { form.submit(); });
    });
  }
  window.setInterval(tick, 1000);
  if (progress && !progress.hidden) {
    if (refresh) refresh.hidden = true;
    timer = window.setTimeout(poll, 1000);
  }
})();
