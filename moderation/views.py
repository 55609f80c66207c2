"""Moderator pages: the review queue and the member list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum.extensions import db
from forum.forms import ActionForm
from forum.models import Post, PostState
from forum.permissions import ASSIGNABLE_ROLES, Permission, require
from forum.services import directory
from moderation import workflow

bp = Blueprint("moderation", __name__, url_prefix="/moderation")


@bp.get("/")
@require(Permission.MODERATE)
def queue():
    held = workflow.queue()
    return render_template("moderation/queue.html", posts=held, action_form=ActionForm(),
                           reasons={p.id: workflow.reasons_for(p) for p in held},
                           history={p.id: workflow.author_history(p.author) for p in held})


def _pending(post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    return post


@bp.post("/posts/<int:post_id>/approve")
@require(Permission.MODERATE)
def approve(post_id: int):
    post = _pending(post_id)
    if ActionForm().validate_on_submit():
        if post.state != PostState.PENDING:
            flash(_("This post was already decided."), "error")
        else:
            workflow.approve(current_user, post)
            flash(_("Published post #%(n)d of “%(title)s”.", n=post.number, title=post.thread.title), "success")
    return redirect(url_for("moderation.queue"), code=303)


@bp.post("/posts/<int:post_id>/reject")
@require(Permission.MODERATE)
def reject(post_id: int):
    post = _pending(post_id)
    reason = (request.form.get("reason") or "").strip()[:1000]
    if ActionForm().validate_on_submit():
        if not reason:
            flash(_("Tell the author why the post is not published."), "error")
        elif post.state != PostState.PENDING:
            flash(_("This post was already decided."), "error")
        else:
            workflow.reject(current_user, post, reason)
            flash(_("Post #%(n)d was not published; the author has been told why.", n=post.number), "success")
    return redirect(url_for("moderation.queue"), code=303)


@bp.get("/users")
@require(Permission.MODERATE)
def users():
    query = request.args.get("q", "")[:100]
    role = request.args.get("role", "")
    page = request.args.get("page", 1, type=int) or 1
    found, total = directory.find_users(query, role, page)
    return render_template("moderation/users.html", users=found, total=total, q=query,
                           role=role, page=page, page_size=directory.PAGE_SIZE,
                           roles=ASSIGNABLE_ROLES)
