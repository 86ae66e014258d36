"""`make run` fills the database through setup_demo: it must work on an empty
migrated database, give every part something to show, and be safe to re-run."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from ateliers.models import Workshop
from initiatives.models import Initiative
from observatoire import demo, roles
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
def test_setup_demo_fills_every_part_and_is_idempotent(client, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    first = counts()
    assert first["territories"] > 36000
    assert first["published"] >= 100
    assert first["entries"] > 50
    assert first["workshops"] == 4
    output = out.getvalue()
    assert "Données de démonstration prêtes" in output
    password = re.search(r"moderation / (\S+)", output).group(1)

    again = io.StringIO()
    call_command("setup_demo", stdout=again)
    assert counts() == first
    assert password not in again.getvalue()

    # The printed credentials work, and the pages have content to show.
    assert client.login(username="moderation", password=password)
    assert client.get("/moderation/").status_code == 200
    home = client.get("/").content.decode()
    assert f"<strong>{first['published']}</strong>" in home


@pytest.fixture
def production(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.delenv("ALLOW_DEMO_DATA", raising=False)


def test_refused_when_debug_is_off(db, production):
    """It created a superuser with a published password on a production site."""
    with pytest.raises(CommandError, match="--force ou ALLOW_DEMO_DATA=1"):
        call_command("setup_demo", stdout=io.StringIO())
    assert not get_user_model().objects.exists()
    assert not Territory.objects.exists()


def test_existing_accounts_keep_their_password_and_rights(make_user, production):
    admin = make_user("citizen", username="admin")
    created = dict((name, pw) for name, pw, _role in demo.ensure_demo_accounts())
    admin.refresh_from_db()
    assert admin.check_password("motdepasse-de-test")
    assert not admin.is_superuser and not admin.is_staff
    assert created["admin"] == ""
    # The others are new, with random passwords that work and differ.
    passwords = [created[name] for name in ("moderation", "animation", "agent")]
    assert len(set(passwords)) == 3 and all(len(p) >= 16 for p in passwords)
    moderation = get_user_model().objects.get(username="moderation")
    assert moderation.check_password(created["moderation"])
    assert not moderation.check_password("moderation-demo-2026")
    assert [g.name for g in moderation.groups.all()] == [roles.MODERATION]


def test_printed_once(db, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr(demo, "call_command", lambda *args, **kwargs: None)
    first, second = io.StringIO(), io.StringIO()
    demo.load(stdout=first)
    demo.load(stdout=second)
    password = re.search(r"agent / (\S+)", first.getvalue()).group(1)
    assert "ne sont affichés qu'une fois" in first.getvalue()
    assert password not in second.getvalue()
    assert "agent : compte existant, mot de passe inchangé" in second.getvalue()
