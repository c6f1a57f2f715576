// Grade book grid: keyboard entry (Tab, Enter and the arrow keys move), paste of a block copied from
// Excel or Google Sheets (tab-separated rows, filled from the focused cell), and saving only the
// changed cells with their versions (Ctrl+S too). A cell someone else changed comes back as a
// conflict: the other person's value is shown on the cell, what the user changed stays in it (the
// fields they did not touch take the other person's values) and the cell takes the new version, so
// saving again overwrites on purpose. Without this script the
// same form posts the changed cells to the server.
(function () {
  "use strict";
  var form = document.getElementById("gradebook-form");
  if (!form || form.getAttribute("data-writable") !== "1") { return; }
  var grid = document.getElementById("gb-grid");
  var status = document.getElementById("gb-status");
  var keyInput = form.querySelector("input[name='idempotency_key']");
  var saving = false;

  function msg(name, n) {
    return (form.getAttribute("data-msg-" + name) || "").replace("{n}", String(n));
  }
  function at(row, col) {
    return grid.querySelector("input.gb-in[data-row='" + row + "'][data-col='" + col + "']");
  }
  function pos(input) {
    return { row: Number(input.getAttribute("data-row")), col: Number(input.getAttribute("data-col")) };
  }
  function cellOf(input) { return input.closest("tr").querySelector("td.gb-cell[data-cell='" + input.closest("[data-cell]").getAttribute("data-cell") + "']"); }
  function inputsOf(ident) {
    return Array.prototype.slice.call(grid.querySelectorAll("input.gb-in")).filter(function (i) {
      return i.closest("[data-cell]").getAttribute("data-cell") === ident;
    });
  }

  // Normalise what was typed: levels in capitals (D → Đ for qualities and competencies).
  function normalise(input) {
    if (input.getAttribute("data-field") !== "level") { return; }
    var value = input.value.trim().toUpperCase();
    var kind = input.closest("td.gb-cell").getAttribute("data-kind");
    if (kind === "ITEM" && value === "D") { value = "Đ"; }
    if (value !== input.value) { input.value = value; }
  }
  function markChanged(input) {
    var td = input.closest("td");
    td.classList.toggle("gb-changed", input.value.trim() !== (input.getAttribute("data-orig") || "").trim());
  }

  grid.addEventListener("input", function (e) {
    var input = e.target;
    if (!input.classList || !input.classList.contains("gb-in")) { return; }
    normalise(input);
    markChanged(input);
  });

  function move(input, dRow, dCol) {
    var p = pos(input);
    var next = at(p.row + dRow, p.col + dCol);
    if (next) { next.focus(); next.select(); return true; }
    return false;
  }

  grid.addEventListener("keydown", function (e) {
    var input = e.target;
    if (!input.classList || !input.classList.contains("gb-in")) { return; }
    var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    var atEnd = input.selectionStart === input.value.length;
    var short = input.getAttribute("data-field") !== "comment";
    if (e.key === "Enter" || e.key === "ArrowDown") {
      if (move(input, 1, 0) || e.key === "Enter") { e.preventDefault(); }
    } else if (e.key === "ArrowUp") {
      if (move(input, -1, 0)) { e.preventDefault(); }
    } else if (e.key === "ArrowRight" && (short || atEnd)) {
      if (move(input, 0, 1)) { e.preventDefault(); }
    } else if (e.key === "ArrowLeft" && (short || atStart)) {
      if (move(input, 0, -1)) { e.preventDefault(); }
    }
  });

  // Rows of cells from spreadsheet text: tabs between cells, newlines between rows, quoted cells
  // (holding a tab, newline or quote) with doubled quotes; the trailing newline is dropped.
  function parseBlock(text) {
    var rows = [], row = [], cell = "", i = 0, start = true;
    while (i < text.length) {
      var ch = text[i];
      if (start && ch === "\"") {
        i += 1;
        while (i < text.length) {
          if (text[i] === "\"" && text[i + 1] === "\"") { cell += "\""; i += 2; }
          else if (text[i] === "\"") { i += 1; break; }
          else { cell += text[i]; i += 1; }
        }
        start = false;
        continue;
      }
      if (ch === "\t") { row.push(cell); cell = ""; start = true; }
      else if (ch === "\r" || ch === "\n") {
        if (ch === "\r" && text[i + 1] === "\n") { i += 1; }
        row.push(cell); rows.push(row); row = []; cell = ""; start = true;
      } else { cell += ch; start = false; }
      i += 1;
    }
    if (cell || row.length) { row.push(cell); rows.push(row); }
    return rows;
  }

  grid.addEventListener("paste", function (e) {
    var input = e.target;
    if (!input.classList || !input.classList.contains("gb-in")) { return; }
    var text = (e.clipboardData || window.clipboardData).getData("text");
    if (text.indexOf("\t") < 0 && text.replace(/\r?\n$/, "").indexOf("\n") < 0) { return; }
    e.preventDefault();
    var p = pos(input);
    parseBlock(text).forEach(function (values, r) {
      values.forEach(function (value, c) {
        var target = at(p.row + r, p.col + c);
        if (!target) { return; }
        target.value = value.trim();
        normalise(target);
        markChanged(target);
      });
    });
  });

  function changedCells() {
    var seen = {}, out = [];
    grid.querySelectorAll("input.gb-in").forEach(function (input) {
      var td = input.closest("[data-cell]");
      var ident = td.getAttribute("data-cell");
      if (seen[ident]) { return; }
      var inputs = inputsOf(ident);
      var changed = inputs.some(function (i) { return i.value.trim() !== (i.getAttribute("data-orig") || "").trim(); });
      seen[ident] = true;
      if (!changed) { return; }
      var cellTd = grid.querySelector("td.gb-cell[data-cell='" + ident + "']");
      var orig = JSON.parse(cellTd.querySelector("input[data-role='orig']").value);
      var cell = {
        student_id: ident.split("~")[0], item_code: ident.split("~")[1],
        level: "", score: "", comment: orig[2] || "",
        expected_version: Number(cellTd.querySelector("input[data-role='version']").value)
      };
      inputs.forEach(function (i) { cell[i.getAttribute("data-field")] = i.value.trim(); });
      out.push(cell);
    });
    return out;
  }

  function clearMessages(td) {
    td.classList.remove("gb-error", "gb-conflict");
    td.querySelectorAll(".gb-msg").forEach(function (m) { m.remove(); });
  }
  function addMessage(td, text, kind, testid) {
    var p = document.createElement("p");
    p.className = "gb-msg";
    p.setAttribute("role", "alert");
    p.setAttribute("data-testid", testid);
    p.textContent = text;
    td.appendChild(p);
    td.classList.add(kind);
  }
  function cellTd(studentId, itemCode) {
    return grid.querySelector("td.gb-cell[data-cell='" + studentId + "~" + itemCode + "']");
  }

  function applySaved(saved) {
    saved.forEach(function (c) {
      var td = cellTd(c.student_id, c.item_code);
      if (!td) { return; }
      clearMessages(td);
      var values = { level: c.level || "", score: c.score ? String(c.score) : "", comment: c.comment || "" };
      td.querySelector("input[data-role='orig']").value = JSON.stringify([values.level, values.score, values.comment]);
      td.querySelector("input[data-role='version']").value = String(c.version);
      inputsOf(c.student_id + "~" + c.item_code).forEach(function (i) {
        var field = i.getAttribute("data-field");
        i.setAttribute("data-orig", values[field]);
        i.closest("td").classList.remove("gb-changed");
      });
    });
  }
  function applyConflicts(conflicts) {
    conflicts.forEach(function (c) {
      var td = cellTd(c.current.student_id, c.current.item_code);
      if (!td) { return; }
      clearMessages(td);
      // The user's values stay in the inputs; the cell now expects the other person's version.
      td.querySelector("input[data-role='version']").value = String(c.current.version);
      var now = [c.current.level || "", c.current.score ? String(c.current.score) : "", c.current.comment || ""];
      td.querySelector("input[data-role='orig']").value = JSON.stringify(now);
      inputsOf(c.current.student_id + "~" + c.current.item_code).forEach(function (i) {
        var field = i.getAttribute("data-field");
        var current = { level: now[0], score: now[1], comment: now[2] }[field];
        // A field the user did not touch takes the other person's value; one they changed keeps theirs.
        if (i.value.trim() === (i.getAttribute("data-orig") || "").trim()) { i.value = current; }
        i.setAttribute("data-orig", current);
        markChanged(i);
      });
      addMessage(td, c.message, "gb-conflict", "cell-conflict");
    });
  }
  function applyErrors(fields) {
    Object.keys(fields || {}).forEach(function (name) {
      var parts = name.split(".");
      if (parts[0] !== "cells" || parts.length < 4) { return; }
      var td = cellTd(parts[1], parts[2]);
      if (td) { addMessage(td, fields[name], "gb-error", "cell-error"); }
    });
  }

  function newKey() {
    return (window.crypto && window.crypto.randomUUID) ? window.crypto.randomUUID() : String(Date.now()) + Math.random();
  }

  function save() {
    if (saving) { return; }
    var cells = changedCells();
    grid.querySelectorAll("td.gb-error").forEach(clearMessages);
    if (!cells.length) { status.textContent = msg("nothing"); return; }
    saving = true;
    var reason = form.querySelector("input[name='reason']");
    var body = {
      period: form.getAttribute("data-period"), subject_code: form.getAttribute("data-subject"),
      cells: cells, idempotency_key: keyInput.value, reason: reason ? reason.value : ""
    };
    fetch(form.getAttribute("data-api"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.getAttribute("data-csrf") },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (answer) {
      // A retried request reuses its key (the server answers it once); the next save gets a new one.
      keyInput.value = newKey();
      if (answer.ok) {
        applySaved(answer.data.saved);
        applyConflicts(answer.data.conflicts);
        status.textContent = answer.data.conflicts.length ? msg("conflicts", answer.data.conflicts.length) : msg("saved", answer.data.saved.length);
        status.className = "gb-status" + (answer.data.conflicts.length ? " gb-status-warn" : " gb-status-ok");
      } else {
        var error = answer.data.error || {};
        applyErrors(error.fields);
        var extra = Object.keys(error.fields || {}).filter(function (k) { return k.indexOf("cells.") !== 0; })
          .map(function (k) { return error.fields[k]; }).join(" ");
        status.textContent = (error.message || msg("failed")) + (extra ? " " + extra : "");
        status.className = "gb-status gb-status-error";
      }
    }).catch(function () {
      status.textContent = msg("offline");
      status.className = "gb-status gb-status-error";
    }).then(function () { saving = false; });
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); save(); });
  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) { e.preventDefault(); save(); }
  });
  window.addEventListener("beforeunload", function (e) {
    if (grid.querySelector("td.gb-changed")) { e.preventDefault(); e.returnValue = msg("unsaved"); }
  });
})();
