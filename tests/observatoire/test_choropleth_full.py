"""The boundary files against the full committed territory file, loaded through
the loader (slow; a module of its own, since the rows stay until its end)."""

import pytest

from observatoire.choropleth import shape_of
from observatoire.models import Territory

K = Territory.Kind
# The four communes of the Cantal that the source ships without any outline.
WITHOUT_OUTLINE = {"15031", "15035", "15047", "15171"}


@pytest.mark.slow
def test_loaded_territories_all_have_a_shape_but_the_four_without_outline(
    full_territories, db
):
    """Through the loader: the shapes match the Territory rows of the database."""
    missing = set()
    # By code: one département's file after the other (the loader keeps 32).
    communes = (
        Territory.objects.filter(kind=K.COMMUNE)
        .select_related("parent", "epci")
        .order_by("code")
    )
    for commune in communes.iterator(chunk_size=5000):
        if shape_of(commune, commune.parent) is None:
            missing.add(commune.code)
        if commune.epci and shape_of(commune.epci, commune.parent) is None:
            missing.add(commune.epci.code)
    for territory in Territory.objects.filter(kind__in=[K.REGION, K.DEPARTEMENT]):
        if shape_of(territory, territory.parent) is None:
            missing.add(territory.code)

    assert missing == WITHOUT_OUTLINE
