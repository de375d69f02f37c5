"""TOTP second factor (RFC 6238) through `pyotp`, with Folio's own rules around it.

pyotp computes the codes (30-second steps, 6 digits, HMAC-SHA1, as every authenticator app expects) and compares
them in constant time after Unicode NFKC normalisation. Folio adds: what was typed is normalised first (full-width
digits from a Chinese input method, spaces), a code is accepted one step either side of now, and each step is
accepted once (the caller stores the step returned and passes it back as `last_used_step`). Attempt limits live in
the sign-in policy (`app.accounts.signin`), not here.
"""

import binascii

import pyotp
from pyotp.utils import strings_equal

from app.core.typed import typed_text

STEP_SECONDS = 30
DIGITS = 6
TOLERANCE_STEPS = 1


def new_secret() -> str:
    """A fresh 160-bit secret in base32 (32 characters), as authenticator apps expect."""
    return pyotp.random_base32(length=32)


def is_secret(text: str) -> bool:
    """True when the text can be a base32 secret (a form may send anything back: pyotp would raise on it)."""
    try:
        return bool(text) and len(pyotp.TOTP(text).byte_secret()) >= 10
    except (ValueError, binascii.Error):
        return False


def code_at(secret: str, step: int, digits: int = DIGITS) -> str:
    """The code of one 30-second step: RFC 4226 HOTP over the step counter (RFC 6238 §4.2)."""
    return pyotp.HOTP(secret, digits=digits).at(step)


def step_of(unix_time: float) -> int:
    """The 30-second step that contains a Unix time (seconds since 1970-01-01 UTC)."""
    return int(unix_time // STEP_SECONDS)


def normalise_code(typed: str) -> str | None:
    """What was typed as a code → six ASCII digits, or None when it cannot be one.

    NFKC folds full-width digits (０-９) and ideographic spaces to ASCII; inner spaces and hyphens that apps show
    ("123 456") are dropped. Digits of other scripts (e.g. Arabic-Indic) are not codes and give None.
    """
    text = typed_text(typed).replace(" ", "").replace("-", "")  # the shared normaliser of typed codes
    if len(text) != DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return text


def matching_step(secret: str, code: str, unix_time: float, last_used_step: int | None) -> int | None:
    """The step a typed code belongs to (now or one step either side), never one at or before `last_used_step`.

    Returns None for a wrong, malformed or replayed code, or a secret that is not base32; never raises for any
    typed text.
    """
    typed = normalise_code(code)
    if typed is None or not is_secret(secret):
        return None
    now = step_of(unix_time)
    for step in range(now - TOLERANCE_STEPS, now + TOLERANCE_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if strings_equal(code_at(secret, step), typed):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "Folio") -> str:
    """The otpauth:// URI (Key Uri Format) an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)
