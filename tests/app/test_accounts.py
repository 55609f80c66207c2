"""Accounts through the test client: registration, verification, login, lockout, reset, changes."""

from __future__ import annotations

from datetime import timedelta

from forum import clock
from tests.helpers import PASSWORD, add_user, get_user, login, submit


def register(client, handle="みなと花子", email="hanako@example.jp", password=PASSWORD, password2=None):
    return submit(
        client,
        "/register",
        {
            "handle": handle,
            "email": email,
            "password": password,
            "password2": password if password2 is None else password2,
        },
    )


def test_register_verify_mail_then_login(app, client, mailbox):
    response = register(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/")
    page = client.get("/account/").get_data(as_text=True)
    assert "未確認" in page and "hanako@example.jp" in page

    mail = mailbox.last("hanako@example.jp")
    assert "メールアドレスの確認" in mail["Subject"]
    assert "みなと花子 さん" in mail.get_content()
    link = mailbox.link("hanako@example.jp")
    assert link.startswith("/verify/")
    assert not get_user(app, "hanako@example.jp").is_verified

    assert client.get(link).status_code == 302
    assert get_user(app, "hanako@example.jp").is_verified
    assert "確認済み" in client.get("/account/").get_data(as_text=True)

    submit(client, "/logout", page="/")
    assert client.get("/account/").status_code == 302
    response = login(client, "HANAKO@example.jp")
    assert response.status_code == 303
    assert "みなと花子" in client.get("/").get_data(as_text=True)


def test_registration_errors_keep_what_was_typed(app, client):
    app.config["RATELIMIT_REGISTER"] = "100 per minute"
    add_user(app, "taro", "taro@example.jp")
    cases = [
        ({"handle": "Ｔａｒｏ"}, "この表示名はすでに使われています"),  # full-width = same handle
        ({"email": "TARO@example.jp", "handle": "別の人"}, "このメールアドレスはすでに登録されています"),
        ({"handle": "市役所公式"}, "予約されている"),
        ({"handle": "x"}, "表示名は2〜30文字"),
        ({"email": "not-an-address"}, "正しいメールアドレス"),
        ({"password": "short"}, "8文字以上"),
        ({"password": "hanako-hanako"}, "推測されやすい"),
        ({"password2": "something else"}, "パスワードが一致しません"),
    ]
    for change, message in cases:
        data = {"handle": "みなと花子", "email": "hanako@example.jp", **change}
        response = register(client, **data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, change
        assert message in page, (change, page[:2000])
        assert 'aria-invalid="true"' in page
        assert f'value="{data["email"]}"' in page  # nothing typed is lost
    assert get_user(app, "taro@example.jp").handle == "taro"


def test_unverified_user_sees_how_to_verify_and_can_resend(app, client, mailbox):
    register(client)
    first = mailbox.link("hanako@example.jp")
    assert "お送りしたリンクを開く" in client.get("/").get_data(as_text=True)
    response = submit(client, "/verify/resend", page="/account/")
    assert response.status_code == 303
    assert len(mailbox.messages()) == 2
    second = mailbox.link("hanako@example.jp")
    assert client.get(second).status_code == 302
    assert client.get(first).status_code == 302  # both links prove the same address
    assert get_user(app, "hanako@example.jp").is_verified


def test_verification_link_tampered_or_expired(app, client, mailbox):
    register(client)
    link = mailbox.link("hanako@example.jp")
    bad = client.get(link[:-3] + "abc")
    assert bad.status_code == 400
    assert "リンクが正しくないか" in bad.get_data(as_text=True)
    clock.travel(timedelta(days=4))
    expired = client.get(link)
    assert expired.status_code == 400
    assert "有効期限が切れています" in expired.get_data(as_text=True)
    assert not get_user(app, "hanako@example.jp").is_verified


def test_wrong_password_locks_the_account_for_a_while(app, client):
    add_user(app, "taro", "taro@example.jp")
    for _attempt in range(4):
        page = login(client, "taro@example.jp", "wrong password!").get_data(as_text=True)
        assert "メールアドレスまたはパスワードが正しくありません" in page
    locked = login(client, "taro@example.jp", "wrong password!")
    assert locked.status_code == 422
    assert "ロックされています" in locked.get_data(as_text=True)
    # even the right password is refused while locked
    page = login(client, "taro@example.jp").get_data(as_text=True)
    assert "ロックされています" in page
    assert client.get("/account/").status_code == 302
    clock.travel(timedelta(minutes=16))
    assert login(client, "taro@example.jp").status_code == 303
    assert client.get("/account/").status_code == 200
    assert get_user(app, "taro@example.jp").failed_logins == 0


def test_unknown_address_gets_the_same_answer_as_a_wrong_password(app, client):
    page = login(client, "nobody@example.jp").get_data(as_text=True)
    assert "メールアドレスまたはパスワードが正しくありません" in page


def test_login_attempts_are_throttled(app, client):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    for _attempt in range(3):
        assert login(client, "nobody@example.jp").status_code == 422
    throttled = login(client, "nobody@example.jp")
    assert throttled.status_code == 429
    assert "アクセスが集中しています" in throttled.get_data(as_text=True)
    assert "Retry-After" in throttled.headers


def test_password_reset_by_mail(app, client, mailbox):
    add_user(app, "taro", "taro@example.jp")
    sent = submit(client, "/password/forgot", {"email": "taro@example.jp"})
    assert "taro@example.jp が登録されていれば" in sent.get_data(as_text=True)
    link = mailbox.link("taro@example.jp")
    assert "パスワードの再設定" in mailbox.last("taro@example.jp")["Subject"]

    assert client.get(link).status_code == 200
    response = submit(client, link, {"password": "a brand new secret", "password2": "a brand new secret"})
    assert response.status_code == 303
    assert login(client, "taro@example.jp").status_code == 422  # old password gone
    assert login(client, "taro@example.jp", "a brand new secret").status_code == 303
    # the link works once only
    used = client.get(link)
    assert used.status_code == 400
    assert "すでに使われています" in used.get_data(as_text=True)


def test_password_reset_for_unknown_address_sends_nothing(app, client, mailbox):
    page = submit(client, "/password/forgot", {"email": "ghost@example.jp"}).get_data(as_text=True)
    assert "ghost@example.jp が登録されていれば" in page
    assert mailbox.messages() == []


def test_password_reset_link_expires_after_an_hour(app, client, mailbox):
    add_user(app, "taro", "taro@example.jp")
    submit(client, "/password/forgot", {"email": "taro@example.jp"})
    link = mailbox.link("taro@example.jp")
    clock.travel(timedelta(minutes=61))
    assert client.get(link).status_code == 400


def test_password_reset_lifts_a_lockout(app, client, mailbox):
    add_user(app, "taro", "taro@example.jp")
    for _attempt in range(5):
        login(client, "taro@example.jp", "wrong password!")
    submit(client, "/password/forgot", {"email": "taro@example.jp"})
    link = mailbox.link("taro@example.jp")
    submit(client, link, {"password": "a brand new secret", "password2": "a brand new secret"})
    assert login(client, "taro@example.jp", "a brand new secret").status_code == 303


def test_remember_me_sets_a_long_lived_cookie(app, client):
    add_user(app, "taro", "taro@example.jp")
    login(client, "taro@example.jp", remember="y")
    cookie = client.get_cookie("hiroba_remember", domain="hiroba.test")
    assert cookie is not None and cookie.http_only
    # a new browser session with only the remember cookie is still logged in
    client.delete_cookie("hiroba_session", domain="hiroba.test")
    assert client.get("/account/").status_code == 200


def test_change_password_logs_out_other_sessions(app, client):
    add_user(app, "taro", "taro@example.jp")
    other = app.test_client()
    login(client, "taro@example.jp")
    login(other, "taro@example.jp")
    wrong = submit(
        client,
        "/account/password",
        {"current_password": "nope nope nope", "password": "next secret 123", "password2": "next secret 123"},
    )
    assert "現在のパスワードが正しくありません" in wrong.get_data(as_text=True)
    response = submit(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": "next secret 123", "password2": "next secret 123"},
    )
    assert response.status_code == 303
    assert client.get("/account/").status_code == 200  # this session continues
    assert other.get("/account/").status_code == 302  # the other one is logged out


def test_change_email_needs_the_new_address_confirmed(app, client, mailbox):
    add_user(app, "taro", "taro@example.jp")
    add_user(app, "jiro", "jiro@example.jp")
    login(client, "taro@example.jp")
    taken = submit(client, "/account/email", {"email": "jiro@example.jp", "current_password": PASSWORD})
    assert "すでに登録されています" in taken.get_data(as_text=True)
    response = submit(client, "/account/email", {"email": "taro.new@example.jp", "current_password": PASSWORD})
    assert response.status_code == 303
    assert get_user(app, "taro@example.jp") is not None  # not changed yet
    link = mailbox.link("taro.new@example.jp")
    assert client.get(link).status_code == 302
    assert get_user(app, "taro.new@example.jp").handle == "taro"
    # the old address is told
    assert "taro.new@example.jp" in mailbox.last("taro@example.jp").get_content()
    assert login(app.test_client(), "taro.new@example.jp").status_code == 303


def test_login_redirects_only_to_this_site(app, client):
    add_user(app, "taro", "taro@example.jp")
    assert client.get("/account/").headers["Location"].endswith("/login?next=/account/")
    response = login(client, "taro@example.jp", next="/account/")
    assert response.headers["Location"].endswith("/account/")
    submit(client, "/logout", page="/")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = login(client, "taro@example.jp", next=evil)
        assert response.headers["Location"] in ("/", "http://hiroba.test/"), evil
        submit(client, "/logout", page="/")


def test_logout_needs_post_with_token(app, client):
    add_user(app, "taro", "taro@example.jp")
    login(client, "taro@example.jp")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/account/").status_code == 200
    submit(client, "/logout", page="/")
    assert client.get("/account/").status_code == 302


def test_profile_shows_handle_but_never_email(app, client):
    uid = add_user(app, "taro", "taro@example.jp")
    page = client.get(f"/users/{uid}").get_data(as_text=True)
    assert "taro" in page
    assert "taro@example.jp" not in page
    assert client.get("/users/99999").status_code == 404
