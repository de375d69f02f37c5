"""The one exception qc raises for input it cannot or will not read."""

from __future__ import annotations

INPUT_ERROR_CODES = (
    "empty",
    "truncated",
    "corrupt",
    "unsupported_format",
    "unsupported_variant",
    "multi_page",
    "too_many_pixels",
    "decoded_too_large",
)


class QCInputError(ValueError):
    """Unreadable, unsupported or oversized input; ``code`` is one of INPUT_ERROR_CODES."""

    def __init__(self, code: str, message: str) -> None:
        if code not in INPUT_ERROR_CODES:
            raise ValueError(f"unknown QCInputError code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[QCInputError], tuple[str, str]]:
        # picklable across a process pool (ValueError's default reduce passes only args)
        return (QCInputError, (self.code, self.message))

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
