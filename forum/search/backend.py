"""The search engine behind one small interface, and the Whoosh implementation of it.

A server engine (for a city running several app hosts) implements ``SearchBackend`` the same way;
nothing outside this module imports Whoosh.
"""

from __future__ import annotations

import fcntl
import itertools
import logging
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from whoosh import fields, index
from whoosh.writing import SegmentWriter

from forum.search.analysis import bigram_analyzer, is_cjk, normalize
from forum.search.evaluate import Evaluator, OpenSegments, Plan, plain, word

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchDoc:
    """One post as the index sees it (plain text; only what a reader may see)."""

    id: int
    thread_id: int
    title: str
    body: str
    author: str
    created_at: datetime
    room_id: int | None = None
    board_id: int | None = None
    area: str = ""
    visibility: str = "public"  # or "staff" (the staff-only board)


@dataclass(frozen=True)
class SearchQuery:
    text: str
    page: int = 1
    per_page: int = 20
    visibility: tuple[str, ...] = ("public",)
    room_id: int | None = None
    board_id: int | None = None
    area: str | None = None
    author: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    newest: bool = False


@dataclass
class SearchResults:
    total: int
    ids: list[int] = field(default_factory=list)
    exact: bool = True  # False: ``total`` is an estimate (a phrase search with very many candidates)


class SearchBackend(Protocol):
    def add(self, docs: Iterable[SearchDoc]) -> None: ...
    def delete(self, ids: Iterable[int]) -> None: ...
    def search(self, query: SearchQuery) -> SearchResults: ...
    def count(self) -> int: ...
    def rebuild(self, docs: Iterable[SearchDoc], progress: Callable[[int], None] | None = None) -> int: ...
    def batch(self) -> AbstractContextManager: ...


SCHEMA_VERSION = 3  # raise when the fields or the analyzer change: the index must be rebuilt


REBUILD_CHUNK = 10_000  # posts a segment: a few segments at 100,000 posts, and no spill-and-merge


class IndexOutdated(RuntimeError):
    """The index on disk was built with another schema; ``flask --app forum search rebuild``."""


class RebuildFailed(RuntimeError):
    """A rebuild could not write every document; the live index was left as it was."""


class BadDocument(ValueError):
    def __init__(self, doc_id: int, why: str) -> None:
        super().__init__(why)
        self.doc_id = doc_id


def _write_segment(folder: str, rows: list[dict]):
    """In a worker process: one segment of ``rows``, not yet listed in the index's table of
    contents (the parent lists all of them at once, when every worker has succeeded)."""
    ix = index.open_dir(folder)
    writer = SegmentWriter(ix, _lk=False, limitmb=256)
    for row in rows:
        writer.add_document(**row)
    return writer._finalize_segment(), len(rows)


class Batch:
    """Changes inside one held writer (``WhooshBackend.batch``)."""

    def __init__(self, backend: WhooshBackend, writer) -> None:
        self._backend, self._writer = backend, writer

    def add(self, docs: Iterable[SearchDoc]) -> None:
        for fields_ in self._backend._checked(docs):
            self._writer.update_document(**fields_)

    def delete(self, ids: Iterable[int]) -> None:
        for doc_id in ids:
            self._writer.delete_by_term("id", doc_id)


def _schema() -> fields.Schema:
    # One posting per value where no range is asked (shift_step=0); the created time keeps a few
    # tiers for date ranges and a column for the newest-first order.
    return fields.Schema(
        id=fields.NUMERIC(int, bits=32, stored=True, unique=True, signed=False, shift_step=0),
        room_id=fields.NUMERIC(int, bits=32, signed=False, shift_step=0),
        board_id=fields.NUMERIC(int, bits=32, signed=False, shift_step=0),
        area=fields.ID(),
        visibility=fields.ID(),
        author=fields.ID(),
        created=fields.NUMERIC(int, bits=32, sortable=True, signed=False, shift_step=8),
        text=fields.TEXT(analyzer=bigram_analyzer(), phrase=False),  # title and body
        plain=fields.STORED(),  # the same, normalised: phrases are checked against it
    )


def _create(folder: Path):
    ix = index.create_in(folder, _schema())
    (folder / "hiroba-schema").write_text(str(SCHEMA_VERSION))
    return ix


def _version(folder: Path) -> int | None:
    try:
        return int((folder / "hiroba-schema").read_text())
    except (OSError, ValueError):
        return None


def _identity(folder: Path) -> tuple[int, int]:
    """Changes when a rebuild swaps a new folder in (a new index may repeat a generation number)."""
    try:
        stat = folder.stat()
    except OSError:
        return (0, 0)
    return (stat.st_dev, stat.st_ino)


def _retrying(open_: Callable):
    for attempt in range(20):
        try:
            return open_()
        except (FileNotFoundError, index.EmptyIndexError):
            if attempt == 19:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


class WhooshBackend:
    """Whoosh in a folder, every writer under one inter-process file lock."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock_path = self.folder.parent / (self.folder.name + ".lock")
        self._marker_path = self.folder.parent / (self.folder.name + ".rebuilding")
        self._reading = threading.Lock()
        self._open = OpenSegments()
        self._identity = _identity(self.folder)

    @contextmanager
    def _locked(self):
        with open(self._lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    locked = _locked  # the writers' lock, for a caller that must read the database under it

    @contextmanager
    def rebuild_running(self) -> Iterator[None]:
        """Held by ``flask search rebuild`` while it builds a new index (a file lock, so it ends
        with the process whatever happens, and any user of the host can test it)."""
        with open(self._marker_path, "a+") as handle:
            os.chmod(self._marker_path, 0o644)
            fcntl.flock(handle, fcntl.LOCK_EX)  # one rebuild at a time
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def is_rebuilding(self) -> bool:
        try:
            handle = open(self._marker_path)  # noqa: SIM115 (closed below)
        except FileNotFoundError:
            return False
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def _index(self, locked: bool = False):
        """The index, created on first use. Readers may race a writer in another process that is
        just replacing its table of contents, so opening is retried briefly."""
        if not index.exists_in(self.folder):
            if locked:
                _create(self.folder)
            else:
                with self._locked():
                    if not index.exists_in(self.folder):
                        _create(self.folder)
        if _version(self.folder) != SCHEMA_VERSION:
            raise IndexOutdated(str(self.folder))
        return _retrying(lambda: index.open_dir(self.folder))

    @contextmanager
    def _view(self):
        """The current generation's segments, one thread at a time (the open readers are shared)."""
        with self._reading:
            identity = _identity(self.folder)
            if identity != self._identity:
                self._open.close()  # a rebuild swapped a new folder in
                self._identity = identity
            ix = self._index()
            leaves, schema = _retrying(lambda: self._leaves(ix))
            yield Evaluator(leaves, schema)

    def _leaves(self, ix):
        toc = ix._read_toc()
        return self._open.view(ix.storage, toc), toc.schema

    def outdated(self) -> bool:
        try:
            self._index()
        except IndexOutdated:
            return True
        return False

    @staticmethod
    def _fields(doc: SearchDoc) -> dict:
        """The stored and indexed fields of ``doc``, checked before anything reaches the writer (a
        value that fails half-way through a Whoosh writer would spoil the whole batch): ids must
        fit the 32-bit fields, and times are clamped into them (an imported 0001 or 9999 date)."""
        for name in ("id", "room_id", "board_id", "thread_id"):
            value = getattr(doc, name) or 0
            if not 0 <= value < 2**32:
                raise BadDocument(doc.id, f"{name} {value} does not fit the index")
        created = min(max(int(doc.created_at.timestamp()), 0), 2**32 - 1)
        return {
            "id": doc.id,
            "room_id": doc.room_id or 0,
            "board_id": doc.board_id or 0,
            "area": doc.area or "-",
            "visibility": doc.visibility,
            "author": normalize(doc.author or "-"),
            "created": created,
            "text": f"{doc.title}\n{doc.body}",
            "plain": plain(f"{doc.title}\n{doc.body}"),
        }

    def _checked(self, docs: Iterable[SearchDoc]) -> Iterator[dict]:
        """The fields of each good document; a bad one is logged by id and left out (``search check``
        then lists it as missing), so it never blocks the others."""
        for doc in docs:
            try:
                yield self._fields(doc)
            except (BadDocument, ValueError, OverflowError, OSError) as error:
                log.error("post %s was not indexed: %s", doc.id, error)

    @contextmanager
    def _writer(self):
        """The one writer, under the inter-process lock; committed on success, cancelled otherwise."""
        with self._locked():
            writer = self._index(locked=True).writer()
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    def add(self, docs: Iterable[SearchDoc]) -> None:
        docs = list(docs)
        if docs:
            with self.batch() as batch:
                batch.add(docs)

    def delete(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            with self.batch() as batch:
                batch.delete(ids)

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """One writer under the inter-process lock for as long as the block runs. The outbox sync
        reads the database *inside* it, so of two syncs the later reader is the later writer and
        an older state can never overwrite a newer one."""
        with self._writer() as writer:
            yield Batch(self, writer)

    def count(self) -> int:
        with self._view() as view:
            return sum(leaf.doc_count_all - len(leaf.deleted) for leaf in view.leaves)

    def all_ids(self) -> set[int]:
        with self._view() as view:
            return {stored["id"] for _doc, stored in view.live_docs()}

    def rebuild(
        self, docs: Iterable[SearchDoc], progress: Callable[[int], None] | None = None, chunk: int = REBUILD_CHUNK
    ) -> int:
        """Build a fresh index beside the live one, check it holds every document written, then
        swap it in. Chunks of documents become segments in worker processes; if any worker fails
        or dies, or the count is short, nothing is swapped and ``RebuildFailed`` says why."""
        fresh = self.folder.parent / (self.folder.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        try:
            count = self._build(fresh, self._checked(docs), progress, chunk)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        with self._locked():
            old = self.folder.parent / (self.folder.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.folder.exists():
                os.replace(self.folder, old)
            os.replace(fresh, self.folder)
            shutil.rmtree(old, ignore_errors=True)
        return count

    @staticmethod
    def _build(folder: Path, rows: Iterator[dict], progress: Callable[[int], None] | None, chunk: int) -> int:
        ix = _create(folder)
        procs = max(1, min(2, os.cpu_count() or 1))
        segments: list = []
        written = sent = 0

        def collect(future: Future) -> None:
            nonlocal written
            segment, n = future.result()
            segments.append(segment)
            written += n
            if progress:
                progress(written)

        # fork: the workers need nothing but the folder and the rows (no threads run during a rebuild)
        with ProcessPoolExecutor(procs, mp_context=multiprocessing.get_context("fork")) as pool:
            running: set[Future] = set()
            try:
                while batch := list(itertools.islice(rows, chunk)):
                    running.add(pool.submit(_write_segment, str(folder), batch))
                    sent += len(batch)
                    if len(running) >= procs * 2:  # the parent reads ahead at most this far
                        done, running = wait(running, return_when=FIRST_COMPLETED)
                        for future in done:
                            collect(future)
                for future in running:
                    collect(future)
            except BrokenProcessPool as error:
                pool.shutdown(wait=False, cancel_futures=True)
                raise RebuildFailed(f"an index writer process died after {written} of {sent} posts") from error
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        writer = ix.writer()
        writer._close_segment()
        writer._commit_toc(segments)
        writer._finish()
        have = index.open_dir(folder).doc_count_all()
        if have != written or written != sent:
            raise RebuildFailed(f"the new index holds {have} posts; {sent} were sent to it")
        return written

    # ------------------------------------------------------------ querying

    def plan(self, q: SearchQuery) -> Plan:
        """The query words and filters of ``q`` (malformed input degrades to plain words)."""
        plan = Plan(newest=q.newest)
        for raw in split_query(q.text):
            if raw.startswith("-") and len(raw) > 1:
                plan.excluded += filter(None, [word(raw[1:])])
            else:
                alternatives = [w for w in map(word, raw.split("|")) if w is not None]
                if alternatives:
                    plan.groups.append(alternatives)
        plan.filters.append(("visibility", tuple(q.visibility)))
        if q.room_id:
            plan.filters.append(("room_id", q.room_id))
        if q.board_id:
            plan.filters.append(("board_id", q.board_id))
        if q.area:
            plan.filters.append(("area", q.area))
        if q.author:
            plan.filters.append(("author", normalize(q.author)))
        plan.since = int(q.since.timestamp()) if q.since else None
        plan.until = int(q.until.timestamp()) if q.until else None
        return plan

    def search(self, q: SearchQuery) -> SearchResults:
        start = (max(q.page, 1) - 1) * q.per_page
        with self._view() as view:
            total, exact, docnums = view.run(self.plan(q), start, q.per_page)
            return SearchResults(total=total, exact=exact, ids=[view.stored(d)["id"] for d in docnums])


def split_query(text: str) -> list[str]:
    """Query words: spaces separate words, "quoted phrases" stay one word, ``A OR B`` becomes
    ``A|B``, ``-word`` excludes. Spaces inside a Japanese phrase are dropped (Japanese has none)."""
    words: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in normalize(text):
        if ch == '"':
            quoted = not quoted
            continue
        if ch.isspace() and not quoted:
            if buf:
                words.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    if buf:
        words.append("".join(buf))
    words = ["".join(w.split()) if is_cjk("".join(w.split())) else w for w in words]
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i] == "or" and out and i + 1 < len(words):
            out[-1] = f"{out[-1]}|{words[i + 1]}"
            i += 2
            continue
        out.append(words[i])
        i += 1
    return out
