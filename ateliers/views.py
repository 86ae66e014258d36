from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import DetailView, ListView

from ateliers import parsing, services
from ateliers.forms import (
    ItemForm,
    PasteForm,
    SectionForm,
    SectionTextForm,
    SummaryImageForm,
    ThemeForm,
    WorkshopForm,
)
from ateliers.models import Event, Item, Section, Theme, Workshop, WorkshopChange
from observatoire import registry, uploads
from observatoire.models import Territory
from observatoire.roles import ANIMATION, is_facilitator, role_required

facilitator_required = role_required(ANIMATION)


class FilterMixin:
    """Event, territory and tag filters shared by the list and the gathered views."""

    def filter_workshops(self, workshops):
        params = self.request.GET
        self.current = {"evenement": "", "territoire": "", "tag": ""}
        event = params.get("evenement", "")
        if event:
            workshops = workshops.filter(event__slug=event)
            self.current["evenement"] = event
        territory_slug = params.get("territoire", "")
        if territory_slug:
            territory = Territory.objects.filter(slug=territory_slug).first()
            if territory:
                workshops = workshops.within(territory)
                self.current["territoire"] = territory_slug
        return workshops

    def filter_choices(self):
        published = Workshop.objects.published()
        return {
            "events": Event.objects.filter(workshops__in=published).distinct(),
            "territories": services.workshop_territories(workshops=published),
            "tags": services.workshop_tags(workshops=published),
            "current": self.current,
            "querystring_without_page": _querystring(self.request),
        }


def _querystring(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class WorkshopListView(FilterMixin, ListView):
    template_name = "ateliers/workshop_list.html"
    context_object_name = "workshops"
    paginate_by = 20

    def get_queryset(self):
        workshops = Workshop.objects.published().select_related(
            "event", "territory__parent"
        )
        workshops = self.filter_workshops(workshops)
        tag = self.request.GET.get("tag", "")
        if tag:
            workshops = workshops.filter(tags__slug=tag).distinct()
            self.current["tag"] = tag
        return workshops.prefetch_related("tags")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.filter_choices())
        if is_facilitator(self.request.user):
            context["drafts"] = Workshop.objects.drafts()
        return context


# Gathered views: one kind of item across every published workshop.
GATHERED = {
    "vigilance": (
        ("vigilance",),
        gettext_lazy("Points de vigilance"),
        gettext_lazy("Tous les points de vigilance relevés dans les ateliers publiés."),
    ),
    "opportunites": (
        ("opportunites",),
        gettext_lazy("Opportunités"),
        gettext_lazy("Toutes les opportunités relevées dans les ateliers publiés."),
    ),
    "enjeux": (
        ("enjeux",),
        gettext_lazy("Enjeux"),
        gettext_lazy("Tous les enjeux formulés dans les ateliers publiés."),
    ),
    "a_enqueter": (
        ("a_enqueter", "idees"),
        gettext_lazy("Questions à enquêter"),
        gettext_lazy(
            "L'agenda de recherche du territoire : les éléments à enquêter et les "
            "idées à creuser de tous les ateliers publiés."
        ),
    ),
}


class GatheredView(FilterMixin, ListView):
    template_name = "ateliers/gathered_list.html"
    context_object_name = "sections"
    paginate_by = 20
    gathered = ""

    def get_queryset(self):
        kinds = GATHERED[self.gathered][0]
        workshops = self.filter_workshops(Workshop.objects.published())
        sections = Section.objects.filter(kind__in=kinds, workshop__in=workshops)
        tag = self.request.GET.get("tag", "")
        if tag:
            # A tag on the workshop or on one of the section's own items.
            tagged = Q(workshop__tags__slug=tag) | Q(items__tags__slug=tag)
            sections = sections.filter(
                pk__in=Section.objects.filter(tagged).values("pk")
            )
            self.current["tag"] = tag
        return sections.select_related(
            "workshop__event", "workshop__territory__parent"
        ).order_by("workshop__title", "workshop__pk", "position", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = services.load_tree(context["sections"])
        context.update(self.filter_choices())
        _kinds, title, intro = GATHERED[self.gathered]
        context.update(title=title, intro=intro, gathered=self.gathered)
        return context


def _visible_workshop(request, slug) -> Workshop:
    return get_object_or_404(
        Workshop.objects.visible_to(request.user).select_related(
            "event", "territory__parent"
        ),
        slug=slug,
    )


class WorkshopDetailView(DetailView):
    template_name = "ateliers/workshop_detail.html"
    context_object_name = "workshop"
    printable = False

    def get_object(self, queryset=None):
        return _visible_workshop(self.request, self.kwargs["slug"])

    def get_template_names(self):
        if self.printable:
            return ["ateliers/workshop_print.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sections = services.workshop_tree(self.object)
        # Porteurs, participants, coordination: shown once with the workshop's
        # facts, not as numbered parts nor in the table of contents.
        people = [s for s in sections if _only_people(s)]
        context.update(
            sections=[s for s in sections if not _only_people(s)],
            people_sections=people,
            has_schema_section=any(s.kind == "schema" for s in sections),
            # Other workshops' items are not "another part" of the observatory.
            related=[
                (entry, objects)
                for entry, objects in registry.related(self.object)
                if entry.model._meta.app_label != "ateliers"
            ],
            can_edit=is_facilitator(self.request.user),
        )
        return context


def _only_people(section) -> bool:
    return (
        section.lists_people
        and bool(section.people)
        and not section.item_list
        and not section.theme_list
    )


@require_GET
def workshop_markdown(request, slug):
    workshop = _visible_workshop(request, slug)
    response = HttpResponse(
        services.workshop_markdown(workshop),
        content_type="text/markdown; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{workshop.slug}.md"'
    return response


# Facilitators: creation, paste import, structure editing, publication.


@facilitator_required
@require_http_methods(["GET", "POST"])
def workshop_create(request):
    form = WorkshopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workshop = services.workshop_save(
            workshop=form.save(commit=False),
            tags=form.cleaned_data["tags"],
            event=form.cleaned_data["event"],
            new_event=form.cleaned_data["new_event"],
            by=request.user,
        )
        messages.success(request, _("Atelier créé en brouillon."))
        return redirect("ateliers:edit", slug=workshop.slug)
    return render(request, "ateliers/workshop_form.html", {"form": form})


@facilitator_required
@require_http_methods(["GET", "POST"])
def workshop_import(request):
    form = PasteForm(request.POST or None)
    parsed = None
    if request.method == "POST" and form.is_valid():
        parsed = form.parsed()
        # The title, date and place the first line gave fill the empty fields;
        # a place that names no single territory stops here, shown to correct.
        form = form.filled()
        if request.POST.get("action") == "save" and form.is_valid():
            workshop = services.workshop_create_from_parsed(
                parsed=parsed,
                title=form.cleaned_data["title"],
                event=form.cleaned_data["event"],
                new_event=form.cleaned_data["new_event"],
                by=request.user,
                starts_on=form.cleaned_data["starts_on"],
                territory=form.cleaned_data["territory"],
            )
            messages.success(
                request,
                _("Atelier importé en brouillon : vérifiez-le puis publiez-le."),
            )
            return redirect("ateliers:edit", slug=workshop.slug)
    return render(
        request,
        "ateliers/workshop_import.html",
        {
            "form": form,
            "parsed": parsed.as_dict() if parsed else None,
            "recognised": parsed,
            "max_chars": f"{parsing.MAX_CHARS:,}".replace(",", "\u202f"),
        },
    )


@facilitator_required
@require_POST
def workshop_import_preview(request):
    """The recognised structure as an HTML fragment, for the live preview."""
    form = PasteForm(request.POST)
    context = {"form": form, "parsed": None}
    if form.is_valid():
        context["parsed"] = form.parsed().as_dict()
        context["recognised"] = form.parsed()
    return render(request, "ateliers/includes/import_preview.html", context)


def _editable(slug) -> Workshop:
    return get_object_or_404(Workshop, slug=slug)


def _log(request, workshop, action, summary=""):
    services.workshop_log(
        workshop=workshop, by=request.user, action=action, summary=summary
    )


def _pk_param(request, name) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@facilitator_required
@require_http_methods(["GET", "POST"])
def workshop_edit(request, slug):
    workshop = _editable(slug)
    form = WorkshopForm(request.POST or None, instance=workshop)
    if request.method == "POST" and form.is_valid():
        workshop = services.workshop_save(
            workshop=form.save(commit=False),
            tags=form.cleaned_data["tags"],
            event=form.cleaned_data["event"],
            new_event=form.cleaned_data["new_event"],
            by=request.user,
            changed=[str(form.fields[name].label) for name in form.changed_data],
        )
        messages.success(request, _("Informations de l'atelier enregistrées."))
        return redirect("ateliers:edit", slug=workshop.slug)
    if form.is_bound:
        # Validation wrote the rejected values on the instance: show the saved ones.
        workshop = _editable(slug)
    sections = services.workshop_tree(workshop)
    # The page stays light whatever the size of the workshop: the type list of
    # one part, the move list and the sub-item form of one item, only when asked.
    # A workshop at MAX_ITEMS gives a 1.7 MB page in 4 s with a form per item:
    # items and themes are rows, and the one asked for ("?element=12") gets
    # its form, its move list ("&deplacer=1") and its sub-item form.
    open_section = _pk_param(request, "partie")
    kind_of = _pk_param(request, "type")
    edited_item = _pk_param(request, "element")
    edited_theme = _pk_param(request, "theme")
    targets = []
    for section in sections:
        section.form = _form("section", section, full=section.pk == kind_of)
        section.new_theme_form = _form("theme", parent=("section", section))
        section.new_item_form = _form("item", parent=("section", section))
        section.is_open = section.pk in (open_section, kind_of) or len(sections) == 1
        for theme in section.theme_list:
            if theme.pk == edited_theme:
                section.is_open = True
                theme.form = _form("theme", theme)
                theme.new_item_form = _form("item", parent=("theme", theme))
        for item in _all_items(section):
            if item.pk == edited_item:
                section.is_open = True
                item.form = _form("item", item)
                item.new_item_form = _form("item", parent=("item", item))
                if request.GET.get("deplacer"):
                    item.show_move = True
                    targets = _targets(sections)
    return render(
        request,
        "ateliers/workshop_edit.html",
        {
            "workshop": workshop,
            "form": form,
            "sections": sections,
            "new_section_form": SectionForm(prefix="new"),
            "image_form": SummaryImageForm(),
            "targets": targets,
            "changes": workshop.changes.all()[:50],
            "trash_days": services.trash_days(),
            "max_items": parsing.MAX_ITEMS,
        },
    )


def _all_items(section):
    stack = list(section.item_list) + [
        item for theme in section.theme_list for item in theme.item_list
    ]
    while stack:
        item = stack.pop()
        yield item
        stack += item.child_list


def _back(workshop, anchor="", section=None, obj=None):
    """Back to the editor, on `anchor`, with the part that holds it unfolded
    and the item or theme `obj` still open for editing."""
    url = reverse("ateliers:edit", args=[workshop.slug])
    if isinstance(obj, Item):
        url += f"?element={obj.pk}"
    elif isinstance(obj, Theme):
        url += f"?theme={obj.pk}"
    elif section is not None:
        url += f"?partie={section.pk}"
    return redirect(f"{url}#{anchor}" if anchor else url)


def _section_of(obj):
    return obj if isinstance(obj, Section) else obj.section


def _report_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label} : {error}" if label else error)


@facilitator_required
@require_POST
def workshop_publish(request, slug):
    workshop = _editable(slug)
    if request.POST.get("action") == "unpublish":
        workshop.unpublish()
        _log(request, workshop, WorkshopChange.Action.UNPUBLISHED)
        messages.success(request, _("L'atelier est repassé en brouillon."))
    else:
        workshop.publish()
        _log(request, workshop, WorkshopChange.Action.PUBLISHED)
        messages.success(request, _("L'atelier est publié."))
    return _back(workshop)


@facilitator_required
@require_POST
def workshop_delete(request, slug):
    """Into the trash: restorable by any facilitator for ATELIERS_TRASH_DAYS."""
    workshop = _editable(slug)
    services.workshop_trash(workshop=workshop, by=request.user)
    messages.success(
        request,
        _(
            "« %(title)s » est dans la corbeille : vous pouvez le restaurer pendant "
            "%(days)s jours."
        )
        % {"title": workshop.title, "days": services.trash_days()},
    )
    return redirect("ateliers:trash")


@facilitator_required
@require_GET
def workshop_trash_list(request):
    workshops = Workshop.all_objects.in_trash().order_by("-deleted_at")
    return render(
        request,
        "ateliers/workshop_trash.html",
        {"workshops": workshops, "trash_days": services.trash_days()},
    )


@facilitator_required
@require_POST
def workshop_restore(request, pk):
    workshop = get_object_or_404(Workshop.all_objects.in_trash(), pk=pk)
    services.workshop_restore(workshop=workshop, by=request.user)
    messages.success(request, _("Atelier restauré, en brouillon."))
    return _back(workshop)


@facilitator_required
@require_POST
def workshop_image(request, slug):
    workshop = _editable(slug)
    if request.POST.get("action") == "remove":
        services.workshop_image_remove(workshop=workshop)
        _log(request, workshop, WorkshopChange.Action.IMAGE, _("Schéma retiré"))
        messages.success(request, _("Schéma résumé retiré."))
        return _back(workshop, "schema")
    if uploads.refused(request):
        messages.error(request, uploads.too_large_message())
        return _back(workshop, "schema")
    form = SummaryImageForm(request.POST, request.FILES)
    if form.is_valid():
        services.workshop_image_replace(
            workshop=workshop,
            image=form.cleaned_data["image"],
            alt=form.cleaned_data["alt"],
        )
        _log(request, workshop, WorkshopChange.Action.IMAGE, _("Schéma déposé"))
        messages.success(request, _("Schéma résumé enregistré."))
    else:
        _report_errors(request, form)
    return _back(workshop, "schema")


@facilitator_required
@require_POST
def section_add(request, slug):
    workshop = _editable(slug)
    form = SectionForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            section = services.section_add(workshop=workshop, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return _back(workshop, "nouvelle-section")
        _log(
            request,
            workshop,
            WorkshopChange.Action.CONTENT,
            _("Partie ajoutée : « %(name)s »") % {"name": section.display_heading},
        )
        return _back(workshop, f"section-{section.pk}", section)
    _report_errors(request, form)
    return _back(workshop, "nouvelle-section")


# The nodes of a workshop's structure, named as in URLs and page anchors
# ("#theme-12"): model, form, and the lookup from the node to its workshop.
NODES = {
    "section": (Section, SectionForm, "workshop"),
    "theme": (Theme, ThemeForm, "section__workshop"),
    "item": (Item, ItemForm, "section__workshop"),
}


def _form(kind: str, instance=None, *, parent=None, data=None, full=True):
    """The form editing `instance`, or adding a `kind` node inside `parent`
    (a (kind, node) pair); each has its own prefix, the page shows them all.
    A part's form without `full` leaves its type alone."""
    if parent is None:
        prefix = f"{kind}-{instance.pk}"
    else:
        prefix = f"new-{kind}-{parent[0]}-{parent[1].pk}"
    form_class = NODES[kind][1]
    if kind == "section" and not full:
        form_class = SectionTextForm
    return form_class(data, instance=instance, prefix=prefix)


NODE_NAMES = {
    "section": gettext_lazy("Partie"),
    "theme": gettext_lazy("Thème"),
    "item": gettext_lazy("Élément"),
}


def _describe(kind, obj) -> str:
    if kind == "section":
        text = obj.display_heading
    else:
        text = obj.title if kind == "theme" else obj.text
    return f"{NODE_NAMES[kind]} « {text[:80]} »"


def _node(slug, kind, pk):
    workshop = _editable(slug)
    model, _form_class, to_workshop = NODES[kind]
    return workshop, get_object_or_404(model, pk=pk, **{to_workshop: workshop})


@facilitator_required
@require_POST
def object_update(request, slug, kind, pk):
    workshop, obj = _node(slug, kind, pk)
    before = _describe(kind, obj)
    # The type is only sent when the facilitator asked to change it.
    full = kind != "section" or f"section-{obj.pk}-kind" in request.POST
    form = _form(kind, obj, data=request.POST, full=full)
    if form.is_valid():
        form.save()
        fields = ", ".join(str(form.fields[n].label) for n in form.changed_data)
        if fields:
            _log(
                request,
                workshop,
                WorkshopChange.Action.CONTENT,
                _("%(node)s modifié (%(fields)s)") % {"node": before, "fields": fields},
            )
        messages.success(request, _("Modification enregistrée."))
    else:
        _report_errors(request, form)
    return _back(workshop, f"{kind}-{obj.pk}", _section_of(obj), obj)


@facilitator_required
@require_POST
def object_action(request, slug, kind, pk, action):
    workshop, obj = _node(slug, kind, pk)
    anchor = f"{kind}-{obj.pk}"
    section = _section_of(obj)
    _log(
        request,
        workshop,
        WorkshopChange.Action.CONTENT,
        f"{_describe(kind, obj)} : {ACTION_NAMES.get(action, action)}",
    )
    if action in ("up", "down"):
        services.object_move(obj=obj, direction=action)
    elif action == "delete":
        services.object_delete(obj=obj)
        messages.success(request, _("Supprimé."))
        anchor = "structure"
        section = None if kind == "section" else section
    elif kind != "item":
        raise Http404
    elif action == "indent":
        if not services.item_indent(item=obj):
            messages.error(
                request,
                _(
                    "Impossible : le premier élément d'une liste ne peut pas devenir "
                    "un sous-élément, et l'imbrication est limitée à %(max)s niveaux."
                )
                % {"max": parsing.MAX_DEPTH},
            )
    elif action == "outdent":
        if not services.item_outdent(item=obj):
            messages.error(request, _("Cet élément est déjà au premier niveau."))
    elif action == "move":
        section, theme = _target(workshop, request.POST.get("target", ""))
        if section is None:
            messages.error(
                request, _("Choisissez une partie ou un thème de l'atelier.")
            )
        else:
            services.item_move_to(item=obj, section=section, theme=theme)
            messages.success(request, _("Élément déplacé."))
    return _back(workshop, anchor, section, None if action == "delete" else obj)


ACTION_NAMES = {
    "up": gettext_lazy("monté"),
    "down": gettext_lazy("descendu"),
    "delete": gettext_lazy("supprimé"),
    "indent": gettext_lazy("mis en sous-élément"),
    "outdent": gettext_lazy("remonté d'un niveau"),
    "move": gettext_lazy("déplacé"),
}


def _target(workshop, value: str):
    """ "section-12" or "theme-34" of `workshop` (as `_targets` offers them) as a
    (section, theme or None) pair; (None, None) for anything else."""
    kind, _sep, pk = value.partition("-")
    if not pk.isdigit():
        return None, None
    if kind == "section":
        return workshop.sections.filter(pk=pk).first(), None
    if kind == "theme":
        theme = Theme.objects.filter(pk=pk, section__workshop=workshop).first()
        if theme:
            return theme.section, theme
    return None, None


def _targets(sections) -> list[tuple[str, str]]:
    choices = []
    for section in sections:
        choices.append((f"section-{section.pk}", section.display_heading))
        for number, theme in enumerate(section.theme_list, start=1):
            label = f"{section.display_heading} › {number}. {theme.title}"
            choices.append((f"theme-{theme.pk}", label[:120]))
    return choices


@facilitator_required
@require_POST
def child_add(request, slug, kind, pk, child):
    """Add a theme to a section, or an item to a section, a theme or an item."""
    workshop, obj = _node(slug, kind, pk)
    if child == "section" or (child == "theme" and kind != "section"):
        raise Http404
    form = _form(child, parent=(kind, obj), data=request.POST)
    if not form.is_valid():
        _report_errors(request, form)
        return _back(workshop, f"{kind}-{obj.pk}", _section_of(obj), obj)
    try:
        if child == "theme":
            added = services.theme_add(section=obj, title=form.cleaned_data["title"])
        else:
            added = services.item_add(
                inside=obj,
                text=form.cleaned_data["text"],
                tags=form.cleaned_data["tags"],
            )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _back(workshop, f"{kind}-{obj.pk}", _section_of(obj), obj)
    _log(
        request,
        workshop,
        WorkshopChange.Action.CONTENT,
        _("%(node)s ajouté") % {"node": _describe(child, added)},
    )
    # Stay on the form that added it, ready for the next one.
    return _back(workshop, f"{child}-{added.pk}", _section_of(obj), obj)


# Before nodes and actions had one English name each (element, monter…).
LEGACY_NAMES = {
    "element": "item",
    "monter": "up",
    "descendre": "down",
    "supprimer": "delete",
    "indenter": "indent",
    "desindenter": "outdent",
    "deplacer": "move",
}


class HttpResponsePermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308


def legacy_redirect(request, slug, kind, pk, rest):
    """The editing URLs of before: a permanent redirect that keeps the method,
    so that a page opened before the change still posts."""
    kind = LEGACY_NAMES.get(kind, kind)
    try:
        if rest == "modifier":
            url = reverse("ateliers:object_update", args=[slug, kind, pk])
        elif rest.startswith("ajouter-"):
            child = LEGACY_NAMES.get(rest.removeprefix("ajouter-"), "")
            url = reverse("ateliers:child_add", args=[slug, kind, pk, child])
        else:
            action = LEGACY_NAMES.get(rest, "")
            url = reverse("ateliers:object_action", args=[slug, kind, pk, action])
    except NoReverseMatch:
        raise Http404 from None
    return HttpResponsePermanentRedirectKeepingMethod(url)
