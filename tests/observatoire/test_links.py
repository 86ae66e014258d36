"""observatoire/links.py: the slug pages' links, reversed once, are exactly
what reverse() gives, under any script prefix."""

import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from observatoire.links import slug_url


@pytest.mark.parametrize(
    "name", ["territory_detail", "initiatives:detail", "ateliers:detail"]
)
def test_same_link_as_reverse(name):
    assert slug_url(name, "brest-29019") == reverse(name, args=["brest-29019"])


def test_a_deployment_under_a_prefix_links_under_it():
    set_script_prefix("/observatoire/")
    try:
        assert slug_url("territory_detail", "brest-29019") == (
            "/observatoire/territoires/brest-29019/"
        )
    finally:
        clear_script_prefix()
    assert slug_url("territory_detail", "brest-29019") == "/territoires/brest-29019/"


@pytest.mark.parametrize("slug", ["", "a b", "é", "../x"])
def test_a_slug_the_url_cannot_take_fails_as_reverse_does(slug):
    with pytest.raises(NoReverseMatch):
        slug_url("territory_detail", slug)
