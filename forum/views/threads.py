"""A thread and its posts: read, reply, edit, withdraw, history, 共感, official status."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum.extensions import db
from forum.forms import ActionForm, EditPostForm, StatusForm
from forum.labels import THREAD_STATUS_NAMES
from forum.models import Post, Room, Thread, ThreadStatus
from forum.permissions import Permission, can, require
from forum.services import notifications, posts
from forum.services.errors import ServiceError
from forum.text.markup import render
from forum.ui import safe_next
from forum.views import guest_cache
from forum.views.common import db_id, found, member_form, page_arg, show_error
from forum.views.compose import compose_reply, held_message, take_outcome, to_post

bp = Blueprint("threads", __name__)


def _thread(thread_id: int) -> Thread:
    thread = found(db.session.get(Thread, thread_id))
    if not posts.can_read(current_user, thread):
        abort(404)
    return thread


def _post(post_id: int) -> Post:
    post = found(db.session.get(Post, post_id))
    _thread(post.thread_id)
    return post


@bp.get("/threads/<int:thread_id>")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.thread)
def show(thread_id: int):
    thread = _thread(thread_id)
    place = posts.place_of(thread)
    listing = posts.posts_page(thread, page_arg(), request.args.get("order", "oldest"))
    status_form = None
    if isinstance(place, Room) and can(current_user, Permission.ANSWER_OFFICIALLY, place):
        status_form = StatusForm(status=thread.status, note=thread.status_note)
        status_form.status.choices = [(s.value, str(THREAD_STATUS_NAMES[s])) for s in ThreadStatus]
    return render_template(
        "threads/show.html",
        thread=thread,
        place=place,
        listing=listing,
        reacted=posts.reacted_ids(current_user, listing.posts),
        action_form=member_form(),
        refusal=posts.refusal(current_user, place, thread),
        status_form=status_form,
        can_edit=lambda p: posts.can_edit(current_user, p),
        watching=notifications.is_watching(current_user, thread=thread),
        outcome=take_outcome(thread, (p.number for p in listing.posts)),
    )


@bp.get("/posts/<int:post_id>")
@require(Permission.VIEW_PUBLIC)
def permalink(post_id: int):
    post = _post(post_id)
    return redirect(
        url_for("threads.show", thread_id=post.thread_id, page=posts.page_of(post), _anchor=f"p{post.number}")
    )


@bp.route("/threads/<int:thread_id>/reply", methods=["GET", "POST"])
@require(Permission.PARTICIPATE)
def reply(thread_id: int):
    thread = _thread(thread_id)
    target_id = db_id(request.values.get("to")) or db_id(request.form.get("reply_to"))
    reply_to = db.session.get(Post, target_id) if target_id else None
    if reply_to is not None and (reply_to.thread_id != thread.id or not reply_to.is_public):
        reply_to = None
    return compose_reply(thread, reply_to)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@require(Permission.PARTICIPATE)
def edit(post_id: int):
    post = _post(post_id)
    if not posts.can_edit(current_user, post):
        abort(403)
    form = EditPostForm()
    if request.method == "GET":
        form.body.data = post.body
    if form.validate_on_submit() and form.submit.data:
        try:
            posts.edit(current_user, post, form.body.data)
        except ServiceError as error:
            show_error(form, error)
        else:
            return to_post(post, _("Your post has been updated.") if post.is_public else held_message())
    preview = render(form.body.data) if form.preview.data and form.body.data else None
    return render_template(
        "threads/edit.html", post=post, form=form, preview=preview, deadline=posts.edit_deadline(post)
    )


@bp.route("/posts/<int:post_id>/withdraw", methods=["GET", "POST"])
@require(Permission.PARTICIPATE)
def withdraw(post_id: int):
    post = _post(post_id)
    if post.author_id != current_user.id:
        abort(403)
    form = ActionForm()
    if form.validate_on_submit():
        posts.withdraw(current_user, post)
        return to_post(post, _("Your post has been withdrawn."))
    return render_template("threads/withdraw.html", post=post, form=form)


@bp.get("/posts/<int:post_id>/history")
@require(Permission.VIEW_PUBLIC)
def history(post_id: int):
    post = _post(post_id)
    if not post.is_public:
        abort(404)
    # after a moderator's redaction the earlier texts may hold what was removed: author and moderators only
    full = (
        not post.redacted_at
        or can(current_user, Permission.MODERATE)
        or (current_user.is_authenticated and post.author_id == current_user.id)
    )
    return render_template(
        "threads/history.html", post=post, revisions=post.revisions if full else [], withheld=not full
    )


@bp.post("/posts/<int:post_id>/react")
@require(Permission.PARTICIPATE)
def react(post_id: int):
    post = _post(post_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("threads.permalink", post_id=post.id), code=303)
    try:
        on = posts.toggle_reaction(current_user, post)
    except ServiceError as error:
        return to_post(post, str(error.message), "error")
    return to_post(
        post,
        _("You agreed with post #%(n)d.", n=post.number)
        if on
        else _("You took back your agreement with post #%(n)d.", n=post.number),
    )


@bp.post("/threads/<int:thread_id>/status")
@require(Permission.ANSWER_OFFICIALLY)
def status(thread_id: int):
    thread = _thread(thread_id)
    form = StatusForm()
    form.status.choices = [(s.value, s.value) for s in ThreadStatus]
    if form.validate_on_submit():
        try:
            posts.set_status(current_user, thread, form.status.data, form.note.data)
        except ServiceError as error:
            if error.status == 403:
                abort(403)
            show_error(None, error)
        else:
            flash(
                _("The status is now “%(status)s”.", status=THREAD_STATUS_NAMES[ThreadStatus(thread.status)]), "success"
            )
    else:
        flash(_("Choose a status."), "error")
    return redirect(url_for("threads.show", thread_id=thread.id), code=303)


@bp.post("/threads/<int:thread_id>/watch")
@require(Permission.MANAGE_OWN_ACCOUNT)
def watch(thread_id: int):
    thread = _thread(thread_id)
    if ActionForm().validate_on_submit():
        on = notifications.toggle_watch(current_user, thread=thread)
        flash(
            _("You will be told about new posts in this thread.") if on else _("You no longer watch this thread."),
            "success",
        )
    return redirect(safe_next(request.form.get("next"), url_for("threads.show", thread_id=thread.id)), code=303)
