"""Generated 住院病案首页 (front pages) with known values, photographed like a capture station's shot.

The form follows the national layout (卫医政发〔2011〕84号) in a reduced table: printed labels in cells, values
beside them (or below, for the operation table) in several fonts and inks, some slanted and uneven like
handwriting, a red stamp, then placed on a mat by bench.qc.generator.photograph (rotation, perspective, uneven
light, softness, sensor noise, JPEG). Everything is a pure function of the seed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import cv2
import numpy as np
from PIL import Image, ImageDraw

from app.frontpage.rules import FrontPageRow
from bench.qc.generator import MAT_COLOURS, PageSpec, _font, _handwriting, _stamp, encode_jpeg, photograph

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉力婷雪琴云峰海燕晨宇浩然思雨欣怡子涵"
DIAGNOSES = (
    ("急性阑尾炎", "K35.800"),
    ("社区获得性肺炎", "J18.900"),
    ("2型糖尿病", "E11.900"),
    ("原发性高血压", "I10.x00x002"),
    ("冠状动脉粥样硬化性心脏病", "I25.103"),
    ("胆囊结石伴慢性胆囊炎", "K80.100"),
    ("腰椎间盘突出", "M51.202"),
    ("脑梗死", "I63.900"),
    ("慢性阻塞性肺疾病", "J44.900"),
    ("乳腺恶性肿瘤", "C50.900"),
    ("股骨颈骨折", "S72.000"),
    ("子宫平滑肌瘤", "D25.900"),
    ("腹股沟斜疝", "K40.901"),
    ("甲状腺结节", "E04.101"),
    ("肾结石", "N20.000"),
)
OPERATIONS = (
    ("腹腔镜下阑尾切除术", "47.0100"),
    ("腹腔镜下胆囊切除术", "51.2300"),
    ("经皮冠状动脉支架置入术", "36.0600x001"),
    ("腰椎间盘切除术", "80.5100x001"),
    ("人工股骨头置换术", "81.5200"),
    ("乳腺改良根治术", "85.4300"),
    ("腹腔镜下子宫肌瘤切除术", "68.2901"),
    ("腹股沟疝修补术", "53.0000x002"),
    ("甲状腺部分切除术", "06.3900"),
    ("经尿道输尿管镜碎石术", "56.0x01"),
)
DEPTS = ("内科", "外科", "骨科", "妇科", "心内科", "普外科", "神经内科", "呼吸内科")
DATE_STYLES = ("iso", "cjk", "dot")
FONT_KINDS = 3  # Noto Sans, Noto Serif, Noto Sans Bold (bench.qc.generator.FONT_FILES)


# The values printed on a page: the same shape as an imported row (MRN, visit, name, date, diagnosis, operation).
FrontPageValues = FrontPageRow


def random_values(seed: int) -> FrontPageValues:
    """Plausible values for a front page (MRN of 6-10 digits, a name of two or three characters, ...)."""
    rng = np.random.default_rng(seed * 7 + 3)
    given = "".join(GIVEN[int(i)] for i in rng.integers(0, len(GIVEN), int(rng.integers(1, 3))))
    diagnosis = DIAGNOSES[int(rng.integers(0, len(DIAGNOSES)))]
    operation = OPERATIONS[int(rng.integers(0, len(OPERATIONS)))]
    return FrontPageValues(
        mrn=str(int(rng.integers(10**5, 10**10))).zfill(int(rng.integers(6, 11))),
        visit=int(rng.integers(1, 12)),
        name=SURNAMES[int(rng.integers(0, len(SURNAMES)))] + given,
        discharge_date=date(2018, 1, 1) + timedelta(days=int(rng.integers(0, 2500))),
        diagnosis=diagnosis[0],
        diagnosis_code=diagnosis[1],
        operation=operation[0],
        operation_code=operation[1],
    )


def differ(values: FrontPageValues, field: str, seed: int) -> FrontPageValues:
    """The same values with one field changed to another plausible value (an injected difference)."""
    other = random_values(seed + 100_003)
    if field == "mrn":
        digits = list(values.mrn)
        i = seed % len(digits)
        digits[i] = str((int(digits[i]) + 1 + seed % 8) % 10)
        return replace(values, mrn="".join(digits))
    if field == "name":
        name = other.name if other.name[0] != values.name[0] else SURNAMES[(SURNAMES.index(values.name[0]) + 1) % 50]
        return replace(values, name=name + values.name[1:] if len(name) == 1 else name)
    if field == "discharge_date":
        return replace(values, discharge_date=values.discharge_date + timedelta(days=1 + seed % 40))
    if field == "diagnosis":
        pick = [d for d in DIAGNOSES if d[0] != values.diagnosis][seed % (len(DIAGNOSES) - 1)]
        return replace(values, diagnosis=pick[0], diagnosis_code=pick[1])
    if field == "operation":
        pick = [o for o in OPERATIONS if o[0] != values.operation][seed % (len(OPERATIONS) - 1)]
        return replace(values, operation=pick[0], operation_code=pick[1])
    raise ValueError(field)


def _date_text(d: date, style: str) -> str:
    return {"iso": d.isoformat(), "cjk": f"{d.year}年{d.month}月{d.day}日", "dot": f"{d.year}.{d.month}.{d.day}"}[style]


def _value(pil: Image.Image, x: float, y: float, text: str, size: int, rng: np.random.Generator) -> None:
    """A filled-in value: a random font and ink; sometimes slanted and uneven, like careful handwriting."""
    font = _font(size, int(rng.integers(0, FONT_KINDS)))
    ink = (int(rng.uniform(10, 40)), int(rng.uniform(10, 50)), int(rng.uniform(10, 140)))  # black to blue-black
    if font is None:
        ImageDraw.Draw(pil).text((x, y), text, fill=ink)
        return
    if rng.random() < 0.35:  # hand-lettered: each character a little off its line, the run slanted
        layer = Image.new("L", (int(size * (len(text) + 2)), int(size * 2)), 0)
        d = ImageDraw.Draw(layer)
        cx = size * 0.3
        for ch in text:
            d.text((cx, size * 0.3 + rng.uniform(-0.08, 0.08) * size), ch, font=font, fill=255)
            cx += d.textlength(ch, font=font) * rng.uniform(0.95, 1.12)
        shear = float(rng.uniform(-0.18, 0.05))
        layer = layer.transform(
            layer.size, Image.Transform.AFFINE, (1, shear, -shear * size, 0, 1, 0), Image.Resampling.BILINEAR
        )
        pil.paste(Image.new("RGB", layer.size, ink), (int(x - size * 0.3), int(y - size * 0.3)), layer)
    else:
        ImageDraw.Draw(pil).text((x, y), text, font=font, fill=ink)


def render_form(values: FrontPageValues, seed: int, px_per_mm: float) -> np.ndarray:
    """The flat front page (BGR) with these values."""
    rng = np.random.default_rng(seed)
    w, h = int(210 * px_per_mm), int(297 * px_per_mm)
    tint = rng.uniform(235, 250)
    pil = Image.new("RGB", (w, h), (int(tint), int(tint - 3), int(tint - 8)))
    d = ImageDraw.Draw(pil)
    mm = px_per_mm
    label_font = _font(int(3.6 * mm), int(rng.integers(0, 2)))
    title_font = _font(int(7 * mm), 2)
    d.text((w / 2 - 3.2 * 7 * mm, 18 * mm), "住院病案首页", font=title_font, fill=20)
    d.text((20 * mm, 33 * mm), "医疗机构  第一人民医院", font=label_font, fill=30)
    x0, x1, y = 15 * mm, w - 15 * mm, 42 * mm
    rh = rng.uniform(11, 13) * mm
    size = int(rng.uniform(3.6, 4.4) * mm)
    lw = max(2, int(0.3 * mm))
    sex = "男" if rng.random() < 0.5 else "女"
    style = DATE_STYLES[int(rng.integers(0, len(DATE_STYLES)))]
    admitted = values.discharge_date - timedelta(days=int(rng.integers(2, 20)))
    stay = (values.discharge_date - admitted).days
    rows = [
        [("病案号", values.mrn, 0.30), ("住院次数", str(values.visit), 0.20)],
        [("姓名", values.name, 0.25), ("性别", sex, 0.10), ("年龄", str(int(rng.integers(18, 90))), 0.10)],
        [("入院日期", _date_text(admitted, style), 0.30), ("科别", DEPTS[int(rng.integers(0, len(DEPTS)))], 0.20)],
        [
            ("出院日期", _date_text(values.discharge_date, style), 0.30),
            ("实际住院", f"{stay}天", 0.20),
        ],
        [("主要诊断", values.diagnosis, 0.45), ("疾病编码", values.diagnosis_code, 0.20)],
    ]
    for cells in rows:
        d.line([(x0, y), (x1, y)], fill=30, width=lw)
        label_w = [(d.textlength(lb, font=label_font) + 4 * mm) for lb, _, _ in cells]
        free = (x1 - x0) - sum(label_w)
        x = x0
        for (label, value, share), lwidth in zip(cells, label_w, strict=True):
            d.line([(x, y), (x, y + rh)], fill=30, width=lw)
            d.text((x + 2 * mm, y + (rh - 3.6 * mm) / 2 - 0.5 * mm), label, font=label_font, fill=25)
            x += lwidth
            d.line([(x, y), (x, y + rh)], fill=30, width=lw)
            vw = free * share / sum(s for _, _, s in cells)
            _value(
                pil, x + rng.uniform(1.5, 4) * mm, y + (rh - size) / 2 + rng.uniform(-0.8, 0.3) * mm, value, size, rng
            )
            x += vw
        d.line([(x1, y), (x1, y + rh)], fill=30, width=lw)
        y += rh
    # The operation table: headings in one row, the main operation's values below them.
    heads = [("手术及操作编码", 0.22), ("手术及操作日期", 0.22), ("手术及操作名称", 0.56)]
    xs = [x0]
    for _, share in heads:
        xs.append(xs[-1] + (x1 - x0) * share)
    op_date = admitted + timedelta(days=1)
    op_values = [values.operation_code, _date_text(op_date, "iso"), values.operation]
    for r in range(3):
        d.line([(x0, y + r * rh), (x1, y + r * rh)], fill=30, width=lw)
    for x in xs:
        d.line([(x, y), (x, y + 2 * rh)], fill=30, width=lw)
    for (head, _), xa, value in zip(heads, xs[:-1], op_values, strict=True):
        d.text((xa + 2 * mm, y + (rh - 3.6 * mm) / 2), head, font=label_font, fill=25)
        _value(pil, xa + rng.uniform(1.5, 3) * mm, y + rh + (rh - size) / 2, value, size, rng)
    y += 2 * rh + 8 * mm
    for label in ("科主任", "主治医师", "住院医师", "编码员"):  # the signature line
        d.text((x0 + 2 * mm, y), label, font=label_font, fill=25)
        _handwriting(d, x0 + 22 * mm, y - 1 * mm, rng.uniform(15, 22) * mm, 6 * mm, rng, (20, 25, 120))
        x0 += 45 * mm
    img = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
    if rng.random() < 0.8:
        _stamp(img, w * rng.uniform(0.6, 0.8), h * rng.uniform(0.72, 0.85), rng.uniform(16, 20) * mm, rng)
    return img


def photo_spec(seed: int, unreadable: bool = False, frame_wh: tuple[int, int] = (4000, 3000)) -> PageSpec:
    """How the page is photographed: ±4° rotation, a little perspective, uneven light, noise; unreadable=True
    gives a badly defocused, dim shot that no reader can read."""
    rng = np.random.default_rng(seed * 13 + 5)
    spec = PageSpec(
        seed=seed,
        layout="form",
        frame_wh=frame_wh,
        angle_deg=float(rng.uniform(-4, 4)),
        perspective=float(rng.uniform(0.0, 0.012)),
        page_fill=float(rng.uniform(0.88, 0.95)),
        intrinsic_sigma=float(rng.uniform(0.4, 0.8)),
        gain=float(rng.uniform(0.92, 1.05)),
        light_falloff=float(rng.uniform(0.05, 0.2)),
        noise=float(rng.uniform(1.0, 3.0)),
        jpeg_quality=int(rng.integers(82, 95)),
        mat_bgr=MAT_COLOURS[int(rng.integers(0, len(MAT_COLOURS)))],
    )
    if unreadable:
        spec = replace(spec, gauss_sigma=14.0, gain=0.45, noise=6.0)
    return spec


def front_page_jpeg(
    values: FrontPageValues, seed: int, unreadable: bool = False, frame_wh: tuple[int, int] = (4000, 3000)
) -> tuple[bytes, float]:
    """A photographed front page as JPEG bytes, and its true skew (CCW degrees)."""
    spec = photo_spec(seed, unreadable, frame_wh)
    px_per_mm = spec.page_fill * spec.frame_wh[1] / 297
    paper = render_form(values, seed, px_per_mm)
    img, truth = photograph(paper, spec)
    return encode_jpeg(img, spec.jpeg_quality), truth.skew_deg
