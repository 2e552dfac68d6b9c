/* The header search as an ARIA combobox (WAI-ARIA 1.2 list autocomplete). Without this script
   it is a plain GET form to the search page. Suggestions come from /tim-kiem/goi-y/ (JSON,
   scoped to what the user may read): arrow keys move, Enter opens the chosen unit (or submits
   the form when none is chosen), Escape closes the list. */
(function () {
  "use strict";
  var form = document.querySelector("form.headsearch[data-suggest]");
  if (!form || !window.fetch) return;
  var input = form.querySelector("input[name=q]");
  var list = form.querySelector("[role=listbox]");
  var status = form.querySelector("[data-suggest-status]");
  var items = [];
  var active = -1;
  var timer = null;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function choose(index) {
    var options = list.querySelectorAll("[role=option]");
    options.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render(results) {
    items = results;
    list.textContent = "";
    if (!results.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.setAttribute("aria-disabled", "true");
      empty.textContent = form.dataset.msgNone;
      list.appendChild(empty);
      status.textContent = form.dataset.msgNone;
    } else {
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = "head-q-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.code = r.code;
        var name = document.createElement("strong");
        name.textContent = r.name;
        var meta = document.createElement("small");
        meta.textContent = [r.level, r.parent, r.period].filter(Boolean).join(" · ");
        li.appendChild(name);
        li.appendChild(meta);
        // mousedown, not click: the input keeps its focus, the list is not closed by blur first
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          window.location.assign(r.url);
        });
        list.appendChild(li);
      });
      status.textContent = form.dataset.msgCount.replace("{n}", results.length);
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  function suggest() {
    var text = input.value.trim();
    if (text.length < 2) { close(); items = []; return; }
    // Not aborted when a newer one starts: a late answer is dropped below (its q is stale).
    fetch(form.dataset.suggest + "?q=" + encodeURIComponent(text), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        var kind = response.headers.get("Content-Type") || "";
        if (!response.ok || kind.indexOf("json") < 0) throw new Error("no suggestions");
        return response.json();
      })
      .then(function (data) { if (data.q === input.value.trim().slice(0, 100)) render(data.results); })
      .catch(function () { /* the form still submits to the search page */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 150);
  });
  input.addEventListener("keydown", function (event) {
    var open = !list.hidden && items.length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (list.hidden) { suggest(); return; }
      if (open) choose((active + 1) % items.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (open) choose(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter") {
      if (open && active >= 0) {
        event.preventDefault();
        window.location.assign(items[active].url);
      }
    } else if (event.key === "Escape") {
      if (!list.hidden) { event.preventDefault(); close(); }
    }
  });
  input.addEventListener("blur", function () { window.setTimeout(close, 100); });
})();
