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
})();
