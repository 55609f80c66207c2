"""The search engine behind one small interface, and the Whoosh implementation of it.

A server engine (for a city running several app hosts) implements ``SearchBackend`` the same way;
nothing outside this module imports Whoosh.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from whoosh import fields, index
from whoosh.query import And, Every, NumericRange, Or, Phrase, Query, Term

from forum.search.analysis import bigram_analyzer, is_cjk, normalize, unigram_analyzer


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


class SearchBackend(Protocol):
    def add(self, docs: Iterable[SearchDoc]) -> None: ...
    def delete(self, ids: Iterable[int]) -> None: ...
    def search(self, query: SearchQuery) -> SearchResults: ...
    def count(self) -> int: ...
    def rebuild(self, docs: Iterable[SearchDoc], progress: Callable[[int], None] | None = None) -> int: ...


def _schema() -> fields.Schema:
    return fields.Schema(
        id=fields.NUMERIC(int, bits=64, stored=True, unique=True, signed=False),
        thread_id=fields.NUMERIC(int, bits=64, stored=True, signed=False),
        room_id=fields.NUMERIC(int, bits=64, signed=False),
        board_id=fields.NUMERIC(int, bits=64, signed=False),
        area=fields.ID(),
        visibility=fields.ID(),
        author=fields.ID(),
        created=fields.NUMERIC(int, bits=64, sortable=True, signed=False),
        text=fields.TEXT(analyzer=bigram_analyzer(), phrase=True),  # title and body, bigrams and words
        text1=fields.TEXT(analyzer=unigram_analyzer(), phrase=False),  # single characters
        plain=fields.STORED(),  # normalised title + body, for the exact-substring check
    )


class WhooshBackend:
    """Whoosh in a folder, every writer under one inter-process file lock."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock_path = self.folder.parent / (self.folder.name + ".lock")

    @contextmanager
    def _locked(self):
        with open(self._lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _index(self):
        if not index.exists_in(self.folder):
            with self._locked():
                if not index.exists_in(self.folder):
                    index.create_in(self.folder, _schema())
        return index.open_dir(self.folder)

    @staticmethod
    def _fields(doc: SearchDoc) -> dict:
        plain = normalize(f"{doc.title}\n{doc.body}")
        return {"id": doc.id, "thread_id": doc.thread_id, "room_id": doc.room_id or 0,
                "board_id": doc.board_id or 0, "area": doc.area or "-", "visibility": doc.visibility,
                "author": normalize(doc.author or "-"), "created": int(doc.created_at.timestamp()),
                "text": plain, "text1": plain, "plain": plain}

    def add(self, docs: Iterable[SearchDoc]) -> None:
        docs = list(docs)
        if not docs:
            return
        ix = self._index()
        with self._locked():
            writer = ix.writer()
            for doc in docs:
                writer.update_document(**self._fields(doc))
            writer.commit()

    def delete(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        ix = self._index()
        with self._locked():
            writer = ix.writer()
            for doc_id in ids:
                writer.delete_by_term("id", doc_id)
            writer.commit()

    def count(self) -> int:
        with self._index().searcher() as searcher:
            return searcher.doc_count()

    def all_ids(self) -> set[int]:
        with self._index().searcher() as searcher:
            return {fields_["id"] for fields_ in searcher.all_stored_fields()}

    def rebuild(self, docs: Iterable[SearchDoc], progress: Callable[[int], None] | None = None) -> int:
        """Build a fresh index beside the live one, then swap it in."""
        fresh = self.folder.parent / (self.folder.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        ix = index.create_in(fresh, _schema())
        writer = ix.writer(limitmb=256, procs=max(1, min(2, os.cpu_count() or 1)), multisegment=True)
        count = 0
        for doc in docs:
            writer.add_document(**self._fields(doc))
            count += 1
            if progress and count % 1000 == 0:
                progress(count)
        writer.commit()
        with self._locked():
            old = self.folder.parent / (self.folder.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.folder.exists():
                os.replace(self.folder, old)
            os.replace(fresh, self.folder)
            shutil.rmtree(old, ignore_errors=True)
        return count

    # ------------------------------------------------------------ querying

    @staticmethod
    def _term_query(term: str) -> Query:
        if is_cjk(term) and len(term) == 1:
            return Term("text1", term)
        tokens = [t.text for t in bigram_analyzer()(term)]
        if not tokens:
            return Term("text1", term)
        return Term("text", tokens[0]) if len(tokens) == 1 else Phrase("text", tokens)

    def build(self, q: SearchQuery) -> tuple[Query | None, list[str]]:
        """The Whoosh query and the words that must appear as they are (exact-substring check)."""
        words, excluded, alternatives = [], [], []
        for raw in split_query(q.text):
            if raw.startswith("-") and len(raw) > 1:
                excluded.append(raw[1:])
            elif "|" in raw:
                alternatives.append([w for w in raw.split("|") if w])
            else:
                words.append(raw)
        parts: list[Query] = [self._term_query(w) for w in words]
        parts += [Or([self._term_query(w) for w in alt]) for alt in alternatives if alt]
        filters = [Term("visibility", v) for v in q.visibility]
        parts.append(Or(filters) if len(filters) > 1 else filters[0])
        if q.room_id:
            parts.append(Term("room_id", q.room_id))
        if q.board_id:
            parts.append(Term("board_id", q.board_id))
        if q.area:
            parts.append(Term("area", q.area))
        if q.author:
            parts.append(Term("author", normalize(q.author)))
        if q.since or q.until:
            parts.append(NumericRange("created", int(q.since.timestamp()) if q.since else None,
                                      int(q.until.timestamp()) if q.until else None))
        if not words and not alternatives:
            parts.append(Every())
        query = And(parts)
        return query, words + [f"-{w}" for w in excluded]

    def search(self, q: SearchQuery) -> SearchResults:
        query, checks = self.build(q)
        # Phrases cannot span a break in the text (the tokenizer leaves a position gap), so only
        # words with spaces inside need the exact-substring check on the stored text.
        must = [w for w in checks if not w.startswith("-") and _needs_check(w)]
        must_not = [w[1:] for w in checks if w.startswith("-")]
        start = (max(q.page, 1) - 1) * q.per_page
        with self._index().searcher() as searcher:
            kwargs: dict = {"limit": None}
            if q.newest:
                kwargs.update(sortedby="created", reverse=True)
            hits = searcher.search(query, **kwargs)
            if not must and not must_not:
                total = len(hits)
                return SearchResults(total=total, ids=[hit["id"] for hit in hits[start:start + q.per_page]])
            ids = []
            for docnum in hits.docs():
                plain = searcher.stored_fields(docnum)["plain"]
                if all(w in plain for w in must) and not any(w in plain for w in must_not):
                    ids.append(searcher.stored_fields(docnum)["id"])
        return SearchResults(total=len(ids), ids=ids[start:start + q.per_page])


def _needs_check(word: str) -> bool:
    return any(ch.isspace() for ch in word)


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
