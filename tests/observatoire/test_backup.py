"""`backup` then `restore` into an empty database gives every row and every
uploaded file back, identical; a database with content is never overwritten."""

import shutil
import time
import zipfile

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from initiatives import forms, services
from initiatives.models import Category, Initiative, ModerationEvent
from observatoire.backup import backed_up_models
from tests.ateliers.conftest import make_workshop  # noqa: F401 (a fixture)
from tests.images import image_bytes, upload
from tests.referentiel.conftest import (  # noqa: F401 (fixtures)
    competencies,
    make_assessment,
    referential,
)


@pytest.fixture(autouse=True)
def _fresh_content_types():
    """`flush` recreates the content types under new ids, and the rollback at
    the end of the test brings the old ones back: the process-wide cache of
    content types must not keep the ids of the flushed database."""
    yield
    ContentType.objects.clear_cache()


def snapshot() -> dict[str, list[dict]]:
    """Every backed-up row as the serializer sees it, references by natural key."""
    return {
        model._meta.label_lower: serializers.serialize(
            "python",
            model._default_manager.order_by("pk"),
            use_natural_foreign_keys=True,
        )
        for model in backed_up_models()
    }


@pytest.fixture
def site(client, geo, moderator, make_workshop, make_assessment):  # noqa: F811
    cache.clear()
    response = client.post(
        reverse("initiatives:submit"),
        {
            "name": "Jardin des Capucins",
            "summary": "Un jardin partagé.",
            "category": Category.objects.first().pk,
            "commune": "Brest",
            "tags": "compost, potager",
            "submitter_email": "anne@example.org",
            "consent": "on",
            "started": forms.make_started_token(time.time() - 60),
            "image": upload(image_bytes(size=(800, 600))),
        },
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get(name="Jardin des Capucins")
    services.initiative_approve(initiative=initiative, by=moderator)
    make_workshop(
        "Atelier de Brest\n\nEnjeux\n- Un enjeu\n- Un autre\n", tags=["mobilité"]
    )
    make_assessment(territory=geo.brest)
    get_user_model().objects.create_user("anne", "anne@example.org", "s3cret-pass!")
    return initiative


def test_round_trip_gives_everything_back(site, tmp_path, capsys):
    before = snapshot()
    image_name = site.image.name
    with site.image.open("rb") as stored:
        image = stored.read()
    assert ModerationEvent.objects.filter(initiative=site).count() == 2
    assert before["ateliers.item"] and before["referentiel.assessment"]
    assert before["taggit.taggeditem"]

    archive = tmp_path / "site.zip"
    call_command("backup", str(archive))
    assert "Sauvegarde écrite" in capsys.readouterr().out

    # An empty database and an empty media folder, as on a new server.
    if connection.vendor == "postgresql":
        # The test's own transaction holds deferred foreign-key checks,
        # which TRUNCATE refuses to leave pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT)
    assert not Initiative.objects.exists()

    call_command("restore", str(archive))
    output = capsys.readouterr().out
    assert "initiatives.initiative : 1 lignes" in output
    assert "Restauration terminée" in output

    assert snapshot() == before
    restored = Initiative.objects.get(pk=site.pk)
    assert restored.image.name == image_name
    with restored.image.open("rb") as stored:
        assert stored.read() == image
    # Accounts: same hashes, groups and permissions; the password still works.
    anne = get_user_model().objects.get(username="anne")
    assert anne.check_password("s3cret-pass!")
    moderator = get_user_model().objects.get(pk=site.events.last().actor_id)
    assert moderator.groups.exists()
    # New rows are numbered after the restored ones.
    assert ModerationEvent.objects.create(initiative=restored, action="archived").pk > (
        max(row["pk"] for row in before["initiatives.moderationevent"])
    )


def test_restore_refuses_a_database_with_content(site, tmp_path):
    archive = tmp_path / "site.zip"
    call_command("backup", str(archive), verbosity=0)
    before = snapshot()
    with pytest.raises(CommandError, match="La base de données n'est pas vide"):
        call_command("restore", str(archive))
    assert snapshot() == before


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "bonjour")
    with pytest.raises(CommandError, match="n'est pas une sauvegarde"):
        call_command("restore", str(other))
    text = tmp_path / "notes.zip"
    text.write_text("pas un zip")
    with pytest.raises(CommandError, match="Impossible de lire"):
        call_command("restore", str(text))
    with pytest.raises(CommandError, match="introuvable"):
        call_command("restore", str(tmp_path / "absent.zip"))
