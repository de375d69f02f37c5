// Custody screens: the handover scanner (a barcode scanner types the code and presses Enter) and printing.
// No inline script anywhere (CSP): this file is loaded by the pages that need it.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  var scan = document.querySelector("input[data-scanner]");
  if (!scan) { return; }
  var form = scan.form;
  var body = document.querySelector("#lines tbody");
  var template = document.getElementById("line-template");
  var counter = document.getElementById("scan-count");
  var kind = scan.getAttribute("data-kind");
  var note = document.getElementById("scan-note");

  function codes() {
    return Array.prototype.map.call(body.querySelectorAll("input[name=codes]"), function (i) { return i.value; });
  }

  function renumber() {
    Array.prototype.forEach.call(body.rows, function (row, index) {
      var cell = row.querySelector(".line-no");
      if (cell) { cell.textContent = String(index + 1); }
    });
    counter.textContent = String(body.rows.length);
  }

  function check(row, code) {
    var info = row.querySelector(".line-info");
    info.textContent = scan.getAttribute("data-checking");
    fetch("/custody/lookup?kind=" + encodeURIComponent(kind) + "&code=" + encodeURIComponent(code), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (found) {
      if (!found) { info.textContent = ""; return; }
      info.textContent = "";
      var label = document.createElement("span");
      label.textContent = found.kind === "box" ? found.label + " (" + found.records + ")" : found.label;
      info.appendChild(label);
      if (found.problem) {
        row.classList.add("line-bad");
        var bad = document.createElement("span");
        bad.className = "bad";
        bad.textContent = " " + found.message;
        info.appendChild(bad);
      } else {
        row.classList.add("line-ok");
      }
    }).catch(function () { info.textContent = ""; });
  }

  function add(code) {
    var existing = codes().indexOf(code);
    if (existing >= 0) {
      var row = body.rows[existing];
      row.classList.remove("line-flash");
      void row.offsetWidth;  // restart the highlight
      row.classList.add("line-flash");
      note.textContent = code + ": " + scan.getAttribute("data-duplicate");
      return;
    }
    note.textContent = "";
    var fresh = template.content.firstElementChild.cloneNode(true);
    fresh.querySelector(".line-code").textContent = code;
    fresh.querySelector("input[name=codes]").value = code;
    body.appendChild(fresh);
    renumber();
    check(fresh, code);
  }

  scan.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();  // Enter from the scanner adds a line; it never submits the batch
    var code = scan.value.replace(/[\u0000-\u001f]/g, "").trim();
    scan.value = "";
    if (code) { add(code); }
  });

  body.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove]");
    if (!button) { return; }
    button.closest("tr").remove();
    renumber();
    scan.focus();
  });

  body.addEventListener("change", function (event) {
    if (event.target.name !== "condition") { return; }
    var note = event.target.closest("tr").querySelector("input[name=condition_note]");
    note.required = event.target.value !== "normal";
    if (note.required) { note.focus(); }
  });

  // Enter in the other fields of the batch must not submit it half-done either: it goes back to the scanner.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.tagName === "INPUT" && event.target !== scan &&
        event.target.type !== "submit") {
      event.preventDefault();
      scan.focus();
    }
  });
  renumber();
})();
