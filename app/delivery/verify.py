"""`folio delivery verify PATH`: is a delivery package complete and intact?

The bag itself (RFC 8493: bagit.txt, every manifest entry present with its SHA-256, no file outside the
manifest, Payload-Oxum, the tag manifest) is validated by the Library of Congress's `bagit` library, in its full
mode (every SHA-256 recomputed) or its fast mode (Payload-Oxum only: file count and bytes). On top, Folio's own
promises: each record of the front-page index has its PDF, the page index lists every image once with the
manifest's SHA-256, each PDF has as many pages as the record has pages, and (issue 16) every processed and master
image matches its line of the process metadata: SHA-256, pixel size and the resolution written in the file.

The writer (`app.delivery.package`) stays Folio's own: it streams the manifest line by line as records are
written and resumes an interrupted export, which `bagit.make_bag` (hash everything at the end, in one go) cannot do
for a multi-terabyte package.
"""

import csv
import io
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import bagit

from app.delivery.package import FRONTPAGE_CSV, INDEX_DIR, PAGES_CSV
from app.delivery.verify_metadata import check_process_metadata

NOT_HASHED = "SHA-256 not checked: the file list is wrong (fix the files above, then verify again)"


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


def _problem(detail: object) -> str:
    if isinstance(detail, bagit.ChecksumMismatch):
        return f"{detail.path} does not match its SHA-256 (altered or damaged)"
    if isinstance(detail, bagit.FileMissing):
        return f"{detail.path} is missing"
    if isinstance(detail, bagit.UnexpectedFile):
        return f"{detail.path} is not in the manifest"
    return str(detail)


def verify_package(
    path: Path,
    *,
    threads: int = 4,
    fast: bool = False,
    check_pdfs: bool = True,
    on_stage: Callable[[str, int, int], None] | None = None,
) -> Report:
    """Check a package folder and return every problem found (an empty list: the package is valid).

    `fast=True` checks file count and bytes against Payload-Oxum instead of recomputing every SHA-256; `threads`
    is the number of hashing processes bagit uses. `on_stage(stage, done, total)` reports progress: stage "bag"
    (0 of 1 while bagit validates, 1 of 1 when it is done) and "pdf" (records whose PDF pages were counted).
    Never raises for a damaged package: a folder that is not a bag gives one problem.
    """
    report = Report(Path(path))
    root = Path(path)
    stage = on_stage or (lambda _stage, _done, _total: None)
    stage("bag", 0, 1)
    try:
        bag = bagit.Bag(str(root))
    except (bagit.BagError, UnicodeDecodeError) as exc:  # bagit reads its tag files as UTF-8 and may not
        report.problems.append(f"not a valid BagIt bag: {exc}")
        return report
    entries = {rel.replace(os.sep, "/"): hashes.get("sha256", "") for rel, hashes in bag.payload_entries().items()}
    only_in_manifest, only_on_disk = bag.compare_manifests_with_fs()
    report.problems += [f"{rel} is missing" for rel in sorted(only_in_manifest)]
    report.problems += [f"{rel} is not in the manifest" for rel in sorted(only_on_disk)]
    listed_right = not only_in_manifest and not only_on_disk
    try:
        bag.validate(processes=max(1, threads), fast=fast)
    except bagit.BagValidationError as exc:
        found = [_problem(d) for d in exc.details] or [exc.message]
        report.problems += [p for p in found if p not in report.problems]
        hashed = any(isinstance(d, bagit.ChecksumMismatch) for d in exc.details)
        if not fast and not hashed and listed_right and "Payload-Oxum" in bag.info:
            # The file list is right but the byte count is not: a file changed size. bagit stops at Payload-Oxum
            # before hashing; hash without it to name the file.
            del bag.info["Payload-Oxum"]
            try:
                bag.validate(processes=max(1, threads))
            except bagit.BagValidationError as again:
                report.problems += [_problem(d) for d in again.details if isinstance(d, bagit.ChecksumMismatch)]
            hashed = True
        if not fast and not hashed:  # bagit stops at a wrong file list before it hashes anything
            report.problems.append(NOT_HASHED)
    except (bagit.BagError, UnicodeDecodeError, OSError) as exc:
        report.problems.append(f"the bag cannot be read: {exc}")
    present = [rel for rel in entries if (root / rel).is_file()]
    report.files = len(present)
    report.bytes = sum((root / rel).stat().st_size for rel in present)
    stage("bag", 1, 1)
    pdfa = "pdfa=True" in str(bag.info.get("Folio-Delivery-Profile", "")).split()  # the profile said PDF/A-2b
    _check_indexes(root, report, entries, check_pdfs, stage, pdfa)
    if not fast:  # fast: file count and bytes only
        damaged = {p.split(" ", 1)[0] for p in report.problems if p.startswith("data/")}  # named once, by bagit
        report.problems += check_process_metadata(root, entries, damaged)
    return report


def _rows(path: Path) -> list[list[str]]:
    """The data lines of an index CSV (UTF-8); a file that is not UTF-8 reads as one line naming the problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return [[f"{path.name} is not UTF-8 text"]]
    return list(csv.reader(io.StringIO(text, newline="")))[1:]


def _check_indexes(
    root: Path,
    report: Report,
    entries: dict[str, str],
    check_pdfs: bool,
    stage: Callable[[str, int, int], None],
    pdfa: bool = False,
) -> None:
    data = root / "data"
    front, pages = data / INDEX_DIR / FRONTPAGE_CSV, data / INDEX_DIR / PAGES_CSV
    if not front.is_file() or not pages.is_file():
        report.problems.append(f"the indexes data/{INDEX_DIR}/{FRONTPAGE_CSV} and {PAGES_CSV} are missing")
        return
    images = {rel[5:] for rel in entries if rel.startswith(("data/images/", "data/masters/"))}
    listed: Counter[str] = Counter()
    per_record: Counter[tuple[str, str]] = Counter()
    for row in _rows(pages):
        if len(row) < 6:
            report.problems.append(f"{PAGES_CSV} has a short line: {row}")
            continue
        listed[row[4]] += 1
        per_record[(row[0], row[1])] += row[4].startswith("images/")  # masters/ beside processed pages: same pages
        if entries.get("data/" + row[4]) not in (row[5], None) and row[5]:
            report.problems.append(f"{PAGES_CSV}: {row[4]} has another SHA-256 than the manifest")
    for rel in sorted(images - listed.keys()):
        report.problems.append(f"image {rel} is not in {PAGES_CSV}")
    for rel, n in sorted(listed.items()):
        if rel not in images:
            report.problems.append(f"{PAGES_CSV} lists {rel}, which is not in the package")
        if n > 1:
            report.problems.append(f"{PAGES_CSV} lists {rel} {n} times")
    report.pages = sum(per_record.values())  # pages: a master beside its processed page is the same page
    front_rows = _rows(front)
    for done, row in enumerate(front_rows, start=1):
        stage("pdf", done, len(front_rows))
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
            if pdf_pages < 0:
                report.problems.append(f"record {label}: the PDF {pdf} cannot be read")
            elif str(pdf_pages) != count:
                report.problems.append(f"record {label}: the PDF has {pdf_pages} pages, the index says {count}")
            if pdfa and pdf_pages >= 0:  # issue 16: the PDF/A-2b markers app.delivery.pdfa writes
                report.problems += [f"record {label}: the PDF is not PDF/A-2b: {p}" for p in _pdfa(data / pdf)]


def _pdfa(path: Path) -> list[str]:
    from app.delivery.pdfa import pdfa_problems

    try:
        return pdfa_problems(path.read_bytes())
    except OSError as exc:
        return [str(exc)]


def pdf_page_count(path: Path) -> int:
    """The number of pages of a PDF (-1 when it cannot be read)."""
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except (pikepdf.PdfError, OSError):
        return -1
