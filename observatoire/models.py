from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from observatoire.text import fold


class TerritoryQuerySet(models.QuerySet):
    def communes(self):
        return self.filter(kind=Territory.Kind.COMMUNE)

    def search(self, query: str):
        """Accent- and case-insensitive lookup by name, postal code or INSEE code."""
        key = fold(query)
        if not key:
            return self.none()
        if key.isdigit():
            return self.filter(Q(postal_codes__contains=key) | Q(code__startswith=key))
        return self.filter(search_name__contains=key)

    def ranked(self):
        """Biggest places first, so "Brest" comes before a hamlet of the same name."""
        return self.order_by(models.F("population").desc(nulls_last=True), "name")


class Territory(models.Model):
    """A unit of the official French geography (Etalab découpage administratif)."""

    class Kind(models.TextChoices):
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
        help_text=_("Département d'une commune, région d'un département."),
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
        return reverse("territory_detail", args=[self.slug])

    def within(self) -> "TerritoryQuerySet":
        """This territory and every territory inside it (départements and communes
        of a région, communes of a département or an EPCI)."""
        inside = Q(pk=self.pk) | Q(parent=self.pk) | Q(epci=self.pk)
        if self.kind == self.Kind.REGION:
            inside |= Q(parent__parent=self.pk)
        return Territory.objects.filter(inside)

    @property
    def postal_code_list(self) -> list[str]:
        return self.postal_codes.split()
