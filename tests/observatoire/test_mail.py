"""observatoire.mail: one-line subjects and mail failures that never raise."""

from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from observatoire.mail import send, single_line


class FailingBackend(BaseEmailBackend):
    """A mail server that hangs up, as an outage does."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connexion fermée par le serveur")


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("Connexion refusée")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Jardin\r\nBcc: x@example.org", "Jardin Bcc: x@example.org"),
        ("Jardin\nSubject: autre", "Jardin Subject: autre"),
        ("a\u2028b\x00c\x85d\x0be", "a b c d e"),
        ("  deux   espaces  ", "deux espaces"),
    ],
)
def test_single_line_removes_every_line_break_and_control(text, expected):
    assert single_line(text) == expected


def test_single_line_caps_the_length():
    assert single_line("x" * 500) == "x" * 149 + "…"


def test_a_line_break_in_the_subject_is_sent_on_one_line_without_extra_header():
    assert send(
        to=["anne@example.org"],
        subject="Reçu : Jardin\r\nBcc: x@example.org",
        body="Bonjour",
    )
    [message] = mail.outbox
    assert message.subject == "Reçu : Jardin Bcc: x@example.org"
    assert message.recipients() == ["anne@example.org"]
    assert "\nBcc:" not in message.message().as_string()


def test_one_message_per_recipient():
    assert send(to=["a@example.org", "", "b@example.org"], subject="S", body="B")
    assert [m.to for m in mail.outbox] == [["a@example.org"], ["b@example.org"]]


def test_an_address_on_two_lines_is_refused_not_raised(caplog):
    assert not send(to=["a@example.org\r\nBcc: x@example.org"], subject="S", body="B")
    assert mail.outbox == []
    assert "Envoi du courriel « S » impossible" in caplog.text


@pytest.mark.parametrize("backend", ["FailingBackend", "RefusingBackend"])
def test_a_failing_mail_server_is_logged_and_reported(settings, caplog, backend):
    settings.EMAIL_BACKEND = f"tests.observatoire.test_mail.{backend}"
    assert send(to=["anne@example.org"], subject="Sujet", body="B") is False
    assert "Envoi du courriel « Sujet » impossible" in caplog.text


def test_every_mail_of_the_site_goes_through_the_helper():
    """A send_mail() elsewhere would bring back the 500 on a line break."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    senders = ("send_mail(", "send_mass_mail(", "EmailMessage(", "mail_admins(")
    found = [
        str(path.relative_to(root))
        for app in ("observatoire", "initiatives", "referentiel", "ateliers")
        for path in (root / app).rglob("*.py")
        if path != root / "observatoire" / "mail.py"
        and any(sender in path.read_text() for sender in senders)
    ]
    assert found == []
