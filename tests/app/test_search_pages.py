"""The search page and /api/v1/search: Japanese queries, filters, snippets, and only what may be seen."""

from __future__ import annotations

import pytest

from tests.helpers import submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread


@pytest.fixture
def city(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room, title="防災の話題", body="ＩＴを使った防災情報の配信について")
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "避難所の<b>案内</b>をスマホで見たい")
    reply(who["himawari"], thread.id, "防災無線が聞こえにくい")
    return who, room, thread


def test_search_page_finds_japanese_and_highlights(app, city):
    who, _room, _thread = city
    page = who["guest"].get("/search?q=防災").get_data(as_text=True)
    assert "2件の発言が見つかりました" in page
    assert "<mark>防災</mark>" in page
    half = who["guest"].get("/search?q=it").get_data(as_text=True)
    assert "<mark>ＩＴ</mark>" in half  # half-width query, full-width text
    escaped = who["guest"].get("/search?q=案内").get_data(as_text=True)
    assert "&lt;b&gt;<mark>案内</mark>" in escaped or "<mark>案内</mark>" in escaped
    assert "<b>案内</b>" not in escaped  # the post's text is escaped, only <mark> is ours
    none = who["guest"].get("/search?q=存在しない言葉").get_data(as_text=True)
    assert "見つかりませんでした" in none
    assert 'role="search"' in who["guest"].get("/").get_data(as_text=True)  # a box on every page


def test_filters_and_order(app, city):
    who, _room, _thread = city
    assert "1件の発言" in who["guest"].get("/search?q=防災&author=ひまわり").get_data(as_text=True)
    assert "見つかりませんでした" in who["guest"].get("/search?q=防災&area=citizen").get_data(as_text=True)
    newest = who["guest"].get("/search?q=防災&sort=newest").get_data(as_text=True)
    assert newest.index("聞こえにくい") < newest.index("配信について")
    assert who["guest"].get("/search?q=防災&since=not-a-date&until=2099-99-99").status_code == 200


def test_withdrawn_posts_disappear_from_search(app, city):
    who, _room, thread = city
    post = posts_of(app, thread.id)[2]
    submit(who["himawari"], f"/posts/{post.id}/withdraw")
    assert "聞こえにくい" not in who["guest"].get("/search?q=防災").get_data(as_text=True)


def test_search_api_envelope(app, city):
    who, _room, _thread = city
    data = who["guest"].get("/api/v1/search?q=防災&per_page=1").get_json()
    assert set(data) == {"items", "page", "per_page", "total", "next", "total_exact"}  # the envelope + one
    assert data["total"] == 2 and data["total_exact"] is True and len(data["items"]) == 1 and data["next"]
    item = data["items"][0]
    assert {"id", "thread_id", "room_id", "body", "snippet_html"} <= set(item)
    assert "<mark>防災</mark>" in item["snippet_html"]
    assert who["guest"].get("/api/v1/search").status_code == 400
    assert who["guest"].get('/api/v1/search?q="((').status_code == 200  # malformed: plain terms, no 500
