"""Moderation (group Modération): the queue, decisions on submissions and
change proposals, a record's history."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from initiatives import services
from initiatives.forms import (
    ArchiveForm,
    ModerationEditForm,
    ProposalDecisionForm,
    RejectForm,
    SpamForm,
)
from initiatives.models import ChangeProposal, Initiative
from observatoire import roles
from observatoire.roles import role_required

QUEUE_SIZE = 100


@role_required(roles.MODERATION)
@require_GET
def moderation_queue(request):
    """Oldest first, with likely duplicates; a constant number of queries."""
    pending = Initiative.objects.pending()
    initiatives = list(
        pending.select_related("category", "commune").order_by("created_at", "pk")[
            :QUEUE_SIZE
        ]
    )
    proposals_qs = ChangeProposal.objects.pending()
    proposals = list(
        proposals_qs.select_related("initiative__commune").order_by("created_at", "pk")[
            :QUEUE_SIZE
        ]
    )
    duplicates = services.likely_duplicates(initiatives)
    for initiative in initiatives:
        initiative.duplicates = duplicates.get(initiative.pk, [])
    return render(
        request,
        "initiatives/moderation_queue.html",
        {
            "initiatives": initiatives,
            "initiative_total": pending.count(),
            "proposals": proposals,
            "proposal_total": proposals_qs.count(),
            "spam_form": SpamForm(),
        },
    )


def _moderated_initiative(pk):
    return get_object_or_404(
        Initiative.objects.select_related("category", "commune"), pk=pk
    )


@role_required(roles.MODERATION)
@require_http_methods(["GET", "POST"])
def moderate_initiative(request, pk):
    initiative = _moderated_initiative(pk)
    pending = initiative.status == Initiative.Status.PENDING
    if request.method == "POST":
        if not pending:
            messages.error(request, _("Cette fiche a déjà été traitée."))
            return redirect("initiatives:moderate_initiative", pk=pk)
        # The form edits its own copy, so the service still sees the old values
        # and can record what the moderator changed.
        form = ModerationEditForm(request.POST, instance=_moderated_initiative(pk))
        if form.is_valid():
            services.initiative_approve(
                initiative=initiative, by=request.user, data=form.cleaned_data
            )
            messages.success(
                request,
                _("« %(name)s » est publiée.") % {"name": initiative.name},
            )
            return redirect("initiatives:moderation")
    else:
        form = ModerationEditForm(instance=initiative)
    return render(
        request,
        "initiatives/moderation_initiative.html",
        {
            "initiative": initiative,
            "form": form,
            "pending": pending,
            "reject_form": RejectForm(),
            "archive_form": ArchiveForm(),
            "duplicates": services.likely_duplicates([initiative])[initiative.pk],
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(roles.MODERATION)
@require_POST
def reject_initiative(request, pk):
    initiative = _moderated_initiative(pk)
    if initiative.status != Initiative.Status.PENDING:
        messages.error(request, _("Cette fiche a déjà été traitée."))
        return redirect("initiatives:moderate_initiative", pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Indiquez le motif du refus : il est envoyé à la personne.")
        )
        return redirect("initiatives:moderate_initiative", pk=pk)
    services.initiative_reject(
        initiative=initiative, by=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(
        request, _("« %(name)s » est refusée.") % {"name": initiative.name}
    )
    return redirect("initiatives:moderation")


@role_required(roles.MODERATION)
@require_POST
def archive_initiative(request, pk):
    initiative = _moderated_initiative(pk)
    form = ArchiveForm(request.POST)
    if initiative.status != Initiative.Status.PUBLISHED or not form.is_valid():
        messages.error(request, _("Seule une fiche publiée peut être archivée."))
        return redirect("initiatives:moderate_initiative", pk=pk)
    services.initiative_archive(
        initiative=initiative, by=request.user, reason=form.cleaned_data["reason"]
    )
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
        if not pending:
            messages.error(request, _("Cette proposition a déjà été traitée."))
            return redirect(proposal)
        if form.is_valid():
            services.proposal_accept(
                proposal=proposal, by=request.user, changes=form.cleaned_data
            )
            messages.success(
                request,
                _("La modification de « %(name)s » est appliquée.")
                % {"name": proposal.initiative.name},
            )
            return redirect("initiatives:moderation")
    else:
        form = ProposalDecisionForm(proposal=proposal)
    rows = [
        (form[field], getattr(proposal.initiative, field))
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
    if proposal.status != ChangeProposal.Status.PENDING:
        messages.error(request, _("Cette proposition a déjà été traitée."))
    elif not form.is_valid():
        messages.error(request, _("Indiquez le motif du refus."))
    else:
        services.proposal_reject(
            proposal=proposal, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("La proposition de modification est refusée."))
        return redirect("initiatives:moderation")
    return redirect(proposal)


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
