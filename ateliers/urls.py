from django.urls import path, register_converter

from ateliers import views


class NodeConverter:
    """A node of a workshop's structure, as URLs and page anchors name it."""

    regex = "section|theme|item"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class NodeActionConverter(NodeConverter):
    regex = "up|down|delete|indent|outdent|move"


register_converter(NodeConverter, "node")
register_converter(NodeActionConverter, "node_action")

app_name = "ateliers"

urlpatterns = [
    path("", views.WorkshopListView.as_view(), name="list"),
    path("nouveau/", views.workshop_create, name="create"),
    path("importer/", views.workshop_import, name="import"),
    path("importer/apercu/", views.workshop_import_preview, name="import_preview"),
    path("corbeille/", views.workshop_trash_list, name="trash"),
    path("corbeille/<int:pk>/restaurer/", views.workshop_restore, name="restore"),
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
    path("<slug:slug>/supprimer/", views.workshop_delete, name="delete"),
    path("<slug:slug>/schema/", views.workshop_image, name="image"),
    path("<slug:slug>/sections/ajouter/", views.section_add, name="section_add"),
    path(
        "<slug:slug>/<node:kind>/<int:pk>/modifier/",
        views.object_update,
        name="object_update",
    ),
    path(
        "<slug:slug>/<node:kind>/<int:pk>/ajouter-<node:child>/",
        views.child_add,
        name="child_add",
    ),
    path(
        "<slug:slug>/<node:kind>/<int:pk>/<node_action:action>/",
        views.object_action,
        name="object_action",
    ),
    path(
        "<slug:slug>/<str:kind>/<int:pk>/<str:rest>/",
        views.legacy_redirect,
    ),
]
