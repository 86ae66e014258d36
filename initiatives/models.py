from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from observatoire.links import slug_url
from observatoire.models import LocatedQuerySet, Territory
from observatoire.text import fold, unique_slug
from observatoire.versions import VersionedQuerySet

# Years an initiative may say it started or stopped: old enough for the
# oldest cooperatives, never in the future.
FIRST_YEAR = 1800


def current_year() -> int:
    return timezone.now().year


class Category(models.Model):
    """A kind of practice (jardin partagé, repair café…), editable in the admin."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    colour = models.CharField(
        _("couleur"),
        max_length=7,
        default="#1f4e8c",
        validators=[
            RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Couleur au format #RRVVBB."))
        ],
        help_text=_("Couleur des marqueurs sur la carte, au format #RRVVBB."),
    )
    icon = models.CharField(
        _("pictogramme"),
        max_length=32,
        blank=True,
        help_text=_("Une ou deux lettres ou un symbole affiché dans le marqueur."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("type de pratique")
        verbose_name_plural = _("types de pratique")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Vocabulary(models.Model):
    """A short list of terms that describe initiatives, edited in the admin."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position"]

    def __str__(self):
        return self.name


class Family(Vocabulary):
    """The seed's four families of actors: Libre, Solidaire, Durable, Culturel."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("famille")
        verbose_name_plural = _("familles")


class ActionLevel(Vocabulary):
    """The four levels of action of the Forum des Usages Coopératifs synthesis."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("niveau d'action")
        verbose_name_plural = _("niveaux d'action")


class ResourceType(Vocabulary):
    """Where the initiative's means come from: volunteers, public, private."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("type de ressources")
        verbose_name_plural = _("types de ressources")


class InitiativeQuerySet(LocatedQuerySet, VersionedQuerySet):
    territory_field = "commune"

    def published(self):
        return self.filter(status=Initiative.Status.PUBLISHED)

    def pending(self):
        return self.filter(status=Initiative.Status.PENDING)

    def search(self, query: str):
        """Accent- and case-insensitive: every word of `query` must appear."""
        qs = self
        for word in fold(query).split():
            qs = qs.filter(search_text__contains=word)
        return qs


class TransitionNotAllowed(ValueError):
    """A decision that the record's current status does not allow (publishing a
    refused record, refusing a published one…)."""

    def __init__(self, initiative: "Initiative", target: str):
        self.initiative = initiative
        self.current = initiative.status
        self.target = target
        Status = Initiative.Status
        super().__init__(
            _(
                "Impossible de passer la fiche « %(name)s » de « %(current)s » à "
                "« %(target)s »."
            )
            % {
                "name": initiative.name,
                "current": Status(initiative.status).label,
                "target": Status(target).label,
            }
        )


class Initiative(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de modération")
        PUBLISHED = "published", _("Publiée")
        REJECTED = "rejected", _("Refusée")
        ARCHIVED = "archived", _("Archivée")

    class EconomicModel(models.TextChoices):
        FREE = "free", _("Gratuit")
        PAID = "paid", _("Payant")
        PAY_WHAT_YOU_CAN = "pay_what_you_can", _("Prix libre")
        MIXED = "mixed", _("Mixte")

    class Governance(models.TextChoices):
        ASSOCIATIVE = "associative", _("Associative")
        COOPERATIVE = "cooperative", _("Coopérative")
        PARTICIPATORY = "participatory", _("Mixte et participative")
        PUBLIC = "public", _("Publique")
        PRIVATE = "private", _("Privée")
        INFORMAL = "informal", _("Collectif informel")

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True)
    summary = models.CharField(_("résumé"), max_length=300)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Texte simple ou Markdown.")
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("type de pratique"),
        on_delete=models.PROTECT,
        related_name="initiatives",
    )
    families = models.ManyToManyField(Family, verbose_name=_("familles"), blank=True)
    action_levels = models.ManyToManyField(
        ActionLevel, verbose_name=_("niveaux d'action"), blank=True
    )
    economic_model = models.CharField(
        _("modèle économique"), max_length=20, choices=EconomicModel.choices, blank=True
    )
    resources = models.ManyToManyField(
        ResourceType, verbose_name=_("ressources"), blank=True
    )
    governance = models.CharField(
        _("gouvernance"), max_length=20, choices=Governance.choices, blank=True
    )
    creation_year = models.PositiveSmallIntegerField(
        _("année de création"),
        null=True,
        blank=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(current_year)],
        help_text=_("Facultatif : l'année où l'initiative a commencé."),
    )
    stopped_year = models.PositiveSmallIntegerField(
        _("année d'arrêt"),
        null=True,
        blank=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(current_year)],
        help_text=_("Seulement si l'initiative s'est arrêtée : l'année de son arrêt."),
    )
    commune = models.ForeignKey(
        Territory,
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="initiatives",
        limit_choices_to={"kind": Territory.Kind.COMMUNE},
    )
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    # True when the coordinates are the commune's centre, filled in at
    # publication because nobody placed the point: shown on the map, but said
    # to be approximate on the record's page.
    position_approximate = models.BooleanField(
        _("position approximative"), default=False, editable=False
    )
    website = models.URLField(_("site web"), max_length=500, blank=True)
    image = models.ImageField(_("image"), upload_to="initiatives/%Y/%m/", blank=True)
    thumbnail = models.ImageField(
        _("vignette"), upload_to="initiatives/thumbs/%Y/%m/", blank=True, editable=False
    )
    organisation = models.CharField(_("structure porteuse"), max_length=200, blank=True)
    public_contact = models.CharField(
        _("contact public"),
        max_length=200,
        blank=True,
        help_text=_("Courriel, téléphone ou lien affiché publiquement."),
    )
    # Private: never rendered on public pages, never exported.
    submitter_name = models.CharField(
        _("nom de la personne"), max_length=200, blank=True
    )
    submitter_email = models.EmailField(_("courriel de la personne"), blank=True)

    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(
        _("créée le"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(_("mise à jour le"), auto_now=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)

    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("D'où vient la fiche.")
    )
    source_id = models.CharField(
        _("identifiant dans la source"), max_length=100, blank=True
    )
    source_url = models.URLField(_("adresse de la source"), max_length=500, blank=True)
    licence = models.CharField(
        _("licence"), max_length=100, default="Licence Ouverte 2.0"
    )
    is_demo = models.BooleanField(
        _("donnée de démonstration"), default=False, db_index=True
    )

    tags = TaggableManager(verbose_name=_("mots-clés"), blank=True)
    # Folded copy of the searchable text, kept by save(): one search mechanism
    # that behaves the same on SQLite and PostgreSQL, accents and case aside.
    search_text = models.TextField(
        _("texte de recherche"), blank=True, default="", editable=False
    )

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__isnull=False) & Q(longitude__isnull=False)),
                name="initiative_coordinates_both_or_none",
            ),
            models.CheckConstraint(
                condition=Q(stopped_year__isnull=True)
                | Q(creation_year__isnull=True)
                | Q(stopped_year__gte=models.F("creation_year")),
                name="initiative_stops_after_it_starts",
                violation_error_message=_(
                    "L'année d'arrêt ne peut pas précéder l'année de création."
                ),
            ),
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="initiative_unique_source_id",
            ),
        ]
        indexes = [
            # The rows are wide (description, search text): 100,000 of them
            # are 100 MB to scan. This narrow index holds the list's order
            # (name, then pk) and the columns facets filter and group on, so
            # a page of keys, a count or a facet is read from it alone.
            models.Index(
                fields=[
                    "status",
                    "name",
                    "id",
                    "category",
                    "economic_model",
                    "commune",
                ],
                name="initiative_list",
            ),
            models.Index(fields=["status", "created_at"]),
            # Facet counts group published rows by these columns: covering
            # indexes keep them off the wide table rows (100,000+ initiatives).
            # Kind and economic model, then id: the set a kind and a model
            # select comes from the index alone, in id order, and merges with
            # the many-to-many links (indexed in migration 0014) instead of
            # table rows fetched and hashed.
            models.Index(fields=["status", "category", "economic_model", "id"]),
            models.Index(fields=["status", "economic_model"]),
            models.Index(fields=["status", "commune"]),
            models.Index(fields=["status", "published_at"]),
            # Latest change (exports, feeds).
            models.Index(fields=["updated_at"]),
            # Map markers straight from the index, in id order, never touching
            # the wide rows; also the id list behind every facet subquery.
            models.Index(
                fields=["status", "id", "latitude", "longitude", "category"],
                name="initiative_markers",
            ),
            # Neighbours of a point (duplicates in moderation, nearby records):
            # a range of latitudes, then of longitudes, read from the index.
            models.Index(fields=["latitude", "longitude"], name="initiative_position"),
        ]

    def __str__(self):
        return self.name

    # What anyone may say about an initiative, in the order forms show it. The
    # public form, the moderator's edit, the workflows, the exports and the
    # importer all take their fields from this list.
    PUBLIC_FIELDS = (
        "name",
        "summary",
        "description",
        "category",
        "families",
        "action_levels",
        "economic_model",
        "resources",
        "governance",
        "creation_year",
        "stopped_year",
        "commune",
        "address",
        "latitude",
        "longitude",
        "website",
        "organisation",
        "public_contact",
        "tags",
    )
    # Known to moderators only: never on a public page, never exported.
    PRIVATE_FIELDS = ("submitter_name", "submitter_email")
    # Where a record comes from: exported and imported, never typed in a form.
    SOURCE_FIELDS = ("source", "source_id", "source_url", "licence")
    SEARCHED_FIELDS = ("name", "summary", "description", "organisation", "address")

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                Initiative.objects.exclude(pk=self.pk), self.name, fallback="initiative"
            )
        update_fields = kwargs.get("update_fields")
        # The commune's name is searched too ("jardin brest").
        sources = {*self.SEARCHED_FIELDS, "commune", "commune_id"}
        if update_fields is None:
            self.search_text = self.build_search_text()
        elif set(update_fields) & sources:
            self.search_text = self.build_search_text()
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_url("initiatives:detail", self.slug)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Where the row counted when read: a save that moves it to another
        # commune or out of publication changes the counts it leaves
        # (observatoire/tallies.py). None where a field was deferred.
        instance._tally_state = (
            instance.__dict__.get("status"),
            instance.__dict__.get("commune_id"),
        )
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        # What was just read is where the row counts now (see from_db).
        status, commune = getattr(self, "_tally_state", (None, None))
        if fields is None or "status" in fields:
            status = self.status
        if fields is None or {"commune", "commune_id"} & set(fields):
            commune = self.commune_id
        self._tally_state = (status, commune)

    def build_search_text(self, *, commune_name: str | None = None) -> str:
        """The folded text free-text search looks into (bulk_create callers too,
        who pass `commune_name` to spare a query per row)."""
        if commune_name is None:
            commune_name = self.commune.name if self.commune_id else ""
        texts = [getattr(self, name) or "" for name in self.SEARCHED_FIELDS]
        return fold(" ".join([*texts, commune_name]))

    @property
    def is_stopped(self) -> bool:
        """« Initiative arrêtée »: it says the year it stopped."""
        return self.stopped_year is not None

    @property
    def reference(self) -> str:
        """What a submitter quotes to the team: « INIT-000123 »."""
        return f"INIT-{self.pk:06d}"

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    # Every status change a decision may make. Anything else (publishing a
    # refused record, refusing a published one, deciding twice) is refused by
    # the model itself, whichever page, command or admin action asks.
    TRANSITIONS = {
        Status.PENDING: {Status.PUBLISHED, Status.REJECTED, Status.ARCHIVED},
        Status.PUBLISHED: {Status.ARCHIVED},
        Status.REJECTED: set(),
        # Restoring an archived record (archived by mistake) publishes it again.
        Status.ARCHIVED: {Status.PUBLISHED},
    }

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    def _change_status(self, status: str) -> None:
        if not self.can_become(status):
            raise TransitionNotAllowed(self, status)
        self.status = status

    def place_at_commune_centre(self) -> bool:
        """Without coordinates, take the commune's centre (approximate)."""
        commune = self.commune
        if self.has_coordinates or commune.latitude is None:
            return False
        self.latitude, self.longitude = commune.latitude, commune.longitude
        self.position_approximate = True
        return True

    def approve(self, *, by, changes: dict | None = None) -> "ModerationEvent":
        """Publish the record; `changes` lists what the moderator edited first."""
        self._change_status(self.Status.PUBLISHED)
        if self.published_at is None:
            self.published_at = timezone.now()
        fields = ["status", "published_at", "updated_at"]
        # A published record without a point would be missing from the map.
        if self.place_at_commune_centre():
            fields += ["latitude", "longitude", "position_approximate"]
        self.save(update_fields=fields)
        return self._record(ModerationEvent.Action.APPROVED, by, changes=changes)

    def reject(self, *, by, reason: str, spam: bool = False) -> "ModerationEvent":
        self._change_status(self.Status.REJECTED)
        self.save(update_fields=["status", "updated_at"])
        Action = ModerationEvent.Action
        action = Action.SPAM if spam else Action.REJECTED
        return self._record(action, by, reason=reason)

    def archive(self, *, by, reason: str = "") -> "ModerationEvent":
        # Archiving replaces deletion: the record and its history stay.
        self._change_status(self.Status.ARCHIVED)
        self.save(update_fields=["status", "updated_at"])
        return self._record(ModerationEvent.Action.ARCHIVED, by, reason=reason)

    def last_decision(self) -> "ModerationEvent | None":
        """The event that took the record out of the queue (who and when)."""
        Action = ModerationEvent.Action
        return (
            self.events.filter(
                action__in=[
                    Action.APPROVED,
                    Action.REJECTED,
                    Action.SPAM,
                    Action.ARCHIVED,
                    Action.MERGED,
                ]
            )
            .select_related("actor")
            .order_by("-at", "-pk")
            .first()
        )

    def _record(self, action, actor, *, reason="", changes=None, proposal=None):
        return ModerationEvent.objects.create(
            initiative=self,
            proposal=proposal,
            action=action,
            actor=actor if actor and actor.is_authenticated else None,
            reason=reason,
            changes=changes or {},
        )


class ChangeProposalQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ChangeProposal.Status.PENDING)


class ChangeProposal(models.Model):
    """A correction suggested by anyone on a published record; the record stays
    unchanged until a moderator accepts it."""

    # Every public field an owner may want to correct (kind of practice,
    # commune, coordinates, vocabularies, tags included), plus the image, kept
    # on the proposal itself until accepted. `changes` stores JSON values:
    # text, a primary key for a foreign key, a sorted list of primary keys
    # (tag names for tags) for a many-to-many field, floats for coordinates.
    FIELDS = Initiative.PUBLIC_FIELDS

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de modération")
        ACCEPTED = "accepted", _("Acceptée")
        REJECTED = "rejected", _("Refusée")

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="change_proposals",
    )
    changes = models.JSONField(
        _("valeurs proposées"),
        default=dict,
        blank=True,
        help_text=_("Nom du champ → nouvelle valeur proposée."),
    )
    image = models.ImageField(
        _("image proposée"), upload_to="proposals/%Y/%m/", blank=True
    )
    thumbnail = models.ImageField(
        _("vignette proposée"),
        upload_to="proposals/thumbs/%Y/%m/",
        blank=True,
        editable=False,
    )
    message = models.TextField(_("message"), max_length=3000)
    # Private, like the submitter's contact: only used to answer.
    contact_email = models.EmailField(_("courriel de contact"), blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decision_reason = models.TextField(_("motif de la décision"), blank=True)

    objects = ChangeProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposition de modification")
        verbose_name_plural = _("propositions de modification")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return _("Modification proposée pour « %(name)s »") % {
            "name": self.initiative.name
        }

    def get_absolute_url(self):
        return reverse("initiatives:moderate_proposal", args=[self.pk])

    @staticmethod
    def stored_value(field: str, value):
        """A form's or a record's value as `changes` keeps it."""
        model_field = Initiative._meta.get_field(field)
        if field == "tags":
            names = value if isinstance(value, list | tuple) else value.names()
            return sorted(str(name) for name in names)
        if model_field.many_to_many:
            return sorted(
                item if isinstance(item, int) else item.pk for item in value or ()
            )
        if model_field.is_relation:
            return value.pk if isinstance(value, models.Model) else value
        if isinstance(model_field, models.FloatField):
            return None if value in (None, "") else float(value)
        # Browsers send CRLF line ends; the stored text may have LF only.
        return (value or "").replace("\r\n", "\n")

    @classmethod
    def current_value(cls, initiative: Initiative, field: str):
        model_field = Initiative._meta.get_field(field)
        if field == "tags":
            return cls.stored_value(field, [t.name for t in initiative.tags.all()])
        if model_field.many_to_many:
            return cls.stored_value(field, list(getattr(initiative, field).all()))
        if model_field.is_relation:
            return getattr(initiative, model_field.attname)
        return cls.stored_value(field, getattr(initiative, field))

    @staticmethod
    def readable(field: str, value) -> str:
        """A stored value as a moderator reads it (names, labels)."""
        model_field = Initiative._meta.get_field(field)
        if value in (None, "", []):
            return ""
        if field == "tags":
            return ", ".join(value)
        if model_field.many_to_many:
            names = model_field.related_model.objects.filter(pk__in=value)
            return ", ".join(sorted(str(item) for item in names))
        if model_field.is_relation:
            related = model_field.related_model.objects.filter(pk=value).first()
            return str(related) if related else ""
        if model_field.choices:
            return str(dict(model_field.choices).get(value, value))
        return str(value)

    def accept(
        self, *, by, changes: dict | None = None, use_image: bool = True
    ) -> "ModerationEvent":
        """Apply the (possibly edited) values to the record, then close."""
        applied = self.changes if changes is None else changes
        applied = {k: v for k, v in applied.items() if k in self.FIELDS}
        initiative = self.initiative
        diff, many = {}, {}
        for field, value in applied.items():
            value = self.stored_value(field, value)
            old = self.current_value(initiative, field)
            if old == value:
                continue
            diff[field] = [self.readable(field, old), self.readable(field, value)]
            model_field = Initiative._meta.get_field(field)
            if model_field.many_to_many:
                many[field] = value
            elif model_field.is_relation:
                setattr(initiative, model_field.attname, value)
            else:
                setattr(initiative, field, value)
        if "latitude" in diff or "longitude" in diff:
            initiative.position_approximate = False
        if use_image and self.image:
            diff["image"] = [initiative.image.name, self.image.name]
            initiative.image, initiative.thumbnail = self.image, self.thumbnail
        if set(diff) - set(many):
            initiative.full_clean(exclude=["slug", "image", "thumbnail"])
            initiative.save()
        for field, value in many.items():
            getattr(initiative, field).set(value)
        self._decide(self.Status.ACCEPTED, by, "")
        return initiative._record(
            ModerationEvent.Action.PROPOSAL_ACCEPTED, by, changes=diff, proposal=self
        )

    def reject(self, *, by, reason: str) -> "ModerationEvent":
        self._decide(self.Status.REJECTED, by, reason)
        return self.initiative._record(
            ModerationEvent.Action.PROPOSAL_REJECTED, by, reason=reason, proposal=self
        )

    def _decide(self, status, by, reason):
        self.status = status
        self.decided_by = by if by and by.is_authenticated else None
        self.decided_at = timezone.now()
        self.decision_reason = reason
        self.save(
            update_fields=["status", "decided_by", "decided_at", "decision_reason"]
        )


class ModerationEvent(models.Model):
    """One line of a record's history: who did what, when, and why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Proposée")
        APPROVED = "approved", _("Publiée")
        REJECTED = "rejected", _("Refusée")
        SPAM = "spam", _("Refusée comme indésirable")
        ARCHIVED = "archived", _("Archivée")
        PROPOSAL_RECEIVED = "proposal_received", _("Modification proposée")
        PROPOSAL_ACCEPTED = "proposal_accepted", _("Modification acceptée")
        PROPOSAL_REJECTED = "proposal_rejected", _("Modification refusée")
        MERGED = "merged", _("Fusionnée")

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    proposal = models.ForeignKey(
        ChangeProposal,
        verbose_name=_("proposition de modification"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    reason = models.TextField(_("motif"), blank=True)
    changes = models.JSONField(
        _("modifications"),
        default=dict,
        blank=True,
        help_text=_("Nom du champ → [ancienne valeur, nouvelle valeur]."),
    )

    class Meta:
        verbose_name = _("décision de modération")
        verbose_name_plural = _("historique de modération")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} — {self.initiative.name}"

    def get_absolute_url(self):
        return reverse("initiatives:history", args=[self.initiative_id])
