"""Public submission: the form, anti-abuse, storage as pending, emails."""

import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from initiatives import forms
from initiatives.models import (
    ActionLevel,
    Category,
    Family,
    Initiative,
    ModerationEvent,
    ResourceType,
)
from initiatives.views import submission

URL = reverse("initiatives:submit")


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def valid_data(**overrides):
    data = {
        "name": "Jardin des Capucins",
        "summary": "Un jardin partagé ouvert à tous les habitants du quartier.",
        "description": "On y cultive **ensemble** des légumes.",
        "category": Category.objects.get(slug="jardin-partage").pk,
        "families": [Family.objects.get(slug="durable").pk],
        "action_levels": [ActionLevel.objects.get(slug="lien-entre-collectifs").pk],
        "economic_model": "free",
        "resources": [ResourceType.objects.get(slug="benevolat").pk],
        "governance": "associative",
        "commune": "Brest (29)",
        "address": "Rue de Siam",
        "latitude": "",
        "longitude": "",
        "website": "https://jardin.example.org",
        "organisation": "Association des Capucins",
        "public_contact": "contact@jardin.example.org",
        "tags": "compost, potager",
        "submitter_name": "Anne Le Goff",
        "submitter_email": "anne@example.org",
        "consent": "on",
        "contact_url": "",
        "started": forms.make_started_token(time.time() - 60),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_form_page_shows_every_field_in_french(client, geo):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Proposer une initiative</h1>" in html
    for label in ("Nom", "Résumé", "Commune", "Votre courriel", "Familles"):
        assert label in html
    assert "/mentions-legales/#donnees-personnelles" in html
    assert 'name="started"' in html


def test_valid_submission_is_stored_pending_and_mails_are_sent(client, geo, moderator):
    response = client.post(URL, valid_data())
    assert response.status_code == 302
    assert response.url == reverse("initiatives:submitted")
    initiative = Initiative.objects.get()
    assert initiative.status == Initiative.Status.PENDING
    assert initiative.commune == geo.brest
    assert initiative.slug == "jardin-des-capucins"
    assert initiative.published_at is None
    assert sorted(initiative.tags.names()) == ["compost", "potager"]
    assert [f.slug for f in initiative.families.all()] == ["durable"]
    assert initiative.submitter_email == "anne@example.org"
    assert initiative.events.get().action == ModerationEvent.Action.SUBMITTED
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["anne@example.org", "moderator@example.org"]
    ack = next(m for m in mail.outbox if m.to == ["anne@example.org"])
    assert "Nous avons bien reçu" in ack.subject
    notice = next(m for m in mail.outbox if m.to == ["moderator@example.org"])
    assert f"/moderation/initiatives/{initiative.pk}/" in notice.body


def test_submitted_initiative_is_not_visible_to_the_public(client, geo):
    client.post(URL, valid_data())
    initiative = Initiative.objects.get()
    assert client.get(initiative.get_absolute_url()).status_code == 404
    assert (
        initiative.name not in client.get(reverse("initiatives:list")).content.decode()
    )


def test_postal_code_chooses_the_commune(client, geo):
    client.post(URL, valid_data(commune="29000"))
    assert Initiative.objects.get().commune == geo.quimper


def test_unknown_commune_is_explained(client, geo):
    response = client.post(URL, valid_data(commune="Atlantide"))
    assert response.status_code == 400
    assert "Aucun territoire ne correspond" in response.content.decode()
    assert not Initiative.objects.exists()


def test_typed_coordinates_are_kept(client, geo):
    client.post(URL, valid_data(latitude="48.3904", longitude="-4.4861"))
    initiative = Initiative.objects.get()
    assert (initiative.latitude, initiative.longitude) == (48.3904, -4.4861)


def test_half_coordinates_are_refused(client, geo):
    response = client.post(URL, valid_data(latitude="48.39"))
    assert response.status_code == 400
    assert "la latitude et la longitude, ou aucune des deux" in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", "91"), ("longitude", "-200"), ("latitude", "quarante-huit")],
)
def test_wrong_coordinates_are_refused(client, geo, field, value):
    other = "longitude" if field == "latitude" else "latitude"
    response = client.post(URL, valid_data(**{field: value, other: "1"}))
    assert response.status_code == 400
    assert not Initiative.objects.exists()


def test_empty_form_lists_french_errors_per_field(client, geo):
    response = client.post(URL, {"started": forms.make_started_token(0)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Le formulaire contient des erreurs" in html
    assert html.count("Ce champ est obligatoire.") >= 5
    assert "Cochez cette case pour envoyer la proposition" in html
    assert not Initiative.objects.exists()


def test_consent_is_required(client, geo):
    data = valid_data()
    del data["consent"]
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "Cochez cette case" in response.content.decode()
    assert not Initiative.objects.exists()
    assert mail.outbox == []


def test_too_long_values_are_refused(client, geo):
    response = client.post(URL, valid_data(name="x" * 201, summary="y" * 301))
    assert response.status_code == 400
    html = response.content.decode()
    assert "au plus 200 caractères" in html
    assert "au plus 300 caractères" in html
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("category", "9999", "Sélectionnez un choix valide"),
        ("families", "abc", "n’est pas une valeur correcte"),
        ("economic_model", "gratis", "Sélectionnez un choix valide"),
        ("submitter_email", "pas-un-courriel", "adresse de courriel valide"),
        ("website", "javascript:alert(1)", "Saisissez une URL valide"),
    ],
)
def test_wrongly_typed_values_are_refused(client, geo, field, value, message):
    response = client.post(URL, valid_data(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Initiative.objects.exists()


def test_too_many_or_too_long_tags_are_refused(client, geo):
    response = client.post(URL, valid_data(tags=",".join(f"t{i}" for i in range(11))))
    assert "au plus 10 mots-clés" in response.content.decode()
    response = client.post(URL, valid_data(tags="a" * 91))
    assert "90 caractères au plus" in response.content.decode()
    assert not Initiative.objects.exists()


def test_html_in_the_form_is_redisplayed_escaped(client, geo):
    payload = '<script>alert("x")</script>'
    response = client.post(URL, valid_data(name=payload, latitude="91"))
    html = response.content.decode()
    assert payload not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_unicode_heavy_submission_is_stored_intact(client, geo):
    name = "Ça pousse ! 🌱 Jardin « Ŧęśţ » 日本語の庭"
    response = client.post(URL, valid_data(name=name, tags="écologie, Œuvre"))
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert initiative.name == name
    assert initiative.slug.startswith("ca-pousse-jardin")
    assert sorted(initiative.tags.names()) == ["écologie", "Œuvre"]


def test_name_without_latin_letters_still_gets_a_slug(client, geo):
    client.post(URL, valid_data(name="日本語"))
    client.post(URL, valid_data(name="中文"))
    assert sorted(Initiative.objects.values_list("slug", flat=True)) == [
        "initiative",
        "initiative-2",
    ]


# Anti-abuse ------------------------------------------------------------------


def test_honeypot_rejects_with_an_explanation(client, geo):
    response = client.post(URL, valid_data(contact_url="http://spam.example"))
    assert response.status_code == 400
    assert "c&#x27;est ce que font les robots" in response.content.decode()
    assert not Initiative.objects.exists()


def test_too_fast_submission_is_explained(client, geo):
    response = client.post(URL, valid_data(started=forms.make_started_token()))
    assert response.status_code == 400
    assert "envoyé trop vite" in response.content.decode()
    assert not Initiative.objects.exists()


@pytest.mark.parametrize("token", ["", "123", "not:a:token"])
def test_missing_or_forged_timestamp_is_explained(client, geo, token):
    response = client.post(URL, valid_data(started=token))
    assert response.status_code == 400
    assert "Le formulaire a expiré ou a été modifié" in response.content.decode()
    assert not Initiative.objects.exists()


def test_redisplayed_form_carries_a_fresh_timestamp(client, geo):
    old = forms.make_started_token(time.time() - 60)
    response = client.post(URL, valid_data(started=old, name=""))
    assert response.status_code == 400
    assert old not in response.content.decode()


def test_rate_limit_per_ip_is_explained(client, geo):
    for number in range(submission.SEND_LIMIT):
        response = client.post(URL, valid_data(name=f"Jardin {number}"))
        assert response.status_code == 302
    response = client.post(URL, valid_data(name="Un de trop"))
    assert response.status_code == 429
    assert "Trop d&#x27;envois depuis votre connexion" in response.content.decode()
    assert Initiative.objects.count() == submission.SEND_LIMIT
    # Another address is not affected.
    response = client.post(URL, valid_data(name="Voisin"), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_submit_rejects_other_methods(client, geo, method):
    assert getattr(client, method)(URL).status_code == 405


def test_repeated_invalid_posts_are_limited_too(client, geo):
    for _ in range(submission.ATTEMPT_LIMIT):
        assert client.post(URL, valid_data(name="")).status_code == 400
    response = client.post(URL, valid_data())
    assert response.status_code == 429
    assert not Initiative.objects.exists()


def test_too_long_description_is_refused(client, geo):
    response = client.post(
        URL, valid_data(description="é" * (forms.DESCRIPTION_MAX_LENGTH + 1))
    )
    assert response.status_code == 400
    assert "au plus 20000 caractères" in response.content.decode()


def test_description_html_is_never_rendered_raw_on_moderator_preview(
    client, geo, moderator
):
    payload = "<script>alert('x')</script><img src=x onerror=alert(2)>"
    client.post(URL, valid_data(description=payload, summary=payload))
    initiative = Initiative.objects.get()
    client.force_login(moderator)
    for url in (
        initiative.get_absolute_url(),
        reverse("initiatives:moderation"),
        reverse("initiatives:moderate_initiative", args=[initiative.pk]),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "onerror=alert(2)>" not in html


def test_failure_midway_leaves_nothing_half_saved(client, geo, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(ModerationEvent.objects, "create", broken)
    client.raise_request_exception = False
    response = client.post(URL, valid_data())
    assert response.status_code == 500
    assert not Initiative.objects.exists()
    assert mail.outbox == []


def test_proposals_are_rate_limited_too(client, make_initiative):
    from initiatives.models import ChangeProposal

    initiative = make_initiative()
    url = reverse("initiatives:propose_change", args=[initiative.slug])

    def data():
        return {
            "name": initiative.name,
            "summary": initiative.summary,
            "message": "Erreur",
            "started": forms.make_started_token(time.time() - 60),
        }

    for _ in range(submission.SEND_LIMIT):
        assert client.post(url, data()).status_code == 302
    response = client.post(url, data())
    assert response.status_code == 429
    assert ChangeProposal.objects.count() == submission.SEND_LIMIT


@pytest.mark.parametrize("name", ["moderate_initiative", "moderate_proposal"])
def test_moderation_forms_reject_other_methods(client, moderator, name):
    client.force_login(moderator)
    assert client.put(reverse(f"initiatives:{name}", args=[1])).status_code == 405


def test_a_form_token_is_used_once(client, geo):
    """Replaying one shown form used to work for 24 hours."""
    data = valid_data()
    assert client.post(URL, data).status_code == 302
    response = client.post(URL, {**data, "name": "Encore"})
    assert response.status_code == 400
    assert "déjà été envoyé une fois" in response.content.decode()
    assert Initiative.objects.count() == 1
    # Two forms shown in the same second still get different tokens.
    assert forms.make_started_token(1e9) != forms.make_started_token(1e9)


@pytest.fixture
def decoded(monkeypatch):
    """Every image the submission form decodes."""
    calls = []
    real = forms.process_uploaded_image

    def spy(upload, **kwargs):
        calls.append(upload.name)
        return real(upload, **kwargs)

    monkeypatch.setattr(forms, "process_uploaded_image", spy)
    return calls


def test_refused_posts_decode_no_image(client, geo, decoded):
    """A 429 used to decode and re-encode the image (0.37 s of CPU for a 35 KB
    PNG of 36 megapixels) before saying no."""
    from tests.images import image_bytes, upload

    for number in range(submission.SEND_LIMIT):
        assert client.post(URL, valid_data(name=f"Jardin {number}")).status_code == 302
    response = client.post(URL, valid_data(image=upload(image_bytes())))
    assert response.status_code == 429
    # A replayed token and a robot are refused before decoding too.
    data = valid_data(image=upload(image_bytes()))
    client.post(URL, data, REMOTE_ADDR="10.0.0.9")
    assert decoded == ["photo.jpg"]
    data["image"] = upload(image_bytes())
    response = client.post(URL, data, REMOTE_ADDR="10.0.0.8")
    assert "déjà été envoyé une fois" in response.content.decode()
    response = client.post(
        URL,
        valid_data(contact_url="x", image=upload(image_bytes())),
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 400
    assert decoded == ["photo.jpg"]


@pytest.mark.django_db(transaction=True)
def test_a_token_replayed_at_once_is_accepted_once():
    """Ten simultaneous posts of one token: the shared cache's add() lets one
    through (Redis SET NX; the database cache's unique key)."""
    import threading

    from django.db import connection, connections

    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite cannot take concurrent writers (see ratelimit)")
    token = forms.make_started_token(time.time() - 60)
    barrier = threading.Barrier(10)
    problems = []

    def one():
        try:
            form = forms.AntiAbuseMixin({"started": token})
            barrier.wait()
            problems.append(form._abuse_problem())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [p is None for p in problems].count(True) == 1
