"""Rate limits shared by every worker. gunicorn with four worker processes, as production runs it
(``gunicorn.conf.py``, ``wsgi.py``): with Redis as the store one visitor's failed logins are counted
together, so the eleventh within the minute is refused whichever worker answers; with the memory
store each worker counts alone, and gunicorn says so at start."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import copy_database, migrated_template
from tests.helpers.live import CSRF_RE, Browser, gunicorn_server, redis_server

WORKERS = 4
LIMIT = 10


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


def _site(tmp_path, storage: str) -> dict[str, str]:
    instance = tmp_path / "instance"
    instance.mkdir()
    copy_database(migrated_template(), instance / "hiroba.sqlite3")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIROBA_")}
    return {
        **env,
        "HIROBA_INSTANCE_PATH": str(instance),
        "HIROBA_RATELIMIT_STORAGE_URI": storage,
        "HIROBA_RATELIMIT_LOGIN": f"{LIMIT} per minute",
        "HIROBA_PASSWORD_HASH_METHOD": "scrypt:4096:8:1",
    }


def _failed_login(base: str, n: int) -> int:
    browser = Browser(base)
    _status, _headers, page = browser.request("/login")
    token = CSRF_RE.search(page).group(1)
    data = {"email": f"nobody{n}@example.jp", "password": "not the password", "csrf_token": token}
    return browser.request("/login", data)[0]


def _attempts(base: str, count: int) -> list[int]:
    """``count`` failed logins from one address, eight at a time, so several workers answer."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda n: _failed_login(base, n), range(count)))


def _login_workers(log) -> set[str]:
    return set(re.findall(r'"POST /login HTTP/1\.1" \d+ .* worker=<?(\d+)', log.read_text(errors="replace")))


def test_with_redis_the_eleventh_failed_login_is_refused_whichever_worker_answers(tmp_path, redis_url):
    log = tmp_path / "gunicorn.log"
    with gunicorn_server(_site(tmp_path, redis_url), WORKERS, log) as base:
        statuses = _attempts(base, 24)
        later = _failed_login(base, 99)
    assert sum(status != 429 for status in statuses) == LIMIT, statuses
    assert statuses.count(429) == 24 - LIMIT and later == 429
    assert len(_login_workers(log)) >= 2, "one worker answered everything: the test proved nothing"
    assert "share no rate-limit counts" not in log.read_text()


def test_with_the_memory_store_each_worker_counts_alone_and_gunicorn_warns(tmp_path):
    log = tmp_path / "gunicorn.log"
    with gunicorn_server(_site(tmp_path, "memory://"), WORKERS, log) as base:
        statuses = _attempts(base, 40)
    assert len(_login_workers(log)) >= 2
    assert sum(status != 429 for status in statuses) > LIMIT, statuses  # what Redis is for
    assert "4 workers share no rate-limit counts" in log.read_text()
