from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class InitiativesConfig(AppConfig):
    name = "initiatives"
    verbose_name = _("Initiatives")

    def ready(self):
        from initiatives.indicators import initiative_indicators
        from initiatives.models import Initiative
        from observatoire import registry

        registry.register(
            Initiative,
            label=_("Initiatives"),
            public=Initiative.objects.published,
            territory_field="commune",
            counted=lambda n: ngettext("initiative", "initiatives", n),
        )
        registry.register_indicators(_("Initiatives"), initiative_indicators)

        from initiatives import models
        from observatoire import versions

        for model in (
            models.Initiative,
            models.Category,
            models.Family,
            models.ActionLevel,
            models.ResourceType,
        ):
            versions.watch(model, versions.INITIATIVES)

        from initiatives import search as initiatives_search

        initiatives_search.register()
