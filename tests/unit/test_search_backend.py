"""The Japanese analyzer and the Whoosh backend on the municipal corpus (real index in a temp dir)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from forum.data import corpus_paragraphs
from forum.search.analysis import RUN, bigram_analyzer, normalize
from forum.search.backend import SearchDoc, SearchQuery, WhooshBackend

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory):
    paragraphs = corpus_paragraphs()
    backend = WhooshBackend(tmp_path_factory.mktemp("search") / "index")
    docs = [
        SearchDoc(
            i,
            1 + i % 7,
            "",
            text,
            f"author{i % 5}",
            T0 + timedelta(days=i),
            room_id=1 + i % 3,
            area="city" if i % 2 else "citizen",
        )
        for i, text in enumerate(paragraphs, start=1)
    ]
    assert backend.rebuild(docs) == len(paragraphs)
    return backend, {d.id: normalize(d.body) for d in docs}


def cjk_samples(texts: dict[int, str], count: int, seed: int = 20261123) -> list[str]:
    rng = random.Random(seed)
    out: set[str] = {"市", "防災", "個人情報", "電子会議室", "電子自治体"}
    ids = sorted(texts)
    while len(out) < count:
        text = texts[rng.choice(ids)]
        size = rng.choice([1, 2, 2, 3, 4, 6])
        start = rng.randrange(0, max(1, len(text) - size))
        piece = text[start : start + size]
        if len(piece) == size and all((m := RUN.fullmatch(ch)) and m.group(1) for ch in piece):
            out.add(piece)
    return sorted(out)


def test_any_cjk_substring_is_found_exactly(corpus_index):
    """Recall and precision 1.0 against substring ground truth (the README table measures more)."""
    backend, texts = corpus_index
    for term in cjk_samples(texts, 120):
        truth = {i for i, text in texts.items() if term in text}
        found = set(backend.search(SearchQuery(term, per_page=100_000)).ids)
        assert found == truth, term


def test_full_and_half_width_find_each_other(corpus_index):
    backend, texts = corpus_index
    full = set(backend.search(SearchQuery("ＩＴ", per_page=10_000)).ids)
    half = set(backend.search(SearchQuery("it", per_page=10_000)).ids)
    assert full == half and len(full) > 10
    assert backend.search(SearchQuery("ｶﾀｶﾅ", per_page=5)).total == backend.search(SearchQuery("カタカナ")).total
    assert set(backend.search(SearchQuery("lgwan", per_page=10_000)).ids) == {
        i for i, t in texts.items() if "lgwan" in t
    }


def test_phrase_and_or_and_exclusion(corpus_index):
    backend, texts = corpus_index

    def ids(q):
        return set(backend.search(SearchQuery(q, per_page=100_000)).ids)

    assert ids("電子 会議室") == {i for i, t in texts.items() if "電子" in t and "会議室" in t}
    assert ids('"電子 会議室"') == {i for i, t in texts.items() if "電子会議室" in t}
    assert ids("防災 OR 避難") == {i for i, t in texts.items() if "防災" in t or "避難" in t}
    assert ids("電子 -会議室") == {i for i, t in texts.items() if "電子" in t and "会議室" not in t}


def test_filters_paging_and_sorting(corpus_index):
    backend, _texts = corpus_index
    everything = backend.search(SearchQuery("市", per_page=20))
    assert len(everything.ids) == 20 and everything.total > 20
    page2 = backend.search(SearchQuery("市", per_page=20, page=2))
    assert not set(everything.ids) & set(page2.ids)
    in_room = backend.search(SearchQuery("市", room_id=2, per_page=1000)).ids
    assert in_room and all(i % 3 == 1 for i in in_room)
    by_author = backend.search(SearchQuery("市", author="AUTHOR3", per_page=1000)).ids
    assert by_author and all(i % 5 == 3 for i in by_author)
    dated = backend.search(
        SearchQuery("市", since=T0 + timedelta(days=100), until=T0 + timedelta(days=110), per_page=1000)
    ).ids
    assert dated and all(100 <= i <= 110 for i in dated)
    newest = backend.search(SearchQuery("市", newest=True, per_page=5)).ids
    assert newest == sorted(newest, reverse=True)
    assert backend.search(SearchQuery("市", area="citizen", per_page=1000)).ids
    assert all(i % 2 == 0 for i in backend.search(SearchQuery("市", area="citizen", per_page=1000)).ids)


def test_staff_documents_only_for_staff(tmp_path):
    backend = WhooshBackend(tmp_path / "index")
    backend.add(
        [
            SearchDoc(1, 1, "", "庁内の連絡事項", "職員", T0, board_id=9, visibility="staff"),
            SearchDoc(2, 2, "", "公開の連絡事項", "市民", T0, room_id=1),
        ]
    )
    assert backend.search(SearchQuery("連絡事項")).ids == [2]
    assert set(backend.search(SearchQuery("連絡事項", visibility=("public", "staff"))).ids) == {1, 2}
    backend.delete([2])
    assert backend.search(SearchQuery("連絡事項")).ids == []
    backend.add([SearchDoc(1, 1, "", "公開に変わった事項", "職員", T0, room_id=1)])  # update in place
    assert backend.search(SearchQuery("事項")).ids == [1] and backend.count() == 1


def test_malformed_queries_fall_back_to_plain_terms(corpus_index):
    backend, _texts = corpus_index
    for query in ['"', '"電子', "OR", "-", "--", "a OR", "((", "*", "電子 OR", ""]:
        backend.search(SearchQuery(query))  # never raises


def test_bigram_positions_are_adjacent_and_breaks_leave_a_gap():
    tokens = [(t.text, t.pos) for t in bigram_analyzer()("個人情報、ＩＴ推進 open data 市", positions=True)]
    assert tokens == [
        ("個人", 0),
        ("人情", 1),
        ("情報", 2),
        ("報", 2),
        ("it", 4),
        ("推進", 5),
        ("進", 5),
        ("open", 6),
        ("data", 7),
        ("市", 8),
    ]


def test_single_characters_spaced_latin_phrases_and_mixed_runs(tmp_path):
    backend = WhooshBackend(tmp_path / "index")
    backend.add(
        [
            SearchDoc(1, 1, "", "市民のopen dataと市", "x", T0),
            SearchDoc(2, 1, "", "open, data 区民", "x", T0),
            SearchDoc(3, 1, "", "it市民", "x", T0),
        ]
    )

    def ids(q):
        return sorted(backend.search(SearchQuery(q)).ids)

    assert ids("市") == [1, 3] and ids("民") == [1, 2, 3] and ids("区") == [2]
    assert ids('"open data"') == [1]
    assert ids("open data") == [1, 2]
    assert ids("it市") == [3] and ids("it市民") == [3] and ids("市民") == [1, 3]
    assert ids("民 -it") == [1, 2]


def test_a_phrase_never_spans_a_break(tmp_path):
    backend = WhooshBackend(tmp_path / "index")
    backend.add([SearchDoc(1, 1, "", "個人、人情、情報", "x", T0), SearchDoc(2, 1, "", "個人情報とＩＴ推進", "x", T0)])
    assert backend.search(SearchQuery("個人情報")).ids == [2]
    assert backend.search(SearchQuery("it推進")).ids == [2]


def test_many_phrase_candidates_give_an_exact_page_and_an_estimated_total(tmp_path):
    """Documents holding every bigram of 電子会議室 but not the phrase are never returned; with more
    candidates than the check budget the total is an estimate, and says so."""
    backend = WhooshBackend(tmp_path / "index")
    backend.rebuild(
        SearchDoc(i, 1, "", "電子会議室の案内" if i % 2 else "電子と子会と会議と議室", "x", T0 + timedelta(minutes=i))
        for i in range(1, 1201)
    )
    first = backend.search(SearchQuery("電子会議室", per_page=20))
    assert len(first.ids) == 20 and all(i % 2 for i in first.ids)
    assert not first.exact and 450 <= first.total <= 750
    second = backend.search(SearchQuery("電子会議室", per_page=20, page=2))
    assert not set(first.ids) & set(second.ids) and all(i % 2 for i in second.ids)
    everything = backend.search(SearchQuery("電子会議室", per_page=2000))
    assert everything.exact and sorted(everything.ids) == list(range(1, 1201, 2))
    newest = backend.search(SearchQuery("電子会議室", per_page=5, newest=True)).ids
    assert newest == [1199, 1197, 1195, 1193, 1191]
    assert backend.search(SearchQuery("会議 -電子会議室", per_page=2000)).total == 600
