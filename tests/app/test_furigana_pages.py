"""ふりがな on pages: a display setting like text size, remembered in a cookie, without JavaScript.
With it on, the kanji of posts, room texts and answers carry their readings (stored when written,
so no page view runs the dictionary); with it off, no page holds a ``<ruby>``."""

from __future__ import annotations

import re

from sqlalchemy import update

from forum.extensions import db
from forum.models import DepartmentAnswer, Post, Room
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, last_thread, people, start_thread

RUBY = re.compile(r"<ruby>([^<]+)<rt>([^<]+)</rt></ruby>")


def _readings(page: str) -> dict[str, str]:
    return dict(RUBY.findall(page))


def test_a_thread_page_shows_readings_with_furigana_on_and_none_with_it_off(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    body = "市民として、避難所と防災の会議室について所管課に意見を送ります。電子自治体の推進にも期待します。"
    start_thread(who["himawari"], room, title="防災の意見", body=body)
    thread = last_thread(app).id
    guest = who["guest"]
    plain = guest.get(f"/threads/{thread}").get_data(as_text=True)
    assert "<ruby>" not in plain and body in plain

    guest.post("/preferences", data={"furigana": "on", "next": f"/threads/{thread}"})
    page = guest.get(f"/threads/{thread}").get_data(as_text=True)
    assert 'class="text-standard contrast-normal furigana-on"' in page
    spoken = RUBY.sub(lambda m: m.group(2), page)  # every kanji word replaced by its reading
    for reading in ("しみん", "ひなんじょ", "ぼうさい", "かいぎしつ", "しょかんか", "いけん", "でんし", "じちたい"):
        assert reading in spoken, reading
    assert _readings(page)["避難所"] == "ひなんじょ" and _readings(page)["会議室"] == "かいぎしつ"
    assert re.search(r'value="on"[^>]*aria-pressed="true"', page)

    again = guest.get(f"/threads/{thread}")  # kept by the guest cache with its readings, served as kept
    assert again.headers["X-Page-Cache"] == "hit" and again.get_data(as_text=True) == page

    guest.post("/preferences", data={"furigana": "off", "next": "/"})
    assert "<ruby>" not in guest.get(f"/threads/{thread}").get_data(as_text=True)


def test_room_texts_and_the_answer_carry_readings_stored_when_saved(app):
    who = people(app)
    room_id = create_city_room(app, who["staff"])
    with app.app_context():
        room = db.session.get(Room, room_id)
        assert "<ruby>地域<rt>ちいき</rt></ruby><ruby>防災<rt>ぼうさい</rt></ruby>" in room.ruby_texts["purpose"]
    client = who["keyaki"]
    submit(client, "/preferences", {"furigana": "on"}, page="/")
    page = client.get(f"/rooms/{room_id}").get_data(as_text=True)
    assert "<ruby>防災<rt>ぼうさい</rt></ruby>" in page  # 地域防災計画の見直し… in the purpose
    # a room whose copy is older than the readings shows its text as written until refreshed
    with app.app_context():  # as after an upgrade: the copy is older than the readings (no save hook runs)
        db.session.execute(update(Room).where(Room.id == room_id).values(ruby_version=0))
        db.session.commit()
    assert '<dd class="pre">地域防災計画の見直しについて' in client.get(f"/rooms/{room_id}").get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["export", "refresh-text"])
    assert result.exit_code == 0, result.output
    assert "<ruby>防災<rt>ぼうさい</rt></ruby>" in client.get(f"/rooms/{room_id}").get_data(as_text=True)
    with app.app_context():  # the department's answer keeps its copy the same way
        answer = DepartmentAnswer(room_id=room_id, body="避難所の案内を改善します。")
        db.session.add(answer)
        db.session.commit()
        expected = "<ruby>避難所<rt>ひなんじょ</rt></ruby>の<ruby>案内<rt>あんない</rt></ruby>を"
        assert answer.ruby_of("body") == expected + "<ruby>改善<rt>かいぜん</rt></ruby>します。"


def test_stored_ruby_follows_every_edit(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["keyaki"], room, body="公園の整備について")
    thread = last_thread(app).id
    with app.app_context():
        post = db.session.query(Post).filter_by(thread_id=thread).one()
        assert "<ruby>公園<rt>こうえん</rt></ruby>" in post.body_ruby_html
        post_id = post.id
    submit(who["keyaki"], f"/posts/{post_id}/edit", {"body": "道路の補修について", "submit": "1"})
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert "<ruby>道路<rt>どうろ</rt></ruby>" in post.body_ruby_html and "公園" not in post.body_ruby_html


def test_navigation_and_form_labels_carry_readings_from_the_compiled_catalog(app):
    client = app.test_client()
    client.post("/preferences", data={"furigana": "on", "next": "/"})
    home = client.get("/").get_data(as_text=True)
    assert "<ruby>会議室<rt>かいぎしつ</rt></ruby>" in home  # the main menu's 会議室
    login = client.get("/login").get_data(as_text=True)
    assert "<ruby>端末<rt>たんまつ</rt></ruby>" in login  # a form's label: この端末でログインしたままにする
    for page in (home, login):  # attributes and the title keep plain text: a screen reader reads them
        assert not re.search(r'="[^"]*<ruby>', page)
        assert "<ruby>" not in page.split("<title>")[1].split("</title>")[0]
    client.post("/preferences", data={"furigana": "off", "next": "/"})
    assert "<ruby>" not in client.get("/").get_data(as_text=True)
    client.post("/preferences", data={"furigana": "on", "lang": "en", "next": "/"})
    assert "<ruby>" not in client.get("/").get_data(as_text=True)  # English pages have no kanji to read


def test_the_compiled_readings_match_the_catalog():
    import json
    from pathlib import Path

    from scripts.i18n import PO, RUBY, ruby_catalog

    assert json.loads(RUBY.read_text(encoding="utf-8")) == ruby_catalog(Path(PO)), (
        "run: .venv/bin/python scripts/i18n.py compile"
    )
