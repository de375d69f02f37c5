"""The acceptance report as a standalone HTML document, and as PDF printed by Debian's chromium (Playwright)."""

from datetime import date
from pathlib import Path

from sqlmodel import Session

from app.acceptance import labels
from app.acceptance.models import Lot, ReviewRound
from app.acceptance.review import FIELD_COLUMNS
from app.acceptance.rules import DEFECT_CODES, THIRD_NAMES
from app.acceptance.screens import report
from app.core.clock import utcnow
from app.core.errors import AppError
from app.core.pdf import PdfUnavailable, html_to_pdf
from app.core.templates import APP_DIR, environment
from app.projects.models import Project


class ReportPdfUnavailable(AppError):
    status = 503
    code = "pdf_unavailable"


def report_html(session: Session, lot: Lot, rnd: ReviewRound, project: Project, today: date, language: str) -> str:
    """The report of a round as one HTML document with its stylesheet inlined (no server needed to show it)."""
    ctx = {
        "html_lang": "zh-CN" if language == "zh_CN" else "en",
        "lang": language,
        "project": project,
        "labels": labels,
        "defect_codes": DEFECT_CODES,
        "field_columns": FIELD_COLUMNS,
        "third_names": THIRD_NAMES,
        "r": report(session, lot, rnd, today),
        "printed": utcnow(),
        "user": None,
    }
    html = environment(language).get_template("acceptance/report.html").render(ctx)
    css = (APP_DIR / "static" / "folio.css").read_text(encoding="utf-8")
    return html.replace('<link rel="stylesheet" href="/static/folio.css">', f"<style>{css}</style>", 1)


def report_pdf(session: Session, lot: Lot, rnd: ReviewRound, project: Project, today: date, language: str) -> bytes:
    """The report of a round as PDF bytes; 503 pdf_unavailable when the server has no chromium."""
    import tempfile

    html = report_html(session, lot, rnd, project, today, language)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.pdf"
        try:
            html_to_pdf(html, out)
        except PdfUnavailable as exc:
            raise ReportPdfUnavailable(f"{exc}: print the report from the browser instead") from exc
        return out.read_bytes()
