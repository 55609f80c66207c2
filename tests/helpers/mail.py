"""A real SMTP server on a free loopback port, for the tests that send mail through SMTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from tests.helpers.live import free_port

__all__ = ["free_port", "smtp_server"]


@contextmanager
def smtp_server(handler) -> Iterator[Controller]:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
