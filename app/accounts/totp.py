"""TOTP (RFC 6238): 30-second steps, 6 digits, HMAC-SHA1, accepted one step either side, each step once."""

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

from app.core.typed import typed_text

STEP_SECONDS = 30
DIGITS = 6
TOLERANCE_STEPS = 1


def new_secret() -> str:
    """A fresh 160-bit secret in base32, as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def code_at(secret: str, step: int, digits: int = DIGITS) -> str:
    """The code of one 30-second step (RFC 4226 HOTP over the step counter)."""
    mac = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_of(unix_time: float) -> int:
    """The 30-second step that contains a Unix time."""
    return int(unix_time // STEP_SECONDS)


def matching_step(secret: str, code: str, unix_time: float, last_used_step: int | None) -> int | None:
    """The step the code belongs to (now, or one step either side), if not older than or equal to the last used."""
    code = typed_text(code).replace(" ", "")  # full-width digits from a Chinese input method count as digits
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):  # compare_digest takes ASCII only
        return None
    now = step_of(unix_time)
    for step in range(now - TOLERANCE_STEPS, now + TOLERANCE_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "Folio") -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode(
        {"secret": secret, "issuer": issuer, "period": STEP_SECONDS, "digits": DIGITS, "algorithm": "SHA1"}
    )
