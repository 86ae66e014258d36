from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from observatoire import registry


class StaticSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return ["home", "about", "legal", "accessibility"]

    def location(self, item):
        return reverse(item)


class ContentSitemap(Sitemap):
    """Every public object of every registered kind that has a page."""

    changefreq = "weekly"
    limit = 5000

    def items(self):
        objects = []
        for entry in registry.registered():
            if entry.in_sitemap and hasattr(entry.model, "get_absolute_url"):
                objects.extend(entry.public()[: self.limit])
        return objects


sitemaps = {"static": StaticSitemap, "content": ContentSitemap}
