from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from initiatives.importing import ImportFileError, initiatives_import, read_file
from initiatives.models import Initiative


class Command(BaseCommand):
    help = (
        "Importe des initiatives depuis un export GoGoCarto (JSON) ou le CSV "
        "exporté par la plateforme. Les fiches erronées sont signalées et "
        "ignorées ; les autres sont enregistrées ensemble. Réimporter le même "
        "fichier met à jour les fiches au lieu de les dupliquer."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Fichier à importer.")
        parser.add_argument(
            "--format",
            choices=["gogocarto", "csv"],
            help="Format du fichier (déduit de l'extension par défaut).",
        )
        parser.add_argument(
            "--taxonomy",
            type=Path,
            help="Taxonomie GoGoCarto (taxonomy.json) pour les exports dont les "
            "catégories sont des identifiants.",
        )
        parser.add_argument(
            "--status",
            choices=[Initiative.Status.PENDING, Initiative.Status.PUBLISHED],
            default=Initiative.Status.PENDING,
            help="Statut des nouvelles fiches (défaut : pending, à modérer).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Affiche ce qui serait fait sans rien enregistrer.",
        )

    def handle(self, *args, file, format, taxonomy, status, dry_run, **options):
        fmt = format or ("csv" if file.suffix.lower() == ".csv" else "gogocarto")
        try:
            records = read_file(file, fmt=fmt, taxonomy=taxonomy)
        except ImportFileError as error:
            raise CommandError(f"{file} : {error}") from None
        self.stdout.write(f"{len(records)} fiches lues dans {file} ({fmt}).")
        report = initiatives_import(records=records, status=status, dry_run=dry_run)
        verbose = dry_run or options["verbosity"] > 1
        create, update = (
            ("créerait", "mettrait à jour") if dry_run else ("créée", "mise à jour")
        )
        if verbose:
            for line in report.created:
                self.stdout.write(f"  {create} : {line}")
            for line in report.updated:
                self.stdout.write(f"  {update} : {line}")
        for name in report.new_categories:
            self.stdout.write(f"  nouveau type de pratique : {name}")
        for ref, reason in report.skipped:
            self.stderr.write(f"  {ref} ignorée : {reason}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
