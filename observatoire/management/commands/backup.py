from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from observatoire.backup import backup_write


class Command(BaseCommand):
    help = (
        "Sauvegarde tout le contenu (base de données, sous une forme indépendante "
        "du moteur) et tous les fichiers téléversés dans une archive zip."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Archive à écrire (.zip).")

    def handle(self, *args, file: Path, **options):
        self.verbosity = options["verbosity"]
        if not file.parent.is_dir():
            raise CommandError(f"Le dossier {file.parent} n'existe pas.")
        # Written aside, then renamed: a failed backup never replaces a good one.
        partial = file.with_name(file.name + ".partial")
        try:
            summary = backup_write(partial, progress=self._progress)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(file)
        self.stdout.write(
            self.style.SUCCESS(f"Sauvegarde écrite dans {file} : ") + summary.text()
        )

    def _progress(self, line: str) -> None:
        if self.verbosity:
            self.stdout.write(f"  {line}")
