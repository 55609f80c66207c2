"""``flask worker``: one process that guarantees the work web workers only try after a response
(search, mail) and the work time brings (rooms closing, export jobs, the daily mails), round after
round, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import func, select

from forum import clock
from forum.extensions import db
from forum.models import ExportJob, MailOutbox, Room, SearchOutbox, User
from forum.services.worker import Worker
from tests.helpers import copy_database, migrated_template, submit
from tests.helpers.rooms import create_city_room, last_thread, people, reply, start_thread


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_one_round_does_what_the_web_workers_left(app, mailbox):
    app.config.update(
        SEARCH_AUTO_SYNC=False,
        MAIL_SEND_AFTER_COMMIT=False,
        EXPORT_WORKER="none",
        EXPORT_BACKGROUND_FROM=1,
        WORKER_DIGEST_HOUR=0,
        WORKER_DEADLINES_HOUR=0,
    )
    who = people(app)
    room = create_city_room(app, who["staff"], closes=timedelta(days=1))
    start_thread(who["himawari"], room, body="公園の遊具を増やしてほしい")
    reply(who["keyaki"], last_thread(app).id, "賛成です。ベンチもほしい")  # himawari is told by mail
    submit(
        who["staff"], "/department/export/", {"room": room, "format": "csv"}, page=f"/department/export/?room={room}"
    )
    clock.travel(timedelta(days=2))  # the room's period has ended
    with app.app_context():
        assert _count(SearchOutbox) > 0 and _count(MailOutbox) > 0
        assert db.session.get(Room, room).state == "open"  # in storage; pages already show it closed
        assert db.session.scalar(select(ExportJob.state)) == "queued"

    result = app.test_cli_runner().invoke(args=["worker", "--rounds", "1"])
    assert result.exit_code == 0, result.output
    assert "round 1:" in result.output and "worker stopped after 1 rounds" in result.output
    with app.app_context():
        assert (_count(SearchOutbox), _count(MailOutbox)) == (0, 0)
        assert db.session.get(Room, room).state == "closed"
        assert db.session.scalar(select(ExportJob.state)) == "done"
    told = [m.get_content() for m in mailbox.messages() if m["To"] == "himawari@example.jp"]
    assert told and "避難所の運営" in told[-1], told  # the thread her reply came in
    found = who["guest"].get("/api/v1/search?q=遊具").get_json()
    assert found["total"] == 1

    with app.app_context():  # the daily mails run once a day, whatever the number of rounds
        worker = Worker()
        first, second = worker.round(), worker.round()
        assert "digest" in first and "deadlines" in first
        assert "digest" not in second and "deadlines" not in second
        user = db.session.scalar(select(User).where(User.email == "himawari@example.jp"))
        assert user is not None


def test_the_worker_stops_cleanly_on_sigterm(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    copy_database(migrated_template(), instance / "hiroba.sqlite3")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIROBA_")}
    env["HIROBA_INSTANCE_PATH"] = str(instance)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "forum", "worker", "--interval", "60"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    output = ""
    while "round 1:" not in output and time.monotonic() < deadline:
        output += worker.stdout.readline()
    assert "round 1:" in output, output
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    rest, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output + rest
    assert "worker stopped after 1 rounds" in rest
    assert time.monotonic() - started < 10  # it did not sit out its 60 s pause
