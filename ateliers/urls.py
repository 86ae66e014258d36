from django.urls import path

from ateliers import views

app_name = "ateliers"

urlpatterns = [
    path("", views.WorkshopListView.as_view(), name="list"),
    path("nouveau/", views.workshop_create, name="create"),
    path("importer/", views.workshop_import, name="import"),
    path("importer/apercu/", views.workshop_import_preview, name="import_preview"),
    path(
        "points-de-vigilance/",
        views.GatheredView.as_view(gathered="vigilance"),
        name="vigilance",
    ),
    path(
        "opportunites/",
        views.GatheredView.as_view(gathered="opportunites"),
        name="opportunites",
    ),
    path("enjeux/", views.GatheredView.as_view(gathered="enjeux"), name="enjeux"),
    path(
        "a-enqueter/",
        views.GatheredView.as_view(gathered="a_enqueter"),
        name="a_enqueter",
    ),
    path("<slug:slug>/", views.WorkshopDetailView.as_view(), name="detail"),
    path(
        "<slug:slug>/imprimer/",
        views.WorkshopDetailView.as_view(printable=True),
        name="print",
    ),
    path("<slug:slug>/markdown/", views.workshop_markdown, name="markdown"),
    path("<slug:slug>/modifier/", views.workshop_edit, name="edit"),
    path("<slug:slug>/publication/", views.workshop_publish, name="publish"),
    path("<slug:slug>/schema/", views.workshop_image, name="image"),
    path("<slug:slug>/sections/ajouter/", views.section_add, name="section_add"),
    path(
        "<slug:slug>/<str:kind>/<int:pk>/modifier/",
        views.object_update,
        name="object_update",
    ),
    path(
        "<slug:slug>/<str:kind>/<int:pk>/ajouter-<str:child>/",
        views.child_add,
        name="child_add",
    ),
    path(
        "<slug:slug>/<str:kind>/<int:pk>/<str:action>/",
        views.object_action,
        name="object_action",
    ),
]
