"""What the operator reads, in Chinese (default) and English."""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, tuple[str, str]] = {
    # verdicts and shots
    "ok": ("合格", "OK"),
    "reshoot": ("请补拍", "Re-shoot"),
    "unchecked": ("未检查", "not checked"),
    "waiting": ("等待服务器", "waiting for server"),
    "server_ok": ("服务器：合格", "server: OK"),
    "server_fail": ("服务器：请补拍", "server: re-shoot"),
    "safe": ("已安全保存", "saved safely"),
    "page": ("第 {n} 页", "page {n}"),
    "shot_saved": ("第 {page} 页已保存（待上传 {queued}）", "page {page} saved ({queued} waiting to upload)"),
    "replaced": ("第 {page} 页已补拍（替换原图）", "page {page} re-shot (replaces the old image)"),
    # record
    "record": ("病案", "Record"),
    "no_record": ("请扫描病案条码", "Scan the record's barcode"),
    "record_opened": ("已打开病案 {label}，下一页：第 {next} 页", "Record {label} open; next: page {next}"),
    "record_offline": ("离线：未能向服务器确认病案 {label}，从第 {next} 页开始；如不对请用 p 命令改页码",
                       "offline: record {label} not confirmed by the server; starting at page {next} "
                       "(use p to change it if wrong)"),
    "record_refused": ("服务器拒绝该病案号 {label}：{detail}", "The server refuses record number {label}: {detail}"),
    "hold_for_record": ("有 {n} 张照片等待：请先扫描病案条码", "{n} shot(s) waiting: scan the record's barcode first"),
    "pages_captured": ("已拍 {n} 页", "{n} pages"),
    "segment": ("分段", "segment"),
    "next_segment": ("下一张开始新分段：{name}", "next shot starts segment: {name}"),
    "next_blank": ("下一张标记为空白页", "next shot is marked intentionally blank"),
    "mode_reshoot": ("下一张补拍第 {n} 页", "next shot re-shoots page {n}"),
    "mode_insert": ("已插入空位，下一张为第 {n} 页（漏拍页）", "slot opened: next shot is the missed page {n}"),
    "mode_cleared": ("已取消，下一张为第 {n} 页", "cancelled; next shot is page {n}"),
    "insert_cancelled": ("注意：第 {n} 页空位仍在，完成时会显示为缺页", "note: the slot for page {n} stays empty "
                         "and will show as missing"),
    "page_set": ("下一张为第 {n} 页", "next shot is page {n}"),
    "deleted": ("已删除第 {n} 页，后面的页码前移", "page {n} deleted; later pages move up"),
    "bad_page": ("页码 {n} 不在 1 到 {max} 之间", "page {n} is not between 1 and {max}"),
    "finish_queued": ("已提交纸质页数 {n}，等待服务器核对", "paper page count {n} sent; waiting for the server"),
    "finished_ok": ("病案 {label} 完整：{n} 页", "record {label} complete: {n} pages"),
    "finished_gap": ("病案 {label}：缺页 {missing}；多余 {extra}", "record {label}: missing {missing}; extra {extra}"),
    "prev_unfinished": ("上一病案 {label} 未输入纸质页数（f 页数）", "previous record {label} has no paper page count "
                        "(f <count>)"),
    # queue and server
    "queue": ("待上传", "waiting to upload"),
    "rejected": ("被拒绝", "rejected"),
    "offline": ("服务器无法连接：继续拍摄，照片已安全保存，恢复后自动上传（待上传 {queued}）",
                "server unreachable: keep capturing, shots are safe and will upload when it is back "
                "({queued} waiting)"),
    "online": ("服务器已连接", "server reachable again"),
    "session_expired": ("登录已过期：请重新登录（login 用户名 密码），照片不会丢失",
                        "your session has expired: sign in again (login <user> <password>); no shot is lost"),
    "bad_station_token": ("工作站令牌无效：请管理员运行 capture-station setup 重新设置",
                          "the station token is refused: an administrator must run capture-station setup"),
    "role_not_allowed": ("该账号不能在工作站拍摄", "this account may not capture at a station"),
    "endpoint_missing": ("服务器版本过旧，不支持该操作：请联系管理员（队列已暂停，不会丢失）",
                         "the server is too old for this operation: call the administrator (queue paused, nothing "
                         "is lost)"),
    "other_operator": ("队列中有 {user} 的 {n} 张待上传：需 {user} 登录后才能上传",
                       "{n} item(s) of {user} wait: they upload when {user} signs in"),
    "rejected_item": ("服务器拒绝了第 {page} 页（{record}）：{detail}；文件保留在 {file}",
                      "the server refused page {page} ({record}): {detail}; the file is kept at {file}"),
    "rejected_op": ("服务器拒绝了操作 {op}（{record}）：{detail}", "the server refused {op} ({record}): {detail}"),
    "unreadable": ("无法读取图像文件 {name}：{reason}；已移到 {moved}", "unreadable image file {name}: {reason}; "
                   "moved to {moved}"),
    "unreadable_kept": ("无法读取图像文件 {name}：{reason}；文件留在热文件夹中，写完整后会自动拍入",
                        "unreadable image file {name}: {reason}; it stays in the hot folder and is taken as soon "
                        "as it is complete"),
    "camera_error": ("摄像头错误：{detail}", "camera error: {detail}"),
    "not_camera": ("当前图像来源是热文件夹，请在拍摄软件中拍照", "the image source is the hot folder: shoot in the "
                   "camera software"),
    "disk_low": ("磁盘空间不足：剩余 {free}，约可再存 {room} 张", "disk space low: {free} free, room for about "
                 "{room} shots"),
    "disk_full": ("磁盘将满（剩余 {free}）：新照片留在热文件夹中，未丢失；请清理磁盘",
                  "disk nearly full ({free} free): new shots stay in the hot folder, not lost; free some space"),
    "logged_in": ("{name} 已登录", "{name} signed in"),
    "logged_out": ("已退出登录", "signed out"),
    "login_failed": ("登录失败：{detail}", "sign-in failed: {detail}"),
    "not_logged_in": ("未登录：请登录（login 用户名 密码）", "nobody is signed in: login <user> <password>"),
    "unknown_command": ("无法识别：{text}（? 查看帮助）", "not understood: {text} (? for help)"),
    # screen
    "operator": ("操作员", "Operator"),
    "station": ("工作站", "Station"),
    "today": ("今日合格", "Good today"),
    "quota": ("定额", "quota"),
    "recent": ("最近", "Recent"),
    "local": ("本地", "local"),
    "server": ("服务器", "server"),
    "time": ("时间", "time"),
    "help": ("条码=打开病案  r=补拍上一页  r N=补拍第N页  i N=插入漏拍页  d N=删除第N页  s 名称=新分段  "
             "b=空白页  p N=设下一页码  f N=完成(纸质页数)  x=取消  q=退出",
             "barcode=open record  r=re-shoot last  r N=re-shoot page N  i N=insert missed page  d N=delete page N  "
             "s name=new segment  b=blank page  p N=set next page  f N=finish (paper count)  x=cancel  q=quit"),
    "help_camera": ("回车或踏板=拍照", "Enter or pedal = shoot"),
    "quit_safe": ("已退出；{queued} 张待上传，下次启动时继续上传", "stopped; {queued} waiting, they upload on the "
                  "next start"),
}


def t(key: str, lang: str = "zh", **kw: Any) -> str:
    """The text for `key` in `lang`, with the fields filled in."""
    zh, en = TEXTS[key]
    text = zh if lang == "zh" else en
    return text.format(**kw) if kw else text


def reason_text(messages: list[dict[str, str]] | None, reasons: list[str] | None, lang: str = "zh") -> str:
    """The QC reasons as one line for the operator."""
    if messages:
        return "；".join(m.get(lang) or m.get("en") or m.get("code", "") for m in messages)
    if reasons:
        try:
            from qc.report import message
        except ImportError:
            return ", ".join(reasons)
        out = []
        for r in reasons:
            try:
                out.append(message(r)[lang])
            except KeyError:
                out.append(r)
        return "；".join(out)
    return ""


def human_bytes(n: float) -> str:
    """1.2 GB, 350 MB."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit in ("B", "KB", "MB") else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
