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
    ("郵便番号：1234567", ["postal"], "［郵便番号］"),
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
    # several at once
    ("〒272-8501 本町2丁目3番4号 電話047-123-4567 mail: a@b.jp",
     ["postal", "address", "phone", "email"], "［郵便番号］ 本町［住所］ 電話［電話番号］ mail: ［メール］"),
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
]


def test_the_table_is_big_enough():
    assert len(CASES) >= 40
    assert sum(1 for _t, kinds, _m in CASES if not kinds) >= 10


@pytest.mark.parametrize(("text", "kinds", "masked"), CASES, ids=[c[0][:20] for c in CASES])
def test_detect_and_mask(text, kinds, masked):
    assert [m.kind for m in find_pii(text)] == kinds
    assert mask_pii(text) == (masked if masked is not None else text)


def test_matches_point_at_what_was_typed():
    text = "ｶﾞｰﾃﾞﾝ 電話０９０ー１２３４ー５６７８"
    [match] = find_pii(text)
    assert match.text == "０９０ー１２３４ー５６７８"
    assert text[match.start:match.end] == match.text


def test_only_some_kinds():
    text = "a@b.jp 03-1234-5678"
    assert mask_pii(text, frozenset({"phone"})) == "a@b.jp ［電話番号］"


def test_fold_shortcut_agrees_with_the_character_by_character_fold():
    """Texts of everyday Japanese characters fold with a translate table; the result and the
    positions must be exactly those of the careful fold (which handles ﾞ, combining marks, ㍻…)."""
    import random

    from forum.text import normalize

    rng = random.Random(11)
    alphabet = ("防災電話番号ｶﾀｶﾅカタカナひらがなＡＢＣabc０１２012－ー−‐-@＠〒丁目 　\n、。「」"
                "ﾞﾟ\u3099㍻ß①ヿゟ\u0301")
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
