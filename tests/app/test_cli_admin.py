"""The flask commands (users, demo) and the admin pages for roles and departments."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Department, User
from forum.permissions import Role
from tests.helpers import add_user, get_user, login, submit


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_users_create_admin_then_log_in(app):
    result = run(
        app,
        "users",
        "create",
        "--role",
        "admin",
        "--handle",
        "市の管理者",
        "--email",
        "Root@Example.jp",
        "--password",
        "a long admin password",
    )
    assert result.exit_code == 0, result.output
    assert "role=admin" in result.output
    user = get_user(app, "root@example.jp")
    assert user.role == "admin" and user.is_verified
    client = app.test_client()
    assert login(client, "root@example.jp", "a long admin password").status_code == 303
    assert client.get("/admin/users").status_code == 200


def test_users_create_reports_errors_without_a_traceback(app):
    add_user(app, "taro", "taro@example.jp")
    result = run(
        app, "users", "create", "--handle", "jiro", "--email", "taro@example.jp", "--password", "a long password"
    )
    assert result.exit_code == 1
    assert "すでに登録されています" in result.output
    result = run(
        app,
        "users",
        "create",
        "--role",
        "staff",
        "--handle",
        "jiro",
        "--email",
        "jiro@example.jp",
        "--password",
        "a long password",
    )
    assert result.exit_code == 1 and "所管課" in result.output
    result = run(
        app,
        "users",
        "create",
        "--role",
        "staff",
        "--handle",
        "jiro",
        "--email",
        "jiro@example.jp",
        "--password",
        "a long password",
        "--department",
        "存在しない課",
    )
    assert result.exit_code == 2 and "no department" in result.output


def test_users_set_role(app):
    add_user(app, "taro", "taro@example.jp")
    assert run(app, "users", "set-role", "taro@example.jp", "moderator").exit_code == 0
    assert get_user(app, "taro@example.jp").role == "moderator"


def test_demo_loads_every_role_and_is_idempotent(app):
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    for role in ("admin", "moderator", "staff", "coordinator", "resident"):
        assert f"  {role}" in first.output
    with app.app_context():
        users = db.session.scalar(select(func.count()).select_from(User))
        departments = db.session.scalar(select(func.count()).select_from(Department))
        roles = set(db.session.scalars(select(User.role)))
    assert roles == {r.value for r in Role} - {"guest"}
    second = run(app, "demo")
    assert second.exit_code == 0
    assert second.output == first.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == users
        assert db.session.scalar(select(func.count()).select_from(Department)) == departments
    # the printed passwords work
    line = next(line for line in first.output.splitlines() if "admin@example.jp" in line)
    password = line.split()[2]
    assert login(app.test_client(), "admin@example.jp", password).status_code == 303


def test_demo_is_refused_in_production(app):
    app.config["MODE"] = "production"
    result = run(app, "demo")
    assert result.exit_code == 1
    assert "refused in production" in result.output


def test_admin_grants_staff_role_with_a_department(app):
    add_user(app, "admin", "admin@example.jp", role=Role.ADMIN)
    uid = add_user(app, "taro", "taro@example.jp")
    client = app.test_client()
    login(client, "admin@example.jp")
    submit(client, "/admin/departments/new", {"name": "防災危機管理課", "contact": "内線 2201"})
    with app.app_context():
        dept_id = db.session.scalar(select(Department.id).filter_by(name="防災危機管理課"))
    refused = submit(client, f"/admin/users/{uid}", {"role": "staff", "department": "0"})
    assert refused.status_code == 200
    assert "所管課職員には所管課を指定してください" in refused.get_data(as_text=True)
    response = submit(client, f"/admin/users/{uid}", {"role": "staff", "department": str(dept_id)})
    assert response.status_code == 303
    taro = get_user(app, "taro@example.jp")
    assert taro.role == "staff" and taro.department_id == dept_id
    # taro now reaches the department desk and sees the department
    taro_client = app.test_client()
    login(taro_client, "taro@example.jp")
    desk = taro_client.get("/department/").get_data(as_text=True)
    assert "防災危機管理課" in desk and "内線 2201" in desk
    # back to resident: the desk is closed again and the department link dropped
    submit(client, f"/admin/users/{uid}", {"role": "resident", "department": str(dept_id)})
    assert get_user(app, "taro@example.jp").department_id is None
    assert taro_client.get("/department/").status_code == 403


def test_admin_user_list_searches_handle_and_email(app):
    add_user(app, "admin", "admin@example.jp", role=Role.ADMIN)
    add_user(app, "ひまわり", "himawari@example.jp")
    add_user(app, "けやき", "keyaki@example.jp", role=Role.MODERATOR)
    client = app.test_client()
    login(client, "admin@example.jp")
    page = client.get("/admin/users?q=himawari").get_data(as_text=True)
    assert "ひまわり" in page and "けやき" not in page
    page = client.get("/admin/users?role=moderator").get_data(as_text=True)
    assert "けやき" in page and "ひまわり" not in page
    assert client.get("/admin/users?page=99999999999999999999999").status_code == 200
    # moderators see handles only, never e-mail addresses, and cannot search by e-mail
    mod = app.test_client()
    login(mod, "keyaki@example.jp")
    page = mod.get("/moderation/users").get_data(as_text=True)
    assert "ひまわり" in page and "himawari@example.jp" not in page
    assert "ひまわり" not in mod.get("/moderation/users?q=himawari").get_data(as_text=True)


def test_departments_edit_and_delete_rules(app):
    add_user(app, "admin", "admin@example.jp", role=Role.ADMIN)
    add_user(app, "職員", "staff@example.jp", role=Role.STAFF, department="都市計画課")
    client = app.test_client()
    login(client, "admin@example.jp")
    submit(client, "/admin/departments/new", {"name": "子育て支援課"})
    dup = submit(client, "/admin/departments/new", {"name": "子育て支援課"})
    assert "同じ名称の所管課がすでにあります" in dup.get_data(as_text=True)
    with app.app_context():
        ids = dict(db.session.execute(select(Department.name, Department.id)).all())
    response = submit(
        client, f"/admin/departments/{ids['子育て支援課']}", {"name": "こども未来課", "description": "子育て支援"}
    )
    assert response.status_code == 303
    listing = client.get("/admin/departments").get_data(as_text=True)
    assert "こども未来課" in listing and "子育て支援課" not in listing
    # a department with staff cannot be deleted; an empty one can
    kept = submit(
        client, f"/admin/departments/{ids['都市計画課']}/delete", page="/admin/departments", follow_redirects=True
    )
    assert "先に職員の所属を変更してください" in kept.get_data(as_text=True)
    submit(client, f"/admin/departments/{ids['子育て支援課']}/delete", page="/admin/departments")
    with app.app_context():
        assert set(db.session.scalars(select(Department.name))) == {"都市計画課"}
    assert client.get("/admin/departments/9999").status_code == 404


def test_the_last_admin_cannot_be_demoted(app):
    admin_id = add_user(app, "admin", "admin@example.jp", role=Role.ADMIN)
    client = app.test_client()
    login(client, "admin@example.jp")
    page = submit(client, f"/admin/users/{admin_id}", {"role": "resident"}).get_data(as_text=True)
    assert "最後の管理者" in page
    assert get_user(app, "admin@example.jp").role == "admin"
    add_user(app, "admin2", "admin2@example.jp", role=Role.ADMIN)
    assert submit(client, f"/admin/users/{admin_id}", {"role": "resident"}).status_code == 303
    assert get_user(app, "admin@example.jp").role == "resident"
