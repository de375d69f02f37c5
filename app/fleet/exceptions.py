"""Errors of the station fleet."""

from app.core.errors import AppError


class HeartbeatTooSoon(AppError):
    status = 429
    code = "heartbeat_too_soon"
