"""gunicorn settings for Hiroba: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be changed without editing this file: ``HIROBA_BIND``, ``HIROBA_WORKERS``,
``HIROBA_TIMEOUT`` (docs/deployment.md). Sync workers: each request is short and the database does
the waiting; give them a reverse proxy (nginx) in front for slow clients and TLS.
"""

import multiprocessing
import os

bind = os.environ.get("HIROBA_BIND", "127.0.0.1:8000")
# two per core and one more, at most 8: a 2-core server gets 5
workers = int(os.environ.get("HIROBA_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
timeout = int(os.environ.get("HIROBA_TIMEOUT", 60))  # a stuck worker is replaced after this
graceful_timeout = 30  # on HUP or TERM, requests in flight get this long to finish
keepalive = 5
# recycle workers now and then (spread out), so a slow leak never grows; not too often: a new
# worker starts with an empty page cache and keeps its first visitors waiting while it loads
max_requests = 20000
max_requests_jitter = 2000
# proxies allowed to set X-Forwarded-* for gunicorn itself (the app trusts HIROBA_PROXY_FIX_HOPS)
forwarded_allow_ips = os.environ.get("HIROBA_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# who, when, what (no query string), how it ended, how big, how long (µs), which worker
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(D)s "%(a)s" worker=%(p)s'
proc_name = "hiroba"


def on_starting(server) -> None:
    """Say it at start when several workers would each count the rate limits alone."""
    from forum.config import settings

    config = settings()  # not the app: what the master imports, every forked worker carries
    storage = str(config.get("RATELIMIT_STORAGE_URI", "memory://"))
    if server.cfg.workers > 1 and config.get("RATELIMIT_ENABLED", True) and storage.startswith("memory"):
        server.log.warning(
            "Hiroba: %d workers share no rate-limit counts (RATELIMIT_STORAGE_URI=%s): each counts alone, so "
            "a limit of 10 lets up to %d through. Set HIROBA_RATELIMIT_STORAGE_URI=redis://… "
            "(docs/deployment.md).",
            server.cfg.workers,
            storage,
            10 * server.cfg.workers,
        )
