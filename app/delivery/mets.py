"""An optional METS document per record (issue 16; delivery profile `mets`), for archives that import METS 1.x:
fileSec with each image's SHA-256 (processed pages and masters in their own file groups, the PDF), techMD per page
holding its process metadata (app.delivery.metadata, namespace urn:folio:process-metadata:1), and a physical
structMap in page order with one division per segment. Valid against the METS schema (app/delivery/schemas/mets.xsd,
the Library of Congress's schema as shipped by metsrw, its XLink import pointed at a local xlink.xsd).
"""

from datetime import datetime
from pathlib import Path

from lxml import etree

from app.delivery.metadata import PAGE_FIELDS, XMLNS, _text

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
METS_DIR = "mets"
SCHEMA = Path(__file__).with_name("schemas") / "mets.xsd"
NSMAP = {"mets": METS, "xlink": XLINK}


def _m(tag: str) -> str:
    return f"{{{METS}}}{tag}"


def record_mets(label: str, rows: list[dict], files: list[tuple[str, str, int]], pdf: str, now: datetime) -> bytes:
    """The METS document of a record from its pages' process metadata rows (page order) and its package files
    (path under data/, sha256, bytes). File references are relative to data/mets/."""
    sizes = {path: size for path, _, size in files}
    root = etree.Element(_m("mets"), nsmap=NSMAP, OBJID=label, TYPE="medical_record", LABEL=label)
    hdr = etree.SubElement(root, _m("metsHdr"), CREATEDATE=now.replace(microsecond=0).isoformat())
    agent = etree.SubElement(hdr, _m("agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    etree.SubElement(agent, _m("name")).text = "Folio"
    amd = etree.SubElement(root, _m("amdSec"), ID="AMD")
    groups = {use: etree.Element(_m("fileGrp"), USE=use) for use in ("processed", "master", "pdf")}
    pointers: list[tuple[dict, list[str]]] = []
    for n, row in enumerate(rows, 1):
        tech = etree.SubElement(amd, _m("techMD"), ID=f"TECH{n:05d}")
        wrap = etree.SubElement(tech, _m("mdWrap"), MDTYPE="OTHER", OTHERMDTYPE="FOLIO-PROCESS")
        page = etree.SubElement(etree.SubElement(wrap, _m("xmlData")), f"{{{XMLNS}}}page", nsmap={None: XMLNS})
        for key, _ in PAGE_FIELDS:
            etree.SubElement(page, f"{{{XMLNS}}}{key}").text = _text(row.get(key))
        ids = []
        for use, key, prefix in (("processed", "processed", "P"), ("master", "master", "M")):
            path = row.get(f"{key}_file")
            if not path:
                continue
            file_id = f"{prefix}{n:05d}"
            mime = row["format"] if use == "processed" else row["master_format"]
            el = etree.SubElement(
                groups[use],
                _m("file"),
                ID=file_id,
                MIMETYPE=mime,
                CHECKSUM=row[f"{key}_sha256"],
                CHECKSUMTYPE="SHA-256",
                ADMID=f"TECH{n:05d}",
            )
            if path in sizes:
                el.set("SIZE", str(sizes[path]))
            etree.SubElement(el, _m("FLocat"), LOCTYPE="URL").set(f"{{{XLINK}}}href", f"../{path}")
            ids.append(file_id)
        pointers.append((row, ids))
    pdf_sha = next((sha for path, sha, _ in files if path == pdf), "")
    el = etree.SubElement(
        groups["pdf"], _m("file"), ID="PDF", MIMETYPE="application/pdf", CHECKSUM=pdf_sha, CHECKSUMTYPE="SHA-256"
    )
    etree.SubElement(el, _m("FLocat"), LOCTYPE="URL").set(f"{{{XLINK}}}href", f"../{pdf}")
    sec = etree.SubElement(root, _m("fileSec"))
    for group in groups.values():
        if len(group):
            sec.append(group)
    smap = etree.SubElement(root, _m("structMap"), TYPE="physical")
    top = etree.SubElement(smap, _m("div"), TYPE="record", LABEL=label)
    etree.SubElement(top, _m("fptr"), FILEID="PDF")
    segment_div, segment = None, object()
    for row, ids in pointers:
        if segment_div is None or row.get("segment") != segment:
            segment = row.get("segment")
            segment_div = etree.SubElement(top, _m("div"), TYPE="segment", LABEL=str(segment or ""))
        div = etree.SubElement(
            segment_div, _m("div"), TYPE="page", ORDER=str(row["page_number"]), ORDERLABEL=str(row["page_number"])
        )
        for file_id in ids:
            etree.SubElement(div, _m("fptr"), FILEID=file_id)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def mets_schema() -> etree.XMLSchema:
    """The METS schema, from the files beside this module (no network)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA)))
