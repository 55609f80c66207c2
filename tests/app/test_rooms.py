"""Rooms through the test client: every state transition, and posting only while open."""

from __future__ import annotations

from datetime import timedelta

from forum import clock
from tests.helpers import submit
from tests.helpers.rooms import (
    create_city_room,
    department_id,
    last_thread,
    local,
    people,
    reply,
    room_state,
    start_thread,
    user_id,
)


def test_city_room_shows_its_charter_before_any_post(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    page = who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    for text in (
        "防災計画について",
        "参加目的",
        "地域防災計画の見直し",
        "発言ルール",
        "テーマに沿って",
        "意見の取扱い",
        "報告にまとめて",
        "企画政策課",
        "さくら",
        "受付中",
        "期間",
    ):
        assert text in page, text
    assert page.index("参加目的") < page.index("話題")


def test_staff_create_rooms_only_for_their_own_department(app):
    who = people(app)
    response = submit(
        who["other_staff"],
        "/rooms/new",
        {
            "title": "よその課の会議室",
            "purpose": "p",
            "posting_rules": "r",
            "handling": "h",
            "department_id": str(department_id(app, "企画政策課")),
            "opens_at": local(timedelta(0)),
            "closes_at": local(timedelta(days=3)),
        },
    )
    assert response.status_code == 422
    assert submit(who["himawari"], "/rooms/new", {"title": "x"}, page="/rooms/").status_code == 403


def test_room_form_errors_are_clear_and_keep_the_text(app):
    who = people(app)
    response = submit(
        who["staff"],
        "/rooms/new",
        {
            "title": "期間が逆",
            "purpose": "目的",
            "posting_rules": "r",
            "handling": "h",
            "department_id": str(department_id(app, "企画政策課")),
            "opens_at": local(timedelta(days=3)),
            "closes_at": local(timedelta(days=1)),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "終了日時は開始日時より後にしてください" in page
    assert "期間が逆" in page


def test_proposal_is_reviewed_then_opened(app):
    who = people(app)
    response = submit(
        who["himawari"],
        "/rooms/propose",
        {
            "title": "子どもの居場所",
            "purpose": "放課後の居場所について話したい",
            "posting_rules": "r",
            "handling": "h",
            "opens_at": local(timedelta(hours=-1)),
            "closes_at": local(timedelta(days=14)),
        },
    )
    assert response.status_code == 303
    room = int(response.headers["Location"].rsplit("/", 1)[1])
    assert room_state(app, room) == "proposed"
    # proposals are seen by their proposer and the reviewers only
    assert who["guest"].get(f"/rooms/{room}").status_code == 404
    assert who["keyaki"].get(f"/rooms/{room}").status_code == 404
    assert "提案中" in who["himawari"].get(f"/rooms/{room}").get_data(as_text=True)
    assert "子どもの居場所" in who["mod"].get("/rooms/proposals").get_data(as_text=True)
    assert start_thread(who["himawari"], room).status_code == 403  # not open yet

    response = submit(
        who["mod"],
        f"/rooms/{room}/review",
        {
            "title": "子どもの居場所づくり",
            "purpose": "放課後の居場所について話したい",
            "posting_rules": "r",
            "handling": "h",
            "department_id": str(department_id(app, "企画政策課")),
            "opens_at": local(timedelta(hours=-1)),
            "closes_at": local(timedelta(days=14)),
            "coordinators": str(user_id(app, "coord@example.jp")),
        },
    )
    assert response.status_code == 303
    assert room_state(app, room) == "open"
    page = who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    assert "子どもの居場所づくり" in page and "市民エリア" in page and "ひまわり" in page
    assert start_thread(who["keyaki"], room).status_code == 303


def test_proposal_declined_with_a_reason_the_proposer_sees(app):
    who = people(app)
    response = submit(
        who["himawari"],
        "/rooms/propose",
        {
            "title": "店の宣伝",
            "purpose": "セール情報",
            "posting_rules": "r",
            "handling": "h",
            "opens_at": local(timedelta(0)),
            "closes_at": local(timedelta(days=14)),
        },
    )
    room = int(response.headers["Location"].rsplit("/", 1)[1])
    no_reason = submit(who["mod"], f"/rooms/{room}/review", {"decline-reason": "", "decline-submit": "1"})
    assert "見送る理由を提案者に伝えてください" in no_reason.get_data(as_text=True)
    response = submit(
        who["mod"],
        f"/rooms/{room}/review",
        {"decline-reason": "営利目的の宣伝に当たるため開設できません。", "decline-submit": "1"},
    )
    assert response.status_code == 303
    assert room_state(app, room) == "declined"
    page = who["himawari"].get(f"/rooms/{room}").get_data(as_text=True)
    assert "この提案は見送られました" in page and "営利目的の宣伝に当たるため" in page
    assert who["guest"].get(f"/rooms/{room}").status_code == 404
    assert who["mod"].get(f"/rooms/{room}/review").status_code == 302  # already decided


def test_posting_is_refused_outside_the_open_period(app):
    who = people(app)
    room = create_city_room(app, who["staff"], opens=timedelta(days=2), closes=timedelta(days=10))
    refused = start_thread(who["himawari"], room)
    assert refused.status_code == 403
    assert "この会議室の発言受付は" in refused.get_data(as_text=True)
    assert "この会議室の発言受付は" in who["himawari"].get(f"/rooms/{room}").get_data(as_text=True)

    clock.travel(timedelta(days=3))
    assert start_thread(who["himawari"], room).status_code == 303
    thread = last_thread(app)

    clock.travel(timedelta(days=8))  # past closes_at: closed on the next look
    refused = reply(who["keyaki"], thread.id, "まだ書けますか？")
    assert refused.status_code == 403
    assert "終了しました" in refused.get_data(as_text=True)
    assert "終了" in who["guest"].get(f"/rooms/{room}").get_data(as_text=True)  # reads as closed at once
    assert room_state(app, room) == "open"  # looking wrote nothing
    tick = app.test_cli_runner().invoke(args=["rooms", "tick"])
    assert tick.exit_code == 0 and "rooms closed: 1" in tick.output
    assert room_state(app, room) == "closed"  # stored by the scheduled command
    assert who["guest"].get(f"/threads/{thread.id}").get_data(as_text=True).count('<article class="post') == 1


def test_rules_must_be_accepted_once_per_room(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    page = who["himawari"].get(f"/rooms/{room}/threads/new").get_data(as_text=True)
    assert "この会議室の発言ルールを読み、守ります" in page
    refused = start_thread(who["himawari"], room, accept=False)
    assert refused.status_code == 422
    assert "チェックを入れてください" in refused.get_data(as_text=True)
    assert "避難所の案内をわかりやすく" in refused.get_data(as_text=True)  # the text is kept
    assert start_thread(who["himawari"], room, accept=True).status_code == 303
    # asked once: the next thread needs no tick
    page = who["himawari"].get(f"/rooms/{room}/threads/new").get_data(as_text=True)
    assert "この会議室の発言ルールを読み、守ります" not in page
    assert start_thread(who["himawari"], room, title="二つ目", accept=False).status_code == 303


def test_unverified_and_guests_cannot_post(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    assert start_thread(who["new"], room).status_code == 403
    assert who["guest"].get(f"/rooms/{room}/threads/new").status_code == 302
    page = who["new"].get(f"/rooms/{room}").get_data(as_text=True)
    assert "メールアドレスの確認を済ませてください" in page


def test_close_report_answer_closes_the_loop(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room)
    # only the department's staff may close; only the coordinator reports; report needs a closed room
    refused = submit(who["other_staff"], f"/rooms/{room}/close", {"confirmed": "1"}, page=f"/rooms/{room}")
    assert refused.status_code == 403
    assert who["coord"].get(f"/rooms/{room}/report").status_code == 200
    early = submit(who["coord"], f"/rooms/{room}/report", {"body": "早すぎる報告", "submit": "1", "confirmed": "1"})
    assert "会議室の終了後から" in early.get_data(as_text=True)

    asked = submit(who["staff"], f"/rooms/{room}/close", page=f"/rooms/{room}")  # the button asks first
    assert asked.status_code == 200 and "元に戻せません" in asked.get_data(as_text=True)
    assert room_state(app, room) == "open"
    assert submit(who["staff"], f"/rooms/{room}/close", {"confirmed": "1"}, page=f"/rooms/{room}").status_code == 303
    assert room_state(app, room) == "closed"
    assert "会議室報告を書いて" in who["coord"].get("/me/notifications").get_data(as_text=True)  # told
    assert who["keyaki"].get(f"/rooms/{room}/report").status_code == 403

    draft = submit(who["coord"], f"/rooms/{room}/report", {"body": "報告の下書き", "save": "1"})
    assert draft.status_code == 303 and room_state(app, room) == "closed"
    assert "報告の下書き" in who["coord"].get(f"/rooms/{room}/report").get_data(as_text=True)
    assert "報告の下書き" not in who["guest"].get(f"/rooms/{room}").get_data(as_text=True)

    preview = submit(
        who["coord"], f"/rooms/{room}/report", {"body": "避難所の案内を求める意見が多数ありました。", "submit": "1"}
    )
    assert preview.status_code == 200 and room_state(app, room) == "closed"  # a preview first, draft saved
    assert "避難所の案内を求める意見が多数ありました。" in preview.get_data(as_text=True)
    response = submit(
        who["coord"], f"/rooms/{room}/report", {"body": "避難所の案内を求める意見が多数ありました。", "confirmed": "1"}
    )
    assert response.status_code == 303
    assert room_state(app, room) == "reported"
    page = who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    assert "避難所の案内を求める意見が多数" in page and "回答はこのページで公開されます" in page
    assert "所管課の回答待ち" in who["guest"].get("/").get_data(as_text=True)

    assert who["other_staff"].get(f"/rooms/{room}/answer").status_code == 403
    asked = submit(who["staff"], f"/rooms/{room}/answer", {"body": "案内板を多言語化します。"})
    assert asked.status_code == 200 and room_state(app, room) == "reported"
    response = submit(who["staff"], f"/rooms/{room}/answer", {"body": "案内板を多言語化します。", "confirmed": "1"})
    assert response.status_code == 303
    assert room_state(app, room) == "answered"
    page = who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    assert "案内板を多言語化します。" in page and "市の回答" in page
    home = who["guest"].get("/").get_data(as_text=True)
    assert "市からの最近の回答" in home and "防災計画について" in home
    # an answered room cannot be answered again
    again = submit(who["staff"], f"/rooms/{room}/answer", {"body": "二度目", "confirmed": "1"})
    assert "会議室報告の提出後" in again.get_data(as_text=True)
