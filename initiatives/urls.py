from django.urls import path

from observatoire.views import coming_soon

app_name = "initiatives"

# Placeholder routes so the navigation resolves; issue #3 replaces them.
urlpatterns = [
    path("initiatives/", coming_soon, {"title": "Initiatives"}, name="list"),
    path("carte/", coming_soon, {"title": "Carte des initiatives"}, name="map"),
    path(
        "initiatives/proposer/",
        coming_soon,
        {"title": "Proposer une initiative"},
        name="submit",
    ),
    path(
        "initiatives/<slug:slug>/",
        coming_soon,
        {"title": "Initiative"},
        name="detail",
    ),
]
