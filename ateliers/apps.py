from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class AteliersConfig(AppConfig):
    name = "ateliers"
    verbose_name = _("Ateliers")

    def ready(self):
        from ateliers.indicators import workshop_indicators
        from ateliers.models import Item, Workshop
        from observatoire import registry

        registry.register(
            Workshop,
            label=_("Ateliers"),
            public=lambda: Workshop.objects.published().select_related(
                "territory__parent"
            ),
            territory_field="territory",
            counted=lambda n: ngettext("atelier", "ateliers", n),
        )
        # Tagged items (a vigilance point, a question to investigate) show on
        # tag pages next to whole workshops. Untagged ones are left out: they
        # have no page of their own and would only crowd the sitemap.
        registry.register(
            Item,
            label=_("Éléments d'ateliers"),
            public=lambda: (
                Item.objects.published().tagged().select_related("section__workshop")
            ),
            in_sitemap=False,
        )
        registry.register_indicators(_("Ateliers"), workshop_indicators)

        from ateliers import models
        from observatoire import versions

        for model in (
            models.Event,
            models.Workshop,
            models.Section,
            models.Theme,
            models.Item,
        ):
            versions.watch(model, versions.ATELIERS)

        from ateliers import search as ateliers_search

        ateliers_search.register()
