"""Flags (通報): weighted by standing, hide at the threshold, a moderator's flag acts at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import User
from moderation.models import AuditEntry
from tests.helpers import add_user, login, submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread


def established(app, *emails: str) -> None:
    """Residents who joined long ago and have many published posts (flag weight 1.5)."""
    with app.app_context():
        for email in emails:
            user = db.session.scalar(select(User).where(User.email == email))
            user.created_at = clock.now() - timedelta(days=400)
        db.session.commit()


def flag(client, post_id: int, reason="abuse", note=""):
    return submit(client, f"/moderation/flag/{post_id}", {"reason": reason, "note": note})


def setup_thread(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room)
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "問題のある発言です")
    return who, thread, posts_of(app, thread.id)[1]


def extra_residents(app, n: int) -> list:
    app.config["RATELIMIT_LOGIN"] = "100 per minute"  # many residents log in from one test address
    clients = []
    for i in range(n):
        email = f"r{i}@example.jp"
        add_user(app, f"住民{i}", email)
        client = app.test_client()
        login(client, email)
        clients.append(client)
    return clients


def test_flags_from_new_residents_weigh_half_and_hide_at_the_threshold(app, mailbox):
    who, thread, post = setup_thread(app)
    newbies = extra_residents(app, 6)  # new accounts: 0.5 each, so six reach 3
    for client in newbies[:5]:
        assert flag(client, post.id).status_code == 303
    assert posts_of(app, thread.id)[1].state == "published"
    assert flag(newbies[5], post.id, reason="spam").status_code == 303
    assert posts_of(app, thread.id)[1].state == "hidden"
    page = who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "通報により、運営者が確認するまで非表示" in page and "問題のある発言です" not in page
    assert "複数の通報があったため" in mailbox.last("keyaki@example.jp").get_content()
    queue = who["mod"].get("/moderation/").get_data(as_text=True)
    assert "通報により非表示" in queue and "誹謗中傷・差別" in queue and "宣伝・スパム" in queue


def test_restored_post_is_not_hidden_again_by_the_same_flaggers(app):
    who, thread, post = setup_thread(app)
    newbies = extra_residents(app, 6)
    for client in newbies:
        flag(client, post.id)
    assert posts_of(app, thread.id)[1].state == "hidden"
    assert submit(who["mod"], f"/moderation/posts/{post.id}/restore", page="/moderation/").status_code == 303
    assert posts_of(app, thread.id)[1].state == "published"
    again = flag(newbies[0], post.id)
    assert "すでに通報済み" in again.get_data(as_text=True)
    assert posts_of(app, thread.id)[1].state == "published"
    assert '通報された発言 <span class="meta">(0)' in who["mod"].get("/moderation/").get_data(as_text=True)
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["flags.hide", "post.restore"]


def test_established_residents_count_more(app):
    who, thread, post = setup_thread(app)
    established(app, "himawari@example.jp", "coord@example.jp")
    with app.app_context():  # give them the standing of many published posts
        for email in ("himawari@example.jp", "coord@example.jp"):
            user = db.session.scalar(select(User).where(User.email == email))
            for n in range(20):
                from forum.services.posts import add_existing_post

                add_existing_post(
                    db.session.get(type(thread), thread.id), user, f"過去の発言{n}", clock.now() - timedelta(days=300)
                )
        db.session.commit()
    flag(who["himawari"], post.id)
    flag(who["coord"], post.id)  # 1.5 + 1.5 = 3
    assert posts_of(app, thread.id)[1].state == "hidden"


def test_a_moderators_flag_acts_at_once(app, mailbox):
    who, thread, post = setup_thread(app)
    assert flag(who["mod"], post.id, reason="personal_info", note="住所が書かれている").status_code == 303
    assert posts_of(app, thread.id)[1].state == "hidden"
    assert "住所が書かれている" in mailbox.last("keyaki@example.jp").get_content()


def test_flag_rules(app):
    who, _thread, post = setup_thread(app)
    assert who["keyaki"].get(f"/moderation/flag/{post.id}").status_code == 403  # own post
    other = flag(who["himawari"], post.id, reason="other")
    assert other.status_code == 422 and "理由を書いてください" in other.get_data(as_text=True)
    assert flag(who["himawari"], post.id, reason="other", note="議題と関係ない宣伝").status_code == 303
    assert who["guest"].get(f"/moderation/flag/{post.id}").status_code == 302
    assert who["new"].get(f"/moderation/flag/{post.id}").status_code == 403  # unverified


def test_moderator_hides_from_the_thread_page_with_a_reason(app):
    who, thread, post = setup_thread(app)
    page = who["mod"].get(f"/threads/{thread.id}").get_data(as_text=True)
    hide_url = f"moderation/posts/{post.id}/hide"
    assert hide_url in page
    assert hide_url not in who["himawari"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert (
        submit(
            who["himawari"], f"/moderation/posts/{post.id}/hide", {"reason": "x"}, page=f"/threads/{thread.id}"
        ).status_code
        == 403
    )
    response = submit(
        who["mod"],
        f"/moderation/posts/{post.id}/hide",
        {"reason": "誹謗中傷", "next": "thread"},
        page=f"/threads/{thread.id}",
    )
    assert response.status_code == 303
    assert posts_of(app, thread.id)[1].state == "hidden"
    assert "運営ルールにより非表示" in who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)


def test_hidden_posts_vanish_from_pages_api_and_feeds(app):
    who, thread, post = setup_thread(app)
    api_before = who["guest"].get(f"/api/v1/threads/{thread.id}/posts").get_json()["total"]
    submit(who["mod"], f"/moderation/posts/{post.id}/hide", {"reason": "中傷"}, page="/moderation/")
    assert "問題のある発言です" not in who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert who["guest"].get(f"/api/v1/threads/{thread.id}/posts").get_json()["total"] == api_before - 1
    assert "問題のある発言です" not in str(who["guest"].get("/api/v1/posts?per_page=100").get_json())
    assert "問題のある発言です" not in who["guest"].get(f"/rooms/{thread.room_id}/feed.atom").get_data(as_text=True)
    assert "問題のある発言です" not in who["guest"].get(f"/users/{post.author_id}").get_data(as_text=True)
    assert who["guest"].get(f"/posts/{post.id}/history").status_code == 404


def test_a_flag_rule_publishes_and_puts_the_post_in_the_queue(app):
    """「公開して確認待ちに入れる」: the post is public at once and waits in the queue's flagged list
    with the rule's reason, until a moderator keeps or hides it. Residents cannot pick that reason."""
    who = people(app)
    room = create_city_room(app, who["staff"])
    saved = submit(
        who["mod"],
        "/moderation/rules",
        {"name": "要注意", "kind": "words", "action": "flag", "patterns": "署名活動", "room_id": "0", "enabled": "y"},
    )
    assert saved.status_code == 303
    start_thread(who["himawari"], room, title="署名", body="署名活動にご協力ください。")
    post = posts_of(app, last_thread(app).id)[0]
    assert post.state == "published"
    assert "署名活動にご協力ください" in who["guest"].get(f"/threads/{post.thread_id}").get_data(as_text=True)
    queue = who["mod"].get("/moderation/").get_data(as_text=True)
    assert f'id="f{post.id}"' in queue and "運営ルールに該当" in queue and "署名活動" in queue
    form = who["keyaki"].get(f"/moderation/flag/{post.id}").get_data(as_text=True)
    assert 'value="rules"' not in form
    refused = flag(who["keyaki"], post.id, reason="rules")
    assert refused.status_code == 422
    kept = submit(who["mod"], f"/moderation/posts/{post.id}/restore", page="/moderation/")
    assert kept.status_code == 303
    assert f'id="f{post.id}"' not in who["mod"].get("/moderation/").get_data(as_text=True)
    assert posts_of(app, post.thread_id)[0].state == "published"
