"""Every change of a post reaches the index through the outbox; a crash is healed by `search sync`."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import SearchOutbox
from forum.search import sync
from forum.search.backend import SearchDoc, SearchQuery, WhooshBackend
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread


def found(app, text: str, staff: bool = False) -> list[int]:
    with app.app_context():
        visibility = ("public", "staff") if staff else ("public",)
        return sync.backend().search(SearchQuery(text, visibility=visibility, per_page=100)).ids


def test_every_change_of_a_post_reaches_the_index(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room, body="避難所の案内板について")
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "案内板は多言語にしてほしい")
    post = posts_of(app, thread.id)[1]
    assert found(app, "多言語") == [post.id]  # create
    submit(who["keyaki"], f"/posts/{post.id}/edit", {"body": "案内板は点字にも対応してほしい", "submit": "1"})
    assert found(app, "多言語") == [] and found(app, "点字") == [post.id]  # edit
    submit(who["mod"], f"/moderation/posts/{post.id}/hide", {"reason": "確認"}, page="/moderation/")
    assert found(app, "点字") == []  # hide
    submit(who["mod"], f"/moderation/posts/{post.id}/restore", page="/moderation/")
    assert found(app, "点字") == [post.id]  # restore
    submit(who["keyaki"], f"/posts/{post.id}/withdraw")
    assert found(app, "点字") == []  # withdraw
    other = create_city_room(app, who["staff"], title="別の部屋")
    submit(who["mod"], f"/moderation/threads/{thread.id}", {"move_to": f"room:{other}"}, page=f"/threads/{thread.id}")
    with app.app_context():
        assert sync.backend().search(SearchQuery("案内板", room_id=other)).ids == [posts_of(app, thread.id)[0].id]


def test_held_and_staff_board_posts_are_not_found_by_the_public(app):
    who = people(app, strict=True)
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room, body="確認待ちの発言です")
    assert found(app, "確認待ち") == []
    with app.app_context():
        from forum.models import Post, User
        from moderation import queue

        queue.approve(
            db.session.scalar(select(User).where(User.email == "mod@example.jp")), db.session.scalar(select(Post))
        )
    assert len(found(app, "確認待ち")) == 1  # approval publishes it to search too
    submit(who["admin"], "/boards/new", {"name": "庁内掲示板", "kind": "staff", "owner": ""})
    submit(who["staff"], "/boards/1/threads/new", {"title": "内部連絡", "body": "職員だけの連絡です", "submit": "1"})
    assert found(app, "職員だけ") == []
    assert len(found(app, "職員だけ", staff=True)) == 1


def test_a_crash_between_commit_and_index_is_healed_by_search_sync(app):
    who = people(app)
    app.config["SEARCH_AUTO_SYNC"] = False  # as if the process died right after the commit
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room, body="停電時の連絡方法")
    assert found(app, "停電") == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 1
    runner = app.test_cli_runner()
    drift = runner.invoke(args=["search", "check"])
    assert drift.exit_code == 1 and "missing from the index: 1" in drift.output
    healed = runner.invoke(args=["search", "sync"])
    assert healed.exit_code == 0 and "waiting: 1; applied: 1" in healed.output
    assert len(found(app, "停電")) == 1
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_rolled_back_changes_are_never_indexed(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room, body="最初の発言")
    with app.app_context():
        from forum.models import Post

        post = db.session.scalar(select(Post))
        post.body = "取り消される本文"
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
    assert found(app, "取り消される") == []


def test_rebuild_from_the_database(app):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "indexed 237 posts" in result.output  # every published post; the staff-board one for staff only
    assert len(found(app, "電子会議室")) > 0
    assert app.test_cli_runner().invoke(args=["search", "check"]).exit_code == 0


def _writer(folder: str, start: int) -> None:
    backend = WhooshBackend(folder)
    for i in range(start, start + 25):
        backend.add([SearchDoc(i, 1, "", f"並行して書き込む文書{i}", "x", datetime(2026, 1, 1, tzinfo=UTC))])


def test_concurrent_writers_from_several_processes_lose_nothing(tmp_path):
    folder = str(tmp_path / "index")
    WhooshBackend(folder).add([])  # nothing yet
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(folder, 1 + n * 25)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    backend = WhooshBackend(folder)
    assert backend.count() == 100
    assert backend.search(SearchQuery("並行", per_page=200)).total == 100


def test_an_index_from_an_older_version_is_refused_politely_then_rebuilt_by_sync(app, client):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room, body="古い索引でも失われない発言")
    with app.app_context():
        folder = sync.backend().folder
    (folder / "hiroba-schema").write_text("1")  # as an index written before the schema changed
    page = client.get("/search?q=発言")
    assert page.status_code == 503 and "索引" in page.get_data(as_text=True)
    api = client.get("/api/v1/search?q=発言")
    assert api.status_code == 503 and api.get_json()["error"]["status"] == 503
    result = app.test_cli_runner().invoke(args=["search", "sync"])
    assert result.exit_code == 0 and "rebuilding" in result.output, result.output
    assert len(found(app, "失われない")) == 1


def test_a_room_made_private_or_moved_and_a_deleted_post_reach_the_index(app):
    from forum.models import Post, Room, RoomState

    who = people(app)
    room_id = create_city_room(app, who["staff"])
    start_thread(who["staff"], room_id, body="公民館の予約方法について")
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "公民館の予約をネットでしたい")
    assert len(found(app, "公民館")) == 2
    with app.app_context():
        room = db.session.get(Room, room_id)
        area = room.area
        other_area = "citizen" if area == "city" else "city"
        room.area = other_area
        db.session.commit()
        assert len(sync.backend().search(SearchQuery("公民館", area=other_area)).ids) == 2
        room.state = RoomState.PROPOSED.value  # no longer public
        db.session.commit()
    assert found(app, "公民館") == []
    with app.app_context():
        room = db.session.get(Room, room_id)
        room.state = RoomState.OPEN.value
        db.session.commit()
    assert len(found(app, "公民館")) == 2
    with app.app_context():
        db.session.delete(db.session.get(Post, posts_of(app, thread.id)[1].id))
        db.session.commit()
    assert len(found(app, "公民館")) == 1  # delete


def _writers() -> list:
    """The rebuild's writer processes (forked by its process pool)."""
    return [p for p in multiprocessing.active_children() if p.name.startswith("ForkProcess")]


def _killing(docs, after: int):
    """Documents for a rebuild; after ``after`` of them, one index writer process is killed."""
    import os
    import signal
    import time

    for n, doc in enumerate(docs, start=1):
        if n == after:
            deadline = time.monotonic() + 10
            while not _writers() and time.monotonic() < deadline:
                time.sleep(0.005)
            os.kill(_writers()[0].pid, signal.SIGKILL)
        yield doc


def _docs(n: int, text: str = "再構築の文書"):
    return [SearchDoc(i, 1, "", f"{text}{i}", "x", datetime(2026, 1, 1, tzinfo=UTC)) for i in range(1, n + 1)]


def test_a_killed_rebuild_writer_fails_the_rebuild_and_keeps_the_old_index(tmp_path):
    import pytest

    from forum.search.backend import RebuildFailed

    backend = WhooshBackend(tmp_path / "index")
    assert backend.rebuild(_docs(30, "元の索引")) == 30
    with pytest.raises(RebuildFailed):
        backend.rebuild(_killing(_docs(2000), after=400), chunk=100)
    assert backend.count() == 30  # the old index is live and whole
    assert backend.search(SearchQuery("元の索引", per_page=50)).total == 30
    assert not (tmp_path / "index.new").exists()
    assert backend.rebuild(_docs(2000), chunk=100) == 2000  # and a clean rebuild still works


def test_search_rebuild_exits_non_zero_when_a_writer_dies(app):
    import os
    import signal
    import threading

    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    before = found(app, "電子会議室")
    app.config["SEARCH_REBUILD_CHUNK"] = 20  # several tasks, so one is surely running when the kill comes
    stop = threading.Event()

    def killer() -> None:
        while not stop.is_set():
            children = _writers()
            if children:
                os.kill(children[0].pid, signal.SIGKILL)
                return
            stop.wait(0.001)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code != 0 and "the old index is kept" in result.output, result.output
    assert found(app, "電子会議室") == before


def test_out_of_range_values_never_stop_indexing_and_check_names_the_refused_post(app, tmp_path):
    backend = WhooshBackend(tmp_path / "index")
    far = [
        SearchDoc(1, 1, "", "九九九九年の発言", "x", datetime(9999, 12, 31, tzinfo=UTC)),
        SearchDoc(2, 1, "", "一年の発言", "x", datetime(1, 1, 1, tzinfo=UTC)),
        SearchDoc(2**32 + 5, 1, "", "大きすぎる番号の発言", "x", datetime(2026, 1, 1, tzinfo=UTC)),
        SearchDoc(4, 1, "", "普通の発言", "x", datetime(2026, 1, 1, tzinfo=UTC)),
    ]
    backend.add(far)
    assert sorted(backend.all_ids()) == [1, 2, 4]  # the bad one is left out, the others are in
    assert backend.search(SearchQuery("発言", newest=True)).ids[0] == 1  # 9999 clamped, still newest
    assert backend.rebuild(far) == 3

    # through the app: a post with a far date (as an old import may hold) is indexed, and later posts too
    from forum.models import Post

    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room, body="遠い日付の発言")
    with app.app_context():
        post = db.session.scalar(select(Post))
        post.created_at = datetime(9999, 12, 31, tzinfo=UTC)
        db.session.commit()
    reply(who["keyaki"], last_thread(app).id, "そのあとの発言も見つかる")
    assert len(found(app, "遠い日付")) == 1 and len(found(app, "そのあと")) == 1
    assert app.test_cli_runner().invoke(args=["search", "check"]).exit_code == 0


def test_outbox_ids_are_never_reused(app):
    with app.app_context():
        first = [SearchOutbox(post_id=1), SearchOutbox(post_id=2)]
        db.session.add_all(first)
        db.session.commit()
        used = max(row.id for row in first)
        db.session.execute(db.delete(SearchOutbox))
        db.session.commit()
        again = SearchOutbox(post_id=3)
        db.session.add(again)
        db.session.commit()
        assert again.id > used


def test_changes_during_a_rebuild_reach_the_new_index(app):
    """A post written while a rebuild runs is applied to the old index and again to the new one."""
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["staff"], room, body="再構築の前の発言")
    import subprocess
    import sys

    with app.app_context():
        engine = sync.backend()
        marker = engine._marker_path
    # another process (another user, as a cron job may be) holds the rebuild's file lock
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import fcntl, sys, time; h = open(sys.argv[1], 'a+'); fcntl.flock(h, fcntl.LOCK_EX); "
                "print('locked', flush=True); time.sleep(60)"
            ),
            str(marker),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        reply(who["keyaki"], last_thread(app).id, "再構築の最中の発言")
        assert len(found(app, "最中")) == 1  # the live index has it
        with app.app_context():
            assert engine.is_rebuilding() and sync.pending() == 1  # and the row stays for the new index
    finally:
        holder.kill()
        holder.wait()
    with app.app_context():
        assert not engine.is_rebuilding()
        assert sync.rebuild() >= 2
        assert sync.pending() == 0
    assert len(found(app, "最中")) == 1
