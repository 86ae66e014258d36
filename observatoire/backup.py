"""One-file backups: every row of content in a database-independent form (JSON
Lines of Django's serializer, one file per model) and every uploaded file,
in a zip. Restoring it into an empty database gives the same site back, on
SQLite or PostgreSQL alike.

Rows keep their primary keys (URLs and history point at them); references to
content types, permissions and accounts go by natural key, since `migrate`
numbers content types and permissions in its own order.
"""

import datetime
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 2000

# Rebuilt by `migrate` in the target database, with its own numbering; or
# short-lived state that a new database starts without (sessions, rate limits).
NOT_BACKED_UP = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "observatoire.ratelimitcounter",
    # Counts derived from the content, recounted on the first read.
    "observatoire.summary",
}
# Rows that `migrate` itself creates (role groups, the initiatives' vocabularies):
# present in a freshly migrated database, replaced by the backup's on restore.
SEEDED_BY_MIGRATIONS = {
    "auth.group",
    "initiatives.category",
    "initiatives.family",
    "initiatives.actionlevel",
    "initiatives.resourcetype",
}

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup that cannot be read, or a database that must not be restored into."""


@dataclass
class Summary:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0

    def text(self) -> str:
        return (
            f"{sum(self.rows.values())} lignes ({len(self.rows)} tables), "
            f"{self.files} fichiers ({self.bytes / 1e6:.1f} Mo)."
        )


class _ExactEncoder(DjangoJSONEncoder):
    # DjangoJSONEncoder cuts microseconds to milliseconds: a restore must give
    # back the very same timestamps.
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _label(model) -> str:
    return model._meta.label_lower


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete model, in an order where referenced rows come first."""
    chosen = [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and _label(model) not in NOT_BACKED_UP
    ]
    by_app: dict = {}
    for model in chosen:
        by_app.setdefault(model._meta.app_config, []).append(model)
    return serializers.sort_dependencies(by_app.items(), allow_cycles=True)


def _rows(model) -> Iterator[dict]:
    queryset = model._default_manager.order_by("pk")
    batch = []
    for obj in queryset.iterator(chunk_size=CHUNK):
        batch.append(obj)
        if len(batch) == CHUNK:
            yield from serializers.serialize(
                "python", batch, use_natural_foreign_keys=True
            )
            batch = []
    yield from serializers.serialize("python", batch, use_natural_foreign_keys=True)


def _media_names(directory: str = "") -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for folder in sorted(folders):
        yield from _media_names(f"{directory}/{folder}" if directory else folder)


def backup_write(path: Path, *, progress: Progress = lambda line: None) -> Summary:
    """Write the whole site to the zip at `path`; reads in one transaction so
    that rows referring to each other are seen at the same instant."""
    summary = Summary()
    tables = []
    outermost = not connection.in_atomic_block
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        transaction.atomic(),
    ):
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for every table, writers never blocked.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                )
        for model in backed_up_models():
            label = _label(model)
            count = 0
            with archive.open(f"data/{label}.jsonl", "w", force_zip64=True) as out:
                for row in _rows(model):
                    out.write(json.dumps(row, cls=_ExactEncoder).encode() + b"\n")
                    count += 1
            tables.append(label)
            summary.rows[label] = count
            progress(f"{label} : {count} lignes")
        for name in _media_names():
            with (
                default_storage.open(name, "rb") as source,
                archive.open(f"media/{name}", "w", force_zip64=True) as out,
            ):
                for chunk in source.chunks():
                    out.write(chunk)
                    summary.bytes += len(chunk)
            summary.files += 1
        progress(f"fichiers téléversés : {summary.files}")
        archive.writestr(
            MANIFEST,
            json.dumps(
                {
                    "format": FORMAT_VERSION,
                    "created": datetime.datetime.now(datetime.UTC).isoformat(),
                    "tables": tables,
                    "rows": summary.rows,
                    "files": summary.files,
                },
                indent=2,
            ),
        )
    return summary


def _manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as error:
        raise BackupError(
            "Ce fichier n'est pas une sauvegarde de l'observatoire "
            f"({MANIFEST} absent ou illisible)."
        ) from error
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"Format de sauvegarde {manifest.get('format')!r} inconnu "
            f"(attendu : {FORMAT_VERSION})."
        )
    return manifest


def content_in_database() -> dict[str, int]:
    """Tables holding rows that a fresh `migrate` does not create."""
    found = {}
    for model in backed_up_models():
        label = _label(model)
        if label in SEEDED_BY_MIGRATIONS:
            continue
        count = model._default_manager.count()
        if count:
            found[label] = count
    return found


def _read_rows(archive: zipfile.ZipFile, label: str) -> Iterator[list[dict]]:
    batch = []
    with archive.open(f"data/{label}.jsonl") as lines:
        for line in lines:
            batch.append(json.loads(line))
            if len(batch) == CHUNK:
                yield batch
                batch = []
    if batch:
        yield batch


def _load(rows: Iterable[dict]) -> int:
    count = 0
    for obj in serializers.deserialize("python", rows, handle_forward_references=True):
        obj.save()
        count += 1
    return count


def backup_restore(path: Path, *, progress: Progress = lambda line: None) -> Summary:
    """Bring a backup back into an empty (freshly migrated) database."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(f"Impossible de lire {path} : {error}") from error
    summary = Summary()
    with archive:
        manifest = _manifest(archive)
        present = content_in_database()
        if present:
            described = ", ".join(f"{label} ({n})" for label, n in present.items())
            raise BackupError(
                "La base de données n'est pas vide : "
                f"{described}. La restauration se fait dans une base neuve "
                "(créez-la puis lancez `manage.py migrate`) : rien n'a été modifié."
            )
        known = {_label(model): model for model in backed_up_models()}
        unknown = [label for label in manifest["tables"] if label not in known]
        if unknown:
            raise BackupError(
                "Sauvegarde faite par une autre version du site : tables inconnues "
                f"{', '.join(unknown)}. Rien n'a été modifié."
            )
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Rows referring to later ones (a section to its entries, a
                # territory to its parent): checked at commit.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            # The seeds of `migrate` are in the backup too, maybe renumbered.
            for label in SEEDED_BY_MIGRATIONS & set(known):
                known[label]._default_manager.all().delete()
            for label in manifest["tables"]:
                count = sum(_load(batch) for batch in _read_rows(archive, label))
                summary.rows[label] = count
                progress(f"{label} : {count} lignes")
            # Rows came with their ids: new ones must be numbered after them.
            restored = [known[label] for label in manifest["tables"]]
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(
                    no_style(), restored
                ):
                    cursor.execute(statement)
        for info in archive.infolist():
            if not info.filename.startswith("media/") or info.is_dir():
                continue
            name = info.filename.removeprefix("media/")
            if default_storage.exists(name):
                default_storage.delete(name)
            with archive.open(info) as source:
                default_storage.save(name, ContentFile(source.read()))
            summary.files += 1
            summary.bytes += info.file_size
        progress(f"fichiers téléversés : {summary.files}")
    # Pages and counts cached before the restore describe another database.
    cache.clear()
    return summary
