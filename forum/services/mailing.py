"""Mail through the outbox: queued in the action's own transaction, sent after it commits.

An action (a reply, a moderator's decision) adds its notifications and their mails in the same
transaction as the change itself, so a rollback takes the mail back too and a crash cannot send
half of it. After the commit the mails are sent after the response (the resident does not wait
for the mail server); whatever fails waits for the next try, and ``flask notify send`` (cron)
delivers what is left. Each row is claimed by one sender at a time and deleted once the server
took it, so a message leaves once even with several workers and a cron job.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from forum import clock
from forum.extensions import db
from forum.mail import MailError, send_mail
from forum.models import MailOutbox

log = logging.getLogger(__name__)
CLAIM = timedelta(minutes=10)  # a sender that died holding rows gives them up after this
BATCH = 50


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    waiting: int = 0


def queue(to: str, subject: str, body: str) -> MailOutbox:
    """Add a mail to the current transaction; it leaves only if that transaction commits."""
    row = MailOutbox(to_address=to, subject=subject[:300], body=body, created_at=clock.now(), attempts=0,
                     next_attempt_at=clock.now())
    db.session.add(row)
    return row


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failure, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claimable(now):
    return or_(MailOutbox.claimed_until.is_(None), MailOutbox.claimed_until < now)


def deliver(due_only: bool = True) -> Delivery:
    """Send the waiting mails once each, in order. ``due_only``: skip those still in their backoff
    (the after-response sender); the cron command sends everything that waits."""
    report = Delivery()
    token = uuid.uuid4().hex
    last = 0
    with Session(db.engine) as session:  # its own session: the caller's transaction is not touched
        while True:
            now = clock.now()
            due = select(MailOutbox.id).where(MailOutbox.id > last, _claimable(now))
            if due_only:
                due = due.where(MailOutbox.next_attempt_at <= now)
            due = due.order_by(MailOutbox.id).limit(BATCH)
            # the claim repeats its condition, so of two senders only one gets a row
            session.execute(update(MailOutbox).where(MailOutbox.id.in_(due.scalar_subquery()), _claimable(now))
                            .values(claimed_by=token, claimed_until=now + CLAIM))
            session.commit()
            rows = session.scalars(select(MailOutbox).where(MailOutbox.claimed_by == token)
                                   .order_by(MailOutbox.id)).all()
            if not rows:
                break
            for row in rows:
                last = max(last, row.id)
                try:
                    send_mail(row.to_address, row.subject, row.body)
                except MailError as error:
                    row.attempts += 1
                    row.last_error = str(error)[:500]
                    row.next_attempt_at = clock.now() + backoff(row.attempts)
                    row.claimed_by = row.claimed_until = None
                    report.failed += 1
                else:
                    session.delete(row)
                    report.sent += 1
                session.commit()  # row by row: a crash resends at most the one in flight
        report.waiting = session.scalar(select(func.count()).select_from(MailOutbox)) or 0
    return report


def waiting() -> int:
    return db.session.scalar(select(func.count()).select_from(MailOutbox)) or 0


def server_resting() -> bool:
    """Whether a recent failure is still in its backoff: the server is taken to be down, and the
    after-response sender leaves the mail to cron instead of holding a worker on a dead server."""
    return db.session.scalar(select(MailOutbox.id).where(
        MailOutbox.attempts > 0, MailOutbox.next_attempt_at > clock.now()).limit(1)) is not None


def _deliver_quietly(app: Flask) -> None:
    with app.app_context():
        try:
            if not server_resting():
                deliver()
        except Exception:  # never the resident's problem: the rows wait for the next try
            log.exception("sending the mail outbox failed; `flask notify send` will retry")
        finally:
            db.session.remove()


@event.listens_for(Session, "after_flush")
def _note_new_mail(session: Session, _context) -> None:
    if any(isinstance(obj, MailOutbox) for obj in session.new):
        session.info["mail_pending"] = True


@event.listens_for(Session, "after_rollback")
def _forget_mail(session: Session) -> None:
    session.info.pop("mail_pending", None)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if not session.info.pop("mail_pending", False) or not has_app_context():
        return
    if not current_app.config.get("MAIL_SEND_AFTER_COMMIT", True):
        return
    if has_request_context():
        g.hiroba_mail_pending = True  # sent once the response has left (see init_app)
    else:
        _deliver_quietly(current_app._get_current_object())


def init_app(app: Flask) -> None:
    @app.after_request
    def _send_after_response(response):
        if g.pop("hiroba_mail_pending", False):
            response.call_on_close(lambda: _deliver_quietly(app))
        return response
