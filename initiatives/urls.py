from django.urls import path

from initiatives import views

app_name = "initiatives"

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
    # Public submission, change proposals, detail page, moderation (part A).
    path("initiatives/proposer/", views.submit, name="submit"),
    path(
        "initiatives/proposer/geocodage.json",
        views.geocode_address,
        name="geocode",
    ),
    path(
        "initiatives/proposer/merci/",
        views.SubmittedView.as_view(),
        name="submitted",
    ),
    path(
        "initiatives/<slug:slug>/",
        views.InitiativeDetailView.as_view(),
        name="detail",
    ),
    path(
        "initiatives/<slug:slug>/signaler/",
        views.propose_change,
        name="propose_change",
    ),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/indesirables/", views.reject_spam, name="reject_spam"),
    path(
        "moderation/initiatives/<int:pk>/",
        views.moderate_initiative,
        name="moderate_initiative",
    ),
    path(
        "moderation/initiatives/<int:pk>/refuser/",
        views.reject_initiative,
        name="reject_initiative",
    ),
    path(
        "moderation/initiatives/<int:pk>/archiver/",
        views.archive_initiative,
        name="archive_initiative",
    ),
    path(
        "moderation/initiatives/<int:pk>/historique/",
        views.initiative_history,
        name="history",
    ),
    path(
        "moderation/modifications/<int:pk>/",
        views.moderate_proposal,
        name="moderate_proposal",
    ),
    path(
        "moderation/modifications/<int:pk>/refuser/",
        views.reject_proposal,
        name="reject_proposal",
    ),
]
