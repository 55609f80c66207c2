"""Exports of a room's opinions: every format parsed back and compared with the database,
masking, Excel safety, filters, permissions, audit entries and a deterministic summary."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.exports.formats import SCHEMA_PATH
from forum.extensions import db
from forum.models import OpinionTag, Post, PostState, Thread
from moderation.models import AuditEntry
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, relax_rules, reply, start_thread

OPINIONS = [
    "避難所の案内板を多言語にしてほしいです。",
    "連絡は090-1234-5678か taro@example.jp までお願いします。",
    "〒272-0021 の地域では防災無線が聞こえにくいです。",
    '=HYPERLINK("http://evil.example","クリック") 防災訓練の日程を教えてください。',
    "-1+2 防災倉庫の備蓄品を増やしてほしい。",
]


@pytest.fixture
def city(app):
    who = people(app)
    relax_rules(app, "pii", "links")  # as if these posts were published before such rules existed
    room = create_city_room(app, who["staff"], title="防災計画について")
    start_thread(who["himawari"], room, title="避難所の運営", body=OPINIONS[0])
    first = last_thread(app)
    reply(who["keyaki"], first.id, OPINIONS[1])
    reply(who["himawari"], first.id, OPINIONS[2])
    start_thread(who["keyaki"], room, title="防災訓練", body=OPINIONS[3])
    second = last_thread(app)
    reply(who["himawari"], second.id, OPINIONS[4], to=posts_of(app, second.id)[0].id)
    reply(who["keyaki"], second.id, "取り下げる予定の発言です。")
    reply(who["himawari"], second.id, "運営が隠す発言です。")
    posts = posts_of(app, first.id) + posts_of(app, second.id)
    submit(who["keyaki"], f"/posts/{posts[-2].id}/withdraw")
    submit(who["mod"], f"/moderation/posts/{posts[-1].id}/hide", {"reason": "確認"}, page="/moderation/")
    submit(who["keyaki"], f"/posts/{posts[0].id}/react")
    submit(who["himawari"], f"/posts/{posts[3].id}/react")
    with app.app_context():
        db.session.add(OpinionTag(post_id=posts[0].id, label="要望"))
        db.session.add(OpinionTag(post_id=posts[4].id, label="要望"))
        db.session.add(OpinionTag(post_id=posts[3].id, label="質問"))
        db.session.commit()
    other = create_city_room(app, who["staff"], title="公園の使い方")
    start_thread(who["himawari"], other, title="ボール遊び", body="公園でボール遊びができる時間がほしい。")
    return who, room, other, first, second


def public_opinions(app, room_id: int) -> list[Post]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Post)
                .join(Thread)
                .where(Thread.room_id == room_id, Post.state == PostState.PUBLISHED.value, Post.is_official.is_(False))
                .order_by(Post.created_at, Post.id)
            )
        )


def download(client, data: dict):
    response = submit(client, "/department/export/", data, page=f"/department/export/?room={data['room']}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def test_excel_csv_round_trip(app, city):
    who, room, _other, _first, _second = city
    response = download(who["staff"], {"room": room, "format": "csv"})
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    expected = public_opinions(app, room)
    assert [int(r["ID"]) for r in rows] == [p.id for p in expected]
    assert len(rows) == 5  # withdrawn and hidden posts are not there
    bodies = [r["本文"] for r in rows]
    assert "090-1234-5678" not in raw.decode("utf-8-sig") and "taro@example.jp" not in raw.decode("utf-8-sig")
    assert "［電話番号］" in bodies[1] and "［メール］" in bodies[1] and "［郵便番号］" in bodies[2]
    assert bodies[3].startswith("'=HYPERLINK") and bodies[4].startswith("'-1+2")  # formulas neutralised
    authors = [r["投稿者ID"] for r in rows]
    assert authors[0] == authors[2] == authors[4] != authors[1]  # ひまわり, けやき: stable within a room
    assert all(not a.startswith(("ひまわり", "けやき")) and "@" not in a for a in authors)
    assert rows[0]["共感数"] == "1" and rows[0]["タグ"] == "要望" and rows[0]["状態"] == "未回答"
    assert rows[1]["返信先ID"] == "" and rows[0]["URL"].endswith(f"/posts/{expected[0].id}")
    assert rows[0]["投稿日時"].endswith("+09:00")


def test_utf8_and_broadlistening_csv(app, city):
    who, room, _other, _first, _second = city
    plain = download(who["staff"], {"room": room, "format": "csv-utf8"}).get_data()
    assert not plain.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(plain.decode("utf-8"))))
    assert rows[3]["body"].startswith("=HYPERLINK")  # plain UTF-8 is for programs: the text as written
    assert [r["id"] for r in rows] == [str(p.id) for p in public_opinions(app, room)]
    assert rows[0]["status"] == "unanswered"
    assert list(rows[0])[-1] == "ref" and all(re.fullmatch(r"\d+-\d+", r["ref"]) for r in rows)
    tool = download(who["staff"], {"room": room, "format": "broadlistening"}).get_data().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(tool)))
    assert list(rows[0]) == [
        "comment-id",
        "comment-body",
        "source",
        "url",
        "attribute_room",
        "attribute_thread",
        "attribute_tags",
        "attribute_status",
    ]
    assert rows[0]["attribute_room"] == "防災計画について" and rows[0]["attribute_tags"] == "要望"
    assert rows[3]["comment-body"].startswith("=HYPERLINK")  # for tools: the text as written (PII masked)


def test_json_follows_its_schema_and_matches_the_database(app, city):
    jsonschema = pytest.importorskip("jsonschema")
    who, room, _other, _first, _second = city
    data = json.loads(download(who["staff"], {"room": room, "format": "json"}).get_data())
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    expected = public_opinions(app, room)
    assert [o["id"] for o in data["opinions"]] == [p.id for p in expected]
    with app.app_context():
        refs = [db.session.get(Post, p.id).ref for p in expected]
    assert [o["ref"] for o in data["opinions"]] == refs  # the 「2-5」 people see beside each post
    assert data["rows"] == 5 and data["summary"]["total"] == 5 and data["summary"]["participants"] == 2
    assert {t["tag"]: t["count"] for t in data["summary"]["by_tag"]} == {"要望": 2, "質問": 1}
    assert data["opinions"][3]["replies"] == 1 and data["opinions"][4]["reply_to"] == data["opinions"][3]["id"]
    assert data["opinions"][0]["reply_to"] is None and data["opinions"][0]["replies"] == 0
    assert data["filter"]["room_ids"] == [room]


def test_xlsx_has_a_summary_and_the_opinions(app, city, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    who, room, _other, _first, _second = city
    path = tmp_path / "out.xlsx"
    path.write_bytes(download(who["staff"], {"room": room, "format": "xlsx"}).get_data())
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["概要", "意見"]
    sheet = book["意見"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert [r["ID"] for r in rows] == [p.id for p in public_opinions(app, room)]
    assert rows[3]["本文"].startswith("'=") and "［メール］" in rows[1]["本文"]
    summary = {row[0].value: row[1].value for row in book["概要"].iter_rows() if row[0].value}
    assert summary["意見の数"] == 5 and summary["参加者の数"] == 2
    with zipfile.ZipFile(path) as archive:  # openpyxl does not read charts back: look in the file
        assert any(name.startswith("xl/charts/chart") for name in archive.namelist())


def test_printable_report(app, city):
    who, room, _other, _first, _second = city
    page = download(who["staff"], {"room": room, "format": "report"}).get_data(as_text=True)
    assert "@media print" in page and "意見の集計報告" in page and "防災計画について" in page
    assert "090-1234-5678" not in page and "［電話番号］" in page
    assert "&lt;" not in page or "<script" not in page


def test_filters(app, city):
    who, room, _other, _first, second = city
    with app.app_context():
        from forum.exports.selection import ExportFilter, opinions

        def ids(**kwargs):
            return [o.id for o in opinions(ExportFilter(room_ids=(room,), **kwargs))]

        everything = ids()
        assert len(everything) == 5
        assert ids(thread_ids=(second.id,)) == [p.id for p in public_opinions(app, room)][3:]
        assert ids(tags=("要望",)) == [everything[0], everything[4]]
        assert ids(statuses=("answered",)) == []
        assert ids(since=clock.now() + timedelta(hours=1)) == []
        assert ids(until=clock.now() + timedelta(hours=1)) == everything
    page = who["staff"].get(f"/department/export/?room={room}&tag=質問").get_data(as_text=True)
    assert "1件の意見が選ばれています" in page


def test_permissions(app, city):
    who, room, other, _first, _second = city
    assert who["other_staff"].get(f"/department/export/?room={room}").status_code == 403
    response = submit(
        who["other_staff"], "/department/export/", {"room": room, "format": "csv"}, page="/department/export/"
    )
    assert response.status_code == 403
    assert who["himawari"].get(f"/department/export/?room={room}").status_code == 403
    assert who["coord"].get(f"/department/export/?room={room}").status_code == 403
    assert who["guest"].get(f"/department/export/?room={room}").status_code == 302
    assert who["admin"].get(f"/department/export/?room={room}").status_code == 200
    page = who["other_staff"].get("/department/export/").get_data(as_text=True)
    assert "防災計画について" not in page  # another department's rooms are not offered
    assert who["staff"].get(f"/department/export/?room={room}&room={other}").status_code == 200
    assert who["staff"].get("/department/export/?room=99999").status_code == 404


def test_every_export_is_audited(app, city):
    who, room, _other, _first, _second = city
    download(who["staff"], {"room": room, "format": "csv", "tag": "要望"})
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.opinions"))
        assert entry.actor_handle == "企画 職員" and entry.target_id == room
        assert entry.details["format"] == "csv" and entry.details["rows"] == 2
        assert entry.details["filter"]["tags"] == ["要望"] and entry.details["via"] == "web"


def test_cli_export(app, city, tmp_path):
    _who, room, _other, _first, _second = city
    out = tmp_path / "room.csv"
    result = app.test_cli_runner().invoke(args=["export", "--room", str(room), "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 5 opinions" in result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    bad = app.test_cli_runner().invoke(args=["export", "--room", "99999", "--format", "csv", "--out", str(out)])
    assert bad.exit_code != 0 and "その会議室はありません" in bad.output
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.opinions")).details["via"] == "cli"
        )


def test_summary_is_deterministic_and_groups_similar_opinions(app):
    from forum.exports.selection import Opinion
    from forum.exports.summary import Background, summarize
    from forum.text.keywords import compound_nouns

    texts = (
        ["避難所の案内板を多言語にしてほしい。避難所の場所がわからない。"] * 6
        + ["公園のボール遊びのルールを決めてほしい。公園の遊具も古い。"] * 6
        + ["図書館の開館時間を延ばしてほしい。図書館の駐車場が狭い。"] * 6
    )
    now = clock.now()
    with app.app_context():
        opinions = [
            Opinion(
                id=i + 1,
                room_id=1,
                room="部屋",
                thread_id=1 + i % 3,
                thread="話題",
                posted_at=now,
                author=f"P1-{i % 4:010d}",
                body=text + f"（{i}）",
                reply_to=None,
                reactions=i % 5,
                replies=0,
                status="unanswered",
                url="",
                tags=(),
            )
            for i, text in enumerate(texts)
        ]
    terms = [compound_nouns(o.body) for o in opinions]
    first = summarize(opinions, terms, Background.of(terms)).as_dict()
    second = summarize(list(opinions), [list(t) for t in terms], Background.of(terms)).as_dict()
    assert first == second
    assert {k["term"] for k in first["keywords"][:6]} >= {"避難所", "公園", "図書館"}
    groups = [set(c["representatives"]) for c in first["clusters"]]
    assert len(first["clusters"]) >= 2 and sum(c["size"] for c in first["clusters"]) == 18
    for group in groups:  # each group's representatives say the same kind of thing
        assert len({(i - 1) // 6 for i in group}) == 1
    assert first["most_reactions"][0] == {"id": 5, "reactions": 4}


def test_export_page_is_linked_from_the_desk(app, city):
    who, _room, _other, _first, _second = city
    assert "/department/export/" in who["staff"].get("/department/").get_data(as_text=True)


def test_files_are_not_left_behind(app, city):
    who, room, _other, _first, _second = city
    download(who["staff"], {"room": room, "format": "xlsx"})
    assert not list(Path(app.config["EXPORT_DIR"]).glob("download-*"))


def test_coordinators_and_moderators_tag_opinions(app, city):
    who, room, _other, first, _second = city
    post_id = posts_of(app, first.id)[1].id
    page = who["mod"].get(f"/rooms/{room}").get_data(as_text=True)
    assert f"/rooms/{room}/opinions" in page
    assert who["mod"].get(f"/rooms/{room}/opinions").status_code == 200
    response = submit(
        who["mod"],
        f"/posts/{post_id}/tags",
        {"tag": ["反対", "質問"], "new_tag": " 予算 "},
        page=f"/rooms/{room}/opinions",
    )
    assert response.status_code == 303
    with app.app_context():
        labels = sorted(db.session.scalars(select(OpinionTag.label).where(OpinionTag.post_id == post_id)))
        assert labels == ["予算", "反対", "質問"]
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "opinion.tag")).details["tags"] == labels
    response = submit(
        who["mod"], f"/rooms/{room}/tag-choices", {"choices": "予算\n優先度高\n賛成\n"}, page=f"/rooms/{room}/opinions"
    )
    assert response.status_code == 303
    page = who["mod"].get(f"/rooms/{room}/opinions").get_data(as_text=True)
    assert "優先度高" in page
    export_page = who["staff"].get(f"/department/export/?room={room}").get_data(as_text=True)
    assert 'value="優先度高"' in export_page  # the room's own tags are filters of the export
    assert who["himawari"].get(f"/rooms/{room}/opinions").status_code == 403
    assert submit(who["himawari"], f"/posts/{post_id}/tags", {"tag": "賛成"}, page=f"/rooms/{room}").status_code == 403


def test_big_exports_run_in_the_background_with_progress_and_expire(app, city):
    from datetime import timedelta

    from forum.models import ExportJob

    who, room, _other, _first, _second = city
    app.config.update(EXPORT_BACKGROUND_FROM=3, EXPORT_WORKER="none")  # as if 3 opinions were many
    response = submit(
        who["staff"], "/department/export/", {"room": room, "format": "xlsx"}, page=f"/department/export/?room={room}"
    )
    assert response.status_code == 303 and "/department/export/jobs/" in response.headers["Location"]
    job_url = response.headers["Location"]
    page = who["staff"].get(job_url).get_data(as_text=True)
    assert "開始を待っています" in page and 'http-equiv="refresh"' in page and "<progress" in page
    assert who["staff"].get(job_url + "/download").status_code == 404  # not ready yet
    assert who["other_staff"].get(job_url).status_code == 404  # another department: not told it exists

    result = app.test_cli_runner().invoke(args=["export", "run"])
    assert result.exit_code == 0 and "export jobs run: 1" in result.output, result.output
    page = who["staff"].get(job_url).get_data(as_text=True)
    assert "ダウンロードできます" in page and 'value="100"' in page and "refresh" not in page
    with app.app_context():
        job = db.session.scalar(select(ExportJob))
        assert job.state == "done" and job.rows == 5 and job.progress == 5
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.opinions"))
        assert entry.details["via"] == "job" and entry.details["rows"] == 5
    download = who["staff"].get(job_url + "/download")
    assert download.status_code == 200 and download.get_data()[:2] == b"PK"  # an xlsx (zip) file
    assert who["admin"].get(job_url + "/download").status_code == 200  # admins may see every room
    assert who["other_staff"].get(job_url + "/download").status_code == 404
    assert "hiroba-opinions-room" in who["staff"].get("/department/export/").get_data(as_text=True)

    clock.travel(timedelta(days=8))
    assert "export jobs run: 0" in app.test_cli_runner().invoke(args=["export", "run"]).output
    assert not list(Path(app.config["EXPORT_DIR"]).glob("job-*"))
    assert who["staff"].get(job_url + "/download").status_code == 410
    assert "削除しました" in who["staff"].get(job_url).get_data(as_text=True)


def test_the_worker_thread_runs_a_job(app, city):
    import time

    from forum.models import ExportJob

    who, room, _other, _first, _second = city
    app.config.update(EXPORT_BACKGROUND_FROM=3, EXPORT_WORKER="thread")
    submit(
        who["staff"], "/department/export/", {"room": room, "format": "csv"}, page=f"/department/export/?room={room}"
    )
    for _ in range(100):
        with app.app_context():
            state = db.session.scalar(select(ExportJob.state))
        if state in ("done", "failed"):
            break
        time.sleep(0.05)
    assert state == "done"


def test_a_job_whose_worker_died_is_taken_up_again_within_minutes(app, city):
    """A web worker recycled mid-export leaves its job running with a lease nobody renews: the next
    ``export run`` after the lease (5 minutes) takes it up; before that, nobody touches it."""
    import time
    from datetime import timedelta

    from forum.models import ExportJob
    from forum.services import export_jobs

    who, room, _other, _first, _second = city
    app.config.update(EXPORT_BACKGROUND_FROM=3, EXPORT_WORKER="none")
    submit(
        who["staff"], "/department/export/", {"room": room, "format": "csv"}, page=f"/department/export/?room={room}"
    )
    with app.app_context():
        claimed = export_jobs._claim()  # a worker takes it … and dies before running it
        assert claimed.state == "running" and claimed.lease_until > clock.now()
    clock.travel(timedelta(minutes=2))
    assert "export jobs run: 0" in app.test_cli_runner().invoke(args=["export", "run"]).output  # still leased
    clock.travel(timedelta(minutes=4))
    result = app.test_cli_runner().invoke(args=["export", "run"])
    assert "export jobs run: 1" in result.output, result.output
    with app.app_context():
        job = db.session.scalar(select(ExportJob))
        assert (job.state, job.rows, job.lease_until) == ("done", 5, None)

    app.config["EXPORT_LEASE_SECONDS"] = 3  # the heartbeat renews every second
    with app.app_context():
        job.state = "running"
        db.session.merge(job)
        db.session.commit()
        export_jobs.renew(job.id)
        first = db.session.scalar(select(ExportJob.lease_until))
        with export_jobs._Heartbeat(app, job.id):
            time.sleep(2.5)
        db.session.expire_all()
        assert db.session.scalar(select(ExportJob.lease_until)) > first


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("電話は03-1234-5678です", "電話は［電話番号］です"),
        ("携帯０９０－１２３４－５６７８まで", "携帯［電話番号］まで"),
        ("メールは Hanako.Yamada@example.co.jp へ", "メールは ［メール］ へ"),
        ("〒272-0021 に住んでいます", "［郵便番号］ に住んでいます"),
        ("個人番号 1234 5678 9012 を書きました", "個人番号 ［個人番号］ を書きました"),
        ("本八幡1丁目2番3号の角", "本八幡［住所］の角"),
        ("平成17年度から推進しています", "平成17年度から推進しています"),
    ],
)
def test_personal_information_is_masked_in_every_export(app, written, shown):
    """The detectors of forum/text/pii.py, applied to posts published with no rule in the way."""
    who = people(app)
    relax_rules(app, "pii", "links")
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room, body=written)
    with app.app_context():
        from forum.exports.selection import ExportFilter, opinions

        assert [o.body for o in opinions(ExportFilter(room_ids=(room,)))] == [shown]


def test_posts_from_before_the_stored_text_are_refreshed(app, city):
    from sqlalchemy import update as sql_update

    from forum.models import Post

    who, room, _other, _first, _second = city
    with app.app_context():
        db.session.execute(sql_update(Post).values(masked_text=None, masked_version=None))  # as after an upgrade
        db.session.commit()
    rows = list(
        csv.DictReader(
            io.StringIO(download(who["staff"], {"room": room, "format": "csv-utf8"}).get_data().decode("utf-8"))
        )
    )
    assert "［電話番号］" in rows[1]["body"]  # worked out while exporting
    result = app.test_cli_runner().invoke(args=["export", "refresh-text"])
    assert result.exit_code == 0 and "posts brought up to date:" in result.output
    with app.app_context():
        stale = db.session.scalar(select(func.count()).select_from(Post).where(Post.masked_version.is_(None)))
        assert stale == 0
        assert "［メール］" in db.session.get(Post, int(rows[1]["id"])).masked_text
