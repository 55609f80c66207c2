"""The answer table page of a room: draft, approve, publish, download."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum.exports import formats
from forum.extensions import db
from forum.models import Reflection, Room
from forum.permissions import Permission, can, require
from forum.services import answer_tables
from forum.services.errors import ServiceError
from forum.text.refs import parse_refs
from forum.views.common import confirm_page, confirmed, found, send_written

bp = Blueprint("answer_tables", __name__, url_prefix="/rooms/<int:room_id>/answer-table")

DOWNLOADS = {
    "csv": (formats.write_answer_csv, ".csv", "text/csv"),
    "xlsx": (formats.write_answer_xlsx, ".xlsx", formats.FORMATS["xlsx"][1]),
    "html": (formats.write_answer_report, ".html", "text/html"),
}


def _room(room_id: int) -> Room:
    room = found(db.session.get(Room, room_id))
    if not can(current_user, Permission.ANSWER_OFFICIALLY, room):
        abort(403)
    return room


def _rows_from_form() -> list[answer_tables.RowInput]:
    """The rows as sent, in order; row n's ticked opinions come as ``pick-n``."""
    form = request.form
    columns = [form.getlist(name) for name in ("summary", "response", "reflection", "opinions")]
    count = min(len(c) for c in columns) if all(columns) else 0
    return [
        answer_tables.RowInput(*(c[i][:5000] for c in columns), picked=form.getlist(f"pick-{i + 1}")[:2000])
        for i in range(min(count, 400))
    ]


def _rows_of(table) -> list[answer_tables.RowInput]:
    return [answer_tables.RowInput(r.summary, r.response, r.reflection, r.refs) for r in table.rows]


def _page(room: Room, table, rows=None, errors=None, status: int = 200, intro: str | None = None):
    """The table page; a draft shows ``rows`` (as saved, or as just typed) plus empty ones."""
    rows = rows if rows is not None else (_rows_of(table) if table else [])
    blank = [answer_tables.RowInput("", "", "other", "") for _ in range(3)]
    groups: list = []
    by_groups = request.values.get("by") == "groups"
    if table is not None and (table.state == "draft" or errors):
        if by_groups:  # similar opinions together (MeCab and k-means: only when asked)
            groups = answer_tables.opinion_groups(room)
        else:
            by_thread: dict = {}
            for post in answer_tables.room_opinions(room):
                by_thread.setdefault(post.thread, []).append(post)
            groups = [(f"{thread.room_number}. {thread.title}", posts) for thread, posts in by_thread.items()]
    return render_template(
        "answer_tables/show.html",
        room=room,
        table=table,
        reflections=list(Reflection),
        rows=[*rows, *blank],
        errors=errors or {},
        groups=groups,
        by_groups=by_groups,
        intro=table.intro if intro is None and table else (intro or ""),
        chosen=[set(parse_refs(r.all_refs()).refs) for r in [*rows, *blank]],
    ), status


def _tell_drafted(added: int) -> None:
    flash(
        _("%(n)d rows were drafted from the groups of similar opinions. Rewrite them before approval.", n=added),
        "success",
    )


def _back(room: Room):
    return redirect(url_for("answer_tables.show", room_id=room.id), code=303)


@bp.get("/")
@require(Permission.ANSWER_OFFICIALLY)
def show(room_id: int):
    room = _room(room_id)
    return _page(room, answer_tables.table_of(room))


@bp.post("/<action>")
@require(Permission.ANSWER_OFFICIALLY)
def act(room_id: int, action: str):
    room = _room(room_id)
    table = answer_tables.table_of(room)
    try:
        if action == "start":
            answer_tables.start(current_user, room)
        elif table is None:
            abort(404)
        elif action == "save":
            typed = _rows_from_form()
            then = request.form.get("then")
            try:
                drafted = answer_tables.save(
                    current_user,
                    table,
                    request.form.get("intro", ""),
                    typed,
                    then=then if then in ("draft", "submit") else None,
                )
            except answer_tables.RowErrors as errors:
                db.session.rollback()
                return _page(room, table, typed, errors.rows, 422, intro=request.form.get("intro", "")[:5000])
            if then == "draft":
                _tell_drafted(drafted)
            elif then == "submit":
                flash(_("The table now waits for approval by another staff member."), "success")
            else:
                flash(_("The answer table was saved."), "success")
        elif action == "draft":
            _tell_drafted(answer_tables.draft_from_groups(current_user, table))
        elif action == "submit":
            answer_tables.submit(current_user, table)
            flash(_("The table now waits for approval by another staff member."), "success")
        elif action == "approve":
            answer_tables.approve(current_user, table)
            flash(_("The table is approved and can be published."), "success")
        elif action == "send-back":
            answer_tables.send_back(current_user, table, request.form.get("note", ""))
            flash(_("The table was sent back to draft."), "success")
        elif action == "publish":
            if not confirmed():
                return confirm_page(
                    _("Publish the answer table of “%(title)s”?", title=room.title),
                    [
                        _(
                            "The table is published on the room page for everyone to read, each row linked to the "
                            "opinions it answers."
                        ),
                        _(
                            "When the room still waits for its answer, the words above the table become the "
                            "department's answer and residents watching the room are told."
                        ),
                        _("A published table cannot be changed."),
                    ],
                    url_for("answer_tables.act", room_id=room.id, action="publish"),
                    _("Publish on the room page"),
                    url_for("answer_tables.show", room_id=room.id),
                )
            answer_tables.publish(current_user, table)
            flash(_("The answer table is published on the room page."), "success")
            return redirect(url_for("rooms.show", room_id=room.id, _anchor="answer-table"), code=303)
        else:
            abort(404)
    except ServiceError as error:
        if error.status == 403:
            abort(403)
        flash(str(error.message), "error")
    return _back(room)


@bp.get("/download.<fmt>")
@require(Permission.ANSWER_OFFICIALLY)
def download(room_id: int, fmt: str):
    room = _room(room_id)
    table = answer_tables.table_of(room) or abort(404)
    if fmt not in DOWNLOADS:
        abort(404)
    writer, suffix, mimetype = DOWNLOADS[fmt]
    return send_written(
        lambda path: writer(table, path), suffix, mimetype, f"hiroba-answer-table-room{room.id}{suffix}"
    )
