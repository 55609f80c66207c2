"""ふりがな: the readings of the city's vocabulary, and ruby that touches only the text of HTML."""

from __future__ import annotations

import pytest

from forum.text.furigana import hiragana, readings, ruby_html, ruby_known, ruby_text, strip_ruby

# words of the municipal corpus, with the reading a city's page prints over them
CITY_WORDS = [
    ("市民", "しみん"),
    ("会議室", "かいぎしつ"),
    ("所管課", "しょかんか"),
    ("防災", "ぼうさい"),
    ("避難所", "ひなんじょ"),
    ("電子自治体", "でんしじちたい"),
    ("意見", "いけん"),
    ("保健所", "ほけんじょ"),
    ("市役所", "しやくしょ"),
    ("事務所", "じむしょ"),
    ("町内会", "ちょうないかい"),
    ("公民館", "こうみんかん"),
    ("住民票", "じゅうみんひょう"),
    ("市の考え方", "しのかんがえかた"),
    ("意見の概要", "いけんのがいよう"),
    ("回答", "かいとう"),
    ("掲示板", "けいじばん"),
    ("運営", "うんえい"),
    ("投稿", "とうこう"),
    ("地域", "ちいき"),
    ("子育て", "こそだて"),
    ("高齢者", "こうれいしゃ"),
    ("個人情報", "こじんじょうほう"),
]


@pytest.mark.parametrize(("word", "reading"), CITY_WORDS)
def test_city_words_read_as_the_city_prints_them(word, reading):
    html = ruby_text(f"{word}について")
    assert strip_ruby(html) == f"{word}について"
    got = "".join(r if r else hiragana(p) for p, r in readings(word))
    assert got == reading


def test_readings_cover_only_the_kanji_of_a_word():
    assert ruby_text("住んでいます") == "<ruby>住<rt>す</rt></ruby>んでいます"
    assert ruby_text("取り扱い") == "<ruby>取<rt>と</rt></ruby>り<ruby>扱<rt>あつか</rt></ruby>い"
    assert ruby_text("ひらがなとカタカナ、ABC 123") == "ひらがなとカタカナ、ABC 123"


def test_text_is_escaped_and_html_keeps_its_tags_links_and_code():
    assert ruby_text("<b>市民</b>") == "&lt;b&gt;<ruby>市民<rt>しみん</rt></ruby>&lt;/b&gt;"
    source = (
        '<p>市民の<strong>意見</strong> <a href="https://example.jp/市民" rel="nofollow">案内</a> '
        "<code>変数</code> &amp; 回答</p>"
    )
    out = ruby_html(source)
    assert '<a href="https://example.jp/市民" rel="nofollow">' in out  # attributes untouched
    assert "<code>変数</code>" in out  # code is not read
    assert "<strong><ruby>意見<rt>いけん</rt></ruby></strong>" in out
    assert "&amp; <ruby>回答<rt>かいとう</rt></ruby>" in out
    assert strip_ruby(out) == source


def test_katakana_becomes_hiragana():
    assert hiragana("シミン・カイギシツー") == "しみん・かいぎしつー"


def test_known_messages_get_readings_in_text_only():
    known = {"会議室": "<ruby>会議室<rt>かいぎしつ</rt></ruby>", "検索": "<ruby>検索<rt>けんさく</rt></ruby>"}
    page = (
        '<title>会議室</title><nav aria-label="会議室"><a href="/rooms/"> 会議室 </a></nav>'
        "<button>検索</button><textarea>会議室</textarea><p>会議室の一覧</p>"
    )
    out = ruby_known(page, known)
    assert '<a href="/rooms/"> <ruby>会議室<rt>かいぎしつ</rt></ruby> </a>' in out
    assert "<button><ruby>検索<rt>けんさく</rt></ruby></button>" in out
    assert '<title>会議室</title><nav aria-label="会議室">' in out  # the title and attributes stay plain
    assert "<textarea>会議室</textarea><p>会議室の一覧</p>" in out  # a form's value and unknown text stay
