"""Translations: gettext catalogues (Babel .po files) compiled in memory at start; zh-CN by default."""

import gettext
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
LANG_COOKIE = "folio_lang"


@lru_cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of a language; English is the source language and needs none."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def gettext_for(language: str) -> Callable[[str], str]:
    """The gettext of a language that honours a message's context (app.navigation.NC_: msgctxt)."""
    catalogue = translations(language)

    def gettext(message: str) -> str:
        context = getattr(message, "context", None)
        return catalogue.pgettext(context, message) if context else catalogue.gettext(message)

    return gettext


def pick_language(cookie: str | None) -> str:
    """The language the user chose (cookie), else Chinese: the interface is Chinese unless asked otherwise."""
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


def coded_error(gettext: Callable[[str], str], messages: dict, code: str, detail: str, params: dict) -> str:
    """A refusal as a screen shows it: the words of its stable `code` (a msgid of `messages`, filled with `params`)
    in the reader's language, then "(Error code: code)". A code without words (the tests of each feature keep that
    from happening) says only that it was refused, in the reader's language: the server's English `detail` is for
    the log, never the screen."""
    message = messages.get(code)
    text = (
        gettext(message) % params if message else gettext("This was refused. Tell your administrator the error code.")
    )
    return f"{text} ({gettext('Error code')}: {code})"
