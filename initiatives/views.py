import gzip
import hashlib
import json
import operator

from csp.decorators import csp_replace
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import F, IntegerField
from django.db.models.functions import Cast, Round
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseNotModified,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from initiatives import exports, filters, geocoding, services
from initiatives.filters import (
    InitiativeFilter,
    facets,
    filtered_total,
    published_filter,
    valid_values,
)
from initiatives.forms import (
    ArchiveForm,
    ChangeProposalForm,
    InitiativeSubmissionForm,
    ModerationEditForm,
    ProposalDecisionForm,
    RejectForm,
    SpamForm,
)
from initiatives.models import Category, ChangeProposal, Initiative
from observatoire import pagecache, ratelimit, registry, roles, versions
from observatoire.fields import TerritoryField
from observatoire.models import Territory
from observatoire.pagination import KeysFirstPaginator
from observatoire.roles import role_required

# Browsing, map, embeddable map and open-data exports (issue 3, part B).
# Every view here reads the same filter query string.

PAGE_SIZE = 20
MAP_CACHE_SECONDS = 15 * 60
# 1/100,000 of a degree: about a metre, finer than any address.
MAP_COORDINATE_SCALE = 100_000
EMBED_LIST_SIZE = 50


def _filter_query(request, *drop: str) -> str:
    data = request.GET.copy()
    for key in ("page", *drop):
        data.pop(key, None)
    return data.urlencode()


class PlaceForm(forms.Form):
    """The territory typed in the filters (`lieu`), resolved to one Territory."""

    lieu = TerritoryField(
        kinds=Territory.Kind.values,
        required=False,
        max_length=100,
        label=_lazy("Territoire"),
        help_text=_lazy(
            "Région, département, intercommunalité ou commune : nom, code postal "
            "ou code INSEE. Tout ce qui s'y trouve est inclus."
        ),
    )


def _place_redirect(request, place_form: PlaceForm):
    """Turn a typed place (`lieu`) into the `territoire` facet of the URL."""
    if not request.GET.get("lieu", "").strip() or not place_form.is_valid():
        return None
    data = request.GET.copy()
    data.pop("lieu")
    data.pop("page", None)
    data["territoire"] = place_form.cleaned_data["lieu"].slug
    return redirect(f"{request.path}?{data.urlencode()}")


class InitiativeListView(FilterView):
    filterset_class = InitiativeFilter
    template_name = "initiatives/initiative_list.html"
    context_object_name = "initiatives"
    paginate_by = PAGE_SIZE
    # Invalid values are dropped and reported; the rest of the filter applies.
    strict = False
    with_facets = True

    def get(self, request, *args, **kwargs):
        self.place_form = PlaceForm(request.GET if "lieu" in request.GET else None)
        if request.GET.get("territoire"):
            self.place_form.fields["lieu"].label = _lazy("Autre territoire")
        return _place_redirect(request, self.place_form) or super().get(
            request, *args, **kwargs
        )

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["queryset"] = Initiative.objects.published().select_related(
            "category", "commune"
        )
        return kwargs

    paginator_class = KeysFirstPaginator

    def paginate_queryset(self, queryset, page_size):
        # A wrong or out-of-range page number shows the nearest page, not a 404.
        paginator = self.get_paginator(queryset, page_size)
        if self.with_facets:
            self.facets = facets(self.filterset)
            # The facets have counted the set already: no COUNT(*) of its own.
            paginator.count = filtered_total(self.facets)
        asked = self.request.GET.get("page", "")
        page = paginator.get_page(asked)
        self.page_invalid = bool(asked) and asked != str(page.number)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            facets=getattr(self, "facets", []),
            territory=valid_values(self.filterset).get("territoire"),
            querystring_without_page=_filter_query(self.request),
            filter_query=_filter_query(self.request),
            page_invalid=getattr(self, "page_invalid", False),
            place_form=self.place_form,
        )
        return context


class InitiativeMapView(InitiativeListView):
    """The map over the same filtered list: without JS, the list is the page."""

    template_name = "initiatives/initiative_map.html"
    embedded = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = context["filter_query"]
        context["site_url"] = self.request.build_absolute_uri("/").rstrip("/")
        context["map_config"] = {
            "dataUrl": reverse("initiatives:map_data") + (f"?{query}" if query else ""),
            "popupUrl": reverse("initiatives:map_popup", args=[0]),
            "tileUrl": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "linkBase": context["site_url"] if self.embedded else "",
            "texts": {
                "loading": _("Chargement des initiatives…"),
                "loaded": _("%(count)s initiatives placées sur la carte."),
                "failed": _("Les initiatives n'ont pas pu être chargées."),
            },
        }
        return context


@method_decorator(xframe_options_exempt, name="dispatch")
@method_decorator(csp_replace({"frame-ancestors": ["*"]}), name="dispatch")
class InitiativeEmbedView(InitiativeMapView):
    """Minimal map for partner sites' iframes; only this view may be framed."""

    template_name = "initiatives/initiative_embed.html"
    paginate_by = EMBED_LIST_SIZE
    with_facets = False
    embedded = True


@pagecache.exempt
@require_GET
def map_data(request):
    """Every located initiative of the filtered set, for the map: a public
    contract, read by static/js/initiatives-map.js and by anyone's scripts.

    Version 2, compact (about 7 bytes per initiative gzip-compressed, so that
    100,000 points load quickly on a phone):

        {"format": 2,
         "count": 3,                  number of markers
         "scale": 100000,             coordinates are integers of 1/scale degree
         "legend": [{"name", "colour", "icon"}, ...],   kinds of practice
         "ids":  [12, 1, 5],          initiative ids, ascending, delta-encoded
         "lat":  [4839000, 12, -7],   latitudes × scale, delta-encoded
         "lon":  [-449000, 3, 40],    longitudes × scale, delta-encoded
         "kinds": [0, 0, 2],          index in "legend" of each marker
         "errors": {"field": ["message", ...]}}   filter values ignored

    Delta-encoded: each value is the previous one plus the number given (the
    first is given as is), so marker i of the example is id 12 + 1 = 13 at
    latitude (4839000 + 12) / 100000. Popups: /carte/fiche/<id>.json.

    Compressed with gzip when the request accepts it, cached until the data
    changes (observatoire.versions), and revalidated by ETag."""
    # Each encoding cached apart, so a request reads only the body it sends;
    # keyed by the query string as sent, so a cached answer costs one cache
    # read and not even the validation of the filter values.
    encoding = "gzip" if pagecache.accepts_gzip(request) else "identity"
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    key = (
        "initiatives:markers:"
        + hashlib.md5(
            f"{encoding}|{get_language()}|{query}".encode(), usedforsecurity=False
        ).hexdigest()
    )
    entry, current = versions.fetch(key, scopes=filters.SCOPES)
    if entry is None:
        entry = _markers_entry(published_filter(request.GET), encoding)
        versions.store(key, entry, versions=current, timeout=MAP_CACHE_SECONDS)
    if entry["etag"] in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(entry["body"], content_type="application/json")
        if encoding == "gzip":
            response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    response["ETag"] = entry["etag"]
    response["Cache-Control"] = "no-cache"
    return response


def _markers_entry(filterset, encoding: str) -> dict:
    body = json.dumps(
        _markers(filterset), separators=(",", ":"), ensure_ascii=False
    ).encode()
    etag = f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
    if encoding == "gzip":
        # The fastest level: 100,000 markers compress in a few tens of
        # milliseconds, a tenth of the default level's time for 8 % more bytes.
        body = gzip.compress(body, compresslevel=1, mtime=0)
    return {"body": body, "etag": etag}


def _deltas(values: tuple[int, ...]) -> list[int]:
    return list(map(operator.sub, values, (0, *values[:-1])))


def _markers(filterset) -> dict:
    categories = list(Category.objects.values_list("pk", "name", "colour", "icon"))
    index = {pk: position for position, (pk, *_rest) in enumerate(categories)}
    scale = MAP_COORDINATE_SCALE
    # Integers from the database: no float to round per marker in Python.
    rows = list(
        filterset.qs.filter(latitude__isnull=False)
        .order_by("pk")
        .annotate(
            lat=Cast(Round(F("latitude") * scale), IntegerField()),
            lon=Cast(Round(F("longitude") * scale), IntegerField()),
        )
        .values_list("pk", "lat", "lon", "category_id")
    )
    ids, lats, lons, kinds = zip(*rows, strict=True) if rows else ((),) * 4
    return {
        "format": 2,
        "count": len(rows),
        "scale": scale,
        "legend": [
            {"name": name, "colour": colour, "icon": icon}
            for _pk, name, colour, icon in categories
        ],
        "ids": _deltas(ids),
        "lat": _deltas(lats),
        "lon": _deltas(lons),
        "kinds": [index.get(kind, 0) for kind in kinds],
        "errors": {
            name: [error["message"] for error in errors.get_json_data()]
            for name, errors in filterset.errors.items()
        },
    }


@require_GET
def map_popup(request, pk):
    """What a marker's popup shows, fetched only when it opens."""
    initiative = get_object_or_404(
        Initiative.objects.published().select_related("category", "commune"), pk=pk
    )
    return JsonResponse(
        {
            "name": initiative.name,
            "summary": initiative.summary,
            "category": initiative.category.name,
            "commune": initiative.commune.name,
            "url": initiative.get_absolute_url(),
        }
    )


EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", exports.csv_lines),
    "geojson": ("application/geo+json", exports.geojson_chunks),
    "json": ("application/json", exports.json_chunks),
}


@pagecache.exempt
@require_GET
def export(request, fmt):
    """The currently filtered set, streamed so large sets never sit in memory."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("Format d'export inconnu."))
    filterset = published_filter(request.GET)
    if filterset.is_bound and not filterset.is_valid():
        lines = [
            f"{field} : {error}"
            for field, errors in filterset.errors.items()
            for error in errors
        ]
        return HttpResponseBadRequest(
            _("Filtre invalide, rien n'a été exporté.") + "\n" + "\n".join(lines),
            content_type="text/plain; charset=utf-8",
        )
    content_type, chunks = EXPORT_FORMATS[fmt]
    response = StreamingHttpResponse(chunks(filterset.qs), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="initiatives.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


class OpenDataView(TemplateView):
    template_name = "initiatives/open_data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            columns=exports.PUBLIC_COLUMNS,
            separator=exports.MULTI_SEPARATOR.strip(),
            list_url=reverse("initiatives:list"),
            map_url=reverse("initiatives:map"),
            embed_url=self.request.build_absolute_uri(reverse("initiatives:embed")),
        )
        return context


# Public submission, change proposals, detail page and moderation (issue 3,
# part A). Workflows live in services.py; these views parse, call and render.


def _rate_limited(request, scope: str) -> bool:
    """Check, then count this post among the attempts."""
    ip = ratelimit.client_ip(request)
    limited = services.rate_limit_exceeded(ip=ip, scope=scope)
    services.rate_limit_count(ip=ip, scope=f"{scope}-attempts")
    return limited


RATE_LIMIT_MESSAGE = _lazy(
    "Trop d'envois depuis votre connexion dans la dernière heure. Pour éviter les "
    "abus, attendez une heure avant de réessayer ; rien de ce que vous avez tapé "
    "n'est perdu si vous gardez cette page ouverte."
)


def submit(request):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    status = 200
    if request.method == "POST":
        form = InitiativeSubmissionForm(request.POST, request.FILES)
        if _rate_limited(request, "submit"):
            form.is_valid()
            form.add_error(None, str(RATE_LIMIT_MESSAGE))
            status = 429
        elif form.is_valid():
            data = dict(form.cleaned_data)
            services.initiative_submit(
                data=data,
                image=data.pop("image", None),
                ip=ratelimit.client_ip(request),
            )
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
    if _rate_limited(request, "geocode"):
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


class SubmittedView(TemplateView):
    template_name = "initiatives/initiative_submitted.html"


class InitiativeDetailView(DetailView):
    template_name = "initiatives/initiative_detail.html"
    context_object_name = "initiative"

    def get_queryset(self):
        qs = Initiative.objects.select_related(
            "category", "commune__parent", "commune__epci"
        ).prefetch_related("families", "action_levels", "resources", "tags")
        if roles.is_moderator(self.request.user):
            return qs
        # Nothing a citizen submits shows before approval; archives leave too.
        return qs.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        initiative = self.object
        context.update(
            can_moderate=roles.is_moderator(self.request.user),
            show_private=roles.is_agent(self.request.user),
            nearby=services.nearby_initiatives(initiative),
            related=registry.related(initiative),
            tags=initiative.tags.all(),
            map_point=_map_point(initiative),
        )
        return context


def _map_point(initiative):
    if not initiative.has_coordinates:
        return None
    return {
        "lat": initiative.latitude,
        "lon": initiative.longitude,
        "name": initiative.name,
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
    }


def propose_change(request, slug):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    initiative = get_object_or_404(Initiative.objects.published(), slug=slug)
    status = 200
    if request.method == "POST":
        form = ChangeProposalForm(request.POST, initiative=initiative)
        if _rate_limited(request, "proposal"):
            form.is_valid()
            form.add_error(None, str(RATE_LIMIT_MESSAGE))
            status = 429
        elif form.is_valid():
            services.proposal_submit(
                initiative=initiative,
                changes=form.changes(),
                message=form.cleaned_data["message"],
                contact_email=form.cleaned_data["contact_email"],
                ip=ratelimit.client_ip(request),
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


# Moderation (group Modération) ---------------------------------------------

QUEUE_SIZE = 100


@role_required(roles.MODERATION)
@require_GET
def moderation_queue(request):
    """Oldest first, with likely duplicates; a constant number of queries."""
    pending = Initiative.objects.pending()
    initiatives = list(
        pending.select_related("category", "commune").order_by("created_at", "pk")[
            :QUEUE_SIZE
        ]
    )
    proposals_qs = ChangeProposal.objects.filter(status=ChangeProposal.Status.PENDING)
    proposals = list(
        proposals_qs.select_related("initiative__commune").order_by("created_at", "pk")[
            :QUEUE_SIZE
        ]
    )
    duplicates = services.likely_duplicates(initiatives)
    for initiative in initiatives:
        initiative.duplicates = duplicates.get(initiative.pk, [])
    return render(
        request,
        "initiatives/moderation_queue.html",
        {
            "initiatives": initiatives,
            "initiative_total": pending.count(),
            "proposals": proposals,
            "proposal_total": proposals_qs.count(),
            "spam_form": SpamForm(),
        },
    )


def _moderated_initiative(pk):
    return get_object_or_404(
        Initiative.objects.select_related("category", "commune"), pk=pk
    )


@role_required(roles.MODERATION)
def moderate_initiative(request, pk):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    initiative = _moderated_initiative(pk)
    pending = initiative.status == Initiative.Status.PENDING
    if request.method == "POST":
        if not pending:
            messages.error(request, _("Cette fiche a déjà été traitée."))
            return redirect("initiatives:moderate_initiative", pk=pk)
        # The form edits its own copy, so the service still sees the old values
        # and can record what the moderator changed.
        form = ModerationEditForm(request.POST, instance=_moderated_initiative(pk))
        if form.is_valid():
            services.initiative_approve(
                initiative=initiative, by=request.user, data=form.cleaned_data
            )
            messages.success(
                request,
                _("« %(name)s » est publiée.") % {"name": initiative.name},
            )
            return redirect("initiatives:moderation")
    else:
        form = ModerationEditForm(instance=initiative)
    return render(
        request,
        "initiatives/moderation_initiative.html",
        {
            "initiative": initiative,
            "form": form,
            "pending": pending,
            "reject_form": RejectForm(),
            "archive_form": ArchiveForm(),
            "duplicates": services.likely_duplicates([initiative])[initiative.pk],
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(roles.MODERATION)
@require_POST
def reject_initiative(request, pk):
    initiative = _moderated_initiative(pk)
    if initiative.status != Initiative.Status.PENDING:
        messages.error(request, _("Cette fiche a déjà été traitée."))
        return redirect("initiatives:moderate_initiative", pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Indiquez le motif du refus : il est envoyé à la personne.")
        )
        return redirect("initiatives:moderate_initiative", pk=pk)
    services.initiative_reject(
        initiative=initiative, by=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(
        request, _("« %(name)s » est refusée.") % {"name": initiative.name}
    )
    return redirect("initiatives:moderation")


@role_required(roles.MODERATION)
@require_POST
def archive_initiative(request, pk):
    initiative = _moderated_initiative(pk)
    form = ArchiveForm(request.POST)
    if initiative.status != Initiative.Status.PUBLISHED or not form.is_valid():
        messages.error(request, _("Seule une fiche publiée peut être archivée."))
        return redirect("initiatives:moderate_initiative", pk=pk)
    services.initiative_archive(
        initiative=initiative, by=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(
        request,
        _("« %(name)s » est archivée : elle n'est plus visible du public.")
        % {"name": initiative.name},
    )
    return redirect("initiatives:history", pk=pk)


@role_required(roles.MODERATION)
@require_POST
def reject_spam(request):
    pending = Initiative.objects.pending().values_list("pk", "name")
    form = SpamForm(request.POST, choices=list(pending))
    if form.is_valid():
        count = services.initiatives_reject_as_spam(
            pks=form.cleaned_data["selected"], by=request.user
        )
        messages.success(
            request,
            ngettext(
                "%(count)d proposition refusée comme indésirable.",
                "%(count)d propositions refusées comme indésirables.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.error(request, " ".join(form.errors.get("selected", [])))
    return redirect("initiatives:moderation")


@role_required(roles.MODERATION)
def moderate_proposal(request, pk):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    proposal = get_object_or_404(
        ChangeProposal.objects.select_related("initiative__commune"), pk=pk
    )
    pending = proposal.status == ChangeProposal.Status.PENDING
    if request.method == "POST":
        form = ProposalDecisionForm(request.POST, proposal=proposal)
        if not pending:
            messages.error(request, _("Cette proposition a déjà été traitée."))
            return redirect(proposal)
        if form.is_valid():
            services.proposal_accept(
                proposal=proposal, by=request.user, changes=form.cleaned_data
            )
            messages.success(
                request,
                _("La modification de « %(name)s » est appliquée.")
                % {"name": proposal.initiative.name},
            )
            return redirect("initiatives:moderation")
    else:
        form = ProposalDecisionForm(proposal=proposal)
    rows = [
        (form[field], getattr(proposal.initiative, field))
        for field in proposal.changes
        if field in form.fields
    ]
    return render(
        request,
        "initiatives/moderation_proposal.html",
        {
            "proposal": proposal,
            "form": form,
            "rows": rows,
            "pending": pending,
            "reject_form": RejectForm(),
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(roles.MODERATION)
@require_POST
def reject_proposal(request, pk):
    proposal = get_object_or_404(ChangeProposal, pk=pk)
    form = RejectForm(request.POST)
    if proposal.status != ChangeProposal.Status.PENDING:
        messages.error(request, _("Cette proposition a déjà été traitée."))
    elif not form.is_valid():
        messages.error(request, _("Indiquez le motif du refus."))
    else:
        services.proposal_reject(
            proposal=proposal, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("La proposition de modification est refusée."))
        return redirect("initiatives:moderation")
    return redirect(proposal)


@role_required(roles.MODERATION)
@require_GET
def initiative_history(request, pk):
    initiative = _moderated_initiative(pk)
    events = list(
        initiative.events.select_related("actor", "proposal").order_by("at", "pk")
    )
    labels = {
        f.name: f.verbose_name
        for f in Initiative._meta.get_fields()
        if hasattr(f, "verbose_name")
    }
    for event in events:
        # Field names are stored; people read the French labels.
        event.change_rows = [
            (labels.get(name, name), values[0], values[1])
            for name, values in event.changes.items()
            if isinstance(values, list) and len(values) == 2
        ]
    return render(
        request,
        "initiatives/moderation_history.html",
        {"initiative": initiative, "events": events},
    )
