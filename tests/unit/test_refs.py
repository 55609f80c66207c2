"""Opinion references 「2-5」 as staff type them (pure)."""

from __future__ import annotations

import pytest

from forum.text.refs import format_ref, parse_refs

CASES = [
    ("2-5", [(2, 5)], []),
    ("2-5, 3-1", [(2, 5), (3, 1)], []),
    ("２－５、３－１", [(2, 5), (3, 1)], []),
    ("2ー5・3−1", [(2, 5), (3, 1)], []),
    ("3-1〜3-4", [(3, 1), (3, 2), (3, 3), (3, 4)], []),
    ("3-1～4", [(3, 1), (3, 2), (3, 3), (3, 4)], []),
    ("3-1~3-2 2-5", [(3, 1), (3, 2), (2, 5)], []),
    ("2-5, 2-5", [(2, 5)], []),
    ("", [], []),
    ("  、 ", [], []),
    ("108", [], ["108"]),
    ("#5", [], ["#5"]),
    ("2-5, abc, 3", [(2, 5)], ["abc", "3"]),
    ("3-4〜3-1", [], ["3-4〜3-1"]),
    ("2-1〜3-4", [], ["2-1〜3-4"]),
    ("1-1〜1-999999", [], ["1-1〜1-999999"]),
]


@pytest.mark.parametrize(("text", "refs", "bad"), CASES)
def test_parse_refs(text, refs, bad):
    parsed = parse_refs(text)
    assert parsed.refs == refs
    assert parsed.bad == bad


def test_format_ref_reads_back():
    assert [format_ref(r) for r in parse_refs("２－５、３－１〜３－２").refs] == ["2-5", "3-1", "3-2"]
