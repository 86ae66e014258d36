from django.urls import path

from observatoire.views import coming_soon

app_name = "ateliers"

# Placeholder route so the navigation resolves; issue #5 replaces it.
urlpatterns = [
    path("", coming_soon, {"title": "Ateliers"}, name="list"),
]
