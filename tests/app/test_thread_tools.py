"""Thread tools (lock, pin, slow mode, timers, move) and redaction, each audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum import clock
from forum.extensions import db
from moderation.models import AuditEntry
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, last_thread, local, people, posts_of, reply, start_thread


def tools(who, thread_id, **data):
    return submit(who["mod"], f"/moderation/threads/{thread_id}", data, page=f"/threads/{thread_id}")


def setup(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room)
    return who, room, last_thread(app)


def actions(app):
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_lock_and_pin(app):
    who, _room, thread = setup(app)
    assert (
        submit(
            who["himawari"], f"/moderation/threads/{thread.id}", {"locked": "y"}, page=f"/threads/{thread.id}"
        ).status_code
        == 403
    )
    tools(who, thread.id, locked="y", pinned="y")
    refused = reply(who["keyaki"], thread.id, "書けますか")
    assert refused.status_code == 403 and "ロックされています" in refused.get_data(as_text=True)
    tools(who, thread.id)  # both off again
    assert reply(who["keyaki"], thread.id, "書けました").status_code == 303
    assert actions(app) == ["thread.lock", "thread.pin", "thread.unlock", "thread.unpin"]


def test_slow_mode(app):
    who, _room, thread = setup(app)
    tools(who, thread.id, slow_mode="10")
    assert reply(who["keyaki"], thread.id, "一回目").status_code == 303
    second = reply(who["keyaki"], thread.id, "二回目")
    assert second.status_code == 403 and "スローモード中" in second.get_data(as_text=True)
    assert reply(who["staff"], thread.id, "職員は対象外").status_code == 303
    clock.travel(timedelta(minutes=11))
    assert reply(who["keyaki"], thread.id, "二回目").status_code == 303


def test_timers_lock_and_unlock_on_time(app):
    who, _room, thread = setup(app)
    tools(who, thread.id, lock_at=local(timedelta(hours=1)), unlock_at=local(timedelta(hours=3)))
    assert reply(who["keyaki"], thread.id, "まだ書ける").status_code == 303
    clock.travel(timedelta(hours=1, minutes=1))
    assert reply(who["keyaki"], thread.id, "締め切り後").status_code == 403  # locked on time, nothing written
    assert actions(app) == ["thread.timer"]
    assert "thread timers applied: 1" in app.test_cli_runner().invoke(args=["rooms", "tick"]).output
    clock.travel(timedelta(hours=2))
    assert reply(who["keyaki"], thread.id, "再開後").status_code == 303
    app.test_cli_runner().invoke(args=["rooms", "tick"])
    assert actions(app) == ["thread.timer", "thread.lock", "thread.unlock"]  # each stored with its entry


def test_move_a_thread_to_another_room(app):
    who, room, thread = setup(app)
    other = create_city_room(app, who["staff"], title="移動先の会議室")
    tools(who, thread.id, move_to=f"room:{other}")
    assert "避難所の運営" in who["guest"].get(f"/rooms/{other}").get_data(as_text=True)
    assert "避難所の運営" not in who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    assert actions(app) == ["thread.move"]


def test_redaction_shows_a_note_and_keeps_the_old_text_from_the_public(app, mailbox):
    who, _room, thread = setup(app)
    reply(who["keyaki"], thread.id, "詳しくは山田太郎さん（本町の八百屋）に聞いてください")
    post = posts_of(app, thread.id)[1]
    assert who["himawari"].get(f"/moderation/posts/{post.id}/redact").status_code == 403
    response = submit(
        who["mod"],
        f"/moderation/posts/{post.id}/redact",
        {"body": "詳しくは（運営者により削除）に聞いてください", "reason": "個人名のため"},
    )
    assert response.status_code == 303
    page = who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "運営者が一部を編集しました" in page and "山田太郎" not in page
    history = who["guest"].get(f"/posts/{post.id}/history").get_data(as_text=True)
    assert "山田太郎" not in history and "以前の本文は表示していません" in history
    assert "山田太郎" in who["keyaki"].get(f"/posts/{post.id}/history").get_data(as_text=True)
    assert "個人名のため" in mailbox.last("keyaki@example.jp").get_content()
    assert actions(app) == ["post.redact"]
