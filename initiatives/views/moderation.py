"""Moderation (group Modération): the queue, decisions on submissions and
change proposals, a record's history."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from initiatives import services
from initiatives.forms import (
    REJECTION_TEXTS,
    ArchiveForm,
    BulkDecisionForm,
    ModerationEditForm,
    ProposalDecisionForm,
    QueueFilterForm,
    RejectForm,
    SpamForm,
)
from initiatives.models import ChangeProposal, Initiative
from initiatives.views import submission
from observatoire import roles
from observatoire.roles import role_required

QUEUE_PAGE_SIZE = 50


def _queue_filters(request) -> tuple[QueueFilterForm, dict]:
    sources = (
        Initiative.objects.pending()
        .exclude(source="")
        .order_by("source")
        .values_list("source", flat=True)
        .distinct()
    )
    form = QueueFilterForm(request.GET or None, sources=list(sources))
    if not form.is_bound or not form.is_valid():
        return form, {}
    return form, {k: v for k, v in form.cleaned_data.items() if v}


@role_required(roles.MODERATION)
@require_GET
def moderation_queue(request):
    """Oldest first, a page at a time, with likely duplicates; a constant
    number of queries whatever the number of pending records."""
    filter_form, filters = _queue_filters(request)
    pending = Initiative.objects.pending()
    if filters.get("lieu"):
        pending = pending.within(filters["lieu"])
    if filters.get("source"):
        pending = pending.filter(source=filters["source"])
    if filter_form.is_bound and not filter_form.is_valid():
        # Never show the whole queue under a filter that did not apply.
        pending = pending.none()
    page = Paginator(
        pending.select_related("category", "commune").order_by("created_at", "pk"),
        QUEUE_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    initiatives = list(page.object_list)
    proposal_page = Paginator(
        ChangeProposal.objects.pending()
        .select_related("initiative__commune")
        .order_by("created_at", "pk"),
        QUEUE_PAGE_SIZE,
    ).get_page(request.GET.get("modifications"))
    duplicates = services.likely_duplicates(initiatives)
    for initiative in initiatives:
        initiative.duplicates = duplicates.get(initiative.pk, [])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "initiatives/moderation_queue.html",
        {
            "initiatives": initiatives,
            "page": page,
            "initiative_total": page.paginator.count,
            "proposals": list(proposal_page.object_list),
            "proposal_page": proposal_page,
            "proposal_total": proposal_page.paginator.count,
            "filter_form": filter_form,
            "filtered": bool(filters),
            "query": query.urlencode(),
            "bulk_form": BulkDecisionForm(),
            "rejection_texts": {k: str(v) for k, v in REJECTION_TEXTS.items()},
        },
    )


@role_required(roles.MODERATION)
@require_POST
def bulk_decide(request):
    """Publish or refuse the records ticked in the queue."""
    pending = Initiative.objects.pending().values_list("pk", "name")
    form = BulkDecisionForm(request.POST, choices=list(pending))
    back = reverse("initiatives:moderation")
    query = QueryDict(request.POST.get("query", ""))
    if query:
        back += "?" + query.urlencode()
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors))
        return redirect(back)
    pks, action = form.cleaned_data["selected"], form.cleaned_data["action"]
    if action == BulkDecisionForm.SPAM:
        count = services.initiatives_reject_as_spam(pks=pks, by=request.user)
        skipped = len(pks) - count
        text = ngettext(
            "%(count)d proposition refusée comme indésirable.",
            "%(count)d propositions refusées comme indésirables.",
            count,
        )
    else:
        approve = action == BulkDecisionForm.APPROVE
        decided, skipped = services.initiatives_decide(
            pks=pks,
            by=request.user,
            approve=approve,
            reason=form.cleaned_data["reason"],
        )
        count = len(decided)
        if approve:
            text = ngettext(
                "%(count)d initiative publiée.",
                "%(count)d initiatives publiées.",
                count,
            )
        else:
            text = ngettext(
                "%(count)d initiative refusée, la personne est prévenue.",
                "%(count)d initiatives refusées, les personnes sont prévenues.",
                count,
            )
    messages.success(request, text % {"count": count})
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d fiche était déjà traitée par quelqu'un d'autre.",
                "%(count)d fiches étaient déjà traitées par quelqu'un d'autre.",
                skipped,
            )
            % {"count": skipped},
        )
    return redirect(back)


def _moderated_initiative(pk):
    return get_object_or_404(
        Initiative.objects.select_related("category", "commune"), pk=pk
    )


def _picker_config(initiative: Initiative) -> dict:
    config = submission._picker_config()
    commune = initiative.commune
    if commune.latitude is not None:
        # Start on the commune: the moderator places the point within it.
        config["center"] = [commune.latitude, commune.longitude]
        config["zoom"] = 13
    return config


@role_required(roles.MODERATION)
@require_http_methods(["GET", "POST"])
def moderate_initiative(request, pk):
    initiative = _moderated_initiative(pk)
    pending = initiative.status == Initiative.Status.PENDING
    if request.method == "POST" and not pending:
        messages.error(request, services.decided_message(initiative))
        return redirect("initiatives:moderate_initiative", pk=pk)
    if request.method == "POST":
        # The form edits its own copy, so the service still sees the old values
        # and can record what the moderator changed.
        form = ModerationEditForm(request.POST, instance=_moderated_initiative(pk))
        if form.is_valid():
            try:
                initiative = services.initiative_approve(
                    initiative=initiative, by=request.user, data=form.cleaned_data
                )
            except services.AlreadyDecided as decided:
                messages.error(request, str(decided))
                return redirect("initiatives:moderate_initiative", pk=pk)
            messages.success(
                request,
                _("« %(name)s » est publiée.") % {"name": initiative.name},
            )
            return redirect("initiatives:moderation")
    else:
        form = ModerationEditForm(instance=initiative)
    decision = None if pending else initiative.last_decision()
    return render(
        request,
        "initiatives/moderation_initiative.html",
        {
            "initiative": initiative,
            "form": form,
            "pending": pending,
            "decision": decision,
            "reject_form": RejectForm(),
            "rejection_texts": {k: str(v) for k, v in REJECTION_TEXTS.items()},
            "archive_form": ArchiveForm(),
            "duplicates": services.likely_duplicates([initiative])[initiative.pk],
            "picker": _picker_config(initiative),
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(roles.MODERATION)
@require_POST
def reject_initiative(request, pk):
    initiative = _moderated_initiative(pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Indiquez le motif du refus : il est envoyé à la personne.")
        )
        return redirect("initiatives:moderate_initiative", pk=pk)
    try:
        services.initiative_reject(
            initiative=initiative, by=request.user, reason=form.cleaned_data["reason"]
        )
    except services.AlreadyDecided as decided:
        messages.error(request, str(decided))
        return redirect("initiatives:moderate_initiative", pk=pk)
    messages.success(
        request, _("« %(name)s » est refusée.") % {"name": initiative.name}
    )
    return redirect("initiatives:moderation")


@role_required(roles.MODERATION)
@require_POST
def archive_initiative(request, pk):
    initiative = _moderated_initiative(pk)
    form = ArchiveForm(request.POST)
    if initiative.status == Initiative.Status.PENDING or not form.is_valid():
        messages.error(request, _("Seule une fiche publiée peut être archivée."))
        return redirect("initiatives:moderate_initiative", pk=pk)
    try:
        services.initiative_archive(
            initiative=initiative, by=request.user, reason=form.cleaned_data["reason"]
        )
    except services.AlreadyDecided as decided:
        messages.error(request, str(decided))
        return redirect("initiatives:moderate_initiative", pk=pk)
    messages.success(
        request,
        _("« %(name)s » est archivée : elle n'est plus visible du public.")
        % {"name": initiative.name},
    )
    return redirect("initiatives:history", pk=pk)


@role_required(roles.MODERATION)
@require_POST
def reject_spam(request):
    pending = Initiative.objects.pending().values_list("pk", "name")
    form = SpamForm(request.POST, choices=list(pending))
    if form.is_valid():
        count = services.initiatives_reject_as_spam(
            pks=form.cleaned_data["selected"], by=request.user
        )
        messages.success(
            request,
            ngettext(
                "%(count)d proposition refusée comme indésirable.",
                "%(count)d propositions refusées comme indésirables.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.error(request, " ".join(form.errors.get("selected", [])))
    return redirect("initiatives:moderation")


@role_required(roles.MODERATION)
@require_http_methods(["GET", "POST"])
def moderate_proposal(request, pk):
    proposal = get_object_or_404(
        ChangeProposal.objects.select_related("initiative__commune"), pk=pk
    )
    pending = proposal.status == ChangeProposal.Status.PENDING
    if request.method == "POST":
        form = ProposalDecisionForm(request.POST, proposal=proposal)
        if form.is_valid():
            try:
                services.proposal_accept(
                    proposal=proposal,
                    by=request.user,
                    changes=form.changes(),
                    use_image=form.cleaned_data.get("use_image", False),
                )
            except services.AlreadyDecided as decided:
                messages.error(request, str(decided))
                return redirect(proposal)
            messages.success(
                request,
                _("La modification de « %(name)s » est appliquée.")
                % {"name": proposal.initiative.name},
            )
            return redirect("initiatives:moderation")
    else:
        form = ProposalDecisionForm(proposal=proposal)
    # Before / after: what the page shows now, what is proposed (editable).
    rows = [
        (
            form[field],
            ChangeProposal.readable(
                field, ChangeProposal.current_value(proposal.initiative, field)
            ),
        )
        for field in proposal.changes
        if field in form.fields
    ]
    return render(
        request,
        "initiatives/moderation_proposal.html",
        {
            "proposal": proposal,
            "form": form,
            "rows": rows,
            "pending": pending,
            "reject_form": RejectForm(),
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(roles.MODERATION)
@require_POST
def reject_proposal(request, pk):
    proposal = get_object_or_404(ChangeProposal, pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le motif du refus."))
        return redirect(proposal)
    try:
        services.proposal_reject(
            proposal=proposal, by=request.user, reason=form.cleaned_data["reason"]
        )
    except services.AlreadyDecided as decided:
        messages.error(request, str(decided))
        return redirect(proposal)
    messages.success(request, _("La proposition de modification est refusée."))
    return redirect("initiatives:moderation")


@role_required(roles.MODERATION)
@require_GET
def initiative_history(request, pk):
    initiative = _moderated_initiative(pk)
    events = list(
        initiative.events.select_related("actor", "proposal").order_by("at", "pk")
    )
    labels = {
        f.name: f.verbose_name
        for f in Initiative._meta.get_fields()
        if hasattr(f, "verbose_name")
    }
    for event in events:
        # Field names are stored; people read the French labels.
        event.change_rows = [
            (labels.get(name, name), values[0], values[1])
            for name, values in event.changes.items()
            if isinstance(values, list) and len(values) == 2
        ]
    return render(
        request,
        "initiatives/moderation_history.html",
        {"initiative": initiative, "events": events},
    )


@role_required(roles.MODERATION)
@require_http_methods(["GET", "POST"])
def compare_initiatives(request, pk, other):
    """Two likely duplicates side by side; POST « fusionner » keeps one."""
    records = {
        record.pk: record
        for record in Initiative.objects.select_related("category", "commune")
        .prefetch_related("families", "action_levels", "resources", "tags")
        .filter(pk__in=[pk, other])
    }
    if pk == other or len(records) != 2:
        raise Http404
    first, second = records[pk], records[other]
    if request.method == "POST":
        keep_pk = request.POST.get("keep", "")
        if keep_pk not in (str(pk), str(other)):
            messages.error(request, _("Choisissez la fiche à garder."))
            return redirect("initiatives:compare", pk=pk, other=other)
        keep, drop = (first, second) if keep_pk == str(pk) else (second, first)
        try:
            keep = services.initiatives_merge(keep=keep, drop=drop, by=request.user)
        except (services.AlreadyDecided, services.MergeNotAllowed) as refused:
            messages.error(request, str(refused))
            return redirect("initiatives:compare", pk=pk, other=other)
        messages.success(
            request,
            _("« %(drop)s » est fusionnée dans « %(keep)s » et archivée.")
            % {"drop": drop.name, "keep": keep.name},
        )
        return redirect("initiatives:history", pk=keep.pk)
    return render(
        request,
        "initiatives/moderation_compare.html",
        {
            "first": first,
            "second": second,
            "rows": services.comparison_rows(first, second),
        },
    )
