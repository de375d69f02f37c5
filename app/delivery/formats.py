"""One image format per package (DA/T 31-2017 §9.5: TIFF, JPEG or JPEG 2000, one format per batch; issue 16).

A package of processed pages has one format by construction (the delivery profile's). A masters-only package
holds the files as shot, and a project may have shot some pages to JPEG (document camera) and others to PNG or
TIFF (a flatbed scanner): such an export is refused, naming the odd files, rather than converted. Why refuse and
not convert: the masters are what QC checked and what the hash in each accepted lot's manifest covers; a master
converted in the package would no longer be the file the hospital accepted (its SHA-256 changes), and converting a
PNG to the package's JPEG would lose pixels. The vendor delivers the processed pages instead (contents
"processed" or "both": every page in the profile's format, the masters beside them under masters/ as evidence)
or re-shoots the odd pages. PNG is not one of the archival formats §9.5 names, so PNG masters are odd even alone.
"""

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.acceptance.models import LotPage
from app.pages.models import Page, PageImage
from app.records.models import Record

ARCHIVAL = ("image/jpeg", "image/tiff", "image/jp2")  # DA/T 31-2017 §9.5
SHOWN = 20  # odd files named in the refusal; the rest are counted


@dataclass(frozen=True, order=True)
class OddMaster:
    """A master not in the package's format: record (MRN, visit), page number and its media type."""

    mrn: str
    visit: int
    page_number: int
    media_type: str

    def __str__(self) -> str:
        return f"{self.mrn}_{self.visit} p{self.page_number} ({self.media_type})"


def package_format(media_types: Counter[str]) -> str | None:
    """The format a masters-only package takes: the archival format (ARCHIVAL) most pages are in, the earlier one
    in ARCHIVAL on a tie; None when no page is in an archival format."""
    best = [m for m in ARCHIVAL if media_types.get(m)]
    return max(best, key=lambda m: (media_types[m], -ARCHIVAL.index(m))) if best else None


def odd_masters(session: Session, round_ids: list[int]) -> tuple[str | None, int, list[OddMaster]]:
    """For the accepted pages of these rounds: (the package's format, how many pages are not in it, the first
    SHOWN of them in MRN, visit and page order). An empty list means the masters are in one archival format."""
    rows = session.exec(
        select(Record.mrn, Record.visit, Page.page_number, PageImage.media_type)
        .select_from(LotPage)
        .join(Page, col(Page.id) == col(LotPage.page_id))
        .join(PageImage, col(PageImage.id) == col(LotPage.image_id))
        .join(Record, col(Record.id) == col(LotPage.record_id))
        .where(col(LotPage.round_id).in_(round_ids or [-1]))
    ).all()
    target = package_format(Counter(r[3] for r in rows))
    odd = sorted(OddMaster(*r) for r in rows if r[3] != target) if rows else []
    return target, len(odd), odd[:SHOWN]


def odd_list(total: int, shown: list[OddMaster]) -> str:
    """The odd files as the refusal names them: "9001_1 p3 (image/png), ... and 12 more"."""
    text = ", ".join(map(str, shown))
    return text + (f" … +{total - len(shown)}" if total > len(shown) else "")
