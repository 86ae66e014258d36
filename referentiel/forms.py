from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from initiatives.models import Initiative
from observatoire.fields import TerritoryField
from observatoire.models import Territory
from observatoire.tags import TagsField
from referentiel.models import Assessment, Entry, Rating

FIELD_PREFIX = "level_"


class EntryForm(forms.ModelForm):
    tags = TagsField(
        label=_("Mots-clés"),
        required=False,
        help_text=_(
            "Séparés par des virgules, par exemple : confiance, animation. "
            "Ils relient la fiche aux initiatives et aux ateliers."
        ),
    )

    class Meta:
        model = Entry
        fields = ["title", "description", "tags"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise ValidationError(_("Le titre ne peut pas être vide."))
        return title

    def clean_description(self):
        description = self.cleaned_data["description"].strip()
        if len(description) > 5000:
            raise ValidationError(
                _("La description est trop longue (5 000 caractères au plus).")
            )
        return description


class LevelField(forms.TypedChoiceField):
    widget = forms.RadioSelect

    def __init__(self, entry: Entry, **kwargs):
        super().__init__(
            label=entry.title,
            choices=Rating.Level.choices,
            coerce=int,
            error_messages={
                "required": _("Choisissez un niveau pour cette compétence."),
                "invalid_choice": _(
                    "Niveau inconnu : choisissez l'un des quatre niveaux proposés."
                ),
            },
            **kwargs,
        )
        # The form links each competency to its card in the referential.
        self.entry = entry
        self.entry = entry


class AssessmentForm(forms.Form):
    """All the competencies of the four domains, rated on the four-level scale.

    The list of fields comes from the database: a submission naming another
    competency, or missing one, is refused as a whole."""

    subject = forms.ChoiceField(
        label=_("Cet autodiagnostic est réalisé"),
        choices=Assessment.Subject.choices,
        initial=Assessment.Subject.PERSON,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choisissez l'une des deux possibilités.")},
    )
    label = forms.CharField(
        label=_("Intitulé (facultatif)"),
        max_length=120,
        required=False,
        help_text=_(
            "Par exemple le nom du groupe ou de l'initiative. "
            "N'indiquez pas de nom de personne."
        ),
    )
    territory = TerritoryField(
        label=_("Commune (facultatif)"),
        required=False,
        help_text=_(
            "Nom ou code postal. Sert seulement aux statistiques anonymes par "
            "territoire."
        ),
    )

    def __init__(self, *args, domains, **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = []
        for domain in domains:
            names = []
            for entry in domain.entries.all():
                name = f"{FIELD_PREFIX}{entry.pk}"
                self.fields[name] = LevelField(entry)
                names.append(name)
            self.domains.append((domain, names))

    def domain_fields(self):
        """(domain, bound fields) pairs, for the template."""
        return [
            (domain, [self[name] for name in names]) for domain, names in self.domains
        ]

    def clean_label(self):
        return " ".join(self.cleaned_data["label"].split())

    def clean(self):
        cleaned = super().clean()
        unknown = [
            key
            for key in self.data
            if key.startswith(FIELD_PREFIX) and key not in self.fields
        ]
        if unknown:
            raise ValidationError(
                _(
                    "Le formulaire contient des réponses à des compétences inconnues. "
                    "Rechargez la page et recommencez : rien n'a été enregistré."
                ),
                code="unknown",
            )
        missing = sum(
            1
            for name in self.fields
            if name.startswith(FIELD_PREFIX) and name in self.errors
        )
        if missing:
            raise ValidationError(
                ngettext(
                    "Une compétence n'a pas de réponse valide : rien n'a été "
                    "enregistré. Complétez-la puis validez.",
                    "%(count)d compétences n'ont pas de réponse valide : rien n'a été "
                    "enregistré. Complétez-les puis validez.",
                    missing,
                ),
                params={"count": missing},
                code="incomplete",
            )
        return cleaned

    def levels(self) -> dict[int, int]:
        return {
            field.entry.pk: self.cleaned_data[name]
            for name, field in self.fields.items()
            if isinstance(field, LevelField)
        }

    @classmethod
    def initial_for(cls, assessment: Assessment) -> dict:
        initial = {
            "subject": assessment.subject,
            "label": assessment.label,
            "territory": assessment.territory,
        }
        for rating in assessment.ratings.all():
            initial[f"{FIELD_PREFIX}{rating.entry_id}"] = rating.level
        return initial


class AttachForm(forms.Form):
    initiative = forms.SlugField(
        label=_("Identifiant de l'initiative"),
        max_length=220,
        help_text=_("La fin de l'adresse de sa fiche, par exemple repair-cafe-brest."),
    )

    def clean_initiative(self):
        slug = self.cleaned_data["initiative"]
        initiative = Initiative.objects.filter(slug=slug).first()
        if initiative is None:
            raise ValidationError(_("Aucune initiative n'a cet identifiant."))
        return initiative


class AggregatesFilterForm(forms.Form):
    territoire = TerritoryField(
        label=_("Limiter à un territoire"),
        required=False,
        kinds=Territory.Kind.values,
        help_text=_("Région, département, intercommunalité ou commune."),
    )


class SendLinkForm(forms.Form):
    """The address is used once to send the link, then forgotten."""

    email = forms.EmailField(
        label=_("Votre adresse électronique"),
        help_text=_("Elle sert uniquement à cet envoi et n'est pas conservée."),
        max_length=254,
    )
