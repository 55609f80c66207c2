"""Letters stay private; my page, my data, and leaving the site."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Letter, Post, Reaction
from tests.helpers import PASSWORD, submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, send_letter, start_thread


def test_letter_is_read_only_by_its_author_and_its_department(app):
    who = people(app)
    letter = send_letter(app, who)
    assert "バス停の屋根" in who["himawari"].get(f"/letters/{letter}").get_data(as_text=True)
    assert "バス停の屋根" in who["staff"].get("/letters/inbox").get_data(as_text=True)
    assert "バス停の屋根" in who["staff"].get(f"/letters/{letter}").get_data(as_text=True)
    assert "バス停の屋根" in who["admin"].get("/letters/inbox").get_data(as_text=True)
    for name in ("guest", "keyaki", "coord", "mod", "other_staff", "new"):
        status = who[name].get(f"/letters/{letter}").status_code
        assert status in (302, 403, 404), (name, status)
        assert status != 200
    assert "バス停の屋根" not in who["other_staff"].get("/letters/inbox").get_data(as_text=True)
    # never public: not in the API, feeds or pages
    assert "バス停の屋根" not in json.dumps(
        who["guest"].get("/api/v1/posts?per_page=100").get_json(), ensure_ascii=False
    )
    assert "バス停の屋根" not in who["guest"].get("/").get_data(as_text=True)


def test_staff_reply_reaches_the_resident(app, mailbox):
    who = people(app)
    letter = send_letter(app, who)
    refused = submit(
        who["other_staff"], f"/letters/{letter}", {"status": "replied", "reply": "x"}, page="/letters/inbox"
    )
    assert refused.status_code == 404
    assert submit(who["himawari"], f"/letters/{letter}", {"status": "replied", "reply": "x"}).status_code == 403
    empty = submit(who["staff"], f"/letters/{letter}", {"status": "replied", "reply": ""})
    assert "返信を入力してください" in empty.get_data(as_text=True)
    response = submit(who["staff"], f"/letters/{letter}", {"status": "replied", "reply": "来年度に設置する予定です。"})
    assert response.status_code == 303
    page = who["himawari"].get(f"/letters/{letter}").get_data(as_text=True)
    assert "来年度に設置する予定です。" in page and "回答済み" in page
    assert "回答済み" in who["himawari"].get("/me/").get_data(as_text=True)
    mail = mailbox.last("himawari@example.jp")
    assert "バス停の屋根" in mail.get_content()


def test_watching_brings_notifications_and_mail_by_setting(app, mailbox):
    who = people(app)
    room = create_city_room(app, who["staff"])
    submit(who["keyaki"], f"/rooms/{room}/watch", page=f"/rooms/{room}")
    assert start_thread(who["himawari"], room).status_code == 303
    thread = last_thread(app)
    # keyaki (watching the room, immediate mail by default) hears of the new thread
    assert "新しい話題「避難所の運営」" in mailbox.last("keyaki@example.jp").get_content()
    page = who["keyaki"].get("/").get_data(as_text=True)
    assert 'class="badge count-badge">1' in page
    # himawari follows her own thread; keyaki chooses the daily digest, then replies
    submit(who["keyaki"], "/me/notifications", {"notify_mode": "daily"})
    reply(who["keyaki"], thread.id, "私も同じ意見です。")
    assert "#2" in mailbox.last("himawari@example.jp").get_content()
    mails_before = len(mailbox.messages())
    reply(who["himawari"], thread.id, "ありがとうございます。")
    reply(who["coord"], thread.id, "コーディネーターです。")
    assert len([m for m in mailbox.messages()[mails_before:] if m["To"] == "keyaki@example.jp"]) == 0
    result = app.test_cli_runner().invoke(args=["notify", "digest"])
    assert result.exit_code == 0 and "digest mails queued: 1" in result.output and "mails sent: 1," in result.output
    digest = mailbox.last("keyaki@example.jp")
    assert "#3" in digest.get_content() and "#4" in digest.get_content()
    assert "新しいお知らせ2件" in digest["Subject"]
    again = app.test_cli_runner().invoke(args=["notify", "digest"])
    assert "digest mails queued: 0" in again.output  # each notification is mailed once
    # off: listed on the site, never mailed
    submit(who["himawari"], "/me/notifications", {"notify_mode": "off"})
    to_himawari = len([m for m in mailbox.messages() if m["To"] == "himawari@example.jp"])
    reply(who["keyaki"], thread.id, "もう一言。")
    assert len([m for m in mailbox.messages() if m["To"] == "himawari@example.jp"]) == to_himawari
    assert "#5" in who["himawari"].get("/me/notifications").get_data(as_text=True)
    # stop watching
    submit(who["himawari"], f"/threads/{thread.id}/watch", page=f"/threads/{thread.id}")
    reply(who["keyaki"], thread.id, "最後です。")
    assert "#6" not in who["himawari"].get("/me/notifications").get_data(as_text=True)


def test_department_answer_notifies_room_watchers(app, mailbox):
    who = people(app)
    room = create_city_room(app, who["staff"])
    submit(who["keyaki"], f"/rooms/{room}/watch", page=f"/rooms/{room}")
    submit(who["staff"], f"/rooms/{room}/close", {"confirmed": "1"}, page=f"/rooms/{room}")
    submit(who["coord"], f"/rooms/{room}/report", {"body": "報告です", "submit": "1", "confirmed": "1"})
    submit(who["staff"], f"/rooms/{room}/answer", {"body": "回答です", "confirmed": "1"})
    assert "所管課が「防災計画について」に回答しました" in mailbox.last("keyaki@example.jp").get_content()


def test_download_my_data(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room)
    send_letter(app, who)
    response = who["himawari"].get("/me/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["format"] == "hiroba-user-data/1"
    assert data["account"]["email"] == "himawari@example.jp"
    assert data["posts"][0]["body"] == "避難所の案内をわかりやすくしてほしいです。"
    assert data["letters"][0]["subject"] == "バス停の屋根"
    assert data["watches"]  # her own thread
    assert "keyaki@example.jp" not in response.get_data(as_text=True)


def test_account_deletion_anonymises_posts_and_deletes_letters(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room)
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "けやきの発言")
    keyaki_post = posts_of(app, thread.id)[1]
    submit(who["himawari"], f"/posts/{keyaki_post.id}/react", page=f"/threads/{thread.id}")
    send_letter(app, who)
    wrong = submit(who["himawari"], "/me/delete", {"current_password": "wrong password", "confirm": "y"})
    assert wrong.status_code == 422 and "現在のパスワードが正しくありません" in wrong.get_data(as_text=True)
    unticked = submit(who["himawari"], "/me/delete", {"current_password": PASSWORD})
    assert unticked.status_code == 422
    response = submit(who["himawari"], "/me/delete", {"current_password": PASSWORD, "confirm": "y"})
    assert response.status_code == 303
    assert who["himawari"].get("/me/").status_code == 302  # logged out
    page = who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "避難所の案内をわかりやすく" in page and "退会したユーザー" in page and "ひまわり" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Letter)) == 0
        assert db.session.scalar(select(func.count()).select_from(Reaction)) == 0
        assert db.session.get(Post, keyaki_post.id).reaction_count == 0
    from tests.helpers import login

    assert login(app.test_client(), "himawari@example.jp").status_code == 422


@pytest.mark.parametrize("path", ["/me/", "/me/notifications", "/me/data.json", "/me/delete", "/letters/new"])
def test_my_pages_need_a_login(app, path):
    assert app.test_client().get(path).status_code == 302
