"""Factories shared by every app's tests: users per role and a small,
real-looking piece of territory (no need to load 35,000 communes)."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.text import slugify

from observatoire import roles
from observatoire.models import Territory

ROLE_NAMES = {
    "moderator": [roles.MODERATION],
    "facilitator": [roles.ANIMATION],
    "agent": [roles.AGENTS],
    "citizen": [],
}


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Uploaded files go to a per-test folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_user(db):
    def make(role: str = "citizen", username: str | None = None, **extra):
        User = get_user_model()
        user = User.objects.create_user(
            username=username or f"{role}-{User.objects.count() + 1}",
            password="motdepasse-de-test",
            email=extra.pop("email", f"{role}@example.org"),
            **extra,
        )
        if role == "superuser":
            user.is_superuser = user.is_staff = True
            user.save()
        else:
            # get_or_create: transactional (browser) tests flush the groups
            # that the data migration created.
            user.groups.set(
                [Group.objects.get_or_create(name=name)[0] for name in ROLE_NAMES[role]]
            )
        return user

    return make


@pytest.fixture
def moderator(make_user):
    return make_user("moderator")


@pytest.fixture
def facilitator(make_user):
    return make_user("facilitator")


@pytest.fixture
def agent(make_user):
    return make_user("agent")


@pytest.fixture
def client_for(client, make_user):
    """A test client logged in as the given role ("anonymous" for none)."""

    def login(role: str):
        if role != "anonymous":
            client.force_login(make_user(role))
        return client

    return login


def _territory(kind, code, name, **extra):
    return Territory.objects.create(
        kind=kind, code=code, name=name, slug=slugify(f"{name}-{code}"), **extra
    )


@pytest.fixture
def geo(db):
    """Bretagne > Finistère > Brest and Quimper, with Brest Métropole; plus Lyon."""
    K = Territory.Kind
    bretagne = _territory(K.REGION, "53", "Bretagne")
    finistere = _territory(K.DEPARTEMENT, "29", "Finistère", parent=bretagne)
    metropole = _territory(K.EPCI, "242900314", "Brest Métropole")
    brest = _territory(
        K.COMMUNE,
        "29019",
        "Brest",
        parent=finistere,
        epci=metropole,
        population=139926,
        postal_codes="29200",
        latitude=48.4,
        longitude=-4.5,
    )
    quimper = _territory(
        K.COMMUNE,
        "29232",
        "Quimper",
        parent=finistere,
        population=63283,
        postal_codes="29000",
        latitude=47.99,
        longitude=-4.1,
    )
    ara = _territory(K.REGION, "84", "Auvergne-Rhône-Alpes")
    rhone = _territory(K.DEPARTEMENT, "69", "Rhône", parent=ara)
    lyon = _territory(
        K.COMMUNE,
        "69123",
        "Lyon",
        parent=rhone,
        population=522250,
        postal_codes="69001 69002 69003",
        latitude=45.76,
        longitude=4.83,
    )
    return SimpleNamespace(
        bretagne=bretagne,
        finistere=finistere,
        metropole=metropole,
        brest=brest,
        quimper=quimper,
        ara=ara,
        rhone=rhone,
        lyon=lyon,
    )
