// Entry grids: live totals and change vs last month, Enter moves down a column, a warning
// before leaving with unsaved edits. The page works without it: the server computes the same
// totals on every render.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "vi";
  var fmt = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-US");

  // What a person typed, read the way the server reads it (bhxh_dashboard/parsing.py): plain
  // digits, digits grouped in threes by ".", "," or a space ("1.234"), or digits, a decimal mark
  // and zeros only ("12.0"), up to the grid's data-max-count; anything else is not a number (null).
  function parseCount(text, max) {
    text = (text || "").replace(/\s+/g, " ").trim();
    if (text === "") return 0;
    var zeroFraction = /^(\d+)[.,]0+$/.exec(text);
    if (/^\d{1,3}([., ]\d{3})+$/.test(text)) text = text.replace(/[., ]/g, "");
    else if (zeroFraction) text = zeroFraction[1];
    if (!/^\d+$/.test(text)) return null;
    var n = parseInt(text, 10);
    return n > max ? null : n;
  }

  function signed(n) {
    if (n > 0) return "+" + fmt.format(n);
    if (n < 0) return "\u2212" + fmt.format(-n);
    return fmt.format(0);
  }

  // A cell that is not a count is marked as soon as it is typed: aria-invalid, and a message of
  // its own that the cell is described by (the grid's data-invalid-message). A message the server
  // wrote after a save stays until the next save; only the ones written here come and go.
  function markCell(input, bad, message) {
    var id = "e_" + input.id;
    var note = document.getElementById(id);
    if (bad) {
      if (!note) {
        note = document.createElement("div");
        note.className = "cell-error";
        note.id = id;
        note.dataset.live = "1";
        input.insertAdjacentElement("afterend", note);
      }
      if (note.dataset.live) note.textContent = message;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", id);
    } else if (note && note.dataset.live) {
      note.remove();
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
    input.classList.toggle("js-invalid", bad);
  }

  document.querySelectorAll("table.entry-grid[data-invalid-message]").forEach(function (table) {
    var max = parseInt(table.dataset.maxCount, 10) || Infinity;
    var check = function (input) {
      if (input.tagName !== "INPUT" || !input.dataset.col || !input.id) return;
      markCell(input, parseCount(input.value, max) === null, table.dataset.invalidMessage);
    };
    table.addEventListener("input", function (event) { check(event.target); });
    table.querySelectorAll("input[data-col]").forEach(check);
  });

  var grid = document.getElementById("entry-grid");
  if (grid) {
    var totalP = document.getElementById("total-p");
    var totalN = document.getElementById("total-n");
    var totalChange = document.getElementById("total-change");
    var totalNote = document.getElementById("total-note");
    var maxCount = parseInt(grid.dataset.maxCount, 10);

    var recompute = function () {
      var p = 0, n = 0, change = 0, compared = 0, skipped = 0;
      grid.querySelectorAll("tbody tr[data-prev]").forEach(function (tr) {
        var pInput = tr.querySelector("input[data-col=p]");
        var nInput = tr.querySelector("input[data-col=n]");
        if (!pInput) return;
        var pv = parseCount(pInput.value, maxCount), nv = parseCount(nInput.value, maxCount);
        skipped += (pv === null ? 1 : 0) + (nv === null ? 1 : 0);
        p += pv || 0;
        n += nv || 0;
        var cell = tr.querySelector("[data-change]");
        if (tr.dataset.prev !== "" && pInput.value.trim() !== "" && pv !== null) {
          var rowChange = pv - parseInt(tr.dataset.prev, 10);
          change += rowChange;
          compared += 1;
          cell.textContent = signed(rowChange);
          cell.classList.toggle("down", rowChange < 0);
        } else {
          cell.textContent = "";
        }
      });
      if (totalP) totalP.textContent = fmt.format(p);
      if (totalN) totalN.textContent = fmt.format(n);
      // The change over the communes entered so far, not against the whole of last month.
      if (totalChange) totalChange.textContent = compared ? signed(change) : "";
      // The totals say how many cells they leave out (a polite live region: said once typed).
      if (totalNote) {
        var text = "";
        if (skipped === 1) text = totalNote.dataset.one;
        else if (skipped > 1) text = totalNote.dataset.many.replace("__N__", fmt.format(skipped));
        if (totalNote.textContent !== text) totalNote.textContent = text;
      }
    };
    grid.addEventListener("input", recompute);
    if (grid.querySelector("input[data-col=p]")) recompute();
  }

  // After a refused save, the first cell in error has the focus, ready to be corrected.
  var firstError = document.querySelector(".has-error input, .has-error select");
  if (firstError) firstError.focus();

  // The month (or year) picker shows its choice at once; the button stays for no-JS use.
  document.querySelectorAll("form.month-picker select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Enter in a cell moves to the same column of the next row (Shift+Enter: the row above),
  // as in a spreadsheet; it never submits the grid.
  document.querySelectorAll("table.entry-grid").forEach(function (table) {
    table.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
      event.preventDefault();
      var col = event.target.dataset.col;
      var inputs = Array.prototype.slice.call(table.querySelectorAll("input[data-col='" + col + "']"));
      var next = inputs[inputs.indexOf(event.target) + (event.shiftKey ? -1 : 1)];
      if (next) {
        next.focus();
        next.select();
      }
    });
  });

  // Leaving the page with edits not saved asks first; saving does not.
  document.querySelectorAll("form.entry-form, table.target-grid").forEach(function (el) {
    var form = el.tagName === "FORM" ? el : el.closest("form");
    if (!form) return;
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  });

  // Nothing typed is lost (issue 15): what is typed is kept in this browser (localStorage, per
  // user, page and month or year) until a page shows it stored. A session that ends mid-entry
  // sends "Lưu cả bảng" to the sign-in page; signed in again, the grid shows the stored figures
  // and this puts back the typed ones, saying how many, with a way to drop them.
  var DRAFT_DAYS = 7;
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }

  document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
    if (!store) return;
    var key = "bhxh-draft:" + form.dataset.draftKey;
    var grid = form.querySelector("table.entry-grid");
    var max = (grid && parseInt(grid.dataset.maxCount, 10)) || Infinity;
    var suspended = false;
    var read = function () {
      try {
        var d = JSON.parse(store.getItem(key) || "null");
        return d && d.values ? d : null;
      } catch (e) { return null; }
    };
    var write = function (d) {
      try {
        if (d && Object.keys(d.values).length) store.setItem(key, JSON.stringify(d));
        else store.removeItem(key);
      } catch (e) { /* storage full or refused: the page still works */ }
    };
    // A cell holds the same as the draft when both read as the same count ("1.234" is 1234).
    var same = function (el, value) {
      if (el.tagName !== "INPUT" || !el.dataset.col) return el.value === value;
      var a = parseCount(el.value, max), b = parseCount(value, max);
      return a !== null && b !== null ? a === b : el.value.trim() === String(value).trim();
    };
    var cell = function (name) {
      var el = form.elements.namedItem(name);
      return el && el.tagName && grid && grid.contains(el) ? el : null;
    };

    var draft = read();
    if (draft && Date.now() - (draft.at || 0) > DRAFT_DAYS * 864e5) draft = null;
    var restored = [];
    // A page of stored figures: what it shows stored is done with, the rest is put back. A page
    // sent back after a refused save already shows what was typed; the draft stays as it is.
    if (draft && form.dataset.draftState === "stored") {
      Object.keys(draft.values).forEach(function (name) {
        var el = cell(name);
        if (!el || same(el, draft.values[name])) {
          delete draft.values[name];
          return;
        }
        el.value = draft.values[name];
        el.classList.add("draft-restored");
        restored.push(el);
      });
    }
    write(draft);
    draft = draft || { values: {} };

    var note = document.getElementById("draft-restored");
    if (restored.length && note) {
      note.querySelector("[data-text]").textContent = restored.length === 1
        ? note.dataset.one
        : note.dataset.many.replace("__N__", fmt.format(restored.length));
      note.hidden = false;
      suspended = true;
      restored.forEach(function (el) { el.dispatchEvent(new Event("input", { bubbles: true })); });
      suspended = false;
      document.getElementById("draft-discard").addEventListener("click", function () {
        suspended = true;
        restored.forEach(function (el) {
          if (el.tagName === "SELECT") {
            Array.prototype.forEach.call(el.options, function (o) { o.selected = o.defaultSelected; });
          } else {
            el.value = el.defaultValue;
          }
          el.classList.remove("draft-restored");
          el.dispatchEvent(new Event("input", { bubbles: true }));
        });
        suspended = false;
        draft = { values: {} };
        write(null);
        note.hidden = true;
      });
    }

    var remember = function (event) {
      var el = event.target;
      if (suspended || !el.name || !cell(el.name)) return;
      draft.values[el.name] = el.value;
      draft.at = Date.now();
      write(draft);
    };
    form.addEventListener("input", remember);
    form.addEventListener("change", remember);
    // "Tải lại số liệu hiện có" (after a conflict) means: forget what I typed.
    form.querySelectorAll("[data-draft-discard]").forEach(function (link) {
      link.addEventListener("click", function () { write(null); });
    });
  });

  // Before the session ends: a warning five minutes ahead, with a button that extends it by a
  // small request; once it has ended, what to do (the draft above keeps the figures).
  var warning = document.getElementById("session-warning");
  if (warning) {
    var deadline = Date.now() + 1000 * (parseInt(warning.dataset.secondsLeft, 10) || 0);
    var warnBefore = 1000 * parseInt(warning.dataset.warnBefore, 10);
    var warningText = warning.querySelector("[data-text]");
    var extend = document.getElementById("session-extend");
    var tick = function () {
      var left = deadline - Date.now();
      var text = "";
      if (left <= 0) text = warning.dataset.over;
      else if (left <= warnBefore) text = warning.dataset.soon.replace("__T__", fmt.format(Math.ceil(left / 60000)));
      warning.hidden = text === "";
      extend.hidden = left <= 0;
      if (warningText.textContent !== text) warningText.textContent = text;
    };
    tick();
    window.setInterval(tick, 10000);
    extend.addEventListener("click", function () {
      var token = document.querySelector("input[name=csrfmiddlewaretoken]");
      fetch(warning.dataset.keepaliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" }
      }).then(function (response) {
        return response.ok ? response.json() : { seconds_left: 0 };
      }).then(function (data) {
        deadline = Date.now() + 1000 * (data.seconds_left || 0);
        tick();
      }).catch(function () { /* offline: the warning stays */ });
    });
  }
})();
