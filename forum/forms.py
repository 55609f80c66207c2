"""WTForms for accounts, preferences and administration. Flask-WTF adds the CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

REQUIRED = _l("This field is required.")


class RegisterForm(FlaskForm):
    handle = StringField(_l("Handle name (shown publicly)"),
                         validators=[DataRequired(REQUIRED), Length(max=60)],
                         description=_l("2 to 30 characters. Do not use your real name."))
    email = EmailField(_l("E-mail address (never shown)"),
                       validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=128)],
                             description=_l("At least 8 characters."))
    password2 = PasswordField(_l("Password (again)"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))])
    submit = SubmitField(_l("Register"))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=128)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED), Length(max=254)])
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(REQUIRED), Length(max=128)])
    password2 = PasswordField(_l("New password (again)"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))])
    submit = SubmitField(_l("Set new password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(REQUIRED), Length(max=128)])
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(REQUIRED), Length(max=128)])
    password2 = PasswordField(_l("New password (again)"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))])
    submit = SubmitField(_l("Change password"))


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New e-mail address"),
                       validators=[DataRequired(REQUIRED), Length(max=254)])
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(REQUIRED), Length(max=128)])
    submit = SubmitField(_l("Send confirmation link"))


class ActionForm(FlaskForm):
    """A bare form for buttons that only need the CSRF token (logout, resend, preferences)."""


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[])
    department = SelectField(_l("Department (for department staff)"), coerce=int, choices=[],
                             validators=[Optional()])
    submit = SubmitField(_l("Save"))


class DepartmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    contact = StringField(_l("Public contact (phone, address)"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save"))
