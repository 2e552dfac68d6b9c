// Polls the national PDF summary's status and shows the download link once it is ready.
// The page works without it: the "reload" link shows the same status.
(function () {
  "use strict";
  var box = document.querySelector(".pdf-download[data-pdf-status-url]");
  if (!box) return;
  var statusText = box.querySelector(".pdf-status");
  var ready = box.querySelector(".pdf-ready");
  var link = box.querySelector(".pdf-ready-link");
  var refresh = box.querySelector(".pdf-refresh");
  var url = box.getAttribute("data-pdf-status-url");
  var tries = 0;

  function poll() {
    tries += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.status === "ready" && data.download_url) {
          link.href = data.download_url;
          ready.hidden = false;
          if (refresh) refresh.hidden = true;
          if (statusText) statusText.textContent = data.label;
          return;
        }
        if (data.status === "failed") {
          if (statusText) statusText.textContent = data.label;
          return;
        }
        if (tries < 120) window.setTimeout(poll, 2000);
      })
      .catch(function () { if (tries < 120) window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1500);
})();
