from django.urls import path

from observatoire.views import coming_soon

app_name = "referentiel"

# Placeholder route so the navigation resolves; issue #4 replaces it.
urlpatterns = [
    path("", coming_soon, {"title": "Référentiel"}, name="overview"),
]
