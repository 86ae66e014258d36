import pytest

from ateliers.models import Event
from observatoire.text import fold, markdown_html, plain_text, unique_slug


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


def test_one_text_does_not_leak_into_the_next_through_the_shared_converter():
    """observatoire.text keeps one Markdown converter per thread: a reference
    link or a list of one description must not reach the next."""
    first = markdown_html(
        "Voir [le site][1].\n\n[1]: https://exemple.org\n\n- un\n- deux"
    )
    assert 'href="https://exemple.org"' in first and "<li>deux</li>" in first
    second = markdown_html("Voir [ailleurs][1].")
    assert "href" not in second and "[ailleurs][1]" in second
    assert plain_text("**Gras** et *fin*\n\n# Titre") == "Gras et fin\nTitre"
