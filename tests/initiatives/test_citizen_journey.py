"""A citizen proposing an initiative from a phone: a short form whose optional
parts fold away, coordinates behind « placer sur la carte », and a thank-you
page (and mail) that recap what was sent with a reference."""

import re
from html import unescape

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from initiatives.models import Initiative
from tests.initiatives.test_submission import URL, valid_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def _details(html: str, summary: str) -> str:
    match = re.search(
        r"<details[^>]*>\s*<summary>"
        + re.escape(summary)
        + r"</summary>(.*?)</details>",
        html,
        re.S,
    )
    assert match, summary
    return match.group(0)


def test_optional_parts_fold_away_and_coordinates_hide_behind_the_map(client, geo):
    html = client.get(URL).content.decode()
    how = _details(html, "Comment elle fonctionne (facultatif)")
    assert " open" not in how.split(">")[0]
    assert 'name="families"' in how and 'name="governance"' in how
    where = _details(unescape(html), "Placer sur la carte (facultatif)")
    assert 'name="latitude"' in where and 'name="longitude"' in where
    # Without JavaScript there is no map: its « cliquez » hint is inside the
    # hidden picker, never in the fields' own help.
    assert "Cliquez sur la carte" not in re.sub(
        r'<div class="point-picker" data-point-picker hidden>.*?</div>',
        "",
        html,
        flags=re.S,
    )
    # The required parts stay in view.
    assert 'name="name"' in html.split("<details")[0]


def test_a_folded_part_with_an_error_or_an_answer_is_open(client, geo):
    response = client.post(URL, valid_data(latitude="91", longitude="2"))
    html = unescape(response.content.decode())
    assert response.status_code == 400
    where = _details(html, "Placer sur la carte (facultatif)")
    assert where.startswith('<details class="coordinates" open')
    how = _details(html, "Comment elle fonctionne (facultatif)")
    assert how.startswith('<details class="form-section form-fold" open')


def test_the_thank_you_page_recaps_the_submission_with_a_reference(client, geo):
    response = client.post(URL, valid_data(), follow=True)
    initiative = Initiative.objects.get()
    html = unescape(response.content.decode())
    assert initiative.reference == f"INIT-{initiative.pk:06d}"
    assert f"référence {initiative.reference}" in html
    for shown in ("Jardin des Capucins", "Jardin partagé", "Brest (29)", "Rue de Siam"):
        assert shown in html
    confirmation = mail.outbox[0]
    assert confirmation.to == ["anne@example.org"]
    assert initiative.reference in confirmation.subject
    assert "- Nom : Jardin des Capucins" in confirmation.body
    assert "- Commune : Brest (29)" in confirmation.body


def test_nobody_else_sees_a_pending_submission_on_the_thank_you_page(
    client, geo, django_user_model
):
    from django.test import Client

    client.post(URL, valid_data())
    other = Client().get(reverse("initiatives:submitted")).content.decode()
    assert "Jardin des Capucins" not in other
    assert "INIT-" not in other


def test_a_name_with_markup_is_escaped_in_the_recap(client, geo):
    response = client.post(URL, valid_data(name="<b>Jardin</b> & co"), follow=True)
    html = response.content.decode()
    assert "&lt;b&gt;Jardin&lt;/b&gt; &amp; co" in html
    assert "<b>Jardin</b>" not in html
