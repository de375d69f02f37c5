"""`folio delivery verify PATH`: is a delivery package complete and intact?

BagIt (RFC 8493): bagit.txt, every manifest entry present with its SHA-256, no file outside the manifest,
Payload-Oxum, the tag manifest. Then Folio's own promises: each record of the front-page index has its PDF,
the page index lists every image once, and each PDF has as many pages as the record has images.
"""

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from app.delivery.package import FRONTPAGE_CSV, INDEX_DIR, MANIFEST, PAGES_CSV, TAGMANIFEST

_READ = 4 * 1024 * 1024


@dataclass
class Report:
    """The verdict on a package: what was checked and every problem found."""

    path: Path
    files: int = 0
    bytes: int = 0
    records: int = 0
    pages: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(path: Path, report: Report) -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, rel = line.partition(" ")
        rel = unquote(rel.strip()) if "%" in rel else rel.strip()
        if len(digest) != 64 or not rel:
            report.problems.append(f"{path.name} line {number} is malformed")
            continue
        if rel in entries:
            report.problems.append(f"{path.name} lists {rel} twice")
        entries[rel] = digest.lower()
    return entries


def verify_package(
    path: Path, *, threads: int = 4, on_file: Callable[[int, int], None] | None = None, check_pdfs: bool = True
) -> Report:
    """Check a package folder; on_file(done, total) is called as files are hashed."""
    report = Report(Path(path))
    root = Path(path)
    if not (root / "bagit.txt").is_file():
        report.problems.append("bagit.txt is missing: this is not a BagIt bag")
        return report
    declaration = (root / "bagit.txt").read_text(encoding="utf-8")
    if "BagIt-Version:" not in declaration or "Tag-File-Character-Encoding: UTF-8" not in declaration:
        report.problems.append("bagit.txt does not declare the BagIt version and UTF-8")
    if not (root / MANIFEST).is_file():
        report.problems.append(f"{MANIFEST} is missing")
        return report
    entries = _read_manifest(root / MANIFEST, report)
    _check_tags(root, report)
    on_disk = {p.relative_to(root).as_posix() for p in (root / "data").rglob("*") if p.is_file()}
    for rel in sorted(on_disk - entries.keys()):
        report.problems.append(f"{rel} is not in the manifest")
    present = []
    for rel in sorted(entries):
        if not rel.startswith("data/") or ".." in rel.split("/"):
            report.problems.append(f"manifest entry {rel} lies outside data/")
        elif rel not in on_disk:
            report.problems.append(f"{rel} is missing")
        else:
            present.append(rel)
    done = 0

    def check(rel: str) -> tuple[str, bool, int]:
        file = root / rel
        return rel, _sha256(file) == entries[rel], file.stat().st_size

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for rel, good, size in pool.map(check, present):
            done += 1
            report.files += 1
            report.bytes += size
            if not good:
                report.problems.append(f"{rel} does not match its SHA-256 (altered or damaged)")
            if on_file:
                on_file(done, len(present))
    _check_oxum(root, report, len(entries))
    _check_indexes(root, report, entries, check_pdfs)
    return report


def _check_tags(root: Path, report: Report) -> None:
    tags = root / TAGMANIFEST
    if not tags.is_file():
        return
    for rel, digest in _read_manifest(tags, report).items():
        file = root / rel
        if not file.is_file():
            report.problems.append(f"tag file {rel} is missing")
        elif _sha256(file) != digest:
            report.problems.append(f"tag file {rel} does not match {TAGMANIFEST}")


def _check_oxum(root: Path, report: Report, count: int) -> None:
    info = root / "bag-info.txt"
    if not info.is_file():
        return
    for line in info.read_text(encoding="utf-8").splitlines():
        if line.startswith("Payload-Oxum:"):
            octets, _, files = line.split(":", 1)[1].strip().partition(".")
            if not report.problems and (int(octets), int(files)) != (report.bytes, count):
                report.problems.append(
                    f"Payload-Oxum says {octets} bytes in {files} files; the payload has {report.bytes} in {count}"
                )


def _rows(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))[1:]


def _check_indexes(root: Path, report: Report, entries: dict[str, str], check_pdfs: bool) -> None:
    data = root / "data"
    front, pages = data / INDEX_DIR / FRONTPAGE_CSV, data / INDEX_DIR / PAGES_CSV
    if not front.is_file() or not pages.is_file():
        report.problems.append(f"the indexes data/{INDEX_DIR}/{FRONTPAGE_CSV} and {PAGES_CSV} are missing")
        return
    images = {rel[5:] for rel in entries if rel.startswith("data/images/")}
    listed: Counter[str] = Counter()
    per_record: Counter[tuple[str, str]] = Counter()
    for row in _rows(pages):
        if len(row) < 6:
            report.problems.append(f"{PAGES_CSV} has a short line: {row}")
            continue
        listed[row[4]] += 1
        per_record[(row[0], row[1])] += 1
        if entries.get("data/" + row[4]) not in (row[5], None) and row[5]:
            report.problems.append(f"{PAGES_CSV}: {row[4]} has another SHA-256 than the manifest")
    for rel in sorted(images - listed.keys()):
        report.problems.append(f"image {rel} is not in {PAGES_CSV}")
    for rel, n in sorted(listed.items()):
        if rel not in images:
            report.problems.append(f"{PAGES_CSV} lists {rel}, which is not in the package")
        if n > 1:
            report.problems.append(f"{PAGES_CSV} lists {rel} {n} times")
    report.pages = sum(listed.values())
    for row in _rows(front):
        if len(row) < 10:
            report.problems.append(f"{FRONTPAGE_CSV} has a short line: {row}")
            continue
        report.records += 1
        mrn, visit, count, pdf = row[0], row[1], row[8], row[9]
        label = f"{mrn}_{visit}"
        if str(per_record.get((mrn, visit), 0)) != count:
            report.problems.append(
                f"record {label}: the index says {count} pages, the package has "
                f"{per_record.get((mrn, visit), 0)} images"
            )
        if "data/" + pdf not in entries:
            report.problems.append(f"record {label}: its PDF {pdf or '(none)'} is not in the package")
        elif check_pdfs and (data / pdf).is_file():
            pdf_pages = pdf_page_count(data / pdf)
            if str(pdf_pages) != count:
                report.problems.append(f"record {label}: the PDF has {pdf_pages} pages, the index says {count}")


def pdf_page_count(path: Path) -> int:
    """The number of pages of a PDF (-1 when it cannot be read)."""
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except (pikepdf.PdfError, OSError):
        return -1
