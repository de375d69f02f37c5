"""Writing a delivery package on disk: each record's images and lossless PDF, the indexes, and the BagIt files.

No database here: the runner hands in plans and keeps what comes back. Every file is written to a temporary
name, fsynced and renamed, so a file under its final name is always complete.
"""

import csv
import hashlib
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import img2pdf

from app.core.exports import export_row
from app.delivery.pdfa import jp2_for_img2pdf, pdf_a2b, with_icc_images
from qc.errors import QCInputError
from qc.renditions import pdf_image

BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
INDEX_DIR = "index"
FRONTPAGE_CSV, FRONTPAGE_XLSX, PAGES_CSV = "frontpage.csv", "frontpage.xlsx", "pages.csv"
PDF_DIR = "pdf"
IMAGES_DIR = "images"
JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"


class PackageError(Exception):
    """A file cannot be written as it must be (missing or altered source image, image not embeddable): `code` and
    `params` for the export page's words (app.delivery.failures.FAILURE_MESSAGES), the message for the log."""

    def __init__(self, message: str, *, code: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class PlannedImage:
    """One page image to copy: its path under data/, the digest it must have, and where the store keeps it."""

    path: str
    sha256: str
    source: Path
    page_number: int
    segment: str
    in_pdf: bool = True  # the record's PDF is built from these (the processed pages when the package has them)


@dataclass(frozen=True)
class PlannedRecord:
    """A record's images in page order and the path of its PDF under data/."""

    record_id: int
    label: str
    images: list[PlannedImage]
    pdf_path: str
    pdfa: bool = False  # the PDF is made PDF/A-2b (app.delivery.pdfa; the delivery profile's pdfa)


@dataclass(frozen=True)
class WrittenRecord:
    """What was written for a record: each payload file as (path under data/, sha256, bytes)."""

    record_id: int
    files: list[tuple[str, str, int]]
    pdf_sha256: str
    pdf_bytes: int
    image_bytes: int


def write_atomic(path: Path, data: bytes, *, fsync: bool = True) -> None:
    """Write bytes under a temporary name, fsync, then rename: the final name never holds a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        if fsync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_record(root: Path, plan: PlannedRecord, *, fsync: bool = True) -> WrittenRecord:
    """Copy the record's images (checking each digest) and write its multi-page PDF from the same bytes.

    Everything is read and the PDF built before the first file is written: a record that fails (PackageError)
    leaves nothing of itself in the package.
    """
    blobs: list[bytes] = []
    for image in plan.images:
        try:
            blob = image.source.read_bytes()
        except OSError as exc:
            raise PackageError(
                f"record {plan.label} page {image.page_number}: image file missing ({exc})",
                code="image_missing",
                page=image.page_number,
            ) from exc
        if hashlib.sha256(blob).hexdigest() != image.sha256:
            raise PackageError(
                f"record {plan.label} page {image.page_number}: stored image does not match its digest",
                code="image_altered",
                page=image.page_number,
            )
        blobs.append(blob)
    pdf = record_pdf(plan, blobs)
    data_dir = root / "data"
    files: list[tuple[str, str, int]] = []
    for image, blob in zip(plan.images, blobs, strict=True):
        write_atomic(data_dir / image.path, blob, fsync=fsync)
        files.append((image.path, image.sha256, len(blob)))
    pdf_digest = hashlib.sha256(pdf).hexdigest()
    write_atomic(data_dir / plan.pdf_path, pdf, fsync=fsync)
    files.append((plan.pdf_path, pdf_digest, len(pdf)))
    return WrittenRecord(plan.record_id, files, pdf_digest, len(pdf), sum(len(b) for b in blobs))


def record_pdf(plan: PlannedRecord, blobs: list[bytes]) -> bytes:
    """One PDF page per image, upright, from what the image policy (qc.renditions.pdf_image) says to embed; a
    JPEG 2000 page as it is, its ICC profile as the image's colour space; PDF/A-2b when the plan says so."""
    pages, iccs = [], []
    for image, blob in zip(plan.images, blobs, strict=True):
        if not image.in_pdf:
            continue
        if blob[:12] == JP2_SIGNATURE:  # JPEG 2000 (issue 16): img2pdf embeds it as it is
            blob, icc = jp2_for_img2pdf(blob)
            pages.append(blob)
            iccs.append(icc)
            continue
        try:
            pages.append(pdf_image(blob))
            iccs.append(None)
        except QCInputError as exc:
            raise PackageError(
                f"record {plan.label} page {image.page_number}: {exc.code}: {exc.message}",
                code="image_not_embeddable",
                page=image.page_number,
            ) from exc
    try:
        pdf = img2pdf.convert(pages, title=plan.label, producer="Folio", nodate=True, rotation=img2pdf.Rotation.ifvalid)
        pdf = with_icc_images(pdf, iccs)
        return pdf_a2b(pdf, plan.label) if plan.pdfa else pdf
    except Exception as exc:  # noqa: BLE001 - img2pdf raises several types; each one means "not embeddable"
        raise PackageError(
            f"record {plan.label}: the images cannot be put in a PDF ({exc})", code="pdf_failed"
        ) from exc


FRONTPAGE_COLUMNS = (
    "病案号 MRN",
    "住院次数 Visit",
    "姓名 Name",
    "出院日期 Discharge date",
    "主要诊断 Main diagnosis",
    "主要诊断编码 ICD-10",
    "主要手术 Operation",
    "手术编码 ICD-9-CM-3",
    "页数 Pages",
    "PDF",
)
PAGES_COLUMNS = ("病案号 MRN", "住院次数 Visit", "页码 Page", "分段 Segment", "文件 File", "SHA-256")


@dataclass(frozen=True)
class IndexRow:
    """A record's line in the front-page index."""

    mrn: str
    visit: int
    name: str
    discharge_date: date | None
    diagnosis: str
    diagnosis_code: str
    operation: str
    operation_code: str
    pages: int
    pdf: str

    def cells(self) -> list:
        """The values in column order."""
        return [
            self.mrn,
            self.visit,
            self.name,
            self.discharge_date,
            self.diagnosis,
            self.diagnosis_code,
            self.operation,
            self.operation_code,
            self.pages,
            self.pdf,
        ]


def _cell(value: object) -> object:
    return "" if value is None else (value.isoformat() if isinstance(value, date) else value)


class _HashingFile:
    """A file written under a temporary name while its SHA-256 and size are counted; renamed on close."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.tmp = path, path.with_name(f".{path.name}.part")
        self.fh = open(self.tmp, "wb")  # noqa: SIM115  (closed in close())
        self.digest, self.size = hashlib.sha256(), 0

    def write(self, blob: bytes) -> None:
        self.fh.write(blob)
        self.digest.update(blob)
        self.size += len(blob)

    def close(self) -> tuple[str, int]:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.path)
        return self.digest.hexdigest(), self.size


class PageIndex:
    """data/index/pages.csv, written row by row (millions of pages do not fit in memory at once)."""

    rel = f"{INDEX_DIR}/{PAGES_CSV}"

    def __init__(self, root: Path) -> None:
        self.file = _HashingFile(root / "data" / self.rel)
        self.file.write(("\ufeff" + _csv_line(PAGES_COLUMNS)).encode("utf-8"))

    def add(self, mrn: str, visit: int, page: int, segment: str, path: str, sha256: str) -> None:
        """One page's line."""
        self.file.write(_csv_line([mrn, visit, page, segment, path, sha256]).encode("utf-8"))

    def close(self) -> tuple[str, str, int]:
        """Finish the file; returns it as a payload file (path under data/, sha256, bytes)."""
        digest, size = self.file.close()
        return self.rel, digest, size


def _csv_line(values: Iterable[object]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out).writerow(export_row(_cell(v) for v in values))
    return out.getvalue()


def write_front_page_index(root: Path, rows: list[IndexRow]) -> list[tuple[str, str, int]]:
    """Write the front-page index as CSV (UTF-8 with a BOM, for Excel) and XLSX; returns them as payload files."""
    from openpyxl import Workbook

    text = "\ufeff" + _csv_line(FRONTPAGE_COLUMNS) + "".join(_csv_line(r.cells()) for r in rows)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("首页 Front pages")
    sheet.append(list(FRONTPAGE_COLUMNS))
    for r in rows:
        sheet.append(export_row(r.cells(), sheet))
    buffer = io.BytesIO()
    book.save(buffer)
    written = []
    for rel, blob in (
        (f"{INDEX_DIR}/{FRONTPAGE_CSV}", text.encode("utf-8")),
        (f"{INDEX_DIR}/{FRONTPAGE_XLSX}", buffer.getvalue()),
    ):
        write_atomic(root / "data" / rel, blob)
        written.append((rel, hashlib.sha256(blob).hexdigest(), len(blob)))
    return written


def manifest_path(rel: str) -> str:
    """A payload path as a BagIt manifest writes it (RFC 8493 §2.1.3: %, CR and LF percent-encoded)."""
    return "data/" + rel.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


class BagWriter:
    """The payload manifest, written line by line, then bagit.txt, bag-info.txt and the tag manifest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest = _HashingFile(root / MANIFEST)
        self.octets = self.count = 0

    def add(self, rel: str, sha256: str, size: int) -> None:
        """One payload file (path under data/)."""
        self.manifest.write(f"{sha256}  {manifest_path(rel)}\n".encode())
        self.octets, self.count = self.octets + size, self.count + 1

    def finish(self, info: dict[str, str], tag_files: Iterable[tuple[str, str, int]] = ()) -> str:
        """Write the tag files; returns the SHA-256 of the payload manifest (the package's fingerprint).

        tag_files: other tag files already written (path from the bag's root, sha256, bytes), such as the process
        metadata; the tag manifest covers them too."""
        manifest_sha, _ = self.manifest.close()
        bag_info = "".join(f"{k}: {v}\n" for k, v in {**info, "Payload-Oxum": f"{self.octets}.{self.count}"}.items())
        tags = {"bagit.txt": BAGIT_TXT.encode("utf-8"), "bag-info.txt": bag_info.encode("utf-8")}
        for name, blob in tags.items():
            write_atomic(self.root / name, blob)
        digests = {name: hashlib.sha256(blob).hexdigest() for name, blob in tags.items()}
        digests[MANIFEST] = manifest_sha
        digests.update({name: sha for name, sha, _ in tag_files})
        lines = "".join(f"{digests[name]}  {name}\n" for name in sorted(digests))
        write_atomic(self.root / TAGMANIFEST, lines.encode("utf-8"))
        return manifest_sha
