"""Record PDFs as PDF/A-2b (ISO 19005-2, level B), and the checks `folio delivery verify` makes of them (issue 16).

img2pdf builds the record's PDF from the page images, embedded as they are (JPEG, JPEG 2000) or lossless (PNG
pixels); pikepdf (qpdf) then makes it PDF/A-2b: XMP metadata saying pdfaid:part 2, conformance B, with the
document information it mirrors (§6.6); an output intent GTS_PDFA1 holding the sRGB ICC profile (§6.2.3), which
makes DeviceRGB and DeviceGray images device-independent; a document ID in the trailer (§6.1.3); no encryption,
JavaScript, actions, transparency (soft masks) or image interpolation; images only, so no fonts to embed.

No PDF/A validator runs here: veraPDF is neither a Debian package nor on PyPI, and Ghostscript is no validator.
`pdfa_problems` checks the clauses above on the written file; tests also render every page with pdfium.
"""

import io
from typing import Any

import pikepdf

from qc.icc import colour_space, srgb
from qc.jp2box import box, header_boxes, with_header_boxes

SRGB_CONDITION = "sRGB IEC61966-2.1"


def jp2_for_img2pdf(jp2: bytes) -> tuple[bytes, bytes | None]:
    """A JP2 whose 'colr' box holds an ICC profile (qc.processing writes one) as img2pdf can read it, with an
    enumerated colour space (sRGB or greyscale) instead, and the ICC profile taken out; (jp2, None) when the file
    already has an enumerated colour space. The PDF image then gets the profile as its ICCBased colour space
    (with_icc_images), which a PDF reader uses in place of the JP2's own (ISO 32000-1 §8.9.5)."""
    boxes, icc = header_boxes(jp2), None
    if not boxes:
        return jp2, None
    for n, b in enumerate(boxes):
        if b[4:8] == b"colr" and len(b) > 11 and b[8] == 2:
            icc = b[11:]
            enum_cs = 17 if colour_space(icc) == "GRAY" else 16  # I.5.3.3 EnumCS: greyscale, sRGB
            boxes[n] = box(b"colr", bytes([1, 0, 0]) + enum_cs.to_bytes(4, "big"))
    return (with_header_boxes(jp2, boxes), icc) if icc else (jp2, None)


def with_icc_images(pdf: bytes, iccs: list[bytes | None]) -> bytes:
    """The PDF with the n-th page's image given iccs[n] as its ICCBased colour space (None: left as it is)."""
    if not any(iccs):
        return pdf
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page, icc in zip(doc.pages, iccs, strict=True):
            if icc is None:
                continue
            for image in page.get_images().values():
                n = 1 if colour_space(icc) == "GRAY" else 3
                image.ColorSpace = pikepdf.Array([pikepdf.Name.ICCBased, doc.make_stream(icc, N=n)])
        out = io.BytesIO()
        doc.save(out, deterministic_id=True)
        return out.getvalue()


def pdf_a2b(pdf: bytes, title: str) -> bytes:
    """The record PDF made PDF/A-2b (see the module's doc). Raises ValueError for a PDF that cannot be one: an
    image with a soft mask (transparency) or a page with more than images."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            resources = page.obj.get("/Resources", pikepdf.Dictionary())
            if "/Font" in resources or "/Group" in page.obj or "/Annots" in page.obj:
                raise ValueError("a PDF/A record PDF holds images only")
            for image in page.get_images().values():
                if "/SMask" in image or "/Mask" in image:
                    raise ValueError("an image with transparency cannot go into a PDF/A-2b record PDF")
                for key in ("/Interpolate", "/Alternates", "/OPI"):
                    if key in image:
                        del image[key]
        for key in ("/OpenAction", "/AA", "/Names"):  # no actions, no JavaScript (none is written; none kept)
            if key in doc.Root:
                del doc.Root[key]
        doc.Root.OutputIntents = pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.OutputIntent,
                    S=pikepdf.Name.GTS_PDFA1,
                    OutputConditionIdentifier=SRGB_CONDITION,
                    Info=SRGB_CONDITION,
                    RegistryName="http://www.color.org",
                    DestOutputProfile=doc.make_stream(srgb(), N=3),
                )
            ]
        )
        doc.docinfo["/Title"] = title
        with doc.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.load_from_docinfo(doc.docinfo)
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
        if "/ID" in doc.trailer:  # img2pdf's is random: both halves made from the content, the same pages the same ID
            del doc.trailer.ID
        out = io.BytesIO()
        doc.save(out, deterministic_id=True, min_version="1.7")
        return out.getvalue()


def _xmp(doc: pikepdf.Pdf) -> dict[str, Any]:
    meta = doc.open_metadata()
    return {k: meta.get(k) for k in ("pdfaid:part", "pdfaid:conformance", "dc:title", "pdf:Producer")}


def pdfa_problems(data: bytes) -> list[str]:
    """What keeps a PDF from being the PDF/A-2b record PDF Folio writes, by ISO 19005-2 clause; [] when nothing
    does. Checked: header version (6.1.2), trailer ID (6.1.3), no encryption (6.1.3), XMP metadata unfiltered with
    pdfaid part 2 conformance B and the title of the document information (6.6.2, 6.6.3, 6.6.4), one GTS_PDFA1
    output intent with an RGB ICC profile of N 3 (6.2.3), images without soft masks or interpolation (6.2.8,
    6.4), no JavaScript or actions (6.5, 6.6.1), no fonts (images only). Never raises."""
    try:
        doc = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as exc:
        return [f"not a readable PDF ({exc})"]
    problems: list[str] = []
    with doc:
        if not data.startswith(b"%PDF-1.") or data[7:8] not in b"4567":
            problems.append("6.1.2: the header is not %PDF-1.4 to %PDF-1.7")
        ids = doc.trailer.get("/ID")
        if not isinstance(ids, pikepdf.Array) or len(ids) != 2:
            problems.append("6.1.3: the trailer has no document ID")
        if doc.is_encrypted or "/Encrypt" in doc.trailer:
            problems.append("6.1.3: the file is encrypted")
        stream = doc.Root.get("/Metadata")
        if stream is None:
            problems.append("6.6.2: no XMP metadata")
        else:
            if "/Filter" in stream:
                problems.append("6.6.2: the XMP metadata stream is compressed")
            xmp = _xmp(doc)
            if (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) != ("2", "B"):
                problems.append(f"6.6.4: the XMP says PDF/A part {xmp['pdfaid:part']} {xmp['pdfaid:conformance']}")
            title = str(doc.docinfo.get("/Title", ""))
            if title and str(xmp["dc:title"] or "") != title:
                problems.append("6.6.3: the XMP title differs from the document information's")
        intents = doc.Root.get("/OutputIntents", pikepdf.Array())
        pdfa = [i for i in intents if i.get("/S") == pikepdf.Name.GTS_PDFA1]
        if len(pdfa) != 1 or "/DestOutputProfile" not in pdfa[0]:
            problems.append("6.2.3: no single GTS_PDFA1 output intent with a profile")
        else:
            profile = pdfa[0].DestOutputProfile
            if int(profile.get("/N", 0)) != 3 or colour_space(profile.read_bytes()) != "RGB":
                problems.append("6.2.3: the output intent's profile is not an RGB ICC profile")
        if any(k in doc.Root for k in ("/OpenAction", "/AA")) or "/JavaScript" in doc.Root.get("/Names", {}):
            problems.append("6.5/6.6.1: the document has actions or JavaScript")
        for n, page in enumerate(doc.pages, 1):
            if "/Font" in page.obj.get("/Resources", {}) or "/AA" in page.obj:
                problems.append(f"page {n}: fonts or actions on a page of images")
            for image in page.get_images().values():
                if "/SMask" in image or image.get("/Interpolate") is True:
                    problems.append(f"page {n}: an image with a soft mask or interpolation (6.2.8, 6.4)")
    return problems
