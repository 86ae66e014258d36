from django.core.management.base import BaseCommand

from ateliers import services


class Command(BaseCommand):
    help = (
        "Efface définitivement les ateliers restés dans la corbeille plus de "
        "ATELIERS_TRASH_DAYS jours (30 par défaut). Sans effet sur les autres ; "
        "peut être relancée sans risque (tâche planifiée quotidienne)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Lister les ateliers qui seraient effacés, sans rien effacer.",
        )

    def handle(self, *args, dry_run, **options):
        titles = services.workshops_purge(dry_run=dry_run)
        for title in titles:
            self.stdout.write(f"  {title}")
        days = services.trash_days()
        if dry_run:
            self.stdout.write(
                f"{len(titles)} atelier(s) dans la corbeille depuis plus de {days} "
                "jours seraient effacés (--dry-run : rien n'a été effacé)."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{len(titles)} atelier(s) effacé(s) après {days} jours dans la "
                    "corbeille."
                )
            )
