from django import forms
from django.utils.translation import gettext_lazy as _

from observatoire.fields import TerritoryField
from observatoire.models import Territory


class DashboardForm(forms.Form):
    territory = TerritoryField(
        label=_("Territoire"),
        kinds=Territory.Kind.values,
        required=False,
        help_text=_("Commune, intercommunalité, département ou région. Vide : tout."),
    )


class SearchForm(forms.Form):
    # Django's CharField already refuses NUL bytes, with a French message.
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
