"""The department desk (所管課): the department, its reports to answer and its answer tables."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from forum.permissions import Permission, Role, require, role_of
from forum.services import directory

bp = Blueprint("department", __name__, url_prefix="/department")


@bp.get("/")
@require(Permission.DEPARTMENT_DESK)
def desk():
    if role_of(current_user) is Role.ADMIN:
        shown = directory.departments()
    else:
        shown = [current_user.department] if current_user.department else []
    from forum.services import deadlines

    reports = deadlines.all_reports(None if role_of(current_user) is Role.ADMIN else (current_user.department_id or -1))
    return render_template("department/desk.html", departments=shown, deadlines=reports)


@bp.get("/answer-tables")
@require(Permission.DEPARTMENT_DESK)
def answer_tables():
    """Every answer table of the department's rooms (all of them for admins), those waiting for
    approval first: where an approver finds what waits without knowing its address."""
    from forum.services import answer_tables as tables

    return render_template("department/answer_tables.html", tables=tables.awaiting_for(current_user))
