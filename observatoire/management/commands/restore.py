from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from observatoire.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restaure une archive écrite par `backup` dans une base vide (créée puis "
        "`migrate`) ; refuse une base qui contient déjà des données."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Archive écrite par `backup`.")

    def handle(self, *args, file: Path, **options):
        self.verbosity = options["verbosity"]
        if not file.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        try:
            summary = backup_restore(file, progress=self._progress)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS("Restauration terminée : ") + summary.text()
        )

    def _progress(self, line: str) -> None:
        if self.verbosity:
            self.stdout.write(f"  {line}")
