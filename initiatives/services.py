"""Workflows of the initiatives app: public submission, change proposals and
moderation decisions, with their emails and history."""

import logging
import math
import re
from collections import defaultdict
from difflib import SequenceMatcher
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
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


def submission_recap(initiative: Initiative) -> list[tuple[str, str]]:
    """What the submitter sent, as (label, value) lines: shown on the thank-you
    page and repeated in the confirmation email."""
    lines = [
        (_("Référence"), initiative.reference),
        (_("Nom"), initiative.name),
        (_("Type de pratique"), str(initiative.category or "")),
        (_("Commune"), initiative.commune.label if initiative.commune_id else ""),
        (_("Adresse"), initiative.address),
        (_("Résumé"), initiative.summary),
        (_("Site web"), initiative.website),
        (_("Image jointe"), _("oui") if initiative.image else _("non")),
    ]
    return [(label, value) for label, value in lines if value]


def initiative_submit(*, data: dict, image: ProcessedImage | None = None) -> Initiative:
    """Store a public submission as pending, then tell the submitter and moderators."""
    # Before the transaction: the geocoder is a network call of up to
    # GEOCODER_TIMEOUT seconds, which must not hold a database lock (SQLite's
    # write lock in IMMEDIATE mode, row locks on PostgreSQL).
    data = _with_coordinates(data)
    initiative = _create_pending(data=data, image=image)
    recap = "\n".join(
        f"- {label} : {value}" for label, value in submission_recap(initiative)
    )
    _mail(
        [initiative.submitter_email],
        _("Nous avons bien reçu votre proposition « %(name)s » (%(reference)s)")
        % {"name": initiative.name, "reference": initiative.reference},
        _(
            "Bonjour,\n\nMerci d'avoir proposé l'initiative « %(name)s ». "
            "Elle sera relue par l'équipe de modération avant d'être publiée ; "
            "vous recevrez un courriel à ce moment-là.\n\n"
            "Ce que vous avez envoyé :\n%(recap)s\n\n"
            "Pour toute question, rappelez la référence %(reference)s.\n\n"
            "Vos coordonnées ne sont jamais publiées.\n\n%(site)s"
        )
        % {
            "name": initiative.name,
            "recap": recap,
            "reference": initiative.reference,
            "site": settings.SITE_NAME,
        },
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
    *,
    initiative: Initiative,
    changes: dict,
    message: str,
    contact_email: str,
    image: ProcessedImage | None = None,
) -> ChangeProposal:
    """Queue a correction of a published record; nothing changes until accepted."""
    with transaction.atomic():
        proposal = ChangeProposal(
            initiative=initiative,
            changes={k: v for k, v in changes.items() if k in ChangeProposal.FIELDS},
            message=message,
            contact_email=contact_email,
        )
        if image is not None:
            proposal.image.save(image.image.name, image.image, save=False)
            proposal.thumbnail.save(image.thumbnail.name, image.thumbnail, save=False)
        proposal.save()
        # The history says, readably, what was proposed against what was shown.
        readable = {
            field: [
                ChangeProposal.readable(
                    field, ChangeProposal.current_value(initiative, field)
                ),
                ChangeProposal.readable(field, value),
            ]
            for field, value in proposal.changes.items()
        }
        if proposal.image:
            readable["image"] = [initiative.image.name, proposal.image.name]
        ModerationEvent.objects.create(
            initiative=initiative,
            proposal=proposal,
            action=ModerationEvent.Action.PROPOSAL_RECEIVED,
            reason=message[:500],
            changes=readable,
        )
    _notify_moderators(
        _("Modification proposée : %(name)s") % {"name": initiative.name},
        _("Une modification de fiche attend votre relecture :\n%(url)s")
        % {"url": _absolute("initiatives:moderate_proposal", proposal.pk)},
    )
    return proposal


# Moderation decisions --------------------------------------------------------


class AlreadyDecided(Exception):
    """Another moderator decided first; the message says who and when."""


def decided_message(initiative: Initiative) -> str:
    event = initiative.last_decision()
    if event is None:
        return _("Cette fiche a déjà été traitée (statut : %(status)s).") % {
            "status": initiative.get_status_display()
        }
    who = (
        (event.actor.get_full_name() or event.actor.get_username())
        if event.actor
        else _("l'administration")
    )
    return _(
        "Cette fiche a déjà été traitée par %(who)s le %(when)s "
        "(%(action)s) : votre décision n'a pas été enregistrée."
    ) % {
        "who": who,
        "when": date_format(localtime(event.at), "j F Y à H:i"),
        "action": event.get_action_display().lower(),
    }


def _lock(pk: int, *, expected: tuple[str, ...]) -> Initiative:
    """The row, locked until the end of the transaction, if still `expected`.
    Only the initiative's row (`of`): its commune and category are read, not
    locked, so decisions on other records of the same commune never wait.

    The status read by the page may be stale: two moderators can open the same
    record. The lock makes the second decision wait for the first, then see it
    and stop with a message rather than decide again."""
    initiative = (
        Initiative.objects.select_for_update(of=("self",))
        .select_related("category", "commune")
        .get(pk=pk)
    )
    if initiative.status not in expected:
        raise AlreadyDecided(decided_message(initiative))
    return initiative


PENDING = (Initiative.Status.PENDING,)


def initiative_approve(
    *, initiative: Initiative, by, data: dict | None = None
) -> Initiative:
    """Publish, after applying the moderator's edits in `data` if any."""
    with transaction.atomic():
        initiative = _lock(initiative.pk, expected=PENDING)
        changes = _apply_edits(initiative, data) if data else {}
        initiative.approve(by=by, changes=changes)
    _mail_approved(initiative)
    return initiative


def _mail_approved(initiative: Initiative) -> None:
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


def initiative_reject(*, initiative: Initiative, by, reason: str) -> Initiative:
    with transaction.atomic():
        initiative = _lock(initiative.pk, expected=PENDING)
        initiative.reject(by=by, reason=reason)
    _mail_rejected(initiative, reason)
    return initiative


def _mail_rejected(initiative: Initiative, reason: str) -> None:
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


@transaction.atomic
def initiatives_reject_as_spam(*, pks: list[int], by) -> int:
    """Reject obvious spam in bulk; spammers get no email."""
    count = 0
    pending = Initiative.objects.pending().select_for_update().filter(pk__in=pks)
    for initiative in pending.order_by("pk"):
        initiative.reject(by=by, reason=_("Contenu indésirable (spam)"), spam=True)
        count += 1
    return count


def initiatives_decide(
    *, pks: list[int], by, approve: bool, reason: str = ""
) -> tuple[list[Initiative], int]:
    """Publish or refuse a selection of the queue: one history entry and one
    email per record. Returns the decided records and how many had already
    been decided by someone else (skipped, not decided twice)."""
    with transaction.atomic():
        # Locked in pk order, as every bulk path does, so that two bulk
        # decisions over overlapping selections cannot deadlock.
        locked = list(
            Initiative.objects.select_for_update(of=("self",))
            .filter(pk__in=pks)
            .select_related("commune")
            .order_by("pk")
        )
        decided = []
        for initiative in locked:
            if initiative.status != Initiative.Status.PENDING:
                continue
            if approve:
                initiative.approve(by=by)
            else:
                initiative.reject(by=by, reason=reason)
            decided.append(initiative)
    for initiative in decided:
        if approve:
            _mail_approved(initiative)
        else:
            _mail_rejected(initiative, reason)
    return decided, len(set(pks)) - len(decided)


def initiative_archive(*, initiative: Initiative, by, reason: str = "") -> Initiative:
    with transaction.atomic():
        initiative = _lock(initiative.pk, expected=(Initiative.Status.PUBLISHED,))
        initiative.archive(by=by, reason=reason)
    return initiative


def proposal_accept(
    *,
    proposal: ChangeProposal,
    by,
    changes: dict | None = None,
    use_image: bool = True,
) -> ChangeProposal:
    with transaction.atomic():
        proposal = _lock_proposal(proposal.pk)
        proposal.accept(by=by, changes=changes, use_image=use_image)
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
        proposal = _lock_proposal(proposal.pk)
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


def _lock_proposal(pk: int) -> ChangeProposal:
    # No join here: PostgreSQL cannot lock the nullable side of an outer join
    # (decided_by); the decider is read only when there is one.
    proposal = ChangeProposal.objects.select_for_update().get(pk=pk)
    if proposal.status != ChangeProposal.Status.PENDING:
        who = proposal.decided_by
        raise AlreadyDecided(
            _(
                "Cette proposition a déjà été traitée par %(who)s le %(when)s : "
                "votre décision n'a pas été enregistrée."
            )
            % {
                "who": (who.get_full_name() or who.get_username())
                if who
                else _("l'administration"),
                "when": date_format(localtime(proposal.decided_at), "j F Y à H:i")
                if proposal.decided_at
                else "—",
            }
        )
    # The record it changes is locked as well: a decision on it waits.
    proposal.initiative = Initiative.objects.select_for_update().get(
        pk=proposal.initiative_id
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
    if "latitude" in diff or "longitude" in diff:
        # Someone placed the point: it is no longer the commune's centre.
        initiative.position_approximate = False
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


# Merging duplicates ----------------------------------------------------------

# Compared side by side on the merge page, then filled into the kept record
# where it has nothing.
COMPARED_FIELDS = (*Initiative.PUBLIC_FIELDS, "image", "source", "status")


class MergeNotAllowed(Exception):
    """The pair cannot be merged (same record, refused or archived record)."""


def initiatives_merge(*, keep: Initiative, drop: Initiative, by) -> Initiative:
    """Keep one record and archive the other, moving its tags, vocabulary,
    history, proposals and every link to the kept one; both histories say so.

    The kept record's empty fields take the other's values (a submission
    often brings the coordinates or the image a published record lacks)."""
    if keep.pk == drop.pk:
        raise MergeNotAllowed(_("Choisissez deux fiches différentes."))
    with transaction.atomic():
        rows = (
            Initiative.objects.select_for_update(of=("self",))
            .select_related("commune", "category")
            .filter(pk__in=[keep.pk, drop.pk])
            .order_by("pk")
        )
        locked = {row.pk: row for row in rows}
        keep, drop = locked[keep.pk], locked[drop.pk]
        closed = (Initiative.Status.REJECTED, Initiative.Status.ARCHIVED)
        if drop.status in closed:
            raise AlreadyDecided(decided_message(drop))
        if keep.status in closed:
            raise MergeNotAllowed(
                _("La fiche gardée est %(status)s : gardez plutôt l'autre.")
                % {"status": keep.get_status_display().lower()}
            )
        filled = {}
        for field in SCALAR_FIELDS:
            if field in Initiative.PRIVATE_FIELDS:
                continue
            mine, theirs = getattr(keep, field), getattr(drop, field)
            if mine in (None, "") and theirs not in (None, ""):
                filled[field] = [_readable(mine), _readable(theirs)]
                setattr(keep, field, theirs)
        if "latitude" in filled and "longitude" not in filled:
            # Half a point is no point (and the constraint says both or none).
            keep.latitude = None
            del filled["latitude"]
        if not keep.image and drop.image:
            filled["image"] = ["", drop.image.name]
            keep.image, keep.thumbnail = drop.image, drop.thumbnail
        if filled:
            keep.save()
        for field in MANY_FIELDS:
            added = set(getattr(drop, field).all()) - set(getattr(keep, field).all())
            if added:
                getattr(keep, field).add(*added)
                filled[field] = ["", ", ".join(sorted(map(str, added)))]
        # Every row pointing at the dropped record now points at the kept one:
        # its history and proposals, and links from other apps (assessments).
        for relation in Initiative._meta.related_objects:
            if relation.one_to_many:
                relation.related_model._base_manager.filter(
                    **{relation.field.name: drop}
                ).update(**{relation.field.name: keep})
        drop.archive(
            by=by,
            reason=_("Fusionnée dans « %(name)s » (n° %(pk)d)")
            % {"name": keep.name, "pk": keep.pk},
        )
        keep._record(
            ModerationEvent.Action.MERGED,
            by,
            reason=_("A reçu « %(name)s » (n° %(pk)d), archivée")
            % {"name": drop.name, "pk": drop.pk},
            changes=filled,
        )
    if drop.submitter_email and keep.status == Initiative.Status.PUBLISHED:
        _mail(
            [drop.submitter_email],
            _("Votre proposition « %(name)s » rejoint une fiche existante")
            % {"name": drop.name},
            _(
                "Bonjour,\n\nL'initiative que vous avez proposée était déjà "
                "publiée : vos informations ont été ajoutées à sa fiche :\n"
                "%(url)s\n\nMerci pour votre contribution.\n\n%(site)s"
            )
            % {
                "url": settings.SITE_URL + keep.get_absolute_url(),
                "site": settings.SITE_NAME,
            },
        )
    return keep


def comparison_rows(a: Initiative, b: Initiative) -> list[dict]:
    """Field by field, readable values of two records and whether they differ."""
    rows = []
    for name in COMPARED_FIELDS:
        field = Initiative._meta.get_field(name)
        values = [_display(record, name, field) for record in (a, b)]
        rows.append(
            {
                "label": field.verbose_name,
                "a": values[0],
                "b": values[1],
                "differs": values[0] != values[1],
            }
        )
    return rows


def _display(record: Initiative, name: str, field) -> str:
    if field.many_to_many:
        # Prefetched by the view: no query per field.
        return ", ".join(sorted(str(item) for item in getattr(record, name).all()))
    if field.choices:
        return getattr(record, f"get_{name}_display")()
    value = getattr(record, name)
    if name == "image":
        return value.name if value else ""
    if name in ("latitude", "longitude") and value is not None:
        text = f"{value:.6f}"
        if record.position_approximate:
            text += " " + _("(approximative)")
        return text
    return "" if value is None else str(value)


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
    located = [i for i in initiatives if _precise(i)]
    # Boxes of 0.01° (about 1 km) around each located item: one OR-ed filter
    # reaching only the neighbourhood, never a whole-country scan.
    cells = {(round(i.latitude, 2), round(i.longitude, 2)) for i in located}
    near = Q()
    for lat, lon in cells:
        near |= Q(
            latitude__range=(lat - 0.015, lat + 0.015),
            longitude__range=(lon - 0.02, lon + 0.02),
        )
    # Plain tuples, not model instances: a page of a thousand-record import
    # reads thousands of neighbours, and building a model object for each cost
    # more than the comparison itself. Only the matches become Initiatives.
    candidates = [
        _Candidate(*row)
        for row in Initiative.objects.exclude(status=Initiative.Status.REJECTED)
        .filter(Q(commune_id__in=communes) | near)
        .order_by()
        .values_list(*_Candidate._fields)
    ]
    names = _FoldedNames()
    by_commune = defaultdict(list)
    by_cell = defaultdict(list)
    for candidate in candidates:
        by_commune[candidate.commune_id].append(candidate)
        if _precise(candidate):
            by_cell[_cell(candidate)].append(candidate)
    result = {}
    matcher = SequenceMatcher(autojunk=False)
    for item in initiatives:
        key = fold(item.name)
        # The item's name is analysed once, then compared with each neighbour.
        matcher.set_seq2(key)
        found = {}
        for other in by_commune.get(item.commune_id, ()):
            if other.pk == item.pk:
                continue
            if _similar(key, names[other], matcher):
                found[other.pk] = other
        if _precise(item):
            for other in _neighbours(by_cell, item):
                if (
                    other.pk != item.pk
                    and other.category_id == item.category_id
                    and distance_m(item, other) <= DUPLICATE_DISTANCE_M
                ):
                    found[other.pk] = other
        result[item.pk] = [
            Initiative(
                pk=other.pk,
                name=other.name,
                slug=other.slug,
                status=other.status,
                category_id=other.category_id,
                commune_id=other.commune_id,
                latitude=other.latitude,
                longitude=other.longitude,
                position_approximate=other.position_approximate,
            )
            for other in sorted(found.values(), key=lambda o: o.pk)
        ]
    return result


# The accented letters of French names, folded by a table: the general fold()
# (Unicode decomposition) costs a page of the queue a fifth of a second over
# thousands of neighbours; the same result, for these letters, is ten times
# cheaper. Anything else still goes through fold().
_LATIN = str.maketrans("àâäáãåçéèêëíìîïñóòôöõúùûüýÿ", "aaaaaaceeeeiiiinooooouuuuyy") | {
    ord("œ"): "oe",
    ord("æ"): "ae",
}
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def _fold_name(text: str) -> str:
    lowered = (text or "").lower().translate(_LATIN)
    if not lowered.isascii():
        return fold(text)
    return " ".join(word for word in _NOT_WORD.split(lowered) if word)


class _FoldedNames(dict):
    """Each neighbour's folded name, computed on first use only."""

    def __missing__(self, candidate):
        self[candidate] = folded = _fold_name(candidate.name)
        return folded


class _Candidate(NamedTuple):
    pk: int
    name: str
    slug: str
    status: str
    category_id: int
    commune_id: int
    latitude: float | None
    longitude: float | None
    position_approximate: bool

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def _precise(obj) -> bool:
    # A commune's centre is shared by every approximate record of that commune:
    # being near it says nothing about being the same initiative.
    return obj.has_coordinates and not obj.position_approximate


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


def _similar(a: str, b: str, matcher: SequenceMatcher | None = None) -> bool:
    """`matcher`, if given, already holds `a` as its second sequence."""
    if not a or not b:
        return False
    if a == b or a in b or b in a:
        return True
    # Upper bounds first, each far cheaper than ratio() and rarely passed; the
    # first needs only the lengths.
    if 2 * min(len(a), len(b)) / (len(a) + len(b)) < DUPLICATE_NAME_RATIO:
        return False
    if matcher is None:
        matcher = SequenceMatcher(None, b, a, autojunk=False)
    else:
        matcher.set_seq1(b)
    return (
        matcher.quick_ratio() >= DUPLICATE_NAME_RATIO
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
