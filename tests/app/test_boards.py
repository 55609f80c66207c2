"""Bulletin boards: members post, others read; the staff board is for staff only."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, Room, Thread
from forum.services.demo import corpus_paragraphs
from tests.helpers import submit
from tests.helpers.rooms import last_thread, people, posts_of


def make_board(who, name="みなと町自治会", kind="community", owner="ひまわり") -> int:
    response = submit(
        who["admin"], "/boards/new", {"name": name, "description": "自治会の連絡", "kind": kind, "owner": owner}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/boards/(\d+)", response.headers["Location"]).group(1))


def new_thread(client, board: int, title="清掃活動", body="日曜の朝に集まります。"):
    return submit(client, f"/boards/{board}/threads/new", {"title": title, "body": body, "submit": "1"})


def test_members_post_and_everyone_reads(app):
    who = people(app)
    board = make_board(who)
    assert new_thread(who["himawari"], board).status_code == 303  # the owner is a member
    refused = new_thread(who["keyaki"], board)
    assert refused.status_code == 403
    assert "この掲示板に投稿できるのはメンバーだけです" in refused.get_data(as_text=True)
    page = who["guest"].get(f"/boards/{board}").get_data(as_text=True)
    assert "清掃活動" in page and "みなと町自治会" in page
    thread = last_thread(app)
    assert "日曜の朝に集まります" in who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    # the owner adds けやき, who may then post; then removes them again
    assert who["keyaki"].get(f"/boards/{board}/members").status_code == 403
    response = submit(who["himawari"], f"/boards/{board}/members", {"handle": "けやき"})
    assert response.status_code == 303
    joined = submit(who["keyaki"], f"/threads/{thread.id}/reply", {"body": "参加します", "submit": "1"})
    assert joined.status_code == 303
    keyaki_id = posts_of(app, thread.id)[1].author_id
    submit(who["himawari"], f"/boards/{board}/members/{keyaki_id}/remove", page=f"/boards/{board}/members")
    assert new_thread(who["keyaki"], board, title="もう一度").status_code == 403
    unknown = submit(who["himawari"], f"/boards/{board}/members", {"handle": "だれでもない"})
    assert "この表示名の利用者はいません" in unknown.get_data(as_text=True)


def test_the_last_owner_stays(app):
    who = people(app)
    board = make_board(who)
    members_page = who["admin"].get(f"/boards/{board}/members").get_data(as_text=True)
    owner_id = int(re.search(r"/users/(\d+)", members_page).group(1))
    page = submit(
        who["himawari"],
        f"/boards/{board}/members/{owner_id}/remove",
        page=f"/boards/{board}/members",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "管理者（オーナー）が1人以上必要です" in page


def test_staff_board_is_invisible_to_everyone_but_staff(app):
    who = people(app)
    board = make_board(who, name="庁内掲示板", kind="staff", owner="")
    assert new_thread(who["staff"], board, title="回答期限", body="来週が期限です。").status_code == 303
    thread = last_thread(app)
    for name in ("guest", "himawari", "coord", "mod", "new"):
        assert who[name].get(f"/boards/{board}").status_code == 404, name
        assert who[name].get(f"/threads/{thread.id}").status_code == 404, name
        assert "庁内掲示板" not in who[name].get("/boards/").get_data(as_text=True), name
    for name in ("staff", "other_staff", "admin"):
        assert "来週が期限です" in who[name].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert new_thread(who["other_staff"], board, title="了解").status_code == 303
    post = posts_of(app, thread.id)[0]
    assert who["himawari"].get(f"/posts/{post.id}").status_code == 404
    # staff-board posts are not public activity on a profile
    assert "来週が期限です" not in who["guest"].get(f"/users/{post.author_id}").get_data(as_text=True)


def test_demo_shows_every_feature_and_loads_the_whole_corpus(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        paragraphs = corpus_paragraphs()
        total = db.session.scalar(select(func.count()).select_from(Post))
        bodies = set(db.session.scalars(select(Post.body)))
        states = set(db.session.scalars(select(Room.state)))
        board_threads = db.session.scalar(select(func.count()).select_from(Thread).where(Thread.board_id.is_not(None)))
        official = db.session.scalar(select(func.count()).select_from(Post).where(Post.is_official))
    assert len(paragraphs) >= 200  # the corpus shipped in forum/data
    assert set(paragraphs) <= bodies
    assert states == {"proposed", "declined", "open", "closed", "reported", "answered"}
    assert board_threads >= 4 and official >= 5
    guest = app.test_client()
    home = guest.get("/").get_data(as_text=True)
    assert "受付中の会議室" in home and "所管課の回答待ち" in home and "市からの最近の回答" in home
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0  # idempotent
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post)) == total
