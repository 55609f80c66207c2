"""A signed-in user's own account: overview, password and e-mail changes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from forum.forms import ChangeEmailForm, ChangePasswordForm
from forum.permissions import Permission, require
from forum.services import accounts, tokens
from forum.services.accounts import AccountError
from forum.views.auth import link_error
from forum.views.common import rate_limit, show_error

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
@require(Permission.MANAGE_OWN_ACCOUNT)
def overview():
    return render_template("account/overview.html")


@bp.route("/password", methods=["GET", "POST"])
@require(Permission.MANAGE_OWN_ACCOUNT)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except AccountError as error:
            show_error(form, error)
        else:
            # the session id carries auth_version: renew this session, the others end
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("account.overview"), code=303)
    return render_template("account/password.html", form=form)


@bp.route("/email", methods=["GET", "POST"])
@require(Permission.MANAGE_OWN_ACCOUNT)
@rate_limit("RATELIMIT_MAIL")
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            email = accounts.request_email_change(current_user, form.current_password.data, form.email.data)
        except AccountError as error:
            show_error(form, error)
        else:
            flash(
                _("We have sent a confirmation link to %(email)s. Your address changes when you open it.", email=email),
                "success",
            )
            return redirect(url_for("account.overview"), code=303)
    return render_template("account/email.html", form=form)


@bp.get("/email/confirm/<token>")
@require(Permission.VIEW_PUBLIC)
def confirm_email(token: str):
    try:
        user = accounts.confirm_email_change(token)
    except tokens.TokenError as error:
        return link_error(error)
    except AccountError as error:
        flash(str(error.message), "error")
        return redirect(url_for("main.home"))
    flash(_("Your e-mail address is now %(email)s.", email=user.email), "success")
    return redirect(url_for("account.overview" if current_user.is_authenticated else "auth.login"))
