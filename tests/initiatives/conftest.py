"""Factories for initiative tests. The vocabularies (categories, families,
levels of action, resource types) come from the seeding data migration."""

import itertools

import pytest

from initiatives.models import Category, Initiative

_counter = itertools.count(1)


@pytest.fixture
def make_initiative(geo):
    """An initiative in Brest, published unless told otherwise."""

    def make(**overrides):
        number = next(_counter)
        tags = overrides.pop("tags", [])
        families = overrides.pop("families", [])
        action_levels = overrides.pop("action_levels", [])
        resources = overrides.pop("resources", [])
        values = {
            "name": f"Initiative {number}",
            "summary": "Une initiative collaborative.",
            "category": Category.objects.order_by("position").first(),
            "commune": geo.brest,
            "status": Initiative.Status.PUBLISHED,
            "latitude": 48.39,
            "longitude": -4.49,
        }
        values.update(overrides)
        initiative = Initiative.objects.create(**values)
        if families:
            initiative.families.set(families)
        if action_levels:
            initiative.action_levels.set(action_levels)
        if resources:
            initiative.resources.set(resources)
        if tags:
            initiative.tags.add(*tags)
        return initiative

    return make
