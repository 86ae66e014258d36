import pytest

from ateliers.models import Event
from observatoire.text import fold, unique_slug


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Saint-Étienne", "saint etienne"),
        ("  Cœur   de ville ", "coeur de ville"),
        # Upper-case ligatures too: lower-cased before they are spelled out.
        ("LÆTITIA", "laetitia"),
        ("Lætitia", "laetitia"),
        ("ŒUVRE", "oeuvre"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.django_db
def test_unique_slug_numbers_the_taken_ones():
    events = Event.objects.all()
    assert unique_slug(events, "Forum des usages", fallback="evenement") == (
        "forum-des-usages"
    )
    Event.objects.create(name="Forum", slug="forum-des-usages")
    Event.objects.create(name="Forum 2", slug="forum-des-usages-2")
    assert unique_slug(events, "Forum des usages", fallback="evenement") == (
        "forum-des-usages-3"
    )


@pytest.mark.django_db
def test_unique_slug_falls_back_and_avoids_reserved_words():
    events = Event.objects.all()
    assert unique_slug(events, "日本語", fallback="evenement") == "evenement"
    assert (
        unique_slug(events, "Nouveau", fallback="evenement", reserved={"nouveau"})
        == "evenement-nouveau"
    )
    long = unique_slug(events, "x" * 500, fallback="evenement")
    assert len(long) <= Event._meta.get_field("slug").max_length - 8
