"""Moderator pages. For now: the member list moderators use to look residents up."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from forum.permissions import ASSIGNABLE_ROLES, Permission, require
from forum.services import directory

bp = Blueprint("moderation", __name__, url_prefix="/moderation")


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
