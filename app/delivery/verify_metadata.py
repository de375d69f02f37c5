"""`folio delivery verify`, issue 16: each image of the package against its line of the process metadata.

metadata/process-pages.csv (written by app.delivery.metadata) names each page's processed and master file with
its SHA-256, pixel size and the resolution written into the processed file. Verification compares each SHA-256
with the bag's manifest (bagit re-hashes the files against it) and reads each processed file's header (the image
policy, qc.imagefile, for JPEG/PNG/TIFF; Pillow's JPEG 2000 reader) for its size and resolution.
"""

import csv
import io
from pathlib import Path

from defusedxml import ElementTree
from PIL import Image

from app.delivery.metadata import METADATA_DIR, NOT_MEASURED, PAGE_FIELDS, PAGES_NAME
from qc.errors import QCInputError
from qc.imagefile import probe

DPI_TOLERANCE = 0.6  # JFIF stores whole dots per inch


def _facts(blob: bytes) -> tuple[int, int, float | None]:
    """(width, height, dpi stated in the file) of an upright image as stored."""
    if blob[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n":
        with Image.open(io.BytesIO(blob)) as im:
            dpi = im.info.get("dpi")
            return im.width, im.height, float(dpi[0]) if dpi else None
    facts = probe(blob)
    with Image.open(io.BytesIO(blob)) as im:
        dpi = im.info.get("dpi")
    return facts.width, facts.height, float(dpi[0]) if dpi else None


def check_process_metadata(root: Path, manifest: dict[str, str], damaged: set[str] = frozenset()) -> list[str]:
    """Every problem between the package's images and its process metadata (none: they agree). A package
    without process metadata (made before issue 16) has nothing to check here.

    manifest: SHA-256 by path ("data/...") from the bag's manifest, which bagit checks against the files: the
    metadata's SHA-256 must be the manifest's; a file that differs from both is reported by bagit once (`damaged`:
    such paths, "data/...", whose headers are not read again)."""
    path = root / METADATA_DIR / f"{PAGES_NAME}.csv"
    if not path.is_file():
        return []
    try:
        lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    except UnicodeDecodeError:
        return [f"{METADATA_DIR}/{PAGES_NAME}.csv is not UTF-8 text"]
    names = [k for k, _ in PAGE_FIELDS]
    problems: list[str] = []
    rows = []
    for line in lines[1:]:
        if len(line) != len(names):
            problems.append(f"{PAGES_NAME}.csv has a line of {len(line)} fields: {line[:3]}")
            continue
        rows.append(dict(zip(names, line, strict=True)))
    problems += _unlisted_images(manifest, rows) + _xml_disagrees(root / METADATA_DIR / f"{PAGES_NAME}.xml", rows)
    for row in rows:
        where = f"record {row['mrn']}_{row['visit']} page {row['page_number']}"
        for rel, sha in ((row["processed_file"], row["processed_sha256"]), (row["master_file"], row["master_sha256"])):
            if not rel:
                continue
            if manifest.get("data/" + rel) != sha:
                problems.append(f"{where}: {rel} has another SHA-256 in the process metadata than in the manifest")
                continue
            if rel != row["processed_file"] or "data/" + rel in damaged:
                continue
            try:
                blob = (root / "data" / rel).read_bytes()
            except OSError:
                continue  # reported by bagit as missing
            try:
                width, height, dpi = _facts(blob)
            except (QCInputError, OSError, ValueError) as exc:
                problems.append(f"{where}: {rel} cannot be read ({exc})")
                continue
            if (str(width), str(height)) != (row["width_px"], row["height_px"]):
                problems.append(
                    f"{where}: {rel} is {width}×{height} px, the metadata says {row['width_px']}×{row['height_px']}"
                )
            if row["dpi_written"] == NOT_MEASURED:
                if dpi is not None:
                    problems.append(f"{where}: {rel} states {dpi} dpi, the metadata says {NOT_MEASURED}")
            elif row["dpi_written"] and (dpi is None or abs(dpi - _number(row["dpi_written"])) > DPI_TOLERANCE):
                problems.append(f"{where}: {rel} states {dpi} dpi, the metadata says {row['dpi_written']}")
    return problems


def _number(text: str) -> float:
    """A dpi of the metadata as a number (nan for text that is none: it then disagrees with any file)."""
    try:
        return float(text)
    except ValueError:
        return float("nan")


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".jp2")
COMPARED = (
    "page_number",
    "processed_file",
    "processed_sha256",
    "master_file",
    "master_sha256",
    "width_px",
    "height_px",
    "dpi_written",
)  # the XML must say what the CSV says (values never quoted for spreadsheets)


def _unlisted_images(manifest: dict[str, str], rows: list[dict[str, str]]) -> list[str]:
    """Images of the package that no line of the process metadata describes (a line deleted from the CSV)."""
    listed = {"data/" + r[k] for r in rows for k in ("processed_file", "master_file") if r[k]}
    return [
        f"{path[5:]} has no line in {PAGES_NAME}.csv"
        for path in sorted(manifest)
        if path.startswith("data/") and path.lower().endswith(IMAGE_SUFFIXES) and path not in listed
    ]


def _xml_disagrees(path: Path, rows: list[dict[str, str]]) -> list[str]:
    """Where process-pages.xml and process-pages.csv differ (line by line, on the compared elements)."""
    if not path.is_file():
        return [f"{METADATA_DIR}/{path.name} is missing"]
    try:
        items = [
            {child.tag.rpartition("}")[2]: child.text or "" for child in element}
            for _, element in ElementTree.iterparse(path)
            if element.tag.rpartition("}")[2] != "processMetadata" and len(element)
        ]
    except ElementTree.ParseError as exc:
        return [f"{METADATA_DIR}/{path.name} is not well-formed XML ({exc})"]
    if len(items) != len(rows):
        return [f"{METADATA_DIR}/{path.name} has {len(items)} pages, {PAGES_NAME}.csv {len(rows)}"]
    problems = []
    for n, (item, row) in enumerate(zip(items, rows, strict=True), start=1):
        for key in COMPARED:
            if item.get(key, "") != row.get(key, ""):
                problems.append(
                    f"{METADATA_DIR}/{path.name} line {n}: {key} is {item.get(key)!r}, the CSV says {row.get(key)!r}"
                )
    return problems
