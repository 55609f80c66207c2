"""A resident's browser for a live server, stdlib only: its own cookie jar, redirects recorded as
answers (a 303 to ``#p<number>`` is how a reply is acknowledged). Shared by the live concurrency
tests and ``bench/concurrency.py``."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
HTTP_TIMEOUT = 30.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

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
