"""Account use cases: registration, verification, login with lockout, reset, changes, roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from forum import clock
from forum.extensions import db
from forum.mail import send_mail
from forum.models import Department, User
from forum.permissions import Role
from forum.services import tokens
from forum.services.errors import ServiceError
from forum.text.normalize import clean_line, fold
from moderation.gate import suspension as suspension_of

HANDLE_MIN, HANDLE_MAX = 2, 30
PASSWORD_MAX = 128
# Handles that would let a resident pass for the city or the operators.
RESERVED_HANDLE_PARTS = ("admin", "管理者", "運営", "市役所", "所管課", "moderator", "hiroba", "広場")
# Hash computed once so a login for an unknown address costs as much as for a known one.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ServiceError):
    """A request about an account that the user can fix."""


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None = None  # "bad", "locked" or "suspended"
    locked_until: datetime | None = None
    reason: str = ""


# ---------------------------------------------------------------- validation (pure)


def normalize_email(raw: str) -> str:
    try:
        info = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(_l("Enter a valid e-mail address."), "email")
    return info.normalized.lower()


def normalize_handle(raw: str, allow_reserved: bool = False) -> str:
    handle = clean_line(raw)
    if not HANDLE_MIN <= len(handle) <= HANDLE_MAX:
        raise AccountError(
            _l("The handle name must be %(min)d to %(max)d characters.", min=HANDLE_MIN, max=HANDLE_MAX), "handle"
        )
    key = fold(handle)
    if not allow_reserved and any(part in key for part in RESERVED_HANDLE_PARTS):
        raise AccountError(_l("This handle name is reserved for the city and the operators."), "handle")
    return handle


def check_password_strength(password: str, *avoid: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountError(_l("The password must be at least %(n)d characters.", n=minimum), "password")
    if len(password) > PASSWORD_MAX:
        raise AccountError(_l("The password must be at most %(n)d characters.", n=PASSWORD_MAX), "password")
    folded = fold(password)
    if any(a and fold(a) in folded for a in avoid) or len(set(password)) < 4:
        raise AccountError(_l("This password is too easy to guess. Avoid your e-mail or handle name."), "password")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


# ---------------------------------------------------------------- lookups


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def user_by_handle(handle: str) -> User | None:
    return db.session.scalar(select(User).where(User.handle_key == fold(clean_line(handle))))


def load_session_user(session_id: str) -> User | None:
    """flask-login's loader: ``id:auth_version``, so a password change ends old sessions."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.auth_version != int(version) or suspension_of(user) is not None:
        return None
    return user


# ---------------------------------------------------------------- registration


def registration_problems(handle: str, email: str, password: str, allow_reserved: bool = False) -> list[AccountError]:
    """Every reason these values cannot make an account, in the form's order (handle, e-mail,
    password), so the registration form can show them all at once instead of one per try."""
    problems: list[AccountError] = []
    try:
        handle = normalize_handle(handle or "", allow_reserved=allow_reserved)
    except AccountError as error:
        problems.append(error)
    else:
        if user_by_handle(handle):
            problems.append(AccountError(_l("This handle name is already taken."), "handle"))
    try:
        email = normalize_email(email or "")
    except AccountError as error:
        problems.append(error)
    else:
        if user_by_email(email):
            problems.append(AccountError(_l("This e-mail address is already registered."), "email"))
    try:
        check_password_strength(password or "", (email or "").split("@")[0], handle)
    except AccountError as error:
        problems.append(error)
    return problems


def create_user(
    handle: str,
    email: str,
    password: str,
    *,
    role: Role = Role.RESIDENT,
    department: Department | None = None,
    verified: bool = False,
    locale: str | None = None,
    allow_reserved: bool = False,
) -> User:
    """Validate and add a user (not committed): the single path for the form, CLI and demo."""
    problems = registration_problems(handle, email, password, allow_reserved=allow_reserved)
    if problems:
        raise problems[0]
    handle = normalize_handle(handle, allow_reserved=allow_reserved)
    email = normalize_email(email)
    _check_role(role, department)
    user = User(
        handle=handle,
        handle_key=fold(handle),
        email=email,
        password_hash=hash_password(password),
        role=role.value,
        department=department if role is Role.STAFF else None,
        email_verified_at=clock.now() if verified else None,
        locale=locale,
        failed_logins=0,
        auth_version=1,
    )
    db.session.add(user)
    return user


def register(handle: str, email: str, password: str, locale: str | None = None) -> User:
    """Create the account; the caller sends the verification mail (which may fail apart)."""
    user = create_user(handle, email, password, locale=locale)
    try:
        db.session.commit()
    except IntegrityError as error:  # the same address or handle registered a moment ago (a double click)
        db.session.rollback()
        if user_by_email(normalize_email(email)):
            raise AccountError(_l("This e-mail address is already registered."), "email") from error
        raise AccountError(_l("This handle name is already taken."), "handle") from error
    return user


def send_verification(user: User, email: str | None = None) -> None:
    """Mail a link that proves the address; ``email`` set means an address change."""
    target = email or user.email
    purpose = tokens.CHANGE_EMAIL if email else tokens.VERIFY
    token = tokens.make(purpose, {"uid": user.id, "email": target})
    endpoint = "account.confirm_email" if email else "auth.verify"
    link = url_for(endpoint, token=token, _external=True)
    template = "mail/change_email.txt" if email else "mail/verify.txt"
    _mail(user, target, template, link=link)


def verify_email(token: str) -> User:
    data = tokens.read(tokens.VERIFY, token, current_app.config["EMAIL_VERIFY_MAX_AGE"])
    user = db.session.get(User, data.get("uid", -1))
    if user is None or user.email != data.get("email"):
        raise tokens.TokenError()
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        db.session.commit()
    return user


# ---------------------------------------------------------------- login


def authenticate(email: str, password: str) -> LoginResult:
    """Check a login; count failures and lock the account for a while after too many."""
    cfg = current_app.config
    user = user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return LoginResult(None, "bad")
    now = clock.now()
    if user.locked_until and user.locked_until > now:
        return LoginResult(None, "locked", user.locked_until)
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        locked_until = None
        if user.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
            locked_until = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
            user.locked_until = locked_until
            user.failed_logins = 0
        db.session.commit()
        return LoginResult(None, "locked" if locked_until else "bad", locked_until)
    user.failed_logins = 0
    user.locked_until = None
    suspension = suspension_of(user)
    if suspension is not None:
        db.session.commit()
        return LoginResult(None, "suspended", suspension.ends_at, suspension.reason)
    user.last_login_at = now
    db.session.commit()
    return LoginResult(user)


# ---------------------------------------------------------------- password reset


def _password_fingerprint(user: User) -> str:
    return user.password_hash[-16:]


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address is known; the caller answers the same either way."""
    user = user_by_email(email)
    if user is None:
        return
    token = tokens.make(tokens.RESET, {"uid": user.id, "fp": _password_fingerprint(user)})
    _mail(user, user.email, "mail/reset.txt", link=url_for("auth.reset_password", token=token, _external=True))


def user_for_reset(token: str) -> User:
    data = tokens.read(tokens.RESET, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, data.get("uid", -1))
    if user is None or data.get("fp") != _password_fingerprint(user):
        raise tokens.TokenError()  # unknown user, or the link was already used
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset(token)
    _set_password(user, new_password)
    # the owner proved control of the address: lift a lockout and mark it verified
    user.locked_until = None
    user.failed_logins = 0
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
    db.session.commit()
    return user


# ---------------------------------------------------------------- account changes


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise AccountError(_l("The current password is not correct."), "current_password")
    _set_password(user, new)
    db.session.commit()


def request_email_change(user: User, password: str, new_email: str) -> str:
    if not check_password_hash(user.password_hash, password):
        raise AccountError(_l("The current password is not correct."), "current_password")
    email = normalize_email(new_email)
    if email == user.email:
        raise AccountError(_l("This is already your e-mail address."), "email")
    if user_by_email(email):
        raise AccountError(_l("This e-mail address is already registered."), "email")
    send_verification(user, email=email)
    return email


def confirm_email_change(token: str) -> User:
    data = tokens.read(tokens.CHANGE_EMAIL, token, current_app.config["EMAIL_VERIFY_MAX_AGE"])
    user = db.session.get(User, data.get("uid", -1))
    email = data.get("email")
    if user is None or not isinstance(email, str):
        raise tokens.TokenError()
    if user.email != email:
        if user_by_email(email):
            raise AccountError(_l("This e-mail address is already registered."), "email")
        old = user.email
        user.email = email
        user.email_verified_at = clock.now()
        db.session.commit()
        _mail(user, old, "mail/email_changed.txt", new_email=email)
    return user


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()


# ---------------------------------------------------------------- roles


def _check_role(role: Role, department: Department | None) -> None:
    if role is Role.GUEST:
        raise AccountError(_l("Guest is not a role that can be granted."), "role")
    if role is Role.STAFF and department is None:
        raise AccountError(_l("Department staff must belong to a department."), "department")


def set_role(user: User, role: Role, department: Department | None = None) -> None:
    _check_role(role, department)
    if user.role == Role.ADMIN and role is not Role.ADMIN:
        admins = db.session.scalar(select(func.count()).where(User.role == Role.ADMIN.value))
        if admins <= 1:
            raise AccountError(_l("This is the last administrator. Make someone else an administrator first."), "role")
    user.role = role.value
    user.department = department if role is Role.STAFF else None
    db.session.commit()


# ---------------------------------------------------------------- helpers


def _set_password(user: User, password: str) -> None:
    check_password_strength(password, user.email.split("@")[0], user.handle)
    user.password_hash = hash_password(password)
    user.auth_version += 1


def _mail(user: User, to: str, template: str, **context: object) -> None:
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template(template, user=user, **context)
    subject, _, body = text.partition("\n")
    send_mail(to, subject.strip(), body.lstrip("\n"))
