"""Sanctions: warn, silence, suspend; shown with reason and date; expire; reversible; audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum import clock
from forum.extensions import db
from moderation.models import AuditEntry
from tests.helpers import login, submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread, user_id


def sanction(who, app, email, kind, days, reason):
    uid = user_id(app, email)
    return submit(who["mod"], f"/moderation/users/{uid}", {"kind": kind, "days": str(days), "reason": reason})


def test_silence_blocks_posting_with_a_clear_message_and_expires(app, mailbox):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room)
    thread = last_thread(app)
    page = who["mod"].get(f"/moderation/users/{user_id(app, 'keyaki@example.jp')}").get_data(as_text=True)
    assert 'value="1"' in page  # the first suggested step: 1 day
    assert sanction(who, app, "keyaki@example.jp", "silence", 1, "度重なる誹謗中傷").status_code == 303
    refused = reply(who["keyaki"], thread.id, "まだ書けますか")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "まで発言できません" in text and "度重なる誹謗中傷" in text
    assert "まで発言できません" in who["keyaki"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert who["keyaki"].get("/me/").status_code == 200  # can still log in and read
    assert "度重なる誹謗中傷" in mailbox.last("keyaki@example.jp").get_content()
    post = posts_of(app, thread.id)[0]
    react = submit(who["keyaki"], f"/posts/{post.id}/react", page=f"/threads/{thread.id}", follow_redirects=True)
    assert "まで発言できません" in react.get_data(as_text=True)
    clock.travel(timedelta(days=1, minutes=1))
    assert reply(who["keyaki"], thread.id, "期間が明けました").status_code == 303
    # the next suggested step is 3 days
    page = who["mod"].get(f"/moderation/users/{user_id(app, 'keyaki@example.jp')}").get_data(as_text=True)
    assert 'value="3"' in page


def test_suspension_ends_sessions_and_refuses_login_until_lifted(app):
    who = people(app)
    assert sanction(who, app, "keyaki@example.jp", "suspend", 7, "スパムの連続投稿").status_code == 303
    assert who["keyaki"].get("/me/").status_code == 302  # logged out at once
    page = login(app.test_client(), "keyaki@example.jp").get_data(as_text=True)
    assert "利用停止中です" in page and "スパムの連続投稿" in page
    with app.app_context():
        from moderation.models import Sanction

        record = db.session.scalar(select(Sanction))
    no_reason = submit(
        who["mod"],
        f"/moderation/sanctions/{record.id}/lift",
        {"reason": ""},
        page=f"/moderation/users/{record.user_id}",
        follow_redirects=True,
    )
    assert "解除の理由を書いてください" in no_reason.get_data(as_text=True)
    submit(
        who["mod"],
        f"/moderation/sanctions/{record.id}/lift",
        {"reason": "誤りでした"},
        page=f"/moderation/users/{record.user_id}",
    )
    assert login(app.test_client(), "keyaki@example.jp").status_code == 303
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["sanction.suspend", "sanction.lift"]


def test_warning_is_a_message_only(app, mailbox):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room)
    sanction(who, app, "keyaki@example.jp", "warn", "", "言葉づかいに気をつけてください")
    assert "運営者からの注意" in mailbox.last("keyaki@example.jp").get_content()
    assert reply(who["keyaki"], last_thread(app).id, "気をつけます").status_code == 303


def test_who_can_sanction_whom(app):
    who = people(app)
    assert who["himawari"].get(f"/moderation/users/{user_id(app, 'keyaki@example.jp')}").status_code == 403
    admin = sanction(who, app, "admin@example.jp", "silence", 1, "x")
    assert "運営者と管理者はここでは制裁できません" in admin.get_data(as_text=True)
    empty = sanction(who, app, "keyaki@example.jp", "silence", 1, "")
    assert "理由を本人に伝えてください" in empty.get_data(as_text=True)
    assert sanction(who, app, "keyaki@example.jp", "silence", 0, "x").status_code == 422
