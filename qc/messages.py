"""What the operator reads for each reason code, in Chinese and English, with the figures that led to it.

`message(code)` is the bare sentence; `message(code, metrics, profile)` adds, in brackets, the measured figures
(the estimated dpi and the paper size it assumed; which frame sides the paper touches and over how much; where the
page is blurred; how much of it is covered), so a verdict explains itself on the station and in the viewer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REASONS: dict[str, tuple[str, str]] = {
    "blur": ("图像模糊，请重拍", "Blurred: re-shoot"),
    "skew": ("页面歪斜，请摆正后重拍", "Page is skewed: straighten it and re-shoot"),
    "too_dark": ("图像过暗，请检查光源", "Too dark: check the lighting"),
    "too_bright": ("图像过亮，请降低曝光", "Too bright: reduce the exposure"),
    "low_contrast": ("对比度不足，请检查光源和对焦", "Low contrast: check lighting and focus"),
    "cut_off": ("页面不完整，请将整页放入画面", "Page cut off: fit the whole page in the frame"),
    "occluded": ("页面被遮挡（手指或物品），请移开后重拍", "Page covered by a finger or an object: clear it, re-shoot"),
    "blank": ("空白页：如确为空白页请标记", "Blank page: mark it if it is intentionally blank"),
    "low_resolution": ("分辨率不足，请靠近拍摄或提高像素", "Resolution too low: move closer or raise the resolution"),
}

# Figures behind a verdict: {placeholders} are filled from the report's metrics and the profile.
DETAILS: dict[str, tuple[str, str]] = {
    "low_resolution": (
        "估计 {dpi} dpi，按 {paper} 纸张计算，要求不低于 {min_dpi:.0f} dpi",
        "estimated {dpi} dpi assuming {paper} paper; at least {min_dpi:.0f} dpi needed",
    ),
    "low_resolution_stand": (
        "拍摄架相机在此画面尺寸下为 {dpi} dpi（按 {frame_px} 像素画面标定为 {stand_dpi:.0f} dpi），"
        "要求不低于 {min_dpi:.0f} dpi",
        "the stand's camera gives {dpi} dpi at this frame size (measured {stand_dpi:.0f} dpi on {frame_px} px frames); "
        "at least {min_dpi:.0f} dpi needed",
    ),
    "low_resolution_file": (
        "文件标注 {dpi} dpi，纸张轮廓无法估计分辨率；要求不低于 {min_dpi:.0f} dpi",
        "the file states {dpi} dpi and the paper's outline gave no estimate; at least {min_dpi:.0f} dpi needed",
    ),
    "low_resolution_side": (
        "图像短边 {short_px} 像素，要求不少于 {min_side_px} 像素",
        "the image's short side is {short_px} px; at least {min_side_px} px needed",
    ),
    "cut_off": ("纸张触及画面边缘：{sides_zh}", "the paper touches the frame's edge: {sides_en}"),
    "cut_off_full_frame": ("纸张填满画面，看不到页边", "the paper fills the frame: no page border in view"),
    "cut_off_text": ("文字被画面{sides_zh}边截断", "print runs off the frame at the {sides_en}"),
    "blur": ("模糊约 {blur} 像素，允许 {max_blur:.1f} 像素", "blur about {blur} px; {max_blur:.1f} px allowed"),
    "blur_dpi": (
        "模糊约 {blur} 像素，{dpi:.0f} dpi 下允许 {max_blur:.1f} 像素",
        "blur about {blur} px; {max_blur:.1f} px allowed at {dpi:.0f} dpi",
    ),
    "blur_region": (
        "文字区 {share:.0%} 模糊（约 {blur:.1f} 像素），见标出的区域",
        "{share:.0%} of the text area is blurred (about {blur:.1f} px): see the marked region",
    ),
    "blur_smeared": ("文字拖影，无法辨认", "the print is smeared past reading (movement)"),
    "blur_motion": (
        "拍摄时相机移动约 {motion:.0f} 像素，笔画被均匀拖长",
        "the camera moved about {motion:.0f} px during the shot: the strokes are drawn out evenly",
    ),
    "blur_double": (
        "拍摄时相机移动约 {motion:.0f} 像素，文字重影：每一笔出现两次",
        "the camera moved about {motion:.0f} px during the shot: every line of print appears twice",
    ),
    "blur_motion_seen": (
        "拍摄时相机移动，笔画沿一个方向被拖长",
        "the camera moved during the shot: the strokes are drawn out along one direction",
    ),
    "occluded": (
        "遮挡约占页面 {share:.0%}，来自页面{sides_zh}侧",
        "about {share:.0%} of the page is covered, from the {sides_en} side",
    ),
    "skew": ("歪斜 {skew:+.1f}°，允许 ±{max_skew:.1f}°", "skewed {skew:+.1f}°; ±{max_skew:.1f}° allowed"),
}

WHOLE_PAGE = 0.9  # a blurred region this large is the whole page: the page's figure is given instead
LONGER_SMEAR = 3.0  # a page blurred over this many times the motion's own spread (its length / sqrt 12) was smeared
# further than the motion found (the session-27 tester's 80 px shake: blur 44.9 px, a 7 px lag told as the motion;
# even shakes of 60-100 px read 1.1-1.4 times theirs)

SIDES = {"top": ("上", "top"), "right": ("右", "right"), "bottom": ("下", "bottom"), "left": ("左", "left")}
PAPER_NAMES = {
    (210.0, 297.0): "A4",
    (297.0, 420.0): "A3",
    (148.0, 210.0): "A5",
    (176.0, 250.0): "B5",
    (184.0, 260.0): "16K",
    (195.0, 270.0): "16K (195×270)",
}


def paper_name(size_mm: tuple[float, float] | list[float]) -> str:
    """'A4 (210×297 mm)' for a known size, else '210×297 mm'."""
    a, b = sorted(float(v) for v in size_mm)
    dims = f"{a:g}×{b:g} mm"
    name = PAPER_NAMES.get((a, b))
    return f"{name} ({dims})" if name else dims


def _sides(names: list[str]) -> tuple[str, str]:
    zh = "、".join(SIDES[n][0] for n in names if n in SIDES)
    en = " and ".join(SIDES[n][1] for n in names if n in SIDES)
    return zh, en


def _apart(value: float, limit: float, digits: int) -> str:
    """`value` with `digits` decimals, or as many more (up to 2) as it takes not to read as the limit it failed:
    199.6 dpi against 200 is "199.6", blur 1.013 px against 1.0 is "1.01"."""
    for d in range(digits, digits + 3):
        if round(value, d) != round(limit, d):
            return f"{value:.{d}f}"
    return f"{value:.{digits + 2}f}"


def _num(metrics: Mapping[str, Any], key: str) -> float | None:
    v = metrics.get(key)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def detail(code: str, metrics: Mapping[str, Any], profile: Any) -> tuple[str, str] | None:
    """The (zh, en) figures behind a reason, or None when the metrics do not hold them.

    `profile` is a qc Profile (or anything with its attribute names: min_dpi, min_side_px, paper_size_mm,
    stand_dpi, stand_frame_px, max_skew_deg).
    """
    fields: dict[str, Any] = {}
    key = code
    if code == "low_resolution":
        dpi = _num(metrics, "dpi")
        short = metrics.get("short_side_px")
        if isinstance(short, int) and short < profile.min_side_px:
            key, fields = "low_resolution_side", {"short_px": short, "min_side_px": profile.min_side_px}
        elif dpi is not None and metrics.get("dpi_source") == "stand":
            key, fields = "low_resolution_stand", {"dpi": _apart(dpi, profile.min_dpi, 0), "min_dpi": profile.min_dpi}
            # the stand the check used, kept with its metrics: the project's may have changed since
            stand_dpi, frame = metrics.get("stand_dpi", profile.stand_dpi), metrics.get("stand_frame_px")
            frame = frame if isinstance(frame, list) else profile.stand_frame_px
            fields |= {"stand_dpi": stand_dpi, "frame_px": "×".join(f"{v:g}" for v in frame)}
        elif dpi is not None and metrics.get("dpi_from_page") is False:
            # the resolution the file states: no paper size was assumed, and saying so would be false
            key, fields = "low_resolution_file", {"dpi": _apart(dpi, profile.min_dpi, 0), "min_dpi": profile.min_dpi}
        elif dpi is not None:
            paper = metrics.get("assumed_paper") or paper_name(profile.paper_size_mm)
            fields = {"dpi": _apart(dpi, profile.min_dpi, 0), "paper": paper, "min_dpi": profile.min_dpi}
        else:
            return None
    elif code == "cut_off":
        per_side = metrics.get("edge_contact_sides")
        sides = []
        if isinstance(per_side, list) and len(per_side) == 4:
            sides = [(n, c) for n, c in zip(SIDES, per_side, strict=True) if (c or 0.0) > profile.max_edge_contact]
        cut = metrics.get("text_cut_sides")
        if metrics.get("full_frame") is True and isinstance(cut, list) and cut:
            zh, en = _sides(cut)
            key, fields = "cut_off_text", {"sides_zh": zh, "sides_en": en}
        elif metrics.get("full_frame") is True:
            key = "cut_off_full_frame"
        elif sides:
            zh = "、".join(f"{SIDES[n][0]}边 {c:.0%}" for n, c in sides)
            en = ", ".join(f"{SIDES[n][1]} {c:.0%}" for n, c in sides)
            fields = {"sides_zh": zh, "sides_en": en}
        else:
            return None
    elif code == "blur":
        page_blur = _num(metrics, "blur_px")
        region_blur, share = _num(metrics, "blur_region_px"), _num(metrics, "blur_region_share")
        ink, smear = _num(metrics, "ink_ratio"), _num(metrics, "smear_ratio")
        motion = _num(metrics, "motion_px")  # set only for a page the edge score let pass (qc.motion)
        if motion is not None and (page_blur or 0.0) > LONGER_SMEAR * motion / 12**0.5:
            motion = None  # a longer smear was measured: this motion's length is not the one to tell
        if ink is not None and smear is not None and ink < profile.min_ink_ratio and smear >= profile.min_smear_ratio:
            key = "blur_smeared"
        elif motion is not None:
            key = "blur_double" if metrics.get("motion_double") is True else "blur_motion"
            fields = {"motion": motion}
        elif metrics.get("motion_seen") is True:  # its length unmeasured (qc.motion.smeared_print)
            key = "blur_motion_seen"
        elif region_blur is not None and profile.max_blur_region_share <= (share or 0.0) < WHOLE_PAGE:
            key, fields = "blur_region", {"blur": region_blur, "share": share}
        elif page_blur is not None:
            dpi = _num(metrics, "blur_dpi")
            allowance = profile.blur_allowance(dpi) if hasattr(profile, "blur_allowance") else 1.0
            max_blur = profile.max_blur_px * allowance
            if region_blur is not None and (share or 0.0) >= WHOLE_PAGE:  # the whole page failed by region: its
                page_blur = max(page_blur, region_blur)  # blur is the region's, not a page figure under the limit
            fields = {"blur": _apart(page_blur, max_blur, 1), "max_blur": max_blur}
            if allowance > 1.0:
                key, fields["dpi"] = "blur_dpi", dpi
        else:
            return None
    elif code == "occluded":
        share = _num(metrics, "occluded_share")
        sides = metrics.get("occluded_sides")
        if share is None:
            return None
        zh, en = _sides(sides if isinstance(sides, list) else [])
        fields = {"share": share, "sides_zh": zh or "外", "sides_en": en or "outside"}
    elif code == "skew":
        skew = _num(metrics, "skew_deg")
        if skew is None:
            return None
        fields = {"skew": skew, "max_skew": profile.max_skew_deg}
    else:
        return None
    zh, en = DETAILS[key]
    return zh.format(**fields), en.format(**fields)


def message(code: str, metrics: Mapping[str, Any] | None = None, profile: Any = None) -> dict[str, str]:
    """Operator message for a reason code: {"code", "zh", "en"}; with metrics and profile the figures follow.

    Raises KeyError for an unknown code.
    """
    zh, en = REASONS[code]
    out = {"code": code, "zh": zh, "en": en}
    if metrics is not None and profile is not None:
        d = detail(code, metrics, profile)
        if d is not None:
            out.update(zh=f"{zh}（{d[0]}）", en=f"{en} ({d[1]})", detail_zh=d[0], detail_en=d[1])
    return out
