import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ateliers import parsing, services
from ateliers.models import Event


class Command(BaseCommand):
    help = (
        "Importe la synthèse d'un atelier depuis un fichier texte (pad, wiki) : "
        "parties, thèmes numérotés, puces. L'atelier est créé en brouillon. "
        "--dry-run montre la structure sans rien enregistrer ; --json l'affiche "
        "au format JSON documenté (et n'enregistre rien). Relancée sur le même "
        "fichier, elle ne crée pas de doublon : un atelier du même titre déjà à "
        "jour est laissé tel quel ; s'il diffère, --update remplace son contenu."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier texte UTF-8 (ou « - » pour stdin).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Analyser sans enregistrer."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Afficher la structure reconnue en JSON, sans enregistrer.",
        )
        parser.add_argument(
            "--event", metavar="SLUG", help="Identifiant de l'événement de l'atelier."
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help=(
                "Si un atelier du même titre existe, remplacer son contenu (même "
                "adresse, même état de publication) au lieu de refuser."
            ),
        )

    def handle(self, *args, file, dry_run, as_json, event, update, **options):
        text = self._read(file)
        try:
            parsed = parsing.parse(text)
        except parsing.ParseError as error:
            raise CommandError(f"{file} : {error}") from error
        if not parsed.title and not parsed.sections:
            raise CommandError(
                f"{file} : le fichier est vide. Donnez un fichier contenant le texte "
                "de la synthèse."
            )
        target_event = None
        if event:
            target_event = Event.objects.filter(slug=event).first()
            if target_event is None:
                known = ", ".join(Event.objects.values_list("slug", flat=True))
                raise CommandError(
                    f"L'événement « {event} » n'existe pas. Événements connus : "
                    f"{known or 'aucun'} ; créez-le dans l'administration ou "
                    "retirez --event."
                )
        if as_json:
            self.stdout.write(
                json.dumps(parsed.as_dict(), ensure_ascii=False, indent=2)
            )
            return
        self._summary(parsed)
        if dry_run:
            self.stdout.write("Analyse seule (--dry-run) : rien n'a été enregistré.")
            return
        existing = services.workshop_import_match(parsed=parsed)
        if existing is not None:
            self._update(existing, parsed, update)
            return
        workshop = services.workshop_create_from_parsed(
            parsed=parsed,
            event=target_event,
            starts_on=parsed.date,
            territory=services.territory_from_place(parsed.place),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Atelier « {workshop.title} » créé en brouillon "
                f"({workshop.get_absolute_url()}) : à relire puis publier sur le site."
            )
        )

    def _update(self, workshop, parsed, update: bool) -> None:
        where = workshop.get_absolute_url()
        if services.workshop_same_content(workshop, parsed):
            self.stdout.write(
                f"L'atelier « {workshop.title} » ({where}) contient déjà ce texte : "
                "rien à faire."
            )
            return
        if not update:
            raise CommandError(
                f"Un atelier « {workshop.title} » existe déjà ({where}) avec un "
                "contenu différent. Relancez avec --update pour remplacer son "
                "contenu par ce fichier, ou changez le titre de la première ligne "
                "pour créer un autre atelier."
            )
        services.workshop_replace_content(workshop=workshop, parsed=parsed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Atelier « {workshop.title} » mis à jour ({where}) : même adresse, "
                "même état de publication."
            )
        )

    def _read(self, file: str) -> str:
        try:
            data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as error:
            raise CommandError(
                f"Impossible de lire {file} ({error.strerror}). Vérifiez le chemin."
            ) from error
        if b"\x00" in data:
            raise CommandError(
                f"{file} n'est pas un fichier texte (il contient des octets nuls) : "
                "exportez la synthèse en texte brut UTF-8."
            )
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{file} n'est pas en UTF-8 (octet invalide en position "
                f"{error.start}) : réenregistrez-le en UTF-8."
            ) from error

    def _summary(self, parsed: parsing.Parsed) -> None:
        self.stdout.write(f"Titre : {parsed.title or '(aucun)'}")
        for section in parsed.sections:
            items = sum(1 for _ in parsing.walk(section.items))
            items += sum(1 for g in section.groups for _ in parsing.walk(g.items))
            self.stdout.write(
                f"  {section.kind:<13} {section.heading or '(sans titre)'} : "
                f"{len(section.groups)} thème(s), {items} élément(s)"
            )
        for kind, names in parsed.people.items():
            if names:
                self.stdout.write(f"  {kind} : {', '.join(names)}")
