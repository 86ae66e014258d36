"""Atom feeds of newly published content: site-wide, per territory (places
inside it included) and per tag, for agents who follow their territory in a
feed reader.

Apps declare what goes in with `register()` (in their AppConfig.ready): the
public queryset, the date of publication, and a plain-text summary. Each feed
is one query per source, whatever the amount of content; feeds are anonymous
GETs, so the page cache (observatoire.pagecache) serves them until any write.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from taggit.models import Tag

from observatoire.models import Territory

FEED_SIZE = 30


@dataclass(frozen=True)
class Source:
    label: str
    public: Callable[[], QuerySet]
    summary: Callable[[Model], str]
    date_field: str = "published_at"


_sources: list[Source] = []


def register(
    *,
    label: str,
    public: Callable[[], QuerySet],
    summary: Callable[[Model], str],
    date_field: str = "published_at",
) -> None:
    """Put the newest `public()` objects in the feeds; their queryset must
    offer `within(territory)` and a `tags` relation."""
    _sources.append(Source(label, public, summary, date_field))


def newest(*, territory: Territory | None = None, tag: Tag | None = None) -> list:
    """The FEED_SIZE latest published objects of every source, newest first,
    each tagged with its source as `_feed_source`."""
    entries = []
    for source in _sources:
        qs = source.public().filter(**{f"{source.date_field}__isnull": False})
        if territory is not None:
            qs = qs.within(territory)
        if tag is not None:
            qs = qs.filter(tags=tag)
        for obj in qs.order_by(f"-{source.date_field}", "-pk")[:FEED_SIZE]:
            obj._feed_source = source
            entries.append(obj)
    entries.sort(key=lambda obj: getattr(obj, obj._feed_source.date_field))
    return entries[::-1][:FEED_SIZE]


class NewContentFeed(Feed):
    feed_type = Atom1Feed

    def title(self, obj):
        return _("%(site)s : nouvelles initiatives et ateliers") % {
            "site": settings.SITE_NAME
        }

    def subtitle(self, obj):
        return _("Les dernières initiatives et synthèses d'ateliers publiées.")

    def link(self, obj):
        return reverse("home")

    def feed_url(self, obj):
        return reverse("feed")

    def items(self, obj):
        return newest()

    def item_title(self, item):
        return str(item)

    def item_description(self, item):
        # Atom's summary is read as HTML: the text typed by users is escaped.
        return escape(item._feed_source.summary(item))

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return getattr(item, item._feed_source.date_field)

    def item_updateddate(self, item):
        return getattr(item, "updated_at", None) or self.item_pubdate(item)

    def item_categories(self, item):
        return [str(item._feed_source.label)]


class TerritoryFeed(NewContentFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Territory, slug=slug)

    def title(self, obj):
        return _("%(site)s : nouveautés à %(place)s") % {
            "site": settings.SITE_NAME,
            "place": obj.label,
        }

    def subtitle(self, obj):
        return _(
            "Les dernières initiatives et synthèses d'ateliers publiées à "
            "%(place)s et dans les territoires qu'il contient."
        ) % {"place": obj.label}

    def link(self, obj):
        return obj.get_absolute_url()

    def feed_url(self, obj):
        return reverse("territory_feed", args=[obj.slug])

    def items(self, obj):
        return newest(territory=obj)


class TagFeed(NewContentFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj):
        return _("%(site)s : nouveautés « %(tag)s »") % {
            "site": settings.SITE_NAME,
            "tag": obj.name,
        }

    def subtitle(self, obj):
        return _(
            "Les dernières initiatives et synthèses d'ateliers publiées avec le "
            "mot-clé « %(tag)s »."
        ) % {"tag": obj.name}

    def link(self, obj):
        return reverse("tag_detail", args=[obj.slug])

    def feed_url(self, obj):
        return reverse("tag_feed", args=[obj.slug])

    def items(self, obj):
        return newest(tag=obj)
