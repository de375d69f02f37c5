"""Server-rendered HTML: one Jinja environment per language, with gettext installed."""

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.core.i18n import LANG_COOKIE, LANGUAGES, gettext_for, pick_language, translations

APP_DIR = Path(__file__).resolve().parents[1]


def _template_dirs() -> list[str]:
    return [str(APP_DIR / "templates"), *(str(p) for p in sorted(APP_DIR.glob("*/templates")))]


def _local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M", tz: str = "Asia/Shanghai") -> str:
    return value.astimezone(ZoneInfo(tz)).strftime(fmt) if value else "—"


@lru_cache
def environment(language: str) -> Environment:
    """The Jinja environment of one language (templates are shared, translations differ)."""
    env = Environment(
        loader=FileSystemLoader(_template_dirs()),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    catalogue = translations(language)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=gettext_for(language),  # `_` honours a label's context (NC_)
        ngettext=catalogue.ngettext,
        pgettext=catalogue.pgettext,
        npgettext=catalogue.npgettext,
        newstyle=True,
    )
    env.filters["local_time"] = _local_time
    env.filters["thousands"] = lambda n: f"{n:,}" if isinstance(n, int) else n
    env.globals["LANGUAGES"] = LANGUAGES
    from app import navigation, wording
    from app.delivery import labels as delivery_labels
    from app.frontpage import labels as frontpage_labels

    env.globals.update(
        nav_items=navigation.nav_items,
        role_label=navigation.role_label,
        perm_label=navigation.perm_label,
        error_title=navigation.error_title,
        error_explanation=navigation.error_explanation,
        can_open=navigation.can_open,
        may=navigation.may,
        approval_label=navigation.approval_label,
        approval_status_label=navigation.approval_status_label,
        term_label=navigation.term_label,
        label=wording.label,
        fp_check=frontpage_labels.LABELS,
        wrong_record_alert=frontpage_labels.wrong_record_alert,
        front_page_ocr=frontpage_labels.ocr_state,
        delivery_profile_items=delivery_labels.profile_items,
    )
    return env


def request_language(request: Request) -> str:
    """The language of this request: the user's choice, else Chinese."""
    return pick_language(request.cookies.get(LANG_COOKIE))


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a template in the request's language."""
    language = request_language(request)
    ctx = {
        "request": request,
        "lang": language,
        "html_lang": "zh-CN" if language == "zh_CN" else "en",
        "user": getattr(request.state, "user", None),
        "flashes": pop_flashes(request),
        **(context or {}),
    }
    html = environment(language).get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


FLASH_COOKIE = "folio_flash"


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    """Messages carried to this page by the flash cookie (set by redirect_with_flash)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        items = json.loads(unquote(raw))
        return [(str(k), str(m)) for k, m in items][:5]
    except (ValueError, TypeError):
        return []


def redirect(url: str, *, flash: str | None = None, kind: str = "info", status_code: int = 303) -> RedirectResponse:
    """A redirect after a form, optionally carrying a message to the next page."""
    response = RedirectResponse(url, status_code=status_code)
    if flash:
        response.set_cookie(
            FLASH_COOKIE,
            quote(json.dumps([[kind, flash]], ensure_ascii=False)),
            max_age=60,
            httponly=True,
            samesite="lax",
            path="/",
        )
    return response
