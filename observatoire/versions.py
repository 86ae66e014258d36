"""Data versions: cache keys that change as soon as the data behind them does.

Every cached summary of content (facet counts, map markers, portraits…) is
stored under a key built by `key()`, which folds in the current version of each
*scope* the summary reads. Writers never hunt down cache entries: they
`bump()` the scopes they changed and every app server builds new keys on its
next request; old entries simply expire.

A version is a random token kept in the shared cache (database or Redis),
never in one process's memory, so all app servers agree. Reading versions
costs one cache round trip and no query on the content tables, whatever their
size. A token that has vanished (cache cleared or culled, first start) is
replaced by a new one: a lost version costs a cold cache, never a stale page.

Models declare their scopes with `watch()` (saves, deletions, many-to-many
changes); their managers are built on `VersionedQuerySet`, so the bulk paths
that send no signal (`update`, `bulk_create`, `bulk_update`) bump the same
scopes. `fetch()`/`store()` read a cached value and the versions it depends on
in one round trip (the page cache, observatoire/pagecache.py, uses them on
every request). Given a `Memo`, they keep big values in the process too, and
a hit reads only the versions from the shared cache.
"""

import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models.signals import ModelSignal, m2m_changed, post_delete, post_save

INITIATIVES = "initiatives"
ATELIERS = "ateliers"
REFERENTIEL = "referentiel"
TERRITORIES = "territories"
TAGS = "tags"
# Self-assessments are written by every visitor who takes one and shown to
# no one else: apart, so they never retire the cached public pages.
ASSESSMENTS = "assessments"
# What public pages are built from.
CONTENT = (INITIATIVES, ATELIERS, REFERENTIEL, TERRITORIES, TAGS)

PREFIX = "version:"
# Sent (sender=model, pks=[…], fields={…} or None for new rows) after update(),
# bulk_create() and bulk_update(), which send no per-row signal: the search
# index and the stored tallies follow these rows.
bulk_changed = ModelSignal(use_caching=True)
_watched: dict[type[models.Model], tuple[str, ...]] = {}


def _cache_key(scope: str) -> str:
    return PREFIX + scope


def current(*scopes: str) -> dict[str, str]:
    """The version token of each scope, creating the missing ones."""
    keys = [_cache_key(scope) for scope in scopes]
    found = cache.get_many(keys)
    for name in keys:
        if name not in found:
            token = uuid.uuid4().hex
            # add(): two servers creating the same version agree on one token.
            if not cache.add(name, token, timeout=None):
                token = cache.get(name) or token
            found[name] = token
    return {scope: found[_cache_key(scope)] for scope in scopes}


def bump(*scopes: str) -> None:
    """Give `scopes` new versions, now and again once the transaction commits.

    The immediate bump makes the change visible inside the transaction; the
    one after commit matters because a request served in between reads the old
    rows and may cache them under the new version."""

    def renew():
        cache.set_many({_cache_key(scope): uuid.uuid4().hex for scope in scopes}, None)

    renew()
    transaction.on_commit(renew)


def key(namespace: str, *parts, scopes: Iterable[str]) -> str:
    """A cache key for `parts` (anything with a stable repr) that changes with
    every version of `scopes`."""
    versions = sorted(current(*scopes).items())
    raw = repr((parts, versions))
    digest = hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest()
    return f"{namespace}:{digest}"


class Memo:
    """A small per-process copy of big values fetched from the shared cache,
    most recently used first, within a byte budget.

    Not state of its own that app servers could disagree on: it only holds
    values that are never modified once built, each with the data versions
    it was built from, and `fetch()` serves one only when those versions are
    still the current ones in the shared cache, read on every request. A
    write on any app server bumps the versions, so every other server's copy
    misses on its next request, as the shared entry does. What it saves is
    reading and unpickling the value (hundreds of kilobytes) on each hit."""

    def __init__(self, *, max_bytes: int, size: Callable[[Any], int]):
        self.max_bytes = max_bytes
        self._size = size
        # name: (versions, value, size), least recently used first.
        self._entries: OrderedDict[str, tuple] = OrderedDict()
        self._bytes = 0
        # gunicorn threads share the process: OrderedDict moves are not atomic.
        self._lock = threading.Lock()

    def get(self, name: str, versions: dict[str, str]) -> Any:
        with self._lock:
            entry = self._entries.get(name)
            if entry is None or entry[0] != versions:
                return None
            self._entries.move_to_end(name)
            return entry[1]

    def put(self, name: str, versions: dict[str, str], value) -> None:
        size = self._size(value)
        with self._lock:
            old = self._entries.pop(name, None)
            if old is not None:
                self._bytes -= old[2]
            if size > self.max_bytes:
                return
            self._entries[name] = (dict(versions), value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _oldest, (*_rest, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def fetch(
    name: str, *, scopes: Iterable[str], memo: Memo | None = None
) -> tuple[Any, dict[str, str]]:
    """The value stored under `name` by `store()` if the versions of `scopes`
    have not changed since (else None), and the current versions to store a
    fresh one with. One cache round trip when the value is there; with a
    `memo` that holds it, one small round trip that reads only the versions
    (two when the memo misses and the shared cache has it)."""
    scopes = tuple(scopes)
    keys = [_cache_key(scope) for scope in scopes]
    found = cache.get_many(keys if memo is not None else [name, *keys])
    if not all(key in found for key in keys):
        # New tokens: nothing stored under the old ones is valid any more.
        return None, current(*scopes)
    now = {scope: found[_cache_key(scope)] for scope in scopes}
    if memo is not None:
        value = memo.get(name, now)
        if value is not None:
            return value, now
        found[name] = cache.get(name)
    entry = found.get(name)
    if entry is not None and entry[0] == now:
        if memo is not None:
            memo.put(name, now, entry[1])
        return entry[1], now
    return None, now


def store(
    name: str,
    value,
    *,
    versions: dict[str, str],
    timeout: int,
    memo: Memo | None = None,
) -> None:
    """Cache `value` as built from the data at `versions` (read *before*
    building it: a write meanwhile leaves it stale-marked, never stale-served)."""
    cache.set(name, (versions, value), timeout)
    if memo is not None:
        memo.put(name, versions, value)


def watch(model: type[models.Model], *scopes: str, signals_only=False) -> None:
    """Bump `scopes` whenever a row of `model` (or one of its many-to-many
    links) is saved or deleted, whatever the write path: forms, services,
    admin, imports. The model's queryset must be a VersionedQuerySet, so that
    bulk writes bump too; `signals_only` for third-party models (taggit's
    Tag), whose code never writes in bulk."""
    queryset = model._default_manager._queryset_class
    if not signals_only and not issubclass(queryset, VersionedQuerySet):
        raise ImproperlyConfigured(
            f"{model._meta.label}: its manager must be built on "
            "observatoire.versions.VersionedQuerySet, or bulk writes would "
            "leave stale caches."
        )
    _watched[model] = (*_watched.get(model, ()), *scopes)

    def changed(sender, **kwargs):
        if kwargs.get("raw"):
            return  # loaddata: the loader bumps once at the end if it needs to
        action = kwargs.get("action")
        if action is None:
            bump(*scopes)
        elif action.startswith("post_") and (
            # Tags share one link table for every model: only ours count.
            isinstance(kwargs["instance"], model) or kwargs.get("model") is model
        ):
            bump(*scopes)

    uid = f"versions:{model._meta.label_lower}:{','.join(scopes)}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid)
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        m2m_changed.connect(
            changed, sender=through, weak=False, dispatch_uid=f"{uid}:{field.name}"
        )


class VersionedQuerySet(models.QuerySet):
    """Bulk writes send no signal: they bump the scopes `watch()` gave their
    model themselves."""

    def _bump(self):
        scopes = _watched.get(self.model)
        if scopes:
            bump(*scopes)

    def _listened(self) -> bool:
        return bulk_changed.has_listeners(self.model)

    def update(self, **kwargs):
        # The rows are named before the update, which may move them out of
        # this queryset (status=…); only when someone listens.
        pks = list(self.values_list("pk", flat=True)) if self._listened() else []
        rows = super().update(**kwargs)
        if rows:
            self._bump()
            if pks:
                bulk_changed.send(sender=self.model, pks=pks, fields=set(kwargs))
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            self._bump()
            if self._listened():
                bulk_changed.send(sender=self.model, pks=[obj.pk for obj in created])
        return created

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        if rows:
            self._bump()
            if self._listened():
                bulk_changed.send(
                    sender=self.model, pks=[obj.pk for obj in objs], fields=set(fields)
                )
        return rows

    bulk_update.alters_data = True
