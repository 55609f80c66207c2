"""Looking at a page never writes: every GET route of the URL map, with the demo content and the
clock moved past every room's period and thread timer, commits nothing (counted on the engine).
The one-time links from mail (address verification, e-mail change) are the only GETs that may."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import event, select

from forum import clock
from forum.extensions import db
from forum.models import Thread
from tests.helpers import login

MAY_WRITE = {"auth.verify", "account.confirm_email"}
IDS = {"room_id", "thread_id", "post_id", "board_id", "letter_id", "user_id", "job_id"}


@pytest.fixture
def demo(app):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():  # a thread with timers that have come, once the clock moves
        thread = db.session.scalar(select(Thread).order_by(Thread.id))
        thread.lock_at = clock.now() + timedelta(days=1)
        thread.unlock_at = clock.now() + timedelta(days=2)
        db.session.commit()
    clock.travel(timedelta(days=400))  # every open room's period has ended
    return app


def _get_urls(app) -> list[str]:
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in MAY_WRITE or rule.endpoint == "static":
                continue
            if rule.arguments - IDS - {"fmt"}:
                continue
            values = {name: 1 for name in rule.arguments}
            if "fmt" in values:
                values["fmt"] = "csv"
            urls.append(url_for(rule.endpoint, **values))
    return urls


@pytest.mark.parametrize("who", ["guest", "admin", "resident"])
def test_no_get_commits(demo, who):
    app = demo
    client = app.test_client()
    if who == "admin":
        assert login(client, "admin@example.jp", "kanri-2026-demo").status_code == 303
    elif who == "resident":
        assert login(client, "himawari@example.jp", "shimin-2026-demo").status_code == 303
    commits: list[int] = []
    with app.app_context():
        engine = db.engine

    def count(_connection) -> None:
        commits.append(1)

    event.listen(engine, "commit", count)
    try:
        writers = []
        urls = _get_urls(app)
        assert len(urls) > 60
        for url in urls:
            before = len(commits)
            response = client.get(url)
            assert response.status_code < 500, url
            if len(commits) != before:
                writers.append(url)
    finally:
        event.remove(engine, "commit", count)
    assert writers == []
