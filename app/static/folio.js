// Folio's only script: self-refreshing boards and sortable tables. No inline script anywhere (CSP).
(function () {
  "use strict";

  // <p data-refresh="30"> reloads the page every 30 s, unless the user is typing in a form.
  var refresh = document.querySelector("[data-refresh]");
  if (refresh) {
    var seconds = parseInt(refresh.getAttribute("data-refresh"), 10) || 60;
    setInterval(function () {
      var active = document.activeElement;
      if (!active || !/^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) { window.location.reload(); }
    }, seconds * 1000);
  }

  // <form data-confirm="question">: a decision that cannot be undone asks before it is sent (no inline script).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });

  // <table class="sortable"> with <th data-sort="num|text">: click a heading to sort by it.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th, index) {
      th.tabIndex = 0;
      function sort() {
        var col = Array.prototype.indexOf.call(th.parentNode.children, th);
        var numeric = th.getAttribute("data-sort") === "num";
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > col; });
        rows.sort(function (a, b) {
          var x = a.cells[col].textContent.trim(), y = b.cells[col].textContent.trim();
          if (numeric) { x = parseFloat(x.replace(/[^0-9.\-]/g, "")) || 0; y = parseFloat(y.replace(/[^0-9.\-]/g, "")) || 0; }
          var c = numeric ? x - y : x.localeCompare(y, document.documentElement.lang);
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  });
})();

// Page viewer zoom: <img class="zoomable fit"> with buttons [data-zoom="in|out|fit|1"] inside
// [data-zoom-for="<img id>"]; a click on the image toggles fit and 100 % around the clicked point;
// keys + - 0 (100 %) and f (fit). Sizes are set through the CSSOM, which the CSP allows.
(function () {
  "use strict";
  var controls = document.querySelector("[data-zoom-for]");
  if (!controls) { return; }
  var img = document.getElementById(controls.getAttribute("data-zoom-for"));
  var box = img && img.parentNode;
  var out = document.getElementById("zoom-level");
  if (!img || !box) { return; }
  var fitLabel = out ? out.textContent : "Fit";
  var scale = null; // null = fit to the box

  function fitScale() {
    if (!img.naturalWidth) { return 1; }
    return Math.min(box.clientWidth / img.naturalWidth, box.clientHeight / img.naturalHeight, 1);
  }
  function apply(next, cx, cy) {
    var before = scale || fitScale();
    var fx = cx === undefined ? 0.5 : (box.scrollLeft + cx) / (img.width || 1);
    var fy = cy === undefined ? 0.5 : (box.scrollTop + cy) / (img.height || 1);
    scale = next;
    if (scale === null) {
      img.classList.add("fit"); img.classList.remove("zoomed");
      img.style.width = ""; img.style.height = "";
    } else {
      scale = Math.max(0.05, Math.min(scale, 8));
      img.classList.remove("fit"); img.classList.add("zoomed");
      img.style.width = Math.round(img.naturalWidth * scale) + "px";
      img.style.height = Math.round(img.naturalHeight * scale) + "px";
      box.scrollLeft = fx * img.width - (cx === undefined ? box.clientWidth / 2 : cx);
      box.scrollTop = fy * img.height - (cy === undefined ? box.clientHeight / 2 : cy);
    }
    if (out) { out.textContent = scale === null ? fitLabel : Math.round(scale * 100) + "%"; }
    img.setAttribute("data-scale", scale === null ? "fit" : String(scale));
    return before;
  }
  function act(what, cx, cy) {
    var current = scale || fitScale();
    if (what === "in") { apply(current * 1.25, cx, cy); }
    else if (what === "out") { apply(current / 1.25, cx, cy); }
    else if (what === "fit") { apply(null); }
    else { apply(parseFloat(what) || 1, cx, cy); }
  }
  controls.querySelectorAll("button[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () { act(b.getAttribute("data-zoom")); });
  });
  img.addEventListener("click", function (e) {
    var r = box.getBoundingClientRect();
    if (scale === null) { act("1", e.clientX - r.left, e.clientY - r.top); } else { act("fit"); }
  });
  document.addEventListener("keydown", function (e) {
    var t = document.activeElement;
    if (t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) { return; }
    if (e.key === "+" || e.key === "=") { act("in"); }
    else if (e.key === "-") { act("out"); }
    else if (e.key === "0") { act("1"); }
    else if (e.key === "f") { act("fit"); }
  });
})();

// Regions qc blamed (templates/_qc_regions.html): each <svg class="qc-regions" data-for="<img id>"> is laid over
// its image and follows it through zoom, pan and resizing (sizes and transforms copied through the CSSOM).
(function () {
  "use strict";
  document.querySelectorAll("svg.qc-regions[data-for]").forEach(function (svg) {
    var img = document.getElementById(svg.getAttribute("data-for"));
    if (!img) { return; }
    function sync() {
      var w = +svg.getAttribute("data-w"), h = +svg.getAttribute("data-h");
      if (img.naturalWidth && (img.naturalWidth > img.naturalHeight) !== (w > h)) { var t = w; w = h; h = t; }
      svg.setAttribute("viewBox", "0 0 " + w + " " + h);
      svg.style.left = img.offsetLeft + "px";
      svg.style.top = img.offsetTop + "px";
      svg.style.width = img.offsetWidth + "px";
      svg.style.height = img.offsetHeight + "px";
      svg.style.transform = img.style.transform || "";
    }
    if (img.complete) { sync(); } else { img.addEventListener("load", sync); }
    if (window.ResizeObserver) { new ResizeObserver(sync).observe(img); }
    new MutationObserver(sync).observe(img, { attributes: true, attributeFilter: ["style", "class"] });
    window.addEventListener("resize", sync);
  });
})();

// Issue 16: processed page / master toggle, on every page viewer (its own block: the zoom block above returns
// early on screens without its controls).
(function () {
  "use strict";
  // <div data-version-for="img-id"> buttons show the processed page or the master in that image; the bar's
  // .version-size line takes the shown version's size and dpi from the button's data-size.
  document.querySelectorAll("[data-version-for]").forEach(function (group) {
    var img = document.getElementById(group.getAttribute("data-version-for"));
    var size = group.querySelector(".version-size");
    if (!img) { return; }
    group.querySelectorAll("button[data-version]").forEach(function (button) {
      button.addEventListener("click", function () {
        if (button.disabled) { return; }
        if (size && button.hasAttribute("data-size")) { size.textContent = button.getAttribute("data-size"); }
        var url = new URL(img.getAttribute("src"), window.location.href);
        url.searchParams.set("version", button.getAttribute("data-version"));
        img.setAttribute("src", url.pathname + url.search);
        img.setAttribute("data-version", button.getAttribute("data-version"));
        group.querySelectorAll("button[data-version]").forEach(function (b) {
          b.setAttribute("aria-pressed", b === button ? "true" : "false");
        });
      });
    });
  });
})();
