"""What the operator reads, in Chinese (default) and English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LANGS = ("zh", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # verdicts and shots
    "ok": ("合格", "OK"),
    "reshoot": ("请补拍", "Re-shoot"),
    "unchecked": ("未检查", "not checked"),
    "waiting": ("等待服务器", "waiting for server"),
    "server_ok": ("服务器：合格", "server: OK"),
    "server_fail": ("服务器：请补拍", "server: re-shoot"), "sep": ("：", " — "),   # sep: a verdict, then its reasons
    "server_failed": ("服务器判为不合格", "server: failed"), "failed": ("请补拍", "failed"),
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
    "mode_insert": ("下一张为漏拍的第 {n} 页（拍好后原第 {n} 页起顺延）",
                    "next shot is the missed page {n} (pages from {n} move up once it is taken)"),
    "mode_cleared": ("已取消，下一张为第 {n} 页", "cancelled; next shot is page {n}"),
    "retake_next": ("下一张重拍第 {n} 页", "next shot re-shoots page {n}"),
    "scan_next_record": ("请先扫描下一份病案条码", "Scan the next record's barcode first"),
    "record_closed_refused": ("病案已关闭：请扫描下一份病案条码", "record closed: scan the next record's barcode"),
    "confirm_overwrite": ("第 {n} 页已有合格图像：按 y 回车确认重拍，x 取消",
                          "page {n} already has a good image: y + Enter to re-shoot it, x to cancel"),
    "confirm_first": ("等待确认：第 {n} 页已有合格图像（y 确认重拍，x 取消）",
                      "waiting for confirmation: page {n} has a good image (y re-shoots it, x cancels)"),
    "nothing_to_confirm": ("没有需要确认的操作", "nothing to confirm"),
    "held_dropped": ("第 {n} 页的待确认照片已放弃，未编号（{count} 张，已移到 {moved}）",
                     "the held shot(s) for page {n} were dropped, not numbered ({count}, moved to {moved})"),
    "page_set": ("下一张为第 {n} 页", "next shot is page {n}"),
    "deleted": ("已删除第 {n} 页，后面的页码前移", "page {n} deleted; later pages move up"),
    "bad_page": ("页码 {n} 不在 1 到 {max} 之间", "page {n} is not between 1 and {max}"),
    "finish_queued": ("已提交纸质页数 {n}，等待服务器核对", "paper page count {n} sent; waiting for the server"),
    "finished_ok": ("病案 {label} 完整：{n} 页", "record {label} complete: {n} pages"),
    "finish_failed_pages": ("不能完成：第 {pages} 页的当前图像不合格，请先补拍（r 页码）或删除（d 页码）",
                            "cannot finish: the current image of page(s) {pages} failed the check; re-shoot (r N) "
                            "or delete (d N) first"),
    "finished_failed": ("病案 {label}：第 {pages} 页的当前图像不合格，请补拍", "record {label}: the current image of "
                        "page(s) {pages} failed the check; re-shoot them"),
    "insert_undone": ("已撤销插入：第 {n} 页已删除，下一张为第 {next} 页", "insert undone: page {n} withdrawn; next "
                      "shot is page {next}"),
    "retake_not_undone": ("不能取消：第 {n} 页的原图已被不合格的重拍替换，请重拍第 {n} 页（或 d {n} 删除）",
                          "cannot cancel: page {n}'s good image was replaced by the failed re-shoot; shoot page {n} "
                          "again (or d {n} to delete it)"),
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
    "qc_missing": ("未安装 qc 检查库：照片只由服务器检查", "qc library missing: shots are checked by the server only"),
    "server_profile_unusable": ("服务器的质检参数无法使用，改用默认参数", "the server's QC profile is unusable; using "
                                "the default"),
    "local_profile_unusable": ("质检参数文件 {file} 无法使用，改用默认参数", "QC profile {file} unusable; using the "
                               "default"),
    "hot_folder_missing": ("热文件夹 {folder} 不存在", "hot folder {folder} does not exist"),
    "hot_folder_access": ("热文件夹 {folder} 无法读写", "hot folder {folder} is not readable and writable"),
    "file_not_saved": ("{name} 未能保存（磁盘错误），文件留在热文件夹中", "{name} could not be saved (disk error); "
                       "it stays in the hot folder"),
    "password": ("请输入密码", "password"),
    "camera_failed": ("摄像头出错", "the camera failed"),
    "camera_cannot_open": ("无法打开摄像头（是否已连接，或被其他程序占用？）",
                           "the camera cannot be opened (is it plugged in, or used by another program?)"),
    "camera_no_picture": ("摄像头没有给出图像", "the camera gave no picture"),
    "camera_encode_failed": ("图像无法保存为 JPEG", "the picture could not be encoded as JPEG"),
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
    "local_tally": ("本地统计，服务器未连接", "local tally, server not reached"),
    "closed": ("已关闭", "closed"),
    "next_page": ("下一张：第 {n} 页", "next: page {n}"),
    "next_insert": ("下一张：漏拍的第 {n} 页（插入）", "next: missed page {n} (insert)"),
    "op_delete": ("删除页", "delete page"),
    "op_insert": ("插入页", "insert page"),
    "op_finish": ("完成病案", "finish record"),
    "server": ("服务器", "server"),
    "time": ("时间", "time"),
    "help": ("条码=打开病案  r=补拍上一页  r N=补拍第N页  i N=插入漏拍页  d N=删除第N页  s 名称=新分段  "
             "b=空白页  p N=转到第N页  y=确认  f N=完成(纸质页数)  x=取消  q=退出",
             "barcode=open record  r=re-shoot last  r N=re-shoot page N  i N=insert missed page  d N=delete page N  "
             "s name=new segment  b=blank page  p N=go to page N  y=confirm  f N=finish (paper count)  x=cancel  "
             "q=quit"),
    "help_camera": ("回车或踏板=拍照", "Enter or pedal = shoot"),
    # the command line (setup, login, logout, status, requeue)
    "cfg_choice": ("设置 {name} 只能是：{choices}", "{name} must be one of {choices}"),
    "cfg_url": ("服务器地址必须以 http:// 或 https:// 开头", "server_url must start with http:// or https://"),
    "cfg_unknown": ("没有设置项 {name}；可用：{known}", "unknown setting {name}; known: {known}"),
    "cfg_unreadable": ("无法读取配置文件 {file}", "cannot read {file}"),
    "cfg_set_format": ("--set 需要 名称=值，收到 {pair}", "--set needs name=value, got {pair}"),
    "cfg_need_server": ("需要服务器地址（--server）和工作站令牌（--token）",
                        "a server address (--server) and a station token (--token) are needed"),
    "cfg_need_hot_folder": ("未设置热文件夹：--hot-folder <拍摄软件保存照片的文件夹>",
                            "the hot folder is not set: --hot-folder <folder the camera software saves into>"),
    "cli_config_error": ("配置错误：{detail}", "configuration error: {detail}"),
    "cli_not_set_up": ("本工作站尚未设置：请运行 capture-station setup --server 地址 --token 令牌",
                       "this station is not set up yet: run `capture-station setup --server URL --token TOKEN`"),
    "cli_unreachable": ("无法连接服务器：请检查地址和网络",
                        "cannot reach the server; check the address and the network"),
    "cli_bad_station_token": ("服务器不接受本工作站的令牌：请管理员生成新令牌（folio station add），"
                              "再运行 capture-station setup --token ...",
                              "the server does not accept this station's token: ask an administrator for a new one "
                              "(folio station add) and run `capture-station setup --token ...`"),
    "cli_session_ended": ("操作员登录已结束：请运行 capture-station login",
                          "the operator session has ended: run `capture-station login`"),
    "cli_refused": ("服务器拒绝：{reason}", "the server refused: {reason}"),
    "cli_not_saved": ("未保存：{why}", "not saved: {why}"),
    "cli_saved_anyway": ("警告：{why}；仍已保存，服务器可用时工作站会自动连接",
                         "warning: {why}; saving anyway, the station will connect when the server is reachable"),
    "cli_saved": ("已保存 {file}（仅本用户可读）", "saved {file} (readable by this user only)"),
    "cli_saved_windows": ("已保存 {file}（仅本用户可读：每用户 AppData 文件夹，已移除继承的权限）",
                          "saved {file} (readable by this user only: per-user AppData folder, inherited permissions "
                          "removed)"),
    "cli_outbox": ("待上传队列：{path}", "outbox: {path}"),
    "cli_token_ok": ("服务器 {server} 接受本工作站的令牌。下一步：capture-station login",
                     "the server at {server} accepts this station's token. Next: capture-station login"),
    "cli_username": ("用户名", "user name"),
    "cli_server_prompt": ("服务器地址（https://...）：", "server address (https://...): "),
    "cli_token_prompt": ("工作站令牌（输入时不显示）：", "station token (fst_..., not shown): "),
    "st_page_deleted": ("（已删除的页）", "(a deleted page)"),
    "cli_signin_failed": ("登录失败：{why}", "sign-in failed: {why}"),
    "cli_signed_in": ("{name} 已在工作站 {station} 登录，有效期至 {until}", "{name} signed in at station {station} "
                      "until {until}"),
    "cli_nobody": ("没有人登录", "nobody is signed in"),
    "cli_logout_note": ("注意：未能通知服务器（{why}）；已在本机退出", "note: the server could not be told ({why}); "
                        "signed out on this PC"),
    "cli_signed_out": ("{name} 已退出登录", "{name} signed out"),
    "cli_still_waiting": ("{user} 还有 {n} 项待上传；{user} 再次登录后会继续上传",
                          "{n} item(s) of {user} are still waiting to upload; they upload when {user} signs in again"),
    "cli_no_hot_folder": ("未设置热文件夹：capture-station setup --hot-folder <文件夹>",
                          "no hot folder is set: capture-station setup --hot-folder <folder>"),
    "cli_busy": ("另一个 capture-station 正在使用 {path}", "another capture-station is already running with {path}"),
    "cli_requeued": ("第 {seq} 项已重新排队，编号 #{new}", "item {seq} is queued again as #{new}"),
    "cli_not_rejected": ("第 {seq} 项不是被拒绝的项目", "item {seq} is not a rejected item"),
    "cli_unexpected": ("意外错误（{name}）；详情见 {log}。已保存的照片在队列中是安全的。",
                       "unexpected error ({name}); details in {log}. Shots already saved are safe in the outbox."),
    "st_server": ("服务器：  {server}   工作站令牌：{token}", "server:   {server}   station token: {token}"),
    "st_not_set": ("（未设置）", "(not set up)"),
    "st_source": ("图像来源：{source} {folder}", "source:   {source} {folder}"),
    "st_source_folder": ("热文件夹", "hot folder"),
    "st_source_camera": ("摄像头", "camera"),
    "st_operator": ("操作员：  {name}", "operator: {name}"),
    "st_nobody": ("（无人登录）", "(nobody signed in)"),
    "st_empty": ("队列：    空（尚未拍摄）", "outbox:   empty (nothing captured yet)"),
    "st_counts": ("队列：    {queued} 项待上传（{mb} MB），{rejected} 项被拒绝，{done} 项已上传   [{path}]",
                  "outbox:   {queued} waiting ({mb} MB), {rejected} rejected, {done} uploaded   [{path}]"),
    "st_oldest": ("          最早的待上传项：{at}", "          oldest waiting since {at}"),
    "st_last": ("最近项目：", "last items:"),
    "st_row": ("  #{seq:<6} {state:<6} {record:<20} {page}  本地 {local}  服务器 {server}",
               "  #{seq:<6} {state:<9} {record:<20} {page:<10} local {local:<9} server {server}"),
    "st_rejected": ("被拒绝 #{seq} {kind} {record} 第 {page} 页：{why}  文件：{file}",
                    "REJECTED #{seq} {kind} {record} page {page}: {why}  file: {file}"),
    "item_queued": ("待上传", "waiting"),
    "item_done": ("已上传", "uploaded"),
    "item_rejected": ("被拒绝", "rejected"),
    "op_upload": ("上传页", "upload page"),
    # the browser screen
    "web_operator": ("操作员", "Operator"),
    "web_record": ("病案", "Record"),
    "web_today": ("今日合格", "Good today"),
    "web_quota": ("定额", "quota"),
    "web_queue": ("待上传", "Waiting to upload"),
    "web_rejected": ("被拒绝", "Rejected"),
    "web_server": ("服务器", "Server"),
    "web_online_short": ("已连接", "connected"),
    "web_offline_short": ("无法连接", "unreachable"),
    "web_strip": ("本病案各页", "Pages of this record"), "web_missing": ("缺页", "missing"),
    "web_last_shot": ("最近一张", "Last shot"),
    "web_command_hint": ("扫描条码或输入命令后回车（? 帮助）", "Scan a barcode or type a command, then Enter (? help)"),
    "web_lang_other": ("English", "中文"),
    "web_btn_retake": ("重拍 r", "Re-shoot r"),
    "web_btn_insert": ("插入漏拍页 i", "Insert missed page i"),
    "web_btn_delete": ("删除页 d", "Delete page d"),
    "web_btn_goto": ("转到页 p", "Go to page p"),
    "web_btn_confirm": ("确认 y", "Confirm y"),
    "web_btn_cancel": ("取消 x", "Cancel x"),
    "web_btn_blank": ("空白页 b", "Blank page b"),
    "web_btn_segment": ("新分段 s", "New segment s"),
    "web_btn_finish": ("完成 f", "Finish f"),
    "web_local_tally": ("本地统计，服务器未连接", "local tally, server not reached"),
    "web_no_record": ("请扫描病案条码", "Scan the record's barcode"),
    "web_closed": ("已关闭", "closed"),
    "web_ok": ("合格", "OK"),
    "web_reshoot": ("请补拍", "Re-shoot"),
    "web_waiting": ("等待服务器", "waiting for server"),
    "web_unchecked": ("未检查", "not checked"),
    "web_notices": ("消息", "Messages"),
    "web_help": ("条码=打开病案 r N=补拍 i N=插入 d N=删除 p N=转到 y=确认 x=取消 s 名称=分段 b=空白 f N=完成",
                 "barcode=open  r N=re-shoot  i N=insert  d N=delete  p N=go to  y=confirm  x=cancel  s name=segment"
                 "  b=blank  f N=finish"),
    "web_failed": ("浏览器屏幕未能启动（端口 {port}）：请使用终端屏幕", "the browser screen could not start (port "
                   "{port}): use the terminal screen"),
    "web_opened": ("工作站屏幕：{url}", "station screen: {url}"),
    "quit_safe": ("已退出；{queued} 张待上传，下次启动时继续上传", "stopped; {queued} waiting, they upload on the "
                  "next start"),
}


# The server's refusals arrive as stable error codes; the station says them in its own words.
SERVER_ERRORS: dict[str, tuple[str, str]] = {
    "record_not_checked_out": ("该病案的纸质档案尚未办理出库，不能拍摄", "the paper record has not been checked out "
                               "for capture"),
    "bad_record_identity": ("条码不是本项目的病案条码", "the barcode is not a record barcode of this project"),
    "barcode_in_use": ("该条码已属于另一份病案", "the barcode belongs to another record"),
    "record_not_found": ("服务器上没有该病案", "the server has no such record"),
    "page_number_not_found": ("服务器上没有该页码", "the server has no such page number"),
    "operation_key_reused": ("操作编号重复", "operation key used twice"),
    "page_has_good_image": ("服务器上该页已有合格图像，未覆盖（页码与服务器不一致：请检查本病案的页码）",
                            "the server already has a good image of this page; not overwritten (the page numbers "
                            "disagree with the server: check this record's pages)"),
    "idempotency_key_reused": ("上传编号已用于另一张图像", "upload key already used for another image"),
    "empty_file": ("文件为空", "the file is empty"),
    "too_large": ("文件过大", "the file is too large"),
    "too_many_pixels": ("图像像素过多", "the image has too many pixels"),
    "unsupported_media_type": ("不是 JPEG/PNG/TIFF 图像", "not a JPEG/PNG/TIFF image"),
    "undecodable_image": ("图像无法解码", "the image cannot be decoded"),
    "bad_filename": ("文件名不合规", "the file name is not a plain name"),
    "bad_credentials": ("用户名或密码错误", "wrong user name or password"),
    "bad_station_token": ("工作站令牌无效", "the station token is refused"),
    "operator_session_expired": ("登录已过期", "the session has expired"),
    "role_not_allowed": ("该账号不能在工作站拍摄", "this account may not capture at a station"),
    "too_many_attempts": ("尝试次数过多，请稍后再试", "too many attempts: try again later"),
    "endpoint_missing": ("服务器版本过旧", "the server is too old"),
    "local_file_missing": ("本地副本丢失", "the local copy is missing"),
    "unreachable": ("服务器无法连接", "server unreachable"),
    "timeout": ("服务器未及时应答", "the server did not answer in time"),
}


def server_error_text(exc: Any, lang: str = "zh") -> str:
    """A server refusal (an ApiError: status, code) in the operator's words; never the server's English detail."""
    if getattr(exc, "status", None) == 0 and exc.code not in SERVER_ERRORS:
        return t_error("unreachable", lang)
    return t_error(exc.code, lang)


# Why a file is not a readable image: the hot folder's words and the checker's input error codes.
FILE_REASONS: dict[str, tuple[str, str]] = {
    "empty file": ("文件为空", "empty file"),
    "not a complete JPEG/PNG/TIFF image": ("不是完整的 JPEG/PNG/TIFF 图像", "not a complete JPEG/PNG/TIFF image"),
    "not an image file": ("不是图像文件（内容不是 JPEG/PNG/TIFF）", "not an image file (no JPEG/PNG/TIFF inside)"),
    "empty": ("文件为空", "the file is empty"),
    "corrupt": ("图像文件已损坏", "the image file is damaged"),
    "unsupported_format": ("不是可读取的图像格式", "not an image format the station can read"),
    "too_many_pixels": ("图像像素过多", "the image has too many pixels"),
}


def file_reason(reason: str, lang: str = "zh") -> str:
    """Why a file cannot be read, in the operator's language ("code: detail" from the checker is read by its code)."""
    code = reason if reason in FILE_REASONS else reason.split(":", 1)[0].strip()
    if code in FILE_REASONS:
        zh, en = FILE_REASONS[code]
        return Said({"zh": zh, "en": en}, lang)
    return Said({"zh": "无法读取", "en": reason}, lang)


def t_error(code: str, lang: str = "zh") -> str:
    """The wording of one server error code (an unknown code is named, not explained)."""
    if code in SERVER_ERRORS:
        zh, en = SERVER_ERRORS[code]
        return Said({"zh": zh, "en": en}, lang)
    return Said({"zh": f"服务器拒绝（代码 {code}）", "en": f"refused by the server (code {code})"}, lang)


class Said(str):
    """A text in one language that also knows itself in every language (`texts`), so a screen in another
    language can show it again in its own words. An event whose text is a Said carries `texts`."""

    texts: dict[str, str]

    def __new__(cls, texts: dict[str, str], lang: str) -> Said:
        said = super().__new__(cls, texts.get(lang, texts["zh"]))
        said.texts = texts
        return said


def said(build: Callable[[str], str], lang: str = "zh") -> Said:
    """A composed text (`build(lang)` for each language) that keeps both languages."""
    return Said({lang_: build(lang_) for lang_ in LANGS}, lang)


def t(key: str, lang: str = "zh", **kw: Any) -> Said:
    """The text for `key` in `lang`, with the fields filled in (a Said: it knows its other language too)."""
    zh, en = TEXTS[key]
    if not kw:
        return Said({"zh": zh, "en": en}, lang)
    return Said({"zh": zh.format(**_fields(kw, "zh")), "en": en.format(**_fields(kw, "en"))}, lang)


def _fields(kw: dict[str, Any], lang: str) -> dict[str, Any]:
    """Fields for one language: a Said field (a server refusal's words, a reason) is taken in that language."""
    return {k: v.texts.get(lang, v) if isinstance(v, Said) else v for k, v in kw.items()}


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


def local_time(value: str | float | None) -> str:
    """An ISO 8601 timestamp (or epoch seconds) as this PC's local time to the second: 2026-11-30 16:05:03."""
    from datetime import datetime

    if value is None or value == "":
        return "-"
    try:
        when = datetime.fromtimestamp(value) if isinstance(value, int | float) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if when.tzinfo is not None:
        when = when.astimezone()
    return when.strftime("%Y-%m-%d %H:%M:%S")


def human_bytes(n: float) -> str:
    """1.2 GB, 350 MB."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit in ("B", "KB", "MB") else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
