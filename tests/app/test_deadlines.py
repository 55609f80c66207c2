"""Room reports are routed to their department with an answer due date; staff are reminded
7 days and 1 day before and when overdue (a controllable clock); everyone sees the state."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Notification, Room, User
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, people, room_state, start_thread


def reminders_of(app, email: str) -> list[str]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return [
            n.text
            for n in db.session.scalars(
                select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
            )
        ]


def deadlines(app) -> str:
    result = app.test_cli_runner().invoke(args=["notify", "deadlines"])
    assert result.exit_code == 0, result.output
    return result.output


def test_due_date_reminders_and_the_lists(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    with app.app_context():
        db.session.get(Room, room).answer_days = 14
        db.session.commit()
    start_thread(who["himawari"], room)
    submit(who["staff"], f"/rooms/{room}/close", {"confirmed": "1"}, page=f"/rooms/{room}")
    submit(who["coord"], f"/rooms/{room}/report", {"body": "報告です。", "submit": "1", "confirmed": "1"})
    assert room_state(app, room) == "reported"
    arrived = reminders_of(app, "kikaku@example.jp")
    assert any("会議室報告が届きました" in text for text in arrived)
    assert not reminders_of(app, "bousai@example.jp")  # another department is not told
    page = who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    assert "回答予定日" in page and "あと14日" in page

    assert "deadline reminders: 0" in deadlines(app)  # 14 days left: nothing yet
    clock.travel(timedelta(days=7, hours=1))
    assert "deadline reminders: 1" in deadlines(app)
    assert "あと7日" in reminders_of(app, "kikaku@example.jp")[-1]
    assert "deadline reminders: 0" in deadlines(app)  # once per threshold
    clock.travel(timedelta(days=6))
    assert "deadline reminders: 1" in deadlines(app)
    assert "あと1日" in reminders_of(app, "kikaku@example.jp")[-1]
    clock.travel(timedelta(days=2))
    assert "deadline reminders: 1" in deadlines(app)
    assert "過ぎています" in reminders_of(app, "kikaku@example.jp")[-1]
    assert "deadline reminders: 0" in deadlines(app)

    admin_page = who["admin"].get("/admin/reports").get_data(as_text=True)
    assert "日超過" in admin_page and "会議室報告と回答" in admin_page
    assert who["staff"].get("/admin/reports").status_code == 403
    desk = who["staff"].get("/department/").get_data(as_text=True)
    assert "日超過" in desk
    assert "日超過" not in who["other_staff"].get("/department/").get_data(as_text=True)
    assert "期限を過ぎています" in who["guest"].get(f"/rooms/{room}").get_data(as_text=True)

    submit(who["staff"], f"/rooms/{room}/answer", {"body": "回答します。", "confirmed": "1"})
    assert room_state(app, room) == "answered"
    assert "に回答" in who["admin"].get("/admin/reports").get_data(as_text=True)
    assert "deadline reminders: 0" in deadlines(app)


def test_late_cron_sends_only_the_nearest_reminder(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room)
    submit(who["staff"], f"/rooms/{room}/close", {"confirmed": "1"}, page=f"/rooms/{room}")
    submit(who["coord"], f"/rooms/{room}/report", {"body": "報告です。", "submit": "1", "confirmed": "1"})
    clock.travel(timedelta(days=29, hours=12))  # 30 days by default; the 7-day mark was missed
    assert "deadline reminders: 1" in deadlines(app)
    assert "deadline reminders: 0" in deadlines(app)
    assert "あと1日" in reminders_of(app, "kikaku@example.jp")[-1]


def test_the_room_form_sets_the_days_to_answer(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    with app.app_context():
        assert db.session.get(Room, room).answer_days == 30
    assert "回答期限（日数）" in who["staff"].get("/rooms/new").get_data(as_text=True)
