from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    # Images are uploaded through the site's forms, which strip their metadata.
    readonly_fields = [
        "created_at",
        "updated_at",
        "published_at",
        "image",
        "thumbnail",
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
        # Same path as the moderation pages so the history records it.
        for initiative in queryset.exclude(status=Initiative.Status.ARCHIVED):
            initiative.archive(by=request.user, reason=_("Depuis l'administration"))


@admin.register(ChangeProposal)
class ChangeProposalAdmin(admin.ModelAdmin):
    list_display = ["initiative", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    raw_id_fields = ["initiative"]
    readonly_fields = ["created_at", "decided_by", "decided_at"]
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
