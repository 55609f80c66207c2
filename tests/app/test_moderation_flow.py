"""Moderation through the app with the default rules: refuse, hold, review, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Post, User
from moderation import queue
from moderation.models import AuditEntry
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread


@pytest.fixture
def city(app):
    who = people(app, strict=True)  # the default rules, as a new site has them
    room = create_city_room(app, who["staff"])
    return who, room


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_first_post_of_a_new_resident_is_held_then_approved(app, city, mailbox):
    who, room = city
    response = start_thread(who["himawari"], room)
    assert response.status_code == 303 and response.headers["Location"].endswith("/me/#posts")
    page = who["himawari"].get("/me/").get_data(as_text=True)
    assert "運営者の確認後に公開されます" in page and "確認待ち" in page
    thread = last_thread(app)
    post = posts_of(app, thread.id)[0]
    assert post.state == "pending"
    # invisible to everyone else: room page, thread page, API, feed
    assert "避難所の運営" not in who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    assert "避難所の案内" not in who["keyaki"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert who["guest"].get("/api/v1/posts").get_json()["total"] == 0
    assert "避難所の案内" not in who["guest"].get(f"/rooms/{room}/feed.atom").get_data(as_text=True)

    queue = who["mod"].get("/moderation/").get_data(as_text=True)
    assert "避難所の案内をわかりやすく" in queue and "初めての参加者の発言は確認してから公開します" in queue
    assert who["keyaki"].get("/moderation/").status_code == 403
    assert submit(who["keyaki"], f"/moderation/posts/{post.id}/approve", page="/").status_code == 403

    assert submit(who["mod"], f"/moderation/posts/{post.id}/approve", page="/moderation/").status_code == 303
    assert posts_of(app, thread.id)[0].state == "published"
    assert "避難所の運営" in who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    assert "公開されました" in mailbox.last("himawari@example.jp").get_content()
    assert audit_actions(app) == ["rule.hold", "post.approve"]
    # approved once (and past the 30 s a new account waits between posts): published at once
    clock.travel(timedelta(seconds=31))
    reply(who["himawari"], thread.id, "補足です。")
    assert posts_of(app, thread.id)[1].state == "published"


def test_rejected_post_tells_the_author_why(app, city, mailbox):
    who, room = city
    start_thread(who["keyaki"], room)
    post = posts_of(app, last_thread(app).id)[0]
    no_reason = submit(
        who["mod"], f"/moderation/posts/{post.id}/reject", {"reason": ""}, page="/moderation/", follow_redirects=True
    )
    assert "公開しない理由を投稿者に伝えてください" in no_reason.get_data(as_text=True)
    submit(who["mod"], f"/moderation/posts/{post.id}/reject", {"reason": "テーマと関係がないため"}, page="/moderation/")
    assert posts_of(app, post.thread_id)[0].state == "rejected"
    mail = mailbox.last("keyaki@example.jp").get_content()
    assert "公開されませんでした" in mail and "テーマと関係がないため" in mail
    assert "非公開" in who["keyaki"].get("/me/").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "post.reject"))
        assert entry.reason == "テーマと関係がないため" and entry.actor_handle == "運営"


def test_personal_information_is_held_with_its_reason(app, city):
    who, room = city
    assert start_thread(who["coord"], room, title="連絡", body="お問い合わせください。").status_code == 303
    with app.app_context():  # the coordinator's first post is approved by a moderator
        moderator = db.session.scalar(select(User).where(User.email == "mod@example.jp"))
        queue.approve(moderator, db.session.scalar(select(Post)))
    thread = last_thread(app)
    clock.travel(timedelta(seconds=31))
    reply(who["coord"], thread.id, "私の電話は０９０－１２３４－５６７８です")
    held = posts_of(app, thread.id)[1]
    assert held.state == "pending"
    assert "電話番号が含まれています" in who["mod"].get("/moderation/").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.target_id == held.id)).first()
        assert entry.details["matches"][0]["reason"] == "phone"


def test_limits_refuse_with_a_retry_time_and_keep_the_text(app, city):
    who, room = city
    start_thread(who["staff"], room)  # staff are trusted: published at once, never rate limited
    thread = last_thread(app)
    assert posts_of(app, thread.id)[0].state == "published"
    reply(who["staff"], thread.id, "続けて投稿します")
    assert posts_of(app, thread.id)[1].state == "published"
    assert reply(who["keyaki"], thread.id, "最初の返信です").status_code == 303
    second = reply(who["keyaki"], thread.id, "すぐ次の返信です")
    page = second.get_data(as_text=True)
    assert second.status_code == 422
    assert "この発言は投稿できません" in page and "秒後にもう一度お試しください" in page
    assert "すぐ次の返信です" in page  # nothing typed is lost


def test_election_campaigning_is_held(app, city):
    who, room = city
    start_thread(who["staff"], room)
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "次の市長選では清き一票をお願いします")
    assert posts_of(app, thread.id)[1].state == "pending"
    assert "選挙運動" in who["mod"].get("/moderation/").get_data(as_text=True)


def test_an_edit_that_adds_personal_information_goes_back_to_review(app, city):
    who, room = city
    start_thread(who["staff"], room, body="窓口のご案内です。")
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "質問です")
    mine = posts_of(app, thread.id)[1]
    submit(who["mod"], f"/moderation/posts/{mine.id}/approve", page="/moderation/")
    assert posts_of(app, thread.id)[1].state == "published"
    response = submit(
        who["keyaki"], f"/posts/{mine.id}/edit", {"body": "質問です。住所は本町2丁目3番4号です", "submit": "1"}
    )
    assert response.status_code == 303
    assert posts_of(app, thread.id)[1].state == "pending"
    assert "本町2丁目3番4号" not in who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "住所が含まれています" in who["mod"].get("/moderation/").get_data(as_text=True)


def test_the_audit_log_cannot_be_altered(app, city):
    who, room = city
    start_thread(who["himawari"], room)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        entry.reason = "書き換え"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEntry)))
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(AuditEntry)).reason == ""
    # no route of the app writes to the audit log directly
    assert [r for r in app.url_map.iter_rules() if "audit" in str(r) and r.methods & {"POST", "PUT", "DELETE"}] == []


def test_the_author_sees_their_held_post_and_others_a_placeholder(app, city):
    who, room = city
    start_thread(who["staff"], room)
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "確認待ちの返信です")
    mine = who["keyaki"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "確認待ちの返信です" in mine and "あなたにだけ表示されます" in mine
    theirs = who["himawari"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "確認待ちの返信です" not in theirs and "運営者の確認待ちです" in theirs


def test_bulk_refuse_needs_a_reason_and_tells_every_author(app, city, mailbox):
    who, room = city
    start_thread(who["keyaki"], room, title="一つ目")
    start_thread(who["himawari"], room, title="二つ目")
    ids = [p.id for t in (last_thread(app).id - 1, last_thread(app).id) for p in posts_of(app, t)]
    no_reason = submit(
        who["mod"],
        "/moderation/bulk",
        {"ids": [str(i) for i in ids], "action": "reject"},
        page="/moderation/",
        follow_redirects=True,
    )
    assert "公開しない理由を投稿者に伝えてください" in no_reason.get_data(as_text=True)
    done = submit(
        who["mod"],
        "/moderation/bulk",
        {"ids": [str(i) for i in ids], "action": "reject", "reason": "テーマと無関係"},
        page="/moderation/",
        follow_redirects=True,
    )
    assert "2件を処理しました" in done.get_data(as_text=True)
    for email in ("keyaki@example.jp", "himawari@example.jp"):
        assert "テーマと無関係" in mailbox.last(email).get_content()
    assert (
        submit(who["keyaki"], "/moderation/bulk", {"ids": [str(ids[0])], "action": "approve"}, page="/").status_code
        == 403
    )


def test_the_author_is_told_of_the_hold_and_proposals_are_audited(app, city, mailbox):
    who, room = city
    start_thread(who["himawari"], room)
    assert "運営者の確認待ちです" in mailbox.last("himawari@example.jp").get_content()
    assert "運営者の確認待ちです" in who["himawari"].get("/me/notifications").get_data(as_text=True)
    proposal = submit(
        who["keyaki"],
        "/rooms/propose",
        {
            "title": "公園の使い方",
            "purpose": "p",
            "posting_rules": "r",
            "handling": "h",
            "opens_at": "2030-01-01T10:00",
            "closes_at": "2030-02-01T10:00",
        },
    )
    room_id = int(proposal.headers["Location"].rsplit("/", 1)[1])
    assert "公園の使い方" in who["mod"].get("/moderation/").get_data(as_text=True)
    submit(who["mod"], f"/rooms/{room_id}/review", {"decline-reason": "重複しています", "decline-submit": "1"})
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "room.decline"))
        assert entry.reason == "重複しています" and entry.actor_handle == "運営" and entry.target_id == room_id
