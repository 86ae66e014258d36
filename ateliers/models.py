from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from ateliers import parsing
from observatoire.links import slug_url
from observatoire.models import LocatedQuerySet, Territory
from observatoire.versions import VersionedQuerySet


class Event(models.Model):
    """What a workshop belongs to: a forum, a programme, a cycle of meetings."""

    name = models.CharField(_("nom"), max_length=200, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("site web"), blank=True)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("ateliers:list") + f"?evenement={self.slug}"


class WorkshopQuerySet(LocatedQuerySet):
    def published(self):
        return self.filter(status=Workshop.Status.PUBLISHED)

    def drafts(self):
        return self.filter(status=Workshop.Status.DRAFT)

    def visible_to(self, user):
        from observatoire.roles import is_facilitator

        return self if is_facilitator(user) else self.published()

    def in_trash(self):
        return self.filter(deleted_at__isnull=False)


class WorkshopManager(models.Manager.from_queryset(WorkshopQuerySet)):
    """Workshops not in the trash: what every page and query sees."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Workshop(models.Model):
    """The synthesis of one workshop; its content lives in ordered sections."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publié")

    title = models.CharField(_("titre"), max_length=300)
    slug = models.SlugField(_("identifiant d'URL"), max_length=320, unique=True)
    event = models.ForeignKey(
        Event,
        verbose_name=_("événement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workshops",
    )
    starts_on = models.DateField(_("date de début"), null=True, blank=True)
    ends_on = models.DateField(_("date de fin"), null=True, blank=True)
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workshops",
    )
    summary_image = models.ImageField(
        _("schéma résumé"), upload_to="ateliers/schemas/", blank=True
    )
    summary_image_alt = models.TextField(
        _("description du schéma"),
        blank=True,
        help_text=_("Ce que montre le schéma, pour qui ne peut pas le voir."),
    )
    summary_image_name = models.CharField(
        _("nom du schéma d'origine"),
        max_length=255,
        blank=True,
        help_text=_("Nom du fichier image cité par la synthèse d'origine."),
    )
    source_url = models.URLField(_("adresse de la source"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    tags = TaggableManager(verbose_name=_("mots-clés"), blank=True)
    # Set when a facilitator puts the workshop in the trash; purged after
    # ATELIERS_TRASH_DAYS by `purge_workshops`.
    deleted_at = models.DateTimeField(_("mis à la corbeille le"), null=True, blank=True)

    objects = WorkshopManager()
    # The trash included: slugs, restoration, purge.
    all_objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")
        ordering = [models.F("starts_on").desc(nulls_last=True), "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="workshop_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return slug_url("ateliers:detail", self.slug)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def publish(self) -> None:
        self.status = self.Status.PUBLISHED
        self.published_at = self.published_at or timezone.now()
        self.save(update_fields=["status", "published_at", "updated_at"])

    def unpublish(self) -> None:
        self.status = self.Status.DRAFT
        self.save(update_fields=["status", "updated_at"])

    @property
    def is_in_trash(self) -> bool:
        return self.deleted_at is not None

    def trash(self) -> None:
        """Out of every page, back to draft: restoring never republishes."""
        self.status = self.Status.DRAFT
        self.deleted_at = timezone.now()
        self.save(update_fields=["status", "deleted_at", "updated_at"])

    def restore(self) -> None:
        self.deleted_at = None
        self.save(update_fields=["deleted_at", "updated_at"])


class WorkshopChange(models.Model):
    """One change to a workshop, by whom and when: its edit history."""

    class Action(models.TextChoices):
        CREATED = "created", _("Création")
        IMPORTED = "imported", _("Import")
        INFO = "info", _("Informations")
        CONTENT = "content", _("Contenu")
        IMAGE = "image", _("Schéma")
        PUBLISHED = "published", _("Publication")
        UNPUBLISHED = "unpublished", _("Retour en brouillon")
        TRASHED = "trashed", _("Mise à la corbeille")
        RESTORED = "restored", _("Restauration")

    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("atelier"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The name at the time: the history stays readable if the account goes.
    by_name = models.CharField(_("nom de l'auteur"), max_length=150, blank=True)
    at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    summary = models.TextField(_("détail"), blank=True)

    class Meta:
        verbose_name = _("modification d'atelier")
        verbose_name_plural = _("modifications d'ateliers")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.workshop_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Section(models.Model):
    # The parser's vocabulary: what it recognises is what a section can be.
    Kind = parsing.SectionKind

    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("atelier"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    # No length limit: a pasted heading is kept whole, whatever its size.
    heading = models.TextField(
        _("intitulé"),
        blank=True,
        help_text=_("Le titre tel qu'il apparaît ; vide : le nom du type."),
    )
    text = models.TextField(_("texte"), blank=True)
    position = models.PositiveIntegerField(_("ordre"), default=0)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.display_heading

    def get_absolute_url(self):
        return f"{self.workshop.get_absolute_url()}#section-{self.pk}"

    def siblings(self):
        """The sections of the same workshop, this one included."""
        return Section.objects.filter(workshop_id=self.workshop_id)

    @property
    def display_heading(self) -> str:
        return self.heading or str(self.get_kind_display())

    @property
    def lists_people(self) -> bool:
        return self.kind in parsing.PEOPLE_KINDS

    @property
    def people(self) -> list[str]:
        return parsing.split_people(self.text)


class Theme(models.Model):
    """A numbered theme inside a section ("1. Conservatisme")."""

    section = models.ForeignKey(
        Section,
        verbose_name=_("section"),
        on_delete=models.CASCADE,
        related_name="themes",
    )
    title = models.TextField(_("titre"))
    position = models.PositiveIntegerField(_("ordre"), default=0)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"{self.section.workshop.get_absolute_url()}#theme-{self.pk}"

    def siblings(self):
        """The themes of the same section, this one included."""
        return Theme.objects.filter(section_id=self.section_id)


class ItemQuerySet(VersionedQuerySet):
    def published(self):
        """Items of published workshops."""
        return self.filter(section__workshop__status=Workshop.Status.PUBLISHED)

    def tagged(self):
        return self.filter(tags__isnull=False).distinct()


class Item(models.Model):
    """A line of a list, inside a section or a theme; may have sub-items."""

    section = models.ForeignKey(
        Section,
        verbose_name=_("section"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    theme = models.ForeignKey(
        Theme,
        verbose_name=_("thème"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="items",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("élément parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    text = models.TextField(_("texte"))
    position = models.PositiveIntegerField(_("ordre"), default=0)
    tags = TaggableManager(verbose_name=_("mots-clés"), blank=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("élément")
        verbose_name_plural = _("éléments")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text[:80]

    def get_absolute_url(self):
        return f"{self.section.workshop.get_absolute_url()}#item-{self.pk}"

    def siblings(self):
        """The items sharing this item's place (same container, same parent),
        this one included."""
        return Item.objects.filter(
            section_id=self.section_id, theme_id=self.theme_id, parent_id=self.parent_id
        )
