"""Moderator pages (the review queue, flags, rules, audit log, members and sanctions, appeals, thread
tools, redaction) and the public transparency page. Thin: each calls one use case in ``moderation``."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from forum import clock
from forum.exports.cells import excel_safe
from forum.extensions import db
from forum.forms import ActionForm, FlagForm, RuleForm, SanctionForm
from forum.labels import (
    FLAG_REASON_NAMES,
    RULE_ACTION_NAMES,
    RULE_KIND_NAMES,
    SANCTION_NAMES,
    action_choices,
    action_label,
    ordered_actions,
)
from forum.models import Board, Post, PostState, Room, Thread, User
from forum.permissions import ASSIGNABLE_ROLES, Permission, require
from forum.services import directory
from forum.services import posts as posts_service
from forum.services import rooms as rooms_service
from forum.services.errors import ServiceError
from forum.views.common import db_id, page_arg, show_error
from moderation import appeals, flags, gate, queue, rules_admin, sanctions
from moderation import rules as engine
from moderation import thread_tools as tools
from moderation import transparency as published
from moderation.models import Appeal, AuditEntry, FlagOutcome, FlagReason, ModerationRule, Sanction, SanctionKind

bp = Blueprint("moderation", __name__, url_prefix="/moderation")


@bp.get("/", endpoint="queue")
@require(Permission.MODERATE)
def queue_page():
    page = queue.load_page(current_user, page_arg())
    return render_template(
        "moderation/queue.html",
        queue=page,
        action_form=ActionForm(),
        proposals=rooms_service.proposals(),
        flag_names=FLAG_REASON_NAMES,
    )


@bp.route("/flag/<int:post_id>", methods=["GET", "POST"])
@require(Permission.PARTICIPATE)
def flag(post_id: int):
    post = _pending(post_id)
    if not posts_service.can_read(current_user, post.thread) or not post.is_public:
        abort(404)
    if post.author_id == current_user.id:
        abort(403)
    form = FlagForm()
    form.reason.choices = [(r.value, str(n)) for r, n in FLAG_REASON_NAMES.items() if r is not FlagReason.RULES]
    if form.validate_on_submit():
        try:
            outcome = flags.flag_post(
                current_user, post, form.reason.data, form.note.data, current_app.config["FLAG_HIDE_THRESHOLD"]
            )
        except ServiceError as error:
            if error.status == 404:
                abort(404)
            show_error(form, error)
        else:
            flash(
                _("The post is hidden now.")
                if outcome is FlagOutcome.HIDDEN_BY_MODERATOR
                else _("Thank you. The moderators will look at this post."),
                "success",
            )
            return redirect(url_for("threads.permalink", post_id=post.id), code=303)
    return render_template("moderation/flag.html", post=post, form=form), 422 if form.errors else 200


@bp.post("/posts/<int:post_id>/hide")
@require(Permission.MODERATE)
def hide(post_id: int):
    post = _pending(post_id)
    reason = (request.form.get("reason") or "").strip()[:1000]
    if ActionForm().validate_on_submit():
        if not reason:
            flash(_("Tell the author why the post is hidden."), "error")
        else:
            flags.hide(current_user, post, reason)
            flash(_("Post #%(n)d is hidden; the author has been told why.", n=post.number), "success")
    return redirect(
        (request.form.get("next") == "thread" and url_for("threads.permalink", post_id=post.id))
        or url_for("moderation.queue"),
        code=303,
    )


@bp.post("/posts/<int:post_id>/restore")
@require(Permission.MODERATE)
def restore(post_id: int):
    post = _pending(post_id)
    if ActionForm().validate_on_submit():
        if post.state == PostState.HIDDEN:
            flags.restore(current_user, post, (request.form.get("reason") or "").strip()[:1000])
            flash(_("Post #%(n)d is visible again.", n=post.number), "success")
        else:
            flags.dismiss_flags(current_user, post)
            flash(_("The flags on post #%(n)d were dismissed.", n=post.number), "success")
    return redirect(url_for("moderation.queue"), code=303)


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
            queue.approve(current_user, post)
            flash(_("Published post #%(n)d of “%(title)s”.", n=post.number, title=post.thread.title), "success")
    return redirect(url_for("moderation.queue", _anchor="queue"), code=303)  # the next Tab goes into the list


@bp.post("/bulk")
@require(Permission.MODERATE)
def bulk():
    """Publish or refuse several held posts at once."""
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = [i for i in map(db_id, request.form.getlist("ids")[:500]) if i]
    action = request.form.get("action")
    reason = (request.form.get("reason") or "").strip()[:1000]
    if not ids:
        flash(_("Select at least one item."), "error")
    elif action == "reject" and not reason:
        flash(_("Tell the author why the post is not published."), "error")
    elif action in ("approve", "reject"):
        done = queue.decide_many(current_user, ids, publish=action == "approve", reason=reason)
        flash(ngettext("%(num)d post done.", "%(num)d posts done.", done), "success")
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
            queue.reject(current_user, post, reason)
            flash(_("Post #%(n)d was not published; the author has been told why.", n=post.number), "success")
    return redirect(url_for("moderation.queue"), code=303)


@bp.get("/users")
@require(Permission.MODERATE)
def users():
    query = request.args.get("q", "")[:100]
    role = request.args.get("role", "")
    page = request.args.get("page", 1, type=int) or 1
    found, total = directory.find_users(query, role, page)
    return render_template(
        "moderation/users.html",
        users=found,
        total=total,
        q=query,
        role=role,
        page=page,
        page_size=directory.PAGE_SIZE,
        roles=ASSIGNABLE_ROLES,
    )


# ---------------------------------------------------------------- rules


def _rule_form(rule=None) -> RuleForm:
    form = RuleForm(obj=rule) if request.method == "GET" and rule is not None else RuleForm()
    form.kind.choices = [(k.value, str(RULE_KIND_NAMES[k])) for k in engine.Kind]
    form.action.choices = [(a.value, str(RULE_ACTION_NAMES[a])) for a in engine.Action if a is not engine.Action.ALLOW]
    form.room_id.choices = [(0, str(_("The whole site")))] + [
        (r.id, r.title) for r in db.session.scalars(select(Room).order_by(Room.id.desc()))
    ]
    if request.method == "GET" and rule is not None:
        form.room_id.data = rule.room_id or 0
        form.params.data = "\n".join(f"{k} = {v}" for k, v in (rule.params or {}).items())
    elif request.method == "GET":
        form.kind.data, form.action.data = engine.Kind.WORDS.value, engine.Action.HOLD.value
    return form


@bp.route("/rules", methods=["GET", "POST"])
@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@require(Permission.MODERATE)
def rules(rule_id: int | None = None):
    rule = db.session.get(ModerationRule, rule_id) if rule_id is not None else None
    if rule_id is not None and rule is None:
        abort(404)
    form = _rule_form(rule)
    if form.validate_on_submit():
        try:
            saved = rules_admin.save_rule(
                current_user,
                rule,
                kind=form.kind.data,
                action=form.action.data,
                name=form.name.data,
                patterns=form.patterns.data,
                regex=form.regex.data,
                room_id=db_id(form.room_id.data),
                params=form.params.data,
                enabled=form.enabled.data,
            )
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(
                _("The rule “%(name)s” is saved.", name=saved.name or RULE_KIND_NAMES[engine.Kind(saved.kind)]),
                "success",
            )
            return redirect(url_for("moderation.rules"), code=303)
    text = request.args.get("text", "")[:8000]
    trial = None
    if text:
        trial = rules_admin.try_text(
            text, request.args.get("title", "")[:200], db_id(request.args.get("room")), request.args.get("new") == "1"
        )
    return render_template(
        "moderation/rules.html",
        rules=rules_admin.all_rules(),
        form=form,
        editing=rule,
        trial=trial,
        text=text,
        explain=gate.explain,
        kind_names=RULE_KIND_NAMES,
        action_names=RULE_ACTION_NAMES,
    ), 422 if form.errors else 200


# ---------------------------------------------------------------- the audit log


@bp.get("/audit")
@require(Permission.MODERATE)
def audit():
    action = request.args.get("action", "")[:40]
    actor = request.args.get("actor", "")[:30]
    page = page_arg()
    entries, total = published.audit_entries(action, actor, page)
    return render_template(
        "moderation/audit.html",
        entries=entries,
        total=total,
        page=page,
        action=action,
        actor=actor,
        pages=max(1, -(-total // 100)),
        action_choices=action_choices(),
        reason_of=published.entry_reason,
    )


@bp.get("/audit.csv")
@require(Permission.EXPORT_AUDIT_LOG)
def audit_csv():
    """Every entry, oldest first, as CSV that opens in Japanese Excel (UTF-8 with BOM, CRLF).
    The code columns stay for machines; the label is appended last so their positions stay put."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "id",
            "created_at",
            "actor_id",
            "actor",
            "action",
            "target_type",
            "target_id",
            "reason",
            "details",
            "action_label",
        ]
    )
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(500):
        writer.writerow(
            [
                entry.id,
                entry.created_at.isoformat(),
                entry.actor_id or "",
                excel_safe(entry.actor_handle),
                entry.action,
                entry.target_type,
                entry.target_id or "",
                excel_safe(entry.reason),
                excel_safe(json.dumps(entry.details, ensure_ascii=False)),
                action_label(entry.action),
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="hiroba-audit-log.csv"'},
    )


# ---------------------------------------------------------------- a member and their sanctions


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(Permission.MODERATE)
def member(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = SanctionForm()
    form.kind.choices = [(k.value, str(n)) for k, n in SANCTION_NAMES.items()]
    if request.method == "GET":
        form.days.data = sanctions.suggested_days(user)
        form.kind.data = SanctionKind.SILENCE.value
    if form.validate_on_submit():
        try:
            sanctions.sanction(current_user, user, form.kind.data, form.days.data, form.reason.data)
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(_("Applied to %(handle)s; they have been told why.", handle=user.handle), "success")
            return redirect(url_for("moderation.member", user_id=user.id), code=303)
    return render_template(
        "moderation/member.html",
        member=user,
        form=form,
        action_form=ActionForm(),
        sanctions=sanctions.sanctions_of(user),
        history=queue.author_history(user),
        sanction_names=SANCTION_NAMES,
        now=clock.now(),
    ), 422 if form.errors else 200


@bp.post("/sanctions/<int:sanction_id>/lift")
@require(Permission.MODERATE)
def lift(sanction_id: int):
    record = db.session.get(Sanction, sanction_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            sanctions.lift(current_user, record, request.form.get("reason", "")[:2000])
        except ServiceError as error:
            show_error(None, error)
        else:
            flash(_("The sanction is lifted."), "success")
    return redirect(url_for("moderation.member", user_id=record.user_id), code=303)


# ---------------------------------------------------------------- appeals


@bp.route("/appeal/<int:post_id>", methods=["GET", "POST"])
@require(Permission.MANAGE_OWN_ACCOUNT)
def appeal(post_id: int):
    post = _pending(post_id)
    if post.author_id != current_user.id:
        abort(404)
    existing = appeals.appeal_of(post)
    if request.method == "POST" and ActionForm().validate_on_submit():
        try:
            appeals.appeal(current_user, post, request.form.get("text", ""))
        except ServiceError as error:
            show_error(None, error)
        else:
            flash(_("Your appeal has been sent. A moderator will decide and tell you."), "success")
            return redirect(url_for("mypage.index", _anchor="posts"), code=303)
    return render_template(
        "moderation/appeal.html",
        post=post,
        existing=existing,
        action_form=ActionForm(),
        may_appeal=appeals.can_appeal(current_user, post),
    )


@bp.post("/appeals/<int:appeal_id>/decide")
@require(Permission.MODERATE)
def decide(appeal_id: int):
    record = db.session.get(Appeal, appeal_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            appeals.decide_appeal(
                current_user, record, request.form.get("grant") == "1", request.form.get("note", "")[:2000]
            )
        except ServiceError as error:
            if error.status == 403:
                abort(403)
            show_error(None, error)
        else:
            flash(_("The appeal is decided; the author has been told."), "success")
    return redirect(url_for("moderation.queue"), code=303)


# ---------------------------------------------------------------- the public transparency page

public_bp = Blueprint("transparency", __name__)


@public_bp.get("/transparency")
@require(Permission.VIEW_PUBLIC)
def transparency():
    site_rules = [r for r in rules_admin.all_rules() if r.enabled and r.room_id is None]
    room_rules = [r for r in rules_admin.all_rules() if r.enabled and r.room_id is not None]
    months, counts = published.monthly_counts(tz_name=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    actions = ordered_actions(a for month in counts.values() for a in month)
    return render_template(
        "moderation/transparency.html",
        site_rules=site_rules,
        room_rules=room_rules,
        months=months,
        counts=counts,
        actions=actions,
        rooms=rooms_service.public_rooms(states=("open",)),
    )


# ---------------------------------------------------------------- thread tools and redaction


def _local(value: str):
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    try:
        return clock.from_local(datetime.strptime(value, "%Y-%m-%dT%H:%M"), tz) if value else None
    except ValueError:
        return None


@bp.post("/threads/<int:thread_id>")
@require(Permission.MODERATE)
def thread_tools(thread_id: int):
    thread = db.session.get(Thread, thread_id) or abort(404)
    if ActionForm().validate_on_submit():
        form = request.form
        slow = db_id(form.get("slow_mode")) if form.get("slow_mode") else None
        destination = None
        kind, _sep, ident = (form.get("move_to") or "").partition(":")
        if kind in ("room", "board") and db_id(ident):
            destination = db.session.get(Room if kind == "room" else Board, db_id(ident))
        done = tools.update_thread(
            current_user,
            thread,
            locked=form.get("locked") == "y",
            pinned=form.get("pinned") == "y",
            slow_mode=min(slow or 0, 1440) or None,
            lock_at=_local(form.get("lock_at", "")),
            unlock_at=_local(form.get("unlock_at", "")),
            destination=destination,
        )
        flash(_("Saved the thread settings.") if done else _("Nothing changed."), "success")
    return redirect(url_for("threads.show", thread_id=thread.id), code=303)


@bp.route("/posts/<int:post_id>/redact", methods=["GET", "POST"])
@require(Permission.MODERATE)
def redact(post_id: int):
    post = _pending(post_id)
    body, reason = post.body, ""
    if request.method == "POST" and ActionForm().validate_on_submit():
        body, reason = request.form.get("body", ""), request.form.get("reason", "")[:1000]
        try:
            tools.redact(current_user, post, body, reason)
        except ServiceError as error:
            show_error(None, error)
        else:
            flash(_("The post is edited; it shows that a moderator edited it."), "success")
            return redirect(url_for("threads.permalink", post_id=post.id), code=303)
    return render_template("moderation/redact.html", post=post, body=body, reason=reason, action_form=ActionForm())
