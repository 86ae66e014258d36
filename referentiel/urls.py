from django.urls import path

from referentiel import views

app_name = "referentiel"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("texte-integral/", views.full_text, name="full_text"),
    path("export.md", views.markdown_export, name="markdown"),
    path("partie/<slug:slug>/", views.PartDetailView.as_view(), name="part"),
    path(
        "partie/<slug:part_slug>/<slug:slug>/",
        views.SectionDetailView.as_view(),
        name="section",
    ),
    path("fiche/<slug:slug>/", views.EntryDetailView.as_view(), name="entry"),
    path("fiche/<slug:slug>/modifier/", views.entry_edit, name="entry_edit"),
    path(
        "fiche/<slug:slug>/deplacer/<str:direction>/",
        views.entry_move,
        name="entry_move",
    ),
    path("autodiagnostic/", views.assessment_start, name="assessment_start"),
    path(
        "autodiagnostic/statistiques/",
        views.assessment_aggregates,
        name="assessment_aggregates",
    ),
    path(
        "autodiagnostic/statistiques/export.csv",
        views.assessment_aggregates_csv,
        name="assessment_aggregates_csv",
    ),
    path("autodiagnostic/<str:token>/", views.assessment_detail, name="assessment"),
    path(
        "autodiagnostic/<str:token>/modifier/",
        views.assessment_edit,
        name="assessment_edit",
    ),
    path(
        "autodiagnostic/<str:token>/export.csv",
        views.assessment_csv,
        name="assessment_csv",
    ),
    path(
        "autodiagnostic/<str:token>/envoyer/",
        views.assessment_send_link,
        name="assessment_send_link",
    ),
    path(
        "autodiagnostic/<str:token>/rattacher/",
        views.assessment_attach,
        name="assessment_attach",
    ),
]
