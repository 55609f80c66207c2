"""Signed, expiring tokens for links sent by mail (verification, reset, e-mail change)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from forum import clock

VERIFY = "verify-email"
CHANGE_EMAIL = "change-email"
RESET = "reset-password"


class TokenError(ValueError):
    """The link is broken, expired or already used."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class _ClockTimestampSigner(TimestampSigner):
    def get_timestamp(self) -> int:  # follow forum.clock so tests can expire tokens
        return int(clock.now().timestamp())


class _ClockSigner(URLSafeTimedSerializer):
    default_signer = _ClockTimestampSigner


def make(purpose: str, payload: dict[str, Any]) -> str:
    return _ClockSigner(current_app.config["SECRET_KEY"], salt=f"hiroba.{purpose}").dumps(payload)


def read(purpose: str, token: str, max_age: int) -> dict[str, Any]:
    signer = _ClockSigner(current_app.config["SECRET_KEY"], salt=f"hiroba.{purpose}")
    try:
        data = signer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError(expired=True)
    except BadSignature:
        raise TokenError()
    if not isinstance(data, dict):
        raise TokenError()
    return data
