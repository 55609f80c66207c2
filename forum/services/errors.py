"""The error every service raises for a request the user can fix or must be told about."""

from __future__ import annotations


class ServiceError(ValueError):
    """``message`` is shown to the user (lazy-translated); ``field`` names the form field."""

    def __init__(self, message: object, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
