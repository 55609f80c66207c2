"""A resident's browser for a live server, stdlib only: its own cookie jar, redirects recorded as
answers (a 303 to ``#p<number>`` is how a reply is acknowledged). Shared by the live concurrency
tests and ``bench/concurrency.py``; and gunicorn serving the app as production does."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
HTTP_TIMEOUT = 30.0
ROOT = Path(__file__).resolve().parents[2]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        """(status, headers, page); 3xx are not followed, 4xx and 5xx are answers too."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)  # noqa: S310  (http://127.0.0.1 only)
        try:
            with self.opener.open(req, timeout=HTTP_TIMEOUT) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


@contextlib.contextmanager
def gunicorn_server(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """The app as production serves it: ``gunicorn -c gunicorn.conf.py wsgi:app`` with ``workers``
    worker processes on a free loopback port. Yields the base URL; stops the master (and so its
    workers) with SIGTERM on the way out."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**env, "HIROBA_BIND": f"127.0.0.1:{port}", "HIROBA_WORKERS": str(workers)}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited {server.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                if Browser(base).request("/login")[0] < 500:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
