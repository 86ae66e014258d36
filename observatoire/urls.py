from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView
from django.views.static import serve

from observatoire import feeds, territory_views, views
from observatoire.forms import LoginForm
from observatoire.sitemaps import sitemaps

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(
        "a-propos/",
        TemplateView.as_view(template_name="observatoire/about.html"),
        name="about",
    ),
    path(
        "mentions-legales/",
        TemplateView.as_view(template_name="observatoire/legal.html"),
        name="legal",
    ),
    path(
        "accessibilite/",
        TemplateView.as_view(template_name="observatoire/accessibility.html"),
        name="accessibility",
    ),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("recherche/", views.search_page, name="search"),
    path("flux/", feeds.NewContentFeed(), name="feed"),
    path("flux/territoires/<slug:slug>/", feeds.TerritoryFeed(), name="territory_feed"),
    path("flux/tags/<slug:slug>/", feeds.TagFeed(), name="tag_feed"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag_detail"),
    path(
        "territoires/recherche/",
        views.territory_search,
        name="territory_search",
    ),
    path("territoires/", territory_views.territory_index, name="territory_index"),
    path(
        "territoires/comparer/",
        territory_views.territory_compare,
        name="territory_compare",
    ),
    path(
        "territoires/comparer/csv/",
        territory_views.territory_compare_csv,
        name="territory_compare_csv",
    ),
    path(
        "territoires/<slug:slug>/",
        territory_views.territory_detail,
        name="territory_detail",
    ),
    path(
        "territoires/<slug:slug>/csv/<slug:table>/",
        territory_views.territory_csv,
        name="territory_csv",
    ),
    path(
        "compte/connexion/",
        views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("compte/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("admin/", admin.site.urls),
    path("referentiel/", include("referentiel.urls")),
    path("ateliers/", include("ateliers.urls")),
    path("", include("initiatives.urls")),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    # Uploaded media; production serves them from the web server or the storage.
    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]

handler400 = "observatoire.views.error_400"
handler403 = "observatoire.views.error_403"
handler404 = "observatoire.views.error_404"
handler500 = "observatoire.views.error_500"
