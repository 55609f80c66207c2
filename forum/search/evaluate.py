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
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from whoosh.reading import SegmentReader, TermNotFound

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
    """What queries need of one immutable segment at one offset, kept while the segment lives."""

    created: list[int]
    filters: dict[tuple[str, object], frozenset[int]] = field(default_factory=dict)


@dataclass
class Leaf:
    reader: object  # whoosh SegmentReader: postings and stored fields (never change)
    offset: int
    doc_count_all: int
    deleted: frozenset[int]  # local docnums, from the current table of contents
    data: Segment


class OpenSegments:
    """Segment readers kept open between queries: opening one copies its files into memory (tens of
    milliseconds at 100,000 posts), and a segment's postings never change; only its deletions do,
    and those are read from the current table of contents on every query."""

    def __init__(self) -> None:
        self.readers: dict[str, object] = {}
        self.data: dict[tuple[str, int], Segment] = {}

    def view(self, storage, toc) -> list[Leaf]:
        leaves: list[Leaf] = []
        offset = 0
        for segment in toc.segments:
            sid = segment.segment_id()
            reader = self.readers.get(sid)
            if reader is None:
                reader = self.readers[sid] = SegmentReader(storage, toc.schema, segment, generation=toc.generation)
            data = self.data.get((sid, offset))
            if data is None:
                data = self.data[(sid, offset)] = Segment(created=list(reader.column_reader("created")))
            leaves.append(Leaf(reader, offset, segment.doc_count_all(), frozenset(segment.deleted_docs()), data))
            offset += segment.doc_count_all()
        live = {segment.segment_id() for segment in toc.segments}
        for sid in set(self.readers) - live:
            self.readers.pop(sid).close()
        placed = {(leaf.reader.segment().segment_id(), leaf.offset) for leaf in leaves}
        for key in set(self.data) - placed:
            del self.data[key]
        return leaves

    def close(self) -> None:
        for reader in self.readers.values():
            reader.close()
        self.readers.clear()
        self.data.clear()


def plain(text: str) -> str:
    """The stored text that phrase words are checked against: normalised, spaces collapsed."""
    return " ".join(normalize(text).split())


def _block_ids(matcher, offset: int) -> list[int]:
    """The global docnums of a posting block (stored as deltas; summed in C, not per id in Python)."""
    if matcher._data is None:
        matcher._read_data()
    return list(accumulate(matcher._data[0], initial=offset))[1:]


def _ranked(docs: set[int], scores: dict[int, float] | None, created: list[int], k: int | None = None) -> list[int]:
    """Best first (then newest), or newest first when ``scores`` is None; the top ``k`` or all.
    Stable sorts with C-level keys (ties: the later document first) keep 50,000 candidates cheap."""
    candidates = sorted(docs, reverse=True)
    if scores is None:
        if k is not None:
            return heapq.nlargest(k, candidates, key=created.__getitem__)
        candidates.sort(key=created.__getitem__, reverse=True)
        return candidates
    if k is not None and len(candidates) > k:
        values = list(map(scores.__getitem__, candidates))
        threshold = heapq.nlargest(k, values)[-1]
        candidates = [d for d, v in zip(candidates, values, strict=True) if v >= threshold]
    candidates.sort(key=created.__getitem__, reverse=True)
    candidates.sort(key=scores.__getitem__, reverse=True)
    return candidates if k is None else candidates[:k]


class Evaluator:
    """One query over the open segments of one index generation."""

    def __init__(self, leaves: list[Leaf], schema) -> None:
        self.leaves = leaves
        self.schema = schema
        self.doc_count = max(sum(leaf.doc_count_all - len(leaf.deleted) for leaf in leaves), 1)
        self.offsets = [leaf.offset for leaf in leaves]
        self.held: dict[Word, set[int]] = {}

    def stored(self, doc: int) -> dict:
        leaf = self.leaves[bisect_right(self.offsets, doc) - 1]
        return leaf.reader.stored_fields(doc - leaf.offset)

    def live_docs(self):
        """Every document that is not deleted, as (docnum, stored fields)."""
        for leaf in self.leaves:
            for local in range(leaf.doc_count_all):
                if local not in leaf.deleted:
                    yield leaf.offset + local, leaf.reader.stored_fields(local)

    # ------------------------------------------------------------ postings as sets

    def _matcher(self, leaf: Leaf, fieldname: str, value):
        try:
            return leaf.reader._terms.matcher(
                fieldname, self.schema[fieldname].to_bytes(value), self.schema[fieldname].format
            )
        except (TermNotFound, KeyError):
            return None

    def _blocks(self, leaf: Leaf, fieldname: str, value, weights: bool = False):
        """(global docnums, term frequencies or None) of each posting block of one term in one leaf
        (deleted documents left in; removed later)."""
        matcher = self._matcher(leaf, fieldname, value)
        while matcher is not None and matcher.is_active():
            if weights:
                matcher._read_weights()
            yield _block_ids(matcher, leaf.offset), matcher._weights if weights else None
            matcher._next_block()

    def _postings(self, fieldname: str, text) -> dict[int, float]:
        """docnum → term frequency over every segment."""
        out: dict[int, float] = {}
        for leaf in self.leaves:
            for ids, frequencies in self._blocks(leaf, fieldname, text, weights=True):
                out.update(zip(ids, frequencies, strict=True))
        return out

    def _filter(self, fieldname: str, value) -> set[int]:
        out: set[int] = set()
        for leaf in self.leaves:
            key = (fieldname, value)
            if key not in leaf.data.filters:
                leaf.data.filters[key] = frozenset(i for ids, _f in self._blocks(leaf, fieldname, value) for i in ids)
            out |= leaf.data.filters[key]
        return out

    def _prefix_terms(self, prefix: str) -> list[str]:
        terms: set[str] = set()
        for leaf in self.leaves:
            terms.update(
                t.decode("utf-8") if isinstance(t, bytes) else t for t in leaf.reader.expand_prefix("text", prefix)
            )
        return sorted(terms)

    def _idf(self, df: int) -> float:
        return 1.0 + math.log(self.doc_count / (df + 1.0))

    def _ids(self, fieldname: str, value) -> set[int]:
        out: set[int] = set()
        for leaf in self.leaves:
            for ids, _frequencies in self._blocks(leaf, fieldname, value):
                out.update(ids)
        return out

    def _df(self, term: str) -> int:
        return sum(leaf.reader.doc_frequency("text", term) for leaf in self.leaves)

    def _word(self, w: Word, scores: dict[int, float] | None) -> set[int]:
        """Documents holding every term of ``w`` (a superset when ``w.needs_check``); adds the
        word's BM25 weight to ``scores``, from its rarest term (without length normalisation:
        posts are short). Only that term's frequencies are read; the others give ids only."""
        weighted: dict[int, float] = {}
        if w.prefix:
            docs: set[int] = set()
            for term in self._prefix_terms(w.prefix):
                docs |= self._ids("text", term)
        else:
            terms = sorted(w.terms, key=self._df)
            weighted = self._postings("text", terms[0])
            docs = set(weighted)
            for term in terms[1:]:
                if not docs:
                    break
                docs &= self._ids("text", term)
        self.held[w] = docs
        if scores is not None:
            idf = self._idf(len(weighted or docs))
            weight = {tf: idf * tf * (K1 + 1) / (tf + K1) for tf in set(weighted.values())}
            if not scores:
                scores.update({doc: weight[weighted[doc]] for doc in docs} if weighted else dict.fromkeys(docs, idf))
            else:
                for doc in docs:
                    scores[doc] = scores.get(doc, 0.0) + (weight[weighted[doc]] if weighted else idf)
        return docs

    # ------------------------------------------------------------ the query

    def run(self, plan: Plan, start: int, count: int) -> tuple[int, bool, list[int]]:
        """(total, whether the total is exact, the page's docnums)."""
        scores: dict[int, float] | None = None if plan.newest or not plan.groups else {}
        docs: set[int] | None = None
        for group in plan.groups:
            union: set[int] = set()
            for w in group:
                union |= self._word(w, scores)
            docs = union if docs is None else docs & union
        if docs is None:
            docs = set(range(sum(leaf.doc_count_all for leaf in self.leaves)))
        for fieldname, value in plan.filters:
            values = value if isinstance(value, tuple) else (value,)
            docs &= set().union(*(self._filter(fieldname, v) for v in values))
        created: list[int] = []
        for leaf in self.leaves:
            created.extend(leaf.data.created)
        if plan.since is not None or plan.until is not None:
            lo = plan.since if plan.since is not None else -1
            hi = plan.until if plan.until is not None else 2**63
            docs = {d for d in docs if lo <= created[d] < hi}
        for leaf in self.leaves:
            docs.difference_update(leaf.offset + d for d in leaf.deleted)
        maybe_excluded: set[int] = set()
        for w in plan.excluded:
            held = self._word(w, None)
            if w.needs_check:
                maybe_excluded |= held & docs
            else:
                docs -= held
        checks = [w for group in plan.groups for w in group if w.needs_check]
        if not checks and not maybe_excluded:
            return len(docs), True, _ranked(docs, scores, created, start + count)[start:]
        must_check = docs if checks else maybe_excluded
        head = _ranked(docs, scores, created, start + count + 2 * CHECK_BUDGET)  # usually enough
        found = self._checked(plan, head, len(docs), must_check, start, count)
        if found is None:
            found = self._checked(plan, _ranked(docs, scores, created), len(docs), must_check, start, count)
        return found

    def _checked(
        self, plan: Plan, ordered: list[int], candidates: int, must_check: set[int], start: int, count: int
    ) -> tuple[int, bool, list[int]] | None:
        """Walk the candidates best first, checking the stored text, until the page is full and the
        check budget is spent; the rest of the total is estimated from the share that passed.
        None when ``ordered`` (the head of the ranking) ran out first."""
        hits: list[int] = []
        checked = passed = 0
        for position, doc in enumerate(ordered):
            if doc in must_check:
                if len(hits) >= start + count and checked >= CHECK_BUDGET:
                    unchecked = len(must_check) - checked
                    certain = candidates - position - unchecked
                    total = len(hits) + certain + round(unchecked * passed / checked)
                    return total, False, hits[start : start + count]
                checked += 1
                if not self._passes(doc, self.stored(doc)["plain"], plan):
                    continue
                passed += 1
            hits.append(doc)
        if len(ordered) < candidates:
            return None
        return len(hits), True, hits[start : start + count]

    def _passes(self, doc: int, text: str, plan: Plan) -> bool:
        return all(
            any(doc in self.held[w] and (not w.needs_check or w.text in text) for w in group) for group in plan.groups
        ) and not any(w.needs_check and doc in self.held[w] and w.text in text for w in plan.excluded)
