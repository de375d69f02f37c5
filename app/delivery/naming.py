"""Pure rules of segments and naming: the default segment list, the template, and each page's segment.

A station marks the page that *starts* a segment (Page.segment); the pages after it belong to that segment
until the next mark. A mark names a segment of the project's list, or gives its number (1 = the first).
"""

import re
import string
from dataclasses import dataclass

DEFAULT_SEGMENTS = ("首页", "入院记录", "病程记录", "手术记录", "医嘱单", "检查检验报告", "护理记录", "其他")
DEFAULT_TEMPLATE = "{mrn}_{visit}/{segment_no}_{segment}/{mrn}_{visit}_{page:04d}.jpg"
TEMPLATE_FIELDS = {
    "mrn": "00123456",
    "visit": 2,
    "segment_no": "01",
    "segment": "首页",
    "page": 1,
    "segment_page": 1,
}
REQUIRED_FIELDS = ("mrn", "visit", "page")
_FIELD_LIST = ", ".join("{" + k + "}" for k in TEMPLATE_FIELDS)
MAX_SEGMENTS = 40
# Characters that Windows, macOS or a USB disk's file system refuse in a name.
_BAD_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif", "image/jp2": ".jp2"}
_SAME_TYPE = {".jpg": {".jpg", ".jpeg"}, ".tif": {".tif", ".tiff"}}


class NamingError(ValueError):
    """A segment list or template that cannot name files safely: a stable `code` per reason, `params` for the
    screen's words (app.delivery.labels.NAMING_MESSAGES), the English message for logs and API clients."""

    def __init__(self, message: str, code: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def check_segments(names: list[str]) -> list[str]:
    """The segment list, trimmed; refused when empty, too long, duplicated or unfit for a folder name."""
    cleaned = [n.strip() for n in names if n.strip()]
    if not cleaned:
        raise NamingError("give at least one segment", "no_segments")
    if len(cleaned) > MAX_SEGMENTS:
        raise NamingError(f"at most {MAX_SEGMENTS} segments", "too_many_segments", max=MAX_SEGMENTS)
    seen: set[str] = set()
    for name in cleaned:
        if len(name) > 40:
            raise NamingError(f"segment name {name!r} is longer than 40 characters", "segment_too_long", name=name)
        if _BAD_NAME.search(name) or name in (".", "..") or name.isdigit():
            raise NamingError(
                f'segment name {name!r} cannot be a folder name (no / \\ : * ? " < > |, not a number)',
                "segment_bad_name",
                name=name,
            )
        if name in seen:
            raise NamingError(f"segment {name!r} is listed twice", "segment_twice", name=name)
        seen.add(name)
    return cleaned


def check_template(template: str) -> str:
    """The template, trimmed; refused unless it names every page of every record apart, inside the package."""
    template = template.strip()
    if not template or len(template) > 300:
        raise NamingError("the template is empty or longer than 300 characters", "template_length")
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise NamingError(f"the template is not well formed: {exc}", "template_malformed") from exc
    unknown = sorted(f for f in fields if f.split(".")[0].split("[")[0] not in TEMPLATE_FIELDS or f != f.strip())
    if unknown or any(not f for f in fields):
        raise NamingError(
            f"unknown fields {unknown or ['{}']}; use {_FIELD_LIST}",
            "template_unknown_fields",
            fields=", ".join("{" + f + "}" for f in unknown or [""]),
            known=_FIELD_LIST,
        )
    missing = [f for f in REQUIRED_FIELDS if f not in fields]
    if missing:
        raise NamingError(
            f"the template must contain {', '.join('{' + m + '}' for m in missing)}",
            "template_missing_fields",
            fields=", ".join("{" + m + "}" for m in missing),
        )
    try:
        sample = template.format(**TEMPLATE_FIELDS)
    except (ValueError, KeyError, IndexError, AttributeError) as exc:
        raise NamingError(f"the template cannot be filled in: {exc}", "template_unfillable") from exc
    parts = sample.split("/")
    if template.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in sample:
        raise NamingError(
            "the template must be a relative path without empty, '.' or '..' parts", "template_not_relative"
        )
    if any(_BAD_NAME.search(p) for p in parts):
        raise NamingError('file and folder names cannot contain \\ : * ? " < > |', "template_bad_characters")
    if not re.search(r"\.[A-Za-z0-9]{2,4}$", sample):
        raise NamingError("the file name must end with an extension such as .jpg", "template_no_extension")
    return template


def resolve_mark(mark: str | None, segments: list[str]) -> int | None:
    """The 0-based index in the list of a segment mark (a name, or a number from 1), or None if it is neither."""
    if mark is None:
        return None
    mark = mark.strip()
    if mark in segments:
        return segments.index(mark)
    if mark.isdigit() and 1 <= int(mark) <= len(segments):
        return int(mark) - 1
    return None


@dataclass(frozen=True)
class PageSegment:
    """A page's segment, as resolved from the marks: index in the list (None: unsegmented) and position in it."""

    page_number: int
    mark: str | None
    segment_index: int | None
    segment_page: int
    problem: str | None  # "unknown_mark" | "before_first_mark" | None


def page_segments(pages: list[tuple[int, str | None]], segments: list[str]) -> list[PageSegment]:
    """Each page's segment from (page number, mark) pairs in page order."""
    result: list[PageSegment] = []
    current: int | None = None
    unknown = False
    in_segment = 0
    for number, mark in sorted(pages):
        if mark is not None and mark.strip():
            index = resolve_mark(mark, segments)
            current, unknown, in_segment = index, index is None, 0
        in_segment += 1
        problem = "unknown_mark" if unknown else ("before_first_mark" if current is None else None)
        result.append(PageSegment(number, mark, current, in_segment, problem))
    return result


def extension_for(media_type: str) -> str:
    """The file extension of an image type."""
    return EXTENSIONS.get(media_type, ".bin")


def page_path(template: str, *, mrn: str, visit: int, segments: list[str], seg: PageSegment, media_type: str) -> str:
    """The page's path in the image library; the template's extension gives way to the image's real type."""
    assert seg.segment_index is not None
    path = template.format(
        mrn=mrn,
        visit=visit,
        segment_no=f"{seg.segment_index + 1:02d}",
        segment=segments[seg.segment_index],
        page=seg.page_number,
        segment_page=seg.segment_page,
    )
    stem, _, ext = path.rpartition(".")
    wanted = extension_for(media_type)
    if "." + ext.lower() not in _SAME_TYPE.get(wanted, {wanted}):
        path = f"{stem}{wanted}"
    return path
