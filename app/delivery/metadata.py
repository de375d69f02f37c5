"""Process metadata of a delivery package (issue 16; DA/T 31-2017 §4, elements after ISO/TR 13028): per page and
per package, as CSV (UTF-8 with a BOM, Chinese headings for Excel) and XML, written as BagIt tag files under
`metadata/` so that the tag manifest covers them. The element names are documented in the README.
"""

import json
from pathlib import Path
from xml.sax.saxutils import escape

from sqlmodel import Session, col, select

from app import __version__
from app.acceptance.models import LotPage
from app.accounts.models import Station
from app.delivery.contents import MASTERS_DIR, Contents
from app.delivery.models import DeliveryRecord
from app.delivery.package import _csv_line, _HashingFile
from app.fleet.models import StationStatus
from app.pages.models import Page, PageImage, ProcessedImage
from app.projects.models import Project

METADATA_DIR = "metadata"
PAGES_NAME, PACKAGE_NAME = "process-pages", "package"
XMLNS = "urn:folio:process-metadata:1"

# (XML element, CSV heading): one line per page. README, "Process metadata", maps each to DA/T 31-2017 §4.
PAGE_FIELDS = (
    ("mrn", "病案号"),
    ("visit", "住院次数"),
    ("page_number", "页码"),
    ("segment", "分段"),
    ("master_file", "原始图像文件"),
    ("master_sha256", "原始图像SHA-256"),
    ("master_format", "原始图像格式"),
    ("master_width_px", "原始图像宽度(像素)"),
    ("master_height_px", "原始图像高度(像素)"),
    ("processed_file", "处理后图像文件"),
    ("processed_sha256", "处理后图像SHA-256"),
    ("format", "处理后图像格式"),
    ("width_px", "处理后图像宽度(像素)"),
    ("height_px", "处理后图像高度(像素)"),
    ("dpi_measured", "测得分辨率(dpi)"),
    ("dpi_written", "写入分辨率(dpi)"),
    ("colour_mode", "色彩模式"),
    ("bit_depth", "位深度"),
    ("icc", "色彩配置文件"),
    ("captured_at", "拍摄时间(UTC)"),
    ("operator_id", "操作员编号"),
    ("station_id", "工位编号"),
    ("qc_verdict", "质检结论"),
    ("qc_metrics", "质检指标"),
    ("processing_steps", "处理步骤及参数"),
    ("needs_look", "需人工复核"),
    ("reshoot_count", "补拍次数"),
)
PACKAGE_FIELDS = (
    ("project_code", "项目编号"),
    ("project_name", "项目名称"),
    ("vendor", "数字化服务商"),
    ("start_date", "项目开始日期"),
    ("target_pages", "目标页数"),
    ("unit_price_yuan", "单价(元/页)"),
    ("price_cap_yuan", "合同总价上限(元)"),
    ("sample_rate", "抽检比例"),
    ("pass_rate", "合格率要求"),
    ("software", "软件及版本"),
    ("qc_profile", "质检配置"),
    ("delivery_profile", "移交配置"),
    ("processing_fingerprint", "处理参数指纹"),
    ("stations", "拍摄工位及设备"),
    ("records", "病案数"),
    ("pages", "页数"),
)


# DA/T 31-2017 §9.4 wants the resolution recorded: a page with no outline to measure it by and no dpi stated in
# its source file says so in words instead of an empty field (no dpi is invented; the file states none).
NOT_MEASURED = "not measured"


def _master_dpi(metrics: dict) -> object:
    """A master's resolution (masters-only packages: the file as shot): the one its file states, or the project's
    fixed stand's (measured once for the camera, qc Profile.stand_dpi), else NOT_MEASURED (an outline's estimate
    from an assumed paper size is not recorded)."""
    known = not metrics.get("dpi_from_page") or metrics.get("dpi_source") == "stand"
    return metrics.get("dpi") if metrics.get("dpi") and known else NOT_MEASURED


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class MetadataFile:
    """One table written as CSV and XML side by side, row by row (millions of pages do not fit in memory)."""

    def __init__(self, root: Path, name: str, fields: tuple[tuple[str, str], ...], element: str) -> None:
        self.fields, self.element = fields, element
        self.csv = _HashingFile(root / METADATA_DIR / f"{name}.csv")
        self.csv.write(("\ufeff" + _csv_line(h for _, h in fields)).encode("utf-8"))
        self.xml = _HashingFile(root / METADATA_DIR / f"{name}.xml")
        self.xml.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<processMetadata xmlns="{XMLNS}">\n'.encode())

    def add(self, row: dict[str, object]) -> None:
        """One line: values by element name."""
        self.csv.write(_csv_line(_text(row.get(k)) for k, _ in self.fields).encode("utf-8"))
        cells = "".join(f"<{k}>{escape(_text(row.get(k)))}</{k}>" for k, _ in self.fields)
        self.xml.write(f"  <{self.element}>{cells}</{self.element}>\n".encode())

    def close(self) -> list[tuple[str, str, int]]:
        """Finish both files; (path from the bag's root, sha256, bytes) of each, for the tag manifest."""
        self.xml.write(b"</processMetadata>\n")
        out = []
        for f in (self.csv, self.xml):
            digest, size = f.close()
            out.append((f"{METADATA_DIR}/{f.path.name}", digest, size))
        return out


def _role(path: str, contents: Contents) -> str:
    """Whether a page file of the package is its processed copy or its master: masters/ holds masters, images/
    holds processed copies unless the package holds masters only."""
    if path.startswith(f"{MASTERS_DIR}/") or not contents.processed:
        return "master"
    return "processed"


def page_rows(session: Session, item: DeliveryRecord, mrn: str, visit: int, contents: Contents) -> list[dict]:
    """The process metadata of a delivered record's pages, in page order."""
    # Each page's own files, by page number and role (never by SHA-256: two pages may hold the same bytes).
    paths: dict[tuple[int, str], str] = {}
    for path, _, _, page, _ in item.files or []:
        if page is not None:
            paths[(page, _role(path, contents))] = path
    segments = {page: seg for _, _, _, page, seg in item.files or [] if page is not None}
    rows = session.exec(
        select(Page, PageImage)
        .join(LotPage, col(LotPage.page_id) == col(Page.id))
        .join(PageImage, col(PageImage.id) == col(LotPage.image_id))
        .where(LotPage.round_id == item.round_id, LotPage.record_id == item.record_id)
        .order_by(col(Page.page_number))
    ).all()
    out = []
    for page, image in rows:
        copy = None
        if contents.fingerprint:
            copy = session.exec(
                select(ProcessedImage).where(
                    ProcessedImage.image_id == image.id, ProcessedImage.fingerprint == contents.fingerprint
                )
            ).first()
        metrics = dict(image.qc_metrics or {})
        out.append(
            {
                "mrn": mrn,
                "visit": visit,
                "page_number": page.page_number,
                "segment": segments.get(page.page_number, ""),
                "master_file": paths.get((page.page_number, "master"), ""),
                "master_sha256": image.sha256,
                "master_format": image.media_type,
                "master_width_px": image.width,
                "master_height_px": image.height,
                "processed_file": paths.get((page.page_number, "processed"), "") if copy else "",
                "processed_sha256": copy.sha256 if copy else "",
                "format": copy.media_type if copy else image.media_type,
                "width_px": copy.width if copy else image.width,
                "height_px": copy.height if copy else image.height,
                "dpi_measured": metrics.get("dpi") or NOT_MEASURED,
                "dpi_written": (copy.dpi or NOT_MEASURED) if copy else _master_dpi(metrics),
                "colour_mode": copy.colour_mode if copy else "",
                "bit_depth": copy.bit_depth if copy else 8,
                "icc": copy.icc if copy else "",
                "captured_at": image.captured_at,
                "operator_id": image.operator_id,
                "station_id": image.station_id,
                "qc_verdict": "pass" if image.qc_passed else "fail",
                "qc_metrics": metrics,
                "processing_steps": copy.steps if copy else [],
                "needs_look": copy.needs_look if copy else False,
                "reshoot_count": max(0, page.image_count - 1),
            }
        )
    return out


def package_row(session: Session, project: Project, contents: Contents, records: int, pages: int) -> dict:
    """The package's own line: project, contract terms, software, profiles and the stations' equipment."""
    stations = session.exec(
        select(Station, StationStatus)
        .outerjoin(StationStatus, col(StationStatus.station_id) == col(Station.id))
        .where(Station.project_id == project.id)
        .order_by(col(Station.id))
    ).all()
    return {
        "project_code": project.code,
        "project_name": project.name,
        "vendor": project.vendor or "",
        "start_date": project.start_date,
        "target_pages": project.target_pages,
        "unit_price_yuan": project.unit_price,
        "price_cap_yuan": project.price_cap,
        "sample_rate": project.sample_rate,
        "pass_rate": project.pass_rate,
        "software": f"Folio {__version__}",
        "qc_profile": project.qc_profile or {"name": "default"},
        "delivery_profile": contents.profile.to_dict(),
        "processing_fingerprint": contents.fingerprint or "",
        "stations": [
            {
                "id": st.id,
                "name": st.name,
                "software": status.version if status else "",
                "source": status.source if status else "",
            }
            for st, status in stations
        ],
        "records": records,
        "pages": pages,
    }
