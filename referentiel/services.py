"""Workflows of the référentiel: loading the seed fixture, exporting, ordering
entries and recording self-assessments."""

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _
from taggit.models import Tag

from observatoire import jsonsafe, mail
from observatoire.models import Territory
from referentiel.models import Assessment, Entry, Part, Rating, Referential, Section

FIXTURE_PATH = Path(settings.BASE_DIR) / "fixtures" / "referentiel" / "domino.json"

# Below this many assessments a territory's means are hidden: a mean of one
# or two answers would show individual answers to whoever knows who took it.
MIN_GROUP_SIZE = 3


class FixtureError(Exception):
    """The fixture file cannot be loaded; the message says what to fix."""


@dataclass
class LoadResult:
    referential: Referential
    created: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        counts = ", ".join(f"{n} {name}" for name, n in self.created.items() if n)
        return counts or "rien de nouveau"


def _paragraphs(items) -> str:
    return "\n\n".join(items or [])


def _upsert(model, *, slug: str, values: dict, update: bool, result: LoadResult):
    obj = model.objects.filter(slug=slug).first()
    if obj is None:
        obj = model.objects.create(slug=slug, **values)
        name = model._meta.verbose_name_plural
        result.created[str(name)] = result.created.get(str(name), 0) + 1
        return obj, True
    if update:
        for key, value in values.items():
            setattr(obj, key, value)
        obj.save()
    return obj, False


def read_fixture(path: Path = FIXTURE_PATH) -> dict:
    try:
        data = jsonsafe.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise FixtureError(f"Fichier introuvable : {path}.") from error
    except (UnicodeDecodeError, jsonsafe.JsonError) as error:
        raise FixtureError(
            f"{path} n'est pas un JSON UTF-8 valide ({error}) : corrigez le fichier."
        ) from error
    for key in ("source", "referential", "parts", "remedies"):
        if key not in data:
            raise FixtureError(f"{path} : la clé « {key} » manque.")
    return data


@transaction.atomic
def referentiel_load(*, path: Path = FIXTURE_PATH, update: bool = False) -> LoadResult:
    """Create the referential from its fixture; with `update`, overwrite the text
    of what exists (otherwise facilitators' edits are kept)."""
    data = read_fixture(path)
    source, meta = data["source"], data["referential"]
    try:
        referential, created = Referential.objects.get_or_create(
            slug=meta["slug"],
            defaults={"title": meta["title"]},
        )
        result = LoadResult(referential)
        if created or update:
            for name, value in {
                "title": meta["title"],
                "seed_title": meta["seed_title"],
                "introduction": _paragraphs(meta["introduction"]),
                "programme": meta["programme"],
                "objectives": "\n".join(meta["objectives"]),
                "theme": meta["theme"],
                "challenge": meta["challenge"],
                "communities": meta["communities"],
                "chat_url": meta["chat_url"],
                "source_publisher": source["publisher"],
                "source_url": source["url"],
                "authors": source["authors"],
                "licence": source["licence"],
                "remedy_explanation": data["remedies"]["explanation"],
            }.items():
                setattr(referential, name, value)
            referential.save()
            referential.tags.set(meta["tags"])
        entry_position = 0
        section_position = 0
        for part_position, part_data in enumerate(data["parts"], start=1):
            part, _ = _upsert(
                Part,
                slug=part_data["slug"],
                values={
                    "referential": referential,
                    "kind": part_data["kind"],
                    "title": part_data["title"],
                    "short_title": part_data["short_title"],
                    "intro": _paragraphs(part_data["intro"]),
                    "conclusion": _paragraphs(part_data["conclusion"]),
                    "position": part_position,
                },
                update=update,
                result=result,
            )
            containers = [(None, part_data["entries"])]
            for section_data in part_data["sections"]:
                section_position += 1
                section, _ = _upsert(
                    Section,
                    slug=section_data["slug"],
                    values={
                        "part": part,
                        "title": section_data["title"],
                        "short_title": section_data["short_title"],
                        "intro": _paragraphs(section_data["intro"]),
                        "conclusion": _paragraphs(section_data["conclusion"]),
                        "position": section_position,
                    },
                    update=update,
                    result=result,
                )
                containers.append((section, section_data["entries"]))
            for section, entries in containers:
                for entry_data in entries:
                    entry_position += 1
                    entry, created = _upsert(
                        Entry,
                        slug=entry_data["slug"],
                        values={
                            "part": part,
                            "section": section,
                            "title": entry_data["title"],
                            "description": entry_data["description"],
                            "position": entry_position,
                        },
                        update=update,
                        result=result,
                    )
                    if created or update:
                        entry.tags.set(entry_data["tags"])
        _load_remedies(data["remedies"], update=update)
    except KeyError as error:
        raise FixtureError(
            f"{path} : la clé {error} manque dans un élément ; "
            "comparez avec les autres éléments du fichier."
        ) from error
    return result


def _load_remedies(remedies: dict, *, update: bool) -> None:
    for item in remedies["domains"]:
        try:
            domain = Section.objects.domains().get(slug=item["domain"])
        except Section.DoesNotExist as error:
            raise FixtureError(
                f"Recommandations : domaine « {item['domain']} » inconnu."
            ) from error
        if domain.remedy_note and not update:
            continue
        levers = list(Entry.objects.filter(slug__in=item["levers"]))
        sections = list(Section.objects.filter(slug__in=item["culture"]))
        if len(levers) != len(set(item["levers"])) or len(sections) != len(
            set(item["culture"])
        ):
            raise FixtureError(
                f"Recommandations du domaine « {item['domain']} » : un levier ou "
                "une section cité n'existe pas ; vérifiez les identifiants."
            )
        domain.remedy_note = item["why"]
        domain.save(update_fields=["remedy_note"])
        domain.remedy_levers.set(levers)
        domain.remedy_sections.set(sections)


def current_referential() -> Referential | None:
    return Referential.objects.order_by("pk").first()


def entry_tags(*, referential: Referential):
    """Tags of the referential's entries, most used first, with their counts."""
    return (
        Tag.objects.filter(entry__part__referential=referential)
        .annotate(uses=Count("entry"))
        .order_by("-uses", "name")
    )


def referential_markdown(*, referential: Referential) -> str:
    """The whole referential as one Markdown document, with its attribution."""
    parts = list(referential.parts.prefetch_related("sections"))
    entries = list(
        Entry.objects.filter(part__referential=referential).order_by("position", "pk")
    )
    about = [
        f"Source : {referential.source_publisher} — {referential.seed_title}",
        f"<{referential.source_url}>" if referential.source_url else "",
        f"Auteurs : {referential.authors}",
        f"Licence : {referential.licence}",
        f"Mots-clés : {', '.join(sorted(referential.tags.names()))}",
        f"Thème : {referential.theme}",
        f"Défi auquel répond cette connaissance : {referential.challenge}",
        f"Communautés d'intérêt : {referential.communities}",
    ]
    # Two trailing spaces: a Markdown line break, one fact per line.
    lines = [f"# {referential.title}", "", "  \n".join(a for a in about if a), ""]
    lines += [referential.programme, ""]
    lines += [f"- {objective}" for objective in referential.objective_list]
    lines += ["", "## Introduction", "", referential.introduction, ""]

    def block(text):
        return [text, ""] if text else []

    def entry_lines(items):
        out = []
        for entry in items:
            if entry.description:
                out.append(f"- **{entry.title}** : {entry.description}")
            else:
                out.append(f"- {entry.title}")
        return [*out, ""] if out else []

    for part in parts:
        lines += [f"## {part.title}", ""] + block(part.intro)
        lines += entry_lines(
            [e for e in entries if e.part_id == part.pk and e.section_id is None]
        )
        for section in part.sections.all():
            lines += [f"### {section.title}", ""] + block(section.intro)
            lines += entry_lines([e for e in entries if e.section_id == section.pk])
            lines += block(section.conclusion)
        lines += block(part.conclusion)
    return "\n".join(lines).rstrip() + "\n"


@transaction.atomic
def entry_move(*, entry: Entry, direction: str) -> bool:
    """Swap the entry with its neighbour in its list; False at either end."""
    siblings = Entry.objects.in_container_of(entry).select_for_update()
    # Re-read under the lock: another facilitator may have just moved it.
    entry = siblings.get(pk=entry.pk)
    if direction == "up":
        neighbour = siblings.filter(position__lt=entry.position).order_by("-position")
    elif direction == "down":
        neighbour = siblings.filter(position__gt=entry.position).order_by("position")
    else:
        raise ValueError(direction)
    other = neighbour.first()
    if other is None:
        return False
    entry.position, other.position = other.position, entry.position
    entry.save(update_fields=["position"])
    other.save(update_fields=["position"])
    return True


@transaction.atomic
def assessment_save(
    *,
    referential: Referential,
    levels: dict[int, int],
    subject: str,
    label: str = "",
    territory: Territory | None = None,
    assessment: Assessment | None = None,
) -> Assessment:
    """Create or replace a self-assessment; all answers or nothing."""
    competencies = set(
        Entry.objects.competencies()
        .filter(part__referential=referential)
        .values_list("pk", flat=True)
    )
    if set(levels) != competencies:
        raise ValueError("Les réponses ne correspondent pas aux compétences.")
    if not all(level in Rating.Level.values for level in levels.values()):
        raise ValueError("Niveau hors de l'échelle.")
    if assessment is None:
        assessment = Assessment(referential=referential)
    assessment.subject = subject
    assessment.label = label
    assessment.territory = territory
    assessment.save()
    assessment.ratings.all().delete()
    Rating.objects.bulk_create(
        Rating(assessment=assessment, entry_id=pk, level=level)
        for pk, level in levels.items()
    )
    return assessment


@dataclass
class DomainScore:
    domain: Section
    mean: float
    ratings: list = field(default_factory=list)


def assessment_profile(*, assessment: Assessment) -> list[DomainScore]:
    """Mean level per competency domain, in the referential's order."""
    ratings = list(
        assessment.ratings.select_related("entry__section").order_by("entry__position")
    )
    scores: dict[int, DomainScore] = {}
    # select_related: each domain links to its page, whose URL names its part.
    domains = Section.objects.domains().select_related("part")
    for domain in domains.filter(part__referential_id=assessment.referential_id):
        scores[domain.pk] = DomainScore(domain, 0.0)
    for rating in ratings:
        scores[rating.entry.section_id].ratings.append(rating)
    for score in scores.values():
        if score.ratings:
            score.mean = sum(r.level for r in score.ratings) / len(score.ratings)
    return list(scores.values())


def strongest_and_weakest(
    scores: list[DomainScore],
) -> tuple[list[DomainScore], list[DomainScore]]:
    """Domains at the highest and at the lowest mean (ties kept together).

    When every domain has the same mean there is no weakest or strongest one."""
    means = {round(score.mean, 2) for score in scores}
    if len(means) < 2:
        return [], []
    top, bottom = max(means), min(means)
    return (
        [s for s in scores if round(s.mean, 2) == top],
        [s for s in scores if round(s.mean, 2) == bottom],
    )


@dataclass
class AggregateRow:
    territory: Territory | None
    count: int
    means: list[float | None]
    is_total: bool = False


def assessment_aggregates(
    *, referential: Referential, territory: Territory | None = None
) -> tuple[list[Section], list[AggregateRow]]:
    """Per territory: number of assessments and mean level per domain.

    Never individual answers: means of groups smaller than MIN_GROUP_SIZE are
    withheld, and left out of the total row (which counts only what it covers).
    """
    assessments = Assessment.objects.filter(referential=referential)
    if territory is not None:
        assessments = assessments.within(territory)
    domains = list(Section.objects.domains().filter(part__referential=referential))
    counts = {
        row["territory"]: row["n"]
        for row in assessments.values("territory").annotate(n=Count("pk"))
    }
    means: dict[tuple, float] = {
        (row["assessment__territory"], row["entry__section"]): row["mean"]
        for row in Rating.objects.filter(assessment__in=assessments)
        .values("assessment__territory", "entry__section")
        .annotate(mean=Avg("level"))
    }
    # select_related: a commune's name shows its département's code.
    territories = Territory.objects.select_related("parent").in_bulk(
        [pk for pk in counts if pk is not None]
    )
    rows = []
    for pk, count in counts.items():
        shown = count >= MIN_GROUP_SIZE
        rows.append(
            AggregateRow(
                territories.get(pk),
                count,
                [means.get((pk, d.pk)) if shown else None for d in domains],
            )
        )
    rows.sort(key=lambda row: (row.territory is None, str(row.territory or "")))
    # The total covers the shown groups only: with every group in it, the total
    # times its count minus the shown groups' sums gives a withheld group's
    # means back (1 in Brest, 3 in Quimper: 4 × total − 3 × Quimper = Brest).
    shown_pks = [pk for pk, count in counts.items() if count >= MIN_GROUP_SIZE]
    counted = sum(counts[pk] for pk in shown_pks)
    if counts:
        in_shown = Q(assessment__territory__in=[pk for pk in shown_pks if pk])
        if None in shown_pks:
            in_shown |= Q(assessment__territory__isnull=True)
        overall = {
            row["entry__section"]: row["mean"]
            for row in Rating.objects.filter(in_shown, assessment__in=assessments)
            .values("entry__section")
            .annotate(mean=Avg("level"))
        }
        rows.append(
            AggregateRow(
                None,
                counted,
                [overall.get(d.pk) if counted else None for d in domains],
                is_total=True,
            )
        )
    return domains, rows


def assessment_send_link(*, assessment: Assessment, email: str, url: str) -> bool:
    """Mail the private link of a self-assessment to `email`.

    The address is neither stored nor logged: the person asked for one mail.
    Returns False when the mail could not be sent, so the page can say so."""
    body = _(
        "Bonjour,\n\nVoici l'adresse privée de votre autodiagnostic de "
        "coopération :\n\n%(url)s\n\nGardez-la : elle seule permet d'y revenir "
        "et de le mettre à jour. Ne la partagez qu'avec les personnes "
        "concernées.\n\n%(site)s"
    ) % {"url": url, "site": settings.SITE_NAME}
    return mail.send(
        to=[email], subject=_("Votre autodiagnostic de coopération"), body=body
    )
