import sys
import time
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from taggit.models import Tag

from observatoire import outage, registry, roles, search
from observatoire.forms import DashboardForm, SearchForm
from observatoire.models import Territory
from observatoire.roles import role_required
from observatoire.text import fold

TERRITORY_SEARCH_LIMIT = 10


class LoginView(auth_views.LoginView):
    """Each role lands where its work is, unless `next` asks for a page."""

    def get_default_redirect_url(self):
        return roles.landing_url(self.request.user)


class HomeView(TemplateView):
    template_name = "observatoire/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = [
            (entry, entry.public().count())
            for entry in registry.registered()
            if entry.territory_field
        ]
        context["figures"] = [
            (entry.count_label(count), count) for entry, count in counts
        ]
        return context


@require_GET
@role_required(roles.AGENTS, roles.MODERATION, roles.ANIMATION)
def dashboard(request):
    """The team's private dashboard: each app's indicators, for the whole platform
    or inside one territory."""
    form = DashboardForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # No figures under a territory that could not be understood: the whole
        # platform's would read as that territory's.
        blocks, territory = [], None
    else:
        territory = form.cleaned_data["territory"] if form.is_bound else None
        blocks = registry.indicators(territory, request.user)
    return render(
        request,
        "observatoire/dashboard.html",
        {"form": form, "territory": territory, "blocks": blocks},
    )


@require_GET
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    blocks = [(entry, list(qs[:200])) for entry, qs in registry.tagged(slug)]
    return render(
        request,
        "observatoire/tag_detail.html",
        {"tag": tag, "blocks": [(e, objs) for e, objs in blocks if objs]},
    )


@require_GET
@cache_control(max_age=3600)
def territory_search(request):
    """Territories matching ?q= (name, postal code or code), biggest first, as JSON
    for the autocomplete; ?kind= (repeatable) narrows the types."""
    query = request.GET.get("q", "")[:100]
    kinds = request.GET.getlist("kind")
    results = []
    if len(fold(query)) >= 2:
        territories = Territory.objects.search(query).select_related("parent")
        if kinds:
            territories = territories.filter(kind__in=kinds)
        results = [
            {
                "id": territory.pk,
                "slug": territory.slug,
                "label": territory.label,
                "kind_label": territory.get_kind_display(),
                "code": territory.code,
                "kind": territory.kind,
                "postal_codes": territory.postal_code_list,
            }
            for territory in territories.ranked()[:TERRITORY_SEARCH_LIMIT]
        ]
    return JsonResponse({"results": results})


HEALTH_CACHE_KEY = "healthz:probe"


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unreachable"
    return "ok"


def _cache_state() -> str:
    # A write and a read back: a cache that accepts nothing is as bad as none.
    probe = str(time.time())
    try:
        cache.set(HEALTH_CACHE_KEY, probe, 60)
        if cache.get(HEALTH_CACHE_KEY) != probe:
            return "unreachable"
    except Exception:  # noqa: BLE001 - any backend (Redis, database) may fail its own way
        return "unreachable"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitoring: each component's state, 503 if one is
    down (the load balancer then stops sending visitors to this node)."""
    states = {"database": _database_state(), "cache": _cache_state()}
    healthy = all(state == "ok" for state in states.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **states},
        status=200 if healthy else 503,
    )


@require_GET
def robots_txt(request):
    private = [
        reverse("admin:index"),
        _folder(reverse("login")),
        reverse("initiatives:moderation"),
        reverse("dashboard"),
        # Exports and map data are for programs, and costly to crawl.
        reverse("initiatives:export", args=["csv"]).removesuffix("csv"),
        reverse("initiatives:map_data"),
        # Every query is a new URL: endless for a crawler, and not content.
        reverse("search"),
        _folder(reverse("initiatives:map_popup", args=[0])),
    ]
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in private),
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def _folder(path: str) -> str:
    """The folder a URL sits in: "/compte/" for "/compte/connexion/"."""
    return path.rstrip("/").rsplit("/", 1)[0] + "/"


def error_400(request, exception=None):
    return render(request, "400.html", status=400)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # Rendered without the request: context processors read the session and the
    # user's groups, and the database may be what failed.
    if outage.is_database_down(sys.exc_info()[1]):
        return outage.unavailable_response(request)
    return HttpResponseServerError(render_to_string("500.html"))


SEARCH_PREVIEW = 5
SEARCH_PAGE_SIZE = 20


class _PartResults:
    """One part's matches, sliced by the paginator: a page is one query."""

    def __init__(self, query: str, kind: str, total: int):
        self.query, self.kind, self.total = query, kind, total

    def count(self) -> int:
        return self.total

    def __getitem__(self, window: slice):
        return search.hits(
            self.query, self.kind, limit=window.stop - window.start, offset=window.start
        )


@require_GET
def search_page(request):
    """Every part's best matches with their counts, or one part paginated
    (?partie=…): one query for the counts, one per part shown."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    query = search.clean_query(query)
    chosen = search.part(request.GET.get("partie", ""))
    counts = search.counts(query) if query else {}
    blocks, page_obj = [], None
    if chosen is not None:
        results = _PartResults(query, chosen.kind, counts.get(chosen.kind, 0))
        page_obj = Paginator(results, SEARCH_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        blocks.append((chosen, counts.get(chosen.kind, 0), page_obj.object_list))
    else:
        for part in search.parts():
            total = counts.get(part.kind, 0)
            if total:
                hits = search.hits(query, part.kind, limit=SEARCH_PREVIEW)
                blocks.append((part, total, hits))
    return render(
        request,
        "observatoire/search.html",
        {
            "form": form,
            "query": query,
            "searched": search.has_words(query),
            "chosen": chosen,
            "blocks": blocks,
            "total": sum(counts.values()),
            "page_obj": page_obj,
            "querystring_without_page": urlencode(
                {"q": query, "partie": chosen.kind} if chosen else {"q": query}
            ),
        },
    )
