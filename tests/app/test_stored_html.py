"""Render once, serve many: a post's HTML is rendered and sanitized when it is written (or edited,
or redacted) and stored with the renderer's version; pages show the stored copy; an older or
missing copy is rendered when read (nothing written) and stored by ``flask export refresh-text``."""

from __future__ import annotations

from sqlalchemy import select, update

from forum.extensions import db
from forum.models import Post, User
from forum.text.markup import RENDER_VERSION, render
from moderation import thread_tools
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, relax_rules, reply, start_thread

BODY = "**大事な点**です。<script>alert(1)</script> 詳しくは https://example.jp/plan を参照"


def _all_current(app) -> list[tuple[int, bool]]:
    with app.app_context():
        rows = db.session.scalars(select(Post).order_by(Post.id)).all()
        return [(p.id, p.html_version == RENDER_VERSION and p.body_html == render(p.body)) for p in rows]


def test_every_write_stores_the_html_a_fresh_render_gives(app):
    who = people(app)
    relax_rules(app, "links")  # a new resident's link would wait for review
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room, body=BODY)
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "> 引用\n\n- 一つ目\n- 二つ目")
    first, second = posts_of(app, thread.id)
    edited = submit(who["keyaki"], f"/posts/{second.id}/edit", {"body": "書き直した *意見*", "submit": "1"})
    assert edited.status_code == 303
    with app.app_context():
        moderator = db.session.scalar(select(User).where(User.email == "mod@example.jp"))
        thread_tools.redact(moderator, db.session.get(Post, first.id), "**大事な点**です。［削除］", "個人情報")
    assert _all_current(app) == [(first.id, True), (second.id, True)]
    with app.app_context():
        stored = db.session.get(Post, second.id).body_html
    assert stored == "<p>書き直した <em>意見</em></p>\n"
    page = who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "<strong>大事な点</strong>です。［削除］" in page and "<em>意見</em>" in page
    assert "<script>alert" not in page


def test_an_older_copy_is_rendered_when_read_and_stored_by_the_command(app):
    who = people(app)
    relax_rules(app, "links")  # a new resident's link would wait for review
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room, body=BODY)
    thread = last_thread(app)
    with app.app_context():  # as after an upgrade that raised RENDER_VERSION
        db.session.execute(update(Post).values(body_html="<p>古いHTML</p>", html_version=RENDER_VERSION - 1))
        db.session.commit()
    page = who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "古いHTML" not in page, [line for line in page.splitlines() if "古いHTML" in line]
    assert "<strong>大事な点</strong>" in page  # rendered when read
    assert _all_current(app) == [(posts_of(app, thread.id)[0].id, False)]  # … and nothing written
    result = app.test_cli_runner().invoke(args=["export", "refresh-text"])
    assert result.exit_code == 0 and "posts brought up to date: 1" in result.output
    assert _all_current(app) == [(posts_of(app, thread.id)[0].id, True)]
