"""The base UI: language, display preferences, landmarks, error pages, cookies and headers."""

from __future__ import annotations

import re

import pytest
from flask import abort

from tests.helpers import add_user, login, submit


def html_class(page: str) -> str:
    return re.search(r'<html lang="(\w+)" class="([^"]+)"', page).group(0)


def test_japanese_by_default_with_landmarks_and_skip_link(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ja"' in page
    assert page.index('class="skip-link" href="#main"') < page.index("<header")
    assert "本文へ移動" in page
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in page
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert "市民電子会議室" in page


def test_english_switch_persists_in_a_cookie(client):
    response = submit(client, "/preferences", {"lang": "en", "next": "/register"}, page="/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/register"
    page = client.get("/register").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "Handle name (shown publicly)" in page
    submit(client, "/preferences", {"lang": "ja"}, page="/")
    assert "表示名（公開されます）" in client.get("/register").get_data(as_text=True)


def test_signed_in_users_keep_their_language_on_every_device(app, client):
    add_user(app, "taro", "taro@example.jp")
    login(client, "taro@example.jp")
    submit(client, "/preferences", {"lang": "en"}, page="/")
    other = app.test_client()
    login(other, "taro@example.jp")
    assert '<html lang="en"' in other.get("/").get_data(as_text=True)


def test_text_size_and_contrast_persist_without_javascript(client):
    assert 'class="text-standard contrast-normal furigana-off"' in client.get("/").get_data(as_text=True)
    submit(client, "/preferences", {"text_size": "xlarge"}, page="/")
    submit(client, "/preferences", {"contrast": "high"}, page="/")
    page = client.get("/login").get_data(as_text=True)
    assert 'class="text-xlarge contrast-high furigana-off"' in page
    assert re.search(r'value="xlarge"[^>]*aria-pressed="true"', page)
    cookie = client.get_cookie("hiroba_text", domain="hiroba.test")
    assert cookie.value == "xlarge" and cookie.http_only and cookie.expires is not None


def test_preferences_reject_unknown_values_and_foreign_redirects(client):
    assert submit(client, "/preferences", {"text_size": "huge"}, page="/").status_code == 400
    response = submit(client, "/preferences", {"contrast": "high", "next": "https://evil.example/"}, page="/")
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("code", "ja", "en"),
    [
        (400, "リクエストが正しくありません", "Bad request"),
        (403, "アクセスできません", "Not allowed"),
        (404, "ページが見つかりません", "Page not found"),
        (405, "この操作はできません", "Method not allowed"),
        (413, "送信データが大きすぎます", "Too large"),
        (429, "アクセスが集中しています", "Too many requests"),
        (500, "サーバーエラー", "Server error"),
    ],
)
def test_error_pages_in_the_users_language(app, code, ja, en):
    @app.get(f"/__fail/{code}")
    def fail():
        abort(code)

    fail.required_permission = "test-only"
    client = app.test_client()
    response = client.get(f"/__fail/{code}")
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert ja in page and '<html lang="ja"' in page
    submit(client, "/preferences", {"lang": "en"}, page="/")
    assert en in client.get(f"/__fail/{code}").get_data(as_text=True)


def test_unexpected_exception_gives_the_500_page(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/__boom")
    def boom():
        raise RuntimeError("bug")

    boom.required_permission = "test-only"
    response = app.test_client().get("/__boom")
    assert response.status_code == 500
    assert "システム側で問題が発生しました" in response.get_data(as_text=True)


def test_real_errors_from_requests(app, client):
    assert client.get("/no/such/page").status_code == 404
    assert client.put("/login").status_code == 405
    big = client.post("/login", data={"email": "x" * (3 * 1024 * 1024)})
    assert big.status_code == 413
    assert "送信データが大きすぎます" in big.get_data(as_text=True)
    assert client.get("/users/not-a-number").status_code == 404
    assert client.get("/admin/users?page=-5").status_code == 302  # guests go to login first


def test_session_cookie_flags(app, client):
    add_user(app, "taro", "taro@example.jp")
    response = login(client, "taro@example.jp")
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("hiroba_session="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    https = app.test_client()
    csrf_page = https.get("/login", base_url="https://hiroba.test")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', csrf_page.get_data(as_text=True)).group(1)
    response = https.post(
        "/login",
        base_url="https://hiroba.test",
        data={"email": "taro@example.jp", "password": "correct horse battery", "csrf_token": token, "remember": "y"},
        headers={"Referer": "https://hiroba.test/login"},
    )
    cookies = {h.split("=")[0]: h for h in response.headers.getlist("Set-Cookie")}
    for name in ("hiroba_session", "hiroba_remember"):
        assert "; Secure" in cookies[name] and "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]


def test_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_output_is_escaped(app, client):
    uid = add_user(app, "<script>x</script>", "xss@example.jp")
    page = client.get(f"/users/{uid}").get_data(as_text=True)
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_stylesheet_has_focus_styles_and_the_three_text_sizes(client):
    css = client.get("/static/css/hiroba.css").get_data(as_text=True)
    assert ":focus-visible" in css
    for cls in ("html.text-large", "html.text-xlarge", "html.contrast-high"):
        assert cls in css
