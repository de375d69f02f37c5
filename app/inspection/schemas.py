"""API shapes of re-shoot tasks as a station sees them."""

from datetime import datetime

from pydantic import BaseModel

from app.inspection.service import TaskView


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

    @classmethod
    def of(cls, view: TaskView) -> "ReshootTaskPublic":
        """The public shape of a task view."""
        from app.inspection.labels import REASON_WORDS

        t = view.task
        zh, en = REASON_WORDS.get(t.reason, (t.reason, t.reason))
        return cls(
            id=t.id,
            record_id=t.record_id,
            page_id=t.page_id,
            page_number=view.page_number,
            reason=t.reason,
            reason_zh=zh,
            reason_en=en,
            note=t.note,
            flagged_by=view.flagged_by_name,
            flagged_at=t.flagged_at,
            status=t.status,
            image_id=t.image_id,
            thumbnail_url=f"/api/v1/reshoot-tasks/{t.id}/thumb.jpg",
        )
