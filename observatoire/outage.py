"""What visitors get while the database is unreachable: a French « service
momentanément indisponible » page (503 + Retry-After) instead of a traceback,
with a public form shown again as it was typed.

Nothing here may touch the database: the page is rendered without the request
context (context processors read the session and the user's groups), and the
form is rebuilt from the posted data and the form class, never from querysets.
"""

import logging

from django import forms
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string

logger = logging.getLogger("observatoire.outage")

# Connection refused, server gone, connection dropped mid-request.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30

# Public forms whose input a visitor must not lose: view name → form class.
# Only these are shown again (never a login form, whose password must not be
# echoed back into a page).
REFILLABLE_FORMS = {
    "initiatives:submit": "initiatives.forms.InitiativeSubmissionForm",
    "initiatives:propose_change": "initiatives.forms.ChangeProposalForm",
}


def is_database_down(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_DOWN)


def _form_class(request):
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    path = REFILLABLE_FORMS.get(match.view_name)
    return import_string(path) if path else None


def _base_fields(form_class) -> dict:
    fields = dict(form_class.base_fields)
    extra = getattr(form_class, "outage_fields", None)
    if extra:
        fields = {**extra(), **fields}
    return fields


def _refilled_fields(request, form_class) -> tuple[list[dict], bool]:
    """The posted values as form controls, and whether a file was dropped."""
    rows, dropped_file = [], False
    for name, field in _base_fields(form_class).items():
        widget = field.widget
        if isinstance(field, forms.FileField):
            dropped_file = dropped_file or bool(request.FILES.get(name))
            continue
        value = widget.value_from_datadict(request.POST, {}, name)
        if isinstance(field, forms.ModelChoiceField):
            # Its choices come from the database: keep the posted ids as they are.
            values = value if isinstance(value, list) else [value]
            rows.append(
                {
                    "hidden": [
                        forms.HiddenInput().render(name, v)
                        for v in values
                        if v not in ("", None)
                    ]
                }
            )
            continue
        if isinstance(widget, forms.HiddenInput):
            rows.append({"hidden": [widget.render(name, value)]})
            continue
        rows.append(
            {
                "id": f"id_{name}",
                "label": field.label or name,
                "checkbox": isinstance(widget, forms.CheckboxInput),
                "control": widget.render(name, value, attrs={"id": f"id_{name}"}),
            }
        )
    return rows, dropped_file


def unavailable_response(request) -> HttpResponse:
    """The 503 page, with the visitor's posted form when it is a public one."""
    context = {"fields": None, "dropped_file": False, "action": request.path}
    form_class = _form_class(request) if request.method == "POST" else None
    if form_class is not None:
        context["fields"], context["dropped_file"] = _refilled_fields(
            request, form_class
        )
        # The CSRF secret lives in a cookie, not in the database.
        context["csrf_token"] = get_token(request)
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """Turns a view's database-connection error into the 503 page.

    Errors raised by other middleware (the page cache reads the database
    cache before any view runs) reach handler500, which does the same."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_down(exception):
            return None
        logger.error(
            "database unavailable: %s %s: %s",
            request.method,
            request.path,
            exception,
        )
        return unavailable_response(request)
