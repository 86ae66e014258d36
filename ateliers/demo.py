"""Demo content of the ateliers: the four seed syntheses, published."""

from ateliers.services import seeds_load


def load(*, stdout) -> str:
    results = seeds_load()
    for workshop, created in results:
        state = "créé" if created else "déjà présent"
        stdout.write(f"  Atelier {state} : {workshop.title}")
    created = sum(1 for _, was_created in results if was_created)
    return f"{len(results)} ateliers ({created} créés)"
