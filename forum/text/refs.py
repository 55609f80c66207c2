"""Opinion references as people read and type them: 「2-5」 is thread 2 of the room, post #5.

Staff type lists such as 「2-5, 3-1〜3-4」 in the answer table; full-width digits, Japanese
dashes and wave dashes, 、 and ・ as separators all work. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

Ref = tuple[int, int]  # (thread number in the room, post number)

_DASHES = "-‐‑‒–—―−ー－"
_WAVES = "〜～~"
_TOKEN = re.compile(rf"^(\d{{1,6}})[{_DASHES}](\d{{1,6}})(?:[{_WAVES}](?:(\d{{1,6}})[{_DASHES}])?(\d{{1,6}}))?$")
_SPLIT = re.compile(r"[\s,、，・;；]+")
MAX_RANGE = 500


MAX_REFS = 2000  # in one list: more is a mistake (and would make an unbounded query)


@dataclass
class Parsed:
    refs: list[Ref] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)  # the pieces that are not references, as typed
    too_many: bool = False  # more than MAX_REFS references; those after it are left out


def format_ref(ref: Ref) -> str:
    return f"{ref[0]}-{ref[1]}"


def parse_refs(text: str) -> Parsed:
    """The references in ``text``, in order and once each; a range 「3-1〜3-4」 (or 「3-1〜4」) within one
    thread is every post between; anything else is returned in ``bad`` for the form to show."""
    out = Parsed()
    seen: set[Ref] = set()
    normal = unicodedata.normalize("NFKC", text or "")
    for piece in filter(None, _SPLIT.split(normal)):
        match = _TOKEN.match(piece)
        if not match:
            out.bad.append(piece)
            continue
        thread, first = int(match.group(1)), int(match.group(2))
        last = int(match.group(4)) if match.group(4) else first
        if (match.group(3) and int(match.group(3)) != thread) or last < first or last - first > MAX_RANGE:
            out.bad.append(piece)  # a range across threads, backwards, or absurdly long
            continue
        for number in range(first, last + 1):
            if (thread, number) not in seen:
                if len(out.refs) >= MAX_REFS:
                    out.too_many = True
                    return out
                seen.add((thread, number))
                out.refs.append((thread, number))
    return out
