"""Errors of sign-in and station authentication."""

from app.core.errors import Conflict, Forbidden, Unauthorized, Unprocessable


class BadCredentials(Unauthorized):
    code = "bad_credentials"


class BadStationToken(Unauthorized):
    code = "bad_station_token"


class OperatorSessionExpired(Unauthorized):
    code = "operator_session_expired"


class RoleNotAllowed(Forbidden):
    code = "role_not_allowed"


class UsernameTaken(Conflict):
    code = "username_taken"


class WeakPassword(Unprocessable):
    code = "weak_password"
