"""WTForms for accounts, preferences and administration. Flask-WTF adds the CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, ValidationError

from forum.text.controls import has_controls

REQUIRED = _l("This field is required.")


class NoControlCharacters:
    """For passwords and e-mail addresses, which the request keeps as sent (``forum.hygiene``):
    stripping a character would silently make them another password or address, so refuse."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or _l("This field contains characters that cannot be used.")

    def __call__(self, form: FlaskForm, field) -> None:
        if isinstance(field.data, str) and has_controls(field.data):
            raise ValidationError(str(self.message))


def _as_sent(*validators) -> list:
    """Validators of a field the request keeps as sent (password, e-mail): required, no control characters."""
    return [DataRequired(REQUIRED), *validators, NoControlCharacters()]


class RegisterForm(FlaskForm):
    handle = StringField(
        _l("Handle name (shown publicly)"),
        validators=[DataRequired(REQUIRED), Length(max=60)],
        description=_l("2 to 30 characters. Do not use your real name."),
    )
    email = EmailField(_l("E-mail address (never shown)"), validators=_as_sent(Length(max=254)))
    password = PasswordField(
        _l("Password"), validators=_as_sent(Length(max=128)), description=_l("At least 8 characters.")
    )
    password2 = PasswordField(
        _l("Password (again)"), validators=_as_sent(EqualTo("password", _l("The passwords do not match.")))
    )
    submit = SubmitField(_l("Register"))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=_as_sent(Length(max=254)))
    password = PasswordField(_l("Password"), validators=_as_sent(Length(max=128)))
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=_as_sent(Length(max=254)))
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=_as_sent(Length(max=128)))
    password2 = PasswordField(
        _l("New password (again)"), validators=_as_sent(EqualTo("password", _l("The passwords do not match.")))
    )
    submit = SubmitField(_l("Set new password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=_as_sent(Length(max=128)))
    password = PasswordField(_l("New password"), validators=_as_sent(Length(max=128)))
    password2 = PasswordField(
        _l("New password (again)"), validators=_as_sent(EqualTo("password", _l("The passwords do not match.")))
    )
    submit = SubmitField(_l("Change password"))


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New e-mail address"), validators=_as_sent(Length(max=254)))
    current_password = PasswordField(_l("Current password"), validators=_as_sent(Length(max=128)))
    submit = SubmitField(_l("Send confirmation link"))


class ActionForm(FlaskForm):
    """A bare form for buttons that only need the CSRF token (logout, resend, preferences)."""


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[])
    department = SelectField(_l("Department (for department staff)"), coerce=int, choices=[], validators=[Optional()])
    submit = SubmitField(_l("Save"))


class DepartmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    contact = StringField(_l("Public contact (phone, address)"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save"))


# ---------------------------------------------------------------- rooms, threads, posts


class ComposeForm(FlaskForm):
    """A new thread (with title) or a reply (without): preview first, then post."""

    # the rules tick comes first: it is read (and its error listed) before the text is written
    accept_rules = BooleanField(_l("I have read the posting rules of this room and will follow them."))
    title = StringField(_l("Title"), validators=[Length(max=200)])
    body = TextAreaField(
        _l("Your opinion"),
        validators=[Length(max=20000)],
        description=_l(
            "Blank line: new paragraph. **bold**, - list, > quote. "
            "Links are allowed. Do not write phone numbers, addresses "
            "or other personal information."
        ),
    )
    reply_to = HiddenField()
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Post"))


class EditPostForm(FlaskForm):
    body = TextAreaField(_l("Text"), validators=[Length(max=20000)])
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save the change"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[])
    note = TextAreaField(_l("Note for residents"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Set status"))


class RoomForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), Length(max=200)])
    purpose = TextAreaField(_l("Purpose of the room"), validators=[DataRequired(REQUIRED), Length(max=4000)])
    posting_rules = TextAreaField(_l("Posting rules"), validators=[DataRequired(REQUIRED), Length(max=4000)])
    handling = TextAreaField(_l("How opinions are handled"), validators=[DataRequired(REQUIRED), Length(max=4000)])
    easy_summary = TextAreaField(
        _l("The room in plain Japanese (やさしい日本語, optional)"), validators=[Optional(), Length(max=2000)]
    )
    department_id = SelectField(_l("Department in charge"), coerce=int, choices=[], validators=[Optional()])
    opens_at = DateTimeLocalField(
        _l("Opens at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("Enter a date and time."))]
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("Enter a date and time."))]
    )
    coordinators = SelectMultipleField(_l("Coordinators"), coerce=int, choices=[], validators=[Optional()])
    answer_days = IntegerField(
        _l("Days the department has to answer the room report"),
        default=30,
        validators=[Optional(), NumberRange(min=1, max=365)],
    )
    submit = SubmitField(_l("Save"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown to the proposer)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Decline the proposal"))


class ReportForm(FlaskForm):
    body = TextAreaField(_l("Report"), validators=[Length(max=50000)])
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit to the department"))


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("The department's answer"), validators=[Length(max=50000)])
    submit = SubmitField(_l("Publish the answer"))


class BoardForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    kind = SelectField(_l("Kind"), choices=[])
    owner = StringField(_l("Owner (handle name)"), validators=[Length(max=60)])
    submit = SubmitField(_l("Create the board"))


class MemberForm(FlaskForm):
    handle = StringField(_l("Handle name"), validators=[DataRequired(REQUIRED), Length(max=60)])
    owner = BooleanField(_l("Also an owner (can manage members)"))
    submit = SubmitField(_l("Add"))


# ---------------------------------------------------------------- letters, my page


class LetterForm(FlaskForm):
    department_id = SelectField(_l("Department"), coerce=int, choices=[])
    subject = StringField(_l("Subject"), validators=[DataRequired(REQUIRED), Length(max=200)])
    body = TextAreaField(
        _l("Your letter"),
        validators=[DataRequired(REQUIRED), Length(max=20000)],
        description=_l("Only the department you choose and the administrators read it. It is never published."),
    )
    submit = SubmitField(_l("Send the letter"))


class LetterReplyForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[])
    reply = TextAreaField(_l("Reply to the resident"), validators=[Length(max=20000)])
    submit = SubmitField(_l("Save"))


class NotificationSettingsForm(FlaskForm):
    notify_mode = SelectField(_l("E-mail me about notifications"), choices=[])
    submit = SubmitField(_l("Save"))


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=_as_sent(Length(max=128)))
    confirm = BooleanField(
        _l(
            "I understand that my account is deleted for good; my public posts stay, "
            "shown as “Former member”, and my letters are deleted."
        ),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))


# ---------------------------------------------------------------- moderation


class RuleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=100)])
    kind = SelectField(_l("Kind"), choices=[])
    action = SelectField(_l("What it does"), choices=[])
    patterns = TextAreaField(
        _l("Words or patterns, one per line"),
        validators=[Length(max=20000)],
        description=_l("Matched after folding: ｼﾈ, シネ and しね are the same word."),
    )
    regex = BooleanField(_l("The lines are regular expressions"))
    room_id = SelectField(_l("Where"), coerce=int, choices=[])
    params = TextAreaField(
        _l("Settings"), validators=[Length(max=2000)], description=_l("For limits: one “name = number” per line.")
    )
    enabled = BooleanField(_l("In force"), default=True)
    submit = SubmitField(_l("Save the rule"))


class FlagForm(FlaskForm):
    reason = RadioField(
        _l("Why should a moderator look at this post?"), choices=[], validators=[DataRequired(_l("Choose a reason."))]
    )
    note = TextAreaField(_l("More details (optional; needed for “something else”)"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Send the flag"))


class SanctionForm(FlaskForm):
    kind = SelectField(_l("Sanction"), choices=[])
    days = IntegerField(
        _l("For how many days"),
        validators=[Optional(), NumberRange(1, 3650)],
        description=_l("Not needed for a warning."),
    )
    reason = TextAreaField(_l("Reason (the resident sees it)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Apply"))
