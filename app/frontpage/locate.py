"""Finding the front-page fields in OCR text by their printed labels (pure: text boxes in, field readings out).

The labels are those of the national 住院病案首页 form (卫医政发〔2011〕84号) and its local variants: 病案号,
住院次数 (or "第 N 次住院"), 姓名, 出院日期 (出院时间), 主要诊断 (with 疾病编码), 手术及操作名称 (with
手术及操作编码). A value sits in the label's own box after it ("姓名：张三"), in the next box to the right on the same
line (a table cell beside the label), or in the box just below it (a table heading with its cell below).
"""

import re
import unicodedata
from dataclasses import dataclass

# Field → its labels, longest first within a field (so 手术及操作名称 is not read as 手术及操作).
LABELS: dict[str, tuple[str, ...]] = {
    "mrn": ("病案号", "住院号", "病历号"),
    "visit": ("住院次数", "入院次数"),
    "name": ("姓名",),
    "discharge_date": ("出院日期", "出院时间"),
    "diagnosis": ("出院主要诊断", "主要诊断"),
    "diagnosis_code": ("疾病编码", "主要诊断编码"),
    "operation": ("手术及操作名称", "主要手术及操作名称", "手术操作名称", "主要手术"),
    "operation_code": ("手术及操作编码", "手术操作编码"),
}
FIELDS = tuple(LABELS)
# Any printed label of the form: a box holding one of these (alone) is a label, never a value.
OTHER_LABELS = (
    "性别",
    "年龄",
    "出生日期",
    "入院日期",
    "入院时间",
    "科别",
    "科室",
    "床号",
    "病房",
    "身份证号",
    "医疗付费方式",
    "职业",
    "婚姻",
    "民族",
    "国籍",
    "入院途径",
    "转科科别",
    "实际住院",
    "天",
    "手术及操作日期",
    "入院病情",
    "其他诊断",
    "门(急)诊诊断",
    "住院病案首页",
    "医师",
    "签名",
    "编码员",
)
_VISIT_INLINE = re.compile(r"第\s*(\d{1,3})\s*次住院")
_SEPARATORS = " :：·.、_—-"


@dataclass(frozen=True)
class TextBox:
    """One line of OCR text: its corners (x, y pixels, clockwise from top left) and the engine's confidence 0-1."""

    text: str
    box: tuple[tuple[float, float], ...]
    score: float

    @property
    def left(self) -> float:  # noqa: D102
        return min(p[0] for p in self.box)

    @property
    def right(self) -> float:  # noqa: D102
        return max(p[0] for p in self.box)

    @property
    def top(self) -> float:  # noqa: D102
        return min(p[1] for p in self.box)

    @property
    def bottom(self) -> float:  # noqa: D102
        return max(p[1] for p in self.box)

    @property
    def height(self) -> float:  # noqa: D102
        return max(1.0, self.bottom - self.top)


@dataclass(frozen=True)
class FieldReading:
    """What the page says for one field: the text, where (x0, y0, x1, y1 in the read image) and how sure (0-1)."""

    value: str
    box: tuple[int, int, int, int]
    score: float

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"value": self.value, "box": list(self.box), "score": round(self.score, 3)}


def squeeze(text: str) -> str:
    """NFKC, without spaces: the form the labels are matched in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


_ALL_LABELS = sorted({label for labels in LABELS.values() for label in labels}, key=len, reverse=True)
_LONG_LABELS = tuple(label for label in (*_ALL_LABELS, *OTHER_LABELS) if len(label) >= 4)


def _is_label(text: str) -> bool:
    """The text is a printed label: exactly, or a label of four characters or more with one misread (入院日期 read
    as 人院日期 under an unread name: bench/frontpage_ocr.py --seed 2000, page 2006); never a field's value."""
    t = squeeze(text).strip(_SEPARATORS)
    if t in _ALL_LABELS or t in OTHER_LABELS:
        return True
    same_length = (label for label in _LONG_LABELS if len(label) == len(t))
    return any(sum(a != b for a, b in zip(t, label, strict=True)) == 1 for label in same_length)


def _starts_with_label(text: str, label: str) -> str | None:
    """The text after the label when the box begins with it (and with no longer label), else None."""
    t = squeeze(text)
    if next((lb for lb in _ALL_LABELS if t.startswith(lb)), None) != label:
        return None
    return t[len(label) :].strip(_SEPARATORS)


def _rect(boxes: list[TextBox]) -> tuple[int, int, int, int]:
    return (
        int(min(b.left for b in boxes)),
        int(min(b.top for b in boxes)),
        int(max(b.right for b in boxes)),
        int(max(b.bottom for b in boxes)),
    )


def _same_line(a: TextBox, b: TextBox) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap >= 0.5 * min(a.height, b.height)


def _beside(label: TextBox, boxes: list[TextBox], taken: set[int]) -> TextBox | None:
    """The nearest free box to the right on the label's line, within eight line heights."""
    right = [
        b
        for b in boxes
        if b is not label
        and id(b) not in taken
        and _same_line(label, b)
        and b.left >= label.right - label.height * 0.3
        and b.left - label.right <= 8 * label.height
    ]
    return min(right, key=lambda b: b.left, default=None)


def _labelled(value: TextBox, boxes: list[TextBox]) -> bool:
    """True when a printed label sits just left of the box on its line: it is that label's value (a form row
    below a label whose own cell is empty, e.g. 性别 | 女 under 住院次数 | ␣)."""
    return any(
        _is_label(b.text)
        and _same_line(b, value)
        and b.right <= value.left + value.height * 0.3
        and value.left - b.right <= 8 * value.height
        for b in boxes
        if b is not value
    )


def _below(label: TextBox, boxes: list[TextBox], taken: set[int]) -> TextBox | None:
    """The nearest free box below, within three line heights, that shares some of the label's columns (a table
    heading's cell): the highest one, then the one overlapping the label most."""

    def overlap(b: TextBox) -> float:
        return min(b.right, label.right) - max(b.left, label.left)

    under = [
        b
        for b in boxes
        if b is not label
        and id(b) not in taken
        and b.top >= label.bottom - label.height * 0.3
        and b.top - label.bottom <= 3 * label.height
        and overlap(b) > 0
        and not _labelled(b, boxes)
    ]
    return min(under, key=lambda b: (round(b.top / label.height), -overlap(b)), default=None)


def _find(boxes: list[TextBox], labels: tuple[str, ...], taken: set[int]) -> FieldReading | None:
    for label in labels:
        for box in boxes:
            if id(box) in taken:
                continue
            rest = _starts_with_label(box.text, label)
            if rest is None:
                continue
            if rest and not _is_label(rest):
                taken.add(id(box))
                return FieldReading(rest, _rect([box]), box.score)
            for neighbour in (_beside(box, boxes, taken), _below(box, boxes, taken)):
                if neighbour is not None and not _is_label(neighbour.text):
                    taken.update({id(box), id(neighbour)})
                    return FieldReading(neighbour.text.strip(_SEPARATORS), _rect([neighbour]), neighbour.score)
            taken.add(id(box))
            return FieldReading("", _rect([box]), 0.0)  # the label is there, its value is not (empty or unread)
    return None


def locate(boxes: list[TextBox]) -> dict[str, FieldReading]:
    """The fields found on a page, by label: field name (LABELS) → reading; a field whose label is not on the page
    is left out. Longer labels are looked for first, so a cell is given to one field only."""
    taken: set[int] = set()
    out: dict[str, FieldReading] = {}
    order = sorted(FIELDS, key=lambda f: -max(len(label) for label in LABELS[f]))
    for name in order:
        found = _find(boxes, LABELS[name], taken)
        if found is not None:
            out[name] = found
    if "visit" not in out:
        for box in boxes:
            match = _VISIT_INLINE.search(squeeze(box.text))
            if match:
                out["visit"] = FieldReading(match.group(1), _rect([box]), box.score)
                break
    return out
