"""The project's URLs plus a page that shows two choropleth maps, for the
browser tests: the portrait pages that use the maps are built elsewhere."""

import gzip
import json

from django.conf import settings
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from observatoire.choropleth import render_choropleth
from observatoire.models import Territory
from observatoire.urls import urlpatterns as site_urlpatterns

PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Cartes{% endblock %}'
    "{% block content %}<h1>Cartes</h1>{{ france }}{{ finistere }}{% endblock %}"
)


def maps(request):
    path_ = settings.BASE_DIR / "fixtures" / "territories" / "territories.jsonl.gz"
    with gzip.open(path_, "rt", encoding="utf-8") as file:
        records = [json.loads(line) for line in file]

    def rows(kind, keep):
        chosen = [r for r in records if r["kind"] == kind and keep(r)]
        return [
            (
                Territory(kind=kind, code=r["code"], name=r["name"]),
                None if i % 7 == 3 else (i % 13) * 1.25,
                f"/cartes/?choisi={r['code']}",
            )
            for i, r in enumerate(chosen)
        ]

    france = render_choropleth(
        None,
        rows("departement", lambda r: True),
        caption="Initiatives pour 10 000 habitants par département",
    )
    finistere = render_choropleth(
        Territory(kind="departement", code="29", name="Finistère"),
        rows("commune", lambda r: r["parent"] == "29"),
        caption="Initiatives pour 10 000 habitants par commune du Finistère",
    )
    return HttpResponse(
        PAGE.render({"france": france, "finistere": finistere}, request)
    )


urlpatterns = [path("cartes/", maps), *site_urlpatterns]
