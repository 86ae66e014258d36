"""Requests that no page of this site can mean."""

from django.http import HttpRequest, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

NUL_REASON = _(
    "L'adresse ou le formulaire contient un caractère nul (invisible, souvent "
    "venu d'un copier-coller) : il n'est pas autorisé. Retapez le texte puis "
    "réessayez."
)


class RejectNulMiddleware:
    """A 400 for a NUL character in the path, the query string or a form body.

    PostgreSQL cannot hold NUL in text: the first lookup made with one raises
    deep inside a view (a 500), wherever a parameter reaches the database
    unchecked (filters, URL converters such as `<str:…>`, raw GET reads).
    Refusing it here covers every view at once. Multipart bodies are left to
    the forms (Django's CharField refuses NUL): reading them here would bypass
    the upload handlers that stop oversized files early.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if self._has_nul(request):
            # Without the request: context processors would run before the
            # session and user middlewares have.
            return HttpResponseBadRequest(
                render_to_string("400.html", {"reason": NUL_REASON})
            )
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if request.content_type == "application/x-www-form-urlencoded":
            return b"%00" in request.body or b"\x00" in request.body
        return False
