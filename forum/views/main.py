"""Home, public profiles and the display preferences every visitor can set."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf

from forum import data
from forum.extensions import csrf, db
from forum.i18n import LANG_COOKIE
from forum.models import User
from forum.permissions import Permission, require
from forum.services import accounts, posts, rooms
from forum.ui import DISPLAY_SETTINGS, safe_next
from forum.views import guest_cache

bp = Blueprint("main", __name__)


@bp.get("/")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.everything)
def home():
    return render_template("home.html", listing=rooms.home_listing())


@bp.get("/guide")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.site)
def guide():
    """はじめての方へ: how to take part, in やさしい日本語 with ふりがな (or in plain English)."""
    lang = "en" if str(get_locale()) == "en" else "ja"
    return render_template("guide.html", sections=data.guide(lang), lang=lang)


@bp.get("/accessibility")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.site)
def accessibility():
    """The accessibility policy (ウェブアクセシビリティ方針): target, scope, how it is tested, the
    latest results and how to tell the city about a problem."""
    return render_template("accessibility.html", results=data.accessibility_results())


@bp.get("/users/<int:user_id>")
@require(Permission.VIEW_PUBLIC)
def profile(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return render_template("profile.html", profile=user, posts=posts.public_posts_of(user))


@bp.post("/preferences")
@csrf.exempt
@require(Permission.VIEW_PUBLIC)
def preferences():
    """Text size, contrast and language: plain form posts, so they work with JavaScript off.

    A guest's choice changes only their own display cookies, so their form carries no CSRF token
    (a page without one writes no session cookie and can be the same for every guest). A signed-in
    member's language is also saved on the account: theirs needs the token."""
    if current_user.is_authenticated:
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            abort(400)
    response = redirect(safe_next(request.form.get("next")), code=303)
    max_age = current_app.config["PREFERENCE_COOKIE_MAX_AGE"]
    secure = current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure
    chosen = {cookie: (request.form.get(name), choices) for name, (cookie, choices) in DISPLAY_SETTINGS.items()}
    chosen[LANG_COOKIE] = (request.form.get("lang"), dict.fromkeys(current_app.config["LANGUAGES"]))
    for cookie, (value, allowed) in chosen.items():
        if value is None:
            continue
        if value not in allowed:
            abort(400)
        response.set_cookie(cookie, value, max_age=max_age, samesite="Lax", httponly=True, secure=secure)
    lang = request.form.get("lang")
    if lang and current_user.is_authenticated:
        accounts.set_locale(current_user, lang)
    return response
