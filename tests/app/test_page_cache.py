"""The guest page cache never shows stale content or another visitor's data.

Every guest page is served from the cache the second time (``X-Page-Cache: hit``), and every write
a guest could see is seen at once: a new post, an edit, a hide, 共感, a room closed (by hand or by
its period ending), a thread locked by its timer, a language or display switch. A cached page
holds no CSRF token and no flash message.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Department, page_version
from forum.services import rooms
from tests.helpers import make_app, release, submit
from tests.helpers.live import redis_server
from tests.helpers.rooms import create_city_room, last_thread, local, people, posts_of, reply, start_thread


def _twice(client, url: str):
    """The page as a guest gets it, asked twice: the second answer must come from the cache."""
    first = client.get(url)
    second = client.get(url)
    return first, second


@pytest.fixture
def site(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room, title="避難所の運営", body="はじめの意見です")
    thread = last_thread(app)
    return who, room, thread.id


def _text(response) -> str:
    if response.is_json:  # JSON escapes Japanese: compare the text it stands for
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def test_guest_pages_come_from_the_cache_and_hold_nothing_of_a_visitor(app, site):
    who, room, thread = site
    guest = who["guest"]
    urls = [
        "/",
        "/rooms/",
        f"/rooms/{room}",
        f"/threads/{thread}",
        f"/threads/{thread}?page=1&order=newest",
        "/boards/",
        "/search?q=避難所",
        "/api/v1/posts",
        "/api/v1/rooms",
        f"/api/v1/rooms/{room}/threads",
        f"/api/v1/threads/{thread}/posts",
        "/api/v1/search?q=避難所",
        f"/rooms/{room}/feed.atom",
        "/answers.atom",
    ]
    for url in urls:
        first, second = _twice(guest, url)
        assert first.status_code == second.status_code == 200, url
        assert first.headers["X-Page-Cache"] == "miss" and second.headers["X-Page-Cache"] == "hit", url
        assert first.get_data() == second.get_data(), url
        assert first.headers["ETag"] == second.headers["ETag"], url
        assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers, url
        assert "csrf_token" not in _text(second), url
    # a member is never served a cached page, nor fills one
    mine = who["himawari"].get(f"/threads/{thread}")
    assert "X-Page-Cache" not in mine.headers and "csrf_token" in _text(mine)
    # a conditional request is answered from the cached page too
    tag = guest.get(f"/threads/{thread}").headers["ETag"]
    assert guest.get(f"/threads/{thread}", headers={"If-None-Match": tag}).status_code == 304


def test_a_page_with_a_flash_message_is_neither_served_from_nor_kept_in_the_cache(app, site):
    who, _room, _thread = site
    guest = who["guest"]
    assert guest.get("/").headers["X-Page-Cache"] == "miss"
    assert guest.get("/").headers["X-Page-Cache"] == "hit"
    leaving = who["keyaki"]
    submit(leaving, "/logout", page="/")  # logs out with a message for the next page
    shown = leaving.get("/")
    assert "X-Page-Cache" not in shown.headers
    flashes = re.findall(r'class="flash[^"]*"', _text(shown))
    assert flashes, "the logout message is shown on the next page"
    again = guest.get("/")
    assert again.headers["X-Page-Cache"] == "hit" and 'class="flash' not in _text(again)


def test_a_new_post_an_edit_a_hide_and_a_reaction_are_seen_at_once(app, site):
    who, room, thread = site
    guest = who["guest"]
    pages = ["/", f"/rooms/{room}", f"/threads/{thread}", f"/api/v1/threads/{thread}/posts", "/api/v1/posts"]
    for url in pages:
        _twice(guest, url)

    reply(who["keyaki"], thread, "新しい返信です")
    for url in pages[2:]:
        seen = guest.get(url)
        assert seen.headers["X-Page-Cache"] == "miss" and "新しい返信です" in _text(seen), url
    assert guest.get(f"/rooms/{room}").headers["X-Page-Cache"] == "miss"

    mine = posts_of(app, thread)[-1]
    submit(who["keyaki"], f"/posts/{mine.id}/edit", {"body": "書き直した返信です", "submit": "1"})
    page = _text(guest.get(f"/threads/{thread}"))
    assert "書き直した返信です" in page and "新しい返信です" not in page

    submit(who["mod"], f"/moderation/posts/{mine.id}/hide", {"reason": "確認のため"}, page="/moderation/")
    page = _text(guest.get(f"/threads/{thread}"))
    assert "書き直した返信です" not in page
    assert "書き直した返信です" not in _text(guest.get("/api/v1/posts"))

    first = posts_of(app, thread)[0]
    before = guest.get(f"/api/v1/threads/{thread}/posts").get_json()["items"][0]
    submit(who["keyaki"], f"/posts/{first.id}/react", page=f"/threads/{thread}")
    after = guest.get(f"/api/v1/threads/{thread}/posts")
    assert after.headers["X-Page-Cache"] == "miss"
    assert after.get_json()["items"][0]["reactions"] == before["reactions"] + 1


def test_a_room_closed_by_hand_or_by_its_period_is_seen_at_once(app):
    who = people(app)
    room = create_city_room(app, who["staff"], closes=timedelta(minutes=5))
    start_thread(who["himawari"], room)
    thread = last_thread(app).id
    guest = who["guest"]
    for url in ("/", f"/rooms/{room}", f"/threads/{thread}"):
        _twice(guest, url)
    assert "現在開いている会議室はありません" not in _text(guest.get("/"))

    clock.travel(timedelta(minutes=6))  # the period ends: no write, and well within PAGE_CACHE_SECONDS
    for url in ("/", f"/rooms/{room}", f"/threads/{thread}"):
        assert guest.get(url).headers["X-Page-Cache"] == "miss", url
    assert "現在開いている会議室はありません" in _text(guest.get("/"))

    other = create_city_room(app, who["staff"], title="公園の使い方")
    seen = _text(guest.get("/"))
    assert "公園の使い方" in seen
    submit(who["staff"], f"/rooms/{other}/close", {"confirmed": "1"}, page=f"/rooms/{other}")
    room_page = guest.get(f"/rooms/{other}")
    assert room_page.headers["X-Page-Cache"] == "miss"
    assert "公園の使い方" not in _text(guest.get("/")).split('id="open-heading"')[1].split("</section>")[0]


def test_a_thread_lock_timer_stored_by_the_tick_is_seen_at_once(app, site):
    """A guest's room page lists a thread as locked once `flask rooms tick` stores the timer (the
    pages show stored state; a member's reply form applies the timer at once by itself)."""
    who, room, thread = site
    guest = who["guest"]
    submit(
        who["mod"],
        f"/moderation/threads/{thread}",
        {"lock_at": local(timedelta(minutes=5)), "unlock_at": ""},
        page=f"/threads/{thread}",
    )
    before = _text(_twice(guest, f"/rooms/{room}")[1])
    clock.travel(timedelta(minutes=6))
    assert guest.get(f"/rooms/{room}").headers["X-Page-Cache"] == "hit"
    with app.app_context():
        assert rooms.tick() == (0, 1)
    after = guest.get(f"/rooms/{room}")
    assert after.headers["X-Page-Cache"] == "miss" and _text(after) != before
    assert "ロック" in _text(after).split("避難所の運営")[1][:300]


def test_language_and_display_settings_are_part_of_the_key(app, site):
    who, _room, thread = site
    guest = who["guest"]
    url = f"/threads/{thread}"
    japanese = _text(_twice(guest, url)[1])
    assert 'lang="ja"' in japanese
    submit(guest, "/preferences", {"lang": "en", "next": url}, page=url)
    english = guest.get(url)
    assert english.headers["X-Page-Cache"] == "miss" and 'lang="en"' in _text(english)
    assert guest.get(url).headers["X-Page-Cache"] == "hit"
    guest.post("/preferences", data={"contrast": "high", "text_size": "xlarge", "next": url})
    high = guest.get(url)
    assert high.headers["X-Page-Cache"] == "miss" and "contrast-high" in _text(high)
    # another guest, still in Japanese with the default display, gets the first page again
    other = app.test_client()
    again = other.get(url)
    assert again.headers["X-Page-Cache"] == "hit" and _text(again) == japanese


def test_a_write_the_hooks_do_not_know_moves_every_page(app, site):
    """A department renamed (shown beside official answers): no page is mapped to it, so the site
    version moves and every cached page is built again."""
    who, _room, thread = site
    guest = who["guest"]
    _twice(guest, f"/threads/{thread}")
    with app.app_context():
        before = page_version.of_everything()
        department = db.session.scalar(select(Department).order_by(Department.id))
        department.name = department.name + "（新）"
        db.session.commit()
        assert page_version.of_everything() != before
    assert guest.get(f"/threads/{thread}").headers["X-Page-Cache"] == "miss"


def test_a_rolled_back_write_and_a_login_move_nothing(app, site):
    _who, _room, thread = site
    with app.app_context():
        before = page_version.of_thread(thread), page_version.of_everything()
        department = db.session.scalar(select(Department).order_by(Department.id))
        department.name = "取り消される名前"
        db.session.flush()
        db.session.rollback()
        assert (page_version.of_thread(thread), page_version.of_everything()) == before
    from tests.helpers import login

    login(app.test_client(), "keyaki@example.jp")  # last_login_at only
    with app.app_context():
        assert (page_version.of_thread(thread), page_version.of_everything()) == before


def test_the_cache_can_be_turned_off(tmp_path):
    app = make_app(tmp_path / "instance", PAGE_CACHE_STORAGE_URI="")
    client = app.test_client()
    assert "X-Page-Cache" not in client.get("/").headers
    assert "X-Page-Cache" not in client.get("/").headers


def test_workers_share_pages_through_redis_and_never_serve_a_stale_one(tmp_path):
    """Two apps on one database and one Redis stand for two workers (or two hosts): a page one
    made is served by the other, and a write through either is seen by both at once."""
    with redis_server(tmp_path) as url:
        first = make_app(tmp_path / "a", PAGE_CACHE_STORAGE_URI=url)
        database = first.config["SQLALCHEMY_DATABASE_URI"]
        second = make_app(tmp_path / "b", PAGE_CACHE_STORAGE_URI=url, SQLALCHEMY_DATABASE_URI=database)
        who = people(first)
        room = create_city_room(first, who["staff"])
        start_thread(who["himawari"], room, body="はじめの意見です")
        thread = last_thread(first).id
        url_path = f"/threads/{thread}"
        made = first.test_client().get(url_path)
        served = second.test_client().get(url_path)
        assert made.headers["X-Page-Cache"] == "miss" and served.headers["X-Page-Cache"] == "hit"
        assert made.get_data() == served.get_data()
        reply(who["keyaki"], thread, "別の人の返信です")  # written through the first app
        fresh = second.test_client().get(url_path)
        assert fresh.headers["X-Page-Cache"] == "miss" and "別の人の返信です" in _text(fresh)
        assert first.test_client().get(url_path).headers["X-Page-Cache"] == "hit"
        release(first)
        release(second)


def test_a_reply_leaves_the_other_threads_of_the_room_cached(app, site):
    """A thread page shows its room (title, state) but not the room's other threads: a reply in one
    thread renews that thread, the room's list and the site-wide lists, and nothing else."""
    who, room, thread = site
    start_thread(who["keyaki"], room, title="公園の遊具", body="遊具を増やしてほしいです")
    other = last_thread(app).id
    guest = who["guest"]
    for url in (f"/threads/{thread}", f"/threads/{other}", f"/rooms/{room}", "/"):
        _twice(guest, url)
    reply(who["keyaki"], thread, "もう一つの意見です")
    assert guest.get(f"/threads/{other}").headers["X-Page-Cache"] == "hit"
    for url in (f"/threads/{thread}", f"/rooms/{room}", "/"):
        assert guest.get(url).headers["X-Page-Cache"] == "miss", url
    submit(who["staff"], f"/rooms/{room}/close", {"confirmed": "1"}, page=f"/rooms/{room}")
    assert guest.get(f"/threads/{other}").headers["X-Page-Cache"] == "miss"  # the room itself changed
