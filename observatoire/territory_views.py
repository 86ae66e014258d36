"""Territory portraits, their CSV tables, the comparison and the territory
finder. The figures come from observatoire/indicators.py."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from observatoire import charts, downloads, indicators, roles
from observatoire.choropleth import render_choropleth
from observatoire.fields import TerritoryField
from observatoire.models import Territory

K = Territory.Kind
# Eighteen two-digit codes name both a région and a département ("53":
# Bretagne and Mayenne): the région wins, as in the bench's URLs, and its
# portrait links to the homonym département.
CODE_PRIORITY = [K.FRANCE, K.COMMUNE, K.EPCI, K.REGION, K.DEPARTEMENT]
MAX_TYPED = 200
SORT_COLUMNS = [
    ("nom", gettext_lazy("Territoire")),
    ("initiatives", gettext_lazy("Initiatives publiées")),
    ("densite", gettext_lazy("Pour 10 000 habitants")),
    ("population", gettext_lazy("Population")),
]


def _field() -> TerritoryField:
    return TerritoryField(kinds=CODE_PRIORITY, required=False)


def _by_code(code: str) -> Territory | None:
    found = {t.kind: t for t in Territory.objects.filter(code__iexact=code[:12])}
    return next((found[kind] for kind in CODE_PRIORITY if kind in found), None)


def _not_found(request, typed: str):
    return render(
        request,
        "observatoire/territory_not_found.html",
        {"typed": typed, "field": _finder_input(typed)},
        status=404,
    )


def _finder_input(typed: str) -> str:
    return _field().widget.render(
        "territoire",
        typed[:MAX_TYPED],
        attrs={"id": "id_territoire", "aria-describedby": "id_territoire_help"},
    )


@require_GET
def territory_detail(request, slug):
    territory = indicators.with_ancestors().filter(slug=slug).first()
    if territory is None:
        by_code = _by_code(slug)
        if by_code is not None:
            return redirect(by_code, permanent=True)
        return _not_found(request, slug)
    data = indicators.portrait(territory)
    # The baromètre ranks the régions by density unless asked otherwise.
    default = "-densite" if territory.kind == K.FRANCE else "nom"
    sort = request.GET.get("tri", "")[:20] or default
    tables = []
    for table in data["children"]:
        rows, current = indicators.sort_children(table.rows, sort)
        tables.append((table, rows, current, _map(territory, table.key, rows)))
    context = {
        "territory": territory,
        **data,
        "here": data["figures"][0],
        "parent": data["above"][0] if data["above"] else None,
        "children_tables": tables,
        "sort_columns": SORT_COLUMNS,
        "ranking_map": (
            _map(territory, "classement", data["ranking"]) if data["ranking"] else ""
        ),
        "evolution_series": [_("Créations"), _("Arrêts")],
        "sort": sort,
        "bar_charts": [
            (b, _breakdown_chart(b, len(data["compared"]))) for b in data["breakdowns"]
        ],
        "evolution_chart": _evolution_chart(data["evolution"]),
        "map_url": _with_territory(reverse("initiatives:map"), territory),
        "list_url": _with_territory(reverse("initiatives:list"), territory),
        "homonym": (
            Territory.objects.filter(kind=K.DEPARTEMENT, code=territory.code).first()
            if territory.kind == K.REGION
            else None
        ),
        "agents": (
            indicators.agents_block(territory) if roles.is_agent(request.user) else None
        ),
    }
    return render(request, "observatoire/territory_detail.html", context)


def _map(territory: Territory, key: str, rows) -> str:
    """The children coloured by density (observatoire/choropleth.py)."""
    return render_choropleth(
        None if territory.is_everywhere else territory,
        [(c.territory, c.density, c.territory.get_absolute_url()) for c in rows],
        caption=_("%(name)s : initiatives pour 10 000 habitants")
        % {"name": territory.name},
        decimals=2,
        map_id=key,
    )


def _with_territory(url: str, territory: Territory) -> str:
    if territory.is_everywhere:
        return url
    return url + "?" + urlencode({"territoire": territory.slug})


def _breakdown_chart(breakdown, series: int) -> dict:
    return charts.bars(
        [(row.label, row.shares[:series]) for row in breakdown.rows], as_percent=True
    )


def _evolution_chart(evolution) -> dict:
    return charts.bars(
        [
            (str(year), [births[0], closures[0]])
            for year, births, closures in evolution.years
        ],
        as_percent=False,
    )


@require_GET
def territory_index(request):
    """The territory finder: what was typed, resolved to one portrait."""
    typed = request.GET.get("territoire", "")
    error = ""
    if typed:
        try:
            territory = _field().clean(typed.replace("\x00", "")[:MAX_TYPED])
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            if territory is not None:
                return redirect(territory)
    france = Territory.objects.filter(kind=K.FRANCE).first()
    return render(
        request,
        "observatoire/territory_index.html",
        {
            "typed": typed,
            "error": error,
            "field": _finder_input(typed),
            "france": france,
            "regions": Territory.objects.filter(kind=K.REGION).order_by("name"),
        },
        status=400 if error else 200,
    )


# CSV --------------------------------------------------------------------


def _percent_cell(value):
    return "" if value is None else round(value * 100, 2)


def _density_cell(value):
    return "" if value is None else round(value, 2)


def _portrait_tables(territory: Territory, data: dict) -> dict:
    """Each downloadable table of a portrait: name → rows (header first)."""
    tables = {}
    figures = data["figures"]
    tables["chiffres"] = [
        [
            _("Territoire"),
            _("Type"),
            _("Code"),
            _("Population"),
            _("Initiatives publiées"),
            _("Initiatives pour 10 000 habitants"),
            _("Ateliers"),
            *(str(label) for _key, _kinds, label in indicators.WORKSHOP_KINDS),
            _("Dernière mise à jour"),
        ],
        *(
            [
                f.territory.name,
                f.territory.get_kind_display(),
                f.territory.code,
                f.territory.population,
                f.initiatives,
                _density_cell(f.density),
                f.workshops,
                *(f.items[key] for key, *_rest in indicators.WORKSHOP_KINDS),
                f.last_update.date().isoformat() if f.last_update else "",
            ]
            for f in figures
        ),
    ]
    compared = data["compared"]
    for breakdown in data["breakdowns"]:
        header = [breakdown.title]
        for t in compared:
            header += [
                _("Initiatives — %(name)s") % {"name": t.name},
                _("Part (%%) — %(name)s") % {"name": t.name},
            ]
        rows = [header]
        for row in breakdown.rows:
            cells = [row.label]
            for count, part in zip(row.counts, row.shares, strict=True):
                cells += [count, _percent_cell(part)]
            rows.append(cells)
        tables[breakdown.key] = rows
    tables["evolution"] = _evolution_rows(compared[:1], data["evolution"])
    for table in data["children"]:
        tables[table.key] = _children_rows(table.rows)
    for crosstab in data["crosstabs"]:
        tables[crosstab.key] = [
            [f"{crosstab.row_title} \\ {crosstab.column_title}", *crosstab.columns],
            *([label, *counts] for label, counts in crosstab.rows),
        ]
    if data["ranking"]:
        tables["classement-departements"] = _children_rows(data["ranking"])
    return tables


def _children_rows(children) -> list[list]:
    return [
        [
            _("Territoire"),
            _("Code"),
            _("Population"),
            _("Initiatives publiées"),
            _("Initiatives pour 10 000 habitants"),
        ],
        *(
            [
                child.territory.name,
                child.territory.code,
                child.territory.population,
                child.initiatives,
                _density_cell(child.density),
            ]
            for child in children
        ),
    ]


def _evolution_rows(territories, evolution) -> list[list]:
    header = [_("Année")]
    for t in territories:
        header += [
            _("Créations — %(name)s") % {"name": t.name},
            _("Arrêts — %(name)s") % {"name": t.name},
        ]
    rows = [header]
    for year, births, closures in evolution.years:
        cells = [year]
        for born, stopped in zip(births, closures, strict=True):
            cells += [born, stopped]
        rows.append(cells)
    return rows


@require_GET
def territory_csv(request, slug, table):
    territory = indicators.with_ancestors().filter(slug=slug).first()
    if territory is None:
        raise Http404(_("Territoire inconnu."))
    tables = _portrait_tables(territory, indicators.portrait(territory))
    if table not in tables:
        raise Http404(_("Ce tableau n'existe pas pour ce territoire."))
    return downloads.csv_response(
        tables[table], filename=f"{territory.slug}-{table}.csv"
    )


# Comparison -------------------------------------------------------------


def _chosen(request) -> tuple[list[str], list[Territory], list[str]]:
    """What the visitor typed in the chooser, the territories it names and the
    problems, in French."""
    typed = [value.strip() for value in request.GET.getlist("t")][:20]
    typed = [value for value in typed if value]
    territories, errors = [], []
    field = _field()
    for value in typed:
        if "\x00" in value:
            errors.append(_("Un caractère invalide a été retiré : retapez le nom."))
            continue
        value = value[:MAX_TYPED]
        territory = Territory.objects.filter(slug=value).first()
        if territory is None:
            try:
                territory = field.clean(value)
            except ValidationError as problem:
                errors.extend(problem.messages)
                continue
        if territory is not None and territory not in territories:
            territories.append(territory)
    if typed and not errors:
        if len(territories) < 2:
            errors.append(
                _("Choisissez au moins deux territoires différents à comparer.")
            )
        elif len(territories) > indicators.MAX_COMPARED:
            errors.append(
                ngettext(
                    "On compare au plus %(max)d territoire à la fois.",
                    "On compare au plus %(max)d territoires à la fois.",
                    indicators.MAX_COMPARED,
                )
                % {"max": indicators.MAX_COMPARED}
                + " "
                + _("Vous en avez choisi %(count)d.") % {"count": len(territories)}
            )
    return typed, territories, errors


@require_GET
def territory_compare(request):
    typed, territories, errors = _chosen(request)
    data = None
    if territories and not errors:
        data = indicators.comparison(territories)
    inputs = [t.label for t in territories] if data else typed
    inputs = (inputs + [""] * indicators.MAX_COMPARED)[
        : max(indicators.MAX_COMPARED, len(inputs))
    ]
    widget = _field().widget
    context = {
        "errors": errors,
        "territories": territories if data else [],
        "inputs": [
            widget.render("t", value, attrs={"id": f"id_t{index}"})
            for index, value in enumerate(inputs, start=1)
        ],
        "data": data,
        "query": urlencode([("t", t.slug) for t in territories]) if data else "",
    }
    if data:
        context["evolution_chart"] = charts.bars(
            [
                (str(year), births)
                for year, births, _closures in data["evolution"].years
            ],
            as_percent=False,
        )
        context["bar_charts"] = [
            (b, charts.bars([(r.label, r.shares) for r in b.rows], as_percent=True))
            for b in data["breakdowns"]
        ]
    return render(
        request,
        "observatoire/territory_compare.html",
        context,
        status=400 if errors else 200,
    )


@require_GET
def territory_compare_csv(request):
    _typed, territories, errors = _chosen(request)
    if errors or not territories:
        raise Http404(" ".join(errors) or _("Choisissez les territoires à comparer."))
    data = indicators.comparison(territories)
    rows = [[_("Indicateur"), _("Valeur"), *(t.name for t in territories)]]
    figures = data["figures"]
    rows.append([_("Population"), "", *(f.territory.population for f in figures)])
    rows.append([_("Initiatives publiées"), "", *(f.initiatives for f in figures)])
    rows.append(
        [
            _("Initiatives pour 10 000 habitants"),
            "",
            *(_density_cell(f.density) for f in figures),
        ]
    )
    rows.append([_("Ateliers"), "", *(f.workshops for f in figures)])
    for key, _kinds, label in indicators.WORKSHOP_KINDS:
        rows.append([str(label), "", *(f.items[key] for f in figures)])
    for breakdown in data["breakdowns"]:
        for row in breakdown.rows:
            rows.append(
                [
                    _("%(field)s (part en %%)") % {"field": breakdown.title},
                    row.label,
                    *(_percent_cell(part) for part in row.shares),
                ]
            )
    for year, births, closures in data["evolution"].years:
        rows.append([_("Créations par année"), year, *births])
        rows.append([_("Arrêts par année"), year, *closures])
    return downloads.csv_response(rows, filename="comparaison-territoires.csv")
