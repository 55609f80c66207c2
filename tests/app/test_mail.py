"""The one mail sender: .eml files without a server, real SMTP with one."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from forum.mail import send_mail
from tests.helpers import submit
from tests.helpers.mail import free_port
from tests.helpers.mail import smtp_server as smtp_server_for


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with smtp_server_for(inbox) as controller:
        yield controller, inbox


def test_registration_mail_goes_through_smtp_when_configured(app, client, smtp_server):
    controller, inbox = smtp_server
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        MAIL_USE_TLS=False,
        MAIL_FROM="広場 <no-reply@city.example.jp>",
    )
    response = submit(
        client,
        "/register",
        {
            "handle": "みなと花子",
            "email": "hanako@example.jp",
            "password": "correct horse battery",
            "password2": "correct horse battery",
        },
    )
    assert response.status_code == 303
    assert len(inbox.messages) == 1
    sender, recipients, message = inbox.messages[0]
    assert sender == "no-reply@city.example.jp"
    assert recipients == ["hanako@example.jp"]
    assert message["Subject"] == "【広場】メールアドレスの確認"
    assert "/verify/" in message.get_content()
    assert not list(Path(app.config["MAIL_DIR"]).glob("*.eml"))


def test_without_a_server_mail_is_an_eml_file(app, mailbox):
    with app.app_context():
        send_mail("taro@example.jp", "件名のテスト", "本文です。\n二行目。")
    [message] = mailbox.messages()
    assert message["Subject"] == "件名のテスト"
    assert message["To"] == "taro@example.jp"
    assert message.get_content() == "本文です。\n二行目。\n"
    assert message["Message-ID"] and message["Date"]


def test_a_mail_server_that_is_down_loses_no_registration(app, client):
    closed_port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port, MAIL_USE_TLS=False, MAIL_TIMEOUT=2)
    response = submit(
        client,
        "/register",
        {
            "handle": "みなと花子",
            "email": "hanako@example.jp",
            "password": "correct horse battery",
            "password2": "correct horse battery",
        },
    )
    assert response.status_code == 303  # the account exists and the resident is signed in
    page = client.get("/account/").get_data(as_text=True)
    assert "確認メールをただいま送信できませんでした" in page
    assert "hanako@example.jp" in page
    resend = submit(client, "/verify/resend", page="/account/")
    assert resend.status_code == 503
    assert "入力された内容は失われていません" in resend.get_data(as_text=True)
