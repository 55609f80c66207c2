"""The public API and feeds show public content only; the legacy import loads all or nothing."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, PostState, Thread, public
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread

ATOM = "{http://www.w3.org/2005/Atom}"


def api(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json"
    return response.get_json()


def test_envelope_paging_and_public_content_only(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room)
    thread = last_thread(app)
    for n in range(2, 8):
        reply(who["keyaki"], thread.id, f"発言{n}です。**強調**")
    withdrawn = posts_of(app, thread.id)[2]
    submit(who["keyaki"], f"/posts/{withdrawn.id}/withdraw")
    with app.app_context():  # a moderator-hidden and a pending post (moderation arrives later)
        for post, state in zip(
            db.session.scalars(select(Post).where(Post.number.in_([4, 5])).order_by(Post.number)),
            (PostState.HIDDEN, PostState.PENDING),
            strict=True,
        ):
            post.change_state(state)
        db.session.commit()
    guest = who["guest"]
    first = api(guest, "/api/v1/posts?per_page=2")
    assert set(first) == {"items", "page", "per_page", "total", "next"}
    assert first["page"] == 1 and first["per_page"] == 2 and first["total"] == 4
    assert first["next"].endswith("/api/v1/posts?page=2&per_page=2")
    second = api(guest, first["next"].replace("http://hiroba.test", ""))
    assert second["next"] is None and len(second["items"]) == 2
    items = first["items"] + second["items"]
    assert [i["number"] for i in items] == [1, 2, 6, 7]  # oldest first; withdrawn, hidden, pending left out
    item = items[1]
    for key in ("id", "thread_id", "room_id", "author", "body", "body_html", "created_at", "reactions"):
        assert key in item
    assert item["body"] == "発言2です。強調" and "<strong>強調</strong>" in item["body_html"]
    assert item["author"] == "けやき" and item["room_id"] == room
    assert item["created_at"].endswith("+09:00")
    text = json.dumps(api(guest, "/api/v1/posts?per_page=100"), ensure_ascii=False)
    assert "@example.jp" not in text  # never an e-mail address
    assert api(guest, f"/api/v1/threads/{thread.id}/posts")["total"] == 4
    assert api(guest, f"/api/v1/posts?room_id={room}")["total"] == 4
    with app.app_context():  # the totals come from the threads' counts: the same as counting posts
        counted = db.session.scalar(select(func.count()).select_from(public.public_posts().subquery()))
        assert db.session.scalar(public.public_post_total()) == counted == 4
    assert api(guest, f"/api/v1/rooms/{room}/threads")["items"][0]["posts"] == 4
    rooms = api(guest, "/api/v1/rooms")
    assert rooms["items"][0]["department"] == "企画政策課" and rooms["items"][0]["state"] == "open"
    areas = api(guest, "/api/v1/areas")
    assert {a["id"]: a["rooms"] for a in areas["items"]} == {"city": 1, "citizen": 0}


def test_api_errors_are_json_and_clear(app):
    client = app.test_client()
    for url, status in [
        ("/api/v1/posts?per_page=101", 400),
        ("/api/v1/posts?page=0", 400),
        ("/api/v1/posts?page=x", 400),
        ("/api/v1/rooms?area=mars", 400),
        ("/api/v1/rooms/999/threads", 404),
        ("/api/v1/nothing", 404),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        assert response.get_json()["error"]["status"] == status


def test_api_hides_proposed_rooms_and_the_staff_board(app):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    titles = [r["title"] for r in api(client, "/api/v1/rooms?per_page=100")["items"]]
    assert "商店街のにぎわい" not in titles and "特定の店舗の宣伝" not in titles
    assert "庁内掲示板" not in [b["name"] for b in api(client, "/api/v1/boards")["items"]]
    posts = api(client, "/api/v1/posts?per_page=100&page=3")
    assert all("回答期限" not in p["body"] for p in posts["items"])
    with app.app_context():  # all but the staff-board post and the post held for review
        public_total = db.session.scalar(select(func.count()).select_from(Post)) - 2
        assert db.session.scalar(select(func.count()).select_from(Post).where(Post.state == "pending")) == 1
    assert api(client, "/api/v1/posts")["total"] == public_total


def test_atom_feeds_are_valid_and_public(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room, body="フィードに載る発言 <script>x</script>")
    for url in (f"/rooms/{room}/feed.atom", "/answers.atom"):
        response = who["guest"].get(url)
        assert response.status_code == 200 and response.mimetype == "application/atom+xml"
        root = ET.fromstring(response.get_data())
        assert root.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated"):
            assert root.find(f"{ATOM}{required}") is not None
    root = ET.fromstring(who["guest"].get(f"/rooms/{room}/feed.atom").get_data())
    [entry] = root.findall(f"{ATOM}entry")
    for required in ("id", "title", "updated", "link", "author", "content"):
        assert entry.find(f"{ATOM}{required}") is not None
    content = entry.find(f"{ATOM}content").text
    assert "フィードに載る発言" in content and "<script>" not in content
    assert who["guest"].get("/rooms/999/feed.atom").status_code == 404


IMPORT_CSV = """post_id,thread_id,thread_title,author,posted_at,body,reply_to
a1,t1,バスの本数,旧会議室の市民A,2005-04-01T10:00:00,バスの本数を増やしてください。,
a2,t1,バスの本数,旧会議室の市民B,2005-04-02T09:30:00,同感です。,a1
a3,t2,図書館の開館時間,旧会議室の市民A,2005-04-03T20:00:00+09:00,夜も開けてほしいです。,
"""


def test_import_csv_is_idempotent(app, tmp_path):
    who = people(app)
    room = create_city_room(app, who["staff"])
    path = tmp_path / "legacy.csv"
    path.write_text(IMPORT_CSV, encoding="utf-8-sig")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", str(path), "--room", str(room)])
    assert result.exit_code == 0, result.output
    assert "imported 3 posts in 2 new threads" in result.output
    again = runner.invoke(args=["import", str(path), "--room", str(room)])
    assert "imported 0 posts in 0 new threads; 3 already there" in again.output
    with app.app_context():
        thread = db.session.scalar(select(Thread).where(Thread.title == "バスの本数"))
        thread_id = thread.id
    page = who["guest"].get(f"/threads/{thread_id}").get_data(as_text=True)
    assert "旧会議室の市民A" in page and "同感です。" in page and "返信先：" in page
    assert "2005年4月1日" in page


def test_import_with_a_bad_line_loads_nothing(app, tmp_path):
    who = people(app)
    room = create_city_room(app, who["staff"])
    path = tmp_path / "legacy.jsonl"
    lines = [
        {
            "post_id": "1",
            "thread_id": "t",
            "thread_title": "題",
            "author": "A",
            "posted_at": "2004-01-01T10:00",
            "body": "一行目",
        },
        {"post_id": "2", "thread_id": "t", "thread_title": "題", "author": "B", "posted_at": "昨日", "body": "x"},
        {"post_id": "3", "thread_id": "t", "thread_title": "題", "author": "", "posted_at": "2004-01-02", "body": "y"},
    ]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{not json\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", str(path), "--room", str(room)])
    assert result.exit_code == 1
    assert "line 2: posted_at '昨日' is not an ISO 8601 date-time" in result.output
    assert "line 3: missing author" in result.output
    assert "line 4: not valid JSON" in result.output
    assert "nothing was loaded" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post).where(Post.legacy_id.is_not(None))) == 0
    assert app.test_cli_runner().invoke(args=["import", str(path), "--room", "999"]).exit_code == 1
