from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from django_filters.views import FilterView

from initiatives import exports
from initiatives.filters import InitiativeFilter, facets, published_filter
from initiatives.models import Category, Initiative
from observatoire.models import Territory

# Browsing, map, embeddable map and open-data exports (issue 3, part B).
# Every view here reads the same filter query string.

PAGE_SIZE = 20
EMBED_LIST_SIZE = 50


def _filter_query(request, *drop: str) -> str:
    data = request.GET.copy()
    for key in ("page", *drop):
        data.pop(key, None)
    return data.urlencode()


def _place_redirect(request):
    """Turn a typed place name or code (`lieu`) into the `territoire` facet."""
    typed = request.GET.get("lieu", "").strip()[:100]
    if not typed:
        return None
    data = request.GET.copy()
    data.pop("lieu")
    data.pop("page", None)
    place = Territory.objects.search(typed).ranked().first()
    if place is None:
        messages.warning(
            request,
            _("Aucun territoire ne correspond à « %(lieu)s ».") % {"lieu": typed},
        )
    else:
        data["territoire"] = place.slug
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
        return _place_redirect(request) or super().get(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["queryset"] = Initiative.objects.published().select_related(
            "category", "commune"
        )
        return kwargs

    def paginate_queryset(self, queryset, page_size):
        # A wrong or out-of-range page number shows the nearest page, not a 404.
        paginator = self.get_paginator(queryset, page_size)
        asked = self.request.GET.get("page", "")
        page = paginator.get_page(asked)
        self.page_invalid = bool(asked) and asked != str(page.number)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        context.update(
            facets=facets(self.filterset) if self.with_facets else [],
            territory=form.cleaned_data.get("territoire") if form.is_valid() else None,
            querystring_without_page=_filter_query(self.request),
            filter_query=_filter_query(self.request),
            page_invalid=getattr(self, "page_invalid", False),
            typed_place=self.request.GET.get("lieu", ""),
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
                "open": _("Voir la fiche"),
                "legend": _("Légende"),
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


@require_GET
def map_data(request):
    """Compact markers: [id, latitude, longitude, legend index] + the legend."""
    filterset = published_filter(request.GET)
    categories = list(Category.objects.values_list("pk", "name", "colour", "icon"))
    index = {pk: position for position, (pk, *_rest) in enumerate(categories)}
    rows = (
        filterset.qs.filter(latitude__isnull=False)
        .order_by()
        .values_list("pk", "latitude", "longitude", "category_id")
    )
    markers = [
        [pk, round(lat, 5), round(lon, 5), index.get(category_id, 0)]
        for pk, lat, lon, category_id in rows.iterator(chunk_size=5000)
    ]
    legend = [
        {"name": name, "colour": colour, "icon": icon}
        for _pk, name, colour, icon in categories
    ]
    return JsonResponse(
        {"legend": legend, "markers": markers, "errors": filterset.errors},
        json_dumps_params={"separators": (",", ":"), "ensure_ascii": False},
    )


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
