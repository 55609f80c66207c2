"""The review queue as a read model (a page costs the same number of queries for 10 or 50 items)
and bulk decisions as one transaction with one summary notice per author."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Notification, Post, PostState, Room, Thread, User
from forum.services import posts
from moderation import appeals, flags, queue, rules_admin
from moderation.models import Appeal, Flag
from tests.helpers import add_user, statements_of_get, submit
from tests.helpers.rooms import create_city_room, people, relax_rules

HOLD_WORD = "要確認"


def _room_with_a_hold_rule(app) -> tuple[dict, int]:
    """A small city, a room, and a rule that holds posts with ``HOLD_WORD``."""
    who = people(app)
    room_id = create_city_room(app, who["staff"])
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@example.jp"))
        rules_admin.save_rule(
            admin,
            None,
            kind="words",
            action="hold",
            name="確認",
            patterns=HOLD_WORD,
            regex=False,
            room_id=None,
            params="",
            enabled=True,
        )
    return who, room_id


def _residents(app, count: int) -> list[int]:
    return [add_user(app, f"住民{i}", f"r{i}@example.jp") for i in range(count)]


def _fill(app, room_id: int, n: int, residents: list[int], start: int) -> None:
    """``n`` held posts, ``n`` flagged posts and ``n`` open appeals, by several residents."""
    with app.app_context():
        moderator = db.session.scalar(select(User).where(User.email == "mod@example.jp"))
        room = db.session.get(Room, room_id)
        people_ = [db.session.get(User, i) for i in residents]
        thread = posts.start_thread(people_[0], room, f"意見 {start}", "はじめの意見です。", accept_rules=True)
        first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
        for i in range(n):  # refused, then appealed
            post = posts.reply(
                people_[i % len(people_)], thread, f"{HOLD_WORD} 見直し {start + i}", reply_to=first, accept_rules=True
            )
            queue.reject(moderator, post, "テーマと関係がありません")
            appeals.appeal(post.author, post, "テーマに関係があります")
        for i in range(n):  # held, waiting
            posts.reply(
                people_[i % len(people_)], thread, f"{HOLD_WORD} 保留 {start + i}", reply_to=first, accept_rules=True
            )
        for i in range(n):  # published and flagged by another resident
            post = posts.reply(people_[i % len(people_)], thread, f"公開 {start + i}", accept_rules=True)
            flagger = people_[(i + 1) % len(people_)]
            flags.flag_post(flagger, post, "spam", "", threshold=100)


def test_the_queue_page_costs_the_same_for_10_and_50_items(app):
    who, room_id = _room_with_a_hold_rule(app)
    residents = _residents(app, 4)
    _fill(app, room_id, 10, residents, start=0)
    small, page = statements_of_get(app, who["mod"], "/moderation/")
    assert page.count("data-queue-item") == 10 and page.count("テーマに関係があります") == 10
    _fill(app, room_id, 40, residents, start=100)
    large, page = statements_of_get(app, who["mod"], "/moderation/")
    assert page.count("data-queue-item") == 50 and page.count("テーマに関係があります") == 50
    assert page.count('id="f') >= 50  # flagged items
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appeal)) == 50
        assert db.session.scalar(select(func.count()).select_from(Flag)) == 50
    assert small == large, f"{small} statements for 10 items, {large} for 50"
    # each held item's reason, and its author's history, are on the page
    assert page.count(f"「{HOLD_WORD}」という言葉は使えません") == 50
    histories = re.findall(r"公開 (\d+)件・確認待ち (\d+)件・非公開 (\d+)件", page)
    assert {held for _published, held, _refused in histories} == {"12", "13"}  # 50 held among 4 residents


def test_a_long_queue_is_paged(app):
    who, room_id = _room_with_a_hold_rule(app)
    with app.app_context():
        author = db.session.scalar(select(User).where(User.email == "keyaki@example.jp"))
        thread = posts.start_thread(author, db.session.get(Room, room_id), "長い列", "はじめ", accept_rules=True)
        for i in range(queue.PAGE_SIZE + 5):
            posts.reply(author, thread, f"{HOLD_WORD} {i}", accept_rules=True)
    first = who["mod"].get("/moderation/").get_data(as_text=True)
    second = who["mod"].get("/moderation/?page=2").get_data(as_text=True)
    assert first.count("data-queue-item") == queue.PAGE_SIZE and second.count("data-queue-item") == 5
    assert f"({queue.PAGE_SIZE + 5})" in first and 'rel="next"' in first


def test_bulk_publishing_is_one_decision_with_one_notice_per_author(app, mailbox):
    who = people(app, strict=True)  # new residents' first posts are held
    relax_rules(app, "rate", "duplicate")
    room_id = create_city_room(app, who["staff"])
    with app.app_context():
        room = db.session.get(Room, room_id)
        keyaki = db.session.scalar(select(User).where(User.email == "keyaki@example.jp"))
        himawari = db.session.scalar(select(User).where(User.email == "himawari@example.jp"))
        threads = [
            posts.start_thread(keyaki, room, f"けやきの意見{i}", f"本文{i}", accept_rules=True) for i in range(3)
        ]
        posts.start_thread(himawari, room, "ひまわりの意見", "本文", accept_rules=True)
        ids = [str(p) for p in db.session.scalars(select(Post.id).where(Post.state == PostState.PENDING.value))]
        assert len(ids) == 4 and len(threads) == 3
        before = {
            u: db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == u))
            for u in (keyaki.id, himawari.id)
        }
        keyaki_id, himawari_id = keyaki.id, himawari.id
    mails_before = len(mailbox.messages())
    done = submit(
        who["mod"], "/moderation/bulk", {"ids": ids, "action": "approve"}, page="/moderation/", follow_redirects=True
    )
    assert "4件を処理しました" in done.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(Post).where(Post.state == PostState.PUBLISHED.value))
            == 4
        )
        assert db.session.scalar(select(func.count()).select_from(Thread).where(Thread.public_post_count == 1)) == 4
        notes = {
            u: list(
                db.session.scalars(select(Notification.text).where(Notification.user_id == u).order_by(Notification.id))
            )[before[u] :]
            for u in (keyaki_id, himawari_id)
        }
    assert len(notes[keyaki_id]) == 1 and "3件が公開されました" in notes[keyaki_id][0]
    assert all(f"けやきの意見{i}" in notes[keyaki_id][0] for i in range(3))
    assert len(notes[himawari_id]) == 1 and "ひまわりの意見" in notes[himawari_id][0]
    new_mails = mailbox.messages()[mails_before:]
    assert sorted(m["To"] for m in new_mails) == ["himawari@example.jp", "keyaki@example.jp"]
