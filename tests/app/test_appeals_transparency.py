"""Appeals (once, by the author, decided by another moderator) and the public transparency page."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.labels import action_label
from forum.permissions import Role
from moderation.models import AuditEntry
from tests.helpers import add_user, login, submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread


def hidden_post(app):
    who = people(app)
    add_user(app, "第二運営", "mod2@example.jp", role=Role.MODERATOR)
    mod2 = app.test_client()
    login(mod2, "mod2@example.jp")
    who["mod2"] = mod2
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room)
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "厳しすぎる判断かもしれない発言")
    post = posts_of(app, thread.id)[1]
    submit(who["mod"], f"/moderation/posts/{post.id}/hide", {"reason": "表現が不適切"}, page="/moderation/")
    return who, thread, post


def decide(client, aid: int, **data) -> int:
    return submit(client, f"/moderation/appeals/{aid}/decide", data, page="/moderation/").status_code


def appeal_id(app):
    from moderation.models import Appeal

    with app.app_context():
        return db.session.scalar(select(Appeal.id))


def test_author_appeals_once_and_another_moderator_grants_it(app, mailbox):
    who, thread, post = hidden_post(app)
    mine = who["keyaki"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "異議を申し立てる" in mine and "厳しすぎる判断" in mine
    assert who["himawari"].get(f"/moderation/appeal/{post.id}").status_code == 404  # not the author
    empty = submit(who["keyaki"], f"/moderation/appeal/{post.id}", {"text": ""}, follow_redirects=True)
    assert "判断を見直すべき理由を書いてください" in empty.get_data(as_text=True)
    sent = submit(who["keyaki"], f"/moderation/appeal/{post.id}", {"text": "批判であって中傷ではありません"})
    assert sent.status_code == 303
    again = who["keyaki"].get(f"/moderation/appeal/{post.id}").get_data(as_text=True)
    assert "運営者の判断を待っています" in again and "<textarea" not in again  # once only

    queue = who["mod"].get("/moderation/").get_data(as_text=True)
    assert "批判であって中傷ではありません" in queue and "別の運営者が判断します" in queue
    aid = appeal_id(app)
    assert decide(who["mod"], aid, grant="1") == 403
    assert decide(who["mod2"], aid, grant="1") == 303
    assert posts_of(app, thread.id)[1].state == "published"
    assert "異議申し立てが認められ" in mailbox.last("keyaki@example.jp").get_content()
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["post.hide", "appeal.create", "appeal.grant"]


def test_denied_appeal_tells_why(app, mailbox):
    who, thread, post = hidden_post(app)
    submit(who["keyaki"], f"/moderation/appeal/{post.id}", {"text": "見直してください"})
    aid = appeal_id(app)
    no_note = submit(
        who["mod2"], f"/moderation/appeals/{aid}/decide", {"grant": "0"}, page="/moderation/", follow_redirects=True
    )
    assert "判断を変えない理由を投稿者に伝えてください" in no_note.get_data(as_text=True)
    submit(
        who["mod2"],
        f"/moderation/appeals/{aid}/decide",
        {"grant": "0", "note": "やはり中傷に当たります"},
        page="/moderation/",
    )
    assert posts_of(app, thread.id)[1].state == "hidden"
    assert "やはり中傷に当たります" in mailbox.last("keyaki@example.jp").get_content()


def test_the_only_moderator_may_decide_their_own_case(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room)
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "発言")
    post = posts_of(app, thread.id)[1]
    submit(who["admin"], f"/moderation/posts/{post.id}/hide", {"reason": "理由"}, page="/moderation/")
    submit(who["keyaki"], f"/moderation/appeal/{post.id}", {"text": "見直して"})
    # mod exists besides admin: admin (who hid it) may not decide; the other moderator may
    aid = appeal_id(app)
    assert decide(who["admin"], aid, grant="1") == 403
    assert decide(who["mod"], aid, grant="1") == 303


def test_transparency_page_is_public_and_has_no_personal_data(app):
    who, _thread, _post = hidden_post(app)
    page = who["guest"].get("/transparency").get_data(as_text=True)
    assert "運営ルールと運営の状況" in page and "個人情報" in page and "選挙運動" in page
    with app.test_request_context():
        hidden = action_label("post.hide")
    assert hidden in page and "post.hide" not in page and "防災計画について" in page
    for private in ("けやき", "keyaki@example.jp", "表現が不適切", "運営</td>"):
        assert private not in page
