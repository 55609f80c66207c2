"""The Japanese catalog covers every message in the code, and the committed .mo matches it."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "forum/translations/ja/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")


def code_messages() -> set[str]:
    method_map, options_map = parse_mapping_cfg(io.StringIO((ROOT / "babel.cfg").read_text()))
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_a_japanese_translation():
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="ja")
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(code_messages() - translated)
    assert missing == [], "run: .venv/bin/python scripts/i18n.py update, translate, then compile"


def _flat(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_compiled_catalog_matches_the_po_file():
    with PO.open("rb") as fh:
        po = {_flat(m.id): _flat(m.string) for m in read_po(fh, locale="ja") if m.id}
    with MO.open("rb") as fh:
        mo = {_flat(m.id): _flat(m.string) for m in read_mo(fh) if m.id}
    assert mo == po, "run: .venv/bin/python scripts/i18n.py compile"
