import importlib
import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from observatoire.demo import check_development

LOCAL_APPS = ("observatoire", "initiatives", "referentiel", "ateliers")


class Command(BaseCommand):
    help = (
        "Remplit une base migrée avec les territoires, les contenus de départ et "
        "un compte de démonstration par rôle (mot de passe aléatoire, affiché une "
        "fois). Peut être relancée sans risque : un compte existant n'est jamais "
        "modifié. Refusée quand DEBUG est désactivé, sauf --force ou "
        "ALLOW_DEMO_DATA=1."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Remplir même quand DEBUG est désactivé (base de production).",
        )

    def handle(self, *args, force=False, **options):
        check_development(force=force)
        summary = []
        for app in apps.get_app_configs():
            if app.name not in LOCAL_APPS or app.name not in settings.INSTALLED_APPS:
                continue
            try:
                module = importlib.import_module(f"{app.name}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{app.name}.demo":
                    raise
                continue
            self.stdout.write(self.style.MIGRATE_HEADING(f"{app.verbose_name} :"))
            started = time.monotonic()
            with transaction.atomic():
                result = module.load(stdout=self.stdout)
            summary.append((app.verbose_name, result, time.monotonic() - started))
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes :"))
        for name, result, seconds in summary:
            self.stdout.write(f"  {name} : {result} ({seconds:.1f} s)")
