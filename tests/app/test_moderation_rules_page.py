"""Moderators edit the rules as data, test texts against them, and read the audit log."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from forum.extensions import db
from forum.labels import action_label
from moderation.models import AuditEntry, ModerationRule
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread


def table_of(page: str) -> str:
    """The audit log's rows (the filter above lists every action's label)."""
    return page[page.index("<tbody>") : page.index("</tbody>")]


def rule_id(app, kind: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ModerationRule.id).where(ModerationRule.kind == kind))


def test_a_new_word_rule_applies_at_once_and_is_audited(app):
    who = people(app)
    page = who["mod"].get("/moderation/rules").get_data(as_text=True)
    assert "個人情報" in page and "選挙運動" in page  # the defaults a new site starts with
    bad = submit(
        who["mod"],
        "/moderation/rules",
        {
            "name": "悪口",
            "kind": "words",
            "action": "mask",
            "patterns": "((",
            "regex": "y",
            "room_id": "0",
            "enabled": "y",
        },
    )
    assert bad.status_code == 422 and "正規表現が正しくありません" in bad.get_data(as_text=True)
    response = submit(
        who["mod"],
        "/moderation/rules",
        {"name": "悪口", "kind": "words", "action": "mask", "patterns": "ばか\nあほ", "room_id": "0", "enabled": "y"},
    )
    assert response.status_code == 303
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room)
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "そんなのﾊﾞｶげている")
    assert posts_of(app, thread.id)[1].body == "そんなの＊＊＊げている"  # one ＊ per typed character (ﾊ ﾞ ｶ)
    with app.app_context():
        created = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "rule.create"))
        assert created.actor_handle == "運営" and created.details["after"]["patterns"] == "ばか\nあほ"
        assert created.details["before"] is None


def test_changing_a_default_rule_and_its_limits(app):
    who = people(app)
    pii = rule_id(app, "pii")
    response = submit(
        who["mod"],
        f"/moderation/rules/{pii}",
        {"name": "個人情報", "kind": "pii", "action": "mask", "room_id": "0", "enabled": "y"},
    )
    assert response.status_code == 303
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room)
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "電話は03-1234-5678です")
    post = posts_of(app, thread.id)[1]
    assert post.state == "published" and post.body == "電話は［電話番号］です"
    bad = submit(
        who["mod"],
        f"/moderation/rules/{rule_id(app, 'length')}",
        {
            "name": "文字数",
            "kind": "length",
            "action": "block",
            "room_id": "0",
            "enabled": "y",
            "params": "body_max = many",
        },
    )
    assert "「名前 = 数」" in bad.get_data(as_text=True)
    with app.app_context():
        updated = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "rule.update"))
        assert updated.details["before"]["action"] == "hold" and updated.details["after"]["action"] == "mask"


def test_a_rule_for_one_room_only(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    other = create_city_room(app, who["staff"], title="別の会議室")
    submit(
        who["mod"],
        "/moderation/rules",
        {
            "name": "ネタバレ",
            "kind": "words",
            "action": "hold",
            "patterns": "ネタバレ",
            "room_id": str(room),
            "enabled": "y",
        },
    )
    for place in (room, other):
        start_thread(who["staff"], place)
        reply(who["keyaki"], last_thread(app).id, "ネタバレですが")
    held = [posts_of(app, t)[1].state for t in (last_thread(app).id - 1, last_thread(app).id)]
    assert held == ["pending", "published"]


def test_would_this_text_pass(app):
    who = people(app, strict=True)
    page = who["mod"].get("/moderation/rules?text=" + "連絡は090-1234-5678まで").get_data(as_text=True)
    assert "確認待ちにする" in page or "保留" in page
    assert "電話番号が含まれています" in page
    fine = who["mod"].get("/moderation/rules?text=" + "公園に木陰がほしい").get_data(as_text=True)
    assert "結果" in fine and "電話番号" not in fine
    new = who["mod"].get("/moderation/rules?new=1&text=" + "はじめまして").get_data(as_text=True)
    assert "初めての参加者の発言は確認してから公開します" in new
    assert who["keyaki"].get("/moderation/rules?text=x").status_code == 403


def test_audit_log_list_and_csv_for_admins(app):
    who = people(app, strict=True)
    room = create_city_room(app, who["staff"])
    start_thread(who["keyaki"], room, body="=cmd|' /C calc'!A0 最初の発言")
    post = posts_of(app, last_thread(app).id)[0]
    submit(who["mod"], f"/moderation/posts/{post.id}/reject", {"reason": '=HYPERLINK("x")'}, page="/moderation/")
    with app.test_request_context():
        held, rejected = action_label("rule.hold"), action_label("post.reject")
    page = who["mod"].get("/moderation/audit").get_data(as_text=True)
    assert held in table_of(page) and rejected in table_of(page) and "2件" in page
    filtered = table_of(who["mod"].get("/moderation/audit?action=post.").get_data(as_text=True))
    assert rejected in filtered and held not in filtered
    assert who["mod"].get("/moderation/audit.csv").status_code == 403  # admins only
    response = who["admin"].get("/moderation/audit.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["id", "created_at", "actor_id", "actor", "action"]
    assert [r[4] for r in rows[1:]] == ["rule.hold", "post.reject"]
    assert rows[2][7] == '\'=HYPERLINK("x")'  # formula-looking cells are neutralised
    assert rows[0][-1] == "action_label" and [r[-1] for r in rows[1:]] == [held, rejected]
