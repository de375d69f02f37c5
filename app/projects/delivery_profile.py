"""A project's delivery profile: what its delivery package holds and how the processed pages are made (pure rules).

Stored as JSON on the project (`project.delivery_profile`, None = every default). DA/T 31-2017 §9.5: one image
format per package, TIFF, JPEG or JPEG 2000. The processed pages (qc.processing) follow `format`, `jpeg_quality`
and `margin_mm`; changing one of them changes the settings fingerprint, and the copies are made again.
"""

from dataclasses import asdict, dataclass
from typing import Any

from qc.processing import FORMATS, Settings, jp2_available

CONTENTS = ("processed", "masters", "both")


@dataclass(frozen=True)
class DeliveryProfile:
    """contents: "processed" (default), "masters" or "both"; format of the processed copies ("jpeg", "tiff",
    "jp2"); jpeg_quality 1-95; margin_mm around the page (0-20); pdfa: record PDFs as PDF/A-2b
    (app.delivery.pdfa); mets: a METS document per record."""

    contents: str = "processed"
    format: str = "jpeg"
    jpeg_quality: int = 85
    margin_mm: float = 3.0
    pdfa: bool = False
    mets: bool = False  # one METS document per record (app.delivery.mets)

    def to_dict(self) -> dict[str, Any]:
        """The profile as stored on the project."""
        return asdict(self)


class DeliveryProfileError(ValueError):
    """A delivery profile that cannot be used; `field` names the offending setting."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def load_profile(raw: dict[str, Any] | None) -> DeliveryProfile:
    """The profile from its stored JSON (None: defaults); raises DeliveryProfileError for an unusable value."""
    raw = dict(raw or {})
    unknown = set(raw) - set(DeliveryProfile.__dataclass_fields__)
    if unknown:
        raise DeliveryProfileError(sorted(unknown)[0], f"unknown setting {sorted(unknown)[0]!r}")
    prof = DeliveryProfile(**raw)
    if prof.contents not in CONTENTS:
        raise DeliveryProfileError("contents", f"contents must be one of {', '.join(CONTENTS)}")
    if prof.format not in FORMATS:
        raise DeliveryProfileError("format", f"format must be one of {', '.join(FORMATS)}")
    if prof.format == "jp2" and not jp2_available():
        raise DeliveryProfileError("format", "this server's Pillow cannot write JPEG 2000")
    if (
        isinstance(prof.jpeg_quality, bool)
        or not isinstance(prof.jpeg_quality, int)
        or not 1 <= prof.jpeg_quality <= 95
    ):
        raise DeliveryProfileError("jpeg_quality", "jpeg_quality must be a whole number 1-95")
    if isinstance(prof.margin_mm, bool) or not isinstance(prof.margin_mm, int | float) or not 0 <= prof.margin_mm <= 20:
        raise DeliveryProfileError("margin_mm", "margin_mm must be 0-20")
    if not isinstance(prof.mets, bool):
        raise DeliveryProfileError("mets", "mets must be true or false")
    if not isinstance(prof.pdfa, bool):
        raise DeliveryProfileError("pdfa", "pdfa must be true or false")
    return prof


def processing_settings(profile: DeliveryProfile, qc_profile: dict[str, Any] | None) -> Settings:
    """The qc.processing settings of a project: the delivery profile's image settings and the QC profile's paper
    size (which turns the measured outline into the resolution written into the file)."""
    paper = (qc_profile or {}).get("paper_size_mm") or (210.0, 297.0)
    return Settings(
        format=profile.format,
        jpeg_quality=profile.jpeg_quality,
        margin_mm=float(profile.margin_mm),
        paper_mm=tuple(paper),
    )
