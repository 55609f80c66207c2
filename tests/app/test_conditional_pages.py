"""A guest's page carries an ETag of its content: asked again with it, the answer is 304 with no
body; once the page changes (a new post), the full page comes back. Members' pages are private
and never stored."""

from __future__ import annotations

from tests.helpers.rooms import create_city_room, last_thread, people, reply, start_thread


def test_guest_pages_answer_304_until_they_change(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room, body="はじめの意見です")
    thread = last_thread(app)
    guest = who["guest"]
    tags = {}
    for url in (f"/threads/{thread.id}", f"/rooms/{room}", "/api/v1/posts", f"/rooms/{room}/feed.atom"):
        first = guest.get(url)
        tag = tags[url] = first.headers["ETag"]
        assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache", url
        again = guest.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.get_data() == b"", url
    reply(who["keyaki"], thread.id, "新しい返信です")
    changed = guest.get(f"/threads/{thread.id}", headers={"If-None-Match": tags[f"/threads/{thread.id}"]})
    assert changed.status_code == 200 and "新しい返信です" in changed.get_data(as_text=True)
    mine = who["himawari"].get(f"/threads/{thread.id}")
    assert "ETag" not in mine.headers and mine.headers["Cache-Control"] == "private, no-store"
