"""Keep the Japanese catalog in step with the code.

    .venv/bin/python scripts/i18n.py update   # extract messages, merge into ja, list untranslated
    .venv/bin/python scripts/i18n.py compile  # write messages.mo and ruby.json from messages.po

The compiled .mo is committed so a checkout works without a build step; a test checks that
it matches the .po and that every message in the code has a Japanese translation. ``ruby.json``
holds each Japanese message with ふりがな over its kanji (read once here, so no page view runs the
dictionary); a test checks it matches the catalog too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "forum/translations/ja/LC_MESSAGES/messages.po"
RUBY = PO.with_name("ruby.json")
POT = ROOT / "forum/translations/messages.pot"


def pybabel(*args: str) -> None:
    exe = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(exe), *args], check=True, cwd=ROOT)


def update() -> None:
    pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        "--no-location",
        "--sort-output",
        "--project",
        "hiroba",
        "-o",
        str(POT),
        ".",
    )
    if PO.exists():
        pybabel(
            "update", "-i", str(POT), "-d", str(PO.parents[2]), "-l", "ja", "--no-fuzzy-matching", "--ignore-obsolete"
        )
    else:
        pybabel("init", "-i", str(POT), "-d", str(PO.parents[2]), "-l", "ja")
    from babel.messages.pofile import read_po

    with PO.open("rb") as fh:
        missing = [m.id for m in read_po(fh) if m.id and not m.string]
    for msgid in missing:
        print("untranslated:", msgid)


def compile_catalog() -> None:
    pybabel("compile", "-d", str(PO.parents[2]), "-l", "ja", "--statistics")
    RUBY.write_text(json.dumps(ruby_catalog(PO), ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {RUBY.relative_to(ROOT)}")


def ruby_catalog(po: Path) -> dict[str, str]:
    """Every translated message (and line of the やさしい日本語 guide) that holds kanji → the same
    with <ruby> readings (over its text: a message's own markup and its %(placeholders)s stay as
    they are)."""
    from babel.messages.pofile import read_po

    sys.path.insert(0, str(ROOT))
    from forum.data import guide_texts
    from forum.text.furigana import KANJI, ruby_html

    with po.open("rb") as fh:
        catalog = read_po(fh)
    texts = set()
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        texts.update(s for s in strings if s and KANJI.search(s))
    texts.update(t for t in guide_texts() if KANJI.search(t))  # the やさしい日本語 guide, always shown with readings
    return {text: ruby_html(text) for text in sorted(texts)}


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    {"update": update, "compile": compile_catalog}.get(command, lambda: sys.exit(__doc__))()
