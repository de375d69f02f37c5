"""What the delivery screens call an export's status (gettext msgids)."""

from app.navigation import N_

EXPORT_STATUS = {
    "awaiting_approval": N_("Waiting for approval"),
    "queued": N_("Queued"),
    "running": N_("Writing"),
    "done": N_("Export complete"),
    "failed": N_("Failed"),
    "interrupted": N_("Interrupted"),
}


def export_status_label(status: str) -> str:
    """The msgid of an export status."""
    return EXPORT_STATUS.get(status, status)
