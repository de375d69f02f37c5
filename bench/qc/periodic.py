"""Sharp pages of fine periodic print: the temperature chart (体温单), ECG and graph paper, halftone and ultrasound
pictures.

A medical record holds a temperature chart for every inpatient week, ECG reports and printed ultrasound or endoscopy
pictures. Their grids are lines 0.1-0.2 mm wide, under one working pixel of a 12 MP photo; the focus measure must
not take them for blur. Papers are drawn at about 24 px/mm and reduced by area (a camera pixel
or a scanner's cell integrates the light over its area), so a line thinner than a pixel is a faint pixel-wide line,
as it is in a real picture.

    render(seed, layout)                 JPEG bytes of a 4000 x 3000 photo and its Truth (bench.qc.generator)
    photo(seed, layout)                  the same bytes alone
    scan(seed, layout, dpi, mode)        PNG or TIFF bytes of a flatbed scan: "grey" 8-bit, "bilevel" 1-bit, "g4"
"""

from __future__ import annotations

import io
import math
from dataclasses import replace
from functools import partial

import cv2
import numpy as np
from PIL import Image, ImageDraw

from bench.qc.generator import Truth, _handwriting, _random_text, _text, encode_jpeg, photograph, random_spec

LAYOUTS = ("temp_chart", "ecg", "graph", "halftone", "ultrasound")
OVERSAMPLE_TO = 24.0  # px/mm a paper is drawn at before its area reduction (at most 3 x, never less than 1 x)
A4 = (210.0, 297.0)
SCAN_MODES = ((600.0, "grey"), (300.0, "grey"), (600.0, "bilevel"), (300.0, "g4"))  # the scans the benches make


def paper(seed: int, layout: str, px_per_mm: float) -> np.ndarray:
    """The flat page (BGR uint8) of one periodic `layout` at `px_per_mm`, drawn at about OVERSAMPLE_TO px/mm and
    reduced by area."""
    rng = np.random.default_rng(seed * 7 + LAYOUTS.index(layout))
    k = px_per_mm * min(3, max(1, round(OVERSAMPLE_TO / px_per_mm)))
    w, h = int(A4[0] * k), int(A4[1] * k)
    tint = rng.uniform(236, 250)
    pil = Image.new("RGB", (w, h), (int(tint), int(tint - rng.uniform(0, 5)), int(tint - rng.uniform(0, 9))))
    d = ImageDraw.Draw(pil)
    draw = {"temp_chart": _temp_chart, "ecg": _ecg, "graph": _graph, "halftone": _halftone}
    draw.get(layout, partial(_halftone, ultrasound=True))(d, pil, rng, k)
    big = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
    return cv2.resize(big, (int(A4[0] * px_per_mm), int(A4[1] * px_per_mm)), interpolation=cv2.INTER_AREA)


def _w(mm: float, k: float) -> int:
    return max(1, int(round(mm * k)))


def _heading(d: ImageDraw.ImageDraw, rng: np.random.Generator, k: float, title: str, top: float = 12.0) -> None:
    size = int(6 * k)
    tw = _text(d, 0, -10000, title, size, rng, bold=True)
    _text(d, (A4[0] * k - tw) / 2, top * k, title, size, rng, bold=True)
    small = int(3.2 * k)
    x = 15 * k
    for label in ("姓名", "年龄", "科别", "床号", "住院号"):
        x += _text(d, x, (top + 9) * k, label + "：", small, rng) + 1 * k
        x += _text(d, x, (top + 9) * k, _random_text(rng, int(rng.integers(2, 5))), small, rng, fill=30) + 4 * k


def _temp_chart(d: ImageDraw.ImageDraw, pil: Image.Image, rng: np.random.Generator, k: float) -> None:
    """体温单: dates and hours, a grid of 42 four-hourly columns x 40 rows (34-42 °C, 0.2 °C each; pulse 20-180),
    thin lines, heavier degree and day lines (red in half of the charts), blue temperature and red pulse curves,
    then the rows of respiration, blood pressure, intake, output, stools and weight."""
    _heading(d, rng, k, "医院 体温单")
    thin, thin_grey = float(rng.uniform(0.08, 0.2)), int(rng.uniform(60, 170))
    heavy = float(rng.uniform(0.25, 0.4))
    day_col = (200, 40, 40) if rng.random() < 0.5 else (30, 30, 30)
    x0, x1, lab = 15.0, 195.0, 25.0
    cw = (x1 - x0 - lab) / 42
    y = 30.0
    tiny = int(2.2 * k)
    for name in ("日期", "住院天数", "手术后天数", "时间"):
        d.line([(x0 * k, y * k), (x1 * k, y * k)], fill=(30, 30, 30), width=_w(heavy, k))
        _text(d, (x0 + 1) * k, (y + 1.2) * k, name, int(2.6 * k), rng)
        for c in range(42):
            cx = x0 + lab + c * cw
            if name == "时间":
                hour = (2, 6, 10, 14, 18, 22)[c % 6]
                _text(d, (cx + 0.4) * k, (y + 1.4) * k, str(hour), tiny, rng, fill=(200, 30, 30) if hour < 7 else 20)
            elif c % 6 == 0:
                _text(d, (cx + 5) * k, (y + 1.2) * k, _random_text(rng, 3), int(2.6 * k), rng)
        y += 5.0
    top, row = y, float(rng.uniform(2.6, 3.2))
    bottom = top + 40 * row
    for r in range(41):
        yy = (top + r * row) * k
        if r % 5 == 0:
            fill = (210, 30, 30) if r == 25 else (30, 30, 30)  # 37 °C
            d.line([((x0 + lab) * k, yy), (x1 * k, yy)], fill=fill, width=_w(heavy, k))
            t = 42 - r // 5
            _text(d, (x0 + lab * 0.55) * k, yy - 1.2 * k, f"{t}", int(2.6 * k), rng)
            _text(d, (x0 + 1) * k, yy - 1.2 * k, f"{180 - 4 * r}", int(2.6 * k), rng, fill=(200, 30, 30))
        else:
            d.line([((x0 + lab) * k, yy), (x1 * k, yy)], fill=(thin_grey,) * 3, width=_w(thin, k))
    for c in range(43):
        xx = (x0 + lab + c * cw) * k
        day = c % 6 == 0
        d.line(
            [(xx, top * k), (xx, bottom * k)],
            fill=day_col if day else (thin_grey,) * 3,
            width=_w(heavy if day else thin, k),
        )
    d.line([(x0 * k, top * k), (x0 * k, bottom * k)], fill=(30, 30, 30), width=_w(heavy, k))
    for name, lo, hi, col, mark in (("t", 36.2, 37.9, (30, 60, 200), "x"), ("p", 68, 104, (210, 30, 30), "o")):
        v = rng.uniform(lo, hi)
        pts = []
        for c in range(42):
            if rng.random() < 0.35:
                continue
            v = float(np.clip(v + rng.normal(0, (hi - lo) / 6), lo, hi))
            ry = (42 - v) * 5 if name == "t" else (180 - v) / 4
            pts.append(((x0 + lab + (c + 0.5) * cw) * k, (top + ry * row) * k))
        if len(pts) > 1:
            d.line(pts, fill=col, width=_w(0.2, k))
        r = 0.7 * k
        for px, py in pts:
            if mark == "x":
                d.line([(px - r, py - r), (px + r, py + r)], fill=col, width=_w(0.25, k))
                d.line([(px - r, py + r), (px + r, py - r)], fill=col, width=_w(0.25, k))
            else:
                d.ellipse([px - r, py - r, px + r, py + r], fill=col)
    y = bottom
    for name in ("呼吸(次/分)", "血压(mmHg)", "总入量(ml)", "总出量(ml)", "大便次数", "体重(kg)", "皮试", "其他"):
        d.line([(x0 * k, y * k), (x1 * k, y * k)], fill=(30, 30, 30), width=_w(heavy, k))
        _text(d, (x0 + 1) * k, (y + 1.2) * k, name, int(2.4 * k), rng)
        for c in range(0, 42, 2 if name.startswith("呼吸") else 6):
            if rng.random() < 0.8:
                num = str(int(rng.integers(14, 24))) if name.startswith("呼吸") else str(int(rng.integers(1, 2500)))
                _text(d, (x0 + lab + c * cw + 0.6) * k, (y + 1.3) * k, num, tiny, rng)
        y += 5.0
    d.line([(x0 * k, y * k), (x1 * k, y * k)], fill=(30, 30, 30), width=_w(heavy, k))
    for c in range(0, 43, 6):
        xx = (x0 + lab + c * cw) * k
        d.line([(xx, 30 * k), (xx, top * k)], fill=(30, 30, 30), width=_w(thin, k))
        d.line([(xx, bottom * k), (xx, y * k)], fill=(30, 30, 30), width=_w(thin, k))
    for xx in (x0, x1):
        d.line([(xx * k, 30 * k), (xx * k, y * k)], fill=(30, 30, 30), width=_w(heavy, k))
    _text(d, 100 * k, (y + 4) * k, "第 1 周", int(3 * k), rng)


def _ecg(d: ImageDraw.ImageDraw, pil: Image.Image, rng: np.random.Generator, k: float) -> None:
    """ECG report: a pink 1 mm grid of lines 0.1 mm wide, every fifth darker, twelve leads' traces in four rows."""
    _heading(d, rng, k, "心电图报告")
    fine, bold = (240, int(rng.uniform(150, 190)), int(rng.uniform(150, 190))), (220, 100, 100)
    x0, x1, y0, y1 = 15, 195, 35, 245
    for i in range(x1 - x0 + 1):
        d.line([((x0 + i) * k, y0 * k), ((x0 + i) * k, y1 * k)], fill=bold if i % 5 == 0 else fine, width=_w(0.1, k))
    for i in range(y1 - y0 + 1):
        d.line([(x0 * k, (y0 + i) * k), (x1 * k, (y0 + i) * k)], fill=bold if i % 5 == 0 else fine, width=_w(0.1, k))
    leads = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
    for row in range(4):
        base = y0 + 25 + row * 50
        t = np.arange(x0 * k, x1 * k, 0.5)
        beat = (t + rng.uniform(0, 20 * k)) % (rng.uniform(18, 24) * k)
        amp = rng.uniform(8, 16) * k
        yy = base * k - amp * np.exp(-((beat - 11 * k) ** 2) / (0.18 * k * k))
        yy += 2.5 * k * np.exp(-((beat - 17 * k) ** 2) / (2 * k * k)) - 1.2 * k * np.exp(
            -((beat - 6 * k) ** 2) / (k * k)
        )
        d.line(list(zip(t.tolist(), yy.tolist(), strict=True)), fill=(15, 15, 15), width=_w(0.2, k))
        for j in range(3):
            _text(d, (x0 + 2 + 45 * j) * k, (base - 20) * k, leads[row * 3 + j % 3], int(3 * k), rng, fill=15)
    _text(d, 15 * k, 252 * k, "诊断：" + _random_text(rng, 18), int(3.4 * k), rng)
    _text(d, 15 * k, 260 * k, _random_text(rng, 30), int(3.4 * k), rng)


def _graph(d: ImageDraw.ImageDraw, pil: Image.Image, rng: np.random.Generator, k: float) -> None:
    """Graph paper (坐标纸): a 1 mm grid of light green or blue lines, heavier every 5 and 10 mm, a plotted curve and
    handwritten notes over it."""
    _heading(d, rng, k, "记录纸")
    hue = (120, 190, 140) if rng.random() < 0.5 else (120, 160, 210)
    fine = tuple(int(255 - (255 - v) * 0.45) for v in hue)
    x0, x1, y0, y1 = 15, 195, 35, 275
    for n, (a, b, c0, c1) in enumerate(((x0, x1, y0, y1), (y0, y1, x0, x1))):
        for i in range(b - a + 1):
            col, wid = (hue, 0.25) if i % 10 == 0 else (hue, 0.15) if i % 5 == 0 else (fine, 0.1)
            p = (a + i) * k
            seg = [(p, c0 * k), (p, c1 * k)] if n == 0 else [(c0 * k, p), (c1 * k, p)]
            d.line(seg, fill=col, width=_w(wid, k))
    for _ in range(int(rng.integers(6, 12))):
        _handwriting(
            d,
            rng.uniform(20, 120) * k,
            rng.uniform(40, 260) * k,
            rng.uniform(30, 70) * k,
            7 * k,
            rng,
            (20, 25, int(rng.uniform(40, 150))),
        )
    xs = np.linspace(25, 185, 60)
    ys = 150 + 60 * np.sin(xs / rng.uniform(15, 30)) * np.exp(-(xs - 25) / 200)
    d.line([(a * k, b * k) for a, b in zip(xs, ys, strict=True)], fill=(30, 30, 160), width=_w(0.35, k))


def _halftone(
    d: ImageDraw.ImageDraw, pil: Image.Image, rng: np.random.Generator, k: float, ultrasound: bool = False
) -> None:
    """An imaging report: text and two printed pictures screened at 85-150 lines per inch (round dots on a 45° grid,
    as a laser printer or offset press prints a photograph): soft tone 180 x 80 mm, or (`ultrasound`) two B-mode
    images 85 x 64 mm side by side, a speckled fan on black."""
    _heading(d, rng, k, "超声检查报告")
    size = int(3.4 * k)
    y = 32.0
    for _ in range(4):
        _text(d, 15 * k, y * k, _random_text(rng, 44), size, rng)
        y += 6
    pitch = 25.4 / float(rng.uniform(85, 150)) * k  # screen period, pixels
    boxes = [(15, y + 6, 85, 64), (110, y + 6, 85, 64)] if ultrasound else [(15, y + 4, 180, 80), (15, y + 92, 180, 80)]
    for bx, by, bw, bh in boxes:
        yy, xx = np.mgrid[0 : int(bh * k), 0 : int(bw * k)].astype(np.float32)
        if ultrasound:  # darkness: black around a fan of speckle (tissue) opening downwards from the top centre
            r, a = np.hypot(xx - bw * k / 2, yy), np.degrees(np.arctan2(xx - bw * k / 2, yy))
            fan = (np.abs(a) < 35) & (r > 0.1 * bh * k) & (r < 0.95 * bh * k)
            speckle = cv2.GaussianBlur(rng.normal(0, 1, xx.shape).astype(np.float32), (0, 0), 0.4 * k)
            scene = np.where(fan, 0.55 - 1.6 * speckle, 0.95)
        else:
            scene = 0.5 + 0.35 * np.sin(xx / (rng.uniform(25, 60) * k)) * np.cos(yy / (rng.uniform(15, 40) * k))
            scene = cv2.GaussianBlur(scene + rng.normal(0, 0.2, scene.shape).astype(np.float32), (0, 0), 3 * k)
        u, v = (xx + yy) / math.sqrt(2), (xx - yy) / math.sqrt(2)
        radius = np.sqrt(np.clip(scene, 0, 1)) * 0.62 * pitch  # dark share of the cell grows with the scene
        dot = np.hypot(u - np.round(u / pitch) * pitch, v - np.round(v / pitch) * pitch) < radius
        pil.paste(Image.fromarray(np.where(dot, 25, 245).astype(np.uint8)).convert("RGB"), (int(bx * k), int(by * k)))
    y = boxes[-1][1] + boxes[-1][3] + 8
    for _ in range(8):
        if y > 280:
            break
        _text(d, 15 * k, y * k, _random_text(rng, 44), size, rng)
        y += 6


def render(seed: int, layout: str, frame_wh: tuple[int, int] = (4000, 3000), **spec: object) -> tuple[bytes, Truth]:
    """JPEG bytes and ground truth of a sharp photo of a periodic page: random_spec(seed, "sharp") (changed by
    `spec`) with its paper replaced by `paper(seed, layout, ...)` at the frame's resolution."""
    s = replace(random_spec(seed, "sharp", frame_wh), **spec)
    img, truth = photograph(paper(seed, layout, s.page_fill * s.frame_wh[1] / A4[1]), s)
    return encode_jpeg(img, s.jpeg_quality), truth


def photo(seed: int, layout: str, frame_wh: tuple[int, int] = (4000, 3000), **spec: object) -> bytes:
    """render(...)'s JPEG bytes."""
    return render(seed, layout, frame_wh, **spec)[0]


def scan(seed: int, layout: str, dpi: float = 600.0, mode: str = "grey", sigma: float = 0.6) -> bytes:
    """Bytes of a lossless flatbed scan stating its dpi: "grey" an 8-bit PNG (scanner softness `sigma` px, noise of
    1.5 grey levels), "bilevel" a 1-bit PNG, "g4" a 1-bit CCITT G4 TIFF (thresholded at 160)."""
    grey = cv2.cvtColor(paper(seed, layout, dpi / 25.4), cv2.COLOR_BGR2GRAY)
    buf = io.BytesIO()
    if mode == "grey":
        g = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), sigma)
        g += np.random.default_rng(seed).normal(0, 1.5, g.shape).astype(np.float32)
        Image.fromarray(np.clip(g, 0, 255).astype(np.uint8)).save(buf, "PNG", dpi=(dpi, dpi))
        return buf.getvalue()
    bi = Image.fromarray(np.where(grey > 160, 255, 0).astype(np.uint8)).convert("1")
    if mode == "bilevel":
        bi.save(buf, "PNG", dpi=(dpi, dpi))
    elif mode == "g4":
        bi.save(buf, "TIFF", compression="group4", dpi=(dpi, dpi))
    else:
        raise ValueError(f"unknown scan mode {mode!r}")
    return buf.getvalue()
