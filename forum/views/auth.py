"""Registration, e-mail verification, login/logout and password reset."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from forum.errors import too_many_requests
from forum.forms import ActionForm, ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from forum.mail import MailError
from forum.permissions import Permission, require
from forum.services import accounts, tokens
from forum.services.accounts import AccountError
from forum.ui import safe_next
from forum.views.common import rate_limit, show_error

bp = Blueprint("auth", __name__)


def link_error(error: tokens.TokenError):
    """The page for a mail link that is broken, used or expired."""
    return render_template("auth/link_error.html", expired=error.expired), 400


@bp.errorhandler(429)
def too_many(error: Exception):
    """A limit hit on a form POST shows the same form again, filled in as sent (not the
    passwords), with how long to wait: the visitor loses nothing."""
    pages = {
        "auth.register": lambda wait: render_template("auth/register.html", form=RegisterForm(), wait=wait),
        "auth.login": lambda wait: render_template("auth/login.html", form=LoginForm(), wait=wait),
    }
    return too_many_requests(pages.get(request.endpoint or "") if request.method == "POST" else None)


def _registration_valid(form: RegisterForm) -> bool:
    """The form's checks and the account rules together, so every problem shows at once; a field
    the form already refused (empty, control characters) is not judged twice."""
    valid = form.validate()
    for problem in accounts.registration_problems(form.handle.data, form.email.data, form.password.data):
        field = getattr(form, problem.field or "", None)
        if field is None or not field.errors:
            show_error(form, problem)
            valid = False
    return valid


@bp.route("/register", methods=["GET", "POST"])
@require(Permission.VIEW_PUBLIC)
@rate_limit("RATELIMIT_REGISTER")
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.is_submitted() and _registration_valid(form):
        try:
            user = accounts.register(form.handle.data, form.email.data, form.password.data, locale=str(get_locale()))
        except AccountError as error:
            show_error(form, error)
        else:
            login_user(user)
            try:
                accounts.send_verification(user)
            except MailError:
                flash(
                    _(
                        "Your account is ready, but the confirmation mail could not be sent just now. "
                        "Please use “Send the link again” below in a little while."
                    ),
                    "error",
                )
            else:
                flash(
                    _(
                        "Welcome! We have sent a confirmation link to %(email)s. Open it to start taking part.",
                        email=user.email,
                    ),
                    "success",
                )
            return redirect(url_for("account.overview"), code=303)
    return render_template("auth/register.html", form=form), 200 if request.method == "GET" else 422


@bp.get("/verify/<token>")
@require(Permission.VIEW_PUBLIC)
def verify(token: str):
    try:
        user = accounts.verify_email(token)
    except tokens.TokenError as error:
        return link_error(error)
    flash(_("Thank you, %(handle)s. Your e-mail address is confirmed.", handle=user.handle), "success")
    return redirect(url_for("account.overview" if current_user.is_authenticated else "auth.login"))


@bp.post("/verify/resend")
@require(Permission.MANAGE_OWN_ACCOUNT)
@rate_limit("RATELIMIT_MAIL")
def resend_verification():
    if ActionForm().validate_on_submit() and not current_user.is_verified:
        accounts.send_verification(current_user)
        flash(_("We have sent the confirmation link again to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("account.overview"), code=303)


@bp.route("/login", methods=["GET", "POST"])
@require(Permission.VIEW_PUBLIC)
@rate_limit("RATELIMIT_LOGIN")
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        result = accounts.authenticate(form.email.data, form.password.data)
        if result.user is not None:
            login_user(result.user, remember=form.remember.data)
            return redirect(safe_next(form.next.data, url_for("main.home")), code=303)
        if result.error == "suspended":
            form.password.errors = [
                _(
                    "This account is suspended by the moderators until %(time)s. Reason: %(reason)s",
                    time=format_datetime(result.locked_until, "short"),
                    reason=result.reason,
                )
            ]
        elif result.error == "locked":
            form.password.errors = [
                _(
                    "Too many failed attempts. This account is locked until %(time)s. "
                    "You can also reset your password by e-mail.",
                    time=format_datetime(result.locked_until, "short"),
                )
            ]
        else:
            form.password.errors = [_("The e-mail address or password is not correct.")]
    status = 200 if request.method == "GET" else 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@require(Permission.VIEW_PUBLIC)
def logout():
    if ActionForm().validate_on_submit():
        logout_user()
        flash(_("You have logged out."), "success")
    return redirect(url_for("main.home"), code=303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@require(Permission.VIEW_PUBLIC)
@rate_limit("RATELIMIT_MAIL")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        # the same answer whether or not the address is registered
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@require(Permission.VIEW_PUBLIC)
def reset_password(token: str):
    try:
        accounts.user_for_reset(token)
    except tokens.TokenError as error:
        return link_error(error)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except AccountError as error:
            show_error(form, error)
        else:
            logout_user()
            flash(_("Your password has been changed. Please log in with the new password."), "success")
            return redirect(url_for("auth.login"), code=303)
    return render_template("auth/reset.html", form=form)
