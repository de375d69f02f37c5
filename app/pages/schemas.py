"""API shapes of pages and their images."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class QCMessage(BaseModel):
    """One reason to re-shoot, in Chinese and English."""

    code: str
    zh: str
    en: str


class PageUploadResult(BaseModel):
    """The server's answer to an upload: the page, the verdict that counts, and its reasons."""

    page_id: int
    image_id: int
    record_id: int
    page_number: int
    sha256: str
    verdict: str
    reasons: list[str]
    messages: list[QCMessage]
    metrics: dict[str, Any]
    superseded_image_id: int | None
    replayed: bool


class PagePublic(BaseModel):
    """A page with its current image's verdict."""

    id: int
    record_id: int
    page_number: int
    segment: str | None
    intentionally_blank: bool
    current_image_id: int | None
    image_count: int
    operator_id: int
    station_id: int
    captured_at: datetime
    qc_passed: bool


class PageImagePublic(BaseModel):
    """One uploaded image of a page."""

    id: int
    sha256: str
    media_type: str
    width: int
    height: int
    size_bytes: int
    captured_at: datetime
    uploaded_at: datetime
    qc_passed: bool
    qc_reasons: list[str]
    superseded_at: datetime | None
