"""Public submission of initiatives and change proposals on published ones.
Workflows live in services.py; these views parse, call and render."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import TemplateView

from initiatives import geocoding, services
from initiatives.forms import ChangeProposalForm, InitiativeSubmissionForm
from initiatives.models import Initiative
from observatoire import ratelimit, uploads

# Per client and kind of form, an hour at a time: a few sends, and many more
# posts in all, valid or not (generous for a person correcting mistakes, short
# for a robot probing the form).
SEND_LIMIT = 5
ATTEMPT_LIMIT = 30
RATE_WINDOW_SECONDS = 3600


def _rate_limited(request, scope: str, form) -> bool:
    """Count this post among the attempts and, if the form is valid, the sends.

    Cheap checks come first: a client already at its limit is refused before
    the form is cleaned, so an uploaded image is never decoded for nothing."""
    window = RATE_WINDOW_SECONDS
    sends = {"scope": f"initiatives:{scope}", "limit": SEND_LIMIT, "window": window}
    if ratelimit.hit(
        request,
        scope=f"initiatives:{scope}-attempts",
        limit=ATTEMPT_LIMIT,
        window=window,
    ):
        return True
    if ratelimit.reached(request, **sends):
        return True
    # The decision is the atomic count's: simultaneous posts past the check
    # above are still refused here.
    return form.is_valid() and ratelimit.hit(request, **sends)


RATE_LIMIT_MESSAGE = _lazy(
    "Trop d'envois depuis votre connexion dans la dernière heure. Pour éviter les "
    "abus, attendez une heure avant de réessayer ; rien de ce que vous avez tapé "
    "n'est perdu si vous gardez cette page ouverte."
)


@require_http_methods(["GET", "POST"])
def submit(request):
    status = 200
    if request.method == "POST":
        form = InitiativeSubmissionForm(request.POST, request.FILES)
        if uploads.refused(request):
            form.refuse(uploads.too_large_message(), field="image")
            status = 413
        elif _rate_limited(request, "submit", form):
            form.refuse(str(RATE_LIMIT_MESSAGE))
            status = 429
        elif form.is_valid():
            data = dict(form.cleaned_data)
            initiative = services.initiative_submit(
                data=data,
                image=data.pop("image", None),
            )
            # The thank-you page shows this submission back to its sender only.
            request.session[SUBMITTED_SESSION_KEY] = initiative.pk
            return redirect("initiatives:submitted")
        else:
            status = 400
        form.refresh_token()
    else:
        form = InitiativeSubmissionForm()
    return render(
        request,
        "initiatives/initiative_form.html",
        {
            "form": form,
            "geocoder_enabled": geocoding.is_enabled(),
            "picker": _picker_config(),
            # Browsers never refill a file input: say so rather than lose it.
            "image_to_reselect": bool(request.FILES.get("image"))
            and status != 200
            and not form.has_error("image"),
        },
        status=status,
    )


def _picker_config():
    return {
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        # Metropolitan France; the map zooms in on the typed coordinates.
        "center": [46.6, 2.4],
        "zoom": 5,
        "geocodeUrl": reverse("initiatives:geocode") if geocoding.is_enabled() else "",
        "texts": {
            "button": _("Placer depuis l'adresse"),
            "searching": _("Recherche de l'adresse…"),
            "found": _("Adresse trouvée : %(label)s. Coordonnées remplies."),
            "notFound": _(
                "Adresse introuvable : cliquez sur la carte ou tapez les coordonnées."
            ),
        },
    }


@require_GET
def geocode_address(request):
    """The form's "placer depuis l'adresse" button; same API as the server side."""
    if not geocoding.is_enabled():
        raise Http404
    if ratelimit.hit(
        request,
        scope="initiatives:geocode",
        limit=ATTEMPT_LIMIT,
        window=RATE_WINDOW_SECONDS,
    ):
        return JsonResponse({"error": str(RATE_LIMIT_MESSAGE)}, status=429)
    query = " ".join(
        part
        for part in (
            request.GET.get("adresse", "")[:200],
            # "Brest (29)" as the autocomplete writes it: the code confuses the API.
            request.GET.get("commune", "")[:100].split("(")[0],
        )
        if part.strip()
    )
    found = geocoding.geocode(query)
    if found is None:
        return JsonResponse({"error": _("Adresse introuvable.")}, status=404)
    return JsonResponse(
        {"latitude": found.latitude, "longitude": found.longitude, "label": found.label}
    )


SUBMITTED_SESSION_KEY = "initiatives:submitted"


class SubmittedView(TemplateView):
    """Thanks, with the reference and a recap of what was sent: read from the
    sender's own session, so nobody else can see a pending submission."""

    template_name = "initiatives/initiative_submitted.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pk = self.request.session.get(SUBMITTED_SESSION_KEY)
        initiative = (
            Initiative.objects.select_related("category", "commune__parent")
            .filter(pk=pk)
            .first()
            if pk
            else None
        )
        if initiative is not None:
            context["initiative"] = initiative
            context["recap"] = services.submission_recap(initiative)
        return context


@require_http_methods(["GET", "POST"])
def propose_change(request, slug):
    initiative = get_object_or_404(Initiative.objects.published(), slug=slug)
    status = 200
    if request.method == "POST":
        form = ChangeProposalForm(request.POST, request.FILES, initiative=initiative)
        if _rate_limited(request, "proposal", form):
            form.refuse(str(RATE_LIMIT_MESSAGE))
            status = 429
        elif form.is_valid():
            services.proposal_submit(
                initiative=initiative,
                changes=form.changes(),
                message=form.cleaned_data["message"],
                contact_email=form.cleaned_data["contact_email"],
                image=form.cleaned_data.get("image"),
            )
            messages.success(
                request,
                _(
                    "Merci : votre proposition est transmise à l'équipe de "
                    "modération. La fiche reste inchangée tant qu'elle n'est pas "
                    "acceptée."
                ),
            )
            return redirect(initiative)
        else:
            status = 400
        form.refresh_token()
    else:
        form = ChangeProposalForm(initiative=initiative)
    return render(
        request,
        "initiatives/changeproposal_form.html",
        {"form": form, "initiative": initiative},
        status=status,
    )
