"""The background worker: one process that does, round after round, what web workers only try
right after a response (mail, search), and what time brings (rooms closing, thread timers, export
jobs, the daily digest and deadline reminders). ``flask --app forum worker`` runs it; systemd
timers running the single commands do the same (docs/deployment.md). Every step is safe to repeat
and safe beside another worker: each claims its rows in the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app

from forum import clock
from forum.extensions import db
from forum.mail import site_links

log = logging.getLogger(__name__)


def _mail() -> int:
    from forum.services import mailing

    return mailing.deliver(due_only=True).sent


def _search() -> int:
    from forum.search import sync

    return sync.catch_up()[1]


def _rooms() -> int:
    from forum.services import rooms

    return sum(rooms.tick())


def _stored_text() -> int:
    from forum.services import posts

    return posts.refresh_stored_text(limit=2000)  # a slice a round: an upgrade never stalls the others


def _exports() -> int:
    from forum.services import export_jobs

    return export_jobs.run_pending()


def _digest() -> int:
    from forum.services import notifications

    with site_links():
        return notifications.send_digests()


def _deadlines() -> int:
    from forum.services import deadlines

    with site_links():
        return deadlines.send_reminders()


#: every round, in this order (exports last: they may take minutes)
EVERY_ROUND: list[tuple[str, Callable[[], int]]] = [
    ("rooms", _rooms),
    ("search", _search),
    ("mail", _mail),
    ("stored text", _stored_text),
    ("exports", _exports),
]
#: once a day, at or after the hour (site time) in the setting named
DAILY: list[tuple[str, str, Callable[[], int]]] = [
    ("digest", "WORKER_DIGEST_HOUR", _digest),
    ("deadlines", "WORKER_DEADLINES_HOUR", _deadlines),
]


@dataclass
class Worker:
    """Remembers which day each daily job last ran (a restart may run it again: it sends nothing
    twice, since each marks what it sent)."""

    done_on: dict[str, date] = field(default_factory=dict)

    def round(self) -> dict[str, int | str]:
        """One round; returns what each step did (a count, or the error that stopped it)."""
        report: dict[str, int | str] = {}
        steps = list(EVERY_ROUND)
        local = clock.to_local(clock.now(), current_app.config["BABEL_DEFAULT_TIMEZONE"])
        for name, setting, work in DAILY:
            if local.hour >= int(current_app.config[setting]) and self.done_on.get(name) != local.date():
                steps.insert(-1, (name, work))
                self.done_on[name] = local.date()
        for name, work in steps:
            try:
                report[name] = work()
            except Exception as error:  # one failing step never stops the others, or the loop
                db.session.rollback()
                log.exception("worker step %s failed", name)
                report[name] = f"error: {error}"
            finally:
                db.session.remove()
        if "digest" in report or "deadlines" in report:  # their mails, at once
            report["mail"] = _mail()
        return report

    def run(
        self,
        interval: float,
        stop: threading.Event,
        rounds: int | None = None,
        tell: Callable[[int, dict[str, int | str]], object] = lambda _n, _report: None,
    ) -> int:
        """Rounds every ``interval`` seconds until ``stop`` is set (SIGTERM) or ``rounds`` are done;
        ``tell`` hears each round's report. Returns how many rounds ran."""
        done = 0
        while not stop.is_set() and (rounds is None or done < rounds):
            report = self.round()
            done += 1
            log.info("worker round %d: %s", done, report)
            tell(done, report)
            if rounds is None or done < rounds:
                stop.wait(interval)
        return done
