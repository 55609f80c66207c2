"""Conference rooms: listing, the room page, creating, proposing, reviewing, report, answer."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum import clock
from forum.extensions import db
from forum.forms import ActionForm, AnswerForm, DeclineForm, ReportForm, RoomForm
from forum.models import Area, Department, Room, RoomState, User
from forum.permissions import Permission, Role, ensure, require, role_of
from forum.services import answer_tables, deadlines, notifications, posts, rooms
from forum.services.errors import ServiceError
from forum.ui import safe_next
from forum.views import guest_cache
from forum.views.common import confirm_page, confirmed, db_id, found, member_form, page_arg, show_error
from forum.views.compose import compose_thread

bp = Blueprint("rooms", __name__, url_prefix="/rooms")


def _room(room_id: int) -> Room:
    room = found(rooms.get(room_id))
    if not rooms.is_visible(room, current_user):
        abort(404)
    return room


@bp.get("/")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.everything)
def index():
    area = request.args.get("area")
    area = area if area in {a.value for a in Area} else None
    listed = rooms.public_rooms(area)
    return render_template("rooms/index.html", rooms=listed, area=area, counts=rooms.thread_counts(listed))


@bp.get("/<int:room_id>")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.room)
def show(room_id: int):
    room = _room(room_id)
    threads, total = posts.threads_of(room, page_arg())
    return render_template(
        "rooms/show.html",
        room=room,
        threads=threads,
        total=total,
        page=page_arg(),
        per_page=current_app.config["THREADS_PER_PAGE"],
        refusal=posts.refusal(current_user, room),
        action_form=member_form(),
        watching=notifications.is_watching(current_user, room=room),
        answer_table=answer_tables.published_table(room),
        deadline=deadlines.of(room),
    )


@bp.get("/<int:room_id>/easy")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.room)
def easy(room_id: int):
    """The room in やさしい日本語, with ふりがな always: for children and residents learning Japanese."""
    room = _room(room_id)
    if not room.easy_summary:
        abort(404)
    return render_template("rooms/easy.html", room=room)


@bp.route("/<int:room_id>/threads/new", methods=["GET", "POST"])
@require(Permission.PARTICIPATE)
def new_thread(room_id: int):
    room = _room(room_id)
    return compose_thread(room, url_for("rooms.show", room_id=room.id))


# ---------------------------------------------------------------- creating and proposing


def _fill_choices(form: RoomForm, department_required: bool) -> None:
    departments = db.session.scalars(db.select(Department).order_by(Department.name)).all()
    if role_of(current_user) is Role.STAFF:
        departments = [d for d in departments if d.id == current_user.department_id]
    form.department_id.choices = ([] if department_required else [(0, "—")]) + [(d.id, d.name) for d in departments]
    form.coordinators.choices = [(u.id, u.handle) for u in rooms.coordinator_candidates()]


def _draft(form: RoomForm) -> rooms.RoomDraft:
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return rooms.RoomDraft(
        title=form.title.data,
        purpose=form.purpose.data,
        posting_rules=form.posting_rules.data,
        handling=form.handling.data,
        opens_at=clock.from_local(form.opens_at.data, tz),
        closes_at=clock.from_local(form.closes_at.data, tz),
        department_id=db_id(form.department_id.data) if "department_id" in form else None,
        answer_days=form.answer_days.data or 30,
        easy_summary=form.easy_summary.data or "",
    )


def _chosen_coordinators(form: RoomForm) -> list[User]:
    ids = [i for i in map(db_id, form.coordinators.data or []) if i]
    return list(db.session.scalars(db.select(User).where(User.id.in_(ids), User.role == "coordinator")))


def _prefill_defaults(form: RoomForm) -> None:
    if request.method == "GET":
        form.posting_rules.data = form.posting_rules.data or rooms.DEFAULT_POSTING_RULES
        form.handling.data = form.handling.data or rooms.DEFAULT_HANDLING


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.CREATE_CITY_ROOM)
def create():
    form = RoomForm()
    _fill_choices(form, department_required=True)
    _prefill_defaults(form)
    if form.validate_on_submit():
        try:
            room = rooms.create_city_room(current_user, _draft(form), _chosen_coordinators(form))
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("The room “%(title)s” is open.", title=room.title), "success")
            return redirect(url_for("rooms.show", room_id=room.id), code=303)
    return render_template(
        "rooms/form.html", form=form, heading=_("Create a city hall room"), intro=None
    ), 200 if not form.errors else 422


@bp.route("/propose", methods=["GET", "POST"])
@require(Permission.PARTICIPATE)
def propose():
    form = RoomForm()
    del form.department_id, form.coordinators
    _prefill_defaults(form)
    if form.validate_on_submit():
        try:
            room = rooms.propose_room(current_user, _draft(form))
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(
                _("Thank you. Your proposal has been sent to the moderators, who will open it or tell you why not."),
                "success",
            )
            return redirect(url_for("rooms.show", room_id=room.id), code=303)
    return render_template(
        "rooms/form.html",
        form=form,
        heading=_("Propose a room"),
        intro=_("Propose a theme for the citizen area. A moderator checks that it fits the site rules and opens it."),
    ), 200 if not form.errors else 422


@bp.get("/proposals")
@require(Permission.REVIEW_ROOM_PROPOSALS)
def proposals():
    return render_template("rooms/proposals.html", rooms=rooms.proposals())


@bp.route("/<int:room_id>/review", methods=["GET", "POST"])
@require(Permission.REVIEW_ROOM_PROPOSALS)
def review(room_id: int):
    room = _room(room_id)
    if room.state != RoomState.PROPOSED:
        flash(_("This proposal has already been decided."), "error")
        return redirect(url_for("rooms.show", room_id=room.id))
    form = RoomForm(obj=room if request.method == "GET" else None)
    decline_form = DeclineForm(prefix="decline")
    _fill_choices(form, department_required=False)
    if request.method == "GET":
        tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
        form.opens_at.data = clock.to_local(room.opens_at, tz).replace(tzinfo=None)
        form.closes_at.data = clock.to_local(room.closes_at, tz).replace(tzinfo=None)
        form.department_id.data = room.department_id or 0
    elif "decline-submit" in request.form:
        if decline_form.validate_on_submit():
            try:
                rooms.decline(room, decline_form.reason.data, actor=current_user)
            except ServiceError as error:
                show_error(decline_form, error)
            else:
                flash(_("The proposal was declined; the proposer sees your reason."), "success")
                return redirect(url_for("rooms.proposals"), code=303)
    elif form.validate_on_submit():
        try:
            rooms.approve(room, _draft(form), _chosen_coordinators(form), actor=current_user)
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("The room “%(title)s” is open.", title=room.title), "success")
            return redirect(url_for("rooms.show", room_id=room.id), code=303)
    return render_template("rooms/review.html", room=room, form=form, decline_form=decline_form)


@bp.route("/<int:room_id>/close", methods=["GET", "POST"])
@require(Permission.ANSWER_OFFICIALLY)
def close(room_id: int):
    room = _room(room_id)
    ensure(Permission.ANSWER_OFFICIALLY, room)
    if not (confirmed() and ActionForm().validate_on_submit()):
        return confirm_page(
            _("Close “%(title)s” now?", title=room.title),
            [
                _("Residents can no longer post in this room; what they wrote stays readable."),
                _("The coordinators are told and can write the room report."),
                _("This cannot be undone."),
            ],
            url_for("rooms.close", room_id=room.id),
            _("Close the room now"),
            url_for("rooms.show", room_id=room.id),
        )
    try:
        rooms.close_now(room)
    except ServiceError as error:
        show_error(None, error)
    else:
        flash(_("The room is closed. The coordinators were told and can now write the report."), "success")
    return redirect(url_for("rooms.show", room_id=room.id), code=303)


# ---------------------------------------------------------------- report and answer


@bp.route("/<int:room_id>/report", methods=["GET", "POST"])
@require(Permission.COORDINATE_ROOM)
def report(room_id: int):
    room = _room(room_id)
    ensure(Permission.COORDINATE_ROOM, room)
    form = ReportForm()
    if request.method == "GET" and room.report is not None:
        form.body.data = room.report.body
    if form.validate_on_submit():
        submitting = bool(form.submit.data) or confirmed()
        try:
            rooms.save_report(room, current_user, form.body.data, submit=submitting and confirmed())
        except ServiceError as error:
            show_error(form, error)
        else:
            if submitting and not confirmed():  # saved as a draft; now show exactly what will be sent
                return confirm_page(
                    _("Submit the report of “%(title)s”?", title=room.title),
                    [
                        _("The report is published on the room page and sent to the department in charge."),
                        _("The department's staff are told and answer it by the due date."),
                        _("After submitting, the report cannot be changed."),
                    ],
                    url_for("rooms.report", room_id=room.id),
                    _("Submit to the department"),
                    url_for("rooms.report", room_id=room.id),
                    preview=form.body.data,
                    fields={"body": form.body.data},
                    back_label=_("Go back and edit (the draft is saved)"),
                )
            if submitting:
                flash(_("The report was submitted to the department."), "success")
                return redirect(url_for("rooms.show", room_id=room.id), code=303)
            flash(_("The draft was saved."), "success")
            return redirect(url_for("rooms.report", room_id=room.id), code=303)
    return render_template("rooms/report.html", room=room, form=form)


@bp.route("/<int:room_id>/answer", methods=["GET", "POST"])
@require(Permission.ANSWER_OFFICIALLY)
def answer(room_id: int):
    room = _room(room_id)
    ensure(Permission.ANSWER_OFFICIALLY, room)
    form = AnswerForm()
    if form.validate_on_submit():
        if request.form.get("back") == "1":  # from the confirmation: the text again, to edit
            return render_template("rooms/answer.html", room=room, form=form)
        if not confirmed():
            if (form.body.data or "").strip():
                return confirm_page(
                    _("Publish the department's answer to “%(title)s”?", title=room.title),
                    [
                        _("The answer is published on the room page for everyone to read."),
                        _("Residents watching this room are told."),
                        _("This cannot be undone."),
                    ],
                    url_for("rooms.answer", room_id=room.id),
                    _("Publish the answer"),
                    "",
                    preview=form.body.data,
                    fields={"body": form.body.data},
                    back_label=_("Go back and edit"),
                )
            show_error(form, ServiceError(_("Write the answer before publishing it."), "body"))
            return render_template("rooms/answer.html", room=room, form=form), 422
        try:
            rooms.publish_answer(room, current_user, form.body.data)
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("The department's answer is published."), "success")
            return redirect(url_for("rooms.show", room_id=room.id, _anchor="answer"), code=303)
    return render_template("rooms/answer.html", room=room, form=form)


@bp.post("/<int:room_id>/watch")
@require(Permission.MANAGE_OWN_ACCOUNT)
def watch(room_id: int):
    room = _room(room_id)
    if ActionForm().validate_on_submit():
        on = notifications.toggle_watch(current_user, room=room)
        flash(
            _("You will be told about new threads and the answer of this room.")
            if on
            else _("You no longer watch this room."),
            "success",
        )
    return redirect(safe_next(request.form.get("next"), url_for("rooms.show", room_id=room.id)), code=303)
