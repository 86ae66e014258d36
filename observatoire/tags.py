"""The one rule for a tag typed by anyone: forms, importers, seed files.

A tag names a page (`/tags/<slug>/`), so its slug must exist: taggit makes it
with Django's `slugify` after folding accents away (`TAGGIT_STRIP_UNICODE_…`),
and a name made only of punctuation or of non-Latin letters folds to nothing;
the tag would then break every page that links to it. Names longer than
taggit's column are a database error on PostgreSQL (SQLite does not check).
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from taggit.forms import TagField
from taggit.managers import TaggableManager
from taggit.models import Tag

# taggit's Tag.name and Tag.slug columns hold 100 characters; 10 are kept for
# the "_N" taggit appends to a slug that another tag ("Vélo" and "velo")
# already has, which would otherwise overflow the column on PostgreSQL.
MAX_TAG_LENGTH = Tag._meta.get_field("slug").max_length - 10
MAX_TAGS = 10


def tag_slug(name: str) -> str:
    """The slug taggit gives `name` (settings: accents folded, ASCII only)."""
    return Tag().slugify(name)


def tag_problem(name: str) -> str:
    """Why `name` cannot be a tag, in French; empty when it can."""
    if "\x00" in name:
        return _("Le mot-clé contient un caractère nul.")
    if len(name) > MAX_TAG_LENGTH:
        return _(
            "Le mot-clé « %(tag)s… » est trop long (%(max)d caractères au plus)."
        ) % {"tag": name[:20], "max": MAX_TAG_LENGTH}
    if not tag_slug(name):
        return _(
            "Le mot-clé « %(tag)s » ne contient ni lettre ni chiffre latin : "
            "ajoutez-en au moins un (il sert d'adresse à la page du mot-clé)."
        ) % {"tag": name}
    return ""


def validate_tags(names: Iterable[str], *, max_tags: int = MAX_TAGS) -> list[str]:
    """`names` checked against the rule; raise ValidationError (French) if not."""
    names = list(names)
    if len(names) > max_tags:
        raise ValidationError(
            ngettext(
                "Indiquez au plus %(max)d mot-clé.",
                "Indiquez au plus %(max)d mots-clés.",
                max_tags,
            )
            % {"max": max_tags},
            code="too_many_tags",
        )
    problems = [problem for problem in map(tag_problem, names) if problem]
    if problems:
        raise ValidationError(problems, code="invalid_tag")
    return names


class TagsField(TagField):
    """taggit's comma-separated field, with the rule above."""

    def __init__(self, *args, max_tags: int = MAX_TAGS, **kwargs):
        self.max_tags = max_tags
        super().__init__(*args, **kwargs)

    def clean(self, value):
        return validate_tags(super().clean(value), max_tags=self.max_tags)


def tag_url(tag) -> str:
    """The page's address of `tag` (a Tag or its slug), or "" for a slug that
    cannot be one.

    Such tags predate the rule (observatoire's migration 0008 repairs them); a
    page that lists one shows it without a link instead of failing."""
    try:
        return reverse("tag_detail", args=[getattr(tag, "slug", tag)])
    except NoReverseMatch:
        return ""


# For the ModelAdmins of tagged models: the admin obeys the same rule.
ADMIN_FORMFIELD_OVERRIDES = {TaggableManager: {"form_class": TagsField}}
