"""Fixtures of the référentiel tests: the real DOMINO referential, loaded from
its fixture file, and complete self-assessment submissions."""

import pytest

from referentiel.forms import FIELD_PREFIX
from referentiel.models import Entry
from referentiel.services import assessment_save, referentiel_load


@pytest.fixture
def referential(db):
    return referentiel_load().referential


@pytest.fixture
def competencies(referential):
    return list(Entry.objects.competencies().order_by("position"))


@pytest.fixture
def answers(competencies):
    """A complete, valid POST for the self-assessment form; `level` may be a
    number or a function of the entry."""

    def make(level=3, **extra):
        data = {"subject": "person", "label": "", "territory": ""}
        for entry in competencies:
            value = level(entry) if callable(level) else level
            data[f"{FIELD_PREFIX}{entry.pk}"] = str(value)
        data.update(extra)
        return data

    return make


@pytest.fixture
def make_assessment(referential, competencies):
    def make(levels_by_domain: dict[str, int] | None = None, default=2, **extra):
        levels_by_domain = levels_by_domain or {}
        levels = {
            entry.pk: levels_by_domain.get(entry.section.slug, default)
            for entry in competencies
        }
        return assessment_save(
            referential=referential,
            levels=levels,
            subject=extra.pop("subject", "person"),
            **extra,
        )

    return make
