"""My page: my posts, reactions, watches, letters, notifications, my data, leaving."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum import clock
from forum.extensions import db
from forum.forms import ActionForm, DeleteAccountForm, NotificationSettingsForm
from forum.labels import NOTIFY_MODE_NAMES
from forum.models import NotifyMode, Post, Reaction, Room, Thread, Watch
from forum.permissions import Permission, require
from forum.services import letters, notifications, privacy
from forum.services.errors import ServiceError
from forum.views.common import show_error

bp = Blueprint("mypage", __name__, url_prefix="/me")


@bp.get("/")
@require(Permission.MANAGE_OWN_ACCOUNT)
def index():
    my_posts = db.session.scalars(
        select(Post)
        .where(Post.author_id == current_user.id)
        .options(selectinload(Post.thread))
        .order_by(Post.id.desc())
        .limit(100)
    ).all()
    reacted = db.session.scalars(
        select(Post)
        .join(Reaction, Reaction.post_id == Post.id)
        .where(Reaction.user_id == current_user.id)
        .options(selectinload(Post.thread), selectinload(Post.author))
        .order_by(Reaction.created_at.desc())
        .limit(100)
    ).all()
    watches = db.session.execute(
        select(Watch, Room, Thread)
        .outerjoin(Room, Watch.room_id == Room.id)
        .outerjoin(Thread, Watch.thread_id == Thread.id)
        .where(Watch.user_id == current_user.id)
        .order_by(Watch.id.desc())
    ).all()
    return render_template(
        "mypage/index.html",
        my_posts=my_posts,
        reacted=reacted,
        watches=watches,
        letters=letters.of_author(current_user),
        action_form=ActionForm(),
    )


@bp.route("/notifications", methods=["GET", "POST"], endpoint="notifications")
@require(Permission.MANAGE_OWN_ACCOUNT)
def notifications_view():
    form = NotificationSettingsForm(notify_mode=current_user.notify_mode)
    form.notify_mode.choices = [(m.value, str(NOTIFY_MODE_NAMES[m])) for m in NotifyMode]
    if form.validate_on_submit():
        notifications.set_mode(current_user, NotifyMode(form.notify_mode.data))
        flash(_("Your notification setting is saved."), "success")
        return redirect(url_for("mypage.notifications"), code=303)
    notes = notifications.recent(current_user)
    return render_template("mypage/notifications.html", form=form, notes=notes, action_form=ActionForm())


@bp.post("/notifications/read")
@require(Permission.MANAGE_OWN_ACCOUNT)
def notifications_read():
    """「すべて既読にする」: a button, since looking at a page never changes anything."""
    if ActionForm().validate_on_submit():
        notifications.mark_all_read(current_user)
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("mypage.notifications"), code=303)


@bp.get("/data")
@require(Permission.MANAGE_OWN_ACCOUNT)
def data_page():
    """All my data as a page a resident reads and prints: the same data as the JSON download."""
    return render_template("mypage/data.html", data=privacy.my_data(current_user))


@bp.get("/data.json")
@require(Permission.MANAGE_OWN_ACCOUNT)
def download():
    data = json.dumps(privacy.as_json(privacy.my_data(current_user)), ensure_ascii=False, indent=2)
    name = f"hiroba-my-data-{clock.now():%Y%m%d}.json"
    return Response(
        data, mimetype="application/json", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/delete", methods=["GET", "POST"])
@require(Permission.MANAGE_OWN_ACCOUNT)
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(current_user._get_current_object(), form.current_password.data)
        except ServiceError as error:
            show_error(form, error)
        else:
            logout_user()
            flash(_("Your account has been deleted. Thank you for taking part."), "success")
            return redirect(url_for("main.home"), code=303)
    return render_template("mypage/delete.html", form=form), 422 if request.method == "POST" else 200
