"""Bulletin boards: listing, a board's threads, new threads, members, creating boards."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum.extensions import db
from forum.forms import ActionForm, BoardForm, MemberForm
from forum.labels import BOARD_KIND_NAMES
from forum.models import Board, BoardKind, User
from forum.permissions import Permission, can, ensure, require
from forum.services import accounts, boards, posts
from forum.services.errors import ServiceError
from forum.views import guest_cache
from forum.views.common import found, page_arg, show_error
from forum.views.compose import compose_thread

bp = Blueprint("boards", __name__, url_prefix="/boards")


def _board(board_id: int) -> Board:
    board = found(db.session.get(Board, board_id))
    if not boards.can_view(current_user, board):
        abort(404)  # the staff board's existence is not told to others
    return board


@bp.get("/")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.everything)
def index():
    return render_template("boards/index.html", boards=boards.visible_boards(current_user))


@bp.get("/<int:board_id>")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.board)
def show(board_id: int):
    board = _board(board_id)
    threads, total = posts.threads_of(board, page_arg())
    return render_template(
        "boards/show.html",
        board=board,
        threads=threads,
        total=total,
        page=page_arg(),
        per_page=current_app.config["THREADS_PER_PAGE"],
        refusal=posts.refusal(current_user, board),
        may_manage=can(current_user, Permission.MANAGE_BOARD_MEMBERS, board),
    )


@bp.route("/<int:board_id>/threads/new", methods=["GET", "POST"])
@require(Permission.PARTICIPATE)
def new_thread(board_id: int):
    board = _board(board_id)
    return compose_thread(board, url_for("boards.show", board_id=board.id))


@bp.route("/<int:board_id>/members", methods=["GET", "POST"])
@require(Permission.MANAGE_BOARD_MEMBERS)
def members(board_id: int):
    board = _board(board_id)
    ensure(Permission.MANAGE_BOARD_MEMBERS, board)
    form = MemberForm()
    if form.validate_on_submit():
        user = accounts.user_by_handle(form.handle.data)
        if user is None:
            form.handle.errors = [_("No user has this handle name.")]
        else:
            try:
                boards.set_member(board, user, member=True, owner=form.owner.data)
            except ServiceError as error:
                show_error(form, error)
            else:
                flash(_("%(handle)s is now a member.", handle=user.handle), "success")
                return redirect(url_for("boards.members", board_id=board.id), code=303)
    return render_template("boards/members.html", board=board, form=form, remove_form=ActionForm())


@bp.post("/<int:board_id>/members/<int:user_id>/remove")
@require(Permission.MANAGE_BOARD_MEMBERS)
def remove_member(board_id: int, user_id: int):
    board = _board(board_id)
    ensure(Permission.MANAGE_BOARD_MEMBERS, board)
    user = found(db.session.get(User, user_id))
    if ActionForm().validate_on_submit():
        try:
            boards.set_member(board, user, member=False)
        except ServiceError as error:
            show_error(None, error)
        else:
            flash(_("%(handle)s is no longer a member.", handle=user.handle), "success")
    return redirect(url_for("boards.members", board_id=board.id), code=303)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.MANAGE_BOARDS)
def create():
    form = BoardForm()
    form.kind.choices = [(k.value, str(BOARD_KIND_NAMES[k])) for k in BoardKind]
    if form.validate_on_submit():
        owners = []
        if form.owner.data:
            owner = accounts.user_by_handle(form.owner.data)
            if owner is None:
                form.owner.errors = [_("No user has this handle name.")]
            owners = [owner] if owner else []
        if not form.owner.errors:
            try:
                board = boards.create_board(form.name.data, form.description.data, form.kind.data, owners)
            except ServiceError as error:
                show_error(form, error)
            else:
                flash(_("The board “%(name)s” was created.", name=board.name), "success")
                return redirect(url_for("boards.show", board_id=board.id), code=303)
    return render_template("boards/new.html", form=form), 422 if request.method == "POST" else 200
