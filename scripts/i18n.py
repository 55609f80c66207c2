"""Keep the Japanese catalog in step with the code.

    .venv/bin/python scripts/i18n.py update   # extract messages, merge into ja, list untranslated
    .venv/bin/python scripts/i18n.py compile  # write messages.mo from messages.po

The compiled .mo is committed so a checkout works without a build step; a test checks that
it matches the .po and that every message in the code has a Japanese translation.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "forum/translations/ja/LC_MESSAGES/messages.po"
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


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    {"update": update, "compile": compile_catalog}.get(command, lambda: sys.exit(__doc__))()
