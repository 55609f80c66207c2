"""Fetch axe-core (the accessibility checker the browser tests run in Chromium) from the npm
registry: a pinned version, checked against the registry's sha512 integrity, unpacked to
``.cache/axe-core-<version>/axe.min.js``. Needs no Node.js. Safe to run again.

    .venv/bin/python scripts/fetch_axe.py      # scripts/setup.sh --browser runs it
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / ".cache" / f"axe-core-{VERSION}" / "axe.min.js"


def fetch() -> Path:
    if TARGET.exists():
        return TARGET
    with urllib.request.urlopen(TARBALL, timeout=60) as response:
        data = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        sys.exit(f"fetch_axe: {TARBALL} does not match its pinned integrity")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        member = archive.extractfile("package/axe.min.js")
        if member is None:
            sys.exit("fetch_axe: the package has no axe.min.js")
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        TARGET.write_bytes(member.read())
    return TARGET


if __name__ == "__main__":
    print(fetch().relative_to(ROOT))
