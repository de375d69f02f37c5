"""API shapes of re-shoot tasks as a station sees them."""

from datetime import datetime

from pydantic import BaseModel


class ReshootTaskPublic(BaseModel):
    """An open re-shoot task: which page, why (a defect code with its Chinese and English words), who flagged it."""

    id: int
    record_id: int
    page_id: int
    page_number: int
    reason: str
    reason_zh: str
    reason_en: str
    note: str | None
    flagged_by: str
    flagged_at: datetime
    status: str
    image_id: int
    thumbnail_url: str
