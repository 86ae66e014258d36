from pathlib import Path

import pytest
from django.conf import settings

from ateliers import parsing, services
from ateliers.models import Workshop
from tests.initiatives.conftest import make_initiative  # noqa: F401 (a fixture)

SEEDS_DIR = Path(settings.BASE_DIR) / "fixtures" / "ateliers"
SEED_FILES = sorted(SEEDS_DIR.glob("*.txt"))


def seed_text(prefix: str) -> str:
    return next(SEEDS_DIR.glob(f"{prefix}_*.txt")).read_text("utf-8")


@pytest.fixture
def seeds(db):
    """The four seed workshops, published, as `setup_demo` loads them."""
    return [workshop for workshop, _ in services.seeds_load()]


@pytest.fixture
def make_workshop(db):
    def make(text: str = "Atelier test\n\nEnjeux\n- Un enjeu\n", **overrides):
        published = overrides.pop("published", True)
        tags = overrides.pop("tags", [])
        workshop = services.workshop_create_from_parsed(
            parsed=parsing.parse(text), **overrides
        )
        if tags:
            workshop.tags.set(tags)
        if published:
            workshop.publish()
        return Workshop.objects.get(pk=workshop.pk)

    return make
