"""Letters to the city: write one, read it and its reply; staff read and answer theirs."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum.extensions import db
from forum.forms import LetterForm, LetterReplyForm
from forum.labels import LETTER_STATUS_NAMES
from forum.models import Department, Letter, LetterStatus
from forum.permissions import Permission, Role, can, require, role_of
from forum.services import letters
from forum.services.errors import ServiceError
from forum.views.common import db_id, found, rate_limit, show_error

bp = Blueprint("letters", __name__, url_prefix="/letters")


def _letter(letter_id: int) -> Letter:
    letter = found(db.session.get(Letter, letter_id))
    if not letters.can_read(current_user, letter):
        abort(404)  # a letter's existence is private too
    return letter


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.PARTICIPATE)
@rate_limit("RATELIMIT_MAIL")
def new():
    form = LetterForm()
    form.department_id.choices = [
        (d.id, d.name) for d in db.session.scalars(db.select(Department).order_by(Department.name))
    ]
    if request.method == "GET" and request.args.get("department"):
        form.department_id.data = db_id(request.args.get("department"))
    if form.validate_on_submit():
        try:
            letter = letters.send(current_user, db_id(form.department_id.data), form.subject.data, form.body.data)
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(
                _(
                    "Your letter has been sent to %(department)s. You will find the reply in My page.",
                    department=letter.department.name,
                ),
                "success",
            )
            return redirect(url_for("letters.show", letter_id=letter.id), code=303)
    return render_template("letters/new.html", form=form), 422 if form.errors else 200


@bp.route("/<int:letter_id>", methods=["GET", "POST"])
@require(Permission.MANAGE_OWN_ACCOUNT)
def show(letter_id: int):
    letter = _letter(letter_id)
    form = None
    if letter.author_id != current_user.id and can(current_user, Permission.HANDLE_LETTERS, letter):
        form = LetterReplyForm(status=letter.status, reply=letter.reply)
        form.status.choices = [(s.value, str(LETTER_STATUS_NAMES[s])) for s in LetterStatus]
    if request.method == "POST":
        if form is None:
            abort(403)
        if form.validate_on_submit():
            try:
                letters.answer(current_user, letter, form.reply.data, form.status.data)
            except ServiceError as error:
                show_error(form, error)
            else:
                flash(_("Saved. The resident sees the status and the reply in My page."), "success")
                return redirect(url_for("letters.show", letter_id=letter.id), code=303)
    return render_template("letters/show.html", letter=letter, form=form)


@bp.get("/inbox")
@require(Permission.HANDLE_LETTERS)
def inbox():
    everything = role_of(current_user) is Role.ADMIN
    return render_template("letters/inbox.html", letters=letters.of_department(current_user.department_id, everything))
