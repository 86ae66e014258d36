import copy
import hashlib
import time

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
                "Facultatif : cliquez sur la carte, tapez-la (ex. 48.39) ou "
                "laissez vide pour la chercher depuis l'adresse."
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

    FIELDSETS = [
        (
            _("L'initiative"),
            ["name", "summary", "description", "category", "tags", "image"],
        ),
        (
            _("Comment elle fonctionne"),
            [
                "families",
                "action_levels",
                "economic_model",
                "resources",
                "governance",
                "organisation",
                "website",
                "public_contact",
            ],
        ),
        (_("Où la trouver"), ["commune", "address", "latitude", "longitude"]),
        (_("Vous (jamais publié)"), ["submitter_name", "submitter_email"]),
    ]

    class Meta(InitiativeFieldsMixin.Meta):
        fields = InitiativeFieldsMixin.Meta.fields + ["submitter_name"]

    def fieldsets(self):
        return [
            (legend, [self[name] for name in names]) for legend, names in self.FIELDSETS
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

    def fieldsets(self):
        return [(_("Fiche"), list(self))]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Envoyé à la personne qui a fait la proposition."),
    )


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

    def __init__(self, *args, initiative: Initiative, **kwargs):
        self.initiative = initiative
        initial = {f: getattr(initiative, f) for f in ChangeProposal.FIELDS}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields = {**_proposable_fields(), **self.fields}
        self.fields["name"].required = True
        self.fields["summary"].required = True

    def changes(self) -> dict:
        """Only the values that differ from the published record."""
        changed = {}
        for field in ChangeProposal.FIELDS:
            # Browsers send CRLF line ends; the stored text may have LF only.
            value = _lf(self.cleaned_data.get(field, ""))
            if value != _lf(getattr(self.initiative, field)):
                changed[field] = value
        return changed


def _lf(text: str) -> str:
    return (text or "").replace("\r\n", "\n")


class ProposalDecisionForm(forms.Form):
    """The proposed values, editable by the moderator before accepting."""

    def __init__(self, *args, proposal: ChangeProposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        proposable = _proposable_fields()
        for field in proposal.changes:
            if field in proposable:
                self.fields[field] = proposable[field]
                self.initial[field] = proposal.changes[field]
        if "name" in self.fields:
            self.fields["name"].required = True
        if "summary" in self.fields:
            self.fields["summary"].required = True


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
