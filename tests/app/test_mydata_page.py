"""「自分のデータ」: the page a resident reads and prints holds the same data as the JSON download,
and only their own."""

from __future__ import annotations

import json
import re

from tests.helpers import submit
from tests.helpers.rooms import (
    create_city_room,
    last_thread,
    people,
    posts_of,
    reply,
    send_letter,
    start_thread,
    user_id,
)

JP_DATETIME = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")


def a_residents_life(app) -> tuple[dict, int]:
    """ひまわり posts, writes a letter the department answers, agrees with けやき and watches a room."""
    who = people(app)
    room = create_city_room(app, who["staff"], title="防災計画について")
    start_thread(who["himawari"], room, title="避難所の運営", body="避難所の案内をわかりやすくしてほしいです。")
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "けやきだけの意見です。")
    keyaki_post = posts_of(app, thread.id)[1]
    submit(who["himawari"], f"/posts/{keyaki_post.id}/react", page=f"/threads/{thread.id}")
    submit(who["himawari"], f"/rooms/{room}/watch", page=f"/rooms/{room}")
    letter = send_letter(app, who)
    submit(who["staff"], f"/letters/{letter}", {"status": "replied", "reply": "来年度に設置する予定です。"})
    send_letter(app, who, author="keyaki")
    return who, keyaki_post.id


def test_my_data_page_shows_my_posts_letters_reactions_watches_and_settings(app):
    who, keyaki_post = a_residents_life(app)
    response = who["himawari"].get("/me/data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "避難所の案内をわかりやすくしてほしいです。" in page and "防災計画について ／ 避難所の運営 #1" in page
    assert "バス停の屋根" in page and "来年度に設置する予定です。" in page and "回答済み" in page
    assert f"/posts/{keyaki_post}" in page and "避難所の運営 #2" in page  # the 共感 she gave
    assert "けやきだけの意見です。" not in page  # what she agreed with is someone else's text
    assert "himawari@example.jp" in page and "ひまわり" in page
    for heading in ("自分の発言", "自分の手紙", "共感した発言", "ウォッチ中", "お知らせのメール"):
        assert heading in page
    assert len(JP_DATETIME.findall(page)) >= 5 and not re.search(r"\d{4}-\d{2}-\d{2}T", page)
    assert "css/print.css" in page and "/me/data.json" in page


def test_the_page_and_the_json_download_hold_the_same_data(app):
    who, _keyaki_post = a_residents_life(app)
    page = who["himawari"].get("/me/data").get_data(as_text=True)
    data = json.loads(who["himawari"].get("/me/data.json").get_data(as_text=True))
    assert data["format"] == "hiroba-user-data/1"
    for post in data["posts"]:
        assert f"/posts/{post['id']}" in page and post["body"] in page and post["place"] in page
    for post_id in data["reactions"]:
        assert f"/posts/{post_id}" in page
    for letter in data["letters"]:
        assert letter["subject"] in page and letter["reply"] in page
    assert {w["room"] for w in data["watches"] if w["room_id"]} == {"防災計画について"}
    assert f"自分の発言（{len(data['posts'])}）" in page and f"自分の手紙（{len(data['letters'])}）" in page


def test_nobody_else_sees_my_data(app):
    who, _keyaki_post = a_residents_life(app)
    page = who["keyaki"].get("/me/data").get_data(as_text=True)
    assert "けやきだけの意見です。" in page  # her own
    assert "himawari@example.jp" not in page and "避難所の案内をわかりやすくしてほしいです。" not in page
    assert "来年度に設置する予定です。" not in page and "共感した発言（0）" in page
    for name in ("staff", "admin", "mod"):
        other = who[name].get("/me/data").get_data(as_text=True)
        assert "himawari@example.jp" not in other and "来年度に設置する予定です。" not in other
    asked = who["himawari"].get(f"/me/data?user={user_id(app, 'keyaki@example.jp')}").get_data(as_text=True)
    assert "keyaki@example.jp" not in asked and "himawari@example.jp" in asked  # no way to ask for another
    guest = who["guest"].get("/me/data")
    assert guest.status_code == 302 and "/login" in guest.headers["Location"]


def test_my_page_links_the_page_beside_the_download(app):
    who = people(app)
    page = who["himawari"].get("/me/").get_data(as_text=True)
    assert 'href="/me/data"' in page and 'href="/me/data.json"' in page
