// The delivery export page: poll the export's progress and move the bar; reload when it ends. No inline script (CSP).
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  var started = box.getAttribute("data-status");
  var bar = document.getElementById("export-bar");
  function fmt(n) { return Number(n).toLocaleString(); }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { return; }
        bar.max = Math.max(p.page_count, 1);
        bar.value = p.pages_done;
        bar.textContent = p.pages_done;
        document.getElementById("export-pages").textContent = fmt(p.pages_done);
        document.getElementById("export-records").textContent = fmt(p.records_done);
        document.getElementById("export-error").textContent = p.error || "";
        if (p.status !== started && (p.status === "done" || p.status === "failed" || p.status === "interrupted")) {
          window.location.reload();
          return;
        }
        if (p.status === "running" || p.status === "queued") { setTimeout(poll, 2000); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (started === "running" || started === "queued") { setTimeout(poll, 1000); }
})();
