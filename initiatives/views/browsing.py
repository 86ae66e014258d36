"""Browsing the published initiatives: list, map, embeddable map, detail page
and the open-data exports. Every list view reads the same filter query string."""

import gzip
import hashlib
import json
import operator
from itertools import repeat

from csp.decorators import csp_replace
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, Func, IntegerField
from django.db.models.functions import Cast
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotModified,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from initiatives import exports, filters, services
from initiatives.filters import (
    InitiativeFilter,
    facets,
    filtered_total,
    published_filter,
    valid_values,
)
from initiatives.forms import PlaceForm
from initiatives.models import Category, Initiative
from observatoire import pagecache, registry, roles, versions
from observatoire.fields import CHOSEN_SUFFIX
from observatoire.pagination import KeysFirstPaginator

PAGE_SIZE = 20
MAP_CACHE_SECONDS = 15 * 60
# 1/100,000 of a degree: about a metre, finer than any address.
MAP_COORDINATE_SCALE = 100_000
EMBED_LIST_SIZE = 50
# All the markers of France gzip-compressed weigh about 800 KB: reading them
# from a database cache table on every request costs more than the rest of
# the request. A few of the most asked filters, in each process.
MAP_MEMO = versions.Memo(max_bytes=16 * 1024 * 1024, size=lambda e: len(e["body"]))


def _filter_query(request, *drop: str) -> str:
    data = request.GET.copy()
    for key in ("page", *drop):
        data.pop(key, None)
    return data.urlencode()


def _place_redirect(request, place_form: PlaceForm):
    """Turn a typed place (`lieu`) into the `territoire` facet of the URL."""
    if not request.GET.get("lieu", "").strip() or not place_form.is_valid():
        return None
    data = request.GET.copy()
    data.pop("lieu")
    data.pop("lieu" + CHOSEN_SUFFIX, None)
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

    def filter_error(self) -> bool:
        """A filter value or a typed place that could not be understood.

        Then nothing is listed: dropping the faulty value would show the whole
        inventory under a heading that reads as if it were filtered."""
        return bool(self.place_form.errors) or (
            self.filterset.is_bound and not self.filterset.is_valid()
        )

    def paginate_queryset(self, queryset, page_size):
        if self.filter_error():
            queryset = queryset.none()
            self.facets = []
            paginator = self.get_paginator(queryset, page_size)
            paginator.count = 0
            page = paginator.get_page(1)
            self.page_invalid = False
            return paginator, page, page.object_list, False
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
            filter_error=self.filter_error(),
            active_filters=sum(
                1
                for name in self.filterset.filters
                if name != "tri" and any(self.request.GET.getlist(name))
            ),
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
    changes (observatoire.versions, the biggest answers in each process too),
    and revalidated by ETag."""
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
    entry, current = versions.fetch(key, scopes=filters.SCOPES, memo=MAP_MEMO)
    if entry is None:
        entry = _markers_entry(published_filter(request.GET), encoding)
        versions.store(
            key, entry, versions=current, timeout=MAP_CACHE_SECONDS, memo=MAP_MEMO
        )
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


def _marker_rows(filterset) -> list[tuple[int, int, int, int]]:
    """(id, latitude × scale, longitude × scale, kind) of each located
    initiative, in id order, read with a bare cursor: 100,000 tuples through
    the ORM's row iterator cost more than the query itself."""
    if filterset.errors:
        # Under a filter error, no marker: the whole map would pass for filtered.
        return []
    scale = MAP_COORDINATE_SCALE
    # Integers from the database: no float to round per marker in Python.
    # The plain ROUND of a float, not Django's Round: on PostgreSQL that one
    # goes through numeric(1000, 15), fifteen times slower on 100,000 rows.
    queryset = (
        filterset.qs.filter(latitude__isnull=False)
        .order_by("pk")
        .annotate(
            lat=Cast(Func(F("latitude") * scale, function="ROUND"), IntegerField()),
            lon=Cast(Func(F("longitude") * scale, function="ROUND"), IntegerField()),
        )
        .values_list("pk", "lat", "lon", "category_id")
    )
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an empty IN)
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _markers(filterset) -> dict:
    categories = list(Category.objects.values_list("pk", "name", "colour", "icon"))
    index = {pk: position for position, (pk, *_rest) in enumerate(categories)}
    scale = MAP_COORDINATE_SCALE
    rows = _marker_rows(filterset)
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
        "kinds": list(map(index.get, kinds, repeat(0))),
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
    # For a person with a spreadsheet: French headers, dates and decimals.
    "tableur.csv": ("text/csv; charset=utf-8", exports.spreadsheet_lines),
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
    response["Content-Disposition"] = (
        f'attachment; filename="{export_filename(filterset, fmt)}"'
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def export_filename(filterset, fmt: str) -> str:
    """« initiatives_finistere-29_jardin-partage_2026-12-01.csv »: what the
    file holds and when, so that two downloads never overwrite each other."""
    parts = ["initiatives"]
    for name, value in filters.canonical_values(filterset):
        if isinstance(value, str):
            parts.append(slugify(value)[:30] if name == "q" else slugify(value))
        else:
            parts.extend(slugify(str(item)) for item in value)
    parts.append(timezone.localdate().isoformat())
    extension = "csv" if fmt.endswith("csv") else fmt
    stem = "_".join(part for part in parts if part)[:150]
    return f"{stem}.{extension}"


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
