"""Threads and posts: replies, pages, edits, withdrawal, 共感, official answers and statuses."""

from __future__ import annotations

import re
from datetime import timedelta

from forum import clock
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread


def room_with_thread(app, who):
    room = create_city_room(app, who["staff"])
    assert start_thread(who["himawari"], room).status_code == 303
    return room, last_thread(app)


def test_reply_to_a_post_is_quoted_and_linked(app):
    who = people(app)
    _room, thread = room_with_thread(app, who)
    first = posts_of(app, thread.id)[0]
    page = who["keyaki"].get(f"/threads/{thread.id}/reply?to={first.id}").get_data(as_text=True)
    assert "返信先：発言 #1" in page and "避難所の案内をわかりやすく" in page
    response = reply(who["keyaki"], thread.id, "賛成です。多言語の案内も必要です。", to=first.id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/threads/{thread.id}?page=1#p2")
    page = who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert 'id="p2"' in page and "返信先：" in page and f'href="/posts/{first.id}"' in page


def test_preview_shows_the_rendered_text_and_posts_nothing(app):
    who = people(app)
    _room, thread = room_with_thread(app, who)
    response = submit(
        who["keyaki"],
        f"/threads/{thread.id}/reply",
        {"body": "**大事** な点\n- 一\n- 二", "preview": "1", "accept_rules": "y"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>大事</strong>" in page and "まだ投稿されていません" in page
    assert "**大事** な点" in page  # still in the text box
    assert len(posts_of(app, thread.id)) == 1


def test_body_limits_give_clear_messages(app):
    who = people(app)
    _room, thread = room_with_thread(app, who)
    empty = reply(who["keyaki"], thread.id, "   ")
    assert empty.status_code == 422 and "本文を入力してください" in empty.get_data(as_text=True)
    long = reply(who["keyaki"], thread.id, "あ" * 8001)
    assert long.status_code == 422 and "本文が長すぎます（8001文字）" in long.get_data(as_text=True)
    assert len(posts_of(app, thread.id)) == 1


def test_pages_of_thirty_with_stable_anchors_and_both_orders(app):
    who = people(app)
    _room, thread = room_with_thread(app, who)
    for n in range(2, 66):
        assert reply(who["himawari" if n % 2 else "keyaki"], thread.id, f"発言その{n}").status_code == 303
    page1 = who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert page1.count('<article class="post') == 30 and 'id="p1"' in page1 and 'id="p30"' in page1
    assert "3ページ中1ページ目" in page1
    page3 = who["guest"].get(f"/threads/{thread.id}?page=3").get_data(as_text=True)
    assert page3.count('<article class="post') == 5 and 'id="p61"' in page3 and 'id="p65"' in page3
    newest = who["guest"].get(f"/threads/{thread.id}?order=newest").get_data(as_text=True)
    assert newest.index('id="p65"') < newest.index('id="p64"')
    post40 = posts_of(app, thread.id)[39]
    link = who["guest"].get(f"/posts/{post40.id}")
    assert link.headers["Location"].endswith(f"/threads/{thread.id}?page=2#p40")
    # out-of-range pages are clamped, not errors
    assert who["guest"].get(f"/threads/{thread.id}?page=999").status_code == 200


def test_edit_within_the_window_keeps_revisions(app):
    who = people(app)
    _room, thread = room_with_thread(app, who)
    post = posts_of(app, thread.id)[0]
    assert who["keyaki"].get(f"/posts/{post.id}/edit").status_code == 403  # not the author
    response = submit(
        who["himawari"],
        f"/posts/{post.id}/edit",
        {"body": "避難所の案内を、大きな字でわかりやすくしてほしいです。", "submit": "1"},
    )
    assert response.status_code == 303
    page = who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "大きな字で" in page and "編集済み" in page
    history = who["guest"].get(f"/posts/{post.id}/history").get_data(as_text=True)
    assert "大きな字で" in history and "避難所の案内をわかりやすくしてほしいです。" in history
    clock.travel(timedelta(hours=25))
    late = submit(who["himawari"], f"/posts/{post.id}/edit", {"body": "遅すぎる編集", "submit": "1"})
    assert late.status_code == 403
    assert "遅すぎる編集" not in who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)


def test_withdrawal_leaves_a_placeholder_and_hides_the_text(app):
    who = people(app)
    _room, thread = room_with_thread(app, who)
    reply(who["keyaki"], thread.id, "取り下げる予定の発言です。")
    post = posts_of(app, thread.id)[1]
    assert who["himawari"].get(f"/posts/{post.id}/withdraw").status_code == 403
    confirm = who["keyaki"].get(f"/posts/{post.id}/withdraw").get_data(as_text=True)
    assert "元に戻すことはできません" in confirm
    assert submit(who["keyaki"], f"/posts/{post.id}/withdraw").status_code == 303
    page = who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "投稿者により取り下げられました" in page and "取り下げる予定の発言です" not in page
    assert 'id="p2"' in page  # the number keeps its place
    assert who["guest"].get(f"/posts/{post.id}/history").status_code == 404
    profile = who["guest"].get(f"/users/{post.author_id}").get_data(as_text=True)
    assert "取り下げる予定" not in profile
    assert "1件の発言" in who["guest"].get(f"/rooms/{thread.room_id}").get_data(as_text=True)


def test_reactions_toggle_once_per_resident_never_on_own_posts(app):
    who = people(app)
    _room, thread = room_with_thread(app, who)
    post = posts_of(app, thread.id)[0]
    assert submit(who["keyaki"], f"/posts/{post.id}/react", page=f"/threads/{thread.id}").status_code == 303
    assert submit(who["keyaki"], f"/posts/{post.id}/react", page=f"/threads/{thread.id}").status_code == 303
    assert posts_of(app, thread.id)[0].reaction_count == 0  # toggled off again
    submit(who["keyaki"], f"/posts/{post.id}/react", page=f"/threads/{thread.id}")
    submit(who["coord"], f"/posts/{post.id}/react", page=f"/threads/{thread.id}")
    own = submit(who["himawari"], f"/posts/{post.id}/react", page=f"/threads/{thread.id}", follow_redirects=True)
    assert "自分の発言には共感できません" in own.get_data(as_text=True)
    assert posts_of(app, thread.id)[0].reaction_count == 2
    page = who["keyaki"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert re.search(r'aria-pressed="true">共感 <span class="count">2</span>', page)
    assert who["new"].post(f"/posts/{post.id}/react").status_code in (400, 403)


def test_official_answer_badge_and_thread_status(app):
    who = people(app)
    room, thread = room_with_thread(app, who)
    reply(who["staff"], thread.id, "担当課です。案内板の改善を検討します。")
    reply(who["other_staff"], thread.id, "他の課の職員としての感想です。")
    posts = posts_of(app, thread.id)
    assert posts[1].is_official and not posts[2].is_official
    page = who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert page.count("official-badge") == 1

    assert "市民に示す対応状況" in who["staff"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "市民に示す対応状況" not in who["other_staff"].get(f"/threads/{thread.id}").get_data(as_text=True)
    refused = submit(
        who["other_staff"], f"/threads/{thread.id}/status", {"status": "answered"}, page=f"/threads/{thread.id}"
    )
    assert refused.status_code == 403
    assert (
        submit(
            who["himawari"], f"/threads/{thread.id}/status", {"status": "answered"}, page=f"/threads/{thread.id}"
        ).status_code
        == 403
    )
    response = submit(
        who["staff"],
        f"/threads/{thread.id}/status",
        {"status": "considering", "note": "来年度の予算で検討します。"},
        page=f"/threads/{thread.id}",
    )
    assert response.status_code == 303
    page = who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "検討中" in page and "来年度の予算で検討します。" in page
    assert "検討中" in who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    for status, label in [
        ("unanswered", "未回答"),
        ("answered", "回答済み"),
        ("reflected", "反映済み"),
        ("difficult", "対応困難"),
    ]:
        submit(who["staff"], f"/threads/{thread.id}/status", {"status": status}, page=f"/threads/{thread.id}")
        assert label in who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True)
