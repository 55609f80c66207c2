"""やさしい日本語: a 「はじめての方へ」 guide linked from every page, with ふりがな on every kanji, and an
optional plain-Japanese summary for each room behind a link at the top of the room page."""

from __future__ import annotations

import re

from forum.data import guide, guide_texts
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, people

RUBY = re.compile(r"<ruby>[^<]+<rt>[^<]+</rt></ruby>")


def _kanji_outside_ruby(html: str) -> list[str]:
    text = re.sub(r"<[^>]+>", "", RUBY.sub("", html))  # kanji inside a ruby with its reading are fine
    return re.findall(r"[\u4e00-\u9fff]+", text)


def test_the_guide_is_linked_from_every_page_and_every_kanji_has_its_reading(client):
    home = client.get("/").get_data(as_text=True)
    assert home.count('href="/guide"') == 2  # the main menu and the footer
    page = client.get("/guide").get_data(as_text=True)
    body = page.split('<article class="guide easy" lang="ja">')[1].split("</article>")[0]
    headings = [heading for heading, _lines, _n in guide("ja")]
    assert len(re.findall(r"<h2 id=\"guide-\d+\">", body)) == len(headings) >= 4
    guide_part = body.split('<a class="button"')[0]  # the menu buttons below are interface messages
    assert _kanji_outside_ruby(guide_part) == [], "every kanji of the guide carries its reading"
    assert "<ruby>役所<rt>やくしょ</rt></ruby>" in body and "<ruby>登録<rt>とうろく</rt></ruby>" in body
    assert "<ol>" in body  # the steps to write an opinion are numbered
    assert all(text for text in guide_texts())


def test_the_guide_in_english(client):
    submit(client, "/preferences", {"lang": "en"}, page="/")
    page = client.get("/guide").get_data(as_text=True)
    assert '<article class="guide easy" lang="en">' in page and "Reading needs no account" in page


def test_a_room_summary_in_plain_japanese_is_linked_at_the_top_of_the_room(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    assert "やさしい" not in who["guest"].get(f"/rooms/{room}").get_data(as_text=True).split("<h1>")[1][:300]
    assert who["guest"].get(f"/rooms/{room}/easy").status_code == 404  # none written yet
    from forum.extensions import db
    from forum.models import Room

    with app.app_context():  # the staff member writes it in the room form (create or review)
        record = db.session.get(Room, room)
        record.easy_summary = "この 会議室では、地震の ときの 避難所に ついて 意見を 聞きます。"
        db.session.commit()
    top = who["guest"].get(f"/rooms/{room}").get_data(as_text=True).split("<h1>")[1][:400]
    assert f'href="/rooms/{room}/easy"' in top
    easy = who["guest"].get(f"/rooms/{room}/easy").get_data(as_text=True)
    assert "<ruby>避難所<rt>ひなんじょ</rt></ruby>" in easy and "<ruby>地震<rt>じしん</rt></ruby>" in easy


def test_the_room_form_takes_the_plain_japanese_summary(app):
    who = people(app)
    assert 'name="easy_summary"' in who["staff"].get("/rooms/new").get_data(as_text=True)
    room = create_city_room(
        app, who["staff"], title="公園の使い方", easy_summary="こうえんの つかいかたを はなしあいます。"
    )
    assert "こうえんの つかいかたを" in who["guest"].get(f"/rooms/{room}/easy").get_data(as_text=True)


def test_the_demo_has_a_room_with_a_plain_japanese_summary(app, client):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Room

    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.easy_summary != ""))
        assert room is not None
    easy = client.get(f"/rooms/{room.id}/easy").get_data(as_text=True)
    assert "<ruby>避難所<rt>ひなんじょ</rt></ruby>" in easy
