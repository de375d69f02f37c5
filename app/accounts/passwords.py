"""Password strength: the rule every new password meets, whether an admin sets it or the user changes it.

Both the account service and sign-in use it; it imports neither.
"""

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from app.accounts.exceptions import WeakPassword
from app.core.errors import AppError
from app.navigation import N_

MIN_PASSWORD_LENGTH = 10
# What the account and user screens say after "Too weak: ", by WeakPassword's params["reason"] (gettext msgids).
WEAK_PASSWORD_WORDS = {
    "too_short": N_("at least %(min)s characters are needed."),
    "too_common": N_("this password is too common or too simple: choose another."),
    "is_username": N_("the password must not be the user name."),
}
# What they say for a reason without words of its own (the rule's English detail is for the log, never the screen).
WEAK_PASSWORD_RULE = N_("Too weak: at least %(min)s characters, not a common password, not the user name.")


def weak_password_words(gettext: Callable[[str], str], exc: AppError) -> str:
    """A refused password (weak_password) in the reader's language: "Too weak: " and the reason's words, or the
    whole rule when the reason has none."""
    params = getattr(exc, "params", {})
    words = WEAK_PASSWORD_WORDS.get(params.get("reason", ""))
    try:
        if words:
            return gettext("Too weak: ") + gettext(words) % params
    except (KeyError, TypeError, ValueError):
        pass  # words whose params the refusal lacks: the rule says it
    return gettext(WEAK_PASSWORD_RULE) % {"min": MIN_PASSWORD_LENGTH}


@lru_cache
def _common_passwords() -> frozenset[str]:
    text = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_password_strength(password: str, username: str = "") -> None:
    """Refuse passwords shorter than 10 characters, common or near-constant ones, and the user name itself."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", reason="too_short", min=MIN_PASSWORD_LENGTH
        )
    if password.lower() in _common_passwords() or len(set(password)) < 4:
        raise WeakPassword("this password is too common or too simple; choose another", reason="too_common")
    if username and password.lower() == username.lower():
        raise WeakPassword("the password must not be the user name", reason="is_username")
