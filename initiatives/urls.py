from django.urls import path

from initiatives.views import browsing, moderation, submission

app_name = "initiatives"

urlpatterns = [
    path("initiatives/", browsing.InitiativeListView.as_view(), name="list"),
    path(
        "initiatives/export.<str:fmt>",
        browsing.export,
        name="export",
    ),
    path("carte/", browsing.InitiativeMapView.as_view(), name="map"),
    path("carte/embed/", browsing.InitiativeEmbedView.as_view(), name="embed"),
    path("carte/donnees.json", browsing.map_data, name="map_data"),
    path("carte/fiche/<int:pk>.json", browsing.map_popup, name="map_popup"),
    path("donnees-ouvertes/", browsing.OpenDataView.as_view(), name="open_data"),
    path("initiatives/proposer/", submission.submit, name="submit"),
    path(
        "initiatives/proposer/geocodage.json",
        submission.geocode_address,
        name="geocode",
    ),
    path(
        "initiatives/proposer/merci/",
        submission.SubmittedView.as_view(),
        name="submitted",
    ),
    path(
        "initiatives/<slug:slug>/",
        browsing.InitiativeDetailView.as_view(),
        name="detail",
    ),
    path(
        "initiatives/<slug:slug>/signaler/",
        submission.propose_change,
        name="propose_change",
    ),
    path("moderation/", moderation.moderation_queue, name="moderation"),
    path("moderation/indesirables/", moderation.reject_spam, name="reject_spam"),
    path("moderation/selection/", moderation.bulk_decide, name="bulk_decide"),
    path(
        "moderation/initiatives/<int:pk>/",
        moderation.moderate_initiative,
        name="moderate_initiative",
    ),
    path(
        "moderation/initiatives/<int:pk>/refuser/",
        moderation.reject_initiative,
        name="reject_initiative",
    ),
    path(
        "moderation/initiatives/<int:pk>/archiver/",
        moderation.archive_initiative,
        name="archive_initiative",
    ),
    path(
        "moderation/initiatives/<int:pk>/comparer/<int:other>/",
        moderation.compare_initiatives,
        name="compare",
    ),
    path(
        "moderation/initiatives/<int:pk>/historique/",
        moderation.initiative_history,
        name="history",
    ),
    path(
        "moderation/modifications/<int:pk>/",
        moderation.moderate_proposal,
        name="moderate_proposal",
    ),
    path(
        "moderation/modifications/<int:pk>/refuser/",
        moderation.reject_proposal,
        name="reject_proposal",
    ),
]
