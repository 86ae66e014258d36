"""What every role meets on every page: a readable page title, the site's
name in the header, plurals that agree, and a landing page after login that
is where the person's work is."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from initiatives.models import Category

pytestmark = pytest.mark.django_db

PAGES = [
    ("home", "Accueil"),
    ("login", "Connexion"),
    ("initiatives:list", None),
    ("referentiel:overview", None),
    ("ateliers:list", None),
    ("about", None),
]


@pytest.mark.parametrize(("name", "first"), PAGES)
def test_page_titles_name_the_page_then_the_site(client, name, first):
    html = client.get(reverse(name)).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    page, sep, site = title.rpartition(" — ")
    assert sep and page.strip() and site == settings.SITE_NAME
    if first:
        assert page == first


def test_the_login_page_header_shows_the_site_name_not_the_host(client):
    html = client.get(reverse("login"), HTTP_HOST="127.0.0.1").content.decode()
    brand = re.search(r'class="brand".*?</a>', html, re.S).group(0)
    assert settings.SITE_NAME in brand
    assert "127.0.0.1" not in brand


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("moderator", "initiatives:moderation"),
        ("facilitator", "ateliers:list"),
        ("agent", "dashboard"),
        ("citizen", "home"),
    ],
)
def test_each_role_lands_where_its_work_is(client, make_user, role, landing):
    user = make_user(role)
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": "motdepasse-de-test"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(landing)


def test_next_still_wins_over_the_role_landing(client, make_user):
    user = make_user("moderator")
    response = client.post(
        reverse("login") + "?next=" + reverse("referentiel:overview"),
        {"username": user.username, "password": "motdepasse-de-test"},
    )
    assert response["Location"] == reverse("referentiel:overview")


def test_dashboard_plurals_agree_with_their_number(client_for, make_initiative):
    make_initiative()
    html = client_for("agent").get(reverse("dashboard")).content.decode()
    assert "initiative publiée" in html
    assert "initiatives publiées" not in html
    assert "0 atelier publié" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_dashboard_kinds_link_to_the_list_with_shares_and_others(
    client_for, make_initiative
):
    kinds = list(Category.objects.order_by("position")[:8])
    # 3 of the first kind, then one each of seven more: top 6 plus « autres ».
    for _ in range(3):
        make_initiative(category=kinds[0])
    for kind in kinds[1:]:
        make_initiative(category=kind)
    response = client_for("agent").get(reverse("dashboard"))
    values = {
        indicator.label: indicator
        for _title, block in response.context["blocks"]
        for indicator in block
    }
    first = values[kinds[0].name]
    assert first.value == 3
    assert first.share == pytest.approx(0.3)
    assert first.url == reverse("initiatives:list") + f"?type={kinds[0].slug}"
    others = values["autres types de pratique"]
    assert others.value == 2
    # Equal counts rank by name: the last two names make up « autres ».
    for kind in sorted(kinds[1:], key=lambda kind: kind.name)[-2:]:
        assert f"type={kind.slug}" in others.url
        assert kind.name not in values
    html = response.content.decode()
    assert "(30,0 %)" in html
    # Following the link lists exactly what the figure counted.
    listed = client_for("agent").get(first.url)
    assert "3 initiatives" in re.sub(r"\s+", " ", listed.content.decode())


def test_home_figures_agree_with_their_number(client, make_initiative):
    make_initiative()
    text = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/").content.decode())
    )
    assert " 1 initiative " in text
    # French: zero takes the singular.
    assert " 0 atelier " in text


def test_zero_takes_the_singular_in_french_on_counted_pages(client):
    html = client.get(reverse("ateliers:vigilance")).content.decode()
    assert "0 partie d'atelier" in html.replace("&#x27;", "'")
    assert "parties" not in html.split('role="status"')[1][:80]


def test_no_template_writes_capitalised_french_month_abbreviations():
    """`M` gives « Déc » in French; months are lower case (`F` or `b`)."""
    offenders = [
        f"{path}:{number}"
        for path in (settings.BASE_DIR / "templates").rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r'date:"[^"]*(?<!\\)M', line)
    ]
    assert offenders == []
