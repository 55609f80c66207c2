"""ふりがな: hiragana readings over the kanji of Japanese text, as HTML ``<ruby>`` markup.

Readings come from MeCab with UniDic (fugashi + unidic-lite, the dictionary the project already
ships for keywords), loaded on first use. Text is read once, when it is written (a post, a room's
texts, an answer) or when the translations are compiled (the interface), so no page view runs
MeCab. A word's reading covers only its kanji: 住んで → 住(す)んで, 取り扱い → 取(と)り扱(あつか)い.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache

#: Goes up when the readings or the markup change: stored copies older than it are read again.
FURIGANA_VERSION = 1

KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]+")
_TAG = re.compile(r"(<[^>]*>)")
_SKIP_TAGS = ("code", "pre", "rt", "ruby", "script", "style")


def hiragana(katakana: str) -> str:
    """カタカナ → ひらがな (the long-vowel mark stays)."""
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in katakana)


@lru_cache(maxsize=1)
def _tagger() -> Callable[[str], list]:
    from fugashi import Tagger

    return Tagger()


def _align(surface: str, reading: str) -> list[tuple[str, str | None]]:
    """Split a word into kanji runs with their readings and kana runs without: the kana of the
    surface are anchors in the reading. Gives the whole word one reading when they cannot be
    matched (an unusual reading), and none when the word has no kanji."""
    if not KANJI.search(surface):
        return [(surface, None)]
    parts = re.split(f"({KANJI.pattern})", surface)
    pattern = ""
    for part in parts:
        if not part:
            continue
        pattern += "(.+?)" if KANJI.fullmatch(part) else f"({re.escape(hiragana(part))})"
    match = re.fullmatch(pattern, hiragana(reading))
    if match is None:
        return [(surface, hiragana(reading))]
    pieces = [p for p in parts if p]
    return [(piece, got if KANJI.fullmatch(piece) else None) for piece, got in zip(pieces, match.groups(), strict=True)]


#: Words of the city's pages the dictionary reads otherwise than the city says them (UniDic reads
#: the suffix 所 as しょ where these compounds have じょ). Applied before the dictionary.
READING_FIXES = {
    "避難所": "ひなんじょ",
    "保健所": "ほけんじょ",
    "出張所": "しゅっちょうじょ",
    "集会所": "しゅうかいじょ",
    "相談所": "そうだんじょ",
    "研究所": "けんきゅうじょ",
    "授産所": "じゅさんじょ",
    "給食センター": "きゅうしょくせんたー",
}
_FIXES = re.compile("|".join(sorted(map(re.escape, READING_FIXES), key=len, reverse=True)))


def readings(text: str) -> list[tuple[str, str | None]]:
    """The text in pieces, each with its hiragana reading when it holds kanji (None otherwise)."""
    pieces: list[tuple[str, str | None]] = []
    position = 0
    for fixed in _FIXES.finditer(text):
        if fixed.start() > position:
            pieces.extend(_dictionary_readings(text[position : fixed.start()]))
        pieces.extend(_align(fixed.group(0), READING_FIXES[fixed.group(0)]))
        position = fixed.end()
    if position < len(text):
        pieces.extend(_dictionary_readings(text[position:]))
    return _merged(pieces)


def _dictionary_readings(text: str) -> list[tuple[str, str | None]]:
    pieces: list[tuple[str, str | None]] = []
    position = 0
    for word in _tagger()(text):
        surface = word.surface
        start = text.find(surface, position)
        if start < 0:  # the tagger normalized something: keep the rest unread
            break
        if start > position:
            pieces.append((text[position:start], None))
        kana = getattr(word.feature, "kana", None) or ""
        if KANJI.search(surface) and kana and kana != "*":
            pieces.extend(_align(surface, kana))
        else:
            pieces.append((surface, None))
        position = start + len(surface)
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


def _merged(pieces: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Neighbouring plain pieces joined, and a one-kanji suffix joined to its word: 会議 + 室 is
    read かいぎしつ over 会議室, as a dictionary prints it; 地域 防災 計画 keep a reading each, so
    a reader sees which kanji says what."""
    out: list[tuple[str, str | None]] = []
    for piece, reading in pieces:
        suffix = reading is not None and len(piece) == 1 and out and out[-1][1] is not None
        if out and ((reading is None and out[-1][1] is None) or suffix):
            last, last_reading = out[-1]
            out[-1] = (last + piece, None if reading is None else f"{last_reading}{reading}")
        else:
            out.append((piece, reading))
    return out


def ruby_text(text: str) -> str:
    """Plain text → escaped HTML with ``<ruby>`` over every kanji run."""
    if not KANJI.search(text or ""):
        return html.escape(text or "", quote=False)
    return "".join(_ruby(piece, reading) for piece, reading in readings(text))


def _ruby(piece: str, reading: str | None) -> str:
    if reading is None or reading == piece:
        return html.escape(piece, quote=False)
    return f"<ruby>{html.escape(piece, quote=False)}<rt>{html.escape(reading, quote=False)}</rt></ruby>"


def _map_text(markup: str, skip: tuple[str, ...], change: Callable[[str], str]) -> str:
    """HTML with ``change`` applied to each text between tags, outside the ``skip`` elements; the
    tags and their attributes are left as they are."""
    out: list[str] = []
    skipping: list[str] = []
    for chunk in _TAG.split(markup or ""):
        if not chunk:
            continue
        if not chunk.startswith("<"):
            out.append(chunk if skipping else change(chunk))
            continue
        out.append(chunk)
        name = re.match(r"</?\s*([a-zA-Z0-9]+)", chunk)
        if name and name.group(1).lower() in skip and not chunk.endswith("/>"):
            if not chunk.startswith("</"):
                skipping.append(name.group(1).lower())
            elif skipping:
                skipping.pop()
    return "".join(out)


def ruby_html(markup: str) -> str:
    """Safe HTML (a post's sanitized body) → the same HTML with ``<ruby>`` over the kanji of its
    text. Code and existing ruby are not read."""
    return _map_text(markup, _SKIP_TAGS, _ruby_escaped)


_NO_RUBY_TAGS = (*_SKIP_TAGS, "title", "textarea", "option")


def ruby_known(markup: str, known: dict[str, str]) -> str:
    """A page's HTML with the readings of the messages it shows: every text between tags that is one
    of ``known`` (a message of the interface, read when the catalog was compiled) is replaced by its
    ruby. Attributes (labels for screen readers, titles) keep the plain text; nothing is read here."""

    def known_ruby(chunk: str) -> str:
        text = chunk.strip()
        found = known.get(html.unescape(text)) if text and KANJI.search(text) else None
        return chunk.replace(text, found, 1) if found else chunk

    return _map_text(markup, _NO_RUBY_TAGS, known_ruby)


def _ruby_escaped(escaped: str) -> str:
    """Text as it stands in HTML (entities escaped) with ruby added."""
    if not KANJI.search(escaped):
        return escaped
    return ruby_text(html.unescape(escaped))


def strip_ruby(markup: str) -> str:
    """The base text of ruby HTML: the readings dropped (what 読み上げ hands to speech synthesis)."""
    return re.sub(r"<rt>.*?</rt>", "", markup or "").replace("<ruby>", "").replace("</ruby>", "")
