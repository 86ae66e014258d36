"""`make run` fills the database through setup_demo: it must work on an empty
migrated database, give every part something to show, and be safe to re-run."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from ateliers.models import Workshop
from initiatives.models import Initiative
from observatoire.models import Territory
from referentiel.models import Entry


def counts():
    return {
        "territories": Territory.objects.count(),
        "initiatives": Initiative.objects.count(),
        "published": Initiative.objects.published().count(),
        "entries": Entry.objects.count(),
        "workshops": Workshop.objects.published().count(),
        "users": get_user_model().objects.count(),
    }


@pytest.mark.slow
@pytest.mark.django_db
def test_setup_demo_fills_every_part_and_is_idempotent(client):
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    first = counts()
    assert first["territories"] > 36000
    assert first["published"] >= 100
    assert first["entries"] > 50
    assert first["workshops"] == 4
    output = out.getvalue()
    assert "Données de démonstration prêtes" in output
    assert "moderation / moderation-demo-2026" in output

    call_command("setup_demo", stdout=io.StringIO())
    assert counts() == first

    # The printed credentials work, and the pages have content to show.
    assert client.login(username="moderation", password="moderation-demo-2026")
    assert client.get("/moderation/").status_code == 200
    home = client.get("/").content.decode()
    assert f"<strong>{first['published']}</strong>" in home
