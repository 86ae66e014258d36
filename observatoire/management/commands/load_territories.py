from django.core.management.base import BaseCommand, CommandError

from observatoire.territories import DEFAULT_PATH, TerritoryDataError, territories_load


class Command(BaseCommand):
    help = (
        "Charge ou met à jour les territoires officiels (régions, départements, "
        "EPCI, communes) depuis le fichier Etalab livré avec le projet, et la "
        "France au-dessus des régions (population : leur somme). Peut être "
        "relancée sans risque : rien n'est dupliqué ni supprimé."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            default=str(DEFAULT_PATH),
            help="Fichier JSON-lines gzip (défaut : %(default)s).",
        )

    def handle(self, *args, **options):
        try:
            territories_load(path=options["file"], stdout=self.stdout)
        except TerritoryDataError as error:
            raise CommandError(f"{error}\nAucun territoire n'a été modifié.") from error
