from django.core.paginator import Paginator


class KeysFirstPaginator(Paginator):
    """Reads the primary keys of a page first, then only those rows.

    A page deep in a large list makes the database skip every row before it:
    skipping entries of the index that orders the list (and holds the key) is
    cheap, skipping wide table rows is not. Same pages, same order."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=keys)}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)
