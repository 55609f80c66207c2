"""The answer table (意見の概要と市の考え方): draft, approval by someone else, publication on the
room page with every row traced to its opinions, and its CSV/XLSX/printable downloads."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AnswerTable
from forum.permissions import Role
from moderation.models import AuditEntry
from tests.helpers import add_user, login, submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, room_state, start_thread

BODIES = [
    "避難所の案内板を多言語にしてほしい。",
    "避難所の場所がわかりにくい。",
    "防災無線が聞こえにくい。",
    "防災無線の内容をメールでも送ってほしい。",
]


@pytest.fixture
def reported(app):
    return make_reported(app)


def make_reported(app, extra: list[tuple[str, str]] = ()):
    who = people(app)
    add_user(app, "企画 職員2", "kikaku2@example.jp", role=Role.STAFF, department="企画政策課")
    second = app.test_client()
    assert login(second, "kikaku2@example.jp").status_code == 303
    who["staff2"] = second
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room, title="避難所", body=BODIES[0])
    thread = last_thread(app)
    for i, body in enumerate(BODIES[1:]):
        reply(who["keyaki" if i % 2 else "himawari"], thread.id, body)
    for person, body in extra:
        reply(who[person], thread.id, body)
    ids = [p.id for p in posts_of(app, thread.id)]
    submit(who["staff"], f"/rooms/{room}/close", {"confirmed": "1"}, page=f"/rooms/{room}")
    submit(
        who["coord"],
        f"/rooms/{room}/report",
        {"body": "避難所と防災無線の意見がありました。", "submit": "1", "confirmed": "1"},
    )
    assert room_state(app, room) == "reported"
    return who, room, ids


def rows(*items):
    data = {"summary": [], "response": [], "reflection": [], "opinions": []}
    for summary, response, reflection, opinions in items:
        data["summary"].append(summary)
        data["response"].append(response)
        data["reflection"].append(reflection)
        data["opinions"].append(opinions)
    return data


def act(client, room, action, data=None):
    return submit(client, f"/rooms/{room}/answer-table/{action}", data or {}, page=f"/rooms/{room}/answer-table/")


def test_draft_approve_publish_with_opinion_links(app, reported):
    who, room, ids = reported
    assert act(who["staff"], room, "start").status_code == 303
    data = {
        "intro": "ご意見ありがとうございました。",
        **rows(
            ("避難所の案内・場所をわかりやすく", "案内板を多言語化し、地図を配布します。", "reflected", "1-1, 1-2"),
            ("防災無線が聞こえにくい", "メール配信を始めます。", "partly", "１－３〜１－４"),
            ("", "", "other", ""),
        ),
    }
    assert act(who["staff"], room, "save", data).status_code == 303
    with app.app_context():
        table = db.session.scalar(select(AnswerTable))
        assert [r.opinion_ids for r in table.rows] == [[ids[0], ids[1]], [ids[2], ids[3]]]
        assert [r.number for r in table.rows] == [1, 2] and table.state == "draft"

    assert act(who["staff"], room, "submit").status_code == 303
    page = who["staff"].get(f"/rooms/{room}/answer-table/").get_data(as_text=True)
    assert "自分が作成した回答表は、別の職員か管理者が承認します" in page
    assert act(who["staff"], room, "approve").status_code == 403  # not the drafter
    assert act(who["other_staff"], room, "approve").status_code == 403  # not this department
    assert act(who["staff2"], room, "approve").status_code == 303
    assert act(who["staff"], room, "publish", {"confirmed": "1"}).status_code == 303
    assert room_state(app, room) == "answered"

    public = who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    assert "意見の概要と市の考え方" in public and "案内板を多言語化し" in public and "一部反映" in public
    who["guest"].post("/preferences", data={"furigana": "on", "next": "/"})  # the table with readings
    read = who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    assert "<ruby>避難所<rt>ひなんじょ</rt></ruby>" in read and "<ruby>配信<rt>はいしん</rt></ruby>" in read
    who["guest"].post("/preferences", data={"furigana": "off", "next": "/"})
    assert f'href="/posts/{ids[0]}"' in public and "ご意見ありがとうございました" in public
    with app.app_context():
        actions = [
            e.action
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action.like("answer_table.%")).order_by(AuditEntry.id)
            )
        ]
        assert actions == [
            "answer_table.start",
            "answer_table.edit",
            "answer_table.submit",
            "answer_table.approve",
            "answer_table.publish",
        ]
    report = submit(
        who["staff"], "/department/export/", {"room": room, "format": "report"}, page=f"/department/export/?room={room}"
    ).get_data(as_text=True)
    assert "意見の概要と市の考え方" in report and "メール配信を始めます。" in report  # in the printable report too
    assert act(who["staff"], room, "save", data).status_code == 303  # published: refused, nothing changes
    assert "公表した回答表は変更できません" in who["staff"].get(f"/rooms/{room}/answer-table/").get_data(as_text=True)


def test_bad_opinion_numbers_are_refused_and_editing_after_approval_needs_approval_again(app, reported):
    who, room, _ids = reported
    act(who["staff"], room, "start")
    refused = act(
        who["staff"],
        room,
        "save",
        rows(("概要", "考え方", "other", "1-1, 9-9, 999999, abc"), ("", "二行目の考え方", "other", "1-2")),
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422  # the page comes back with everything typed and each error at its row
    assert "9-9" in page and "999999" in page and "abc" in page and "二行目の考え方" in page
    assert 'id="row-1"' in page and 'id="row-2"' in page and page.count('class="field-error"') == 2
    with app.app_context():
        assert db.session.scalar(select(AnswerTable)).rows == []  # nothing half saved
    act(who["staff"], room, "save", rows(("概要", "考え方", "other", "1-1")))
    act(who["staff"], room, "submit")
    act(who["admin"], room, "approve")
    with app.app_context():
        assert db.session.scalar(select(AnswerTable)).state == "approved"
    act(who["staff2"], room, "save", rows(("概要を変更", "考え方", "other", "1-1")))
    with app.app_context():
        table = db.session.scalar(select(AnswerTable))
        assert table.state == "draft" and table.approved_by is None
    act(who["staff2"], room, "submit")
    act(who["staff"], room, "send-back", {"note": "3行目を追加してください"})
    assert "3行目を追加してください" in who["staff2"].get(f"/rooms/{room}/answer-table/").get_data(as_text=True)


def test_downloads_parse_back(app, reported, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    who, room, ids = reported
    act(who["staff"], room, "start")
    act(who["staff"], room, "save", rows(("=危険な式ではない", "対応します。", "not_reflected", "1-1, 1-3")))
    raw = who["staff"].get(f"/rooms/{room}/answer-table/download.csv").get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == ["No.", "意見の概要", "市の考え方", "反映状況", "意見ID", "意見番号"]
    assert table[1] == ["1", "'=危険な式ではない", "対応します。", "反映なし", f"{ids[0]}, {ids[2]}", "1-1, 1-3"]
    path = tmp_path / "t.xlsx"
    path.write_bytes(who["staff"].get(f"/rooms/{room}/answer-table/download.xlsx").get_data())
    sheet = openpyxl.load_workbook(path).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4) if any(c.value for c in row)]
    assert values[0] == ["No.", "意見の概要", "市の考え方", "反映状況", "意見ID", "意見番号"]
    assert values[1][1:4] == ["'=危険な式ではない", "対応します。", "反映なし"]
    html = who["staff"].get(f"/rooms/{room}/answer-table/download.html").get_data(as_text=True)
    assert "意見の概要と市の考え方" in html and "@media print" in html
    assert who["other_staff"].get(f"/rooms/{room}/answer-table/download.csv").status_code == 403
    assert who["himawari"].get(f"/rooms/{room}/answer-table/").status_code == 403


def test_rows_drafted_from_the_groups_link_every_member(app):
    extra = [
        (person, text)
        for i in range(12)
        for person, text in (
            ("himawari", f"避難所の案内板と避難所の地図がほしい（{i}）"),
            ("keyaki", f"防災無線の音量と防災無線の放送時間を見直して（{i}）"),
        )
    ]
    who, room, _ids = make_reported(app, extra)  # enough opinions to group: two clear themes
    act(who["staff"], room, "start")
    assert act(who["staff"], room, "draft").status_code == 303
    with app.app_context():
        table = db.session.scalar(select(AnswerTable))
        assert len(table.rows) >= 2
        linked = [i for row in table.rows for i in row.opinion_ids]
        assert len(linked) == len(set(linked)) >= 24  # every grouped opinion, each in one row
        assert all("ほか" in row.summary and "（" in row.summary for row in table.rows)  # first sentences, ほかN件
        assert all(len(row.summary) < 300 for row in table.rows)


def test_opinions_are_picked_by_reference_or_checkbox_and_approvers_are_told(app, reported, mailbox):
    from forum.models import Notification, User

    who, room, _ids = reported
    thread_page = who["guest"].get(f"/threads/{last_thread(app).id}").get_data(as_text=True)
    assert "1-2" in thread_page and "1-4" in thread_page  # the reference beside each #n
    act(who["staff"], room, "start")
    editor = who["staff"].get(f"/rooms/{room}/answer-table/").get_data(as_text=True)
    assert 'name="pick-1" value="1-3"' in editor  # each row lists the room's opinions to tick
    data = rows(("案内と無線", "対応します。", "partly", "1-1"))
    data["pick-1"] = ["1-3", "1-4"]
    assert act(who["staff"], room, "save", data).status_code == 303
    with app.app_context():
        table = db.session.scalar(select(AnswerTable))
        assert [p.ref for p in table.rows[0].opinions] == ["1-1", "1-3", "1-4"]

    assert act(who["staff"], room, "submit").status_code == 303
    with app.app_context():
        told = {
            db.session.get(User, n.user_id).email for n in db.session.scalars(select(Notification)) if "承認" in n.text
        }
    assert told == {"kikaku2@example.jp", "admin@example.jp"}  # never the drafter, never another department
    listing = who["staff2"].get("/department/answer-tables").get_data(as_text=True)
    assert "承認待ち：1件" in listing
    assert f"/rooms/{room}/answer-table/" in listing
    assert act(who["staff2"], room, "approve").status_code == 303
    assert act(who["staff2"], room, "publish", {"confirmed": "1"}).status_code == 303
    public = who["guest"].get(f"/rooms/{room}").get_data(as_text=True)
    assert ">1-1</a>" in public and ">1-3</a>" in public and "No.1" not in public.replace("No.1<", "")


def test_the_row_list_can_show_groups_of_similar_opinions(app):
    extra = [
        (person, text)
        for i in range(12)
        for person, text in (
            ("himawari", f"避難所の案内板と避難所の地図がほしい（{i}）"),
            ("keyaki", f"防災無線の音量と防災無線の放送時間を見直して（{i}）"),
        )
    ]
    who, room, _ids = make_reported(app, extra)
    act(who["staff"], room, "start")
    by_thread = who["staff"].get(f"/rooms/{room}/answer-table/").get_data(as_text=True)
    by_groups = who["staff"].get(f"/rooms/{room}/answer-table/?by=groups").get_data(as_text=True)
    assert "1. 避難所" in by_thread  # grouped by thread by default
    assert by_groups.count('name="pick-1"') == by_thread.count('name="pick-1"')  # every opinion, once
    legends = re.findall(r'<fieldset class="opinion-group"><legend>([^<]+)</legend>', by_groups)
    assert len(legends) >= 2 and "1. 避難所" not in legends
    assert 'name="by" value="groups"' in by_groups  # kept when the form comes back with errors


def test_editing_is_never_lost_and_odd_references_never_break_a_page(app, reported):
    who, room, _ids = reported
    act(who["staff"], room, "start")
    data = rows(("まだ保存していない行", "考え方です。", "other", "1-1"))
    data["then"] = "submit"  # 「承認を求める」 saves what is on the page first
    assert act(who["staff"], room, "save", data).status_code == 303
    with app.app_context():
        table = db.session.scalar(select(AnswerTable))
        assert table.state == "awaiting" and table.rows[0].summary == "まだ保存していない行"
    huge = " ".join(f"{t}-1〜500" for t in range(1, 30))  # 14,500 references in one row
    refused = act(who["staff2"], room, "save", rows(("多すぎる", "考え方", "other", huge)))
    assert refused.status_code == 422 and "2000" in refused.get_data(as_text=True)
    assert "多すぎる" in refused.get_data(as_text=True)  # shown for editing although the table awaits approval
    asked = submit(who["staff"], f"/rooms/{room}/answer", {"body": "長い回答の下書き"})
    back = submit(who["staff"], f"/rooms/{room}/answer", {"body": "長い回答の下書き", "back": "1"})
    assert asked.status_code == 200 and "長い回答の下書き" in back.get_data(as_text=True)
    assert room_state(app, room) == "reported"


def test_a_published_row_survives_its_thread_moving_to_a_board(app, reported):
    who, room, _ids = reported
    act(who["staff"], room, "start")
    act(who["staff"], room, "save", rows(("概要", "考え方", "other", "1-1, 1-2")))
    act(who["staff"], room, "submit")
    act(who["admin"], room, "approve")
    act(who["staff"], room, "publish", {"confirmed": "1"})
    submit(who["admin"], "/boards/new", {"name": "移動先の掲示板", "kind": "community", "owner": ""})
    thread = last_thread(app)
    with app.app_context():
        from forum.models import Board

        board_id = db.session.scalar(select(Board.id).where(Board.name == "移動先の掲示板"))
    submit(
        who["mod"], f"/moderation/threads/{thread.id}", {"move_to": f"board:{board_id}"}, page=f"/threads/{thread.id}"
    )
    assert last_thread(app).board_id == board_id and last_thread(app).room_number is None
    assert who["guest"].get(f"/rooms/{room}").status_code == 200  # the row still lists its opinions
