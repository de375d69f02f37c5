"""Re-shoot tasks at the station: the inspectors' flags on the open record, shown first when it opens.

The server sends a record's open tasks with the answer to opening it (`reshoot_tasks`: page number, defect code,
note, who flagged it, the flagged image's thumbnail address). The station words them itself (qcwords), lists
them in the terminal (one `reshoot_tasks` event, its text a list) and on the browser screen with the thumbnails,
which a background thread fetches. Offline (or nobody signed in) it says the tasks could not be fetched.
A re-shoot of a task's page (`r N`) is an ordinary re-shoot upload; the server closes the task when it stores
the new image, and once the upload is answered the station asks again and says the task is done. A task belongs
to its page, not to a number: an insert or a delete made here moves the listed numbers at once, and the station
asks the server again once the operation is acknowledged (a deleted page's task is withdrawn by the server).
A station started with a record still open fetches that record's tasks (`resume`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from capture_station.client import ApiError
from capture_station.events import Event
from capture_station.qcwords import defect_text, say

log = logging.getLogger("capture_station.tasks")
FIELDS = ("id", "page_id", "page_number", "reason", "reason_zh", "reason_en", "note", "flagged_by", "flagged_at")


def task_lines(tasks: list[dict[str, Any]], lang: str) -> str:
    """The terminal's text: a title line and one line per task (page, reason, note, who), or 'none'."""
    if not tasks:
        return ""
    lines = [say("tasks_title", lang, n=len(tasks))]
    for task in tasks:
        note = say("task_note", lang, note=task["note"]) if task.get("note") else ""
        lines.append("  " + say("task_line", lang, page=task["page_number"], reason=defect_text(task, lang),
                                note=note, by=task.get("flagged_by") or "?"))
    return "\n".join(lines)


def screen_rows(tasks: list[dict[str, Any]], lang: str, has_thumb: Callable[[int], bool]) -> list[dict[str, Any]]:
    """The browser screen's rows, worded in `lang`: id, page, reason, note, by, hint, thumb (fetched yet)."""
    return [{"id": task["id"], "page": say("task_page", lang, page=task["page_number"]),
             "reason": defect_text(task, lang), "note": task.get("note") or "",
             "by": say("task_by", lang, by=task.get("flagged_by") or "?"),
             "hint": say("task_hint", lang, page=task["page_number"]), "thumb": has_thumb(task["id"])}
            for task in tasks]


class ReshootTasks:
    """The open record's tasks; the station calls `opened` after each record is opened."""

    def __init__(self, station: Any) -> None:
        self.station = station
        self.record_id: int | None = None
        self.record = ""
        self.tasks: list[dict[str, Any]] = []
        self.thumb_listeners: list[Callable[[int, bytes], None]] = []   # e.g. the browser screen
        self._lock = threading.Lock()
        station.bus.subscribe(self._on_event)

    def opened(self, record: str, record_id: int | None, answer: dict[str, Any] | None) -> None:
        """A record was opened: `answer` is the server's record (None when it was not reached). Shows the tasks."""
        tasks = None
        if answer is not None:
            tasks = answer.get("reshoot_tasks")
            if tasks is None and record_id is not None:   # a server that does not send them with the record
                tasks = self._fetch(record_id)
        with self._lock:
            self.record, self.record_id = record, record_id
            self.tasks = [{k: t.get(k) for k in FIELDS} for t in tasks or []]
        self._announce(None if tasks is None else self.tasks)
        if self.tasks:
            threading.Thread(target=self._fetch_thumbs, args=(list(self.tasks),), name="task-thumbs",
                             daemon=True).start()

    def _announce(self, tasks: list[dict[str, Any]] | None, done: list[int] | None = None) -> None:
        """One `reshoot_tasks` event: the list (or that it could not be fetched, or which tasks are done)."""
        lang = self.station.lang
        if tasks is None:
            self.station.bus.emit("reshoot_tasks", "warn", say("tasks_unavailable", lang), status="unavailable",
                                  record=self.record, tasks=[], done=[])
            return
        lines = [say("task_done", lang, page=n) for n in done or []]
        if tasks:
            lines.append(task_lines(tasks, lang))
        self.station.bus.emit("reshoot_tasks", "warn" if tasks and not done else "ok" if done else "info",
                              "\n".join(lines), status="ok", record=self.record, tasks=tasks, done=done or [],
                              bell=bool(tasks) and not done and self.station.cfg.bell)

    def _fetch(self, record_id: int) -> list[dict[str, Any]] | None:
        client = self.station.client(timeout=10)
        try:
            return client.reshoot_tasks(record_id)
        except ApiError as exc:
            log.info("re-shoot tasks of record %s not fetched: %s", record_id, exc.code)
            return None
        finally:
            client.close()

    def _fetch_thumbs(self, tasks: list[dict[str, Any]]) -> None:
        client = self.station.client(timeout=15)
        try:
            for task in tasks:
                try:
                    data = client.reshoot_thumbnail(task["id"])
                except ApiError as exc:   # the list still shows the task, without its picture
                    log.info("thumbnail of task %s not fetched: %s", task["id"], exc.code)
                    continue
                for listener in self.thumb_listeners:
                    listener(task["id"], data)
        finally:
            client.close()

    def resume(self, record: str, record_id: int | None) -> None:
        """The station started with `record` still open: fetch and show its tasks (in a thread of its own)."""
        if record_id is None or self.station.session is None:
            return
        with self._lock:
            self.record, self.record_id = record, record_id
        threading.Thread(target=self._resume, name="task-resume", daemon=True).start()

    def _resume(self) -> None:
        with self._lock:
            record, record_id = self.record, self.record_id
        self.opened(record, record_id, {"id": record_id, "reshoot_tasks": None})

    def _on_event(self, e: Event) -> None:
        """Keep the list's page numbers true: a shot inserted or a page deleted here moves the tasks at once (the
        tasks belong to pages, not numbers); once the server has acknowledged the insert, the delete or a re-shoot
        of a flagged page, ask it again (in a thread of its own)."""
        if e.get("record") != self.record or e.get("replayed"):
            return
        kind = e["kind"]
        with self._lock:
            if not self.tasks or self.record_id is None:
                return
            if kind in ("shot", "deleted") and (kind == "deleted" or e.get("insert")):
                self.tasks = _moved(self.tasks, int(e["page"]), +1 if kind == "shot" else -1)
                tasks = list(self.tasks)
            else:
                tasks = None
            refresh = (kind == "uploaded" and (e.get("insert") or any(t["page_id"] == e.get("page_id")
                                                                        for t in self.tasks))) or \
                (kind == "op_done" and e.get("op") == "delete")
        if tasks is not None:
            self._announce(tasks)
        if refresh:
            threading.Thread(target=self._refresh, args=(e.get("page_id") if kind == "uploaded" else None,),
                             name="task-refresh", daemon=True).start()

    def _refresh(self, reshot_page_id: int | None = None) -> None:
        """Fetch the tasks again; a task gone after the re-shoot of its page is done, one gone otherwise (its page
        deleted) is simply no longer listed."""
        with self._lock:
            record_id, before = self.record_id, list(self.tasks)
        if record_id is None:
            return
        tasks = self._fetch(record_id)
        if tasks is None:
            return
        with self._lock:
            if record_id != self.record_id:
                return   # another record was opened meanwhile
            self.tasks = [{k: t.get(k) for k in FIELDS} for t in tasks]
            still = {t["id"] for t in self.tasks}
            after = list(self.tasks)
        done = [t["page_number"] for t in before if t["id"] not in still and t["page_id"] == reshot_page_id]
        if done or [(t["id"], t["page_number"]) for t in after] != [(t["id"], t["page_number"]) for t in before]:
            self._announce(after, done)


def _moved(tasks: list[dict[str, Any]], page: int, by: int) -> list[dict[str, Any]]:
    """The tasks after a shot inserted at `page` (by +1: pages from it move up) or page `page` deleted (by -1: its
    task goes, later pages move down)."""
    out = []
    for task in tasks:
        n = task["page_number"]
        if by < 0 and n == page:
            continue
        if (by > 0 and n >= page) or (by < 0 and n > page):
            task = {**task, "page_number": n + by}
        out.append(task)
    return out
