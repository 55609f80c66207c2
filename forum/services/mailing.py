"""Mail through the outbox: queued in the action's own transaction, sent after it commits.

An action (a reply, a moderator's decision) adds its notifications and their mails in the same
transaction as the change itself, so a rollback takes the mail back too and a crash cannot send
half of it. After the commit the mails are sent after the response (the resident does not wait
for the mail server); whatever fails waits for the next try, and ``flask notify send`` (cron)
delivers what is left. Each row is claimed by one sender at a time and deleted once the server
took it, so a message leaves once even with several workers and a cron job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from forum import after_response, clock
from forum.extensions import db
from forum.mail import MailError, send_mail
from forum.models import MailOutbox
from forum.services.transactions import retry_when_busy

CLAIM = timedelta(minutes=10)  # a sender that died holding rows gives them up after this
BATCH = 50


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    waiting: int = 0
    given_up: int = 0  # tried MAIL_MAX_ATTEMPTS times; only `notify send --retry-given-up` tries them


def queue(to: str, subject: str, body: str) -> MailOutbox:
    """Add a mail to the current transaction; it leaves only if that transaction commits."""
    row = MailOutbox(
        to_address=to, subject=subject[:300], body=body, created_at=clock.now(), attempts=0, next_attempt_at=clock.now()
    )
    db.session.add(row)
    return row


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failure, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claimable(now):
    return or_(MailOutbox.claimed_until.is_(None), MailOutbox.claimed_until < now)


def deliver(due_only: bool = True, retry_given_up: bool = False) -> Delivery:
    """Send the waiting mails once each, in order. ``due_only``: skip those still in their backoff
    (the after-response sender); the cron command sends everything that waits. Each row is claimed
    just before it is sent and deleted only by the sender that claimed it, so two senders (workers,
    cron) never send one mail twice."""
    report = Delivery()
    token = uuid.uuid4().hex
    limit = current_app.config["MAIL_MAX_ATTEMPTS"]
    last = 0
    with Session(db.engine) as session:  # its own session: the caller's transaction is not touched
        while True:
            now = clock.now()
            due = select(MailOutbox.id).where(MailOutbox.id > last, _claimable(now))
            if due_only:
                due = due.where(MailOutbox.next_attempt_at <= now)
            if not retry_given_up:
                due = due.where(MailOutbox.attempts < limit)
            ids = session.scalars(due.order_by(MailOutbox.id).limit(BATCH)).all()
            session.rollback()
            if not ids:
                break
            for row_id in ids:
                last = row_id
                if not _claim(session, row_id, token):
                    continue  # another sender took it a moment ago
                row = session.get(MailOutbox, row_id)
                try:
                    send_mail(row.to_address, row.subject, row.body)
                except MailError as error:
                    _settle(session, row_id, token, error)
                    report.failed += 1
                else:
                    _settle(session, row_id, token, None)
                    report.sent += 1
                session.expunge_all()
        report.waiting = session.scalar(select(func.count()).select_from(MailOutbox)) or 0
        report.given_up = (
            session.scalar(select(func.count()).select_from(MailOutbox).where(MailOutbox.attempts >= limit)) or 0
        )
    return report


def _claim(session: Session, row_id: int, token: str) -> bool:
    now = clock.now()
    claimed = (
        session.execute(
            update(MailOutbox)
            .where(MailOutbox.id == row_id, _claimable(now))
            .values(claimed_by=token, claimed_until=now + CLAIM)
        ).rowcount
        == 1
    )
    session.commit()
    return claimed


def _settle(session: Session, row_id: int, token: str, error: MailError | None) -> None:
    """Delete a sent row, or record a failure; retried while the database is busy, since giving
    up here would send the mail again once the claim ran out."""
    mine = (MailOutbox.id == row_id) & (MailOutbox.claimed_by == token)

    def write() -> None:
        if error is None:
            session.execute(delete(MailOutbox).where(mine))
        else:
            kind = "connection: " if error.connection else "refused: "
            row = session.get(MailOutbox, row_id)
            attempts = (row.attempts if row else 0) + 1
            session.execute(
                update(MailOutbox)
                .where(mine)
                .values(
                    attempts=attempts,
                    last_error=(kind + str(error))[:500],
                    next_attempt_at=clock.now() + backoff(attempts),
                    claimed_by=None,
                    claimed_until=None,
                )
            )
        session.commit()

    retry_when_busy(write, session, attempts=5, pause=0.2)


def waiting() -> int:
    return db.session.scalar(select(func.count()).select_from(MailOutbox)) or 0


def server_resting() -> bool:
    """Whether the server could not be reached lately (a failure still in its backoff): new mail
    then waits for cron instead of holding a worker on a dead server. A refused recipient does
    not count: it says nothing about the mail of others."""
    return (
        db.session.scalar(
            select(MailOutbox.id)
            .where(
                MailOutbox.attempts > 0,
                MailOutbox.next_attempt_at > clock.now(),
                MailOutbox.last_error.like("connection:%"),
            )
            .limit(1)
        )
        is not None
    )


def _deliver_unless_resting() -> None:
    if not server_resting():
        deliver()


after_response.job("mail", _deliver_unless_resting)


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
    after_response.soon("mail")
