from django.contrib import admin

from observatoire.tags import ADMIN_FORMFIELD_OVERRIDES
from referentiel.models import Assessment, Entry, Part, Referential, Section


@admin.register(Referential)
class ReferentialAdmin(admin.ModelAdmin):
    list_display = ["title", "licence"]
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "position"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "part", "position"]
    list_filter = ["part"]
    filter_horizontal = ["remedy_levers", "remedy_sections"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["title", "part", "section", "position"]
    list_filter = ["part"]
    search_fields = ["title", "description"]
    readonly_fields = ["slug"]
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    # Answers are not shown: staff see aggregates, not individual answers.
    list_display = ["created_at", "subject", "territory", "initiative"]
    fields = ["subject", "territory", "initiative", "created_at"]
    readonly_fields = ["subject", "territory", "created_at"]
    raw_id_fields = ["initiative"]

    def has_add_permission(self, request):
        return False
