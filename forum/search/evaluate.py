"""Answering a query from a Whoosh index with Python sets instead of Whoosh's matcher tree.

Why: Whoosh's matchers visit every matching document one Python call at a time (about 7 µs per
hit, 70 µs per phrase hit), which is far too slow for common words at 100,000 posts. Here each
term's postings are read block by block into sets, so AND/OR/NOT and filters are C-speed set
operations; only the page's candidates (and a bounded sample for the total) are checked against the
stored text when a word is longer than one index term. Part of the Whoosh backend: relies on the
posting-block reader of the pinned whoosh-reloaded 2.7.5 (covered by the search tests).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from whoosh.reading import TermNotFound

from forum.search.analysis import is_cjk, normalize, pieces

K1 = 1.2
CHECK_BUDGET = 400  # stored-text checks beyond the page, to estimate the total of a phrase search


@dataclass(frozen=True)
class Word:
    """One query word: the index terms a document must hold, or a one-character prefix; ``text``
    must also appear as it is when the word spans more than one term."""

    terms: tuple[str, ...] = ()
    prefix: str = ""
    text: str = ""

    @property
    def needs_check(self) -> bool:
        return bool(self.text)


def word(raw: str) -> Word | None:
    """The Word for one query word (already normalised), or None when nothing in it is searchable."""
    tokens = [text for text, _pos, _offset in pieces(raw, tails=False)]
    if len(tokens) == 1 and len(tokens[0]) == 1 and is_cjk(tokens[0]):
        return Word(prefix=tokens[0])
    if len(tokens) > 1 and len(tokens[-1]) == 1 and is_cjk(tokens[-1]):
        tokens.pop()  # "it市" may be "it市民" in the text, where 市 is no term of its own
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0] == raw:
        return Word(terms=(tokens[0],))
    return Word(terms=tuple(dict.fromkeys(tokens)), text=" ".join(raw.split()))


@dataclass
class Plan:
    groups: list[list[Word]] = field(default_factory=list)  # AND of groups, OR within a group
    excluded: list[Word] = field(default_factory=list)
    filters: list[tuple[str, object]] = field(default_factory=list)  # (field, value) that must match
    since: int | None = None
    until: int | None = None
    newest: bool = False


@dataclass
class Segment:
    """What a query needs of one immutable segment, kept while the segment lives."""

    created: list[int]
    filters: dict[tuple[str, object], frozenset[int]] = field(default_factory=dict)


def plain(text: str) -> str:
    """The stored text that phrase words are checked against: normalised, spaces collapsed."""
    return " ".join(normalize(text).split())


class Evaluator:
    """One query over one open searcher; ``segments`` is the backend's cache of Segment data."""

    def __init__(self, searcher, segments: dict[tuple[str, int], Segment]) -> None:
        self.searcher = searcher
        self.schema = searcher.schema
        self.leaves = [(seg, offset) for seg, offset in searcher.reader().leaf_readers()
                       if seg.segment() is not None]  # an empty index has one reader without a segment
        self.doc_count = max(searcher.doc_count(), 1)
        live = {(seg.segment().segment_id(), offset) for seg, offset in self.leaves}
        for key in set(segments) - live:
            del segments[key]
        self.segments = segments
        self.held: dict[Word, set[int]] = {}

    # ------------------------------------------------------------ postings as sets

    def _segment(self, seg, offset: int) -> Segment:
        key = (seg.segment().segment_id(), offset)
        found = self.segments.get(key)
        if found is None:
            found = self.segments[key] = Segment(created=list(seg.column_reader("created")))
        return found

    def _postings(self, fieldname: str, text) -> dict[int, float]:
        """docnum → term frequency over every segment (deleted documents left in; removed later)."""
        out: dict[int, float] = {}
        token = self.schema[fieldname].to_bytes(text)
        fmt = self.schema[fieldname].format
        for seg, offset in self.leaves:
            try:
                matcher = seg._terms.matcher(fieldname, token, fmt)
            except (TermNotFound, KeyError):
                continue
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                ids = matcher._ids if not offset else [offset + i for i in matcher._ids]
                out.update(zip(ids, matcher._weights, strict=True))
                matcher._next_block()
        return out

    def _filter(self, fieldname: str, value) -> set[int]:
        out: set[int] = set()
        for seg, offset in self.leaves:
            cached = self._segment(seg, offset)
            key = (fieldname, value)
            if key not in cached.filters:
                cached.filters[key] = frozenset(self._postings_in(seg, offset, fieldname, value))
            out |= cached.filters[key]
        return out

    def _postings_in(self, seg, offset: int, fieldname: str, value) -> list[int]:
        try:
            matcher = seg._terms.matcher(fieldname, self.schema[fieldname].to_bytes(value),
                                         self.schema[fieldname].format)
        except (TermNotFound, KeyError):
            return []
        ids: list[int] = []
        while matcher.is_active():
            matcher._read_ids()
            ids.extend(offset + i for i in matcher._ids)
            matcher._next_block()
        return ids

    def _prefix_terms(self, prefix: str) -> list[str]:
        terms: set[str] = set()
        for seg, _offset in self.leaves:
            terms.update(t.decode("utf-8") if isinstance(t, bytes) else t for t in seg.expand_prefix("text", prefix))
        return sorted(terms)

    def _idf(self, df: int) -> float:
        return 1.0 + math.log(self.doc_count / (df + 1.0))

    def _word(self, w: Word, scores: dict[int, float] | None) -> set[int]:
        """Documents holding every term of ``w`` (a superset when ``w.needs_check``); adds the
        word's BM25 weight (without length normalisation: posts are short) to ``scores``."""
        if w.prefix:
            postings: list[dict[int, float]] = []
            merged: dict[int, float] = {}
            for term in self._prefix_terms(w.prefix):
                for doc, tf in self._postings("text", term).items():
                    merged[doc] = merged.get(doc, 0.0) + tf
            postings.append(merged)
        else:
            postings = [self._postings("text", term) for term in w.terms]
        postings.sort(key=len)
        docs = set(postings[0]) if postings else set()
        for other in postings[1:]:
            docs.intersection_update(other)
        self.held[w] = docs
        if scores is not None:
            for posting in postings:
                idf = self._idf(len(posting))
                for doc in docs:
                    tf = posting[doc]
                    scores[doc] = scores.get(doc, 0.0) + idf * tf * (K1 + 1) / (tf + K1)
        return docs

    # ------------------------------------------------------------ the query

    def run(self, plan: Plan, start: int, count: int) -> tuple[int, bool, list[int]]:
        """(total, whether the total is exact, the page's docnums)."""
        scores: dict[int, float] | None = None if plan.newest else {}
        docs: set[int] | None = None
        for group in plan.groups:
            union: set[int] = set()
            for w in group:
                union |= self._word(w, scores)
            docs = union if docs is None else docs & union
        if docs is None:
            docs = set(range(self.searcher.doc_count_all()))
        for fieldname, value in plan.filters:
            values = value if isinstance(value, tuple) else (value,)
            docs &= set().union(*(self._filter(fieldname, v) for v in values))
        created = [c for seg, offset in self.leaves for c in self._segment(seg, offset).created]
        if plan.since is not None or plan.until is not None:
            lo = plan.since if plan.since is not None else -1
            hi = plan.until if plan.until is not None else 2**63
            docs = {d for d in docs if lo <= created[d] < hi}
        for seg, offset in self.leaves:
            if seg.has_deletions():
                docs.difference_update(offset + d for d in seg.deleted_docs_set)
        maybe_excluded: set[int] = set()
        for w in plan.excluded:
            held = self._word(w, None)
            if w.needs_check:
                maybe_excluded |= held & docs
            else:
                docs -= held
        checks = [w for group in plan.groups for w in group if w.needs_check]
        if plan.newest:
            def key(doc: int):
                return created[doc], doc
        else:
            def key(doc: int):
                return scores.get(doc, 0.0), created[doc], doc
        if not checks and not maybe_excluded:
            return len(docs), True, heapq.nlargest(start + count, docs, key=key)[start:]
        return self._checked(plan, docs, key, bool(checks), maybe_excluded, start, count)

    def _checked(self, plan: Plan, docs: set[int], key, checks: bool, maybe_excluded: set[int],
                 start: int, count: int) -> tuple[int, bool, list[int]]:
        """Walk the candidates best first, checking the stored text, until the page is full and the
        check budget is spent; the rest of the total is estimated from the share that passed."""
        must_check = docs if checks else maybe_excluded
        hits: list[int] = []
        checked = passed = 0
        ordered = sorted(docs, key=key, reverse=True)
        for position, doc in enumerate(ordered):
            if doc in must_check:
                if len(hits) >= start + count and checked >= CHECK_BUDGET:
                    unchecked = len(must_check) - checked
                    certain = len(ordered) - position - unchecked
                    total = len(hits) + certain + round(unchecked * passed / checked)
                    return total, False, hits[start:start + count]
                checked += 1
                if not self._passes(doc, self.searcher.stored_fields(doc)["plain"], plan):
                    continue
                passed += 1
            hits.append(doc)
        return len(hits), True, hits[start:start + count]

    def _passes(self, doc: int, text: str, plan: Plan) -> bool:
        return (all(any(doc in self.held[w] and (not w.needs_check or w.text in text) for w in group)
                    for group in plan.groups)
                and not any(w.needs_check and doc in self.held[w] and w.text in text for w in plan.excluded))
