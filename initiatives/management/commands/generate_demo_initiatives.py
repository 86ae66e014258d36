import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from initiatives.generator import GeneratorError, initiatives_generate_demo
from observatoire.demo import check_development


class Command(BaseCommand):
    help = (
        "Crée N initiatives fictives publiées, réparties sur les communes "
        "réelles (pour les démonstrations et les mesures de performance). "
        "Elles sont marquées « donnée de démonstration », source « Démonstration »."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="Nombre d'initiatives à créer.")
        parser.add_argument(
            "--seed", type=int, help="Graine du hasard, pour un résultat reproductible."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Créer même quand DEBUG est désactivé (base de production).",
        )

    def handle(self, *args, count, seed, force=False, **options):
        check_development(force=force)
        started = time.monotonic()

        def progress(done, total):
            self.stdout.write(f"  {done}/{total} initiatives créées…")

        try:
            made = initiatives_generate_demo(count=count, seed=seed, progress=progress)
        except GeneratorError as error:
            raise CommandError(str(error)) from None
        # Fresh planner statistics, as autovacuum would give them later: right
        # after a bulk load PostgreSQL still believes the table nearly empty
        # and plans nested loops over tens of thousands of rows (a cold
        # département portrait took 3.7 s instead of 0.5 s at 50,000).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{made} initiatives de démonstration créées en {seconds:.1f} s."
            )
        )
