"""Nouns and compound nouns of Japanese text, for keyword and cluster summaries. Pure (given text).

MeCab (through fugashi) with UniDic-lite, both installed from PyPI: no network and no model
download at run time. Consecutive nouns (with prefixes and noun-like suffixes) form one compound
noun (電子 + 会議 + 室 → 電子会議室), which is what a policy department reads as one topic.
"""

from __future__ import annotations

import threading
import unicodedata

_local = threading.local()

#: Words too general to be a topic of their own.
_STOPWORD_TEXT = """
こと もの ため よう 方 者 中 上 下 前 後 今 時 等 など 点 件 際 場合 必要 部分 ところ とき 皆さん 皆様 みなさん
自分 私 僕 私たち これ それ あれ どれ ここ そこ 今回 以上 以下 以外 一つ 全て すべて 他 ほか 様 さん 的 化 性
平成 令和 昭和 年度 年 月 日 次頁 資料
"""  # kept as words: easier to read and extend
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _tagger():
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        from fugashi import Tagger

        tagger = _local.tagger = Tagger()
    return tagger


def _keep(term: str) -> bool:
    if len(term) < 2 or term in STOPWORDS:
        return False
    if all("\u3040" <= ch <= "\u309f" for ch in term) and len(term) <= 3:
        return False  # short hiragana words are grammar, not topics
    return not all(unicodedata.category(ch)[0] in "NPSZ" for ch in term)


def compound_nouns(text: str) -> list[str]:
    """The compound nouns of ``text`` in order of appearance (repeats kept: they are counts).
    Prefixes (各, 再) and na-adjective stems (スマート) join only when a noun follows."""
    out: list[str] = []
    current: list[tuple[str, bool]] = []
    for line in _tagger().parse(unicodedata.normalize("NFKC", text)).split("\n"):
        fields = line.split("\t")
        pos = fields[4] if len(fields) >= 5 else ""
        if (pos.startswith("名詞") and not pos.startswith("名詞-数詞")) or pos.startswith("接尾辞-名詞的"):
            current.append((fields[0], True))
        elif pos.startswith(("接頭辞", "形状詞")):
            if current and current[-1][1]:
                _flush(current, out)
            current.append((fields[0], False))
        elif current:
            _flush(current, out)
    if current:
        _flush(current, out)
    return out


def _flush(current: list[tuple[str, bool]], out: list[str]) -> None:
    while current and not current[-1][1]:
        current.pop()  # a prefix with no noun after it
    term = "".join(surface for surface, _noun in current)
    if term and _keep(term):
        out.append(term)
    current.clear()
