"""Synthetic photographed pages for the demo: a form-like page with Chinese text on a dark mat."""

import random
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
_WORDS = (
    "住院病案首页 姓名 性别 年龄 入院日期 出院日期 主要诊断 手术及操作 病程记录 医嘱单 体温单 "
    "检查报告 护理记录 主治医师 签名 科室 床号 病案号 住院次数 血常规 肝功能 肾功能 心电图"
).split()


@lru_cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def demo_page(
    seed: int, *, page: int | None = None, blur: float = 0.0, dark: bool = False, title: str = "病案"
) -> bytes:
    """A JPEG of an A4 page (about 210 dpi) lying on a dark mat, reproducible from its seed; the paper's heading
    carries its page number (`病案 第{page}页`), so the image and the page it is filed as agree. Without `page` (test
    and bench images that belong to no record) the number is derived from the seed."""
    rng = random.Random(seed)
    heading = f"{title} 第{page if page is not None else seed % 97 + 1}页"
    pw, ph = 1750, 2475
    page = Image.new("RGB", (pw, ph), (246, 244, 238))
    draw = ImageDraw.Draw(page)
    draw.text((pw // 2 - 220, 110), heading, fill=(20, 20, 20), font=_font(64))
    y = 260
    if rng.random() < 0.5:  # a form with table rules
        rows = rng.randint(6, 12)
        for r in range(rows + 1):
            draw.line((150, y + r * 90, pw - 150, y + r * 90), fill=(30, 30, 30), width=3)
        for x in (150, 600, 1050, pw - 150):
            draw.line((x, y, x, y + rows * 90), fill=(30, 30, 30), width=3)
        for r in range(rows):
            for c, x in enumerate((170, 620, 1070)):
                draw.text(
                    (x, y + r * 90 + 22),
                    rng.choice(_WORDS) + str(rng.randint(1, 99)),
                    fill=(25, 25, 25),
                    font=_font(40 if c == 0 else 36),
                )
        y += rows * 90 + 80
    lines = rng.randint(8, 26)
    for _ in range(lines):
        if y > ph - 250:
            break
        text = "".join(rng.choice(_WORDS) + "，" for _ in range(rng.randint(3, 6)))
        draw.text((160, y), text[:30], fill=(30, 30, 35), font=_font(40))
        y += 70
    if rng.random() < 0.4:  # a red stamp
        cx, cy = rng.randint(1000, 1450), rng.randint(1700, 2150)
        draw.ellipse((cx - 150, cy - 150, cx + 150, cy + 150), outline=(200, 30, 30), width=10)
        draw.text((cx - 100, cy - 25), "病案管理科", fill=(200, 30, 30), font=_font(44))
    # Lay the page, slightly rotated, on a dark mat (OpenCV: PIL's bicubic rotate is ten times slower).
    mat_bgr = (48, 42, 40)
    rgb = np.asarray(page)[:, :, ::-1]
    h, w = rgb.shape[:2]
    mh, mw = h + 220, w + 240
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-0.8, 0.8), 1.0)
    rot[:, 2] += ((mw - w) / 2, (mh - h) / 2)
    shot = cv2.warpAffine(rgb, rot, (mw, mh), flags=cv2.INTER_LINEAR, borderValue=mat_bgr)
    if blur:
        shot = cv2.GaussianBlur(shot, (0, 0), blur)
    if dark:
        shot = (shot * 0.25).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", shot, [cv2.IMWRITE_JPEG_QUALITY, 88])
    assert ok
    return jpeg.tobytes()
