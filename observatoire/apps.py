from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservatoireConfig(AppConfig):
    name = "observatoire"
    verbose_name = _("Observatoire")

    def ready(self):
        from taggit.models import Tag

        from observatoire import logs, versions
        from observatoire.models import Territory

        versions.watch(Territory, versions.TERRITORIES)
        versions.watch(Tag, versions.TAGS, signals_only=True)
        logs.connect_signals()

        from observatoire import search

        search.register_common_parts()

        from observatoire import tallies

        tallies.connect()
