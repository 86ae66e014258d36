"""Structured logs on stdout: one ``key=value`` line per event, easy to grep
and to parse by a log shipper (journald, Loki, ELK) without configuration.

    event=request method=GET path=/carte/ status=200 duration_ms=12.4
    event=moderation action=approve initiative=42 by=marie
    event=import source=gogocarto created=120 updated=3 skipped=1
"""

import logging
import time

from django.db import transaction
from django.db.models.signals import post_save


def _value(value) -> str:
    text = str(value)
    if not text or any(c.isspace() or c in '"=' for c in text):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    # One event, one line, whatever a visitor put in a path.
    return text.replace("\n", "\\n").replace("\r", "\\r")


def kv(**fields) -> str:
    return " ".join(f"{key}={_value(value)}" for key, value in fields.items())


def event(logger: logging.Logger, name: str, **fields) -> None:
    logger.info(kv(event=name, **fields))


request_logger = logging.getLogger("observatoire.request")


class RequestLogMiddleware:
    """One line per request with its status and duration. First in the chain
    after the static files, so the duration covers the page cache and the
    database; never the visitor's address (personal data)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        event(
            request_logger,
            "request",
            method=request.method,
            path=request.path,
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return response


moderation_logger = logging.getLogger("observatoire.moderation")


def _log_moderation_event(sender, instance, created, **kwargs):
    """Every decision leaves a history row: log it once it is committed (a
    rolled-back decision was never made). Decisions of every path — the queue,
    bulk actions, the admin — write this row."""
    if not created:
        return
    event_fields = {"action": instance.action, "initiative": instance.initiative_id}
    if instance.proposal_id:
        event_fields["proposal"] = instance.proposal_id
    # The account's id, not its name: logs travel further than the database.
    event_fields["by"] = instance.actor_id or "-"
    transaction.on_commit(
        lambda: event(moderation_logger, "moderation", **event_fields)
    )


def connect_signals() -> None:
    post_save.connect(
        _log_moderation_event,
        sender="initiatives.ModerationEvent",
        dispatch_uid="observatoire.logs.moderation",
    )
