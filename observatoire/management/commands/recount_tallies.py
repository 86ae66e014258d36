import time

from django.core.management.base import BaseCommand

from observatoire import tallies
from observatoire.models import Summary, Territory

K = Territory.Kind


class Command(BaseCommand):
    help = (
        "Recompte les décomptes stockés par zone (département) dont se servent "
        "les portraits de la France, des régions et des départements. Inutile "
        "en temps normal : chaque écriture marque les zones touchées, que la "
        "lecture suivante recompte. Utile après une restauration ou une "
        "écriture SQL directe ; peut être relancée sans risque."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--si-besoin",
            action="store_true",
            dest="if_needed",
            help="Ne rien faire si les décomptes sont déjà à jour "
            "(pour le jeu de données du banc d'essai).",
        )

    def handle(self, *args, if_needed=False, **options):
        fresh = Summary.objects.filter(
            scope=tallies.AREA, key=tallies.EVERYWHERE, stale=False
        ).exists()
        if if_needed and fresh and not Summary.objects.filter(stale=True).exists():
            self.stdout.write("Décomptes déjà à jour : rien à faire.")
            return
        started = time.monotonic()
        self.stdout.write("Recomptage de toutes les zones…")
        tallies.mark_everywhere()
        found = tallies.areas(None)
        self.stdout.write(f"  {len(found)} zones recomptées, totaux…")
        # The totals of France and the régions, summed from the areas.
        summed = tallies.of(
            list(Territory.objects.filter(kind__in=[K.FRANCE, K.REGION]))
        )
        left = Summary.objects.filter(stale=True).count()
        self.stdout.write(
            f"Décomptes recomptés en {time.monotonic() - started:.1f} s : "
            f"{len(found)} zones, {len(summed)} totaux (France et régions), "
            f"{sum(t.initiatives for t in found.values())} initiatives publiées."
        )
        if left:
            self.stderr.write(
                f"{left} zones modifiées pendant le recomptage restent à "
                "recompter : elles le seront à la prochaine lecture."
            )
