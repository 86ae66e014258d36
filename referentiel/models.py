import secrets
import string

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from observatoire.models import LocatedQuerySet, Territory
from observatoire.versions import VersionedQuerySet


class Referential(models.Model):
    """A referential of competencies, with the metadata of the document it comes
    from (kept so the text can be cited and attributed)."""

    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=300)
    seed_title = models.CharField(_("titre dans le document source"), max_length=300)
    introduction = models.TextField(_("introduction"), blank=True)
    programme = models.TextField(_("programme"), blank=True)
    objectives = models.TextField(
        _("objectifs du programme"), blank=True, help_text=_("Un objectif par ligne.")
    )
    theme = models.CharField(_("thème"), max_length=300, blank=True)
    challenge = models.CharField(_("défi"), max_length=500, blank=True)
    communities = models.CharField(
        _("communautés d'intérêt"), max_length=500, blank=True
    )
    chat_url = models.URLField(_("discussion"), blank=True)
    source_publisher = models.CharField(_("source"), max_length=300, blank=True)
    source_url = models.URLField(_("adresse de la source"), blank=True)
    authors = models.CharField(_("auteurs"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=100, blank=True)
    remedy_explanation = models.TextField(
        _("explication des recommandations de l'autodiagnostic"), blank=True
    )
    tags = TaggableManager(verbose_name=_("mots-clés du document source"), blank=True)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("référentiel")
        verbose_name_plural = _("référentiels")
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("referentiel:overview")

    @property
    def objective_list(self) -> list[str]:
        return [line for line in self.objectives.splitlines() if line.strip()]


class Part(models.Model):
    """A chapter of the referential, in the order of the source document."""

    class Kind(models.TextChoices):
        WHY = "why", _("Pourquoi coopérer")
        BRAKES = "brakes", _("Freins et leviers")
        COMPETENCIES = "competencies", _("Compétences")
        CULTURE = "culture", _("Culture de la coopération")
        REFERENCES = "references", _("Références")

    referential = models.ForeignKey(
        Referential,
        verbose_name=_("référentiel"),
        on_delete=models.CASCADE,
        related_name="parts",
    )
    kind = models.CharField(_("nature"), max_length=16, choices=Kind.choices)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=300)
    short_title = models.CharField(_("titre court"), max_length=80)
    intro = models.TextField(_("introduction"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("partie")
        verbose_name_plural = _("parties")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.short_title or self.title

    def get_absolute_url(self):
        return reverse("referentiel:part", args=[self.slug])


class SectionQuerySet(VersionedQuerySet):
    def domains(self):
        """The competency domains, the axes of the self-assessment."""
        return self.filter(part__kind=Part.Kind.COMPETENCIES)


class Section(models.Model):
    """A sub-chapter: a list of motivations, brakes or levers, a competency
    domain, or a way to foster a culture of cooperation."""

    part = models.ForeignKey(
        Part,
        verbose_name=_("partie"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=300)
    short_title = models.CharField(_("titre court"), max_length=80)
    intro = models.TextField(_("introduction"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    # What the self-assessment proposes when this domain is among the weakest.
    remedy_levers = models.ManyToManyField(
        "Entry",
        verbose_name=_("leviers recommandés"),
        blank=True,
        related_name="remedied_domains",
    )
    remedy_sections = models.ManyToManyField(
        "self",
        verbose_name=_("pistes de culture de la coopération recommandées"),
        blank=True,
        symmetrical=False,
        related_name="remedied_domains",
    )
    remedy_note = models.TextField(_("pourquoi ces recommandations"), blank=True)

    objects = SectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.short_title or self.title

    def get_absolute_url(self):
        return reverse("referentiel:section", args=[self.part.slug, self.slug])


class EntryQuerySet(VersionedQuerySet):
    def competencies(self):
        return self.filter(part__kind=Part.Kind.COMPETENCIES)

    def in_container_of(self, entry: "Entry"):
        """Entries listed together with `entry` (same section, or same part when
        the entry sits directly in a part)."""
        if entry.section_id:
            return self.filter(section_id=entry.section_id)
        return self.filter(part_id=entry.part_id, section__isnull=True)


class Entry(models.Model):
    """One item of the referential: a motivation, a brake, a lever, a
    competency, a practice or a reference."""

    part = models.ForeignKey(
        Part, verbose_name=_("partie"), on_delete=models.CASCADE, related_name="entries"
    )
    section = models.ForeignKey(
        Section,
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="entries",
    )
    # Never derived again from the title: links and citations must survive edits.
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("ordre"), default=0)
    updated_at = models.DateTimeField(_("mise à jour le"), auto_now=True)
    tags = TaggableManager(verbose_name=_("mots-clés"), blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiche du référentiel")
        verbose_name_plural = _("fiches du référentiel")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("referentiel:entry", args=[self.slug])

    @property
    def container(self):
        return self.section or self.part


TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 32  # about 190 bits


def new_token() -> str:
    """Letters and digits only: a token that starts with « _ » or « - » reads
    like a space or a dash when someone copies the link by hand."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


class AssessmentQuerySet(LocatedQuerySet):
    pass


class Assessment(models.Model):
    """A self-assessment, reachable only through its private token."""

    class Subject(models.TextChoices):
        PERSON = "person", _("Pour moi-même")
        GROUP = "group", _("Pour un groupe ou une initiative")

    referential = models.ForeignKey(
        Referential,
        verbose_name=_("référentiel"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    token = models.CharField(
        _("clé privée"), max_length=64, unique=True, editable=False
    )
    subject = models.CharField(
        _("autodiagnostic réalisé"),
        max_length=8,
        choices=Subject.choices,
        default=Subject.PERSON,
    )
    label = models.CharField(_("intitulé"), max_length=120, blank=True)
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments",
    )
    initiative = models.ForeignKey(
        "initiatives.Initiative",
        verbose_name=_("initiative"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("autodiagnostic")
        verbose_name_plural = _("autodiagnostics")
        ordering = ["-created_at", "pk"]

    def __str__(self):
        return self.label or str(_("Autodiagnostic"))

    def save(self, *args, **kwargs):
        if not self.token:
            self.token = new_token()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("referentiel:assessment", args=[self.token])

    def attach_to(self, initiative) -> None:
        self.initiative = initiative
        self.save(update_fields=["initiative", "updated_at"])


class Rating(models.Model):
    class Level(models.IntegerChoices):
        NOT_YET = 1, _("Pas encore")
        DISCOVERING = 2, _("En découverte")
        PRACTISED = 3, _("Pratiqué")
        MASTERED = 4, _("Maîtrisé et transmis")

    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("autodiagnostic"),
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    entry = models.ForeignKey(
        Entry,
        verbose_name=_("compétence"),
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    level = models.PositiveSmallIntegerField(_("niveau"), choices=Level.choices)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        ordering = ["assessment", "entry__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "entry"], name="rating_one_per_entry"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=4), name="rating_level_range"
            ),
        ]

    def __str__(self):
        return f"{self.entry} : {self.get_level_display()}"
