"""Why an uploaded front-page export is refused, in the reader's language: the server's stable codes
(app/frontpage/reader.py, xlsx.py, service.py) and their words (gettext msgids filled with the error's params)."""

from app.core.i18n import coded_error
from app.frontpage.rules import FIELD_LABELS
from app.navigation import N_

# BadFile / FileTooLarge / ImportRefused codes (UnreadableFile and XlsxRefused pass theirs on).
FILE_MESSAGES = {
    "frontpage_bad_file": N_("The file cannot be read as a table: upload a .csv or .xlsx export."),
    "frontpage_empty": N_("The file is empty."),
    "frontpage_no_rows": N_("The file has headings but no rows."),
    "frontpage_file_too_large": N_("The file is larger than %(mb)s MB: split the export."),
    "frontpage_old_xls": N_("This is an old .xls workbook or not a workbook at all: save it as .xlsx or .csv."),
    "frontpage_not_text": N_("This is not a text file: upload a .csv or .xlsx export."),
    "frontpage_no_headings": N_("The first row has no column headings."),
    "frontpage_headings_twice": N_("These column headings appear twice: %(headings)s. Give each column its own name."),
    "frontpage_too_many_rows": N_("The file has more than %(max)s rows: split the export."),
    "frontpage_csv_malformed": N_(
        "The CSV file is malformed near line %(line)s (e.g. a quotation mark left open): export it again."
    ),
    "frontpage_xlsx_unreadable": N_(
        "The workbook cannot be read: it is damaged or not a real .xlsx file. Save it again from Excel or WPS."
    ),
    "frontpage_no_visible_sheet": N_("The workbook has no visible sheet."),
    "frontpage_xlsx_too_many_entries": N_(
        "The workbook has %(parts)s parts (at most %(max)s): this is not a front-page export."
    ),
    "frontpage_xlsx_too_large": N_(
        "The workbook expands to more than Folio reads (part %(part)s): save it again or split the export."
    ),
    "frontpage_xlsx_unsafe": N_(
        "The workbook declares XML entities, which a spreadsheet never needs: refused for safety. "
        "Save it again from Excel or WPS."
    ),
    "frontpage_rows_refused": N_("%(refused)s of %(total)s rows are refused: nothing was imported."),
    "frontpage_fields_unmapped": N_(
        "No column is chosen for: %(fields)s; %(refused)s of %(total)s rows are refused. Nothing was imported."
    ),
}


def file_refusal(gettext, exc) -> str:  # noqa: ANN001
    """A refused upload or import (BadFile, FileTooLarge, ImportRefused) in the reader's language with its error
    code; the fields of `fields` by their labels. The English detail only for a code without words
    (tests/frontpage/test_refusal_words.py keeps that from happening)."""
    params = dict(getattr(exc, "params", {}))
    if "fields" in params:
        params["fields"] = ", ".join(gettext(FIELD_LABELS.get(f, f)) for f in params["fields"])
    return coded_error(gettext, FILE_MESSAGES, exc.code, exc.detail, params)
