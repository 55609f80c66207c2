"""Coordinators and moderators sort a room's opinions with tags, for the department's export."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum.extensions import db
from forum.models import Post, Room
from forum.permissions import Permission, can, require
from forum.services import tags
from forum.services.errors import ServiceError
from forum.views.common import found, page_arg

bp = Blueprint("opinions", __name__)


def _room(room_id: int) -> Room:
    room = found(db.session.get(Room, room_id))
    if not can(current_user, Permission.TAG_OPINIONS, room):
        abort(403)
    return room


@bp.get("/rooms/<int:room_id>/opinions")
@require(Permission.TAG_OPINIONS)
def index(room_id: int):
    room = _room(room_id)
    page = page_arg()
    posts, total = tags.opinions(room, page)
    return render_template(
        "opinions/index.html",
        room=room,
        posts=posts,
        total=total,
        page=page,
        pages=max(1, -(-total // 50)),
        tags_of=tags.tags_of(posts),
        choices=tags.choices(room),
    )


@bp.post("/posts/<int:post_id>/tags")
@require(Permission.TAG_OPINIONS)
def set_tags(post_id: int):
    post = found(db.session.get(Post, post_id))
    labels = [*request.form.getlist("tag"), request.form.get("new_tag", "")]
    try:
        tags.set_tags(current_user, post, labels)
    except ServiceError as error:
        if error.status in (403, 404):
            abort(error.status)
        flash(str(error.message), "error")
    else:
        flash(_("Tags saved."), "success")
    room_id = post.thread.room_id
    return redirect(
        url_for("opinions.index", room_id=room_id, page=request.form.get("page", 1, type=int)) + f"#opinion-{post.id}",
        code=303,
    )


@bp.post("/rooms/<int:room_id>/tag-choices")
@require(Permission.TAG_OPINIONS)
def set_choices(room_id: int):
    room = _room(room_id)
    try:
        tags.set_choices(current_user, room, request.form.get("choices", "")[:2000])
    except ServiceError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The room's tags were saved."), "success")
    return redirect(url_for("opinions.index", room_id=room.id), code=303)
