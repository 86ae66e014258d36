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
