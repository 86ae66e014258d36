from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferentielConfig(AppConfig):
    name = "referentiel"
    verbose_name = _("Référentiel")

    def ready(self):
        from observatoire import registry
        from referentiel.indicators import referentiel_indicators
        from referentiel.models import Entry

        registry.register(
            Entry,
            label=_("Référentiel des compétences de coopération"),
            public=lambda: Entry.objects.all(),
        )
        registry.register_indicators(_("Référentiel"), referentiel_indicators)

        from observatoire import versions
        from referentiel import models

        for model in (models.Referential, models.Part, models.Section, models.Entry):
            versions.watch(model, versions.REFERENTIEL)
        for model in (models.Assessment, models.Rating):
            versions.watch(model, versions.ASSESSMENTS)

        from referentiel import search as referentiel_search

        referentiel_search.register()
