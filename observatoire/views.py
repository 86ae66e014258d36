from django.contrib.auth import views as auth_views
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, TemplateView
from taggit.models import Tag

from observatoire import registry, roles
from observatoire.forms import DashboardForm
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


class TerritoryDetailView(DetailView):
    model = Territory
    template_name = "observatoire/territory_detail.html"
    context_object_name = "territory"

    def get_queryset(self):
        return Territory.objects.select_related("parent__parent", "epci")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        blocks = []
        for entry, qs in registry.in_territory(self.object):
            blocks.append((entry, qs.count(), list(qs[:12])))
        context["blocks"] = blocks
        return context


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


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


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
    # Minimal context: the database may be what failed.
    return render(request, "500.html", status=500)
