"""Department staff export the opinions of their rooms (所管課の意見出力)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from forum.exports import formats
from forum.exports.selection import ExportFilter
from forum.extensions import db
from forum.models import STANDARD_TAGS, ExportJob, JobState, ThreadStatus
from forum.permissions import Permission, require
from forum.services import export_jobs, exports
from forum.services import tags as tag_service
from forum.services.errors import ServiceError
from forum.services.search import parse_day
from forum.ui import CSP
from forum.views.common import db_id, found, send_written

bp = Blueprint("exports", __name__, url_prefix="/department/export")


def _ids(values: list[str]) -> tuple[int, ...]:
    return tuple(sorted({i for i in map(db_id, values) if i is not None}))


def _filter(values) -> ExportFilter:
    statuses = tuple(s for s in values.getlist("status") if s in {t.value for t in ThreadStatus})
    tags = tuple(sorted({t.strip()[:30] for t in values.getlist("tag") if t.strip()}))
    return ExportFilter(
        room_ids=_ids(values.getlist("room")),
        thread_ids=_ids(values.getlist("thread")),
        since=parse_day(values.get("since")),
        until=parse_day(values.get("until"), end=True),
        statuses=statuses,
        tags=tags,
    )


def _opened(response: Response, name: str) -> Response:
    """The printable report opens in the browser, ready to print; the site's CSP stays, with its
    embedded stylesheet allowed by hash (the file itself must read the same when saved)."""
    response.headers.set("Content-Disposition", "inline", filename=name)
    response.headers["Cache-Control"] = "private, no-store"  # residents' words: not kept by the browser
    directives = [d.strip() for d in CSP.split(";") if d.strip() and not d.strip().startswith("style-src")]
    response.headers["Content-Security-Policy"] = "; ".join(
        [*directives, f"style-src 'self' {formats.report_style_source()}"]
    )
    return response


def _wants_page(fmt: str, values) -> bool:
    """A report is shown unless the download button was used; every other format is a file."""
    return fmt == "report" and not values.get("download")


@bp.route("/", methods=["GET", "POST"])
@require(Permission.EXPORT_OPINIONS)
def index():
    values = request.form if request.method == "POST" else request.args
    flt = _filter(values)
    rooms = exports.rooms_for(current_user)
    if flt.room_ids and not set(flt.room_ids) <= {room.id for room in rooms}:
        try:
            exports.check(current_user, flt)
        except ServiceError as error:
            abort(error.status if error.status in (403, 404) else 400)
    chosen = [room for room in rooms if room.id in flt.room_ids]
    if request.method == "POST":
        fmt = values.get("format", "")
        total = exports.selection.count(flt) if chosen else 0
        if fmt in formats.FORMATS and total >= current_app.config["EXPORT_BACKGROUND_FROM"]:
            try:
                job = export_jobs.queue(current_user, flt, fmt, total)
            except ServiceError as error:
                abort(error.status if error.status in (403, 404) else 400)
            return redirect(url_for("exports.job", job_id=job.id), code=303)
        try:
            suffix, mimetype = formats.FORMATS.get(fmt, ("", ""))
            name = exports.download_name(chosen, fmt) if fmt in formats.FORMATS else ""
            response = send_written(lambda path: exports.export(current_user, flt, fmt, path), suffix, mimetype, name)
        except ServiceError as error:
            flash(str(error.message), "error")
        else:
            return _opened(response, name) if _wants_page(fmt, values) else response
    tags = list(dict.fromkeys(t for room in chosen for t in tag_service.choices(room))) or list(STANDARD_TAGS)
    threads = [thread for room in chosen for thread in exports.threads_of(room)] if len(chosen) == 1 else []
    count = exports.selection.count(flt) if chosen else None
    return render_template(
        "exports/index.html",
        rooms=rooms,
        chosen=chosen,
        flt=flt,
        tags=tags,
        threads=threads,
        count=count,
        values=values,
        statuses=list(ThreadStatus),
        formats=formats.FORMATS,
        jobs=export_jobs.jobs_of(current_user),
        background_from=current_app.config["EXPORT_BACKGROUND_FROM"],
    )


def _job(job_id: int) -> ExportJob:
    """A job its owner (or anyone who may export all its rooms now) may see; others get 404."""
    job = found(db.session.get(ExportJob, job_id))
    if job.user_id != current_user.id:
        try:
            exports.check(current_user, export_jobs.filter_of(job))
        except ServiceError:
            abort(404)
    return job


@bp.get("/jobs/<int:job_id>")
@require(Permission.EXPORT_OPINIONS)
def job(job_id: int):
    return render_template("exports/job.html", job=_job(job_id), keep_days=current_app.config["EXPORT_KEEP_DAYS"])


@bp.get("/jobs/<int:job_id>/download")
@require(Permission.EXPORT_OPINIONS)
def job_download(job_id: int):
    job = _job(job_id)
    try:
        exports.check(current_user, export_jobs.filter_of(job))  # still allowed today?
    except ServiceError:
        abort(403)
    path = export_jobs.file_of(job)
    if path is None:
        abort(410 if job.state == JobState.EXPIRED else 404)
    response = send_file(
        path, mimetype=formats.FORMATS[job.format][1], as_attachment=True, download_name=job.download_name
    )
    return _opened(response, job.download_name) if _wants_page(job.format, request.args) else response
