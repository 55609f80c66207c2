"""Control characters: PostgreSQL refuses NUL in text and no other C0 control belongs in what
residents write. Pure, so the request edge (``forum.hygiene``) and the legacy import share it."""

from __future__ import annotations

# C0 controls but tab, LF and CR (kept: text areas need them), and DEL
CONTROL_CHARACTERS = frozenset(chr(code) for code in (*range(0x20), 0x7F)) - {"\t", "\n", "\r"}
_DROP = dict.fromkeys(map(ord, CONTROL_CHARACTERS))


def strip_controls(text: str) -> str:
    """``text`` as the site stores it: control characters removed, CRLF and lone CR as LF."""
    return text.translate(_DROP).replace("\r\n", "\n").replace("\r", "\n")


def has_controls(text: str) -> bool:
    """True when ``strip_controls`` would remove something (a validator refuses such secrets)."""
    return not CONTROL_CHARACTERS.isdisjoint(text)
