"""What the operator reads about the vendor's QC, in Chinese (default) and English: re-shoot tasks sent by the
inspectors, their defect codes, and the shot-time warning for an unturned or repeated page.

Kept beside messages.py (same shape, same `t`-style lookup) so that the station words these itself too: the
server sends stable codes (a task's `reason` is an acceptance defect code).
"""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, tuple[str, str]] = {
    "tasks_title": ("本病案有 {n} 个补拍任务（请先补拍）：", "This record has {n} re-shoot task(s) (re-shoot first):"),
    "tasks_unavailable": ("离线：未能获取本病案的补拍任务，恢复连接后请重新扫描条码",
                          "offline: the re-shoot tasks of this record could not be fetched; scan the barcode again "
                          "once the server is back"),
    "task_line": ("第 {page} 页：{reason}{note}（{by} 标记）  → 输入 r {page} 补拍",
                  "page {page}: {reason}{note} (flagged by {by})  → type r {page} to re-shoot"),
    "task_note": ("——{note}", " — {note}"),
    "task_done": ("第 {page} 页的补拍任务已完成", "the re-shoot task of page {page} is done"),
    "tasks_heading": ("补拍任务", "Re-shoot tasks"),
    "task_page": ("第 {page} 页", "page {page}"),
    "task_by": ("{by} 标记", "flagged by {by}"),
    "task_hint": ("输入 r {page} 补拍", "type r {page} to re-shoot"),
    "same_page": ("第 {page} 页：同一页？请翻页后重拍（与第 {earlier} 页相同）",
                  "page {page}: same page as before — did you turn the page? (looks like page {earlier})"),
    "repeat_page": ("第 {page} 页与第 {earlier} 页相同：是否重复拍摄？请核对",
                    "page {page} looks the same as page {earlier}: shot twice? Please check"),
}

# Defect codes of acceptance (app/acceptance/rules.DEFECT_CODES), as the operator reads them.
DEFECTS: dict[str, tuple[str, str]] = {
    "blurred": ("图像模糊", "blurred"),
    "skewed": ("页面歪斜", "skewed"),
    "cut_off": ("页面不完整", "cut off"),
    "missing_page": ("漏拍", "missing page"),
    "extra_page": ("多拍或重复页", "extra or duplicate page"),
    "wrong_order": ("顺序错误", "wrong order"),
    "mismatch": ("与原件不符", "does not match the paper"),
    "wrong_naming": ("命名或分段错误", "wrong naming or segment"),
    "other": ("其他", "other"),
}


def say(key: str, lang: str = "zh", **kw: Any) -> str:
    """The text for `key` in `lang` (zh or en), with the fields filled in."""
    zh, en = TEXTS[key]
    text = zh if lang == "zh" else en
    return text.format(**kw) if kw else text


def defect_text(task: dict[str, Any], lang: str = "zh") -> str:
    """A task's reason in the operator's words; an unknown code in the server's words (reason_zh / reason_en), else
    the code itself."""
    code = str(task.get("reason") or "")
    if code in DEFECTS:
        zh, en = DEFECTS[code]
        return zh if lang == "zh" else en
    return str(task.get("reason_zh" if lang == "zh" else "reason_en") or code)
