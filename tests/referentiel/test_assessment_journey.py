"""The self-assessment as a person takes it: one figure per domain written the
same way everywhere, a private link that is easy to copy and to send, and each
competency one click from its card."""

import re
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse

from referentiel.forms import FIELD_PREFIX
from referentiel.models import Assessment, Entry

pytestmark = pytest.mark.django_db


def test_a_mean_shown_twice_reads_the_same_in_the_chart_the_table_and_the_text(
    client, make_assessment, competencies
):
    assessment = make_assessment(default=2)
    # k ratings at 3 and the rest at 2 give a mean of 2 + k/n: find a domain
    # and a k where rounding (2.36 → 2,4) and truncating (2.36 → 2,3) disagree.
    domains = {}
    for entry in competencies:
        domains.setdefault(entry.section, []).append(entry)
    domain, entries, k = next(
        (domain, entries, k)
        for domain, entries in domains.items()
        for k in range(1, len(entries))
        if (k * 100 // len(entries)) % 10 >= 5
    )
    assessment.ratings.filter(entry__in=entries[:k]).update(level=3)
    hundredths = 200 + k * 100 // len(entries)
    shown = f"{(hundredths + 5) // 100},{(hundredths + 5) // 10 % 10}"
    truncated = f"{hundredths // 100},{hundredths // 10 % 10}"
    assert shown != truncated
    number = list(domains).index(domain) + 1

    html = client.get(assessment.get_absolute_url()).content.decode()
    assert f"{domain.short_title} : {shown} sur 4" in html  # chart description
    assert f"{number} · {shown}</text>" in html  # the chart itself
    assert f"<li>{domain.short_title} : {shown}</li>" in html  # its legend
    row = re.search(rf'{domain.slug}/">[^<]+</a></th><td>([^<]+)</td>', html)
    assert row.group(1) == shown  # the table


def test_the_private_link_starts_and_ends_with_a_letter_or_digit(make_assessment):
    for _ in range(20):
        token = make_assessment().token
        assert re.fullmatch(r"[A-Za-z0-9]{32}", token)


def test_the_result_offers_copy_and_send_by_mail(client, make_assessment):
    assessment = make_assessment()
    html = client.get(assessment.get_absolute_url()).content.decode()
    # The copy button needs JavaScript: hidden until the script reveals it,
    # with instructions for copying by hand.
    assert 'data-copy="private-url" hidden>Copier le lien</button>' in html
    assert "sélectionnez l’adresse, puis Ctrl+C" in html
    assert "M’envoyer le lien par courriel" in html


def test_the_link_is_mailed_and_the_address_is_not_kept(client, make_assessment):
    assessment = make_assessment()
    url = reverse("referentiel:assessment_send_link", args=[assessment.token])
    response = client.post(url, {"email": "moi@example.org"}, follow=True)
    assert "Le lien a été envoyé" in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["moi@example.org"]
    assert assessment.get_absolute_url() in mail.outbox[0].body
    assessment.refresh_from_db()
    stored = " ".join(
        str(getattr(assessment, f.attname)) for f in Assessment._meta.concrete_fields
    )
    assert "moi@example.org" not in stored


@pytest.mark.parametrize("email", ["", "pas-une-adresse", "a@b\r\nBcc: x@y.org"])
def test_a_bad_address_sends_nothing_and_says_so(client, make_assessment, email):
    assessment = make_assessment()
    url = reverse("referentiel:assessment_send_link", args=[assessment.token])
    response = client.post(url, {"email": email}, follow=True)
    assert "Adresse électronique non valide" in response.content.decode()
    assert mail.outbox == []


def test_sending_the_link_is_rate_limited(client, make_assessment):
    assessment = make_assessment()
    url = reverse("referentiel:assessment_send_link", args=[assessment.token])
    for _ in range(5):
        client.post(url, {"email": "moi@example.org"})
    response = client.post(url, {"email": "moi@example.org"}, follow=True)
    assert "Trop d'envois" in unescape(response.content.decode())
    assert len(mail.outbox) == 5


def test_a_mail_failure_is_told_to_the_person(client, make_assessment, settings):
    settings.EMAIL_BACKEND = "tests.referentiel.test_assessment_journey.BrokenBackend"
    assessment = make_assessment()
    url = reverse("referentiel:assessment_send_link", args=[assessment.token])
    response = client.post(url, {"email": "moi@example.org"}, follow=True)
    assert "Le courriel n'a pas pu partir" in unescape(response.content.decode())


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP injoignable")


def test_each_competency_links_to_its_card_in_a_new_tab(client, competencies):
    html = client.get(reverse("referentiel:assessment_start")).content.decode()
    for entry in competencies:
        assert f'name="{FIELD_PREFIX}{entry.pk}"' in html
        assert f'href="{entry.get_absolute_url()}" target="_blank"' in html
    assert "s’ouvre dans un nouvel onglet" in html
    assert Entry.objects.competencies().count() == len(competencies)
