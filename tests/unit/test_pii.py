"""Personal information detection and masking (pure): a table of positive and negative cases."""

from __future__ import annotations

import pytest

from forum.text.pii import find_pii, mask_pii

# (text, kinds found in order, masked text)
CASES = [
    # phone numbers: fixed, mobile, free dial, IP, international; half- and full-width; separators
    ("電話は03-1234-5678です", ["phone"], "電話は［電話番号］です"),
    ("047-123-4567まで", ["phone"], "［電話番号］まで"),
    ("0471-23-4567", ["phone"], "［電話番号］"),
    ("04712-3-4567", ["phone"], "［電話番号］"),
    ("0312345678", ["phone"], "［電話番号］"),
    ("03(1234)5678", ["phone"], "［電話番号］"),
    ("03 1234 5678", ["phone"], "［電話番号］"),
    ("090-1234-5678", ["phone"], "［電話番号］"),
    ("09012345678に電話", ["phone"], "［電話番号］に電話"),
    ("080 1234 5678", ["phone"], "［電話番号］"),
    ("070-1234-5678", ["phone"], "［電話番号］"),
    ("050-1234-5678", ["phone"], "［電話番号］"),
    ("０９０－１２３４－５６７８", ["phone"], "［電話番号］"),
    ("０９０ー１２３４ー５６７８", ["phone"], "［電話番号］"),
    ("０３−１２３４−５６７８", ["phone"], "［電話番号］"),
    ("0120-123-456", ["phone"], "［電話番号］"),
    ("０１２０－１２３－４５６", ["phone"], "［電話番号］"),
    ("0800-123-4567", ["phone"], "［電話番号］"),
    ("+81 90 1234 5678", ["phone"], "［電話番号］"),
    ("+81-3-1234-5678", ["phone"], "［電話番号］"),
    # e-mail addresses
    ("連絡はtaro@example.jpへ", ["email"], "連絡は［メール］へ"),
    ("hanako.yamada+city@mail.example.co.jp", ["email"], "［メール］"),
    ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", ["email"], "［メール］"),
    ("TARO@EXAMPLE.COM", ["email"], "［メール］"),
    # postal codes
    ("〒272-8501 市川市", ["postal"], "［郵便番号］ 市川市"),
    ("〒２７２－８５０１", ["postal"], "［郵便番号］"),
    ("郵便番号：1234567", ["postal"], "郵便番号：［郵便番号］"),  # the introducing words stay
    ("郵便番号は272-8501です", ["postal"], "郵便番号は［郵便番号］です"),
    ("郵便番号は　２７２－８５０１", ["postal"], "郵便番号は　［郵便番号］"),
    ("〒 272-8501", ["postal"], "［郵便番号］"),
    ("〒　２７２－８５０１ 市川市", ["postal"], "［郵便番号］ 市川市"),
    ("郵便番号：272 8501", ["postal"], "郵便番号：［郵便番号］"),
    ("郵便番号 ２７２８５０１", ["postal"], "郵便番号 ［郵便番号］"),
    ("郵便番号が272-8501", ["postal"], "郵便番号が［郵便番号］"),
    ("郵便番号は〒272-8501", ["postal"], "郵便番号は［郵便番号］"),
    # My-Number-like numbers
    ("番号は123456789012です", ["my_number"], "番号は［個人番号］です"),
    ("1234 5678 9012", ["my_number"], "［個人番号］"),
    ("１２３４－５６７８－９０１２", ["my_number"], "［個人番号］"),
    # street addresses
    ("本町2丁目3番4号に住んでいます", ["address"], "本町［住所］に住んでいます"),
    ("八幡一丁目5番地", ["address"], "八幡［住所］"),
    ("3丁目12-5", ["address"], "［住所］"),
    ("123番地の4", ["address"], "［住所］"),
    ("5番12号", ["address"], "［住所］"),
    ("本町1-2-3のアパート", ["address"], "本町［住所］のアパート"),
    ("市川市八幡3-4-5", ["address"], "市川市八幡［住所］"),
    ("八幡3-4-5に住んでいます", ["address"], "八幡［住所］に住んでいます"),
    ("八幡３－４－５", ["address"], "八幡［住所］"),
    ("八幡3ー4ー5の角", ["address"], "八幡［住所］の角"),
    ("本八幡1丁目2-3", ["address"], "本八幡［住所］"),
    ("３丁目４番５号", ["address"], "［住所］"),
    ("3丁目4番地5", ["address"], "［住所］"),
    ("3丁目4番地の5", ["address"], "［住所］"),
    ("4番地の5", ["address"], "［住所］"),
    ("八幡二丁目4番5号", ["address"], "八幡［住所］"),
    ("八幡3丁目4-5", ["address"], "八幡［住所］"),
    ("南八幡4-10-1-203", ["address"], "南八幡［住所］"),
    ("大字八幡123番地", ["address"], "大字八幡［住所］"),
    ("市役所047-123-4567", ["phone"], "市役所［電話番号］"),  # a phone number stays one
    # several at once
    (
        "〒272-8501 本町2丁目3番4号 電話047-123-4567 mail: a@b.jp",
        ["postal", "address", "phone", "email"],
        "［郵便番号］ 本町［住所］ 電話［電話番号］ mail: ［メール］",
    ),
    # negatives: dates, money, counts, short numbers, years, era names, versions, 13-digit numbers
    ("2026-11-23に開催", [], None),
    ("平成15年4月1日から", [], None),
    ("人口は123,456人です", [], None),
    ("予算は1234567890円", [], None),
    ("03-1234で始まる", [], None),
    ("3丁目の夕日", [], None),
    ("第2期計画（2026〜2030年度）", [], None),
    ("1234567890123は13桁", [], None),
    ("バージョン3.10.2", [], None),
    ("ＩＴ推進計画の第３章", [], None),
    ("会議は10:00-12:00です", [], None),
    ("@をつけて呼びかける", [], None),
    ("100-200人が参加", [], None),
    # negatives: a postal code with nothing to say so
    ("272 8501", [], None),
    ("郵便番号を書いてください", [], None),
    # negatives: block-number look-alikes (an address needs a place name before it, no unit after)
    ("開催日2026-11-29", [], None),
    ("11-29に開催", [], None),
    ("R8-11-29まで", [], None),
    ("令和8年11月29日", [], None),
    ("令和8-11-29", [], None),
    ("第3-4-5条を参照", [], None),
    ("3-4-5節", [], None),
    ("図3-4のとおり", [], None),
    ("表2-1-3を参照", [], None),
    ("第2章3-1", [], None),
    ("資料1-2-3", [], None),
    ("1-2-3億円", [], None),
    ("予算3-4百万円", [], None),
    ("3-5人", [], None),
    ("10-20歳の方", [], None),
    ("1-2-3月に実施", [], None),
    ("教科書3-4-5ページ", [], None),
    ("上映時間1-2-3分", [], None),
    ("各町3-5人で班を作る", [], None),
    ("pp. 3-4-5", [], None),
    ("Python 3-11-4", [], None),
    ("3-4-5で勝った", [], None),  # a score: no place name before it
    ("試合は3-4-5で勝った", [], None),
]


def test_the_table_is_big_enough():
    assert len(CASES) >= 90
    assert sum(1 for _t, kinds, _m in CASES if not kinds) >= 35


@pytest.mark.parametrize(("text", "kinds", "masked"), CASES, ids=[c[0][:20] for c in CASES])
def test_detect_and_mask(text, kinds, masked):
    assert [m.kind for m in find_pii(text)] == kinds
    assert mask_pii(text) == (masked if masked is not None else text)


@pytest.mark.parametrize("text", [c[0] for c in CASES if c[1]], ids=[c[0][:20] for c in CASES if c[1]])
def test_every_positive_passes_the_cheap_prefilter(text):
    from forum.text.normalize import fold_for_matching
    from forum.text.pii import _CANDIDATE

    assert _CANDIDATE.search(fold_for_matching(text, dashes=True).text)


def test_long_everyday_text_is_quick():
    """Long runs of digits, dashes, kanji or e-mail characters: no pattern rescans them from every position."""
    import time

    text = "八幡" + "1-" * 30000 + "市川" + "1234-" * 5000 + "丁目" * 1000 + "郵便番号" + " " * 1000 + "a." * 5000
    began = time.perf_counter()
    find_pii(text)
    assert time.perf_counter() - began < 1


def test_matches_point_at_what_was_typed():
    text = "ｶﾞｰﾃﾞﾝ 電話０９０ー１２３４ー５６７８"
    [match] = find_pii(text)
    assert match.text == "０９０ー１２３４ー５６７８"
    assert text[match.start : match.end] == match.text


def test_only_some_kinds():
    text = "a@b.jp 03-1234-5678"
    assert mask_pii(text, frozenset({"phone"})) == "a@b.jp ［電話番号］"


def test_fold_shortcut_agrees_with_the_character_by_character_fold():
    """Texts of everyday Japanese characters fold with a translate table; the result and the
    positions must be exactly those of the careful fold (which handles ﾞ, combining marks, ㍻…)."""
    import random

    from forum.text import normalize

    rng = random.Random(11)
    alphabet = "防災電話番号ｶﾀｶﾅカタカナひらがなＡＢＣabc０１２012－ー−‐-@＠〒丁目 　\n、。「」ﾞﾟ\u3099㍻ß①ヿゟ\u0301"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        for dashes in (False, True):
            fast = normalize.fold_for_matching(text, dashes=dashes)
            slow_out, slow_spans = [], []
            i = 0
            while i < len(text):
                j = i + 1
                while j < len(text) and (text[j] in normalize._VOICE_MARKS or normalize.unicodedata.combining(text[j])):
                    j += 1
                for ch in normalize._fold_char(text[i:j], dashes):
                    slow_out.append(ch)
                    slow_spans.append((i, j))
                i = j
            assert fast.text == "".join(slow_out), repr(text)
            for start in range(len(fast.text)):
                assert fast.original(start, start + 1) == slow_spans[start], repr(text)
