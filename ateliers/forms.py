from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ateliers import parsing
from ateliers.models import Event, Item, Section, Theme, Workshop
from observatoire.fields import TerritoryField
from observatoire.images import process_uploaded_image
from observatoire.models import Territory
from observatoire.tags import TagsField

ITEM_MAX_CHARS = 5000
SCHEMA_MAX_BYTES = 5 * 1024 * 1024


def _one_line(text: str) -> str:
    # Items are single lines: that is what keeps the Markdown export re-importable.
    return " ".join(text.splitlines()).strip()


class NewEventMixin:
    """An event typed by name when it is not in the list yet."""

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("new_event", "")
        if name and cleaned.get("event"):
            self.add_error(
                "new_event",
                _("Choisissez un événement de la liste ou nommez-en un nouveau."),
            )
        return cleaned


def _new_event_field():
    return forms.CharField(
        label=gettext_lazy("… ou nouvel événement"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Son nom, s'il n'est pas dans la liste."),
    )


class WorkshopForm(NewEventMixin, forms.ModelForm):
    territory = TerritoryField(
        kinds=Territory.Kind.values,
        required=False,
        label=gettext_lazy("Territoire"),
        help_text=gettext_lazy(
            "Commune, intercommunalité, département ou région : son nom, son code "
            "postal ou son code officiel, par exemple « Brest (29) » ou « 29 »."
        ),
    )
    new_event = _new_event_field()
    tags = TagsField(label=gettext_lazy("Mots-clés"), required=False)
    source_url = forms.URLField(
        label=gettext_lazy("Adresse de la source"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy("Le pad ou la page de wiki d'origine, s'il y en a un."),
    )

    class Meta:
        model = Workshop
        fields = [
            "title",
            "event",
            "new_event",
            "starts_on",
            "ends_on",
            "territory",
            "tags",
            "source_url",
            "licence",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("La date de fin doit suivre la date de début."))
        return cleaned


class SummaryImageForm(forms.Form):
    """The summary diagram is optional: many syntheses have none, and a
    workshop is published without it. What is required is said and checked:
    a file when this form is sent, and a description with every image."""

    image = forms.FileField(
        label=gettext_lazy("Image du schéma résumé (facultatif)"),
        required=False,
        help_text=gettext_lazy(
            "JPEG, PNG ou WebP, 5 Mo au plus. Un atelier peut être publié sans schéma."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp"}
        ),
    )
    alt = forms.CharField(
        label=gettext_lazy("Description du schéma (obligatoire avec une image)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Ce que montre le schéma, en quelques phrases, pour qui ne peut pas le "
            "voir."
        ),
    )

    def clean_image(self):
        image = self.cleaned_data["image"]
        if not image:
            raise forms.ValidationError(
                _("Choisissez le fichier image du schéma à déposer.")
            )
        return process_uploaded_image(image, max_bytes=SCHEMA_MAX_BYTES)

    def clean_alt(self):
        alt = self.cleaned_data["alt"].strip()
        if not alt:
            raise forms.ValidationError(
                _(
                    "Décrivez le schéma : sans description, il est illisible pour "
                    "qui ne peut pas le voir."
                )
            )
        return alt


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["kind", "heading", "text"]
        widgets = {
            "heading": forms.TextInput(),
            "text": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_heading(self):
        return _one_line(self.cleaned_data["heading"])


class SectionTextForm(SectionForm):
    """A part's heading and text: the type is changed on demand, so the page
    does not repeat an 18-choice list for every part."""

    class Meta(SectionForm.Meta):
        fields = ["heading", "text"]


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["title"]
        widgets = {"title": forms.TextInput()}

    def clean_title(self):
        title = _one_line(self.cleaned_data["title"])
        if len(title) > ITEM_MAX_CHARS:
            raise forms.ValidationError(
                _("%(max)s caractères au plus.") % {"max": ITEM_MAX_CHARS}
            )
        if not title:
            raise forms.ValidationError(_("Ce champ est obligatoire."))
        return title


class ItemForm(forms.ModelForm):
    # Declared rather than from the model: taggit's model field reads the tags
    # with a query of its own, one per item on the editing page.
    tags = TagsField(
        label=gettext_lazy("Mots-clés"),
        required=False,
        help_text=gettext_lazy("Séparés par des virgules."),
    )

    class Meta:
        model = Item
        fields = ["text"]
        widgets = {"text": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "tags" not in self.initial:
            self.initial["tags"] = list(self.instance.tags.all())

    def save(self, commit=True):
        item = super().save(commit=commit)
        if commit:
            item.tags.set(self.cleaned_data["tags"])
        return item

    def clean_text(self):
        text = _one_line(self.cleaned_data["text"])
        if len(text) > ITEM_MAX_CHARS:
            raise forms.ValidationError(
                _("%(max)s caractères au plus.") % {"max": ITEM_MAX_CHARS}
            )
        if not text:
            raise forms.ValidationError(_("Ce champ est obligatoire."))
        return text


class PasteForm(NewEventMixin, forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Texte de la synthèse"),
        widget=forms.Textarea(
            attrs={
                "rows": 18,
                "spellcheck": "false",
                "data-max-chars": parsing.MAX_CHARS,
            }
        ),
        strip=False,
        help_text=gettext_lazy(
            "Collez le texte tel quel (pad, wiki, traitement de texte) : intitulés "
            "de parties, thèmes numérotés, puces. %(max)s caractères au plus."
        )
        % {"max": f"{parsing.MAX_CHARS:,}".replace(",", "\u202f")},
    )
    title = forms.CharField(
        label=gettext_lazy("Titre (si différent de la première ligne)"),
        max_length=300,
        required=False,
    )
    event = forms.ModelChoiceField(
        label=gettext_lazy("Événement"),
        queryset=Event.objects.all(),
        required=False,
    )
    new_event = _new_event_field()
    # Filled from the end of the first line (« … - Rennes, 12 mars 2025 ») when
    # left empty, then shown for correction before saving.
    starts_on = forms.DateField(
        label=gettext_lazy("Date de l'atelier"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    territory = TerritoryField(
        kinds=Territory.Kind.values,
        required=False,
        label=gettext_lazy("Territoire"),
        help_text=gettext_lazy("Par exemple « Rennes (35) » ou « 35 »."),
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if len(text) > parsing.MAX_CHARS:
            raise forms.ValidationError(
                _(
                    "Le texte fait %(size)s caractères ; la limite est de %(max)s. "
                    "Découpez-le en plusieurs ateliers."
                )
                % {"size": len(text), "max": parsing.MAX_CHARS}
            )
        if not parsing.clean(text).strip():
            raise forms.ValidationError(
                _("Le texte est vide : collez la synthèse de l'atelier.")
            )
        try:
            self._parsed = parsing.parse(text)
        except parsing.ParseError:
            raise forms.ValidationError(
                _(
                    "Le texte compte plus de %(max)s parties, thèmes et éléments, le "
                    "maximum pour un atelier : découpez-le en plusieurs ateliers."
                )
                % {"max": parsing.MAX_ITEMS}
            ) from None
        return text

    def parsed(self) -> parsing.Parsed:
        return self._parsed

    def filled(self) -> "PasteForm":
        """The same form with the empty title, date and territory taken from
        what the first line gave, to be checked (and corrected) by the user."""
        parsed = self.parsed()
        data = self.data.copy()
        recognised = {
            "title": parsed.title if (parsed.place or parsed.date) else "",
            "starts_on": parsed.date.isoformat() if parsed.date else "",
            "territory": parsed.place,
        }
        changed = False
        for name, value in recognised.items():
            key = self.add_prefix(name)
            if value and not (data.get(key) or "").strip():
                data[key] = value[: getattr(self.fields[name], "max_length", None)]
                changed = True
        if not changed:
            return self
        form = PasteForm(data)
        form.is_valid()
        return form
