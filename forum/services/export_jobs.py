"""Large exports in the background: a job row in the database, a worker thread (or
``flask --app forum export run``), progress the page can show, files kept for EXPORT_KEEP_DAYS.

The database is the queue: whichever process picks a job first marks it running in one UPDATE, so
a thread in one app process and a cron'd ``export run`` never run the same job twice. The claim is
a lease of ``EXPORT_LEASE_SECONDS`` that the worker renews while it works; a job whose worker died
(a recycled web worker, a restart) is taken up again by the next ``export run`` within minutes.
"""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select, update

from forum import clock
from forum.exports import formats
from forum.exports.selection import ExportFilter
from forum.extensions import db
from forum.models import ExportJob, JobState, User
from forum.services import exports

log = logging.getLogger(__name__)
PROGRESS_EVERY = 1000


def filter_of(job: ExportJob) -> ExportFilter:
    return ExportFilter.from_description(job.filter)


def queue(user: User, flt: ExportFilter, fmt: str, total: int) -> ExportJob:
    """Check the user may export these rooms now (and again when the job runs), then queue it."""
    exports.check_format(fmt)
    rooms = exports.check(user, flt)
    job = ExportJob(
        user_id=user.id, filter=flt.describe(), format=fmt, total=total, download_name=exports.download_name(rooms, fmt)
    )
    db.session.add(job)
    db.session.commit()
    if current_app.config["EXPORT_WORKER"] == "thread":
        start_thread(current_app._get_current_object())
    return job


def start_thread(app: Flask) -> threading.Thread:
    thread = threading.Thread(target=_work, args=(app,), name="hiroba-export", daemon=True)
    thread.start()
    return thread


def _work(app: Flask) -> None:
    with app.app_context():
        try:
            run_pending()
        except Exception:  # the job row says what failed; the thread must not take the app down
            log.exception("export worker stopped")
        finally:
            db.session.remove()


def _lease() -> timedelta:
    return timedelta(seconds=int(current_app.config["EXPORT_LEASE_SECONDS"]))


def _claim() -> ExportJob | None:
    """Take the oldest queued job (or one whose worker's lease ran out) for this process, atomically."""
    now = clock.now()
    claimable = (ExportJob.state == JobState.QUEUED.value) | (
        (ExportJob.state == JobState.RUNNING.value)
        & ((ExportJob.lease_until.is_(None)) | (ExportJob.lease_until < now))
    )
    for job_id in db.session.scalars(select(ExportJob.id).where(claimable).order_by(ExportJob.id)).all():
        claimed = db.session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id, claimable)
            .values(state=JobState.RUNNING.value, started_at=now, lease_until=now + _lease(), progress=0)
        ).rowcount
        db.session.commit()
        if claimed:
            return db.session.get(ExportJob, job_id)
    return None


class _Heartbeat:
    """Renews a running job's lease every third of its length until stopped, in its own thread and
    transactions, so a long summary (no progress to report) never looks like a dead worker."""

    def __init__(self, app: Flask, job_id: int) -> None:
        self.app, self.job_id = app, job_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"hiroba-export-lease-{job_id}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)

    def _beat(self) -> None:
        with self.app.app_context():
            every = _lease().total_seconds() / 3
            while not self.stopped.wait(every):
                try:
                    renew(self.job_id)
                except Exception:  # the next beat tries again; the lease is three beats long
                    log.warning("renewing the lease of export job %s failed", self.job_id, exc_info=True)
            db.session.remove()


def renew(job_id: int) -> None:
    with db.engine.begin() as connection:  # its own transaction: never mixed with the export's
        connection.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.state == JobState.RUNNING.value)
            .values(lease_until=clock.now() + _lease())
        )


def run_pending() -> int:
    """Run every waiting job, then remove expired files; returns how many jobs ran."""
    done = 0
    while (job := _claim()) is not None:
        run(job)
        done += 1
    expire()
    return done


def run(job: ExportJob) -> None:
    folder = Path(current_app.config["EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    suffix = formats.FORMATS.get(job.format, (".bin",))[0]
    path = folder / f"job-{job.id}-{secrets.token_hex(12)}{suffix}"
    job_id = job.id

    def progress(count: int) -> None:
        with db.engine.begin() as connection:  # its own transaction: the page sees it at once
            connection.execute(update(ExportJob).where(ExportJob.id == job_id).values(progress=count))

    try:
        user = db.session.get(User, job.user_id) if job.user_id else None
        if user is None:
            raise PermissionError("the account that asked for this export no longer exists")
        with _Heartbeat(current_app._get_current_object(), job_id):
            rows = exports.export(user, filter_of(job), job.format, path, via="job", progress=progress)
    except Exception as error:  # shown on the job page; nothing half-written is kept
        db.session.rollback()
        path.unlink(missing_ok=True)
        job = db.session.get(ExportJob, job_id)
        job.state = JobState.FAILED.value
        job.lease_until = None
        job.error = str(getattr(error, "message", error))[:2000]
        job.finished_at = clock.now()
        db.session.commit()
        log.warning("export job %s failed: %s", job_id, job.error)
        return
    job = db.session.get(ExportJob, job_id)
    job.state = JobState.DONE.value
    job.lease_until = None
    job.rows = rows
    job.progress = rows
    job.file_name = path.name
    job.finished_at = clock.now()
    job.expires_at = job.finished_at + timedelta(days=current_app.config["EXPORT_KEEP_DAYS"])
    db.session.commit()


def expire() -> int:
    """Remove the files of jobs past their keeping time."""
    removed = 0
    folder = Path(current_app.config["EXPORT_DIR"])
    for job in db.session.scalars(
        select(ExportJob).where(ExportJob.state == JobState.DONE.value, ExportJob.expires_at < clock.now())
    ):
        if job.file_name:
            (folder / job.file_name).unlink(missing_ok=True)
        job.state = JobState.EXPIRED.value
        job.file_name = None
        removed += 1
    db.session.commit()
    return removed


def file_of(job: ExportJob) -> Path | None:
    if job.state != JobState.DONE or not job.file_name:
        return None
    path = Path(current_app.config["EXPORT_DIR"]) / job.file_name
    return path if path.exists() else None


def jobs_of(user: User, limit: int = 20) -> list[ExportJob]:
    return list(
        db.session.scalars(
            select(ExportJob).where(ExportJob.user_id == user.id).order_by(ExportJob.id.desc()).limit(limit)
        )
    )
