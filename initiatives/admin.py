from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from initiatives import services
from initiatives.models import (
    ActionLevel,
    Category,
    ChangeProposal,
    Family,
    Initiative,
    ModerationEvent,
    ResourceType,
)
from observatoire.tags import ADMIN_FORMFIELD_OVERRIDES


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "colour", "icon", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Family, ActionLevel, ResourceType)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


class ModerationEventInline(admin.TabularInline):
    model = ModerationEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "reason", "changes"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "commune", "status", "created_at", "is_demo"]
    list_filter = ["status", "category", "is_demo", "families"]
    search_fields = ["name", "summary", "organisation", "source_id"]
    autocomplete_fields = ["commune"]
    filter_horizontal = ["families", "action_levels", "resources"]
    # Decisions (status, publication date) go through the moderation services,
    # which lock the row, write the history and send the emails: never a field
    # edited here. Images are uploaded through the site's forms, which strip
    # their metadata.
    readonly_fields = [
        "status",
        "created_at",
        "updated_at",
        "published_at",
        "image",
        "thumbnail",
        "position_approximate",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["category", "commune__parent"]
    inlines = [ModerationEventInline]
    actions = ["archive_selected"]
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        **ADMIN_FORMFIELD_OVERRIDES,
    }

    @admin.action(description=_("Archiver les initiatives sélectionnées"))
    def archive_selected(self, request, queryset):
        # Same service as the moderation pages: row lock, history.
        archived, refused = 0, []
        for initiative in queryset.order_by("pk"):
            try:
                services.initiative_archive(
                    initiative=initiative,
                    by=request.user,
                    reason=_("Depuis l'administration"),
                )
                archived += 1
            except services.AlreadyDecided:
                refused.append(initiative.name)
        if archived:
            self.message_user(
                request,
                ngettext(
                    "%(count)d initiative archivée.",
                    "%(count)d initiatives archivées.",
                    archived,
                )
                % {"count": archived},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                _("Seule une fiche publiée peut être archivée : %(names)s.")
                % {"names": ", ".join(refused)},
                messages.WARNING,
            )


@admin.register(ChangeProposal)
class ChangeProposalAdmin(admin.ModelAdmin):
    list_display = ["initiative", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    raw_id_fields = ["initiative"]
    # Accepting applies the values and writes the history: moderation page only.
    readonly_fields = ["status", "created_at", "decided_by", "decided_at"]
    list_select_related = ["initiative", "decided_by"]


@admin.register(ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin):
    list_display = ["initiative", "action", "actor", "at"]
    list_filter = ["action"]
    raw_id_fields = ["initiative", "proposal"]
    list_select_related = ["initiative", "actor"]
    # The history is evidence: it is read, never rewritten.
    readonly_fields = [
        "initiative",
        "proposal",
        "action",
        "actor",
        "at",
        "reason",
        "changes",
    ]
