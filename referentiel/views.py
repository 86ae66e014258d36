from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import DetailView

from observatoire import downloads, ratelimit, registry, roles
from referentiel import services
from referentiel.charts import radar
from referentiel.forms import (
    AggregatesFilterForm,
    AssessmentForm,
    AttachForm,
    EntryForm,
    SendLinkForm,
)
from referentiel.models import Assessment, Entry, Part, Rating, Section

# New self-assessments per connection and hour: enough for a workshop sharing
# one Wi-Fi, too few to drown the territory statistics in fake answers.
ASSESSMENT_RATE_LIMIT = 60
RATE_WINDOW_SECONDS = 3600


def _referential():
    referential = services.current_referential()
    if referential is None:
        raise Http404(_("Le référentiel n'est pas encore chargé."))
    return referential


@require_GET
def overview(request):
    referential = _referential()
    parts = referential.parts.prefetch_related(
        Prefetch(
            "sections",
            queryset=Section.objects.annotate(entry_count=Count("entries")),
        )
    ).annotate(entry_count=Count("entries", distinct=True))
    return render(
        request,
        "referentiel/referential_overview.html",
        {
            "referential": referential,
            "parts": parts,
            "tags": referential.tags.all(),
            "entry_count": Entry.objects.filter(part__referential=referential).count(),
            "entry_tags": services.entry_tags(referential=referential),
        },
    )


@require_GET
def full_text(request):
    """The whole referential on one page: for reading in one go and printing."""
    referential = _referential()
    entries = Entry.objects.filter(part__referential=referential)
    parts = referential.parts.prefetch_related(
        Prefetch("entries", queryset=entries.filter(section__isnull=True)),
        Prefetch(
            "sections",
            queryset=Section.objects.prefetch_related(Prefetch("entries", entries)),
        ),
    )
    return render(
        request,
        "referentiel/referential_full.html",
        {"referential": referential, "parts": parts},
    )


@require_GET
def markdown_export(request):
    referential = _referential()
    response = HttpResponse(
        services.referential_markdown(referential=referential),
        content_type="text/markdown; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{referential.slug}.md"'
    return response


class PartDetailView(DetailView):
    template_name = "referentiel/part_detail.html"
    context_object_name = "part"
    queryset = Part.objects.select_related("referential")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            entries=self.object.entries.filter(section__isnull=True),
            sections=self.object.sections.prefetch_related("entries"),
            can_edit=roles.is_facilitator(self.request.user),
            **kwargs,
        )


class SectionDetailView(DetailView):
    template_name = "referentiel/section_detail.html"
    context_object_name = "section"

    def get_queryset(self):
        return Section.objects.select_related("part").filter(
            part__slug=self.kwargs["part_slug"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            part=self.object.part,
            entries=self.object.entries.all(),
            can_edit=roles.is_facilitator(self.request.user),
            **kwargs,
        )


class EntryDetailView(DetailView):
    template_name = "referentiel/entry_detail.html"
    context_object_name = "entry"
    queryset = Entry.objects.select_related("part__referential", "section")

    def get_context_data(self, **kwargs):
        entry = self.object
        siblings = Entry.objects.in_container_of(entry)
        return super().get_context_data(
            part=entry.part,
            section=entry.section,
            tags=entry.tags.all(),
            related=registry.related(entry),
            previous=siblings.filter(position__lt=entry.position).last(),
            next=siblings.filter(position__gt=entry.position).first(),
            can_edit=roles.is_facilitator(self.request.user),
            **kwargs,
        )


@roles.role_required(roles.ANIMATION)
@require_http_methods(["GET", "POST"])
def entry_edit(request, slug):
    entry = get_object_or_404(
        Entry.objects.select_related("part", "section"), slug=slug
    )
    form = EntryForm(request.POST if request.method == "POST" else None, instance=entry)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("La fiche a été enregistrée."))
        return redirect(entry)
    return render(
        request,
        "referentiel/entry_form.html",
        {"entry": entry, "form": form, "part": entry.part, "section": entry.section},
    )


@roles.role_required(roles.ANIMATION)
@require_POST
def entry_move(request, slug, direction):
    entry = get_object_or_404(
        Entry.objects.select_related("part", "section"), slug=slug
    )
    if direction not in ("up", "down"):
        raise Http404
    if services.entry_move(entry=entry, direction=direction):
        messages.success(
            request, _("« %(title)s » a été déplacée.") % {"title": entry.title}
        )
    else:
        messages.warning(
            request,
            _("« %(title)s » est déjà en bout de liste.") % {"title": entry.title},
        )
    return redirect(f"{entry.container.get_absolute_url()}#fiche-{entry.slug}")


def _domains(referential):
    return (
        Section.objects.domains()
        .filter(part__referential=referential)
        .prefetch_related("entries")
    )


@never_cache
@require_http_methods(["GET", "POST"])
def assessment_start(request):
    referential = _referential()
    form = AssessmentForm(
        request.POST if request.method == "POST" else None,
        domains=_domains(referential),
    )
    if request.method == "POST" and form.is_valid():
        if ratelimit.hit(
            request,
            scope="referentiel:assessments",
            limit=ASSESSMENT_RATE_LIMIT,
            window=RATE_WINDOW_SECONDS,
        ):
            messages.error(
                request,
                _(
                    "Trop d'autodiagnostics ont été créés depuis votre connexion "
                    "dans la dernière heure. Réessayez plus tard ; pour modifier un "
                    "autodiagnostic existant, ouvrez son adresse privée."
                ),
            )
        else:
            assessment = services.assessment_save(
                referential=referential,
                levels=form.levels(),
                subject=form.cleaned_data["subject"],
                label=form.cleaned_data["label"],
                territory=form.cleaned_data["territory"],
            )
            messages.success(
                request,
                _(
                    "Autodiagnostic enregistré. Gardez l'adresse de cette page : "
                    "c'est la seule façon de le retrouver."
                ),
            )
            return redirect(assessment)
    return render(
        request,
        "referentiel/assessment_form.html",
        {"form": form, "referential": referential, "levels": Rating.Level.choices},
    )


def _assessment(token):
    return get_object_or_404(
        Assessment.objects.select_related("referential", "territory", "initiative"),
        token=token,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def assessment_edit(request, token):
    assessment = _assessment(token)
    form = AssessmentForm(
        request.POST if request.method == "POST" else None,
        domains=_domains(assessment.referential),
        initial=AssessmentForm.initial_for(assessment),
    )
    if request.method == "POST" and form.is_valid():
        services.assessment_save(
            referential=assessment.referential,
            levels=form.levels(),
            subject=form.cleaned_data["subject"],
            label=form.cleaned_data["label"],
            territory=form.cleaned_data["territory"],
            assessment=assessment,
        )
        messages.success(request, _("Autodiagnostic mis à jour."))
        return redirect(assessment)
    return render(
        request,
        "referentiel/assessment_form.html",
        {
            "form": form,
            "assessment": assessment,
            "referential": assessment.referential,
            "levels": Rating.Level.choices,
        },
    )


@never_cache
@require_GET
def assessment_detail(request, token):
    assessment = _assessment(token)
    scores = services.assessment_profile(assessment=assessment)
    strongest, weakest = services.strongest_and_weakest(scores)
    weak_domains = [score.domain for score in weakest]
    remedies = (
        Section.objects.filter(pk__in=[d.pk for d in weak_domains])
        .prefetch_related("remedy_levers", "remedy_sections__part")
        .order_by("position")
    )
    return render(
        request,
        "referentiel/assessment_detail.html",
        {
            "assessment": assessment,
            "scores": scores,
            "chart": radar([(s.domain.short_title, s.mean) for s in scores]),
            "strongest": strongest,
            "weakest": weakest,
            "remedies": remedies,
            "levels": Rating.Level.choices,
            "can_attach": roles.is_agent(request.user),
            "attach_form": AttachForm(),
            "send_form": SendLinkForm(),
        },
    )


# A person sends their link to themselves once or twice; more is a relay.
SEND_LINK_RATE_LIMIT = 5


@require_POST
def assessment_send_link(request, token):
    assessment = _assessment(token)
    form = SendLinkForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Adresse électronique non valide : le lien n'a pas été envoyé."),
        )
    elif ratelimit.hit(
        request,
        scope="referentiel:send-link",
        limit=SEND_LINK_RATE_LIMIT,
        window=RATE_WINDOW_SECONDS,
    ):
        messages.error(
            request,
            _("Trop d'envois depuis votre connexion. Réessayez dans une heure."),
        )
    elif services.assessment_send_link(
        assessment=assessment,
        email=form.cleaned_data["email"],
        url=request.build_absolute_uri(assessment.get_absolute_url()),
    ):
        messages.success(
            request,
            _("Le lien a été envoyé. L'adresse saisie n'a pas été conservée."),
        )
    else:
        messages.error(
            request,
            _(
                "Le courriel n'a pas pu partir. Copiez l'adresse de cette page "
                "pour la garder."
            ),
        )
    return redirect(assessment)


@never_cache
@require_GET
def assessment_csv(request, token):
    scores = services.assessment_profile(assessment=_assessment(token))
    header = [_("Domaine"), _("Compétence"), _("Niveau"), _("Libellé du niveau")]
    answers = [
        [score.domain.short_title, r.entry.title, r.level, r.get_level_display()]
        for score in scores
        for r in score.ratings
    ]
    means = [
        [score.domain.short_title, _("Moyenne du domaine"), f"{score.mean:.2f}", ""]
        for score in scores
    ]
    return downloads.csv_response(
        [header, *answers, *means], filename="autodiagnostic.csv"
    )


@roles.role_required(roles.MODERATION, roles.AGENTS)
@require_POST
def assessment_attach(request, token):
    assessment = _assessment(token)
    form = AttachForm(request.POST)
    if form.is_valid():
        assessment.attach_to(form.cleaned_data["initiative"])
        messages.success(
            request,
            _("Autodiagnostic rattaché à « %(name)s ».")
            % {"name": form.cleaned_data["initiative"].name},
        )
    else:
        messages.error(request, " ".join(form.errors.get("initiative", [])))
    return redirect(assessment)


def _aggregates(request):
    referential = _referential()
    form = AggregatesFilterForm(request.GET or None)
    territory = form.cleaned_data["territoire"] if form.is_valid() else None
    domains, rows = services.assessment_aggregates(
        referential=referential, territory=territory
    )
    return form, territory, domains, rows


@roles.role_required(roles.MODERATION, roles.AGENTS)
@require_GET
def assessment_aggregates(request):
    form, territory, domains, rows = _aggregates(request)
    return render(
        request,
        "referentiel/assessment_aggregates.html",
        {
            "domains": domains,
            "rows": rows,
            "form": form,
            "territory": territory,
            "min_group_size": services.MIN_GROUP_SIZE,
            "querystring": request.GET.urlencode(),
        },
    )


@roles.role_required(roles.MODERATION, roles.AGENTS)
@require_GET
def assessment_aggregates_csv(request):
    _form, _territory, domains, rows = _aggregates(request)
    header = [_("Territoire"), _("Code"), _("Autodiagnostics")]
    lines = [[*header, *(domain.short_title for domain in domains)]]
    for row in rows:
        if row.is_total:
            name, code = _("Ensemble des territoires affichés"), ""
        elif row.territory:
            name, code = row.territory.name, row.territory.code
        else:
            name, code = _("Sans territoire"), ""
        means = ["" if mean is None else f"{mean:.2f}" for mean in row.means]
        lines.append([name, code, row.count, *means])
    return downloads.csv_response(lines, filename="autodiagnostics.csv")
