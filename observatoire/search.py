"""One search across every part of the site, French-aware, on both databases.

Each app declares its searchable *parts* with `register()` (in its
AppConfig.ready): what anyone may see (`public`), and how an object reads as a
search document (`document`). Every public object has one row in
`SearchDocument`; this module keeps the rows in step on every write path:
saves and deletions (signals), tag changes, and the bulk paths that send no
signal (`update`, `bulk_create`, `bulk_update`, through
`versions.bulk_changed`). An object that stops being public (unpublished,
rejected, deleted) loses its row, so a search never has to filter drafts out.
`rebuild()` (command `rebuild_search_index`) writes every row again.

Querying is one query for the counts per part and one per part shown, on:
- PostgreSQL: `websearch_to_tsquery('french_unaccent', …)` against a weighted
  `tsvector` (titles above bodies) with a GIN index, `ts_rank`, `ts_headline`:
  accents and case ignored, French stemming ("coopératives" finds
  "coopération"), quotes for phrases, `-mot` to exclude, `ou` for either;
- SQLite: FTS5 (`unicode61 remove_diacritics 2`), every word a prefix
  ("coop" finds "coopération"), ranked by bm25, `highlight()`/`snippet()`.
  No stemming: "cheval" does not find "chevaux".

Highlights come back from the database between two private-use characters
that indexed text never contains (they are stripped when written); the text is
escaped, then only those markers become <mark> elements.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection
from django.db.models import BooleanField, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from observatoire.text import fold

MAX_QUERY_LENGTH = 200
MAX_WORDS = 20
BATCH_SIZE = 500
MARK_START, MARK_END = "\ue000", "\ue001"
_STRIPPED = str.maketrans({MARK_START: " ", MARK_END: " ", "\x00": " "})

TABLE = "observatoire_searchdocument"
FTS_TABLE = "observatoire_searchdocument_fts"
PG_CONFIG = "french_unaccent"
HEADLINE_TITLE = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"
HEADLINE_BODY = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


@dataclass(frozen=True)
class Part:
    kind: str  # also the ?partie= value of the search page
    label: str
    model: type[Model]
    public: Callable[[], QuerySet]
    document: Callable[[Model], dict]
    position: int = 0
    # Other models whose changes rewrite this part's documents: model -> a
    # function from their primary keys to this part's primary keys.
    follows: dict = field(default_factory=dict)

    @property
    def tagged(self) -> bool:
        return any(f.name == "tags" for f in self.model._meta.get_fields())


_parts: dict[str, Part] = {}


def register(
    model: type[Model],
    *,
    kind: str,
    label: str,
    public: Callable[[], QuerySet],
    document: Callable[[Model], dict],
    position: int = 0,
    follows: dict | None = None,
) -> None:
    """Make `public()` objects of `model` searchable.

    `document(obj)` returns `title`, `body`, `url` and optionally `context`
    (shown under the title) and `territory_id`; `public()` should select and
    prefetch what `document` reads. `follows` maps other models to the ids of
    this part's objects they describe (a workshop's items)."""
    part = Part(kind, label, model, public, document, position, follows or {})
    _parts[kind] = part
    _connect(model)
    for other in part.follows:
        _connect(other)


def parts() -> list[Part]:
    return sorted(_parts.values(), key=lambda part: part.position)


def part(kind: str) -> Part | None:
    return _parts.get(kind)


# Keeping the index in step ----------------------------------------------------


def _connect(model: type[Model]) -> None:
    uid = f"search:{model._meta.label_lower}"
    post_save.connect(_saved, sender=model, weak=False, dispatch_uid=uid)
    pre_delete.connect(_deleting, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(_deleted, sender=model, weak=False, dispatch_uid=uid)
    from observatoire import versions

    versions.bulk_changed.connect(_bulk, sender=model, weak=False, dispatch_uid=uid)
    for m2m in model._meta.many_to_many:
        if m2m.name == "tags":
            m2m_changed.connect(
                _tags_changed,
                sender=m2m.remote_field.through,
                weak=False,
                # One link table for every tagged model: connected once.
                dispatch_uid="search:tags",
            )


def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        changed(sender, [instance.pk])


def _bulk(sender, pks, **kwargs):
    changed(sender, pks)


def _deleting(sender, instance, **kwargs):
    # The tags (and the followers) are still readable before the row goes.
    instance._search_tag_ids = _tag_ids(sender, [instance.pk])
    instance._search_followers = {
        part.kind: list(follow([instance.pk]))
        for part in _parts.values()
        for model, follow in part.follows.items()
        if model is sender
    }


def _deleted(sender, instance, **kwargs):
    for part in _parts.values():
        if part.model is sender:
            remove(part.kind, [instance.pk])
    for kind, pks in getattr(instance, "_search_followers", {}).items():
        reindex(_parts[kind], pks)
    _reindex_tags(getattr(instance, "_search_tag_ids", []))


def _tags_changed(sender, instance, action, model, pk_set, **kwargs):
    from taggit.models import Tag

    if not isinstance(instance, Model) or isinstance(instance, Tag):
        return  # tags.set() from the tag's side: not used by this project
    if action == "pre_clear":
        instance._search_cleared_tags = list(instance.tags.values_list("pk", flat=True))
    elif action.startswith("post_"):
        changed(type(instance), [instance.pk])
        cleared = getattr(instance, "_search_cleared_tags", [])
        _reindex_tags([*(pk_set or ()), *cleared])


def changed(model: type[Model], pks: Iterable) -> None:
    """Rewrite the documents of these objects of `model` (and of what follows
    them, and of their tags): a row for each that is public, none otherwise."""
    pks = [pk for pk in pks if pk is not None]
    if not pks:
        return
    for part in _parts.values():
        if part.model is model:
            reindex(part, pks)
        follow = part.follows.get(model)
        if follow is not None:
            reindex(part, list(follow(pks)))
    _reindex_tags(_tag_ids(model, pks))


def reindex(part: Part, pks: Iterable) -> int:
    """Write the documents of `part` for `pks`; returns how many are public."""
    from observatoire.models import SearchDocument

    written = 0
    pks = iter(sorted(set(pks)))
    while chunk := list(islice(pks, BATCH_SIZE)):
        documents = [_document(part, obj) for obj in part.public().filter(pk__in=chunk)]
        SearchDocument.objects.filter(kind=part.kind, object_id__in=chunk).delete()
        SearchDocument.objects.bulk_create(documents)
        written += len(documents)
    return written


def remove(kind: str, pks: Iterable) -> None:
    from observatoire.models import SearchDocument

    SearchDocument.objects.filter(kind=kind, object_id__in=list(pks)).delete()


def rebuild(*, kinds: Iterable[str] | None = None, progress=None) -> dict[str, int]:
    """Write every document again (all parts, or `kinds`); returns the number
    of documents per part. `progress(kind, done)` is told along the way."""
    from observatoire.models import SearchDocument

    summary = {}
    for part in parts():
        if kinds is not None and part.kind not in kinds:
            continue
        SearchDocument.objects.filter(kind=part.kind).delete()
        ids = iter(list(part.public().order_by("pk").values_list("pk", flat=True)))
        done = 0
        while chunk := list(islice(ids, BATCH_SIZE * 10)):
            done += reindex(part, chunk)
            if progress:
                progress(part.kind, done)
        summary[part.kind] = done
    return summary


def _document(part: Part, obj: Model):
    from observatoire.models import SearchDocument

    values = part.document(obj)
    return SearchDocument(
        kind=part.kind,
        object_id=obj.pk,
        title=_clean(values["title"])[:2000] or str(obj.pk),
        body=_clean(values.get("body", "")),
        context=_clean(values.get("context", ""))[:300],
        url=values["url"][:500],
        territory_id=values.get("territory_id"),
    )


def _clean(text: str) -> str:
    return " ".join((text or "").translate(_STRIPPED).split())


def _tag_ids(model: type[Model], pks: list) -> list[int]:
    if "tags" not in _parts or not any(
        p.tagged and p.model is model for p in _parts.values()
    ):
        return []
    from django.contrib.contenttypes.models import ContentType
    from taggit.models import TaggedItem

    return list(
        TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=pks,
        ).values_list("tag_id", flat=True)
    )


def _reindex_tags(tag_ids: list) -> None:
    if tag_ids and "tags" in _parts:
        reindex(_parts["tags"], tag_ids)


def carried_by_public():
    """A condition on tags: carried by at least one public object of a tagged
    part, so a tag typed only on a pending proposal stays unknown to visitors.
    Correlated (EXISTS), so checking a few tags reads only their own links."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Exists, OuterRef, Q
    from taggit.models import TaggedItem

    used = Q(pk__in=[])
    for part in _parts.values():
        if part.tagged:
            used |= Q(
                content_type=ContentType.objects.get_for_model(part.model),
                object_id__in=part.public().order_by().values("pk"),
            )
    return Exists(TaggedItem.objects.filter(used, tag_id=OuterRef("pk")))


# Querying ---------------------------------------------------------------------


def clean_query(text: str) -> str:
    """The query as sent to the database: no NUL byte nor marker, single
    spaces, at most MAX_QUERY_LENGTH characters."""
    return _clean(text)[:MAX_QUERY_LENGTH]


def has_words(text: str) -> bool:
    """Whether `text` holds anything to look for (not only punctuation)."""
    return bool(fold(text))


def _fts5_expression(text: str) -> str:
    # Folded words only (letters and digits): nothing of FTS5's own syntax
    # (quotes, OR, NEAR, column filters, *) can come from the user.
    # Each word whole or as a prefix: a whole-word match scores twice, so
    # "Brest" comes before "Brestot".
    words = fold(text).split()[:MAX_WORDS]
    return " AND ".join(f'("{word}" OR "{_singular(word)}"*)' for word in words)


def _singular(word: str) -> str:
    """The poor man's stemmer SQLite needs: a final plural s or x dropped, so
    that the prefix "jardin*" finds "jardins" and "jardin" alike."""
    if len(word) > 3 and word[-1] in "sx" and not word.isdigit():
        return word[:-1]
    return word


def _vendor() -> str:
    return connection.vendor


def matching_ids(kind: str, text: str) -> QuerySet:
    """Ids of `kind`'s public objects matching `text`, as a subquery."""
    from observatoire.models import SearchDocument

    documents = SearchDocument.objects.filter(kind=kind).order_by()
    text = clean_query(text)
    if not has_words(text):
        return documents.none().values("object_id")
    if _vendor() == "postgresql":
        documents = documents.alias(
            found=RawSQL(
                f"vector @@ websearch_to_tsquery('{PG_CONFIG}', %s)",
                [text],
                output_field=BooleanField(),
            )
        ).filter(found=True)
    elif _vendor() == "sqlite":
        documents = documents.filter(
            id__in=RawSQL(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
                [_fts5_expression(text)],
            )
        )
    else:
        documents = documents.none()
    return documents.values("object_id")


@dataclass
class Hit:
    object_id: int
    url: str
    context: str
    title: SafeString
    snippet: SafeString


def counts(text: str) -> dict[str, int]:
    """Number of matching documents per part (one query)."""
    text = clean_query(text)
    if not has_words(text):
        return {}
    if _vendor() == "postgresql":
        sql = (
            f"SELECT kind, count(*) FROM {TABLE} "
            f"WHERE vector @@ websearch_to_tsquery('{PG_CONFIG}', %s) GROUP BY kind"
        )
        params = [text]
    elif _vendor() == "sqlite":
        sql = (
            f"SELECT d.kind, count(*) FROM {FTS_TABLE} "
            f"JOIN {TABLE} d ON d.id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH %s GROUP BY d.kind"
        )
        params = [_fts5_expression(text)]
    else:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def hits(text: str, kind: str, *, limit: int, offset: int = 0) -> list[Hit]:
    """The matching documents of one part, best first, highlighted (one query)."""
    text = clean_query(text)
    if not has_words(text):
        return []
    if _vendor() == "postgresql":
        # Rank and cut first, headline only the rows shown: ts_headline reads
        # the whole text again, too costly for every match.
        sql = f"""
            WITH q AS (SELECT websearch_to_tsquery('{PG_CONFIG}', %s) AS query),
            ranked AS (
                -- Normalised by the log of the length: on equal matches, the
                -- shorter text ("Brest") before the longer ("Brest Métropole").
                SELECT d.id, ts_rank(d.vector, q.query, 1) AS rank,
                    length(d.title) AS size
                FROM {TABLE} d, q
                WHERE d.kind = %s AND d.vector @@ q.query
                ORDER BY rank DESC, size, d.id LIMIT %s OFFSET %s
            )
            SELECT d.object_id, d.url, d.context, d.title,
                ts_headline('{PG_CONFIG}', d.title, q.query, %s),
                ts_headline('{PG_CONFIG}', d.body, q.query, %s)
            FROM ranked JOIN {TABLE} d ON d.id = ranked.id, q
            ORDER BY ranked.rank DESC, ranked.size, d.id
        """
        params = [text, kind, limit, offset, HEADLINE_TITLE, HEADLINE_BODY]
    elif _vendor() == "sqlite":
        sql = f"""
            SELECT d.object_id, d.url, d.context, d.title,
                highlight({FTS_TABLE}, 0, %s, %s),
                snippet({FTS_TABLE}, 1, %s, %s, '…', 24)
            FROM {FTS_TABLE} JOIN {TABLE} d ON d.id = {FTS_TABLE}.rowid
            WHERE {FTS_TABLE} MATCH %s AND d.kind = %s
            ORDER BY bm25({FTS_TABLE}, 10.0, 1.0), length(d.title), d.id
            LIMIT %s OFFSET %s
        """
        marks = [MARK_START, MARK_END]
        params = [*marks, *marks, _fts5_expression(text), kind, limit, offset]
    else:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            Hit(object_id, url, context, _title(title, marked), highlighted(snippet))
            for object_id, url, context, title, marked, snippet in cursor.fetchall()
        ]


def _title(title: str, marked: str | None) -> SafeString:
    # SQLite highlights its own copy, ligatures spelled out ("Oeuvre"): the
    # title is then shown as written, unmarked.
    plain = (marked or "").replace(MARK_START, "").replace(MARK_END, "")
    return highlighted(marked) if plain == title else highlighted(title)


def highlighted(text: str | None) -> SafeString:
    """`text` escaped, with the database's highlight markers as <mark>."""
    html = escape(text or "")
    html = html.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)  # noqa: S308 (escaped above; only our tags added)


# The observatory's own parts --------------------------------------------------


def _territory_document(territory) -> dict:
    parent = f" · {territory.parent.label}" if territory.parent_id else ""
    return {
        "title": territory.name,
        "body": f"{territory.code} {territory.postal_codes}",
        "context": f"{territory.get_kind_display()}{parent}",
        "url": territory.get_absolute_url(),
        "territory_id": territory.pk,
    }


def _tag_document(tag) -> dict:
    from django.urls import reverse

    return {"title": tag.name, "url": reverse("tag_detail", args=[tag.slug])}


def register_common_parts() -> None:
    from django.utils.translation import gettext_lazy as _
    from taggit.models import Tag

    from observatoire.models import Territory

    register(
        Territory,
        kind="territoires",
        label=_("Territoires"),
        public=lambda: Territory.objects.select_related("parent"),
        document=_territory_document,
        position=50,
    )
    register(
        Tag,
        kind="tags",
        label=_("Mots-clés"),
        public=lambda: Tag.objects.filter(carried_by_public()),
        document=_tag_document,
        position=60,
    )
