"""Typed codes as they are checked: one normaliser for every code, barcode, MRN, number and date a person types.

A Chinese input method types full-width digits and letters (``１２３４５６``, ``Ｋ３５．８００``) and the ideographic
space; a barcode scanner may add a carriage return; text copied from a web page or a spreadsheet brings
invisible direction marks and zero-width spaces. None of these changes what the person meant, so before a value
is checked it is brought to Unicode NFKC (Unicode Standard Annex #15: full-width forms become ASCII) and
stripped of surrounding white space and invisible format characters. Marks *inside* a value are kept, so that
the check refuses them with its own clear error instead of a different value being accepted silently.

Free text (names, notes, diagnoses) is not passed through this: NFKC would change what a person wrote.
The capture station (which never imports ``app``) applies the same ``unicodedata.normalize("NFKC", ...)`` to
the lines its operator types.
"""

import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator

# Unicode general categories stripped at both ends besides white space: format characters (direction marks
# U+200E/U+200F, embeddings and isolates U+202A-U+202E/U+2066-U+2069, zero-width space U+200B, BOM U+FEFF).
_INVISIBLE = {"Cf"}


def typed_text(value: str) -> str:
    """A typed code as it is checked: NFKC, then surrounding white space and format characters removed.

    ``"　００００７９１９\\r\\n"`` → ``"00007919"``; ``"\\u200f１２３４５６"`` → ``"123456"``;
    ``"K35.８00"`` → ``"K35.800"``.
    Never raises; an empty or blank value becomes ``""``.
    """
    text = unicodedata.normalize("NFKC", value)
    start, end = 0, len(text)
    while start < end and _blank(text[start]):
        start += 1
    while end > start and _blank(text[end - 1]):
        end -= 1
    return text[start:end]


def _blank(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in _INVISIBLE


def typed_value(value: Any) -> Any:
    """``typed_text`` for a string, anything else unchanged (a pydantic before-validator for any field type)."""
    return typed_text(value) if isinstance(value, str) else value


def typed_int(value: str, max_digits: int = 9) -> int | None:
    """A typed whole number (normalised as a typed code) as an int, or None unless 1 to max_digits ASCII digits.

    ``"１２"`` → 12; ``" 7 "`` → 7; ``"²"`` → 2 (NFKC); ``"-1"``, ``"1.5"``, ``"٣"`` and 10,000 digits → None.
    """
    text = typed_text(value)
    return int(text) if 0 < len(text) <= max_digits and text.isascii() and text.isdigit() else None


# Annotated types for form parameters and API schemas: the value is normalised before any other validation
# (length, pattern, int/date/Decimal parsing), e.g. ``code: Annotated[Typed, Form(max_length=8)]``.
Typed = Annotated[str, BeforeValidator(typed_value)]
# For optional API fields: the validator on the whole union keeps the field's pattern in the OpenAPI schema.
TypedOrNone = Annotated[str | None, BeforeValidator(typed_value)]
TypedInt = Annotated[int, BeforeValidator(typed_value)]
