"""Administration: grant roles and manage departments."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from forum.extensions import db
from forum.forms import ActionForm, DepartmentForm, RoleForm
from forum.labels import ROLE_NAMES
from forum.models import Department, User
from forum.permissions import ASSIGNABLE_ROLES, Permission, Role, require
from forum.services import accounts, directory
from forum.services.accounts import AccountError
from forum.views.common import db_id, show_error

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.get("/users")
@require(Permission.MANAGE_USERS)
def users():
    query = request.args.get("q", "")[:100]
    role = request.args.get("role", "")
    found, total = directory.find_users(query, role, _page(), by_email=True)
    return render_template(
        "admin/users.html",
        users=found,
        total=total,
        q=query,
        role=role,
        page=_page(),
        page_size=directory.PAGE_SIZE,
        roles=ASSIGNABLE_ROLES,
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(Permission.MANAGE_USERS)
def user(user_id: int):
    target = db.session.get(User, user_id) or abort(404)
    form = RoleForm(obj=None)
    form.role.choices = [(r.value, str(ROLE_NAMES[r])) for r in ASSIGNABLE_ROLES]
    form.department.choices = [(0, "—")] + [(d.id, d.name) for d in directory.departments()]
    if request.method == "GET":
        form.role.data = target.role
        form.department.data = target.department_id or 0
    if form.validate_on_submit():
        department_id = db_id(form.department.data)
        department = db.session.get(Department, department_id) if department_id else None
        try:
            accounts.set_role(target, Role(form.role.data), department)
        except AccountError as error:
            show_error(form, error)
        else:
            flash(_("Saved the role of %(handle)s.", handle=target.handle), "success")
            return redirect(url_for("admin.user", user_id=target.id), code=303)
    return render_template("admin/user.html", target=target, form=form)


@bp.get("/departments")
@require(Permission.MANAGE_DEPARTMENTS)
def departments():
    return render_template(
        "admin/departments.html", departments=directory.departments(), form=DepartmentForm(), delete_form=ActionForm()
    )


@bp.get("/reports")
@require(Permission.MANAGE_DEPARTMENTS)
def reports():
    """Every room report by state, with the days left to answer it or how long it is overdue."""
    from forum.services import deadlines

    return render_template("admin/reports.html", deadlines=deadlines.all_reports())


@bp.route("/departments/new", methods=["GET", "POST"])
@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@require(Permission.MANAGE_DEPARTMENTS)
def department(department_id: int | None = None):
    existing = None
    if department_id is not None:
        existing = db.session.get(Department, department_id) or abort(404)
    form = DepartmentForm(obj=existing)
    if form.validate_on_submit():
        try:
            saved = directory.save_department(existing, form.name.data, form.description.data, form.contact.data)
        except AccountError as error:
            show_error(form, error)
        else:
            flash(_("Saved the department %(name)s.", name=saved.name), "success")
            return redirect(url_for("admin.departments"), code=303)
    return render_template("admin/department.html", department=existing, form=form)


@bp.post("/departments/<int:department_id>/delete")
@require(Permission.MANAGE_DEPARTMENTS)
def delete_department(department_id: int):
    existing = db.session.get(Department, department_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            directory.delete_department(existing)
        except AccountError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Deleted the department %(name)s.", name=existing.name), "success")
    return redirect(url_for("admin.departments"), code=303)
