"""Workflows of the ateliers: import from text, structure editing, export."""

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from taggit.models import Tag, TaggedItem

from ateliers import parsing
from ateliers.models import Event, Item, Section, Theme, Workshop, WorkshopChange
from observatoire.images import ProcessedImage, delete_on_commit
from observatoire.models import Territory
from observatoire.text import unique_slug

TITLE_MAX = Workshop._meta.get_field("title").max_length
IMAGE_NAME_MAX = Workshop._meta.get_field("summary_image_name").max_length

# Fixed paths under /ateliers/ that a workshop slug must not shadow.
RESERVED_SLUGS = {
    "nouveau",
    "importer",
    "points-de-vigilance",
    "opportunites",
    "enjeux",
    "a-enqueter",
    "corbeille",
}


def workshop_slug(title: str) -> str:
    """A free slug for a new workshop, never one of the fixed paths."""
    # The trash included: a restored workshop must get its address back.
    return unique_slug(
        Workshop.all_objects.all(), title, fallback="atelier", reserved=RESERVED_SLUGS
    )


def workshop_log(*, workshop: Workshop, by, action: str, summary: str = "") -> None:
    """One line of the workshop's edit history."""
    user = by if by is not None and by.is_authenticated else None
    WorkshopChange.objects.create(
        workshop=workshop,
        by=user,
        by_name=(user.get_full_name() or user.get_username()) if user else "",
        action=action,
        summary=summary[:2000],
    )


@transaction.atomic
def workshop_trash(*, workshop: Workshop, by) -> None:
    """Into the trash (unpublished), restorable for ATELIERS_TRASH_DAYS."""
    workshop.trash()
    workshop_log(workshop=workshop, by=by, action=WorkshopChange.Action.TRASHED)


@transaction.atomic
def workshop_restore(*, workshop: Workshop, by) -> None:
    workshop.restore()
    workshop_log(workshop=workshop, by=by, action=WorkshopChange.Action.RESTORED)


def trash_days() -> int:
    return settings.ATELIERS_TRASH_DAYS


@transaction.atomic
def workshops_purge(*, now: datetime.datetime | None = None, dry_run: bool = False):
    """Delete for good the workshops in the trash for longer than the delay;
    the titles of those purged (or that would be)."""
    limit = (now or timezone.now()) - datetime.timedelta(days=trash_days())
    expired = Workshop.all_objects.filter(deleted_at__lt=limit)
    titles = list(expired.order_by("deleted_at").values_list("title", flat=True))
    if not dry_run:
        for workshop in expired:
            delete_on_commit(workshop.summary_image)
        expired.delete()
    return titles


def workshop_item_count(workshop: Workshop) -> int:
    return (
        workshop.sections.count()
        + Item.objects.filter(section__workshop=workshop).count()
        + Theme.objects.filter(section__workshop=workshop).count()
    )


def _check_cap(workshop: Workshop) -> None:
    if workshop_item_count(workshop) >= parsing.MAX_ITEMS:
        raise ValidationError(
            gettext(
                "Cet atelier compte déjà %(max)s parties, thèmes et éléments, le "
                "maximum : créez un autre atelier pour la suite."
            )
            % {"max": parsing.MAX_ITEMS}
        )


@transaction.atomic
def event_get_or_create(*, name: str) -> Event:
    """The event of that name, created if needed (facilitators have no admin)."""
    name = " ".join(name.split())
    existing = Event.objects.filter(name__iexact=name).first()
    if existing:
        return existing
    slug = unique_slug(Event.objects.all(), name, fallback="evenement")
    return Event.objects.create(name=name, slug=slug)


def _event(event: Event | None, new_event: str) -> Event | None:
    """The event picked in the list, or the one a facilitator named."""
    return event_get_or_create(name=new_event) if new_event else event


@transaction.atomic
def workshop_save(
    *,
    workshop: Workshop,
    tags: list[str],
    event: Event | None = None,
    new_event: str = "",
    by=None,
    changed: list[str] | None = None,
) -> Workshop:
    """Save a workshop from the facilitators' form: its event (created if only
    named), a free slug and its author if it is new, its tags; `changed` (the
    labels of the fields that changed) goes to the edit history."""
    workshop.event = _event(event, new_event)
    created = workshop.pk is None
    if created:
        workshop.slug = workshop_slug(workshop.title)
        workshop.created_by = by
    workshop.save()
    workshop.tags.set(tags)
    if created:
        workshop_log(workshop=workshop, by=by, action=WorkshopChange.Action.CREATED)
    elif changed:
        workshop_log(
            workshop=workshop,
            by=by,
            action=WorkshopChange.Action.INFO,
            summary=", ".join(changed),
        )
    return workshop


@transaction.atomic
def workshop_image_replace(
    *, workshop: Workshop, image: ProcessedImage, alt: str
) -> Workshop:
    """Store a new summary image; the previous file goes once this commits."""
    delete_on_commit(workshop.summary_image)
    workshop.summary_image.save(image.image.name, image.image, save=False)
    workshop.summary_image_alt = alt
    workshop.save(update_fields=["summary_image", "summary_image_alt"])
    return workshop


@transaction.atomic
def workshop_image_remove(*, workshop: Workshop) -> Workshop:
    delete_on_commit(workshop.summary_image)
    workshop.summary_image = ""
    workshop.summary_image_alt = ""
    workshop.save(update_fields=["summary_image", "summary_image_alt"])
    return workshop


def workshop_tags(*, workshops: QuerySet) -> QuerySet:
    """Tags of `workshops` and of their items, by name."""
    items = Item.objects.filter(section__workshop__in=workshops)
    return (
        Tag.objects.filter(Q(workshop__in=workshops) | Q(item__in=items))
        .distinct()
        .order_by("name")
    )


def workshop_territories(*, workshops: QuerySet) -> list[Territory]:
    """Places of `workshops` and what contains them (département, région,
    intercommunalité), so "Finistère" finds a workshop held in Brest."""
    places = Territory.objects.filter(workshops__in=workshops).select_related(
        "parent__parent", "epci"
    )
    found = {}
    for place in places:
        for territory in (place, place.parent, place.epci):
            if territory is not None:
                found[territory.pk] = territory
        if place.parent and place.parent.parent:
            found[place.parent.parent.pk] = place.parent.parent
    order = list(Territory.Kind.values)
    return sorted(found.values(), key=lambda t: (order.index(t.kind), t.name))


@transaction.atomic
def workshop_create_from_parsed(
    *,
    parsed: parsing.Parsed,
    title: str = "",
    event: Event | None = None,
    new_event: str = "",
    by=None,
    **fields,
) -> Workshop:
    """A draft workshop holding exactly the structure the parser recognised."""
    title = (title or parsed.title or "").strip()
    if len(title) > TITLE_MAX:
        # The title field has a limit; the whole first line stays in the text.
        preamble = parsing.Section(kind="autre", heading="", text_lines=[title])
        parsed = parsing.Parsed(title=title, sections=[preamble, *parsed.sections])
        title = title[: TITLE_MAX - 1] + "…"
    title = title or gettext("Atelier sans titre")
    images = ", ".join(dict.fromkeys(parsed.image_names))
    if len(images) > IMAGE_NAME_MAX:
        images = images[:IMAGE_NAME_MAX].rsplit(", ", 1)[0]
    workshop = Workshop.objects.create(
        title=title,
        slug=workshop_slug(title),
        event=_event(event, new_event),
        created_by=by,
        summary_image_name=fields.pop("summary_image_name", "") or images,
        **fields,
    )
    workshop_fill(workshop=workshop, parsed=parsed)
    workshop_log(
        workshop=workshop,
        by=by,
        action=WorkshopChange.Action.IMPORTED,
        summary=gettext("%(count)s éléments et thèmes") % {"count": parsed.item_count},
    )
    return workshop


def workshop_import_match(*, parsed: parsing.Parsed) -> Workshop | None:
    """The workshop an import of `parsed` would duplicate: same title, as
    `workshop_create_from_parsed` would store it (the trash left out: what is
    deleted is not duplicated)."""
    title = (parsed.title or "").strip()
    if not title:
        return None
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return Workshop.objects.filter(title=title).order_by("pk").first()


def territory_from_place(place: str) -> Territory | None:
    """The one territory a place name designates, or None (unknown, ambiguous)."""
    if not place:
        return None
    from observatoire.fields import TerritoryField

    candidates = TerritoryField(kinds=Territory.Kind.values).candidates(place)
    return candidates[0] if len(candidates) == 1 else None


def workshop_same_content(workshop: Workshop, parsed: parsing.Parsed) -> bool:
    """Whether `workshop` already holds exactly what `parsed` recognised."""
    return workshop_as_dict(workshop)["sections"] == parsed.as_dict()["sections"]


@transaction.atomic
def workshop_replace_content(
    *, workshop: Workshop, parsed: parsing.Parsed, by=None
) -> Workshop:
    """Re-import in place: same workshop, same address, new content."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    workshop_fill(workshop=workshop, parsed=parsed)
    workshop.save(update_fields=["updated_at"])
    workshop_log(
        workshop=workshop,
        by=by,
        action=WorkshopChange.Action.IMPORTED,
        summary=gettext("Contenu remplacé par un nouvel import (%(count)s éléments)")
        % {"count": parsed.item_count},
    )
    return workshop


@transaction.atomic
def workshop_fill(*, workshop: Workshop, parsed: parsing.Parsed) -> None:
    """Replace the content of `workshop` by `parsed` (used by import and reload)."""
    workshop.sections.all().delete()
    for position, parsed_section in enumerate(parsed.sections):
        section = Section.objects.create(
            workshop=workshop,
            kind=parsed_section.kind,
            heading=parsed_section.heading,
            text=parsed_section.text,
            position=position,
        )
        _create_items(section, None, None, parsed_section.items)
        # The parser's "groups" are the numbered themes.
        for theme_position, parsed_theme in enumerate(parsed_section.groups):
            theme = Theme.objects.create(
                section=section, title=parsed_theme.title, position=theme_position
            )
            _create_items(section, theme, None, parsed_theme.items)


def _create_items(section, theme, parent, parsed_items) -> None:
    for position, parsed_item in enumerate(parsed_items):
        item = Item.objects.create(
            section=section,
            theme=theme,
            parent=parent,
            text=parsed_item.text,
            position=position,
        )
        _create_items(section, theme, item, parsed_item.children)


def load_tree(sections) -> list[Section]:
    """Sections with `.theme_list`, `.item_list` (top level) and, on each theme
    and item, the nested lists: four queries whatever the size of the tree."""
    sections = list(sections)
    by_section = {s.pk: s for s in sections}
    themes = Theme.objects.filter(section__in=sections)
    items = Item.objects.filter(section__in=sections)
    by_theme = {}
    for section in sections:
        section.theme_list, section.item_list = [], []
    for theme in themes:
        theme.item_list = []
        by_theme[theme.pk] = theme
        by_section[theme.section_id].theme_list.append(theme)
    items = list(items)
    by_item = {item.pk: item for item in items}
    for item in items:
        item.child_list = []
    _load_tags(by_item, Item.objects.filter(section__in=sections).values("pk"))
    for item in items:
        if item.parent_id:
            by_item[item.parent_id].child_list.append(item)
        elif item.theme_id:
            by_theme[item.theme_id].item_list.append(item)
        else:
            by_section[item.section_id].item_list.append(item)
    return sections


def _load_tags(by_item: dict[int, Item], item_ids: QuerySet) -> None:
    """Fill each item's `tags.all()` with one query. taggit's own prefetch
    builds a queryset per item: 2.5 s for a workshop at MAX_ITEMS."""
    tags = {pk: [] for pk in by_item}
    links = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Item),
        object_id__in=item_ids,
    ).select_related("tag")
    for link in links.order_by("tag__name"):
        if link.object_id in tags:
            tags[link.object_id].append(link.tag)
    # What Django's prefetch_related stores: a queryset already evaluated; one
    # shared empty one for the (many) items without tags.
    empty = Tag.objects.none()
    list(empty)
    for pk, item in by_item.items():
        cached = empty
        if tags[pk]:
            cached = Tag.objects.all()
            cached._result_cache = tags[pk]
            cached._prefetch_done = True
        item._prefetched_objects_cache = {"tags": cached}


def workshop_tree(workshop: Workshop) -> list[Section]:
    return load_tree(workshop.sections.all())


def workshop_as_dict(workshop: Workshop) -> dict:
    """The workshop in the `import_atelier --json` contract shape."""

    def item_dict(item):
        return {"text": item.text, "children": [item_dict(c) for c in item.child_list]}

    sections = []
    for section in workshop_tree(workshop):
        sections.append(
            {
                "kind": section.kind,
                "heading": section.heading,
                "text": section.text,
                "groups": [
                    {"title": t.title, "items": [item_dict(i) for i in t.item_list]}
                    for t in section.theme_list
                ],
                "items": [item_dict(i) for i in section.item_list],
            }
        )
    people = {kind: [] for kind in parsing.PEOPLE_KINDS}
    for section in sections:
        if section["kind"] in parsing.PEOPLE_KINDS:
            for name in _people_of(section):
                if name not in people[section["kind"]]:
                    people[section["kind"]].append(name)
    return {"title": workshop.title, "sections": sections, "people": people}


def _people_of(section: dict) -> list[str]:
    names = parsing.split_people(section["text"])

    def walk(items):
        for item in items:
            yield item
            yield from walk(item["children"])

    for item in walk(section["items"]):
        names += parsing.split_people(item["text"])
    for group in section["groups"]:
        for item in walk(group["items"]):
            names += parsing.split_people(item["text"])
    return names


def workshop_markdown(workshop: Workshop) -> str:
    return parsing.to_markdown(workshop_as_dict(workshop))


# Structure editing: every move keeps positions dense within one container.


def _renumber(queryset) -> None:
    for position, obj in enumerate(queryset):
        if obj.position != position:
            obj.position = position
            obj.save(update_fields=["position"])


def _next_position(queryset) -> int:
    current = queryset.aggregate(top=Max("position"))["top"]
    return 0 if current is None else current + 1


@transaction.atomic
def object_move(*, obj: Section | Theme | Item, direction: str) -> None:
    """Swap `obj` with its previous ("up") or next ("down") sibling."""
    ordered = list(obj.siblings().select_for_update().order_by("position", "pk"))
    index = next(i for i, o in enumerate(ordered) if o.pk == obj.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(ordered)


@transaction.atomic
def section_add(*, workshop: Workshop, kind: str, heading: str, text: str) -> Section:
    """A new last part; ValidationError when the workshop is at MAX_ITEMS."""
    _check_cap(workshop)
    return Section.objects.create(
        workshop=workshop,
        kind=kind,
        heading=heading,
        text=text,
        position=_next_position(workshop.sections.all()),
    )


@transaction.atomic
def theme_add(*, section: Section, title: str) -> Theme:
    """A new last theme; ValidationError when the workshop is at MAX_ITEMS."""
    _check_cap(section.workshop)
    return Theme.objects.create(
        section=section, title=title, position=_next_position(section.themes.all())
    )


@transaction.atomic
def item_add(
    *, inside: Section | Theme | Item, text: str, tags: list[str] | None = None
) -> Item:
    """A new last item of a section's list, a theme's, or an item's sub-items;
    ValidationError when the workshop is at MAX_ITEMS."""
    if isinstance(inside, Item):
        section, theme, parent = inside.section, inside.theme, inside
    elif isinstance(inside, Theme):
        section, theme, parent = inside.section, inside, None
    else:
        section, theme, parent = inside, None, None
    _check_cap(section.workshop)
    siblings = Item.objects.filter(section=section, theme=theme, parent=parent)
    item = Item.objects.create(
        section=section,
        theme=theme,
        parent=parent,
        text=text,
        position=_next_position(siblings),
    )
    if tags:
        item.tags.set(tags)
    return item


@transaction.atomic
def item_indent(*, item: Item) -> bool:
    """Make `item` the last child of its previous sibling; False if it has none."""
    previous = (
        item.siblings()
        .filter(position__lt=item.position)
        .order_by("-position", "-pk")
        .first()
    )
    if previous is None or _depth(previous) + 1 >= parsing.MAX_DEPTH:
        return False
    old_siblings = item.siblings().exclude(pk=item.pk)
    item.parent = previous
    item.position = _next_position(previous.children.all())
    item.save(update_fields=["parent", "position"])
    _renumber(old_siblings.order_by("position", "pk"))
    return True


def _depth(item: Item) -> int:
    depth = 0
    while item.parent_id is not None:
        item = item.parent
        depth += 1
    return depth


@transaction.atomic
def item_outdent(*, item: Item) -> bool:
    """Move `item` just after its parent, one level up; False at top level."""
    parent = item.parent
    if parent is None:
        return False
    old_siblings = item.siblings().exclude(pk=item.pk)
    new_siblings = list(parent.siblings().order_by("position", "pk"))
    index = next(i for i, o in enumerate(new_siblings) if o.pk == parent.pk)
    item.parent = parent.parent
    item.save(update_fields=["parent"])
    new_siblings.insert(index + 1, item)
    item.position = -1  # forces _renumber to save it
    _renumber(new_siblings)
    _renumber(old_siblings.order_by("position", "pk"))
    return True


@transaction.atomic
def item_move_to(*, item: Item, section: Section, theme: Theme | None = None) -> None:
    """Move `item` and its sub-items to the end of another section or theme."""
    old_siblings = item.siblings().exclude(pk=item.pk)
    descendants, level = [], [item.pk]
    while level:
        level = list(Item.objects.filter(parent__in=level).values_list("pk", flat=True))
        descendants += level
    item.section, item.theme, item.parent = section, theme, None
    item.position = _next_position(
        Item.objects.filter(section=section, theme=theme, parent=None)
    )
    item.save(update_fields=["section", "theme", "parent", "position"])
    Item.objects.filter(pk__in=descendants).update(section=section, theme=theme)
    _renumber(old_siblings.order_by("position", "pk"))


@transaction.atomic
def object_delete(*, obj: Section | Theme | Item) -> None:
    """Delete and close the gap in the positions of its siblings."""
    siblings = obj.siblings().exclude(pk=obj.pk)
    obj.delete()
    _renumber(siblings.order_by("position", "pk"))


SEEDS_DIR = settings.BASE_DIR / "fixtures" / "ateliers"


@transaction.atomic
def seeds_load(*, directory: Path = SEEDS_DIR) -> list[tuple[Workshop, bool]]:
    """Create the published seed workshops that are missing; (workshop, created)."""
    manifest = json.loads((directory / "workshops.json").read_text("utf-8"))
    events = {}
    for data in manifest["events"]:
        events[data["slug"]], _ = Event.objects.get_or_create(
            slug=data["slug"],
            defaults={
                "name": data["name"],
                "description": data.get("description", ""),
                "url": data.get("url", ""),
            },
        )
    results = []
    for data in manifest["workshops"]:
        existing = Workshop.objects.filter(slug=data["slug"]).first()
        if existing:
            results.append((existing, False))
            continue
        text = (directory / data["file"]).read_text("utf-8")
        territory = None
        if data.get("territory"):
            kind, code = data["territory"]
            territory = Territory.objects.filter(kind=kind, code=code).first()
        workshop = workshop_create_from_parsed(
            parsed=parsing.parse(text),
            event=events.get(data["event"]),
            territory=territory,
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            source_url=data["source_url"],
            licence=data["licence"],
        )
        # The manifest's slug, not the title's: stable across title edits.
        workshop.slug = data["slug"]
        workshop.save(update_fields=["slug"])
        workshop.tags.set(data["tags"])
        workshop.publish()
        results.append((workshop, True))
    return results
