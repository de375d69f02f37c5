"""PDF for printable documents (reports, handover sheets, certificates): Debian's chromium prints the HTML."""

import os
from pathlib import Path

CHROMIUM = os.environ.get("FOLIO_CHROMIUM", "/usr/bin/chromium")
_CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


class PdfUnavailable(RuntimeError):
    """Chromium or Playwright is missing, so no PDF can be printed."""


def html_to_pdf(html: str, out: Path, *, css_page_size: bool = False) -> None:
    """Print an HTML document to a PDF with headless chromium: A4 with margins, or (css_page_size=True) the page
    size and margins of the document's own @page rules (label sheets and rolls)."""
    if not Path(CHROMIUM).exists():
        raise PdfUnavailable(f"chromium is not installed at {CHROMIUM} (set FOLIO_CHROMIUM, or install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dependency of the test and PDF extras
        raise PdfUnavailable("the playwright package is not installed") from exc
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=_CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load", timeout=120_000)  # a thousand labels on a busy server
            page.emulate_media(media="print")
            if css_page_size:
                page.pdf(path=str(out), prefer_css_page_size=True, print_background=True)
            else:
                page.pdf(
                    path=str(out),
                    format="A4",
                    print_background=True,
                    margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"},
                )
        finally:
            browser.close()
