"""Issue 10, item 3: a line break in a name, or a mail server down, never loses
a submission nor blocks a moderation decision; the person is told."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from initiatives.models import Initiative
from tests.initiatives.test_moderation import edit_data
from tests.initiatives.test_submission import URL, valid_data

INJECTED = "Jardin\r\nBcc: x@example.org"
WARNING = "C&#x27;est enregistré, mais"


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def test_a_line_break_in_the_name_is_no_500_and_no_extra_recipient(
    client, geo, moderator
):
    response = client.post(URL, valid_data(name=INJECTED))
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert initiative.status == Initiative.Status.PENDING
    # Submitter and moderators are both told, on one-line subjects.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "anne@example.org",
        "moderator@example.org",
    ]
    for message in mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        assert "x@example.org" not in message.recipients()

    # Approving it later works too, and the submitter gets the notice.
    mail.outbox.clear()
    client.force_login(moderator)
    url = reverse("initiatives:moderate_initiative", args=[initiative.pk])
    response = client.post(url, edit_data(initiative, name="Jardin"))
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.PUBLISHED
    assert [m.to for m in mail.outbox] == [["anne@example.org"]]


@pytest.fixture
def mail_down(settings):
    settings.EMAIL_BACKEND = "tests.observatoire.test_mail.FailingBackend"


def test_a_submission_is_kept_when_the_mail_server_is_down(
    client, geo, moderator, mail_down, caplog
):
    response = client.post(URL, valid_data(), follow=True)
    assert response.status_code == 200
    assert Initiative.objects.get().status == Initiative.Status.PENDING
    assert WARNING in response.content.decode()
    assert "impossible" in caplog.text


def test_a_decision_is_saved_when_the_mail_server_is_down(
    client, make_initiative, moderator, mail_down
):
    pending = make_initiative(
        name="Jardin", status=Initiative.Status.PENDING, submitter_email="a@b.org"
    )
    client.force_login(moderator)
    url = reverse("initiatives:reject_initiative", args=[pending.pk])
    response = client.post(url, {"reason": "Hors territoire"}, follow=True)
    pending.refresh_from_db()
    assert pending.status == Initiative.Status.REJECTED
    assert WARNING in response.content.decode()
