"""A resident's browser for a live server, stdlib only: its own cookie jar, redirects recorded as
answers (a 303 to ``#p<number>`` is how a reply is acknowledged). Shared by the live concurrency
tests and ``bench/concurrency.py``; and gunicorn serving the app as production does."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shutil
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


def app_in(env: dict[str, str]):
    """The app in this process, on the site ``env`` names (its ``HIROBA_*`` settings replace this
    process's own): a bench prepares and checks through the app's own code what a server serves."""
    from forum import create_app

    for key in [k for k in os.environ if k.startswith("HIROBA_")]:
        del os.environ[key]
    os.environ.update({k: v for k, v in env.items() if k.startswith("HIROBA_")})
    return create_app()


def flask_cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``flask --app forum ARGS`` in its own process with ``env``; with ``check`` a failure raises
    with what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "forum", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


@contextlib.contextmanager
def gunicorn_server(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """The app as production serves it: ``gunicorn -c gunicorn.conf.py wsgi:app`` with ``workers``
    worker processes on a free loopback port. Yields the base URL; stops the master (and so its
    workers) with SIGTERM on the way out."""
    port = free_port()
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
        wait_ready(server, base, log)
        yield base
    finally:
        stop_gunicorn(server)


def free_port() -> int:
    """A loopback port nobody listens on (for servers that cannot be told port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(server: subprocess.Popen, base: str, log: Path, seconds: float = 60) -> None:
    """Until the server's home page answers 200; its log's tail when it exits or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited {server.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as response:  # noqa: S310  (127.0.0.1)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer in {seconds:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def stop_gunicorn(server: subprocess.Popen) -> str:
    """SIGTERM to the master, wait for its graceful stop, then SIGKILL whatever is left of its group."""
    how = "SIGTERM"
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            how = "SIGKILL (master did not stop in 20 s)"
    try:
        os.killpg(server.pid, 0)  # anything left in the group (a worker)?
    except ProcessLookupError:
        pass
    else:
        os.killpg(server.pid, signal.SIGKILL)
        how += " + SIGKILL to the process group"
    if server.poll() is None:
        server.wait(timeout=10)
    return how


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A throwaway Redis on 127.0.0.1 (Debian's redis-server, installed by scripts/setup.sh
    --redis); the test is skipped where it is not installed."""
    import pytest

    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (bash scripts/setup.sh --redis installs Debian's)")
    port = free_port()
    options = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)]
    process = subprocess.Popen([server, *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
