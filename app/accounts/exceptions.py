"""Errors of sign-in, sessions and station authentication."""

from app.core.errors import AppError, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable


class BadCredentials(Unauthorized):
    code = "bad_credentials"


class BadStationToken(Unauthorized):
    code = "bad_station_token"


class OperatorSessionExpired(Unauthorized):
    code = "operator_session_expired"


class NotSignedIn(Unauthorized):
    code = "not_signed_in"


class SecondFactorRequired(Unauthorized):
    code = "second_factor_required"


class BadSecondFactor(Unauthorized):
    code = "bad_second_factor"


class TooManyAttempts(AppError):
    status = 429
    code = "too_many_attempts"


class RoleNotAllowed(Forbidden):
    code = "role_not_allowed"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class UsernameTaken(Conflict):
    code = "username_taken"


class WeakPassword(Unprocessable):
    """A password the strength rule refuses (app.accounts.passwords): the code stays weak_password for API clients;
    `params["reason"]` (too_short, too_common, is_username) and `params["min"]` give the screen's words
    (app.accounts.passwords.WEAK_PASSWORD_WORDS)."""

    code = "weak_password"

    def __init__(self, detail: str, *, reason: str, **params: object) -> None:
        super().__init__(detail)
        self.params = {"reason": reason, **params}


class CannotDisableSelf(Conflict):
    """An administrator may not disable their own account (nobody would be left to enable it)."""

    code = "cannot_disable_self"


class UserNotFound(NotFound):
    code = "user_not_found"
