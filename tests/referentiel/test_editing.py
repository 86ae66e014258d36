"""Facilitators (group Animation) edit, reorder and tag entries from the site."""

import pytest
from django.urls import reverse

from referentiel.models import Entry


@pytest.fixture
def entry(referential):
    return Entry.objects.get(slug="animer-le-collectif")


def edit_url(entry):
    return reverse("referentiel:entry_edit", args=[entry.slug])


def move_url(entry, direction):
    return reverse("referentiel:entry_move", args=[entry.slug, direction])


def test_anonymous_visitors_are_sent_to_login(client, entry):
    for url in (edit_url(entry), move_url(entry, "up")):
        response = client.post(url, {"title": "Piraté"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    entry.refresh_from_db()
    assert entry.title == "Animer le collectif"


@pytest.mark.parametrize("role", ["citizen", "moderator", "agent"])
def test_other_roles_cannot_edit_or_reorder(client_for, entry, role):
    client = client_for(role)
    assert client.get(edit_url(entry)).status_code == 403
    assert client.post(edit_url(entry), {"title": "Piraté"}).status_code == 403
    assert client.post(move_url(entry, "up")).status_code == 403
    entry.refresh_from_db()
    assert entry.title == "Animer le collectif"


def test_facilitator_sees_edit_tools_others_do_not(client_for, referential):
    url = reverse("referentiel:section", args=["competences", "attitudes"])
    assert "Monter" not in client_for("citizen").get(url).content.decode()
    client = client_for("facilitator")
    for page in (url, reverse("referentiel:part", args=["competences"])):
        html = client.get(page).content.decode()
        assert "Modifier" in html and "Monter" in html and "Descendre" in html


@pytest.mark.parametrize("role", ["facilitator", "superuser"])
def test_facilitator_edits_title_description_and_tags(client_for, entry, role):
    client = client_for(role)
    assert client.get(edit_url(entry)).status_code == 200
    response = client.post(
        edit_url(entry),
        {
            "title": "  Animer   le collectif  ",
            "description": "Définir les rôles et les règles.",
            "tags": "animation, tiers-lieux, écoute",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.title == "Animer le collectif"
    assert entry.description == "Définir les rôles et les règles."
    assert set(entry.tags.names()) == {"animation", "tiers-lieux", "écoute"}
    assert entry.slug == "animer-le-collectif"
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "Définir les rôles et les règles." in page
    assert reverse("tag_detail", args=["ecoute"]) in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"title": "", "description": ""}, "Ce champ est obligatoire."),
        ({"title": "   ", "description": ""}, "Ce champ est obligatoire."),
        ({"title": "x" * 301, "description": ""}, "au plus 300 caractères"),
        ({"title": "Titre", "description": "y" * 5001}, "trop longue"),
        (
            {"title": "Titre", "tags": ",".join(f"m{i}" for i in range(11))},
            "au plus 10",
        ),
        ({"title": "Titre", "tags": "z" * 91}, "trop long"),
    ],
)
def test_edit_form_rejects_bad_input_and_saves_nothing(
    client_for, entry, data, message
):
    response = client_for("facilitator").post(edit_url(entry), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    entry.refresh_from_db()
    assert entry.title == "Animer le collectif"


def test_html_in_an_entry_is_shown_escaped(client_for, entry, client):
    payload = '<script>alert("x")</script><b>gras</b>'
    client_for("facilitator").post(
        edit_url(entry), {"title": payload, "description": payload, "tags": "a<b>"}
    )
    for url in (
        entry.get_absolute_url(),
        reverse(
            "referentiel:section", args=["freins-et-leviers", "leviers-pour-convaincre"]
        ),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_unicode_heavy_text_is_kept(client_for, entry):
    text = "Cœur d’équipe — ça marche ✅ 協力 « ensemble »"
    client_for("facilitator").post(
        edit_url(entry), {"title": text, "description": text}
    )
    entry.refresh_from_db()
    assert entry.title == text


def siblings_titles(referential):
    return list(
        Entry.objects.filter(section__slug="leviers-pour-convaincre").values_list(
            "slug", flat=True
        )
    )


def test_move_up_and_down_swap_with_the_neighbour(client_for, entry, referential):
    client = client_for("facilitator")
    before = siblings_titles(referential)
    index = before.index(entry.slug)
    response = client.post(move_url(entry, "up"))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#fiche-{entry.slug}")
    after = siblings_titles(referential)
    assert after[index - 1] == entry.slug and after[index] == before[index - 1]
    client.post(move_url(entry, "down"))
    assert siblings_titles(referential) == before


def test_first_entry_cannot_move_up_and_stays_in_its_list(client_for, referential):
    first = Entry.objects.filter(section__slug="attitudes").first()
    response = client_for("facilitator").post(move_url(first, "up"), follow=True)
    assert "déjà en bout de liste" in response.content.decode()
    assert Entry.objects.filter(section__slug="attitudes").first() == first


def test_moving_does_not_cross_into_another_list(client_for, referential):
    last = Entry.objects.filter(section__slug="attitudes").last()
    client_for("facilitator").post(move_url(last, "down"))
    assert Entry.objects.filter(section__slug="attitudes").last() == last


def test_move_rejects_get_and_unknown_direction(client_for, entry):
    client = client_for("facilitator")
    assert client.get(move_url(entry, "up")).status_code == 405
    assert client.post(move_url(entry, "sideways")).status_code == 404
