"""Synthetic photographed pages with ground truth, for the qc benchmark and tests.

A page is drawn flat (Chinese print and digits, table rules, handwriting-like strokes, red stamps), then
"photographed": placed on a dark or coloured mat with a known rotation and a small perspective, lit unevenly,
blurred (camera softness plus optional Gaussian defocus or motion blur of known strength), given sensor noise
and encoded as JPEG. Everything is a pure function of a PageSpec (seeded), so a failing case can be replayed.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

A4_MM = (210.0, 297.0)
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/truetype/noto")
FONT_FILES = ("NotoSansCJK-Regular.ttc", "NotoSerifCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
    "性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质"
    "病案号住院次数姓名性别出生日期诊断手术科室医师护士入院出院记录检查结果签字年月日床位费用合计备注"
)
DIGITS = "0123456789"
MAT_COLOURS = ((25, 25, 25), (45, 40, 38), (60, 30, 20), (30, 70, 30), (80, 40, 30), (20, 20, 60), (70, 70, 70))


@dataclass(frozen=True)
class PageSpec:
    """Everything that determines one synthetic photographed page (frame pixels, degrees CCW)."""

    seed: int = 0
    layout: str = "text"  # text | sparse | dense | form | orders | blank | note
    angle_deg: float = 0.0
    perspective: float = 0.0  # max corner displacement, fraction of the page's short side
    frame_wh: tuple[int, int] = (4000, 3000)
    page_fill: float = 0.86  # page height / frame height
    offset: tuple[float, float] = (0.0, 0.0)  # page centre offset, fraction of frame size
    intrinsic_sigma: float = 0.5  # camera softness, frame pixels
    gauss_sigma: float = 0.0  # extra defocus, frame pixels
    motion_px: float = 0.0  # motion blur length, frame pixels
    motion_angle_deg: float = 0.0
    defocus_sigma: float = 0.0  # partial defocus: extra sigma reached at the far end of a depth gradient, frame px
    defocus_angle_deg: float = 0.0  # direction in which the defocus grows (0 = towards the right, CCW)
    defocus_start: float = 0.5  # fraction of the page (along that direction) that stays in focus
    occluder: str = ""  # "" | finger | thumb | phone | pen | ruler | silver_phone: an object from a frame side
    occluder_side: int = 1  # 0 top, 1 right, 2 bottom, 3 left
    occluder_pos: float = 0.5  # where along that side, 0..1
    occluder_reach: float = 0.3  # how far past the paper's edge it reaches, fraction of the page's size
    occluder_sigma: float = 0.0  # its defocus (Gaussian sigma, frame pixels): a hand held above the page
    shadow: float = 0.0  # a soft hand/leaf shadow from a frame side: fraction of light lost at its core
    shadow_sigma: float = 0.0  # its edge's Gaussian sigma, frame pixels (0: 3 % of the frame's long side)
    gain: float = 1.0  # exposure multiplier
    light_falloff: float = 0.15  # 0 = even light; fraction of brightness lost at the darkest corner
    noise: float = 2.0  # sensor noise sigma, grey levels
    jpeg_quality: int = 90
    mat_bgr: tuple[int, int, int] = (25, 25, 25)
    paper_mm: tuple[float, float] = A4_MM
    render_scale: float = 1.0  # paper render resolution relative to its size in the frame


@dataclass(frozen=True)
class Truth:
    """Ground truth of a rendered page."""

    skew_deg: float  # mean angle of the page's horizontal lines, CCW positive
    corners: tuple[tuple[float, float], ...]  # page corners in frame pixels (tl, tr, br, bl)
    dpi: float  # effective resolution of the page in the frame
    blur_sigma: float  # total Gaussian sigma (intrinsic + defocus), frame pixels
    motion_px: float
    blank: bool
    extras: dict[str, float] = field(default_factory=dict)


@lru_cache(maxsize=16)
def _font(size: int, index: int) -> ImageFont.FreeTypeFont | None:
    for d in FONT_DIRS:
        path = os.path.join(d, FONT_FILES[index % len(FONT_FILES)])
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return None


def _glyph_strokes(
    draw: ImageDraw.ImageDraw, x: float, y: float, size: int, rng: np.random.Generator, fill: int
) -> None:
    """Fallback when no CJK font is installed: a square of stroke-like segments."""
    w = max(1, size // 12)
    for _ in range(int(rng.integers(3, 8))):
        kind = rng.integers(0, 4)
        a, b = rng.uniform(0.1, 0.9, 2) * size
        if kind == 0:
            draw.line([(x + 0.1 * size, y + a), (x + 0.9 * size, y + a)], fill=fill, width=w)
        elif kind == 1:
            draw.line([(x + a, y + 0.1 * size), (x + a, y + 0.9 * size)], fill=fill, width=w)
        else:
            draw.line([(x + a, y + 0.15 * size), (x + b, y + 0.85 * size)], fill=fill, width=w)


def _text(
    draw: ImageDraw.ImageDraw,
    x: float,
    y: float,
    s: str,
    size: int,
    rng: np.random.Generator,
    fill: int = 20,
    bold: bool = False,
) -> float:
    """Draw a run of characters; return its width."""
    font = _font(size, 2 if bold else int(rng.integers(0, 2)))
    if font is not None:
        draw.text((x, y), s, font=font, fill=fill)
        return float(draw.textlength(s, font=font))
    for i, ch in enumerate(s):
        if ch != " ":
            _glyph_strokes(draw, x + i * size, y, size, rng, fill)
    return float(len(s) * size)


def _random_text(rng: np.random.Generator, n: int) -> str:
    out = []
    for _ in range(n):
        r = rng.random()
        out.append(
            DIGITS[rng.integers(0, 10)] if r < 0.12 else "，" if r < 0.16 else HANZI[rng.integers(0, len(HANZI))]
        )
    return "".join(out)


def _handwriting(
    draw: ImageDraw.ImageDraw,
    x0: float,
    y0: float,
    length: float,
    height: float,
    rng: np.random.Generator,
    colour: tuple[int, int, int],
) -> None:
    """A cursive-looking scribble: a jittered, looping polyline with a slight upward slant."""
    n = max(16, int(length / (height * 0.03)))
    t = np.linspace(0, 1, n)
    loops = max(1.0, length / (height * rng.uniform(0.45, 0.8)))
    slant = rng.uniform(-0.06, 0.02)
    ph = 2 * math.pi * loops * t + 0.3 * np.sin(t * rng.uniform(15, 30))
    xs = x0 + t * length + height * 0.25 * np.cos(ph)
    ys = y0 + height * 0.5 + slant * t * length - height * rng.uniform(0.25, 0.45) * np.sin(ph)
    pts = [(float(a), float(b)) for a, b in zip(xs, ys, strict=True)]
    draw.line(pts, fill=colour, width=max(2, int(height / 14)), joint="curve")


def _stamp(img: np.ndarray, cx: float, cy: float, r: float, rng: np.random.Generator) -> None:
    """A red seal: ring, star and characters, blended by multiplication like ink over print."""
    layer = Image.new("L", (img.shape[1], img.shape[0]), 0)
    d = ImageDraw.Draw(layer)
    w = max(3, int(r / 14))
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=255, width=w)
    star = [
        (
            cx + 0.3 * r * math.cos(math.pi / 2 + k * 4 * math.pi / 5),
            cy - 0.3 * r * math.sin(math.pi / 2 + k * 4 * math.pi / 5),
        )
        for k in range(5)
    ]
    d.polygon(star, fill=255)
    size = int(r * 0.28)
    for k, ch in enumerate(_random_text(rng, 8)):
        a = math.pi * (0.85 + 1.3 * k / 7)
        _text(d, cx + 0.68 * r * math.cos(a) - size / 2, cy - 0.68 * r * math.sin(a) - size / 2, ch, size, rng, 255)
    alpha = np.asarray(layer, np.float32)[..., None] / 255.0 * rng.uniform(0.6, 0.9)
    red = np.array([40, 40, 210], np.float32)  # BGR
    img[:] = (img * (1 - alpha) + (img * red / 255.0) * alpha).astype(np.uint8)


UNPRINTED = ("blank", "note", "signature")  # layouts without a printed page's title, handwriting and stamp


def render_paper(spec: PageSpec, px_per_mm: float, finish: bool = True) -> np.ndarray:
    """Draw the flat page (BGR) at the given resolution; finish=False leaves out the stamp and paper fibre."""
    rng = np.random.default_rng(spec.seed)
    w, h = int(spec.paper_mm[0] * px_per_mm), int(spec.paper_mm[1] * px_per_mm)
    tint = rng.uniform(232, 250)
    pil = Image.new("RGB", (w, h), (int(tint), int(tint - rng.uniform(0, 6)), int(tint - rng.uniform(0, 12))))
    d = ImageDraw.Draw(pil)
    mm = px_per_mm
    margin_x, y = rng.uniform(15, 25) * mm, rng.uniform(15, 25) * mm
    right = w - margin_x
    if spec.layout not in UNPRINTED:
        title = int(rng.uniform(5.5, 7.5) * mm)
        tw = _text(d, 0, -1000, _random_text(rng, int(rng.integers(6, 12))), title, rng)  # measure only
        y += title * 0.2
        _text(d, (w - tw) / 2, y, _random_text(rng, max(1, int(tw / title))), title, rng, bold=True)
        y += title * 2.0
    if spec.layout in ("text", "dense", "sparse"):
        size = int(rng.uniform(3.0, 4.2) * mm * (0.8 if spec.layout == "dense" else 1.0))
        lines = {"sparse": int(rng.integers(2, 6)), "text": int(rng.integers(14, 30)), "dense": 200}[spec.layout]
        pitch = size * rng.uniform(1.5, 2.0)
        for i in range(lines):
            if y + pitch > h - 30 * mm:
                break
            indent = 2 * size if i % int(rng.integers(4, 9)) == 0 else 0
            n = int((right - margin_x - indent) / size) - (int(rng.integers(0, 12)) if rng.random() < 0.25 else 0)
            _text(d, margin_x + indent, y, _random_text(rng, max(1, n)), size, rng)
            y += pitch
    elif spec.layout == "form":
        rows, cols = int(rng.integers(8, 16)), int(rng.integers(3, 6))
        rh = min((h - y - 40 * mm) / rows, rng.uniform(9, 14) * mm)
        xs = np.linspace(margin_x, right, cols + 1)
        lw = max(2, int(0.3 * mm))
        for r in range(rows + 1):
            d.line([(margin_x, y + r * rh), (right, y + r * rh)], fill=30, width=lw)
        for c in xs:
            d.line([(c, y), (c, y + rows * rh)], fill=30, width=lw)
        size = int(rh * 0.38)
        for r in range(rows):
            for c in range(cols):
                cw = xs[c + 1] - xs[c]
                if c % 2 == 0:
                    _text(
                        d,
                        xs[c] + size * 0.4,
                        y + r * rh + rh * 0.3,
                        _random_text(rng, max(1, int(cw / size) - 2)),
                        size,
                        rng,
                    )
                elif rng.random() < 0.7:
                    _handwriting(
                        d,
                        xs[c] + size * 0.5,
                        y + r * rh + rh * 0.15,
                        cw * rng.uniform(0.3, 0.8),
                        rh * 0.7,
                        rng,
                        (20, 30, int(rng.uniform(60, 140))),
                    )
        y += rows * rh + 6 * mm
    elif spec.layout == "orders":  # an order sheet (长期医嘱单): print of 1.4-2.2 mm on every ruled line, 7 columns
        size = int(rng.uniform(1.4, 2.2) * mm)
        pitch, top, lw = size + 1.6 * mm, y, max(1, int(0.15 * mm))
        xs = margin_x + (right - margin_x) * np.array([0, 0.1, 0.18, 0.53, 0.64, 0.75, 0.86, 1.0])
        while y + pitch < h - 40 * mm:
            d.line([(margin_x, y), (right, y)], fill=30, width=lw)
            for x0, x1 in zip(xs, xs[1:], strict=False):
                if rng.random() < 0.85:
                    n = max(1, int((x1 - x0 - mm) / (1.2 * size)))
                    _text(d, x0 + 0.5 * mm, y + 0.6 * mm, _random_text(rng, n), size, rng)
            y += pitch
        for x in xs:
            d.line([(x, top), (x, y)], fill=30, width=lw)
        y += 6 * mm
    if spec.layout == "note":  # the only writing on the sheet: a continuation heading, "以下空白", a date
        size = int(rng.uniform(3.0, 4.2) * mm)
        _text(
            d,
            margin_x + rng.uniform(0, 40) * mm,
            y + rng.uniform(0, 150) * mm,
            _random_text(rng, int(rng.integers(4, 9))),
            size,
            rng,
        )
    if spec.layout == "signature":  # the only writing on the sheet: a signature (a consent form's last page)
        height = rng.uniform(6, 12) * mm
        _handwriting(
            d,
            margin_x + rng.uniform(20, 90) * mm,
            y + rng.uniform(20, 180) * mm,
            rng.uniform(25, 60) * mm,
            height,
            rng,
            (20, 25, int(rng.uniform(40, 150))),
        )
    if spec.layout not in UNPRINTED:
        for _ in range(int(rng.integers(1, 4))):  # handwritten remarks and a signature
            if y > h - 25 * mm:
                break
            _handwriting(
                d,
                margin_x + rng.uniform(0, 60) * mm,
                y,
                rng.uniform(40, 110) * mm,
                rng.uniform(6, 10) * mm,
                rng,
                (20, 25, int(rng.uniform(40, 150))),
            )
            y += rng.uniform(10, 16) * mm
    img = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
    if not finish:
        return img
    if spec.layout not in UNPRINTED and rng.random() < 0.7:
        _stamp(img, w * rng.uniform(0.55, 0.8), h * rng.uniform(0.7, 0.88), rng.uniform(16, 22) * mm, rng)
    fibre = cv2.GaussianBlur(rng.normal(0, 3, (h // 4, w // 4)).astype(np.float32), (0, 0), 1.5)
    fibre = cv2.resize(fibre, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(img.astype(np.float32) + fibre[..., None], 0, 255).astype(np.uint8)


def page_homography(spec: PageSpec, paper_wh: tuple[int, int]) -> np.ndarray:
    """Homography from paper pixels to frame pixels: scale, rotation (CCW), offset and perspective."""
    rng = np.random.default_rng(spec.seed + 7919)
    fw, fh = spec.frame_wh
    pw, ph = paper_wh
    s = spec.page_fill * fh / ph
    t = math.radians(spec.angle_deg)
    rot = np.array([[math.cos(t), math.sin(t)], [-math.sin(t), math.cos(t)]])  # CCW on screen (y down)
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float64)
    centred = (src - [pw / 2, ph / 2]) * s
    dst = centred @ rot.T + [fw / 2 + spec.offset[0] * fw, fh / 2 + spec.offset[1] * fh]
    dst += rng.uniform(-1, 1, (4, 2)) * spec.perspective * min(pw, ph) * s
    return cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32)).astype(np.float64)


def _skew_truth(hm: np.ndarray, pw: int, ph: int) -> float:
    """Mean angle (CCW, degrees) of the images of the page's horizontal text lines."""
    angles = []
    for fy in np.linspace(0.1, 0.9, 9):
        pts = np.array([[[0.1 * pw, fy * ph], [0.9 * pw, fy * ph]]], np.float64)
        (a, b) = cv2.perspectiveTransform(pts, hm)[0]
        angles.append(math.degrees(math.atan2(-(b[1] - a[1]), b[0] - a[0])))
    return float(np.mean(angles))


def _motion_kernel(length: float, angle_deg: float) -> np.ndarray:
    n = int(math.ceil(length)) | 1
    k = np.zeros((n + 2, n + 2), np.float32)
    c = (n + 1) / 2
    t = math.radians(angle_deg)
    for s in np.linspace(-length / 2, length / 2, 4 * n):
        k[int(round(c - s * math.sin(t))), int(round(c + s * math.cos(t)))] += 1
    return k / k.sum()


def path_kernel(length: float, angle_deg: float, path: str, second: float = 0.4) -> np.ndarray:
    """A camera motion's kernel (float32, sums to 1): `length` frame pixels along `angle_deg` (CCW), the exposure
    spread along it by `path`: even (a steady motion: the box of _motion_kernel, with sub-pixel ends), shake (a
    stand vibrating through half a swing: positions L/2 cos(phi), phi even, the exposure piling up at both turning
    points), ghost (two still images at the two ends, the second holding `second` of the exposure: the camera
    knocked between them) or tail (a still image holding 1 - `second`, the rest spread evenly along the motion: the
    camera moving off when the shot was mostly taken, or a flash over a longer exposure)."""
    m = 8 * (int(math.ceil(length)) + 1)
    if path == "even":
        pos, w = np.linspace(-length / 2, length / 2, m), np.full(m, 1.0 / m)
    elif path == "shake":
        pos, w = -length / 2 * np.cos(np.linspace(0, math.pi, m)), np.full(m, 1.0 / m)
    elif path == "ghost":
        pos, w = np.array([-length / 2, length / 2]), np.array([1 - second, second])
    elif path == "tail":
        pos, w = np.r_[-length / 2, np.linspace(-length / 2, length / 2, m)], np.r_[1 - second, np.full(m, second / m)]
    else:
        raise ValueError(f"unknown motion path {path!r}")
    n = int(math.ceil(length)) + 4
    k = np.zeros((n | 1, n | 1), np.float64)
    c = (n | 1) // 2
    t = math.radians(angle_deg)
    for s, wt in zip(pos, w, strict=True):  # bilinear splats: the ends fall between pixels as they may
        y, x = c - s * math.sin(t), c + s * math.cos(t)
        y0, x0 = math.floor(y), math.floor(x)
        fy, fx = y - y0, x - x0
        k[y0 : y0 + 2, x0 : x0 + 2] += wt * np.outer([1 - fy, fy], [1 - fx, fx])
    return (k / k.sum()).astype(np.float32)


def photograph(paper: np.ndarray, spec: PageSpec, kernel: np.ndarray | None = None) -> tuple[np.ndarray, Truth]:
    """Place the paper in a camera frame and apply lighting, blur and noise (BGR uint8, Truth). `kernel`: the
    camera motion's (path_kernel), in place of spec.motion_px's even one."""
    rng = np.random.default_rng(spec.seed + 104729)
    fw, fh = spec.frame_wh
    ph, pw = paper.shape[:2]
    hm = page_homography(spec, (pw, ph))
    mat = np.empty((fh, fw, 3), np.float32)
    mat[:] = np.array(spec.mat_bgr, np.float32)
    mat += cv2.resize(rng.normal(0, 6, (fh // 16, fw // 16, 3)).astype(np.float32), (fw, fh))
    frame = cv2.warpPerspective(paper, hm, (fw, fh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), hm, (fw, fh), flags=cv2.INTER_LINEAR)
    a = mask.astype(np.float32)[..., None] / 255.0
    img = frame.astype(np.float32) * a + mat * (1 - a)
    yy, xx = np.mgrid[0:fh:8, 0:fw:8].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * fw, rng.uniform(0.2, 0.8) * fh
    r = np.hypot(xx - cx, yy - cy) / math.hypot(fw, fh)
    gx = rng.uniform(-1, 1)
    light = 1 - spec.light_falloff * np.clip(0.6 * r / 0.7 + 0.4 * (0.5 + 0.5 * gx * (xx / fw - 0.5) * 2), 0, 1)
    img *= cv2.resize(light, (fw, fh))[..., None] * spec.gain
    corners = cv2.perspectiveTransform(np.array([[[0, 0], [pw, 0], [pw, ph], [0, ph]]], np.float64), hm)[0]
    extras: dict[str, float] = {}
    if spec.shadow > 0:
        img *= _shadow(spec, rng)[..., None]
    if spec.occluder:
        extras["occluded_share"], extras["occluded_text_share"] = _occlude(img, spec, corners, rng)
    sigma = math.hypot(spec.intrinsic_sigma, spec.gauss_sigma)
    if sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    if spec.defocus_sigma > 0:
        img, extras["defocused_share"], extras["defocused_text_share"] = _partial_defocus(img, spec, corners)
    if kernel is not None:
        img = cv2.filter2D(img, -1, kernel)
    elif spec.motion_px > 0:
        img = cv2.filter2D(img, -1, _motion_kernel(spec.motion_px, spec.motion_angle_deg))
    img += rng.normal(0, spec.noise, (fh, fw, 1)).astype(np.float32)
    img += rng.normal(0, spec.noise * 0.5, (fh, fw, 3)).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    dpi = float(
        np.mean([np.linalg.norm(corners[3] - corners[0]), np.linalg.norm(corners[2] - corners[1])])
        / (spec.paper_mm[1] / 25.4)
    )
    truth = Truth(
        skew_deg=_skew_truth(hm, pw, ph),
        corners=tuple((float(x), float(y)) for x, y in corners),
        dpi=dpi,
        blur_sigma=sigma,
        motion_px=spec.motion_px,
        blank=spec.layout == "blank",
        extras=extras,
    )
    return out, truth


def _partial_defocus(img: np.ndarray, spec: PageSpec, corners: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Blur growing linearly along a direction across the page (a depth gradient); returns (image, shares).

    The shares are the fractions of the page and of its print whose extra blur is at least 1.5 px (frame pixels).
    """
    fh, fw = img.shape[:2]
    t = math.radians(spec.defocus_angle_deg)
    d = np.array([math.cos(t), -math.sin(t)])
    proj = corners @ d
    lo, hi = float(proj.min()), float(proj.max())
    yy, xx = np.mgrid[0:fh:4, 0:fw:4].astype(np.float32)
    u = ((xx * d[0] + yy * d[1]) - lo) / max(1e-6, hi - lo)
    depth = np.clip((u - spec.defocus_start) / max(1e-6, 1 - spec.defocus_start), 0, 1)
    sig = cv2.resize(depth, (fw, fh), interpolation=cv2.INTER_LINEAR) * spec.defocus_sigma
    levels = np.linspace(0, spec.defocus_sigma, 6)
    stack = [img] + [cv2.GaussianBlur(img, (0, 0), float(s)) for s in levels[1:]]
    pos = np.clip(sig / (levels[1] - levels[0]), 0, len(levels) - 1 - 1e-6)
    i0 = pos.astype(np.int32)
    f = (pos - i0)[..., None]
    out = np.empty_like(img)
    for k in range(len(levels) - 1):
        sel = i0 == k
        if sel.any():
            out[sel] = stack[k][sel] * (1 - f[sel]) + stack[k + 1][sel] * f[sel]
    start = spec.defocus_start + (1 - spec.defocus_start) * min(1.0, 1.5 / spec.defocus_sigma)
    return out, float(max(0.0, 1 - start)), _text_share(img[::4, ::4], corners / 4, depth * spec.defocus_sigma >= 1.5)


def _text_share(img: np.ndarray, corners: np.ndarray, soft: np.ndarray) -> float:
    """Share of the print (pixels under 0.7 of the paper's level inside the page) where `soft` is set."""
    h, w = soft.shape
    gray = img[:h, :w].mean(axis=2)
    page = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(page, np.round(corners).astype(np.int32), 1)
    inside = gray[page > 0]
    text = (page > 0) & (gray < 0.7 * float(np.percentile(inside, 90))) if inside.size else page > 0
    return float(soft[text].mean()) if text.any() else 0.0


def _shadow(spec: PageSpec, rng: np.random.Generator) -> np.ndarray:
    """A soft shadow (multiplier ≤ 1) of a hand or leaf reaching in from a frame side."""
    fw, fh = spec.frame_wh
    m = np.zeros((fh // 8, fw // 8), np.float32)
    h, w = m.shape
    side = spec.occluder_side
    for _ in range(int(rng.integers(2, 5))):
        c = rng.uniform(0.2, 0.8)
        reach = rng.uniform(0.25, 0.5)
        r = rng.uniform(0.06, 0.14) * max(h, w)
        end = {0: (c * w, reach * h), 1: ((1 - reach) * w, c * h), 2: (c * w, (1 - reach) * h), 3: (reach * w, c * h)}
        start = {0: (c * w, 0), 1: (w, c * h), 2: (c * w, h), 3: (0, c * h)}
        cv2.line(m, tuple(int(v) for v in start[side]), tuple(int(v) for v in end[side]), 1.0, int(r))
    m = cv2.GaussianBlur(m, (0, 0), spec.shadow_sigma / 8 if spec.shadow_sigma > 0 else max(h, w) * 0.03)
    return 1 - spec.shadow * cv2.resize(np.clip(m, 0, 1), (fw, fh))


SKIN_BGR = ((120, 150, 205), (95, 125, 180), (70, 95, 150), (140, 170, 225))
OBJECT_BGR = {"phone": (28, 28, 32), "pen": (110, 40, 20), "ruler": (120, 175, 215), "silver_phone": (178, 176, 172)}


def _occlude(img: np.ndarray, spec: PageSpec, corners: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """Draw a finger, thumb, phone or pen from a frame side over the page; return the share of the page covered and
    the share of the page's print it hides (the object's core, at least half opaque)."""
    fh, fw = img.shape[:2]
    page_w = float(np.linalg.norm(corners[1] - corners[0]))
    page_h = float(np.linalg.norm(corners[3] - corners[0]))
    mm = page_h / spec.paper_mm[1]
    side, pos = spec.occluder_side, spec.occluder_pos
    x0, y0 = corners[:, 0].min(), corners[:, 1].min()
    x1, y1 = corners[:, 0].max(), corners[:, 1].max()
    reach = spec.occluder_reach * (page_h if side in (0, 2) else page_w)
    # the tip: inside the page, `reach` past the paper's edge on that side
    tip = {
        0: (x0 + pos * (x1 - x0), y0 + reach),
        1: (x1 - reach, y0 + pos * (y1 - y0)),
        2: (x0 + pos * (x1 - x0), y1 - reach),
        3: (x0 + reach, y0 + pos * (y1 - y0)),
    }[side]
    tilt = math.radians(rng.uniform(-20, 20))
    inward = {0: (0.0, 1.0), 1: (-1.0, 0.0), 2: (0.0, -1.0), 3: (1.0, 0.0)}[side]
    dx = inward[0] * math.cos(tilt) - inward[1] * math.sin(tilt)
    dy = inward[0] * math.sin(tilt) + inward[1] * math.cos(tilt)
    far = max(fw, fh) * 2
    base = (tip[0] - dx * far, tip[1] - dy * far)
    mask = np.zeros((fh, fw), np.uint8)
    kind = spec.occluder
    width = {"finger": 17.0, "thumb": 22.0, "phone": 72.0, "pen": 9.0, "ruler": 30.0, "silver_phone": 72.0}[kind]
    width *= mm * rng.uniform(0.9, 1.1)
    pts = [(int(tip[0]), int(tip[1])), (int(base[0]), int(base[1]))]
    if kind in ("finger", "thumb", "pen"):
        cv2.line(mask, pts[0], pts[1], 255, int(width), lineType=cv2.LINE_AA)
        cv2.circle(mask, pts[0], int(width / 2), 255, -1, lineType=cv2.LINE_AA)
    else:
        nx, ny = -dy * width / 2, dx * width / 2
        poly = np.array(
            [
                (tip[0] + nx, tip[1] + ny),
                (tip[0] - nx, tip[1] - ny),
                (base[0] - nx, base[1] - ny),
                (base[0] + nx, base[1] + ny),
            ],
            np.int32,
        )
        cv2.fillPoly(mask, [poly], 255, lineType=cv2.LINE_AA)
    if spec.occluder_sigma > 0:
        mask = cv2.GaussianBlur(mask, (0, 0), spec.occluder_sigma)
    hidden = _text_share(img[::4, ::4], corners / 4, mask[::4, ::4] > 127)
    a = mask.astype(np.float32)[..., None] / 255.0
    if kind in ("finger", "thumb"):
        colour = np.array(SKIN_BGR[int(rng.integers(0, len(SKIN_BGR)))], np.float32)
        # rounded shading across the finger: brighter along its middle
        dist = cv2.distanceTransform((mask > 127).astype(np.uint8), cv2.DIST_L2, 3)
        shade = 0.75 + 0.3 * np.clip(dist / (width / 2), 0, 1)
        obj = colour[None, None, :] * shade[..., None]
    else:
        obj = np.empty_like(img)
        obj[:] = np.array(OBJECT_BGR[kind], np.float32)
    img[:] = img * (1 - a) + obj * a
    page = np.zeros((fh, fw), np.uint8)
    cv2.fillConvexPoly(page, corners.astype(np.int32), 1)
    return float(np.count_nonzero((mask > 127) & (page > 0)) / max(1, np.count_nonzero(page))), hidden


def render(spec: PageSpec, kernel: np.ndarray | None = None) -> tuple[np.ndarray, Truth]:
    """Render a photographed page (BGR uint8) and its ground truth (`kernel`: photograph's)."""
    page_px = spec.page_fill * spec.frame_wh[1] * spec.render_scale
    paper = render_paper(spec, page_px / spec.paper_mm[1])
    return photograph(paper, spec, kernel)


def render_scan(
    seed: int, dpi: float, bits: int = 8, layout: str = "text", angle_deg: float = 0.0, paper_mm=A4_MM
) -> tuple[bytes, float]:
    """A lossless flatbed scan (PNG, no mat: the paper fills the image) and its skew (CCW degrees).

    bits=1 is a bilevel scan (Pillow mode "1"), bits=8 an 8-bit grey scan with scanner softness (sigma 0.6 px).
    """
    spec = PageSpec(seed=seed, layout=layout, paper_mm=paper_mm)
    grey = cv2.cvtColor(render_paper(spec, dpi / 25.4, finish=False), cv2.COLOR_BGR2GRAY)
    if angle_deg:
        h, w = grey.shape
        rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
        grey = cv2.warpAffine(grey, rot, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    if bits == 1:
        im = Image.fromarray(np.where(grey > 150, 255, 0).astype(np.uint8)).convert("1")
    else:
        im = Image.fromarray(cv2.GaussianBlur(grey, (0, 0), 0.6))
    buf = io.BytesIO()
    im.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue(), float(angle_deg)


def encode_jpeg(img: np.ndarray, quality: int) -> bytes:
    """JPEG-encode a BGR image (4:2:0, like a camera)."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    assert ok
    return buf.tobytes()


def render_jpeg(spec: PageSpec) -> tuple[bytes, Truth]:
    """Render a page and encode it at the spec's JPEG quality."""
    img, truth = render(spec)
    return encode_jpeg(img, spec.jpeg_quality), truth


def hand_shadow(
    seed: int, side: int, strength: float, sigma: float, frame_wh: tuple[int, int] = (2000, 1500), **spec: object
) -> bytes:
    """JPEG bytes of a sharp-edged page (random_spec(seed, "sharp"), changed by `spec`) under
    the shadow of three fingers reaching in from a frame side (0 top, 1 right, 2 bottom, 3 left), `strength` of
    the light lost at their core, their edges blurred by a Gaussian of `sigma` frame pixels."""
    img, _ = render(replace(random_spec(seed, "sharp"), frame_wh=frame_wh, **spec))
    fh, fw = img.shape[:2]
    rng = np.random.default_rng(seed * 10 + side)
    m = np.zeros((fh, fw), np.float32)
    for _ in range(3):
        c, reach, r = rng.uniform(0.2, 0.8), rng.uniform(0.3, 0.5), rng.uniform(0.06, 0.12) * max(fh, fw)
        end = {
            0: (c * fw, reach * fh),
            1: ((1 - reach) * fw, c * fh),
            2: (c * fw, (1 - reach) * fh),
            3: (reach * fw, c * fh),
        }[side]
        start = {0: (c * fw, 0), 1: (fw, c * fh), 2: (c * fw, fh), 3: (0, c * fh)}[side]
        cv2.line(m, tuple(int(v) for v in start), tuple(int(v) for v in end), 1.0, int(r))
    m = cv2.GaussianBlur(m, (0, 0), sigma)
    out = np.clip(img.astype(np.float32) * (1 - strength * np.clip(m, 0, 1))[..., None], 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def tinted_band(
    seed: int,
    factor: float,
    top: float = 0.3,
    bottom: float = 0.75,
    bulge_sigma: float = 0.0,
    edge_sigma: float = 0.0,
    frame_wh: tuple[int, int] = (4000, 3000),
    **spec: object,
) -> tuple[bytes, Truth]:
    """JPEG bytes and truth of a page (random_spec(seed, "sharp"), changed by `spec`) darkened to `factor` of its
    light across the whole frame between `top` and `bottom` of the page's height (a shadow of the camera's arm, a
    tinted band of the form; edges blurred by `edge_sigma` frame px), the band out of focus by a Gaussian of
    `bulge_sigma` frame px (a sheet bulging there)."""
    img, truth = render(replace(random_spec(seed, "sharp"), frame_wh=frame_wh, **spec))
    ys = [y for _, y in truth.corners]
    y0, y1 = (int(min(ys) + f * (max(ys) - min(ys))) for f in (top, bottom))
    if bulge_sigma > 0:
        img[y0:y1] = cv2.GaussianBlur(img, (0, 0), bulge_sigma)[y0:y1]
    light = np.ones((img.shape[0], 1), np.float32)
    light[y0:y1] = factor
    if edge_sigma > 0:
        light = cv2.GaussianBlur(light, (1, 0), sigmaX=0.1, sigmaY=edge_sigma)
    out = np.clip(img.astype(np.float32) * light[..., None], 0, 255).astype(np.uint8)
    return encode_jpeg(out, 90), truth


def even_shake(
    seed: int,
    length_px: int,
    angle_deg: float = 0.0,
    layout: str = "form",
    sigma: float = 0.6,
    tilt_deg: float = 0.0,
    noise: float = 1.5,
    px_per_mm: float = 10.0,
    frame_wh: tuple[int, int] = (4000, 3000),
) -> bytes:
    """JPEG bytes of a page of thin, crisp print shaken evenly: random_spec(seed, "sharp")'s paper in `layout`,
    drawn at `px_per_mm` and reduced onto a `frame_wh` frame (its height 0.88 of the frame, turned `tilt_deg`
    CCW on a dark mat), softened by a Gaussian of `sigma` frame pixels, then smeared by an exact box `length_px`
    long (0 = none) along `angle_deg` (0 and 90 by cv2.blur, other angles by the benchmark's line kernel), with
    sensor noise of `noise` grey levels, JPEG quality 92. An even smear leaves each thin stroke a low plateau with
    steep sides (qc.motion)."""
    paper = render_paper(replace(random_spec(seed, "sharp"), layout=layout), px_per_mm)
    ph, pw = paper.shape[:2]
    fw, fh = frame_wh
    rot = cv2.getRotationMatrix2D((pw / 2, ph / 2), tilt_deg, 0.88 * fh / ph)
    rot[0, 2] += fw / 2 - pw / 2
    rot[1, 2] += fh / 2 - ph / 2
    img = cv2.warpAffine(paper, rot, (fw, fh), flags=cv2.INTER_AREA, borderValue=(40, 40, 40)).astype(np.float32)
    img = cv2.GaussianBlur(img, (0, 0), sigma)
    if length_px and angle_deg in (0, 90):
        img = cv2.blur(img, (length_px, 1) if angle_deg == 0 else (1, length_px))
    elif length_px:
        img = cv2.filter2D(img, -1, _motion_kernel(length_px, angle_deg))
    img += np.random.default_rng(seed).normal(0, noise, img.shape[:2] + (1,)).astype(np.float32)
    return encode_jpeg(np.clip(img, 0, 255).astype(np.uint8), 92)


def ecg_scan(seed: int, dpi: float = 600.0, sigma: float = 0.73) -> bytes:
    """An 8-bit grey PNG scan (stating its dpi) of an A4 ECG report: a pink 1 mm grid of lines 0.1 mm wide, every
    fifth line darker, a heading and five traces of heartbeats; softened by a Gaussian of `sigma` px at 600 dpi
    (scaled to `dpi`), noise of 1.5 grey levels. A grid this fine is periodic print the focus and motion measures
    must not take for blur."""
    rng = np.random.default_rng(seed)
    k = dpi / 25.4  # pixels per mm
    w, h = int(round(210 * k)), int(round(297 * k))
    pil = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(235, 252, 3)))
    d = ImageDraw.Draw(pil)
    lw = max(1, int(round(0.1 * k)))
    for i in range(181):
        x = (15 + i) * k
        d.line([(x, 35 * k), (x, 282 * k)], fill=(220, 110, 110) if i % 5 == 0 else (240, 170, 170), width=lw)
    for i in range(248):
        y = (35 + i) * k
        d.line([(15 * k, y), (195 * k, y)], fill=(220, 110, 110) if i % 5 == 0 else (240, 170, 170), width=lw)
    font = _font(int(3 * k), 0)
    if font is not None:
        d.text((15 * k, 21 * k), "心电图报告 " + _random_text(rng, 20), fill=(25, 25, 30), font=font)
    for i in range(5):
        t = np.arange(15 * k, 195 * k, 0.5)
        beat = (t + rng.uniform(0, 20 * k)) % (22 * k)
        y = (65 + 50 * i) * k - 15 * k * np.exp(-((beat - 11 * k) ** 2) / (0.18 * k * k))
        y += 3 * k * np.exp(-((beat - 17 * k) ** 2) / (2 * k * k))
        d.line(list(zip(t.tolist(), y.tolist(), strict=True)), fill=(15, 15, 15), width=max(1, int(round(0.2 * k))))
    grey = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2GRAY).astype(np.float32)
    grey = cv2.GaussianBlur(grey, (0, 0), sigma * dpi / 600.0) + rng.normal(0, 1.5, grey.shape).astype(np.float32)
    buf = io.BytesIO()
    Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)).save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def object_spec(seed: int, kind: str, side: int, pos: float, reach: float, sigma: float = 0.0) -> PageSpec:
    """random_spec(seed, "occluded") with its object set: `kind` (finger, thumb, phone, pen, ruler, silver_phone)
    from frame side `side` (0 top, 1 right, 2 bottom, 3 left) at `pos` (0..1) along it, reaching `reach` of the
    page's size past the paper's edge, out of focus by a Gaussian of `sigma` frame pixels."""
    return replace(
        random_spec(seed, "occluded"),
        occluder=kind,
        occluder_side=side,
        occluder_pos=pos,
        occluder_reach=reach,
        occluder_sigma=sigma,
    )


def random_spec(seed: int, kind: str = "skew", frame_wh: tuple[int, int] = (4000, 3000)) -> PageSpec:
    """A random realistic spec of one benchmark category.

    kind: skew (±10°, perspective), sharp (straight, clean), gauss (defocus sigma 1.5-3 px), motion (6-12 px),
    motion_wide (3-20 px, any angle), motion_long (20-200 px, any angle), defocus (a depth gradient leaving 25-60 %
    of the page beyond 1.5 px extra blur), occluded (a finger, thumb, phone or pen over the text from a random
    side), shadow (a soft hand shadow from a side; stamps and handwriting as usual), shadow_deep (50-80 % of the
    light lost, a sharper edge: sigma 20-60 px), fingers (a finger or thumb only: skin over the mat), fingers_soft
    (the same held above the page, out of focus: sigma 10-30 px), clipped (±6°, the outline partly outside), blank
    (an empty sheet), note (a sheet whose only writing is one line of 4-8 characters) and signature (a signature
    alone, as on a consent form's last page), each under a hand's shadow or not.
    """
    rng = np.random.default_rng(seed * 31 + 17)
    layout = str(rng.choice(["text", "text", "dense", "sparse", "form", "form"]))
    spec = PageSpec(
        seed=seed,
        layout=layout,
        frame_wh=frame_wh,
        angle_deg=float(rng.uniform(-10, 10)),
        perspective=float(rng.uniform(0.0, 0.015)),
        page_fill=float(rng.uniform(0.8, 0.92)),
        offset=(float(rng.uniform(-0.03, 0.03)), float(rng.uniform(-0.02, 0.02))),
        intrinsic_sigma=float(rng.uniform(0.35, 0.8)),
        gain=float(rng.uniform(0.9, 1.05)),
        light_falloff=float(rng.uniform(0.05, 0.25)),
        noise=float(rng.uniform(1.0, 3.5)),
        jpeg_quality=int(rng.integers(80, 96)),
        mat_bgr=MAT_COLOURS[int(rng.integers(0, len(MAT_COLOURS)))],
    )
    if kind == "skew":  # keep the rotated page inside the frame
        t = math.radians(abs(spec.angle_deg))
        fit = 0.95 / (math.cos(t) + spec.paper_mm[0] / spec.paper_mm[1] * math.sin(t))
        return replace(spec, page_fill=min(spec.page_fill, fit))
    if kind == "clipped":  # one side of the outline runs off the frame, by 3-10 % of the page's size across it
        side = int(rng.integers(0, 4))
        over = float(rng.uniform(0.03, 0.10))
        fill = float(rng.uniform(0.85, 0.95))
        fw, fh = spec.frame_wh
        ph = fill * fh
        pw = ph * spec.paper_mm[0] / spec.paper_mm[1]
        dx, dy = (fw / 2 - pw / 2 + over * pw) / fw, (fh / 2 - ph / 2 + over * ph) / fh  # centre offsets, of the frame
        off = {0: (0.0, -dy), 1: (dx, 0.0), 2: (0.0, dy), 3: (-dx, 0.0)}[side]
        return replace(spec, angle_deg=float(rng.uniform(-6, 6)), offset=off, page_fill=fill)
    spec = replace(spec, angle_deg=float(rng.uniform(-1.0, 1.0)))
    if kind == "sharp":
        return spec
    if kind == "gauss":
        return replace(spec, gauss_sigma=float(rng.uniform(1.5, 3.0)))
    if kind == "motion":
        return replace(spec, motion_px=float(rng.uniform(6, 12)), motion_angle_deg=float(rng.uniform(0, 180)))
    if kind == "motion_wide":
        return replace(spec, motion_px=float(rng.uniform(3, 20)), motion_angle_deg=float(rng.uniform(0, 180)))
    if kind == "motion_long":  # a shaken camera: longer than the edge profiles reach (qc.smear)
        return replace(spec, motion_px=float(rng.uniform(20, 200)), motion_angle_deg=float(rng.uniform(0, 180)))
    if kind == "defocus":
        return replace(
            spec,
            layout=str(rng.choice(["text", "dense", "form"])),
            defocus_sigma=float(rng.uniform(4.0, 7.0)),
            defocus_angle_deg=float(rng.uniform(0, 360)),
            defocus_start=float(rng.uniform(0.2, 0.5)),
        )
    if kind == "occluded":
        return replace(
            spec,
            layout=str(rng.choice(["text", "dense", "form"])),
            occluder=str(rng.choice(["finger", "thumb", "phone", "pen"])),
            occluder_side=int(rng.integers(0, 4)),
            occluder_pos=float(rng.uniform(0.25, 0.75)),
            occluder_reach=float(rng.uniform(0.2, 0.4)),
        )
    if kind == "shadow":
        return replace(spec, shadow=float(rng.uniform(0.25, 0.5)), occluder_side=int(rng.integers(0, 4)))
    if kind == "shadow_deep":
        return replace(
            spec,
            shadow=float(rng.uniform(0.5, 0.8)),
            shadow_sigma=float(rng.uniform(20.0, 60.0)) * spec.frame_wh[0] / 4000,
            occluder_side=int(rng.integers(0, 4)),
        )
    if kind == "fingers":
        return replace(
            spec,
            layout=str(rng.choice(["text", "dense", "form"])),
            occluder=str(rng.choice(["finger", "thumb"])),
            occluder_side=int(rng.integers(0, 4)),
            occluder_pos=float(rng.uniform(0.25, 0.75)),
            occluder_reach=float(rng.uniform(0.2, 0.4)),
        )
    if kind in UNPRINTED:  # an empty sheet, one line of 4-8 characters or a signature; under a hand's shadow or not
        shade = rng.random()
        spec = replace(spec, layout=kind, occluder_side=int(rng.integers(0, 4)))
        if shade < 0.35:
            return replace(spec, shadow=float(rng.uniform(0.25, 0.5)))
        if shade < 0.7:
            return replace(spec, shadow=float(rng.uniform(0.5, 0.8)), shadow_sigma=float(rng.uniform(20.0, 60.0)))
        return spec
    if kind == "fingers_soft":  # held above the page: out of focus
        return replace(random_spec(seed, "fingers", frame_wh), occluder_sigma=float(rng.uniform(10.0, 30.0)))
    raise ValueError(f"unknown kind {kind!r}")
