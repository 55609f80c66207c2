"""The one mail sender: SMTP when ``MAIL_SERVER`` is set, else ``.eml`` files in ``MAIL_DIR``.

The file fallback lets a local app (and the tests) work with no mail server: every message is
a real RFC 5322 file that a mail client can open.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from contextlib import AbstractContextManager, nullcontext
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, has_request_context

from forum import clock

log = logging.getLogger(__name__)


def site_links() -> AbstractContextManager:
    """Mails written by a command (digest, reminders) link to the site, and there is no request to
    take its address from: ``BASE_URL`` stands in. Inside a request, the request's own address."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config["BASE_URL"])


class MailError(RuntimeError):
    """The mail server could not be reached (``connection``) or refused the message."""

    def __init__(self, message: str, connection: bool = False) -> None:
        super().__init__(message)
        self.connection = connection


def send_mail(to: str, subject: str, body: str) -> str:
    """Send one plain-text message; returns its Message-ID."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = make_msgid(domain="hiroba.local")
    msg.set_content(body, charset="utf-8")
    if cfg["MAIL_SERVER"]:
        try:
            _send_smtp(msg)
        except (OSError, smtplib.SMTPException) as error:
            log.exception("mail to %s could not be sent: %s", to, subject)
            raise MailError(str(error), connection=not _refused_message(error)) from error
        log.info("mail sent via SMTP to %s: %s", to, subject)
    else:
        path = _write_eml(msg, Path(cfg["MAIL_DIR"]))
        log.info("mail written to %s (no MAIL_SERVER set): %s", path, subject)
    return msg["Message-ID"]


def _refused_message(error: Exception) -> bool:
    """The server took the connection but refused this message (a recipient, the sender, the data);
    anything else (no connection, a failed greeting or login) makes it unusable for every mail."""
    server_level = smtplib.SMTPConnectError | smtplib.SMTPHeloError | smtplib.SMTPAuthenticationError
    return isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException) and not isinstance(
        error, server_level
    )


def _send_smtp(msg: EmailMessage) -> None:
    cfg = current_app.config
    host, port, timeout = cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), cfg["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    if cfg["MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(msg)


def _write_eml(msg: EmailMessage, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{clock.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    path = folder / name
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(path)
    return path
