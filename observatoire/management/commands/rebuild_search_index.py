from django.core.management.base import BaseCommand, CommandError

from observatoire import search
from observatoire.models import SearchDocument


class Command(BaseCommand):
    help = (
        "Réécrit l'index de la recherche (initiatives et ateliers publiés, "
        "éléments d'ateliers, référentiel, territoires, mots-clés). Inutile en "
        "temps normal : chaque écriture le tient à jour. Peut être relancée "
        "sans risque."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--partie",
            action="append",
            dest="kinds",
            metavar="PARTIE",
            help="Ne réécrire que cette partie (répétable) : "
            + ", ".join(part.kind for part in search.parts()),
        )
        parser.add_argument(
            "--si-vide",
            action="store_true",
            dest="if_empty",
            help="Ne rien faire si l'index contient déjà des documents "
            "(pour `make run`).",
        )

    def handle(self, *args, kinds=None, if_empty=False, **options):
        known = {part.kind for part in search.parts()}
        unknown = sorted(set(kinds or ()) - known)
        if unknown:
            raise CommandError(
                f"Partie inconnue : {', '.join(unknown)}. "
                f"Parties possibles : {', '.join(sorted(known))}."
            )
        if if_empty and SearchDocument.objects.exists():
            self.stdout.write("Index de recherche déjà rempli : rien à faire.")
            return

        def progress(kind, done):
            self.stdout.write(f"  {kind} : {done} documents…")

        summary = search.rebuild(kinds=kinds, progress=progress)
        self.stdout.write("Index de recherche réécrit :")
        for kind, count in summary.items():
            self.stdout.write(f"  {kind} : {count}")
        self.stdout.write(f"Total : {sum(summary.values())} documents.")
