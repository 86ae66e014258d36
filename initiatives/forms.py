import copy
import hashlib
import time
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from types import SimpleNamespace

from django import forms
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from taggit.utils import edit_string_for_tags

from initiatives.models import ChangeProposal, Initiative
from observatoire.fields import TerritoryField
from observatoire.images import process_uploaded_image
from observatoire.models import Territory
from observatoire.tags import TagsField

# People need more than a few seconds to fill the form; robots do not.
MIN_FILL_SECONDS = 4
MAX_FILL_SECONDS = 24 * 3600
TOKEN_SALT = "initiatives.form-started"
IMAGE_MAX_BYTES = 5 * 1024 * 1024
DESCRIPTION_MAX_LENGTH = 20000


def make_started_token(at: float | None = None) -> str:
    """Signed time the form was shown, checked on submission; the random part
    makes every shown form's token unique, so it can be used once."""
    return signing.dumps(
        [int(at if at is not None else time.time()), get_random_string(16)],
        salt=TOKEN_SALT,
    )


@dataclass
class FormSection:
    """A group of fields of a long form. A folded one is a collapsed
    <details>, opened when it holds an answer or an error, so that nothing
    typed or wrong is ever hidden; `coordinates` go behind « placer sur la
    carte » with the map picker."""

    legend: str
    fields: list
    folded: bool = False
    coordinates: list = dataclass_field(default_factory=list)

    @staticmethod
    def _filled(fields) -> bool:
        return any(
            field.errors or field.value() not in (None, "", []) for field in fields
        )

    @property
    def open(self) -> bool:
        return not self.folded or self._filled(self.fields)

    @property
    def coordinates_open(self) -> bool:
        return self._filled(self.coordinates)


class AntiAbuseMixin(forms.Form):
    """A honeypot hidden from people, a minimum fill time and a single-use
    form token, all explained in plain words when they trigger (a person may
    have autofill on, or have clicked twice).

    These checks run first: when one fails, the fields are still checked so
    that a person sees every mistake at once, but costly cleaning (image
    decoding) is skipped (see `abuse_error`)."""

    contact_url = forms.CharField(
        label=_("Ne remplissez pas ce champ (il sert à détecter les robots)"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    abuse_error: ValidationError | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["started"] = make_started_token()

    def full_clean(self):
        self.abuse_error = self._abuse_problem() if self.is_bound else None
        super().full_clean()
        if self.abuse_error is not None:
            self.add_error(None, self.abuse_error)

    def refuse(self, error, *, field: str | None = None) -> None:
        """Show `error` (on the whole form, or on `field`) without cleaning any
        field."""
        self._errors = ErrorDict()
        self.cleaned_data = {}
        self.add_error(field, error)

    def _abuse_problem(self) -> ValidationError | None:
        if self.data.get("contact_url"):
            return ValidationError(
                _(
                    "Le champ « Ne remplissez pas ce champ », invisible à l'écran, "
                    "a été rempli : c'est ce que font les robots. Si vous êtes une "
                    "personne (un remplissage automatique a pu le faire), videz-le "
                    "puis envoyez de nouveau."
                ),
                code="honeypot",
            )
        token = self.data.get("started", "")
        try:
            started, _nonce = signing.loads(
                token, salt=TOKEN_SALT, max_age=MAX_FILL_SECONDS
            )
            elapsed = time.time() - int(started)
        except (signing.BadSignature, TypeError, ValueError):
            return ValidationError(
                _(
                    "Le formulaire a expiré ou a été modifié. Vos saisies sont "
                    "conservées ci-dessous : vérifiez-les puis envoyez de nouveau."
                ),
                code="expired",
            )
        if elapsed < MIN_FILL_SECONDS:
            return ValidationError(
                _(
                    "Le formulaire a été envoyé trop vite après son ouverture "
                    "(moins de %(seconds)s secondes), ce qui ressemble à un robot. "
                    "Relisez vos saisies puis envoyez de nouveau."
                )
                % {"seconds": MIN_FILL_SECONDS},
                code="too_fast",
            )
        # add() stores only if absent, atomically in the shared cache (Redis
        # SET NX; the database cache's unique key): one use per token.
        used = "form-token:" + hashlib.sha256(token.encode()).hexdigest()
        if not cache.add(used, 1, MAX_FILL_SECONDS):
            return ValidationError(
                _(
                    "Ce formulaire a déjà été envoyé une fois (un double clic ?). "
                    "Vos saisies sont conservées ci-dessous : si votre premier "
                    "envoi n'est pas arrivé, envoyez de nouveau."
                ),
                code="reused",
            )
        return None

    def refresh_token(self):
        """A fresh token for the redisplayed form: the clock restarts."""
        data = self.data.copy()
        data["started"] = make_started_token()
        self.data = data


class CoordinatesMixin:
    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if (lat is None) != (lon is None) and not self.has_error("latitude"):
            if not self.has_error("longitude"):
                raise ValidationError(
                    _(
                        "Indiquez la latitude et la longitude, ou aucune des deux "
                        "(elles seront alors cherchées depuis l'adresse)."
                    ),
                    code="coordinates",
                )
        return cleaned


class InitiativeFieldsMixin(forms.ModelForm):
    """The public fields, shared by the submission and the moderator's edit."""

    commune = TerritoryField(
        label=_("Commune"),
        help_text=_("Tapez le nom de la commune ou son code postal."),
    )
    tags = TagsField(
        label=_("Mots-clés"),
        required=False,
        help_text=_("Séparés par des virgules, par exemple : compost, vélo, réemploi."),
    )

    website = forms.URLField(
        label=_("Site web"), max_length=500, required=False, assume_scheme="https"
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea,
        help_text=_(
            "Texte simple ; la mise en forme Markdown est acceptée "
            "(*italique*, **gras**, listes, liens)."
        ),
    )

    class Meta:
        model = Initiative
        fields = list(Initiative.PUBLIC_FIELDS)
        widgets = {
            "families": forms.CheckboxSelectMultiple,
            "action_levels": forms.CheckboxSelectMultiple,
            "resources": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 2}),
            "latitude": forms.NumberInput(attrs={"step": "any"}),
            "longitude": forms.NumberInput(attrs={"step": "any"}),
        }
        help_texts = {
            "summary": _("Une ou deux phrases, 300 caractères au plus."),
            "address": _("Numéro et rue ; sert à placer l'initiative sur la carte."),
            "latitude": _(
                "Facultatif : tapez-la (ex. 48.39) ou laissez vide pour la "
                "chercher depuis l'adresse."
            ),
            "longitude": _("Facultatif, par exemple -4.49."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].empty_label = _("Choisissez un type de pratique")
        for name in ("economic_model", "governance"):
            self.fields[name].choices = [("", _("Non précisé"))] + [
                c for c in self.fields[name].choices if c[0]
            ]
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = edit_string_for_tags(self.instance.tags.all())

    def clean_description(self):
        return _lf(self.cleaned_data["description"]).strip()


class InitiativeSubmissionForm(CoordinatesMixin, AntiAbuseMixin, InitiativeFieldsMixin):
    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_(
            "Facultatif : une photo JPEG, PNG ou WebP de 5 Mo au plus. Les "
            "métadonnées (dont la position GPS) sont retirées."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp"}
        ),
    )
    submitter_name = forms.CharField(
        label=_("Votre nom"),
        max_length=200,
        required=False,
        help_text=_("Jamais publié."),
    )
    submitter_email = forms.EmailField(
        label=_("Votre courriel"),
        help_text=_(
            "Jamais publié ; sert à vous confirmer la réception puis la décision."
        ),
    )
    consent = forms.BooleanField(
        label=_(
            "J'ai lu la notice sur les données personnelles et j'accepte que mes "
            "coordonnées servent à traiter cette proposition."
        ),
        error_messages={
            "required": _(
                "Cochez cette case pour envoyer la proposition : sans votre "
                "accord nous ne pouvons pas conserver votre courriel."
            )
        },
    )

    # (legend, fields, folded): the optional groups fold away, so that on a
    # phone the form is its required fields plus a few one-line summaries.
    FIELDSETS = [
        (
            _("L'initiative"),
            ["name", "summary", "description", "category", "tags", "image"],
            False,
        ),
        (
            _("Comment elle fonctionne (facultatif)"),
            [
                "families",
                "action_levels",
                "economic_model",
                "resources",
                "governance",
                "creation_year",
                "stopped_year",
                "organisation",
                "website",
                "public_contact",
            ],
            True,
        ),
        (_("Où la trouver"), ["commune", "address", "latitude", "longitude"], False),
        (_("Vous (jamais publié)"), ["submitter_name", "submitter_email"], False),
    ]
    # Typed coordinates are rare: behind « placer sur la carte », with the map.
    COORDINATES = ("latitude", "longitude")

    class Meta(InitiativeFieldsMixin.Meta):
        fields = InitiativeFieldsMixin.Meta.fields + ["submitter_name"]

    def fieldsets(self) -> list["FormSection"]:
        return [
            FormSection(
                legend,
                [self[name] for name in names if name not in self.COORDINATES],
                folded=folded,
                coordinates=[self[name] for name in names if name in self.COORDINATES],
            )
            for legend, names, folded in self.FIELDSETS
        ]

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not upload or self.abuse_error is not None:
            # Nothing to decode for a post refused anyway (robot, replay).
            return None
        return process_uploaded_image(upload, max_bytes=IMAGE_MAX_BYTES)


class ModerationEditForm(CoordinatesMixin, InitiativeFieldsMixin):
    """What a moderator may correct before approving."""

    remove_image = forms.BooleanField(
        label=_("Retirer l'image jointe"),
        required=False,
        help_text=_("Par exemple si elle montre des personnes reconnaissables."),
    )

    class Meta(InitiativeFieldsMixin.Meta):
        pass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.image:
            del self.fields["remove_image"]

    def fieldsets(self) -> list["FormSection"]:
        return [FormSection(_("Fiche"), list(self))]


# Ready-made reasons for a refusal: picked, then edited before sending. The
# first words are the choice's label; the text is what the person receives.
REJECTION_REASONS = (
    (
        "published",
        _("Déjà publiée"),
        _(
            "Cette initiative est déjà publiée sur l'Observatoire. Si la fiche "
            "existante contient une erreur, utilisez le lien « Signaler une "
            "modification » de sa page."
        ),
    ),
    (
        "off_topic",
        _("Hors sujet"),
        _(
            "Cette proposition ne décrit pas une pratique collaborative d'un "
            "territoire (jardin partagé, repair café, tiers-lieu, AMAP…)."
        ),
    ),
    (
        "incomplete",
        _("Trop incomplète"),
        _(
            "La fiche est trop incomplète pour être publiée : précisez ce que "
            "fait l'initiative, où elle a lieu et qui la porte."
        ),
    ),
    (
        "commercial",
        _("Publicité commerciale"),
        _("L'Observatoire ne publie pas de publicité pour une activité commerciale."),
    ),
    (
        "unverifiable",
        _("Introuvable ou disparue"),
        _(
            "Nous n'avons pas pu vérifier que cette initiative existe, ou elle "
            "a cessé son activité."
        ),
    ),
)
REJECTION_TEXTS = {key: text for key, _label, text in REJECTION_REASONS}


class RejectForm(forms.Form):
    preset = forms.ChoiceField(
        label=_("Motif type"),
        required=False,
        help_text=_(
            "Choisir un motif type remplit le texte ci-dessous, que vous pouvez "
            "modifier. Sans texte, le motif type est envoyé tel quel."
        ),
    )
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Envoyé à la personne qui a fait la proposition."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preset"].choices = [("", _("— Aucun, j'écris le motif —"))] + [
            (key, label) for key, label, _text in REJECTION_REASONS
        ]

    def clean(self):
        cleaned = super().clean()
        # Typed text wins: the moderator edited the ready-made reason.
        if not (cleaned.get("reason") or "").strip():
            preset = cleaned.get("preset")
            if preset:
                cleaned["reason"] = str(REJECTION_TEXTS[preset])
            elif "reason" not in self.errors:
                self.add_error(
                    "reason",
                    _("Indiquez le motif du refus : il est envoyé à la personne."),
                )
        return cleaned


class BulkDecisionForm(RejectForm):
    """A selection of the queue, published or refused together."""

    APPROVE, REJECT, SPAM = "approve", "reject", "spam"

    selected = forms.TypedMultipleChoiceField(
        label=_("Propositions sélectionnées"), coerce=int
    )
    action = forms.ChoiceField(
        choices=[
            (APPROVE, _("Publier")),
            (REJECT, _("Refuser")),
            (SPAM, _("Indésirable")),
        ]
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["selected"].choices = choices
        self.fields["selected"].error_messages["required"] = _(
            "Cochez au moins une proposition dans la liste."
        )

    def clean(self):
        if self.data.get("action") != self.REJECT:
            # Only a refusal needs a reason (spam gets no email at all).
            return forms.Form.clean(self)
        return super().clean()


class QueueFilterForm(forms.Form):
    """The queue's filters: where the records are, where they come from."""

    lieu = TerritoryField(
        kinds=Territory.Kind.values,
        required=False,
        max_length=100,
        label=_("Territoire"),
    )
    source = forms.ChoiceField(label=_("Source"), required=False)

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("Toutes les sources"))] + [
            (source, source) for source in sources if source
        ]


class SpamForm(forms.Form):
    selected = forms.TypedMultipleChoiceField(
        label=_("Propositions à refuser comme indésirables"), coerce=int
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["selected"].choices = choices
        self.fields["selected"].error_messages["required"] = _(
            "Cochez au moins une proposition avant de la refuser comme indésirable."
        )


class ArchiveForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'archivage"), max_length=2000, required=False
    )


def _proposable_fields() -> dict[str, forms.Field]:
    """The public form's own fields for what a proposal may change, optional and
    without the submission's help texts."""
    fields = {}
    for name in ChangeProposal.FIELDS:
        field = copy.deepcopy(InitiativeFieldsMixin.base_fields[name])
        field.required = False
        field.help_text = ""
        fields[name] = field
    return fields


class ChangeProposalForm(AntiAbuseMixin, forms.Form):
    """Anyone's correction of a published record: only the fields that change
    are kept, with a message explaining why."""

    image = forms.FileField(
        label=_("Nouvelle image"),
        required=False,
        help_text=_("Facultatif : JPEG, PNG ou WebP, 5 Mo au plus."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp"}
        ),
    )
    message = forms.CharField(
        label=_("Ce qui est inexact ou a changé"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact_email = forms.EmailField(
        label=_("Votre courriel"),
        required=False,
        help_text=_("Facultatif, jamais publié : pour vous dire ce qui a été décidé."),
    )
    # Sent by the page, which shows every field: then a field left out of the
    # request (every box of a list unticked) means "emptied". A client that
    # posts only some fields (scripts, older pages) proposes only those.
    every_field = forms.CharField(widget=forms.HiddenInput, required=False, initial="1")

    def __init__(self, *args, initiative: Initiative, **kwargs):
        self.initiative = initiative
        initial = {
            f: ChangeProposal.current_value(initiative, f)
            for f in ChangeProposal.FIELDS
        }
        initial["tags"] = edit_string_for_tags(initiative.tags.all())
        super().__init__(*args, initial=initial, **kwargs)
        self.fields = {**_proposable_fields(), **self.fields}
        self.fields["name"].required = True
        self.fields["summary"].required = True

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        return process_uploaded_image(upload, max_bytes=IMAGE_MAX_BYTES)

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if (lat is None) != (lon is None):
            raise ValidationError(
                _("Indiquez la latitude et la longitude, ou aucune des deux."),
                code="coordinates",
            )
        return cleaned

    def changes(self) -> dict:
        """Only the values that differ from the published record."""
        changed = {}
        every_field = bool(self.cleaned_data.get("every_field"))
        for field in ChangeProposal.FIELDS:
            if field not in self.cleaned_data:
                continue
            if not every_field and field not in self.data:
                continue
            value = ChangeProposal.stored_value(field, self.cleaned_data[field])
            if value in (None, "") and not Initiative._meta.get_field(field).blank:
                # An emptied required choice (kind, commune) is no proposal.
                continue
            if value != ChangeProposal.current_value(self.initiative, field):
                changed[field] = value
        return changed


def _lf(text: str) -> str:
    return (text or "").replace("\r\n", "\n")


class ProposalDecisionForm(forms.Form):
    """The proposed values, editable by the moderator before accepting."""

    use_image = forms.BooleanField(
        label=_("Remplacer l'image par celle proposée"), required=False, initial=True
    )

    def __init__(self, *args, proposal: ChangeProposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        if not proposal.image:
            del self.fields["use_image"]
        proposable = _proposable_fields()
        for field in proposal.changes:
            if field in proposable:
                self.fields[field] = proposable[field]
                value = proposal.changes[field]
                if field == "tags":
                    # Quoted as the tag field reads them back ("a, b" stays one).
                    value = edit_string_for_tags(
                        [SimpleNamespace(name=name) for name in value]
                    )
                self.initial[field] = value
        for field in ("name", "summary", "category", "commune"):
            if field in self.fields:
                self.fields[field].required = True

    def clean(self):
        cleaned = super().clean()
        initiative = self.proposal.initiative
        lat = cleaned.get("latitude", initiative.latitude)
        lon = cleaned.get("longitude", initiative.longitude)
        if (lat is None) != (lon is None):
            raise ValidationError(
                _("Indiquez la latitude et la longitude, ou aucune des deux."),
                code="coordinates",
            )
        return cleaned

    def changes(self) -> dict:
        return {
            field: ChangeProposal.stored_value(field, self.cleaned_data[field])
            for field in self.proposal.changes
            if field in self.cleaned_data
        }


class PlaceForm(forms.Form):
    """The territory typed in the filters (`lieu`), resolved to one Territory."""

    lieu = TerritoryField(
        kinds=Territory.Kind.values,
        required=False,
        max_length=100,
        label=_("Territoire"),
        help_text=_(
            "Région, département, intercommunalité ou commune : nom, code postal "
            "ou code INSEE. Tout ce qui s'y trouve est inclus."
        ),
    )
