from django.urls import path

from initiatives import views
from observatoire.views import coming_soon

app_name = "initiatives"

# Placeholder routes so the navigation resolves; issue #3 replaces them.
urlpatterns = [
    # Browsing, map, embed and open data (part B).
    path("initiatives/", views.InitiativeListView.as_view(), name="list"),
    path(
        "initiatives/export.<str:fmt>",
        views.export,
        name="export",
    ),
    path("carte/", views.InitiativeMapView.as_view(), name="map"),
    path("carte/embed/", views.InitiativeEmbedView.as_view(), name="embed"),
    path("carte/donnees.json", views.map_data, name="map_data"),
    path("carte/fiche/<int:pk>.json", views.map_popup, name="map_popup"),
    path("donnees-ouvertes/", views.OpenDataView.as_view(), name="open_data"),
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
