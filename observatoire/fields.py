"""A form field to pick one official territory by typing it."""

import re
from collections.abc import Iterable
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from observatoire.models import Territory, search_variants
from observatoire.text import fold

# "Brest (29)", "Saint-Denis (974)", "CC des Quatre Rivières (200066751)".
# A territory's slug ("bretagne-53", "brest-29019"): words and its code.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*-[0-9][0-9a-z]*")
LABEL_WITH_CODE = re.compile(r"(.+?)\s*\(\s*([0-9A-Za-z]{1,9})\s*\)")
CODE = re.compile(r"\d{2,9}|2[ab]\d{0,3}")
MAX_CANDIDATES = 5
# The companion parameter that names the chosen territory by its identity
# (its slug): written by the suggestions script when a suggestion is picked,
# and by the radio buttons offered under an ambiguous name without script.
CHOSEN_SUFFIX = "-choisi"


class TerritoryInput(forms.TextInput):
    """Text input that territory-autocomplete.js enhances with suggestions.

    After an ambiguous entry it also renders the candidates as radio buttons,
    so that the person picks one instead of retyping."""

    template_name = "observatoire/widgets/territory_input.html"
    offered: list[Territory] = []

    class Media:
        js = [forms.Script("js/territory-autocomplete.js", defer=True)]

    def value_from_datadict(self, data, files, name):
        # A territory picked by its identity wins over the typed text, which is
        # only its label and may be shared by several territories.
        key = name + CHOSEN_SUFFIX
        values = data.getlist(key) if hasattr(data, "getlist") else [data.get(key)]
        chosen = [value for value in values if value]
        if chosen:
            return chosen[0]
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return super().value_omitted_from_data(
            data, files, name
        ) and super().value_omitted_from_data(data, files, name + CHOSEN_SUFFIX)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["chosen_name"] = name + CHOSEN_SUFFIX
        context["widget"]["offered"] = [
            {
                "slug": territory.slug,
                "label": territory.label,
                "kind": territory.get_kind_display(),
            }
            for territory in self.offered
        ]
        return context


class TerritoryField(forms.CharField):
    """Resolves what the user typed (INSEE code, postal code, "Nom (29)" or a name)
    to exactly one Territory of the allowed kinds."""

    widget = TerritoryInput
    default_error_messages = {
        "unknown": _(
            "Aucun territoire ne correspond à « %(value)s ». Saisissez un nom, "
            "un code postal ou un code INSEE, par exemple « Brest (29) » ou "
            "« 29200 »."
        ),
        "ambiguous": _(
            "Plusieurs territoires correspondent à « %(value)s » : "
            "choisissez le bon dans la liste sous le champ (%(candidates)s)."
        ),
    }

    def __init__(
        self,
        *,
        kinds: Iterable[str] = (Territory.Kind.COMMUNE,),
        max_length: int = 200,
        **kwargs,
    ):
        self.kinds = [str(kind) for kind in kinds]
        super().__init__(max_length=max_length, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # Lazy: form classes are built at import time, before the URLconf.
        attrs["data-territory-search"] = format_lazy(
            "{}?{}",
            reverse_lazy("territory_search"),
            urlencode([("kind", kind) for kind in self.kinds]),
        )
        attrs["autocomplete"] = "off"
        return attrs

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            # A primary key, as ModelForm initial data gives for a foreign key.
            value = Territory.objects.select_related("parent").filter(pk=value).first()
        elif isinstance(value, str) and SLUG.fullmatch(value):
            # A territory chosen by its identity: shown by its label again.
            value = self._by_slug(value) or value
        if isinstance(value, Territory):
            return value.label
        return value

    def _by_slug(self, text: str) -> Territory | None:
        return (
            Territory.objects.filter(kind__in=self.kinds, slug=text)
            .select_related("parent")
            .first()
        )

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        return (self.prepare_value(initial) or "") != (data or "").strip()

    def clean(self, value):
        self.widget.offered = []
        text = super().clean(value)
        if text in self.empty_values:
            return None
        if SLUG.fullmatch(text):
            chosen = self._by_slug(text)
            if chosen:
                return chosen
        candidates = self.candidates(text)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": text}
            )
        self.widget.offered = candidates[:MAX_CANDIDATES]
        labels = _distinct_labels(candidates[:MAX_CANDIDATES])
        raise ValidationError(
            self.error_messages["ambiguous"],
            code="ambiguous",
            params={
                "value": text,
                "candidates": ", ".join(labels)
                + ("…" if len(candidates) > MAX_CANDIDATES else ""),
            },
        )

    def candidates(self, text: str) -> list[Territory]:
        """The territories `text` could mean, most likely first, at most 6."""
        territories = Territory.objects.filter(kind__in=self.kinds).select_related(
            "parent"
        )
        limit = MAX_CANDIDATES + 1

        def first(queryset):
            return list(queryset.ranked()[:limit])

        labelled = LABEL_WITH_CODE.fullmatch(text)
        if labelled:
            code = labelled[2].upper()
            found = first(
                territories.filter(
                    search_name__in=search_variants(fold(labelled[1]))
                ).filter(Q(parent__code=code) | Q(code=code))
            )
            if found:
                return found
        key = fold(text)
        compact = key.replace(" ", "")
        if CODE.fullmatch(compact):
            postal = (
                Q(postal_codes=compact)
                | Q(postal_codes__startswith=compact + " ")
                | Q(postal_codes__endswith=" " + compact)
                | Q(postal_codes__contains=f" {compact} ")
            )
            return first(territories.filter(Q(code__iexact=compact) | postal))
        found = first(territories.filter(search_name__in=search_variants(key)))
        if found or len(key) < 3:
            return found
        return first(territories.search(text))


def _distinct_labels(territories: list[Territory]) -> list[str]:
    """Labels, with the official code added where two would read the same."""
    labels = [territory.label for territory in territories]
    return [
        f"{territory.name} ({territory.code})" if labels.count(label) > 1 else label
        for territory, label in zip(territories, labels, strict=True)
    ]
