"""Backups that restore: an archive made while residents keep posting holds one consistent moment;
restored into a fresh instance it gives the same posts, the same pseudonyms in exports, and search
finds the same posts. On SQLite and, in the PostgreSQL run, on PostgreSQL."""

from __future__ import annotations

import gzip
import json
import tarfile
import threading
import time

import pytest
from sqlalchemy import select

from forum import create_app
from forum.exports.selection import ExportFilter, opinions
from forum.extensions import db
from forum.models import Post, Room, Thread, User
from forum.search import sync
from forum.search.backend import SearchQuery
from forum.services import backup, posts
from forum.services.errors import ServiceError
from tests.helpers import make_app, release
from tests.helpers.rooms import create_city_room, last_thread, people, start_thread

WORD = "バックアップ確認"


def _table(tar: tarfile.TarFile, name: str) -> list[dict]:
    return [
        json.loads(line) for line in gzip.decompress(tar.extractfile(f"tables/{name}.jsonl.gz").read()).splitlines()
    ]


def _posts(app) -> dict[int, tuple]:
    with app.app_context():
        rows = db.session.execute(select(Post.id, Post.thread_id, Post.number, Post.body, Post.state)).all()
        db.session.remove()
    return {row[0]: tuple(row[1:]) for row in rows}


def _pseudonyms(app, room_id: int) -> dict[int, str]:
    with app.app_context():
        found = {o.id: o.author for o in opinions(ExportFilter(room_ids=(room_id,)))}
        db.session.remove()
    return found


def _found(app) -> set[int]:
    with app.app_context():
        ids = set(sync.backend().search(SearchQuery(WORD, per_page=500)).ids)
        db.session.remove()
    return ids


def test_a_backup_made_during_writes_restores_the_same_site(app, tmp_path):
    who = people(app)
    room_id = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room_id, title="公園", body=f"{WORD} はじめの意見")
    thread_id = last_thread(app).id
    written = threading.Event()
    stop = threading.Event()
    count: list[int] = []

    def keep_writing() -> None:  # residents posting while the backup runs
        with app.app_context():
            authors = [
                db.session.scalar(select(User).where(User.email == e))
                for e in ("himawari@example.jp", "keyaki@example.jp")
            ]
            n = 0
            while not stop.is_set() and n < 400:
                posts.reply(authors[n % 2], db.session.get(Thread, thread_id), f"{WORD} 返信 {n}", accept_rules=True)
                n += 1
                count.append(n)
                if n == 20:
                    written.set()
            db.session.remove()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    assert written.wait(30)
    archive = tmp_path / "site.tar.gz"
    with app.app_context():
        manifest = backup.create(archive)
    after = len(count)
    deadline = time.monotonic() + 30
    while len(count) < after + 10 and time.monotonic() < deadline:  # and they go on posting
        time.sleep(0.01)
    stop.set()
    writer.join(60)
    source = _posts(app)
    assert manifest.rows["post"] < len(source)  # the writer went on after the snapshot

    with tarfile.open(archive, "r:gz") as tar:  # one consistent moment: counters match the posts
        saved, threads = (_table(tar, name) for name in ("post", "thread"))
    thread_row = next(t for t in threads if t["id"] == thread_id)
    mine = [p for p in saved if p["thread_id"] == thread_id]
    assert thread_row["public_post_count"] == len(mine) and thread_row["next_number"] == len(mine) + 1
    assert sorted(p["number"] for p in mine) == list(range(1, len(mine) + 1))

    target = make_app(tmp_path / "restored")
    with target.app_context():
        restored_manifest = backup.restore(archive)
        assert restored_manifest.rows == manifest.rows
        assert sync.rebuild() == sum(1 for p in saved if p["state"] == "published")
        url = str(db.engine.url.render_as_string(hide_password=False))
        with pytest.raises(ServiceError):  # never into a site that has people in it
            backup.restore(archive)
    # the site starts again on the restored instance: its keys are read from the files restored
    site = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "hiroba.test"},
        instance_path=str(tmp_path / "restored"),
    )
    restored = _posts(site)
    assert len(restored) == manifest.rows["post"]
    assert all(source[i] == row for i, row in restored.items())  # the same posts, as they were
    with site.app_context():
        assert db.session.get(Room, room_id).title == "防災計画について"
        author = db.session.scalar(select(User).where(User.email == "keyaki@example.jp"))
        new = posts.reply(author, db.session.get(Thread, thread_id), "復元後の返信", accept_rules=True)
        assert new.id > max(restored) and new.number == len(mine) + 1  # ids and numbers go on
        new_id = new.id
        db.session.remove()
    theirs, ours = _pseudonyms(app, room_id), _pseudonyms(site, room_id)
    assert ours and all(theirs[i] == ours[i] for i in ours if i in restored)  # the same pseudonyms
    assert _found(site) - {new_id} == _found(app) & set(restored)  # search finds the same posts
    release(site)
    release(target)
