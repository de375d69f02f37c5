// The review screens (acceptance): zoom and pan of the page image, and the keyboard.
// Loaded only by the review templates; no inline script anywhere (CSP).
(function () {
  "use strict";

  var viewer = document.getElementById("viewer");
  var img = document.getElementById("page-image");
  var level = document.getElementById("zoom-level");

  // --- zoom and pan: scale 0 means "fit the viewer"; otherwise a factor of the image's natural size.
  var scale = 0, x = 0, y = 0;
  function fitScale() {
    if (!img || !img.naturalWidth) { return 1; }
    return Math.min(viewer.clientWidth / img.naturalWidth, viewer.clientHeight / img.naturalHeight);
  }
  function apply() {
    if (!img) { return; }
    var s = scale || fitScale();
    var w = img.naturalWidth * s, h = img.naturalHeight * s;
    if (!scale) { x = (viewer.clientWidth - w) / 2; y = (viewer.clientHeight - h) / 2; }
    img.style.width = w + "px";
    img.style.height = h + "px";
    img.style.transform = "translate(" + Math.round(x) + "px," + Math.round(y) + "px)";
    viewer.setAttribute("data-zoom", scale ? String(Math.round(s * 100)) : "fit");
    if (level) { level.textContent = Math.round(s * 100) + "%"; }
  }
  function zoom(factor, cx, cy) {
    if (!viewer || !img) { return; }
    var old = scale || fitScale();
    var next = Math.max(0.05, Math.min(8, old * factor));
    if (cx === undefined) { cx = viewer.clientWidth / 2; cy = viewer.clientHeight / 2; }
    // keep the point under the cursor where it is
    x = cx - (cx - x) * (next / old);
    y = cy - (cy - y) * (next / old);
    scale = next;
    apply();
  }
  function fit() { if (viewer && img) { scale = 0; apply(); } }

  if (viewer && img) {
    if (img.complete) { apply(); }
    img.addEventListener("load", fit);  // the first load, and the processed page / master toggle (folio.js)
    window.addEventListener("resize", function () { if (!scale) { apply(); } });
    viewer.querySelectorAll("[data-zoom-step]").forEach(function (b) {
      b.addEventListener("click", function () {
        var step = b.getAttribute("data-zoom-step");
        if (step === "fit") { fit(); } else { zoom(step === "in" ? 1.25 : 0.8); }
      });
    });
    viewer.addEventListener("wheel", function (e) {
      e.preventDefault();
      var r = viewer.getBoundingClientRect();
      zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    var dragging = null;
    viewer.addEventListener("pointerdown", function (e) {
      if (e.target.closest(".viewer-tools, .version-toggle")) { return; }
      dragging = { px: e.clientX, py: e.clientY, x: x, y: y };
      if (!scale) { scale = fitScale(); }
      viewer.setPointerCapture(e.pointerId);
      viewer.classList.add("dragging");
    });
    viewer.addEventListener("pointermove", function (e) {
      if (!dragging) { return; }
      x = dragging.x + e.clientX - dragging.px;
      y = dragging.y + e.clientY - dragging.py;
      apply();
    });
    function stop() { dragging = null; viewer.classList.remove("dragging"); }
    viewer.addEventListener("pointerup", stop);
    viewer.addEventListener("pointercancel", stop);
    viewer.addEventListener("dblclick", function (e) {
      var r = viewer.getBoundingClientRect();
      if (scale) { fit(); } else { zoom(2.5, e.clientX - r.left, e.clientY - r.top); }
    });
  }

  // --- the keyboard
  var review = document.getElementById("review");
  if (!review) { return; }
  var mode = review.getAttribute("data-mode");
  var form = document.getElementById(mode === "item" ? "verdict-form" : "check-form");
  var note = document.getElementById("note");
  var boxes = form ? Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][data-key]")) : [];

  function ticked() { return boxes.filter(function (b) { return b.checked; }); }
  function submitWith(id) {
    var button = document.getElementById(id);
    if (form && button) { form.requestSubmit(button); }
  }
  function markFailMode() {
    if (mode === "item") { review.classList.toggle("failing", ticked().length > 0); }
  }
  boxes.forEach(function (b) { b.addEventListener("change", markFailMode); });
  markFailMode();

  if (form && mode === "item") {
    form.addEventListener("submit", function (e) {
      var verdict = e.submitter ? e.submitter.value : "";
      var codes = ticked().map(function (b) { return b.value; });
      if (verdict === "pass" && codes.length) {
        boxes.forEach(function (b) { b.checked = false; });  // a pass carries no defects
      }
      if (verdict === "fail" && !codes.length) {
        e.preventDefault();
        review.classList.add("failing");
        var d = document.getElementById("defects");
        if (d) { d.classList.add("need"); }
        if (boxes[0]) { boxes[0].focus(); }
        return;
      }
      if (verdict === "fail" && codes.indexOf("other") >= 0 && note && !note.value.trim()) {
        e.preventDefault();
        note.focus();
      }
    });
  }

  function go(selector) {
    var link = document.querySelector(selector);
    if (link) { window.location.href = link.href; }
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test((document.activeElement || {}).tagName || "") &&
      document.activeElement.type !== "checkbox";
    if (typing) {
      if (e.key === "Escape") { document.activeElement.blur(); e.preventDefault(); }
      if (e.key === "Enter" && document.activeElement === note && !e.shiftKey) {
        e.preventDefault();
        submitWith(mode === "item" ? (ticked().length ? "fail-button" : "pass-button") : "save-check");
      }
      return;
    }
    var key = e.key;
    if (/^[1-9]$/.test(key)) {
      var box = boxes.filter(function (b) { return b.getAttribute("data-key") === key; })[0];
      if (box) { box.checked = !box.checked; markFailMode(); e.preventDefault(); }
      return;
    }
    switch (key) {
      case "Enter":
        if (mode === "item") { submitWith(ticked().length ? "fail-button" : "pass-button"); }
        else { submitWith("save-check"); }
        e.preventDefault();
        break;
      case "p": case "P":
        if (mode === "item") { submitWith("pass-button"); e.preventDefault(); }
        break;
      case "f": case "F":
        if (mode === "item") { submitWith("fail-button"); e.preventDefault(); }
        break;
      case "n": case "N":
        if (note) { note.focus(); e.preventDefault(); }
        break;
      case "r": case "R":
        if (mode === "item") { go("#record-link"); e.preventDefault(); }
        break;
      case "Escape":
        boxes.forEach(function (b) { b.checked = false; });
        markFailMode();
        break;
      case "ArrowLeft": go("[data-nav=prev]"); e.preventDefault(); break;
      case "ArrowRight": go("[data-nav=next]"); e.preventDefault(); break;
      case "+": case "=": zoom(1.25); e.preventDefault(); break;
      case "-": case "_": zoom(0.8); e.preventDefault(); break;
      case "0": fit(); e.preventDefault(); break;
    }
  });
})();
