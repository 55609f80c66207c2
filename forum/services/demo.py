"""Demo content: the one place demo data grows. Each capability adds its own part here.

Idempotent: running it again finds what exists (by name or e-mail) and resets the demo
passwords to the printed ones, so the printed list is always true.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from forum import clock
from forum.extensions import db
from forum.models import Department
from forum.permissions import Role
from forum.services import accounts

DEPARTMENTS = [
    ("企画政策課", "市の総合計画と市民参加の推進を担当します。", "代表 0000-00-0000（内線 1101）"),
    ("防災危機管理課", "地域防災計画、避難所、防災訓練を担当します。", "代表 0000-00-0000（内線 2201）"),
    ("都市計画課", "まちづくり、公園、交通計画を担当します。", "代表 0000-00-0000（内線 3301）"),
    ("子育て支援課", "保育、子育て支援、児童館を担当します。", "代表 0000-00-0000（内線 4401）"),
    ("情報政策課", "電子市役所、情報システム、個人情報保護を担当します。", "代表 0000-00-0000（内線 5501）"),
]


@dataclass(frozen=True)
class DemoUser:
    handle: str
    email: str
    password: str
    role: Role
    department: str | None = None
    verified: bool = True


USERS = [
    DemoUser("管理者", "admin@example.jp", "kanri-2026-demo", Role.ADMIN),
    DemoUser("運営スタッフ", "moderator@example.jp", "unei-2026-demo", Role.MODERATOR),
    DemoUser("企画政策課 担当", "kikaku@example.jp", "shokuin-2026-demo", Role.STAFF, "企画政策課"),
    DemoUser("防災危機管理課 担当", "bousai@example.jp", "shokuin-2026-demo", Role.STAFF, "防災危機管理課"),
    DemoUser("都市計画課 担当", "toshi@example.jp", "shokuin-2026-demo", Role.STAFF, "都市計画課"),
    DemoUser("さくらコーディネーター", "coordinator@example.jp", "coord-2026-demo", Role.COORDINATOR),
    DemoUser("ひまわり", "himawari@example.jp", "shimin-2026-demo", Role.RESIDENT),
    DemoUser("みなと太郎", "taro@example.jp", "shimin-2026-demo", Role.RESIDENT),
    DemoUser("けやき通り", "keyaki@example.jp", "shimin-2026-demo", Role.RESIDENT),
    DemoUser("はじめての市民", "new@example.jp", "shimin-2026-demo", Role.RESIDENT,
             verified=False),
]


def load() -> list[DemoUser]:
    """Create or refresh the demo departments and users; returns the users to print."""
    by_name = {}
    for name, description, contact in DEPARTMENTS:
        dept = db.session.scalar(select(Department).where(Department.name == name))
        if dept is None:
            dept = Department(name=name, description=description, contact=contact)
            db.session.add(dept)
        by_name[name] = dept
    db.session.flush()
    for demo in USERS:
        department = by_name.get(demo.department or "")
        user = accounts.user_by_email(demo.email)
        if user is None:
            user = accounts.create_user(
                demo.handle, demo.email, demo.password, role=demo.role, department=department,
                verified=demo.verified, allow_reserved=True)
        else:
            user.role = demo.role.value
            user.department = department
            user.password_hash = generate_password_hash(demo.password)
            user.locked_until = None
            user.failed_logins = 0
            if demo.verified and user.email_verified_at is None:
                user.email_verified_at = clock.now()
        db.session.flush()
    db.session.commit()
    return USERS
