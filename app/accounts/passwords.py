"""Password strength: the rule every new password meets, whether an admin sets it or the user changes it.

Both the account service and sign-in use it; it imports neither.
"""

from functools import lru_cache
from pathlib import Path

from app.accounts.exceptions import WeakPassword
from app.navigation import N_

MIN_PASSWORD_LENGTH = 10
# What the account and user screens say after "Too weak: ", by WeakPassword's params["reason"] (gettext msgids).
WEAK_PASSWORD_WORDS = {
    "too_short": N_("at least %(min)s characters are needed."),
    "too_common": N_("this password is too common or too simple: choose another."),
    "is_username": N_("the password must not be the user name."),
}


def weak_password_words(gettext, exc: WeakPassword) -> str:  # noqa: ANN001
    """A refused password in the reader's language: "Too weak: " and the reason's words."""
    words = WEAK_PASSWORD_WORDS.get(exc.params.get("reason", ""))
    return gettext("Too weak: ") + (gettext(words) % exc.params if words else exc.detail)


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
