"""Costs that do not grow with the site: each main page runs the same number of SQL statements
with a few posts and with many (more threads, posts, authors, replies and 共感), for a guest and
for a signed-in resident. A page that asks the database once per item fails here."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Board, BoardMember, Post, Room, Thread, User
from forum.services import posts
from tests.helpers import add_user, statements_of_get
from tests.helpers.rooms import create_city_room, people, relax_rules


def _grow(app, room_id: int, board_id: int, threads: int, replies: int, tag: str) -> None:
    """``threads`` more threads in the room (and one on the board), each with ``replies`` replies
    by different residents, some replying to others, with 共感."""
    residents = [add_user(app, f"{tag}住民{i}", f"{tag}{i}@example.jp") for i in range(4)]
    with app.app_context():
        people_ = [db.session.get(User, i) for i in residents]
        room = db.session.get(Room, room_id)
        board = db.session.get(Board, board_id)
        for t in range(threads):
            thread = posts.start_thread(
                people_[t % 4], room, f"{tag} 話題 {t}", f"{tag} 防災の意見 {t}", accept_rules=True
            )
            first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
            for r in range(replies):
                post = posts.reply(
                    people_[(t + r + 1) % 4],
                    thread,
                    f"{tag} 返信 {r}",
                    reply_to=first if r % 2 else None,
                    accept_rules=True,
                )
                posts.toggle_reaction(people_[(t + r + 2) % 4], post)
        member = BoardMember(board_id=board.id, user_id=people_[0].id)
        db.session.add(member)
        db.session.flush()
        posts.start_thread(people_[0], board, f"{tag} 掲示板の話題", "お知らせです")
        db.session.remove()


@pytest.fixture
def site(app):
    who = people(app)
    relax_rules(app, "rate", "duplicate", "new_resident", "links")
    room_id = create_city_room(app, who["staff"])
    with app.app_context():
        board = Board(name="自治会", kind="community", description="地域の話題")
        db.session.add(board)
        db.session.commit()
        board_id = board.id
    return who, room_id, board_id


def test_main_pages_cost_the_same_with_few_or_many_posts(app, site):
    who, room_id, board_id = site
    _grow(app, room_id, board_id, threads=2, replies=3, tag="a")
    with app.app_context():
        thread_id = db.session.scalar(select(Thread.id).where(Thread.room_id == room_id).order_by(Thread.id))
    pages = [
        "/",
        f"/rooms/{room_id}",
        f"/threads/{thread_id}",
        f"/threads/{thread_id}?page=999",  # the last page, whatever its number
        f"/boards/{board_id}",
        "/api/v1/posts?per_page=30",
        "/api/v1/rooms",
        f"/api/v1/rooms/{room_id}/threads",
        f"/api/v1/threads/{thread_id}/posts",
        "/api/v1/search?q=防災",
        "/search?q=防災",
        f"/rooms/{room_id}/feed.atom",
    ]
    readers = {"guest": who["guest"], "resident": who["himawari"]}
    small = {(name, url): statements_of_get(app, client, url)[0] for name, client in readers.items() for url in pages}
    _grow(app, room_id, board_id, threads=6, replies=32, tag="b")  # more threads of more than a page each
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        extra = [db.session.get(User, add_user(app, f"c{i}", f"c{i}@example.jp")) for i in range(3)]
        first = db.session.scalar(select(Post).where(Post.thread_id == thread_id, Post.number == 1))
        for i in range(40):  # the last page has the same mix as the small thread: replies to #1, several authors
            posts.reply(extra[i % 3], thread, f"c 返信 {i}", reply_to=first if i % 2 else None, accept_rules=True)
        db.session.remove()
    large = {(name, url): statements_of_get(app, client, url)[0] for name, client in readers.items() for url in pages}
    grown = {key: (small[key], large[key]) for key in small if large[key] != small[key]}
    assert grown == {}, f"statements per page grew with the site (few posts → many): {grown}"
