"""One action, one transaction: mail through the outbox, errors that keep the page, busy retries."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import MailOutbox, Notification, Post, Room, RulesAcceptance, Thread, User, Watch
from forum.services import notifications, rooms
from tests.helpers import make_app
from tests.helpers.mail import smtp_server
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread


class SwitchableInbox:
    """An SMTP server that refuses every message until it is told to accept."""

    def __init__(self) -> None:
        self.accepting = False
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        if not self.accepting:
            return "554 5.7.1 Rejected for the test"
        self.messages.append(envelope.content)
        return "250 Message accepted"


@pytest.fixture
def smtp():
    inbox = SwitchableInbox()
    with smtp_server(inbox) as controller:
        yield controller.port, inbox


def _watch_thread_by_mail(app, email: str, thread_id: int) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.notify_mode = "immediate"
        notifications.set_watch(user, True, thread=db.session.get(Thread, thread_id))
        db.session.commit()


def test_a_refusing_mail_server_never_loses_a_reply_and_notify_send_delivers_once(app, smtp):
    port, inbox = smtp
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room, body="公園の遊具について")
    thread = last_thread(app)
    _watch_thread_by_mail(app, "himawari@example.jp", thread.id)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_TIMEOUT=5)

    response = reply(who["keyaki"], thread.id, "ブランコを増やしてほしいです")
    assert response.status_code == 303  # posted, whatever the mail server says
    assert [p.body for p in posts_of(app, thread.id)][-1] == "ブランコを増やしてほしいです"
    with app.app_context():
        waiting = db.session.scalars(select(MailOutbox)).all()  # the thread's author watches it too
        assert [m.to_address for m in waiting].count("himawari@example.jp") == 1
        assert all(m.attempts == 1 and "Rejected" in m.last_error for m in waiting)  # tried after the response
        assert db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.text.contains("#2"))
        ) == len(waiting)
    assert inbox.messages == []
    reply(who["himawari"], thread.id, "遊具の日よけもほしいです")  # refused too: it waits beside the first
    with app.app_context():
        waiting = db.session.scalars(select(MailOutbox)).all()
        assert all(m.attempts == 1 and m.last_error.startswith("refused:") for m in waiting)
    n = len(waiting)

    failed = app.test_cli_runner().invoke(args=["notify", "send"])
    assert failed.exit_code == 1 and f"failed: {n}" in failed.output and f"waiting: {n}" in failed.output

    inbox.accepting = True  # the server is back
    sent = app.test_cli_runner().invoke(args=["notify", "send"])
    assert sent.exit_code == 0 and f"mails sent: {n}," in sent.output and "waiting: 0" in sent.output
    again = app.test_cli_runner().invoke(args=["notify", "send"])
    assert "mails sent: 0," in again.output
    assert len(inbox.messages) == n  # each once
    assert sum(b"himawari@example.jp" in m for m in inbox.messages) == 1


def test_two_senders_at_once_send_each_mail_once(app, smtp):
    port, inbox = smtp
    inbox.accepting = True
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_SEND_AFTER_COMMIT=False)
    from forum.services import mailing

    with app.app_context():
        for n in range(30):
            mailing.queue(f"r{n}@example.jp", f"件名{n}", "本文")
        db.session.commit()
    reports = []

    def send() -> None:
        with app.app_context():
            reports.append(mailing.deliver(due_only=False))

    workers = [threading.Thread(target=send) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sum(r.sent for r in reports) == 30 and len(inbox.messages) == 30
    with app.app_context():
        assert mailing.waiting() == 0


def test_a_rolled_back_action_sends_no_mail(app, mailbox):
    from forum.services import mailing

    with app.app_context():
        mailing.queue("taro@example.jp", "取り消される", "本文")
        db.session.rollback()
        assert mailing.waiting() == 0
    assert mailbox.messages() == []


def test_a_database_error_inside_a_request_shows_the_translated_500_page_to_a_signed_in_user(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room, body="最初の発言")
    thread = last_thread(app)
    with app.app_context():  # a broken counter: the next reply collides with post #1
        db.session.execute(update(Thread).where(Thread.id == thread.id).values(next_number=1))
        db.session.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    response = reply(who["keyaki"], thread.id, "衝突する返信")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "サーバーエラー" in page or "問題が発生" in page, page[:2000]
    assert "けやき" in page  # the signed-in header rendered: the session was rolled back first
    assert "Traceback" not in page and "Internal Server Error" not in page


def test_a_busy_database_is_retried_and_the_reply_goes_through(tmp_path):
    """SQLite's single writer and its busy timeout (on SQLite in both test runs: PostgreSQL locks
    rows instead, and waits)."""
    app = make_app(tmp_path / "instance", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room, body="混雑時の発言")
    thread = last_thread(app)
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    locked = threading.Event()

    def hold_the_write_lock() -> None:  # another process writing for a long time
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(5.6)  # longer than busy_timeout (5 s): the first try gives up
        connection.execute("COMMIT")
        connection.close()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    locked.wait(5)
    response = reply(who["keyaki"], thread.id, "混んでいても届く返信")
    holder.join()
    assert response.status_code == 303
    assert [p.number for p in posts_of(app, thread.id)] == [1, 2]


def test_the_rules_tick_and_watches_are_kept_once_whatever_the_order(app):
    who = people(app)
    room_id = create_city_room(app, who["staff"])
    start_thread(who["keyaki"], room_id, body="規約に同意して発言")
    thread = last_thread(app)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "keyaki@example.jp"))
        room = db.session.get(Room, room_id)
        for _ in range(3):  # as from three tabs: no error, one row
            rooms.accept_rules(user, room)
            notifications.set_watch(user, True, thread=db.session.get(Thread, thread.id))
            notifications.set_watch(user, True, room=room)
        db.session.commit()
        assert (
            db.session.scalar(
                select(func.count()).select_from(RulesAcceptance).where(RulesAcceptance.user_id == user.id)
            )
            == 1
        )
        assert db.session.scalar(select(func.count()).select_from(Watch).where(Watch.user_id == user.id)) == 2


def test_a_refused_post_keeps_the_text_and_records_nothing(app):
    who = people(app)
    room_id = create_city_room(app, who["staff"])
    response = start_thread(who["keyaki"], room_id, body="x" * 20_000)  # too long
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "x" * 100 in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RulesAcceptance)) == 0
        assert db.session.scalar(select(func.count()).select_from(Post)) == 0


def test_while_the_server_is_unreachable_new_mail_waits_for_cron(app, mailbox):
    from tests.helpers.mail import free_port

    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room, body="公民館の開館時間")
    thread = last_thread(app)
    _watch_thread_by_mail(app, "himawari@example.jp", thread.id)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False, MAIL_TIMEOUT=2)
    reply(who["keyaki"], thread.id, "夜も開けてほしいです")
    with app.app_context():
        tried = db.session.scalars(select(MailOutbox)).all()
        assert tried and all(m.attempts == 1 and m.last_error.startswith("connection:") for m in tried)
    reply(who["keyaki"], thread.id, "土曜日だけでも")  # nobody waits on a dead server again
    with app.app_context():
        fresh = db.session.scalars(select(MailOutbox).where(MailOutbox.attempts == 0)).all()
        assert len(fresh) == len(tried)
    app.config["MAIL_SERVER"] = None  # back (here: the .eml folder)
    sent = app.test_cli_runner().invoke(args=["notify", "send"])
    assert sent.exit_code == 0 and f"mails sent: {2 * len(tried)}," in sent.output
    assert len([m for m in mailbox.messages() if m["To"] == "himawari@example.jp"]) == 2
