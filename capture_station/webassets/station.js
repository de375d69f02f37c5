// The station screen: polls /api/state, sends commands (keyboard first; the buttons do the same).
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf"]').content;
  const $ = (id) => document.getElementById(id);
  let shownPreview = null;
  let lang = "zh";

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    }).then(() => refresh());
  }

  function text(el, value) {
    if (el.textContent !== value) el.textContent = value;
  }

  function render(s) {
    const L = s.labels;
    lang = s.lang;
    document.documentElement.lang = s.lang === "zh" ? "zh-CN" : "en";
    text($("operator"), L.operator + ": " + (s.operator || "—"));
    text($("record"), L.record + ": " + (s.record ? s.record + (s.record_open ? "" : " (" + L.closed + ")") : L.no_record));
    const server = $("server");
    text(server, L.server + ": " + (s.offline ? L.offline_short : L.online_short));
    server.className = "status " + (s.offline ? "bad" : "good");
    text($("lang"), L.lang_other);
    text($("next"), s.next_text);
    $("next").className = "next mode-" + (s.record_open ? s.mode : "closed");
    text($("mode-text"), s.mode_text && s.mode_text !== s.next_text ? s.mode_text : "");
    text($("today-label"), L.today + (s.today.server ? "" : " (" + L.local_tally + ")"));
    text($("today"), s.today.good + " / " + s.today.quota);
    text($("queue-label"), L.queue);
    text($("queue"), String(s.queued) + (s.rejected ? "  " + L.rejected + ": " + s.rejected : ""));
    $("command").placeholder = L.command_hint;
    text($("hint"), L.help + (s.input_hint || ""));
    for (const [id, key] of [["btn-retake", "btn_retake"], ["btn-insert", "btn_insert"], ["btn-delete", "btn_delete"],
      ["btn-goto", "btn_goto"], ["btn-confirm", "btn_confirm"], ["btn-cancel", "btn_cancel"],
      ["btn-blank", "btn_blank"], ["btn-segment", "btn_segment"], ["btn-finish", "btn_finish"]]) {
      text($(id), L[key]);
    }
    text($("strip-label"), L.strip);
    const shot = $("shot");
    if (s.last) {
      const failed = s.last.local === "fail" || s.last.server === "fail";
      const good = s.last.local === "pass" || s.last.server === "pass";
      shot.className = "shot " + (failed ? "fail" : good ? "pass" : "unchecked");
      text($("verdict-page"), String(s.last.page));
      text($("verdict-word"), failed ? L.reshoot : good ? L.ok : L.unchecked);
      text($("verdict-reasons"), failed ? s.last.reasons : "");
      const sv = s.last.server === "pass" ? L.ok : s.last.server === "fail" ? L.reshoot : L.waiting;
      text($("verdict-server"), L.server + ": " + sv);
    } else {
      shot.className = "shot empty";
      text($("verdict-page"), "");
      text($("verdict-word"), "");
      text($("verdict-reasons"), "");
      text($("verdict-server"), "");
    }
    if (s.preview_seq !== null && s.last && s.preview_seq === s.last.seq && shownPreview !== s.preview_seq) {
      $("preview").src = "/img/preview/" + s.preview_seq;
      shownPreview = s.preview_seq;
    }
    const regions = $("regions");
    regions.replaceChildren();
    if (s.last && (s.last.local === "fail" || s.last.server === "fail")) {
      const boxes = s.regions.length ? s.regions : [{ x: 0, y: 0, w: 1, h: 1 }];
      for (const r of boxes) {
        const box = document.createElement("div");
        box.className = "region";
        box.style.left = r.x * 100 + "%";
        box.style.top = r.y * 100 + "%";
        box.style.width = r.w * 100 + "%";
        box.style.height = r.h * 100 + "%";
        regions.appendChild(box);
      }
    }
    const strip = $("strip");
    strip.replaceChildren();
    for (const p of s.strip) {
      const li = document.createElement("li");
      const failed = p.verdict === "fail" || p.server === "fail";
      const missing = !failed && (p.verdict === "missing" || p.server === "missing");
      li.className = failed ? "fail" : missing ? "missing" : "pass";
      if (p.thumb) {
        const img = document.createElement("img");
        img.src = "/img/thumb/" + p.seq;
        img.alt = "";
        li.appendChild(img);
      }
      const n = document.createElement("span");
      n.textContent = String(p.page) + (failed ? " ✘" : missing ? " " + L.missing : " ✔");
      li.appendChild(n);
      strip.appendChild(li);
    }
    renderTasks(s.tasks);
    const notices = $("notices");
    notices.replaceChildren();
    for (const m of s.notices) {
      const li = document.createElement("li");
      li.className = m.level;
      li.textContent = m.text;
      notices.appendChild(li);
    }
  }

  // The open record's re-shoot tasks, shown above everything else: thumbnail, page, reason, note, who flagged it.
  function renderTasks(t) {
    const box = $("tasks");
    box.hidden = !(t && (t.rows.length || t.unavailable));
    if (box.hidden) return;
    text($("tasks-heading"), t.heading);
    text($("tasks-unavailable"), t.unavailable);
    const key = JSON.stringify(t.rows);
    const list = $("task-list");
    if (list.dataset.key === key) return;   // unchanged: keep the images without reloading them
    list.dataset.key = key;
    list.replaceChildren();
    for (const r of t.rows) {
      const li = document.createElement("li");
      li.dataset.task = String(r.id);
      if (r.thumb) {
        const img = document.createElement("img");
        img.src = "/img/task/" + r.id;
        img.alt = r.page;
        li.appendChild(img);
      }
      const words = document.createElement("div");
      for (const [cls, value] of [["page", r.page], ["reason", r.reason], ["note", r.note], ["by", r.by],
        ["hint", r.hint]]) {
        if (!value) continue;
        const line = document.createElement("div");
        line.className = cls;
        line.textContent = value;
        words.appendChild(line);
      }
      li.appendChild(words);
      list.appendChild(li);
    }
  }

  function refresh() {
    return fetch("/api/state", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then(render)
      .catch(() => { $("server").className = "status bad"; });
  }

  $("command-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("command");
    const line = input.value;
    input.value = "";
    post(line.trim() ? "/api/command" : "/api/key", line.trim() ? { line: line } : { key: "Enter" });
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "F9") {
      ev.preventDefault();
      post("/api/key", { key: "F9" });
    } else if (document.activeElement !== $("command") && ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey) {
      $("command").focus();      // a barcode scanner types wherever the focus was
    }
  });
  for (const b of document.querySelectorAll("button[data-line]")) {
    b.addEventListener("click", () => post("/api/command", { line: b.dataset.line }));
  }
  for (const b of document.querySelectorAll("button[data-prefix]")) {
    b.addEventListener("click", () => {
      const input = $("command");
      input.value = b.dataset.prefix;
      input.focus();
    });
  }
  $("lang").addEventListener("click", () => post("/api/lang", { lang: lang === "zh" ? "en" : "zh" }));
  refresh();
  setInterval(refresh, 500);
})();
