"""Demo content of the référentiel: the whole DOMINO referential from its fixture."""

from referentiel.models import Entry
from referentiel.services import referentiel_load


def load(*, stdout) -> str:
    result = referentiel_load()
    stdout.write(f"Référentiel « {result.referential} » : {result.summary()}.")
    count = Entry.objects.filter(part__referential=result.referential).count()
    return f"{count} fiches du référentiel"
