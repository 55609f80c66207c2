"""The guest page cache: pages every guest sees alike, kept as sent and served again until the
content they show changes.

A page is filed under its path, the language, the display settings and the versions of what it
shows (``forum.models.page_version``), which every write moves in its own transaction: after a
write the key is new, so the old page is never found again. Pages whose content changes with time
alone (a room's period ends, a thread's lock timer, the days left to answer) say when, through
``expires_by``; every page is also dropped after ``PAGE_CACHE_SECONDS`` at most.

The store is one per process (``memory://``, bounded by ``PAGE_CACHE_MAX_BYTES``) or shared by
every worker and host (``redis://…``); ``PAGE_CACHE_STORAGE_URI = ""`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import Flask, current_app, g, has_request_context

from forum import ROOT, clock

EXTENSION_KEY = "hiroba_page_cache"


@dataclass(frozen=True)
class Page:
    body: bytes
    mimetype: str
    etag: str
    valid_until: float  # a Unix time on the app's clock


class MemoryStore:
    """Least recently used pages first out, within a byte budget; safe for threaded servers."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self.pages: OrderedDict[str, Page] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Page | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: str, page: Page, seconds: int) -> None:
        size = len(page.body) + len(key)
        if size > self.max_bytes // 4:
            return
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.used -= len(old.body) + len(key)
            self.pages[key] = page
            self.used += size
            while self.used > self.max_bytes and self.pages:
                dropped_key, dropped = self.pages.popitem(last=False)
                self.used -= len(dropped.body) + len(dropped_key)


class RedisStore:
    """Pages shared by every worker: one header line of JSON, then the body."""

    def __init__(self, uri: str) -> None:
        import redis

        self.client = redis.Redis.from_url(uri, socket_timeout=0.5, socket_connect_timeout=0.5)

    def get(self, key: str) -> Page | None:
        try:
            raw = self.client.get(key)
        except Exception:  # a cache that cannot be reached is a miss, never an error page
            return None
        if not raw:
            return None
        head, _, body = raw.partition(b"\n")
        meta = json.loads(head)
        return Page(body, meta["m"], meta["e"], meta["u"])

    def put(self, key: str, page: Page, seconds: int) -> None:
        head = json.dumps({"m": page.mimetype, "e": page.etag, "u": page.valid_until}).encode()
        try:
            self.client.set(key, head + b"\n" + page.body, ex=max(1, seconds))
        except Exception:  # the page is still sent; only keeping it failed
            return


class PageCache:
    def __init__(self, app: Flask) -> None:
        uri = app.config["PAGE_CACHE_STORAGE_URI"] or ""
        self.store: MemoryStore | RedisStore | None = None
        if uri.startswith("redis"):
            self.store = RedisStore(uri)
        elif uri:
            self.store = MemoryStore(int(app.config["PAGE_CACHE_MAX_BYTES"]))
        self.seconds = int(app.config["PAGE_CACHE_SECONDS"])
        # pages differ between releases (templates, code) and between databases sharing one Redis
        self.namespace = _release() + "|" + app.config["SQLALCHEMY_DATABASE_URI"]

    @property
    def enabled(self) -> bool:
        return self.store is not None

    def key(self, *parts: str) -> str:
        digest = hashlib.sha256("\x1f".join((self.namespace, *parts)).encode()).hexdigest()
        return f"hiroba:page:{digest[:40]}"

    def get(self, key: str) -> Page | None:
        page = self.store.get(key) if self.enabled else None
        if page is not None and page.valid_until <= clock.now().timestamp():
            return None
        return page

    def put(self, key: str, body: bytes, mimetype: str, etag: str) -> None:
        if not self.enabled:
            return
        now = clock.now()
        until = now + timedelta(seconds=self.seconds)
        boundary = g.get("page_valid_until")
        if boundary is not None and boundary < until:
            until = boundary
        if until <= now:
            return
        self.store.put(key, Page(body, mimetype, etag, until.timestamp()), int((until - now).total_seconds()) + 1)


@lru_cache(maxsize=1)
def _release() -> str:
    """Names this code and its templates: a new release never reads an older release's pages.
    Once a process: the files do not change under a running one."""
    digest = hashlib.sha256()
    for folder in ("forum", "moderation", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".html", ".xml", ".txt", ".mo"):
                stat = path.stat()
                digest.update(f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def expires_by(moment: datetime | None) -> None:
    """The page being made changes by itself at ``moment`` (a period ends, a timer fires): a cached
    copy is not served from then on. Outside a request (commands, mails) it does nothing."""
    if moment is None or not has_request_context():
        return
    if moment <= clock.now():
        return
    current = g.get("page_valid_until")
    if current is None or moment < current:
        g.page_valid_until = moment


def cache() -> PageCache:
    return current_app.extensions[EXTENSION_KEY]


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = PageCache(app)
