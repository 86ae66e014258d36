import re

from django.db import models
from django.db.models import Case, Q, When
from django.utils.translation import gettext_lazy as _

from observatoire.links import slug_url
from observatoire.text import fold
from observatoire.versions import VersionedQuerySet

# Abbreviations people type for the words official names spell out, and back
# (EPCI names use "St-" where commune names say "Saint-").
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "saint": "st", "sainte": "ste"}
CODE_QUERY = re.compile(r"\d+|2[ab]\d*")


def search_variants(key: str) -> set[str]:
    """Folded query and its spelling with "st"/"saint" swapped.

    The last word is left alone: it may be a word still being typed, and "st"
    alone would otherwise match every name containing those two letters.
    """
    words = key.split()
    swapped = [ABBREVIATIONS.get(word, word) for word in words[:-1]] + words[-1:]
    return {key, " ".join(swapped)}


class TerritoryQuerySet(VersionedQuerySet):
    def communes(self):
        return self.filter(kind=Territory.Kind.COMMUNE)

    def search(self, query: str):
        """Accent- and case-insensitive lookup by name, postal code or INSEE code.

        Digits match the start of a postal code or of an official code
        ("29200" finds Brest, "2A" Corse-du-Sud); words match anywhere in the
        name, exact names and name prefixes first once `ranked()`.
        """
        key = fold(query)
        if not key:
            return self.none()
        if CODE_QUERY.fullmatch(key):
            match = Q(code__istartswith=key)
            if key.isdigit():
                match |= Q(postal_codes__startswith=key)
                match |= Q(postal_codes__contains=" " + key)
            exact = Q(code__iexact=key)
            return self.filter(match).annotate(
                search_rank=Case(When(exact, then=0), default=1)
            )
        match, exact, prefix = Q(search_name__contains=key), Q(), Q()
        for variant in search_variants(key):
            exact |= Q(search_name=variant)
            prefix |= Q(search_name__startswith=variant)
            if variant != key:
                # Swapped spellings only match from the start of a word.
                match |= Q(search_name__startswith=variant)
                match |= Q(search_name__contains=" " + variant)
        return self.filter(match).annotate(
            search_rank=Case(When(exact, then=0), When(prefix, then=1), default=2)
        )

    def ranked(self):
        """Biggest places first, so "Brest" comes before a hamlet of the same name;
        after `search()`, exact names and name prefixes come first."""
        order = [models.F("population").desc(nulls_last=True), "name"]
        if "search_rank" in self.query.annotations:
            order.insert(0, "search_rank")
        return self.order_by(*order)


class Territory(models.Model):
    """A unit of the official French geography (Etalab découpage administratif)."""

    class Kind(models.TextChoices):
        FRANCE = "france", _("France")
        REGION = "region", _("Région")
        DEPARTEMENT = "departement", _("Département")
        EPCI = "epci", _("Intercommunalité (EPCI)")
        COMMUNE = "commune", _("Commune")

    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    code = models.CharField(
        _("code officiel"),
        max_length=12,
        help_text=_("Code INSEE (région, département, commune) ou SIREN (EPCI)."),
    )
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True)
    search_name = models.CharField(
        _("nom normalisé"), max_length=200, db_index=True, editable=False
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("rattachement administratif"),
        help_text=_(
            "Département d'une commune, région d'un département, France d'une région."
        ),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    epci = models.ForeignKey(
        "self",
        verbose_name=_("intercommunalité"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member_communes",
        limit_choices_to={"kind": "epci"},
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    postal_codes = models.CharField(
        _("codes postaux"),
        max_length=300,
        blank=True,
        help_text=_("Séparés par des espaces."),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code"], name="territory_kind_code"
            ),
        ]
        indexes = [models.Index(fields=["kind", "search_name"])]

    def __str__(self):
        if self.kind == self.Kind.COMMUNE and self.parent_id:
            return f"{self.name} ({self.parent.code})"
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_url("territory_detail", self.slug)

    @property
    def is_everywhere(self) -> bool:
        """France holds every territory: filtering by it is no filter at all."""
        return self.kind == self.Kind.FRANCE

    def inside(self, field: str) -> Q:
        """Rows whose `field`, a foreign key to Territory ("commune",
        "section__workshop__territory"), is this territory or one inside it.

        Usable in `filter()` and as the `filter=` of one conditional count per
        territory. The ids inside are read once per object (one query) and
        written as a plain list, which the database matches through its
        (status, commune) index; as a subquery it was planned as a loop over
        every content row (EXPLAIN, 50,000 initiatives).
        """
        if self.is_everywhere:
            return Q(pk__isnull=False)
        if getattr(self, "_inside_ids", None) is None:
            self._inside_ids = list(self.within().values_list("pk", flat=True))
        return Q(**{f"{field}__in": self._inside_ids})

    def within(self) -> "TerritoryQuerySet":
        """This territory and every territory inside it (départements and communes
        of a région, communes of a département or an EPCI; everything in France)."""
        if self.is_everywhere:
            return Territory.objects.all()
        inside = Q(pk=self.pk) | Q(parent=self.pk) | Q(epci=self.pk)
        if self.kind == self.Kind.REGION:
            # A subquery on the parent index, not a self-join (which scans the
            # 36,000 territories twice).
            departements = Territory.objects.filter(parent=self.pk).values("pk")
            inside |= Q(parent__in=departements)
        return Territory.objects.filter(inside)

    @property
    def label(self) -> str:
        """What a user types to pick this territory: "Brest (29)", "Finistère (29)"."""
        if self.kind == self.Kind.COMMUNE and self.parent_id:
            return f"{self.name} ({self.parent.code})"
        if self.kind == self.Kind.DEPARTEMENT:
            return f"{self.name} ({self.code})"
        return self.name

    @property
    def postal_code_list(self) -> list[str]:
        return self.postal_codes.split()


class LocatedQuerySet(VersionedQuerySet):
    """Rows placed on the map of territories by a foreign key to Territory."""

    territory_field = "territory"

    def within(self, territory: Territory):
        """The rows placed in `territory` or anywhere inside it (every row, placed
        or not, for France: the inventory is national)."""
        if territory.is_everywhere:
            return self.all()
        return self.filter(
            **{f"{self.territory_field}__in": territory.within().values("pk")}
        )


class SearchDocument(models.Model):
    """One row per public object the site-wide search can find.

    Written by observatoire.search only, from each part's `public()` queryset:
    a draft, a pending or a rejected object never gets a row, so no search can
    forget to filter them out. The full-text index over `title` and `body`
    lives beside the table and differs per database (migration 0005): a
    generated `tsvector` column with a GIN index on PostgreSQL, an FTS5 table
    kept in step by triggers on SQLite.
    """

    kind = models.CharField(_("partie"), max_length=20)
    object_id = models.PositiveBigIntegerField(_("identifiant"))
    title = models.TextField(_("titre"))
    body = models.TextField(_("texte"), blank=True)
    # Shown under the title ("Brest (29)", the workshop of an item).
    context = models.CharField(_("contexte"), max_length=300, blank=True)
    url = models.CharField(_("adresse"), max_length=500)
    # No database constraint: territories are reloaded in bulk by raw SQL, and
    # a document is rewritten whenever the object it describes changes.
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("document de recherche")
        verbose_name_plural = _("documents de recherche")
        ordering = ["kind", "object_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], name="searchdocument_kind_object"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.url


class RateLimitCounter(models.Model):
    """One rate-limit counter (scope, window and hashed client in `key`),
    counted by a single atomic upsert: see observatoire/ratelimit.py."""

    key = models.CharField(_("clé"), max_length=100, primary_key=True)
    count = models.PositiveIntegerField(_("nombre"), default=0)
    expires = models.DateTimeField(_("expire le"), db_index=True)

    class Meta:
        verbose_name = _("compteur de limite de débit")
        verbose_name_plural = _("compteurs de limite de débit")
        ordering = ["key"]

    def __str__(self):
        return f"{self.key}: {self.count}"


class Summary(models.Model):
    """A stored tally of published initiatives, kept in step by
    observatoire/tallies.py: an *area* (the communes under one parent
    territory, a département almost always) or the *total* of a région or of
    France (the sum of its areas). Derived data: deleting every row costs one
    recount, nothing else."""

    class Scope(models.TextChoices):
        AREA = "area", _("zone")
        TOTAL = "total", _("total")

    scope = models.CharField(_("portée"), max_length=5, choices=Scope.choices)
    # The territory's id (not a foreign key: for areas, 0 stands for communes
    # without a parent, -1 for the row saying every area has its row).
    key = models.IntegerField(_("clé"))
    stale = models.BooleanField(_("à recompter"), default=True)
    # Replaced by every mark: a recount writes back only over the token it read.
    token = models.CharField(_("jeton"), max_length=32, blank=True)
    data = models.JSONField(_("décomptes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("décompte stocké")
        verbose_name_plural = _("décomptes stockés")
        ordering = ["scope", "key"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="summary_scope_key")
        ]

    def __str__(self):
        return f"{self.scope} {self.key}"
