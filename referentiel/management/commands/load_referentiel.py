from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from referentiel.models import Entry
from referentiel.services import FIXTURE_PATH, FixtureError, referentiel_load


class Command(BaseCommand):
    help = (
        "Charge le référentiel DOMINO depuis fixtures/referentiel/domino.json. "
        "Sans --update, les fiches existantes (et leurs modifications par les "
        "animateurs) sont conservées ; peut être relancée sans risque."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, default=FIXTURE_PATH, help="Fichier JSON à charger."
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="Remplace le texte existant par celui du fichier.",
        )

    def handle(self, *args, path, update, **options):
        self.stdout.write(f"Chargement de {path}…")
        try:
            result = referentiel_load(path=path, update=update)
        except FixtureError as error:
            raise CommandError(str(error)) from error
        count = Entry.objects.filter(part__referential=result.referential).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Référentiel « {result.referential} » : {count} fiches "
                f"(créés : {result.summary()})."
            )
        )
