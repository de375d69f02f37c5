"""The handover sheet as a standalone HTML document and as an A4 PDF (headless chromium, as the acceptance report)."""

from app.core.errors import AppError
from app.core.templates import APP_DIR, environment


class SheetPdfUnavailable(AppError):
    status = 503
    code = "pdf_unavailable"


def sheet_html(context: dict, language: str) -> str:
    """The sheet with its stylesheet inlined, so that it prints without the server."""
    from app.custody import labels

    ctx = {**context, "labels": labels, "lang": language, "html_lang": "zh-CN" if language == "zh_CN" else "en"}
    html = environment(language).get_template("custody/sheet.html").render(ctx)
    css = (APP_DIR / "static" / "folio.css").read_text(encoding="utf-8")
    return html.replace('<link rel="stylesheet" href="/static/folio.css">', f"<style>{css}</style>", 1)


def sheet_pdf(context: dict, language: str) -> bytes:
    """The sheet printed to PDF; 503 pdf_unavailable when chromium is not installed on the server."""
    import tempfile
    from pathlib import Path

    from app.core.pdf import PdfUnavailable, html_to_pdf

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sheet.pdf"
        try:
            html_to_pdf(sheet_html(context, language), out)
        except PdfUnavailable as exc:
            raise SheetPdfUnavailable(f"{exc}: print the sheet from the browser instead") from exc
        return out.read_bytes()
