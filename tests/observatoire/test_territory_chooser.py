"""Choosing a territory where names are shared: « Bretagne » is a région and a
commune, « 53 » a région code and a département code. A suggestion picked, or
a candidate ticked without JavaScript, always names one territory; a filter
that could not be understood never shows unfiltered results."""

import re
from html import unescape

import pytest
from django.urls import reverse

from initiatives.models import Initiative
from observatoire.forms import DashboardForm
from observatoire.models import Territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def homonyms(geo):
    """A small commune called Bretagne (Territoire de Belfort) and the
    département of Mayenne, whose code is the région Bretagne's."""
    K = Territory.Kind
    belfort = Territory.objects.create(
        kind=K.DEPARTEMENT, code="90", name="Territoire de Belfort", slug="tdb-90"
    )
    commune = Territory.objects.create(
        kind=K.COMMUNE,
        code="90017",
        name="Bretagne",
        slug="bretagne-90017",
        parent=belfort,
        population=200,
    )
    mayenne = Territory.objects.create(
        kind=K.DEPARTEMENT, code="53", name="Mayenne", slug="mayenne-53"
    )
    geo.bretagne.population = 3_400_000
    geo.bretagne.save()
    return commune, mayenne


def test_a_shared_name_offers_the_candidates_biggest_first(geo, homonyms):
    form = DashboardForm({"territory": "Bretagne"})
    assert not form.is_valid()
    html = str(form["territory"])
    slugs = re.findall(r'name="territory-choisi" value="([^"]+)"', html)
    assert slugs[:2] == [geo.bretagne.slug, "bretagne-90017"]
    assert "Région" in html or "région" in html
    # The biggest is ticked already: sending the form again picks it.
    assert f'value="{geo.bretagne.slug}" checked' in html


def test_a_ticked_candidate_or_a_picked_suggestion_names_one_territory(geo, homonyms):
    commune, mayenne = homonyms
    for data, expected in [
        ({"territory": "Bretagne", "territory-choisi": commune.slug}, commune),
        ({"territory": "Bretagne", "territory-choisi": geo.bretagne.slug}, None),
        ({"territory": "53", "territory-choisi": mayenne.slug}, mayenne),
    ]:
        form = DashboardForm(data)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["territory"] == (expected or geo.bretagne)


def test_an_unknown_identity_falls_back_to_an_error_not_a_guess(geo, homonyms):
    form = DashboardForm({"territory": "Bretagne", "territory-choisi": "nope-00"})
    assert not form.is_valid()


def test_suggestions_carry_the_identity_and_the_kind(client, geo, homonyms):
    response = client.get(reverse("territory_search"), {"q": "Bretagne"})
    results = response.json()["results"]
    assert results[0]["slug"] == geo.bretagne.slug  # the biggest first
    assert results[0]["kind_label"]
    assert {r["slug"] for r in results} >= {geo.bretagne.slug, "bretagne-90017"}


def test_the_list_shows_nothing_under_an_ambiguous_place(
    client, geo, homonyms, make_initiative
):
    make_initiative()
    response = client.get(reverse("initiatives:list"), {"lieu": "Bretagne"})
    html = unescape(response.content.decode())
    assert "initiative trouvée" not in html
    assert "Aucun résultat affiché" in html
    assert len(response.context["initiatives"]) == 0
    assert 'name="lieu-choisi"' in html


def test_the_list_follows_the_ticked_candidate(client, geo, homonyms):
    response = client.get(
        reverse("initiatives:list"),
        {"lieu": "Bretagne", "lieu-choisi": geo.bretagne.slug},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?territoire={geo.bretagne.slug}")


def test_an_unknown_territory_filter_lists_nothing(client, geo, make_initiative):
    make_initiative()
    assert Initiative.objects.published().count() == 1
    response = client.get(reverse("initiatives:list"), {"territoire": "inconnu-99"})
    html = unescape(response.content.decode())
    assert "Aucun résultat affiché" in html
    assert "1 initiative trouvée" not in html
    data = client.get(reverse("initiatives:map_data"), {"territoire": "inconnu-99"})
    assert data.json()["count"] == 0
    assert data.json()["errors"]


def test_the_dashboard_shows_no_figures_under_an_ambiguous_territory(
    client_for, geo, homonyms, make_initiative
):
    make_initiative()
    response = client_for("agent").get(reverse("dashboard"), {"territory": "53"})
    assert response.context["blocks"] == []
    html = unescape(response.content.decode())
    assert "aucun chiffre n'est affiché" in html
    assert 'name="territory-choisi" value="mayenne-53"' in html
