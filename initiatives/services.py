"""Workflows of the initiatives app: public submission, change proposals and
moderation decisions, with their emails and history."""

import logging
import math
from collections import defaultdict
from difflib import SequenceMatcher

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from initiatives import geocoding
from initiatives.models import ChangeProposal, Initiative, ModerationEvent
from observatoire import mail, roles
from observatoire.images import ProcessedImage, delete_on_commit
from observatoire.text import fold

logger = logging.getLogger(__name__)

DUPLICATE_DISTANCE_M = 500
DUPLICATE_NAME_RATIO = 0.85

# What a submission or a moderator's edit sets on a record.
EDITED_FIELDS = (*Initiative.PUBLIC_FIELDS, *Initiative.PRIVATE_FIELDS)
MANY_FIELDS = tuple(
    name for name in EDITED_FIELDS if Initiative._meta.get_field(name).many_to_many
)
SCALAR_FIELDS = tuple(name for name in EDITED_FIELDS if name not in MANY_FIELDS)


# Submission ------------------------------------------------------------------


def initiative_submit(*, data: dict, image: ProcessedImage | None = None) -> Initiative:
    """Store a public submission as pending, then tell the submitter and moderators."""
    # Before the transaction: the geocoder is a network call of up to
    # GEOCODER_TIMEOUT seconds, which must not hold a database lock (SQLite's
    # write lock in IMMEDIATE mode, row locks on PostgreSQL).
    data = _with_coordinates(data)
    initiative = _create_pending(data=data, image=image)
    _mail(
        [initiative.submitter_email],
        _("Nous avons bien reçu votre proposition « %(name)s »")
        % {"name": initiative.name},
        _(
            "Bonjour,\n\nMerci d'avoir proposé l'initiative « %(name)s ». "
            "Elle sera relue par l'équipe de modération avant d'être publiée ; "
            "vous recevrez un courriel à ce moment-là.\n\n"
            "Vos coordonnées ne sont jamais publiées.\n\n%(site)s"
        )
        % {"name": initiative.name, "site": settings.SITE_NAME},
    )
    _notify_moderators(
        _("Nouvelle initiative à modérer : %(name)s") % {"name": initiative.name},
        _("Une nouvelle initiative attend votre relecture :\n%(url)s")
        % {"url": _absolute("initiatives:moderate_initiative", initiative.pk)},
    )
    return initiative


def _with_coordinates(data: dict) -> dict:
    """`data` with coordinates found from the address when none were given."""
    if data.get("latitude") is not None or data.get("longitude") is not None:
        return data
    if not data.get("address"):
        return data
    found = geocoding.geocode(
        data["address"], citycode=getattr(data.get("commune"), "code", "")
    )
    if found is None:
        return data
    return {**data, "latitude": found.latitude, "longitude": found.longitude}


@transaction.atomic
def _create_pending(*, data: dict, image: ProcessedImage | None) -> Initiative:
    initiative = Initiative(
        **{
            field: _stored(field, data[field])
            for field in SCALAR_FIELDS
            if field in data
        },
        status=Initiative.Status.PENDING,
        source=_("Proposition publique"),
    )
    initiative.full_clean(exclude=["slug", "image", "thumbnail"])
    if image is not None:
        # Written once the record is known valid, so bad input stores no file.
        initiative.image.save(image.image.name, image.image, save=False)
        initiative.thumbnail.save(image.thumbnail.name, image.thumbnail, save=False)
    initiative.save()
    for field in MANY_FIELDS:
        if data.get(field):
            getattr(initiative, field).set(data[field])
    ModerationEvent.objects.create(
        initiative=initiative, action=ModerationEvent.Action.SUBMITTED
    )
    return initiative


def proposal_submit(
    *, initiative: Initiative, changes: dict, message: str, contact_email: str
) -> ChangeProposal:
    """Queue a correction of a published record; nothing changes until accepted."""
    with transaction.atomic():
        proposal = ChangeProposal.objects.create(
            initiative=initiative,
            changes={k: v for k, v in changes.items() if k in ChangeProposal.FIELDS},
            message=message,
            contact_email=contact_email,
        )
        ModerationEvent.objects.create(
            initiative=initiative,
            proposal=proposal,
            action=ModerationEvent.Action.PROPOSAL_RECEIVED,
            reason=message[:500],
            changes={
                k: [getattr(initiative, k), v] for k, v in proposal.changes.items()
            },
        )
    _notify_moderators(
        _("Modification proposée : %(name)s") % {"name": initiative.name},
        _("Une modification de fiche attend votre relecture :\n%(url)s")
        % {"url": _absolute("initiatives:moderate_proposal", proposal.pk)},
    )
    return proposal


# Moderation decisions --------------------------------------------------------


def initiative_approve(
    *, initiative: Initiative, by, data: dict | None = None
) -> Initiative:
    """Publish, after applying the moderator's edits in `data` if any."""
    with transaction.atomic():
        changes = _apply_edits(initiative, data) if data else {}
        initiative.approve(by=by, changes=changes)
    _mail(
        [initiative.submitter_email],
        _("Votre initiative « %(name)s » est publiée") % {"name": initiative.name},
        _(
            "Bonjour,\n\nL'initiative « %(name)s » que vous avez proposée est "
            "maintenant publiée :\n%(url)s\n\nMerci pour votre contribution.\n\n"
            "%(site)s"
        )
        % {
            "name": initiative.name,
            "url": settings.SITE_URL + initiative.get_absolute_url(),
            "site": settings.SITE_NAME,
        },
    )
    return initiative


def initiative_reject(*, initiative: Initiative, by, reason: str) -> Initiative:
    with transaction.atomic():
        initiative.reject(by=by, reason=reason)
    _mail(
        [initiative.submitter_email],
        _("Votre proposition « %(name)s » n'a pas été publiée")
        % {"name": initiative.name},
        _(
            "Bonjour,\n\nL'équipe de modération n'a pas publié l'initiative "
            "« %(name)s ».\n\nMotif : %(reason)s\n\nVous pouvez proposer une "
            "nouvelle fiche qui en tient compte.\n\n%(site)s"
        )
        % {"name": initiative.name, "reason": reason, "site": settings.SITE_NAME},
    )
    return initiative


@transaction.atomic
def initiatives_reject_as_spam(*, pks: list[int], by) -> int:
    """Reject obvious spam in bulk; spammers get no email."""
    count = 0
    for initiative in Initiative.objects.pending().filter(pk__in=pks):
        initiative.reject(by=by, reason=_("Contenu indésirable (spam)"), spam=True)
        count += 1
    return count


@transaction.atomic
def initiative_archive(*, initiative: Initiative, by, reason: str = "") -> Initiative:
    initiative.archive(by=by, reason=reason)
    return initiative


def proposal_accept(
    *, proposal: ChangeProposal, by, changes: dict | None = None
) -> ChangeProposal:
    with transaction.atomic():
        proposal.accept(by=by, changes=changes)
    _mail(
        [proposal.contact_email],
        _("Votre modification de « %(name)s » est acceptée")
        % {"name": proposal.initiative.name},
        _(
            "Bonjour,\n\nMerci : la modification que vous avez proposée est "
            "appliquée à la fiche :\n%(url)s\n\n%(site)s"
        )
        % {
            "url": settings.SITE_URL + proposal.initiative.get_absolute_url(),
            "site": settings.SITE_NAME,
        },
    )
    return proposal


def proposal_reject(*, proposal: ChangeProposal, by, reason: str) -> ChangeProposal:
    with transaction.atomic():
        proposal.reject(by=by, reason=reason)
    _mail(
        [proposal.contact_email],
        _("Votre modification de « %(name)s » n'est pas retenue")
        % {"name": proposal.initiative.name},
        _(
            "Bonjour,\n\nL'équipe de modération n'a pas retenu la modification "
            "que vous avez proposée.\n\nMotif : %(reason)s\n\n%(site)s"
        )
        % {"reason": reason, "site": settings.SITE_NAME},
    )
    return proposal


def _apply_edits(initiative: Initiative, data: dict) -> dict:
    """Set the edited values and return {field: [old, new]} as readable text."""
    diff = {}
    for field in SCALAR_FIELDS:
        if field not in data:
            continue
        old, new = getattr(initiative, field), _stored(field, data[field])
        if old != new:
            diff[field] = [_readable(old), _readable(new)]
            setattr(initiative, field, new)
    initiative.full_clean(exclude=["image", "thumbnail"])
    if data.get("remove_image") and initiative.image:
        diff["image"] = [initiative.image.name, ""]
        # Files go with the decision: a removed image must not stay reachable.
        delete_on_commit(initiative.image, initiative.thumbnail)
        initiative.image = initiative.thumbnail = ""
    initiative.save()
    for field in MANY_FIELDS:
        if field in data:
            # Names compare vocabulary rows and tags (given as plain strings) alike.
            related = getattr(initiative, field)
            old = sorted(map(str, related.all()))
            new = sorted(map(str, data[field]))
            if old != new:
                diff[field] = [", ".join(old), ", ".join(new)]
                related.set(data[field])
    return diff


def _stored(field: str, value):
    """A form's empty value as the model keeps it: "" for text, never None."""
    model_field = Initiative._meta.get_field(field)
    if value is None and model_field.empty_strings_allowed and not model_field.null:
        return ""
    return value


def _readable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# Duplicates ------------------------------------------------------------------


def likely_duplicates(initiatives: list[Initiative]) -> dict[int, list[Initiative]]:
    """Existing records that look like each given one: a similar folded name in
    the same commune, or the same kind of practice within DUPLICATE_DISTANCE_M
    (a repair café next to a garden is a neighbour, not a duplicate).

    One query in all. A page of the moderation queue compares a hundred items
    with the thousands of records of their cities: each candidate's name is
    folded once, the neighbours are looked up in a grid of cells rather than
    compared with every candidate, and difflib's cheap upper bounds rule out
    most names before the exact ratio."""
    if not initiatives:
        return {}
    communes = {i.commune_id for i in initiatives}
    located = [i for i in initiatives if i.has_coordinates]
    # Boxes of 0.01° (about 1 km) around each located item: one OR-ed filter
    # reaching only the neighbourhood, never a whole-country scan.
    cells = {(round(i.latitude, 2), round(i.longitude, 2)) for i in located}
    near = Q()
    for lat, lon in cells:
        near |= Q(
            latitude__range=(lat - 0.015, lat + 0.015),
            longitude__range=(lon - 0.02, lon + 0.02),
        )
    candidates = list(
        Initiative.objects.exclude(status=Initiative.Status.REJECTED)
        .filter(Q(commune_id__in=communes) | near)
        .only(
            "pk",
            "name",
            "slug",
            "status",
            "category_id",
            "commune_id",
            "latitude",
            "longitude",
        )
    )
    names = {candidate.pk: fold(candidate.name) for candidate in candidates}
    by_commune = defaultdict(list)
    by_cell = defaultdict(list)
    for candidate in candidates:
        by_commune[candidate.commune_id].append(candidate)
        if candidate.has_coordinates:
            by_cell[_cell(candidate)].append(candidate)
    result = {}
    for item in initiatives:
        key = fold(item.name)
        found = {}
        for other in by_commune.get(item.commune_id, ()):
            if other.pk != item.pk and _similar(key, names[other.pk]):
                found[other.pk] = other
        if item.has_coordinates:
            for other in _neighbours(by_cell, item):
                if (
                    other.pk != item.pk
                    and other.category_id == item.category_id
                    and distance_m(item, other) <= DUPLICATE_DISTANCE_M
                ):
                    found[other.pk] = other
        result[item.pk] = sorted(found.values(), key=lambda o: o.pk)
    return result


# Grid cells of 0.01°: at least 500 m wide up to 63° of latitude (all of France,
# overseas included), so anything within DUPLICATE_DISTANCE_M of a point lies in
# its cell or one of the eight around it.
CELL_DEGREES = 0.01


def _cell(obj) -> tuple[int, int]:
    return (
        math.floor(obj.latitude / CELL_DEGREES),
        math.floor(obj.longitude / CELL_DEGREES),
    )


def _neighbours(by_cell: dict, item):
    lat, lon = _cell(item)
    for dlat in (-1, 0, 1):
        for dlon in (-1, 0, 1):
            yield from by_cell.get((lat + dlat, lon + dlon), ())


def _similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b or a in b or b in a:
        return True
    matcher = SequenceMatcher(None, a, b)
    # Upper bounds first: each is far cheaper than ratio() and rarely passes.
    return (
        matcher.real_quick_ratio() >= DUPLICATE_NAME_RATIO
        and matcher.quick_ratio() >= DUPLICATE_NAME_RATIO
        and matcher.ratio() >= DUPLICATE_NAME_RATIO
    )


def distance_m(a, b) -> float:
    """Great-circle distance between two objects with latitude/longitude."""
    lat1, lon1, lat2, lon2 = map(
        math.radians, (a.latitude, a.longitude, b.latitude, b.longitude)
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


# Nearby on the detail page ---------------------------------------------------


def nearby_initiatives(initiative: Initiative, *, limit: int = 5) -> list[Initiative]:
    """Published neighbours: the nearest by coordinates, else the same commune."""
    published = (
        Initiative.objects.published()
        .exclude(pk=initiative.pk)
        .select_related("commune", "category")
    )
    if initiative.has_coordinates:
        # About 20 km around; sorted exactly in Python on this small set.
        box = published.filter(
            latitude__range=(initiative.latitude - 0.2, initiative.latitude + 0.2),
            longitude__range=(initiative.longitude - 0.3, initiative.longitude + 0.3),
        )[:200]
        near = sorted(box, key=lambda other: distance_m(initiative, other))
        if near:
            for other in near:
                other.distance_km = distance_m(initiative, other) / 1000
            return near[:limit]
    return list(published.filter(commune_id=initiative.commune_id)[:limit])


# Mail ------------------------------------------------------------------------


def _notify_moderators(subject: str, body: str) -> None:
    User = get_user_model()
    emails = list(
        User.objects.filter(
            Q(groups__name=roles.MODERATION) | Q(is_superuser=True), is_active=True
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    _mail(emails, subject, body)


def _mail(recipients: list[str], subject: str, body: str) -> bool:
    # The record or decision is saved whatever happens to the mail.
    return mail.send(to=recipients, subject=subject, body=body)


def _absolute(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)
